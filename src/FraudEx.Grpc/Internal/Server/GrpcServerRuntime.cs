using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FraudEx.Grpc.Internal.Server;

/// <summary>Per-application state shared by all calls: options, logger, clock, and the shutdown cancellation.</summary>
internal sealed class GrpcServerRuntime : IDisposable
{
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ITimer? _shutdownTimer;
    private readonly CancellationTokenRegistration _stoppingRegistration;

    public GrpcServerRuntime(IOptions<GrpcServerOptions> options, ILoggerFactory loggerFactory, IHostApplicationLifetime? lifetime = null, TimeProvider? timeProvider = null)
    {
        Options = options.Value;
        Logger = loggerFactory.CreateLogger("FraudEx.Grpc.Server");
        TimeProvider = timeProvider ?? TimeProvider.System;
        if (lifetime is not null)
        {
            var delay = Options.ShutdownCancellationDelay;
            _shutdownTimer = TimeProvider.CreateTimer(static s => ((CancellationTokenSource)s!).Cancel(), _shutdown, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _stoppingRegistration = lifetime.ApplicationStopping.Register(() =>
            {
                Stopping = true;
                _shutdownTimer.Change(delay, Timeout.InfiniteTimeSpan);
            });
            ApplicationStopping = lifetime.ApplicationStopping;
        }
    }

    public GrpcServerOptions Options { get; }

    public ILogger Logger { get; }

    public TimeProvider TimeProvider { get; }

    /// <summary>True once the host started stopping; health answers NOT_SERVING from then on.</summary>
    public bool Stopping { get; private set; }

    /// <summary>Fires when the host starts stopping.</summary>
    public CancellationToken ApplicationStopping { get; }

    /// <summary>Fires <see cref="GrpcServerOptions.ShutdownCancellationDelay"/> after the host starts stopping.</summary>
    public CancellationToken ShutdownToken => _shutdown.Token;

    public void Dispose()
    {
        _stoppingRegistration.Dispose();
        _shutdownTimer?.Dispose();
        _shutdown.Dispose();
    }
}
