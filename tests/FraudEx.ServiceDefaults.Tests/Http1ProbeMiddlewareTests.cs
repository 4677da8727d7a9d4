using System.Buffers;
using System.Text;
using FraudEx.ServiceDefaults.Internal;

namespace FraudEx.ServiceDefaults.Tests;

public sealed class Http1ProbeMiddlewareTests
{
    private static ReadOnlySequence<byte> Bytes(string text) => new(Encoding.ASCII.GetBytes(text));

    [Theory]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", true)]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\x12\x04", true)]
    [InlineData("PRI * HT", null)]
    [InlineData("", null)]
    [InlineData("GET /health HTTP/1.1\r\n", false)]
    [InlineData("POST /x HTTP/1.1\r\n", false)]
    [InlineData("PRX", false)]
    public void Classify_FirstBytes_TellsHttp2FromHttp1(string first, bool? expected) =>
        Assert.Equal(expected, Http1ProbeMiddleware.Classify(Bytes(first)));

    [Fact]
    public void Classify_TlsClientHello_PassesThrough() =>
        Assert.True(Http1ProbeMiddleware.Classify(new ReadOnlySequence<byte>([0x16, 0x03, 0x01])));
}
