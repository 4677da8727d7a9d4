namespace FraudEx.Redis.Tests;

public sealed class RedisOptionsUnitTests
{
    [Fact]
    public void Parse_AspireStyleString()
    {
        var o = RedisOptions.Parse("cache.local:6380,password=p=w,user=app,ssl=true,defaultDatabase=4,connectTimeout=1500,syncTimeout=700,name=fx");

        Assert.Equal("cache.local", o.Host);
        Assert.Equal(6380, o.Port);
        Assert.Equal("p=w", o.Password);
        Assert.Equal("app", o.User);
        Assert.True(o.Ssl);
        Assert.Equal(4, o.Database);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), o.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(700), o.CommandTimeout);
        Assert.Equal("fx", o.ClientName);
    }

    [Fact]
    public void Parse_Uri()
    {
        var o = RedisOptions.Parse("rediss://u:p%40ss@10.0.0.1:7000/2");

        Assert.True(o.Ssl);
        Assert.Equal("10.0.0.1", o.Host);
        Assert.Equal(7000, o.Port);
        Assert.Equal("u", o.User);
        Assert.Equal("p@ss", o.Password);
        Assert.Equal(2, o.Database);
    }

    [Fact]
    public void Parse_HostOnly_DefaultsPort()
    {
        var o = RedisOptions.Parse("localhost");

        Assert.Equal("localhost", o.Host);
        Assert.Equal(6379, o.Port);
    }

    [Theory]
    [InlineData("host:notaport")]
    [InlineData("host:1,bogus=1")]
    [InlineData("host:1,defaultDatabase=-1")]
    public void Parse_Invalid_Throws(string text)
    {
        Assert.Throws<FormatException>(() => RedisOptions.Parse(text));
    }
}
