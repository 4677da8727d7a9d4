using System.Diagnostics;
using System.Runtime.InteropServices;

namespace FraudEx.LoadGen;

/// <summary>
/// Sleeps the calling thread until a <see cref="Stopwatch"/> timestamp. On Linux, where Stopwatch counts nanoseconds of
/// CLOCK_MONOTONIC, this is one absolute clock_nanosleep: precise to tens of microseconds without spinning, so the load
/// generator does not take CPU from the servers it measures on a shared machine. Elsewhere it falls back to
/// Thread.Sleep, which may wake up to a millisecond late; lateness only ever adds to the measured latency, because
/// latency is counted from the intended send time.
/// </summary>
internal static partial class Pacer
{
    private const int ClockMonotonic = 1;
    private const int TimerAbsolute = 1;
    private const int Interrupted = 4; // EINTR

    private static readonly bool Precise = OperatingSystem.IsLinux() && Stopwatch.Frequency == 1_000_000_000;

    /// <summary>Blocks until <paramref name="timestamp"/> (a <see cref="Stopwatch.GetTimestamp"/> value) has passed.</summary>
    public static void SleepUntil(long timestamp)
    {
        if (Precise)
        {
            var target = new TimeSpec { Seconds = timestamp / 1_000_000_000, Nanoseconds = timestamp % 1_000_000_000 };
            while (Stopwatch.GetTimestamp() < timestamp && clock_nanosleep(ClockMonotonic, TimerAbsolute, in target, IntPtr.Zero) == Interrupted)
            {
                // A signal woke the thread early: sleep again towards the same absolute time.
            }

            return;
        }

        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
        if (wait > TimeSpan.Zero)
        {
            Thread.Sleep(wait);
        }
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial int clock_nanosleep(int clockId, int flags, in TimeSpec request, IntPtr remaining);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
