using FraudEx.ServiceDefaults.Internal;
using FraudEx.ServiceDefaults.Rpc;
using FraudEx.ServiceDefaults.Telemetry;
using Grpc.AspNetCore.HealthChecks;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

// Aspire's ServiceDefaults live in this namespace so a host's Program.cs needs no using directive; FraudEx keeps that.
namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every FraudEx service host shares, in the shape of Aspire's ServiceDefaults template: OpenTelemetry, service
/// discovery, health checks, plus gRPC hosting on Grpc.AspNetCore (reflection, grpc.health.v1, message limits, the
/// call-logging interceptor) and Kestrel endpoints that speak gRPC over cleartext HTTP/2 while still answering
/// HTTP/1.1 health probes.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Tag of the health checks that say the process is alive (served by <c>/alive</c>).</summary>
    public const string LiveTag = "live";

    /// <summary>Path of the readiness endpoint: every health check.</summary>
    public const string HealthPath = "/health";

    /// <summary>Configuration section bound to Grpc.AspNetCore's <see cref="GrpcServiceOptions"/>
    /// (e.g. <c>Grpc__Server__MaxReceiveMessageSize</c>, <c>Grpc__Server__EnableDetailedErrors</c>).</summary>
    public const string GrpcServerSection = "Grpc:Server";

    /// <summary>Configuration section bound to Kestrel's <see cref="SocketTransportOptions"/>.</summary>
    public const string KestrelTransportSection = "Kestrel:Transport";

    /// <summary>Path of the liveness endpoint: only the checks tagged <see cref="LiveTag"/>.</summary>
    public const string AlivePath = "/alive";

    /// <summary>Every FraudEx library names its ActivitySource and Meter "FraudEx.&lt;Project&gt;".</summary>
    public const string FraudExSources = "FraudEx.*";

    /// <summary>
    /// Adds telemetry, service discovery, health checks, the gRPC server and the Kestrel endpoints. Listen addresses
    /// come from <c>ASPNETCORE_URLS</c>, <c>--urls</c> or the <c>urls</c> configuration key; without them the host
    /// listens on <c>http://127.0.0.1:{defaultPort}</c>.
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

        // Peers are found by name (services:features:grpc:0); each gRPC client adds the resolver to its own pipeline
        // (AddFraudExGrpcClient), so webhooks to outside URLs do not go through it.
        builder.Services.AddServiceDiscovery();

        builder.AddGrpcDefaults();
        if (builder.Configuration.GetValue<bool>(SpanStatistics.ConfigurationKey))
        {
            builder.Services.AddHostedService<SpanStatistics>();
        }

        return builder;
    }

    /// <summary>
    /// The defaults for a web app that serves browsers rather than gRPC (FraudEx.Console): the same telemetry, health
    /// checks and service discovery as the services, without the gRPC server and the h2c endpoints (browsers speak
    /// HTTP/1.1 in cleartext). Without configured URLs the app listens on <c>http://127.0.0.1:{defaultPort}</c>.
    /// </summary>
    public static TBuilder AddWebAppDefaults<TBuilder>(this TBuilder builder, int defaultPort)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfNegative(defaultPort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(defaultPort, 65535);

        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        if (!ListenUrls.IsConfigured(builder.Configuration))
        {
            builder.Configuration[ListenUrls.UrlsKey] = ListenUrls.Default(defaultPort);
        }

        builder.Services.AddServiceDiscovery();
        return builder;
    }

    /// <summary>
    /// Grpc.AspNetCore with the options of <c>Grpc:Server</c> (message size limits: a larger request is
    /// RESOURCE_EXHAUSTED), the call-logging interceptor on every service, precise statuses for request bodies that do
    /// not parse (INVALID_ARGUMENT) or decompress (INTERNAL) (<see cref="RequestMessageErrors"/>), server reflection (v1 and v1alpha) and
    /// grpc.health.v1 fed by the health checks: <c>""</c> answers for the whole host; each service added with
    /// <c>AddFraudExGrpcService</c> maps its own name.
    /// </summary>
    public static TBuilder AddGrpcDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton<CallLoggingInterceptor>();
        services.AddGrpc(o => o.Interceptors.Add<CallLoggingInterceptor>());
        services.AddOptions<GrpcServiceOptions>().BindConfiguration(GrpcServerSection);
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks(o =>
        {
            // Check evaluates the health checks when asked, so a just-started host does not answer from an empty cache.
            o.UseHealthChecksCache = false;
            o.Services.Map("", _ => true);
        });

        // After AddGrpc: INVALID_ARGUMENT for a request that does not parse, INTERNAL for one that does not decompress.
        services.AddRequestMessageErrors();
        return builder;
    }

    /// <summary>
    /// OpenTelemetry (OpenTelemetry.Extensions.Hosting) exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is
    /// configured: traces of ASP.NET Core (the server span of each call), Grpc.Net.Client and HttpClient plus every
    /// "FraudEx.*" ActivitySource, metrics of the same plus the runtime's and every "FraudEx.*" Meter, and logs.
    /// Without an endpoint nothing is collected: the SDK would otherwise create and record every span for nobody.
    /// Aspire's client integrations (AddRedisClient, AddNpgsqlDataSource) add their own instrumentation to the same
    /// providers.
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

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService(settings.ServiceName, serviceInstanceId: settings.InstanceId)
                .AddAttributes(settings.ResourceAttributes))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(FraudExSources)
                .AddMeter("Microsoft.AspNetCore.Diagnostics.HealthChecks"))
            .WithTracing(tracing => tracing
                .AddSource(FraudExSources)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsHealthProbe(context.Request.Path))
                .AddGrpcClientInstrumentation()
                .AddHttpClientInstrumentation())
            .UseOtlpExporter();
        builder.Services.AddSingleton(settings);
        builder.Services.AddHostedService<TelemetryStartLog>();
        return builder;
    }

    /// <summary>
    /// True when telemetry is exported (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, <c>OTEL_SDK_DISABLED</c> not true): what
    /// <see cref="ConfigureOpenTelemetry"/> decides by. A client integration that brings its own instrumentation
    /// (Aspire's AddRedisClient, AddNpgsqlDataSource) is told the same, so that without an endpoint it builds no
    /// tracing either: StackExchange.Redis tracing otherwise profiles every command and keeps it, arguments and all,
    /// until its next flush (10 s), for nobody.
    /// </summary>
    public static bool IsTelemetryExported(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return TelemetrySettings.From(builder.Configuration, builder.Environment.ApplicationName).ExportEnabled;
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

        // Kestrel's socket transport (e.g. Kestrel__Transport__UnsafePreferInlineScheduling, IOQueueCount).
        builder.Services.AddOptions<SocketTransportOptions>().BindConfiguration(KestrelTransportSection);
        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (every check must pass: ready) and <c>/alive</c> (live checks only) for HTTP/2 clients (the
    /// HTTP/1.1 form of both is answered on the connection before HTTP/2 starts, see docs/service-defaults.md),
    /// grpc.health.v1.Health and server reflection (grpc.reflection.v1 and v1alpha).
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapHealthChecks(HealthPath, new HealthCheckOptions { Predicate = HealthProbe.ReadyPredicate });
        app.MapHealthChecks(AlivePath, new HealthCheckOptions { Predicate = HealthProbe.LivePredicate });
        return app;
    }

    /// <summary><c>/health</c> (ready) and <c>/alive</c> (live) for a web app added with <see cref="AddWebAppDefaults"/>.</summary>
    public static WebApplication MapWebAppDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks(HealthPath, new HealthCheckOptions { Predicate = HealthProbe.ReadyPredicate });
        app.MapHealthChecks(AlivePath, new HealthCheckOptions { Predicate = HealthProbe.LivePredicate });
        return app;
    }

    private static bool IsHealthProbe(string? path) => path is HealthPath or AlivePath;
}
