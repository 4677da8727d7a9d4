using FraudEx.Grpc;
using FraudEx.ServiceDefaults.Internal;
using FraudEx.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

// Aspire's ServiceDefaults live in this namespace so a host's Program.cs needs no using directive; FraudEx keeps that.
namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every FraudEx service host shares: OpenTelemetry over OTLP, health checks, gRPC hosting and Kestrel endpoints
/// that speak gRPC over cleartext HTTP/2 while still answering HTTP/1.1 health probes.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Tag of the health checks that say the process is alive (served by <c>/alive</c>).</summary>
    public const string LiveTag = "live";

    /// <summary>Path of the readiness endpoint: every health check.</summary>
    public const string HealthPath = "/health";

    /// <summary>Configuration section bound to <see cref="GrpcServerOptions"/>.</summary>
    public const string GrpcServerSection = "Grpc:Server";

    /// <summary>Path of the liveness endpoint: only the checks tagged <see cref="LiveTag"/>.</summary>
    public const string AlivePath = "/alive";

    /// <summary>
    /// Adds telemetry, health checks, the gRPC server and the Kestrel endpoints. Listen addresses come from
    /// <c>ASPNETCORE_URLS</c>, <c>--urls</c> or the <c>urls</c> configuration key; without them the host listens on
    /// <c>http://127.0.0.1:{defaultPort}</c>.
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, int defaultPort)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfNegative(defaultPort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(defaultPort, 65535);

        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.ConfigureKestrelEndpoints(defaultPort);

        // Message size limits and detailed errors come from Grpc:Server:* (e.g. Grpc__Server__MaxReceiveMessageSize).
        builder.Services.AddGrpcServer();
        builder.Services.AddOptions<GrpcServerOptions>().BindConfiguration(GrpcServerSection);
        builder.Services.AddGrpcHealthAndReflection();
        if (builder.Configuration.GetValue<bool>(SpanStatistics.ConfigurationKey))
        {
            builder.Services.AddHostedService<SpanStatistics>();
        }

        return builder;
    }

    /// <summary>
    /// Traces (ActivitySources "FraudEx.*"), metrics (Meters "FraudEx.*" and the runtime's own) and logs, exported over
    /// OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is configured; nothing is collected otherwise.
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = TelemetrySettings.From(builder.Configuration, builder.Environment.ApplicationName);
        if (!settings.ExportEnabled)
        {
            return builder;
        }

        builder.Logging.AddOpenTelemetry(logging => TelemetrySetup.ConfigureLogging(logging, settings));
        builder.Services.AddSingleton(settings);
        builder.Services.AddHostedService<TelemetryHostedService>();
        return builder;
    }

    /// <summary>Health checks with a "self" check tagged <see cref="LiveTag"/>: the process answers, so it is alive.</summary>
    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// Kestrel endpoints from the configured URLs, else <c>http://127.0.0.1:{defaultPort}</c>. Cleartext endpoints speak
    /// HTTP/2 with prior knowledge (gRPC's h2c) and answer HTTP/1.1 requests for <c>/health</c> and <c>/alive</c>;
    /// https endpoints negotiate HTTP/1.1 or HTTP/2 by ALPN.
    /// </summary>
    public static TBuilder ConfigureKestrelEndpoints<TBuilder>(this TBuilder builder, int defaultPort)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);

        // Kestrel binds the hosting URLs itself (IPv6, localhost on both loopbacks, port 0 for tests); only the
        // default address is supplied here, through the same key ASPNETCORE_URLS and --urls fill.
        if (!ListenUrls.IsConfigured(builder.Configuration))
        {
            builder.Configuration[ListenUrls.UrlsKey] = ListenUrls.Default(defaultPort);
        }

        var httpsPorts = ListenUrls.HttpsPorts(builder.Configuration);
        builder.Services.Configure<KestrelServerOptions>(options => KestrelSetup.ConfigureEndpointDefaults(options, httpsPorts));
        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (every check must pass: ready) and <c>/alive</c> (live checks only) for HTTP/2 clients (the
    /// HTTP/1.1 form of both is answered on the connection before HTTP/2 starts, see docs/service-defaults.md), and
    /// grpc.health.v1.Health with server reflection v1 and v1alpha.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcHealthAndReflection();
        app.MapHealthChecks(HealthPath, new HealthCheckOptions { Predicate = HealthProbe.ReadyPredicate });
        app.MapHealthChecks(AlivePath, new HealthCheckOptions { Predicate = HealthProbe.LivePredicate });
        return app;
    }
}
