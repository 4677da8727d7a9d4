using FraudEx.Grpc;
using FraudEx.Testing.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;

namespace FraudEx.Conformance;

/// <summary>What a conformance request asks the server to do, as conformance.proto's comments define it.</summary>
public static class EchoBehavior
{
    /// <summary>Request metadata with this prefix is echoed back.</summary>
    public const string EchoPrefix = "x-echo-";

    // Bounds that keep a careless request from exhausting the test machine; far above what any case uses.
    public const int MaxResponseSize = 64 * 1024 * 1024;
    public const int MaxCount = 10_000_000;
    public const int MaxDelayMs = 600_000;

    /// <summary>The response payload: <c>response_size</c> zero bytes when set, else the request's payload.</summary>
    public static ByteString ResponsePayload(EchoRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.ResponseSize > 0 ? Zeros(request.ResponseSize) : request.Payload;
    }

    public static ByteString Zeros(int size) => size > 0 ? ByteString.CopyFrom(new byte[size]) : ByteString.Empty;

    /// <summary>
    /// Headers echo the request's x-echo-* entries under the same keys; trailers under the key with "-trailer"
    /// inserted before any "-bin" suffix (x-echo-a → x-echo-a-trailer, x-echo-b-bin → x-echo-b-trailer-bin).
    /// </summary>
    public static (Metadata Headers, Metadata Trailers) EchoedMetadata(Metadata requestHeaders)
    {
        ArgumentNullException.ThrowIfNull(requestHeaders);
        var headers = new Metadata();
        var trailers = new Metadata();
        foreach (var entry in requestHeaders)
        {
            if (!entry.Key.StartsWith(EchoPrefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var trailerKey = TrailerKey(entry.Key);
            if (entry.ValueBytes is { } bytes)
            {
                headers.Add(entry.Key, bytes);
                trailers.Add(trailerKey, bytes);
            }
            else
            {
                headers.Add(entry.Key, entry.Value ?? string.Empty);
                trailers.Add(trailerKey, entry.Value ?? string.Empty);
            }
        }

        return (headers, trailers);
    }

    public static string TrailerKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Metadata.IsBinaryKey(key)
            ? string.Concat(key.AsSpan(0, key.Length - Metadata.BinarySuffix.Length), "-trailer", Metadata.BinarySuffix)
            : key + "-trailer";
    }

    /// <summary>Throws the status a <see cref="StatusSpec"/> asks for; does nothing when it is absent or OK.</summary>
    public static void ThrowIfAsked(StatusSpec? spec)
    {
        if (spec is null || spec.Code == 0)
        {
            return;
        }

        throw ToException(spec);
    }

    public static RpcException ToException(StatusSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var code = (StatusCode)spec.Code;
        if (!spec.WithDetails)
        {
            return new RpcException(code, spec.Message);
        }

        var badRequest = new BadRequest();
        badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = "payload", Description = spec.Message });
        return RpcErrors.WithDetails(code, spec.Message, Any.Pack(badRequest));
    }

    public static void Validate(EchoRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var violations = new List<(string Field, string Description)>();
        if (request.ResponseSize is < 0 or > MaxResponseSize)
        {
            violations.Add(("response_size", $"must be between 0 and {MaxResponseSize}"));
        }

        if (request.DelayMs is < 0 or > MaxDelayMs)
        {
            violations.Add(("delay_ms", $"must be between 0 and {MaxDelayMs}"));
        }

        AddStatusViolations(request.FailWith, "fail_with", violations);
        ThrowIfAny(violations);
    }

    public static void Validate(ServerStreamRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var violations = new List<(string Field, string Description)>();
        if (request.Count is < 0 or > MaxCount)
        {
            violations.Add(("count", $"must be between 0 and {MaxCount}"));
        }

        if (request.PayloadSize is < 0 or > MaxResponseSize)
        {
            violations.Add(("payload_size", $"must be between 0 and {MaxResponseSize}"));
        }

        if (request.IntervalMs is < 0 or > MaxDelayMs)
        {
            violations.Add(("interval_ms", $"must be between 0 and {MaxDelayMs}"));
        }

        AddStatusViolations(request.FailWith, "fail_with", violations);
        ThrowIfAny(violations);
    }

    private static void AddStatusViolations(StatusSpec? spec, string field, List<(string Field, string Description)> violations)
    {
        if (spec is not null && spec.Code is < 0 or > 16)
        {
            violations.Add(($"{field}.code", "must be a gRPC status code, 0 to 16"));
        }
    }

    private static void ThrowIfAny(List<(string Field, string Description)> violations)
    {
        if (violations.Count > 0)
        {
            throw RpcErrors.InvalidArgument("invalid conformance request", violations);
        }
    }
}
