using FraudEx.Grpc.Internal;

namespace FraudEx.Grpc.Tests;

/// <summary>Pure encodings of the wire protocol.</summary>
public sealed class GrpcProtocolTests
{
    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("250m", 2_500_000L)]
    [InlineData("7u", 70L)]
    [InlineData("1000n", 10L)]
    [InlineData("99999999S", 999_999_990_000_000L)]
    public void TryParseTimeout_ValidValues_Parsed(string value, long ticks)
    {
        Assert.True(GrpcProtocol.TryParseTimeout(value, out var timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10x")]
    [InlineData("-1S")]
    [InlineData("123456789S")]
    public void TryParseTimeout_Malformed_Rejected(string value) => Assert.False(GrpcProtocol.TryParseTimeout(value, out _));

    [Fact]
    public void FormatTimeout_AtMostEightDigitsAndNeverShorter()
    {
        foreach (var timeout in new[] { TimeSpan.FromTicks(1), TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(200), TimeSpan.FromDays(30), TimeSpan.FromDays(100_000) })
        {
            var text = GrpcProtocol.FormatTimeout(timeout);
            Assert.InRange(text.Length, 2, 9);
            Assert.True(GrpcProtocol.TryParseTimeout(text, out var parsed));
            Assert.True(parsed >= timeout || timeout > TimeSpan.FromHours(99_999_999), $"{timeout} → {text}");
        }
    }

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("100%", "100%25")]
    [InlineData("é", "%C3%A9")]
    [InlineData("a\nb", "a%0Ab")]
    public void EncodeMessage_PercentEncodesOutsidePrintableAscii(string message, string encoded)
    {
        Assert.Equal(encoded, GrpcProtocol.EncodeMessage(message));
        Assert.Equal(message, GrpcProtocol.DecodeMessage(encoded));
    }

    [Theory]
    [InlineData("%", "%")]
    [InlineData("%zz ok", "%zz ok")]
    [InlineData("50%", "50%")]
    public void DecodeMessage_MalformedEscapes_KeptAsIs(string value, string decoded) =>
        Assert.Equal(decoded, GrpcProtocol.DecodeMessage(value));

    [Fact]
    public void DecodeBinaryHeader_PaddedUnpaddedAndCommaJoined()
    {
        var values = GrpcProtocol.DecodeBinaryHeader("AQID, AQIDBA==,AQIDBA").ToArray();

        Assert.Equal([1, 2, 3], values[0]);
        Assert.Equal([1, 2, 3, 4], values[1]);
        Assert.Equal([1, 2, 3, 4], values[2]);
        Assert.Equal("AQIDBA", GrpcProtocol.EncodeBinaryHeader([1, 2, 3, 4]));
    }

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("application/grpc-web", false)]
    [InlineData("application/grpc+json", false)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void IsGrpcContentType(string? contentType, bool expected) => Assert.Equal(expected, GrpcProtocol.IsGrpcContentType(contentType));
}
