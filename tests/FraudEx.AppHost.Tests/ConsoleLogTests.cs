using FraudEx.AppHost.Internal;

namespace FraudEx.AppHost.Tests;

public sealed class ConsoleLogTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Append_MoreThanCapacity_KeepsNewestLinesInOrder()
    {
        var log = new ConsoleLog(capacity: 3, new ManualTime(Start));

        for (var i = 1; i <= 5; i++)
        {
            log.Append("stdout", $"line {i}");
        }

        Assert.Equal(["line 3", "line 4", "line 5"], log.Read(0, 100).Select(l => l.Text));
        Assert.Equal(["line 5"], log.Read(4, 100).Select(l => l.Text));
        Assert.Equal(["line 4", "line 5"], log.Read(0, 2).Select(l => l.Text));
    }

    [Fact]
    public void Append_ColourEscapes_AreStripped()
    {
        var log = new ConsoleLog(capacity: 10, new ManualTime(Start));

        log.Append("stdout", "\u001b[31m    _____\u001b[0mGarnet 2.2.8\u001b[?25h");

        Assert.Equal("    _____Garnet 2.2.8", Assert.Single(log.Read(0, 10)).Text);
    }
}
