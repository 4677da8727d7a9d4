namespace FraudEx.Grpc;

/// <summary>Options of the gRPC server, set with <c>services.AddGrpcServer(o => ...)</c>.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted, in bytes (after decompression); larger → RESOURCE_EXHAUSTED. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest response message sent, in bytes; larger → RESOURCE_EXHAUSTED. Default 4 MiB.</summary>
    public int MaxSendMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>When true, an unexpected handler exception's message goes to the client in grpc-message. Off by default.</summary>
    public bool EnableDetailedErrors { get; set; }

    /// <summary>
    /// On shutdown, calls still running this long after the host starts stopping see their CancellationToken fire
    /// (and end UNAVAILABLE). Short calls drain normally before; long streams (watches) end instead of holding the
    /// host until its own shutdown timeout. Default 5 s.
    /// </summary>
    public TimeSpan ShutdownCancellationDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often health Watch re-evaluates health checks to detect changes. Default 5 s.</summary>
    public TimeSpan HealthWatchInterval { get; set; } = TimeSpan.FromSeconds(5);
}
