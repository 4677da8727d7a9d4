using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FraudEx.ServiceDefaults.Telemetry;

namespace FraudEx.LoadGen;

/// <summary>Latency percentiles in milliseconds.</summary>
public sealed record LatencySummary(double P50, double P90, double P99, double P999, double Max, double Mean)
{
    /// <summary>Summarises a histogram recorded in microseconds.</summary>
    public static LatencySummary From(LatencyHistogram h) => new(
        h.ValueAtQuantile(0.50) / 1000.0, h.ValueAtQuantile(0.90) / 1000.0, h.ValueAtQuantile(0.99) / 1000.0,
        h.ValueAtQuantile(0.999) / 1000.0, h.Max / 1000.0, Math.Round(h.Mean / 1000.0, 3));
}

/// <summary>The outcome of one load run.</summary>
public sealed record LoadResult
{
    public required string Mode { get; init; }

    public required string Target { get; init; }

    public int? Concurrency { get; init; }

    public double? TargetRate { get; init; }

    public int? Streams { get; init; }

    public double DurationSeconds { get; init; }

    public double WarmupSeconds { get; init; }

    /// <summary>Transactions sent (closed loop) or due (open loop) during the measured window.</summary>
    public long Sent { get; init; }

    /// <summary>
    /// Stream messages due in the measured window that were never written, because the sender was still held back
    /// 100 ms after the window's end (counted in <see cref="Sent"/>, so an open loop does not hide them; answered
    /// they cannot be).
    /// </summary>
    public long Unsent { get; init; }

    /// <summary>Answers (results, not errors) to the calls due in the measured window: the latency percentiles are theirs.</summary>
    public long Completed { get; init; }

    /// <summary>Answers (results, not errors) that arrived during the measured window, whenever their call was due.</summary>
    public long Delivered { get; init; }

    /// <summary>Answers per second that arrived during the measured window (<see cref="Delivered"/> over the duration):
    /// the rate the system sustained. Beyond capacity an open loop falls behind its schedule, so the calls due in the
    /// window are answered late or after it, and counting those instead would understate the rate.</summary>
    public double Throughput { get; init; }

    public required LatencySummary LatencyMs { get; init; }

    /// <summary>Errors by gRPC status name.</summary>
    public Dictionary<string, long> Errors { get; init; } = [];

    /// <summary>Decisions by name.</summary>
    public Dictionary<string, long> Decisions { get; init; } = [];

    public long Degraded { get; init; }

    public long Replayed { get; init; }

    /// <summary>REVIEW and DECLINE answers counted by their strongest reason's code (model feature or rule).</summary>
    public Dictionary<string, long> FlaggedByTopReason { get; init; } = [];

    public required string Command { get; init; }

    /// <summary>CPU per process over the measured window (with --cpu).</summary>
    public IReadOnlyList<ProcessCpu> Cpu { get; init; } = [];

    /// <summary>Share of the machine's CPU time that was busy over the measured window (with --cpu).</summary>
    public double? MachineBusyPercent { get; init; }

    /// <summary>A plain-text table for the console.</summary>
    public string ToTable()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        var load = Mode == "stream" ? $"{TargetRate:0} /s over {Streams} streams" : TargetRate is { } r ? $"{r:0} /s open loop" : $"{Concurrency} in flight";
        sb.AppendLine(c, $"FraudEx.LoadGen  {Mode}  {load}  against {Target}");
        sb.AppendLine(c, $"measured {DurationSeconds:0.#} s after {WarmupSeconds:0.#} s warm-up");
        sb.AppendLine();
        sb.AppendLine(c, $"| throughput ({(Mode == "health" ? "calls" : "scores")}/s) | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | sent | ok | errors |");
        sb.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        sb.AppendLine(c, $"| {Throughput:0} | {LatencyMs.P50:0.000} | {LatencyMs.P90:0.000} | {LatencyMs.P99:0.000} | {LatencyMs.P999:0.000} | {LatencyMs.Max:0.000} | {Sent} | {Completed} | {Errors.Values.Sum()} |");
        sb.AppendLine();
        if (Unsent > 0)
        {
            sb.AppendLine(c, $"unsent: {Unsent} of the {Sent} messages due were never written (the sender was held back past the window's end)");
        }

        if (Mode != "health")
        {
            sb.AppendLine(c, $"decisions: {string.Join(", ", Decisions.Select(d => $"{d.Key} {d.Value}"))}; degraded {Degraded}; replayed {Replayed}");
            if (FlaggedByTopReason.Count > 0)
            {
                sb.AppendLine(c, $"flagged, by strongest reason: {string.Join(", ", FlaggedByTopReason.OrderByDescending(r => r.Value).Take(6).Select(r => $"{r.Key} {r.Value}"))}");
            }
        }

        if (Errors.Count > 0)
        {
            sb.AppendLine(c, $"errors: {string.Join(", ", Errors.Select(e => $"{e.Key} {e.Value}"))}");
        }

        if (Cpu.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine(c, $"CPU over the measured window (machine {MachineBusyPercent:0.#} % busy, {Environment.ProcessorCount} cores):");
            sb.AppendLine();
            sb.AppendLine("| process | CPU s | CPU µs per score |");
            sb.AppendLine("|---|---:|---:|");
            foreach (var p in Cpu)
            {
                sb.AppendLine(c, $"| {p.Name} | {p.CpuSeconds:0.00} | {p.MicrosPerScore:0.0} |");
            }

            sb.AppendLine(c, $"| all | {Cpu.Sum(p => p.CpuSeconds):0.00} | {Cpu.Sum(p => p.MicrosPerScore):0.0} |");
        }

        return sb.ToString();
    }

    /// <summary>The result as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, LoadResultJsonContext.Default.LoadResult);
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(LoadResult))]
internal sealed partial class LoadResultJsonContext : JsonSerializerContext;
