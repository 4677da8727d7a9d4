using FraudEx.ServiceDefaults.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FraudEx.ServiceDefaults.Tests;

public sealed class ConfigurationConventionTests
{
    private static IConfiguration Configuration(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build();

    [Fact]
    public void GetServiceUri_AspireStyleKey_ReturnsFirstAddress()
    {
        var configuration = Configuration(("services:features:grpc:0", "http://127.0.0.1:6101"), ("services:features:grpc:1", "http://127.0.0.1:6102"));

        Assert.Equal(new Uri("http://127.0.0.1:6101"), configuration.GetServiceUri("features", "grpc"));
    }

    [Fact]
    public void GetServiceUri_Missing_ReturnsNullOrDefaultPort()
    {
        var configuration = Configuration();

        Assert.Null(configuration.GetServiceUri("alerts", "grpc"));
        Assert.Equal(new Uri("http://127.0.0.1:5102"), configuration.GetServiceUri("alerts", "grpc", ServicePorts.Alerts));
    }

    [Fact]
    public void GetServiceUri_NotAnHttpAddress_ThrowsNamingTheKey()
    {
        var configuration = Configuration(("services:scoring:grpc:0", "tcp://somewhere"));

        var error = Assert.Throws<InvalidOperationException>(() => configuration.GetServiceUri("scoring", "grpc"));
        Assert.Contains("services:scoring:grpc:0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetRequiredConnectionString_Present_ReturnsIt_MissingThrowsWithEnvironmentName()
    {
        var configuration = Configuration(("ConnectionStrings:redis", "127.0.0.1:6379"));

        Assert.Equal("127.0.0.1:6379", configuration.GetRequiredConnectionString("redis"));
        var error = Assert.Throws<InvalidOperationException>(() => configuration.GetRequiredConnectionString("alertsdb"));
        Assert.Contains("ConnectionStrings__alertsdb", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://127.0.0.1:5443", 5443)]
    [InlineData("https://[::1]:7443/", 7443)]
    [InlineData("https://*:8443", 8443)]
    [InlineData("https://localhost", 443)]
    [InlineData("http://[::1]", 443)]
    public void PortOf_Url_ReturnsPort(string url, int expected) =>
        Assert.Equal(expected, ListenUrls.PortOf(url, defaultPort: 443));

    [Fact]
    public void HttpsPorts_MixedUrls_ReturnsOnlyTlsPorts()
    {
        var configuration = Configuration(("urls", "http://127.0.0.1:5100;https://127.0.0.1:5443; https://localhost:6443"));

        Assert.Equal([5443, 6443], ListenUrls.HttpsPorts(configuration).Order());
    }

    [Fact]
    public void HttpsPorts_FromHttpsPortsKey_WhenNoUrls()
    {
        var configuration = Configuration(("https_ports", "9443"));

        Assert.Equal([9443], ListenUrls.HttpsPorts(configuration));
        Assert.True(ListenUrls.IsConfigured(configuration));
        Assert.False(ListenUrls.IsConfigured(Configuration()));
    }

    [Fact]
    public void KestrelTransportSection_BindsSocketTransportOptions()
    {
        var builder = WebApplication.CreateBuilder(["--urls", "http://127.0.0.1:0",
            "--Kestrel:Transport:UnsafePreferInlineScheduling=true", "--Kestrel:Transport:IOQueueCount=3"]);
        builder.AddServiceDefaults(0);
        using var app = builder.Build();

        var options = app.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;
        Assert.True(options.UnsafePreferInlineScheduling);
        Assert.Equal(3, options.IOQueueCount);
    }

    [Fact]
    public void KestrelTransportSection_Absent_KeepsKestrelDefaults()
    {
        var builder = WebApplication.CreateBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.AddServiceDefaults(0);
        using var app = builder.Build();

        Assert.False(app.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.UnsafePreferInlineScheduling);
    }
}
