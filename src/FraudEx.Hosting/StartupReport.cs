using System.Diagnostics;
using System.Globalization;
using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FraudEx.Hosting;

/// <summary>What the app host prints: where the dashboard is, how it is reached, and when everything is healthy.</summary>
public static class StartupReport
{
    /// <summary>
    /// Before start: writes the run's keys file and prints the dashboard URL and its access mode (anonymous access
    /// is refused on any non-loopback address). Once every resource with a health check is healthy: the time it took
    /// and the endpoints of the services and the console.
    /// </summary>
    public static IDistributedApplicationBuilder AddStartupReport(this IDistributedApplicationBuilder builder, LocalRun run, RunKeys keys, TextWriter? output = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(keys);
        var writer = output ?? Console.Out;
        var keysFile = Path.Combine(run.RunDirectory, "keys.env");

        builder.Eventing.Subscribe<BeforeStartEvent>((_, _) =>
        {
            keys.WriteKeysFile(keysFile);
            var urls = builder.Configuration["ASPNETCORE_URLS"];
            var anonymous = string.Equals(builder.Configuration["ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"], "true", StringComparison.OrdinalIgnoreCase);
            if (urls is null)
            {
                writer.WriteLine("FraudEx: no dashboard address configured (ASPNETCORE_URLS); the dashboard may be off.");
            }
            else if (anonymous && !AllLoopback(urls))
            {
                throw new DistributedApplicationException(
                    $"ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true with a dashboard on {urls}: anonymous access is for loopback only. " +
                    "Remove it to use the login token.");
            }
            else
            {
                writer.WriteLine($"FraudEx: Aspire dashboard {urls.Split(';')[0]} " +
                    (anonymous ? "(anonymous access: loopback only, for local runs)" : "(log in with the token printed below)"));
            }
            writer.WriteLine($"FraudEx: data {run.DataDirectory}; this run's keys in {keysFile}" +
                (run.UseContainers ? "; Redis and PostgreSQL in containers" : "; Redis and PostgreSQL from this machine (no container runtime)"));
            return Task.CompletedTask;
        });

        builder.Eventing.Subscribe<AfterResourcesCreatedEvent>((e, cancellationToken) =>
        {
            var stopping = e.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            _ = ReportWhenHealthyAsync(e.Services.GetRequiredService<ResourceNotificationService>(), e.Model, writer, stopping);
            return Task.CompletedTask;
        });
        return builder;
    }

    private static async Task ReportWhenHealthyAsync(ResourceNotificationService notifications, DistributedApplicationModel model, TextWriter writer, CancellationToken stopping)
    {
        var watched = model.Resources.Where(r => r.Annotations.OfType<HealthCheckAnnotation>().Any()).ToList();
        try
        {
            await Task.WhenAll(watched.Select(r => notifications.WaitForResourceHealthyAsync(r.Name, stopping))).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        var elapsed = DateTime.Now - Process.GetCurrentProcess().StartTime;
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"FraudEx: all {watched.Count} resources healthy {elapsed.TotalSeconds:0.0} s after the app host started"));
        foreach (var project in model.Resources.OfType<ProjectResource>())
        {
            foreach (var endpoint in project.Annotations.OfType<EndpointAnnotation>().Where(a => a.AllocatedEndpoint is not null))
            {
                var kind = endpoint.Transport == "http2" ? "gRPC (h2c)" : "web";
                writer.WriteLine($"FraudEx:   {project.Name,-9} {endpoint.AllocatedEndpoint!.UriString}  {kind}");
            }
        }
    }

    /// <summary>True when every URL in a ';'-separated list names a loopback host.</summary>
    internal static bool AllLoopback(string urls) =>
        urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).All(url =>
            Uri.TryCreate(url, UriKind.Absolute, out var uri)
            && (uri.Host == "localhost" || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip))));
}
