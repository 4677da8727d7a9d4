using System.Text;
using FraudEx.Redis.Internal;

namespace FraudEx.Redis.Tests;

public sealed class RespParserUnitTests
{
    [Theory]
    [InlineData("+OK\r\n", RedisResultType.SimpleString, "OK")]
    [InlineData(":-42\r\n", RedisResultType.Integer, "-42")]
    [InlineData("$5\r\nhello\r\n", RedisResultType.BulkString, "hello")]
    [InlineData("$0\r\n\r\n", RedisResultType.BulkString, "")]
    [InlineData(",3.5\r\n", RedisResultType.Double, "3.5")]
    [InlineData("#t\r\n", RedisResultType.Boolean, "1")]
    [InlineData("(12345678901234567890\r\n", RedisResultType.BigNumber, "12345678901234567890")]
    [InlineData("=8\r\ntxt:some\r\n", RedisResultType.Verbatim, "some")]
    [InlineData("-ERR bad\r\n", RedisResultType.Error, "ERR bad")]
    [InlineData("!7\r\nERR bad\r\n", RedisResultType.Error, "ERR bad")]
    public void Scalars_Parse(string wire, RedisResultType type, string text)
    {
        var pos = 0;
        Assert.True(RespParser.TryParse(Encoding.ASCII.GetBytes(wire), ref pos, out var r, out _));

        Assert.Equal(wire.Length, pos);
        Assert.Equal(type, r.Type);
        Assert.Equal(text, r.AsString());
    }

    [Theory]
    [InlineData("$-1\r\n")]
    [InlineData("*-1\r\n")]
    [InlineData("_\r\n")]
    public void Nulls_Parse(string wire)
    {
        var pos = 0;
        Assert.True(RespParser.TryParse(Encoding.ASCII.GetBytes(wire), ref pos, out var r, out _));
        Assert.True(r.IsNull);
    }

    [Fact]
    public void Aggregates_ParseNestedAndSkipAttributes()
    {
        var wire = "|1\r\n+ttl\r\n:3\r\n%2\r\n+a\r\n*2\r\n:1\r\n$1\r\nx\r\n+b\r\n~1\r\n_\r\n";
        var pos = 0;

        Assert.True(RespParser.TryParse(Encoding.ASCII.GetBytes(wire), ref pos, out var r, out var push));

        Assert.False(push);
        Assert.Equal(RedisResultType.Map, r.Type);
        Assert.Equal(4, r.Items.Count);
        Assert.Equal("x", r.Items[1].Items[1].AsString());
        Assert.True(r.Items[3].Items[0].IsNull);
    }

    [Fact]
    public void Push_IsFlagged()
    {
        var pos = 0;
        Assert.True(RespParser.TryParse(">2\r\n+invalidate\r\n*0\r\n"u8, ref pos, out _, out var push));
        Assert.True(push);
    }

    [Fact]
    public void IncompleteInput_ReturnsFalseAtEveryCut()
    {
        var wire = Encoding.ASCII.GetBytes("*3\r\n$3\r\nfoo\r\n:7\r\n%1\r\n+k\r\n$2\r\nvv\r\n");
        for (var cut = 0; cut < wire.Length; cut++)
        {
            var pos = 0;
            Assert.False(RespParser.TryParse(wire.AsSpan(0, cut), ref pos, out _, out _), $"cut {cut}");
            Assert.Equal(0, pos);
        }
    }

    [Theory]
    [InlineData("?3\r\n")]
    [InlineData(":12x\r\n")]
    [InlineData("$-5\r\n")]
    public void Garbage_ThrowsProtocolException(string wire)
    {
        Assert.Throws<RedisProtocolException>(() =>
        {
            var pos = 0;
            RespParser.TryParse(Encoding.ASCII.GetBytes(wire), ref pos, out _, out _);
        });
    }

    [Fact]
    public void Writer_EncodesCommandsAsBulkArrays()
    {
        var output = new OutputBuffer();

        RespWriter.WriteCommand(output, "SET", ["k€", new byte[] { 1, 2 }, 42L]);

        Assert.Equal("*4\r\n$3\r\nSET\r\n$4\r\nk€\r\n$2\r\n\u0001\u0002\r\n$2\r\n42\r\n", Encoding.UTF8.GetString(output.Written.Span));
    }
}
