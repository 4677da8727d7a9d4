using System.Text.RegularExpressions;

namespace FraudEx.AppHost.Internal;

/// <summary>One line a resource wrote to stdout or stderr (or the app host wrote about it).</summary>
public sealed record ConsoleLine(long Sequence, DateTimeOffset Time, string Stream, string Text);

/// <summary>The recent console output of one resource, bounded: the oldest lines fall off past the capacity.</summary>
public sealed partial class ConsoleLog(int capacity, TimeProvider time)
{
    private readonly Queue<ConsoleLine> _lines = new();
    private readonly Lock _gate = new();
    private long _sequence;

    public void Append(string stream, string text)
    {
        lock (_gate)
        {
            // Colour escapes (Garnet's banner, a service's console logger) would show as noise in the page.
            _lines.Enqueue(new ConsoleLine(++_sequence, time.GetUtcNow(), stream, AnsiEscape().Replace(text, "")));
            while (_lines.Count > capacity)
            {
                _lines.Dequeue();
            }
        }
    }

    /// <summary>Lines with a sequence number above <paramref name="after"/>, oldest first, at most <paramref name="max"/> (the newest).</summary>
    public IReadOnlyList<ConsoleLine> Read(long after, int max)
    {
        lock (_gate)
        {
            var lines = _lines.Where(l => l.Sequence > after).ToList();
            return lines.Count > max ? lines.GetRange(lines.Count - max, max) : lines;
        }
    }

    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]")]
    private static partial Regex AnsiEscape();
}
