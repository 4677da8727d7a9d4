using FraudEx.ServiceDefaults.Internal;
using Microsoft.Extensions.Configuration;

namespace FraudEx.ServiceDefaults.Tests;

public sealed class TelemetrySettingsTests
{
    private static TelemetrySettings Read(params (string Key, string? Value)[] values) =>
        TelemetrySettings.From(
            new ConfigurationBuilder()
                .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
                .Build(),
            applicationName: "FraudEx.Features");

    [Fact]
    public void NoEndpoint_ExportDisabled_ServiceNameIsApplicationName()
    {
        var settings = Read();

        Assert.False(settings.ExportEnabled);
        Assert.Equal("FraudEx.Features", settings.ServiceName);
    }

    [Fact]
    public void Endpoint_ExportEnabled_UnlessSdkDisabled()
    {
        Assert.True(Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317")).ExportEnabled);
        Assert.False(Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317"), ("OTEL_SDK_DISABLED", "true")).ExportEnabled);
    }

    [Fact]
    public void ServiceName_EnvironmentWinsOverResourceAttribute()
    {
        Assert.Equal("features", Read(("OTEL_SERVICE_NAME", "features"), ("OTEL_RESOURCE_ATTRIBUTES", "service.name=other")).ServiceName);
        Assert.Equal("other", Read(("OTEL_RESOURCE_ATTRIBUTES", "service.name=other")).ServiceName);
    }

    [Fact]
    public void ResourceAttributes_PercentEncodedPairs_AreDecoded_MalformedSkipped()
    {
        var attributes = TelemetrySettings.ParseResourceAttributes("service.instance.id=abc-1, deployment.environment=local%20dev,broken,=x");

        Assert.Equal(
            [new("service.instance.id", "abc-1"), new("deployment.environment", "local dev")],
            attributes.Select(a => new KeyValuePair<string, string>(a.Key, (string)a.Value)));
    }

    [Fact]
    public void InstanceId_FromAttributes_ElseMachineAndProcess()
    {
        Assert.Equal("abc-1", Read(("OTEL_RESOURCE_ATTRIBUTES", "service.instance.id=abc-1")).InstanceId);
        Assert.EndsWith($"-{Environment.ProcessId}", Read().InstanceId, StringComparison.Ordinal);
    }
}
