using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace FraudEx.Hosting;

/// <summary>Dashboard commands on the analysts' console resource.</summary>
public static class ConsoleExtensions
{
    /// <summary>
    /// "Send normal traffic" and "Send fraud traffic" on the console's row of the Aspire dashboard: each asks the
    /// console (POST /api/traffic) to score a burst of generated transactions, as its own traffic panel does.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithTrafficCommands(this IResourceBuilder<ProjectResource> console, string endpointName = "http", int count = 200)
    {
        ArgumentNullException.ThrowIfNull(console);
        var endpoint = console.GetEndpoint(endpointName);
        foreach (var (scenario, label, icon) in new[] { ("normal", "Send normal traffic", "Send"), ("fraud", "Send fraud traffic", "Warning") })
        {
            console.WithCommand("send-" + scenario + "-traffic", label, async context =>
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
                var url = new Uri($"{endpoint.Url}/api/traffic?scenario={scenario}&count={count.ToString(CultureInfo.InvariantCulture)}");
                using var response = await http.PostAsync(url, content: null, context.CancellationToken).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync(context.CancellationToken).ConfigureAwait(false);
                return response.IsSuccessStatusCode
                    ? new ExecuteCommandResult { Success = true, Message = body }
                    : new ExecuteCommandResult { Success = false, Message = $"{(int)response.StatusCode}: {body}" };
            }, new CommandOptions
            {
                Description = $"Scores {count} generated {scenario} transactions through the console's traffic panel.",
                IconName = icon,
                UpdateState = context => context.ResourceSnapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
                    ? ResourceCommandState.Enabled
                    : ResourceCommandState.Disabled,
            });
        }
        return console;
    }
}
