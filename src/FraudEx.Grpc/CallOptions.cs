namespace FraudEx.Grpc;

/// <summary>Per-call options of the client: request metadata, deadline (UTC) and cancellation.</summary>
public readonly struct CallOptions
{
    public CallOptions(Metadata? headers = null, DateTime? deadline = null, CancellationToken cancellationToken = default)
    {
        Headers = headers;
        Deadline = deadline;
        CancellationToken = cancellationToken;
    }

    /// <summary>Request metadata sent as headers ("-bin" keys base64-encoded).</summary>
    public Metadata? Headers { get; init; }

    /// <summary>
    /// When the call must be done, in UTC. Sent as grpc-timeout and enforced locally: after it the call fails with
    /// DEADLINE_EXCEEDED and the stream is reset.
    /// </summary>
    public DateTime? Deadline { get; init; }

    /// <summary>Cancels the call (RST_STREAM); the call then fails with CANCELLED.</summary>
    public CancellationToken CancellationToken { get; init; }
}
