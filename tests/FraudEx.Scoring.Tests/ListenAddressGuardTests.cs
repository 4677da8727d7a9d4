using FraudEx.ServiceDefaults.Security;

namespace FraudEx.Scoring.Tests;

public sealed class ListenAddressGuardTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5100", true)]
    [InlineData("https://127.0.0.2:5100", true)]
    [InlineData("http://[::1]:5100", true)]
    [InlineData("http://localhost:5100", true)]
    [InlineData("http://0.0.0.0:5100", false)]
    [InlineData("http://*:5100", false)]
    [InlineData("http://+:5100", false)]
    [InlineData("http://[::]:5100", false)]
    [InlineData("http://192.168.1.4:5100", false)]
    [InlineData("http://example.org:80", false)]
    public void Address_ClassifiedAsLoopbackOrNot(string url, bool loopback) => Assert.Equal(loopback, ListenAddressGuard.IsLoopback(url));

    [Fact]
    public void NonLoopback_ListsOnlyExposedAddresses() =>
        Assert.Equal(["http://0.0.0.0:1"], ListenAddressGuard.NonLoopback(["http://127.0.0.1:1", "http://0.0.0.0:1"]));
}
