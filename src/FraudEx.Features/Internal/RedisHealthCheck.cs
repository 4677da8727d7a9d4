using FraudEx.Redis;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FraudEx.Features.Internal;

/// <summary>Ready only while Redis answers a PING within a second (not a liveness check: the process is fine).</summary>
internal sealed class RedisHealthCheck(RedisClient redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(1));
            var rtt = await redis.PingAsync(timeout.Token).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"Redis answered in {rtt.TotalMilliseconds:0.0} ms.");
        }
        catch (Exception ex) when (ex is RedisException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("Redis is unavailable.", ex);
        }
    }
}
