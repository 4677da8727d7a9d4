using System.Diagnostics;

namespace FraudEx.Redis;

/// <summary>
/// Client spans for Redis round trips, following OpenTelemetry's database conventions (db.system.name=redis), on the
/// ActivitySource "FraudEx.Redis". Nothing is allocated unless a listener samples the source.
/// </summary>
public static class RedisTelemetry
{
    /// <summary>Name of the ActivitySource.</summary>
    public const string SourceName = "FraudEx.Redis";

    internal static readonly ActivitySource Source = new(SourceName);

    internal static Activity? StartCommand(string operation, int commands, RedisOptions options)
    {
        var activity = Source.StartActivity(operation, ActivityKind.Client);
        if (activity is null)
        {
            return null;
        }

        activity.SetTag("db.system.name", "redis");
        activity.SetTag("db.operation.name", operation);
        if (commands > 1)
        {
            activity.SetTag("db.operation.batch.size", commands);
        }

        activity.SetTag("server.address", options.Host);
        activity.SetTag("server.port", options.Port);
        return activity;
    }

    /// <summary>Ends <paramref name="activity"/> when <paramref name="replies"/> complete, with an error status on failure.</summary>
    internal static void EndWhenDone(Activity activity, Task replies) =>
        replies.ContinueWith(
            static (t, state) =>
            {
                var a = (Activity)state!;
                if (t.IsFaulted)
                {
                    a.SetStatus(ActivityStatusCode.Error, t.Exception?.InnerException?.Message);
                    a.SetTag("error.type", t.Exception?.InnerException?.GetType().FullName);
                }
                else if (t.IsCanceled)
                {
                    a.SetStatus(ActivityStatusCode.Error, "cancelled");
                }

                a.Dispose();
            },
            activity,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
}
