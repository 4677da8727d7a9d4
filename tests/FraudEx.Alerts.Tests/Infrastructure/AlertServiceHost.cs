using FraudEx.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using FraudEx.Testing;

namespace FraudEx.Alerts.Tests.Infrastructure;

/// <summary>The real alert service (FraudEx.Alerts.dll) as a child process on a loopback port, so tests can reach it
/// over gRPC, kill it with SIGKILL and start it again on the same port.</summary>
public sealed class AlertServiceHost : IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly Dictionary<string, string?> _extraEnvironment;
    private ChildProcess? _process;

    private AlertServiceHost(string connectionString, int port, Dictionary<string, string?> extraEnvironment)
    {
        _connectionString = connectionString;
        Port = port;
        _extraEnvironment = extraEnvironment;
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        Client = new AlertService.AlertServiceClient(Channel);
    }

    public int Port { get; }

    public GrpcChannel Channel { get; }

    public AlertService.AlertServiceClient Client { get; }

    public string Output => _process?.Output ?? string.Empty;

    public static async Task<AlertServiceHost> StartAsync(
        string connectionString, IReadOnlyDictionary<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        var host = new AlertServiceHost(connectionString, FreePort.Next(), new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>()));
        await host.RestartAsync(cancellationToken);
        return host;
    }

    /// <summary>Starts the process (again) and waits until it answers gRPC calls.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__alertsdb"] = _connectionString,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{Port}",
            // Unless a test says otherwise nothing listens there: labels stay queued, which the tests observe.
            ["services__features__grpc__0"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Logging__LogLevel__Default"] = "Warning",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
        };
        foreach (var (key, value) in _extraEnvironment)
        {
            environment[key] = value;
        }

        var dll = Path.Combine(AppContext.BaseDirectory, "FraudEx.Alerts.dll");
        _process = ChildProcess.Start("dotnet", [dll], AppContext.BaseDirectory, environment);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException("The alert service exited during start-up:\n" + _process.Output);
            }

            try
            {
                await Client.ListAlertsAsync(new ListAlertsRequest { PageSize = 1 },
                    new CallOptions(deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: timeout.Token));
                return;
            }
            catch (Exception e) when (e is RpcException or HttpRequestException && !timeout.IsCancellationRequested)
            {
                await Task.Delay(100, timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException("The alert service did not answer within 60 s:\n" + _process.Output);
            }
        }
    }

    /// <summary>SIGKILL: no shutdown, no flush, like a crash.</summary>
    public void Kill() => _process?.Kill();

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        Channel.Dispose();
    }
}
