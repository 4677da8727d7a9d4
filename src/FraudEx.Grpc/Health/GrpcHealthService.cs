using FraudEx.Grpc.Internal.Server;
using Google.Protobuf.Reflection;
using Grpc.Health.V1;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace FraudEx.Grpc.Health;

/// <summary>
/// grpc.health.v1.Health fed by ASP.NET Core health checks. Service "" reports all checks; a mapped service's full
/// name reports the checks tagged with that name (all checks when none is tagged); other names are unknown
/// (Check: NOT_FOUND, Watch: SERVICE_UNKNOWN). Once the host starts stopping, every service reports NOT_SERVING.
/// </summary>
public sealed class GrpcHealthService : IGrpcService
{
    private readonly HealthCheckService _healthChecks;
    private readonly IOptions<HealthCheckServiceOptions> _healthOptions;
    private readonly GrpcServiceRegistry _registry;
    private readonly GrpcServerRuntime _runtime;

    internal GrpcHealthService(HealthCheckService healthChecks, IOptions<HealthCheckServiceOptions> healthOptions, GrpcServiceRegistry registry, GrpcServerRuntime runtime)
    {
        _healthChecks = healthChecks;
        _healthOptions = healthOptions;
        _registry = registry;
        _runtime = runtime;
    }

    public void Bind(GrpcServiceBinder binder) =>
        binder.Service(HealthReflection.Descriptor.FindTypeByName<ServiceDescriptor>("Health"))
            .Unary<HealthCheckRequest, HealthCheckResponse>("Check", CheckAsync)
            .ServerStreaming<HealthCheckRequest, HealthCheckResponse>("Watch", WatchAsync);

    private async Task<HealthCheckResponse> CheckAsync(HealthCheckRequest request, ServerCallContext context)
    {
        var status = await EvaluateAsync(request.Service, context.CancellationToken).ConfigureAwait(false);
        if (status == HealthCheckResponse.Types.ServingStatus.ServiceUnknown)
        {
            throw RpcErrors.NotFound($"Unknown service '{request.Service}'.");
        }

        return new HealthCheckResponse { Status = status };
    }

    private async Task WatchAsync(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> writer, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(ct, _runtime.ApplicationStopping);
        HealthCheckResponse.Types.ServingStatus? last = null;
        while (true)
        {
            var status = await EvaluateAsync(request.Service, ct).ConfigureAwait(false);
            if (status != last)
            {
                await writer.WriteAsync(new HealthCheckResponse { Status = status }, ct).ConfigureAwait(false);
                last = status;
            }

            if (_runtime.Stopping)
            {
                // NOT_SERVING was sent: end the watch so shutdown is not held up by it.
                return;
            }

            try
            {
                await Task.Delay(_runtime.Options.HealthWatchInterval, _runtime.TimeProvider, wake.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // The host started stopping: loop once more to report NOT_SERVING.
            }
        }
    }

    private async Task<HealthCheckResponse.Types.ServingStatus> EvaluateAsync(string service, CancellationToken cancellationToken)
    {
        var known = service.Length == 0 || _registry.Contains(service);
        if (!known)
        {
            return HealthCheckResponse.Types.ServingStatus.ServiceUnknown;
        }

        if (_runtime.Stopping)
        {
            return HealthCheckResponse.Types.ServingStatus.NotServing;
        }

        Func<HealthCheckRegistration, bool>? predicate = null;
        if (service.Length > 0 && _healthOptions.Value.Registrations.Any(r => r.Tags.Contains(service)))
        {
            predicate = r => r.Tags.Contains(service);
        }

        var report = await _healthChecks.CheckHealthAsync(predicate, cancellationToken).ConfigureAwait(false);
        return report.Status == HealthStatus.Unhealthy
            ? HealthCheckResponse.Types.ServingStatus.NotServing
            : HealthCheckResponse.Types.ServingStatus.Serving;
    }
}
