using FraudEx.LoadGen;
using FraudEx.ServiceDefaults.Telemetry;

namespace FraudEx.Scoring.Tests;

public sealed class LoadGenOptionsTests
{
    [Fact]
    public void UnaryClosedLoop_Parsed()
    {
        var o = LoadGenOptions.Parse(["unary", "--concurrency", "32", "--duration", "20", "--out", "r.json"]);
        Assert.Equal(LoadMode.Unary, o.Mode);
        Assert.Equal(32, o.Concurrency);
        Assert.Null(o.Rate);
        Assert.Equal(TimeSpan.FromSeconds(20), o.Duration);
        Assert.Equal("r.json", o.Out);
    }

    [Fact]
    public void Stream_NeedsRate()
    {
        Assert.Throws<FormatException>(() => LoadGenOptions.Parse(["stream"]));
        var o = LoadGenOptions.Parse(["stream", "--rate", "20000", "--streams", "4"]);
        Assert.Equal(20000, o.Rate);
        Assert.Equal(4, o.Streams);
    }

    [Fact]
    public void Health_OpenLoopParsed()
    {
        var o = LoadGenOptions.Parse(["health", "--rate", "100"]);
        Assert.Equal(LoadMode.Health, o.Mode);
        Assert.Equal(100, o.Rate);
    }

    [Theory]
    [InlineData("burst")]
    [InlineData("unary", "--bogus")]
    [InlineData("unary", "--rate")]
    [InlineData("unary", "--concurrency", "0")]
    public void BadCommandLine_Refused(params string[] args) => Assert.Throws<FormatException>(() => LoadGenOptions.Parse(args));

    [Fact]
    public void Result_RendersTableAndJson()
    {
        var h = new LatencyHistogram();
        h.Record(1500);
        var result = new LoadResult
        {
            Mode = "unary", Target = "http://127.0.0.1:5100", Concurrency = 32, DurationSeconds = 20, Sent = 1, Completed = 1,
            Throughput = 0.05, LatencyMs = LatencySummary.From(h), Command = "FraudEx.LoadGen unary",
        };
        Assert.Contains("| 0 | 1.500 |", result.ToTable());
        Assert.Contains("\"p99\": 1.5", result.ToJson());
    }
}
