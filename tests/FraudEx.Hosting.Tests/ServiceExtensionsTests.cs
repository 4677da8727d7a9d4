using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using FraudEx.Hosting;

namespace FraudEx.Hosting.Tests;

/// <summary>How the app host starts FraudEx's services.</summary>
public sealed class ServiceExtensionsTests
{
    [Fact]
    public async Task WithServiceGcBudget_SetsTheGen0BudgetInTheEnvironment()
    {
        var builder = DistributedApplication.CreateBuilder([]);
        var service = builder.AddExecutable("service", "true", ".").WithServiceGcBudget();

        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run));
        foreach (var callback in service.Resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        Assert.Equal("0x800000", context.EnvironmentVariables["DOTNET_GCgen0size"]);
        Assert.Equal(8 * 1024 * 1024, Convert.ToInt32(ServiceExtensions.Gen0Budget, 16));
    }
}
