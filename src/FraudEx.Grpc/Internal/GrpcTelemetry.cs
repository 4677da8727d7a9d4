using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FraudEx.Grpc.Internal;

/// <summary>
/// Spans and call-duration histograms after OpenTelemetry's RPC semantic conventions (rpc.system=grpc, rpc.service,
/// rpc.method, rpc.grpc.status_code; span name "pkg.Service/Method"; durations in seconds).
/// </summary>
internal static class GrpcTelemetry
{
    public const string Name = "FraudEx.Grpc";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Histogram<double> ServerDuration = Meter.CreateHistogram<double>(
        "rpc.server.duration", unit: "s", description: "Duration of inbound gRPC calls.");

    public static readonly Histogram<double> ClientDuration = Meter.CreateHistogram<double>(
        "rpc.client.duration", unit: "s", description: "Duration of outbound gRPC calls.");

    public static void SetStatus(Activity activity, StatusCode code, bool isServer)
    {
        activity.SetTag("rpc.grpc.status_code", (int)code);
        // Server spans mark only codes that mean the server failed; client spans mark any non-OK outcome.
        var isError = isServer
            ? code is StatusCode.Unknown or StatusCode.DeadlineExceeded or StatusCode.Unimplemented or StatusCode.Internal
                or StatusCode.Unavailable or StatusCode.DataLoss
            : code != StatusCode.OK;
        if (isError)
        {
            activity.SetStatus(ActivityStatusCode.Error, code.ToString());
        }
    }

    public static void RecordDuration(Histogram<double> histogram, MethodNames names, StatusCode code, long startTimestamp)
    {
        if (!histogram.Enabled)
        {
            return;
        }

        var tags = new TagList
        {
            { "rpc.system", "grpc" },
            { "rpc.service", names.Service },
            { "rpc.method", names.Method },
            { "rpc.grpc.status_code", (int)code },
        };
        histogram.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tags);
    }
}

/// <summary>Names of one method, computed once: path "/pkg.Service/Method", span name "pkg.Service/Method".</summary>
internal sealed class MethodNames
{
    public MethodNames(string path)
    {
        Path = path;
        (Service, Method) = GrpcProtocol.SplitMethod(path);
        SpanName = path.TrimStart('/');
    }

    public string Path { get; }

    public string Service { get; }

    public string Method { get; }

    public string SpanName { get; }
}
