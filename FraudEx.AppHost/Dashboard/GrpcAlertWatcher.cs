using System.Runtime.CompilerServices;
using FraudEx.AppHost.Hosting;
using FraudEx.Clients;
using FraudEx.Contracts.V1;
using FraudEx.Grpc;

namespace FraudEx.AppHost.Dashboard;

/// <summary>WatchAlerts on the app host's alert service, once that service has been healthy.</summary>
public sealed class GrpcAlertWatcher(IReadOnlyList<Resource> resources) : IAlertWatcher
{
    public async IAsyncEnumerable<WatchAlertsResponse> WatchAsync(Action connected, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var alerts = resources.OfType<ProjectResource>().FirstOrDefault(r => r.Name == "alerts");
        if (alerts is null || !alerts.Enabled)
        {
            throw new InvalidOperationException("no alert service in this run");
        }
        await alerts.Ready.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        using var channel = GrpcChannel.ForAddress(alerts.Endpoint);
        using var call = new AlertServiceClient(channel).WatchAlerts(new WatchAlertsRequest(), new CallOptions(cancellationToken: cancellationToken));
        await call.ResponseHeadersAsync.WaitAsync(cancellationToken).ConfigureAwait(false);
        connected();
        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return response;
        }
    }
}
