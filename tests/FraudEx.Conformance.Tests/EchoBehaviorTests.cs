using FraudEx.Grpc;
using FraudEx.Testing.V1;
using Google.Protobuf;
using Google.Rpc;

namespace FraudEx.Conformance.Tests;

public sealed class EchoBehaviorTests
{
    [Theory]
    [InlineData("x-echo-a", "x-echo-a-trailer")]
    [InlineData("x-echo-b-bin", "x-echo-b-trailer-bin")]
    public void TrailerKey_InsertsTrailerBeforeBinSuffix(string key, string expected) =>
        Assert.Equal(expected, EchoBehavior.TrailerKey(key));

    [Fact]
    public void EchoedMetadata_OnlyEchoPrefixedEntries_KeepTheirKind()
    {
        var request = new Metadata { { "x-echo-a", "1" }, { "x-echo-b-bin", new byte[] { 0, 255 } }, { "authorization", "secret" } };

        var (headers, trailers) = EchoBehavior.EchoedMetadata(request);

        Assert.Equal(["x-echo-a", "x-echo-b-bin"], headers.Select(e => e.Key));
        Assert.Equal(["x-echo-a-trailer", "x-echo-b-trailer-bin"], trailers.Select(e => e.Key));
        Assert.Equal(new byte[] { 0, 255 }, trailers.GetValueBytes("x-echo-b-trailer-bin"));
        Assert.Equal("1", trailers.GetValue("x-echo-a-trailer"));
    }

    [Fact]
    public void ResponsePayload_ResponseSizeWinsOverEcho()
    {
        Assert.Equal(10, EchoBehavior.ResponsePayload(new EchoRequest { Payload = ByteString.CopyFromUtf8("abc"), ResponseSize = 10 }).Length);
        Assert.Equal("abc", EchoBehavior.ResponsePayload(new EchoRequest { Payload = ByteString.CopyFromUtf8("abc") }).ToStringUtf8());
    }

    [Fact]
    public void ThrowIfAsked_OkOrAbsent_DoesNothing_OtherwiseThrowsThatStatus()
    {
        EchoBehavior.ThrowIfAsked(null);
        EchoBehavior.ThrowIfAsked(new StatusSpec { Code = 0, Message = "ignored" });

        var error = Assert.Throws<RpcException>(() => EchoBehavior.ThrowIfAsked(new StatusSpec { Code = 14, Message = "later" }));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal("later", error.Detail);
        Assert.Null(error.GetRichStatus());
    }

    [Fact]
    public void ToException_WithDetails_CarriesBadRequestOnPayload()
    {
        var error = EchoBehavior.ToException(new StatusSpec { Code = 3, Message = "too short", WithDetails = true });

        var status = error.GetRichStatus();
        Assert.NotNull(status);
        var violation = Assert.Single(Assert.Single(status.Details).Unpack<BadRequest>().FieldViolations);
        Assert.Equal(("payload", "too short"), (violation.Field, violation.Description));
    }

    [Fact]
    public void Validate_OutOfRangeFields_InvalidArgumentNamingEachField()
    {
        var error = Assert.Throws<RpcException>(() => EchoBehavior.Validate(
            new ServerStreamRequest { Count = -1, PayloadSize = int.MaxValue, FailWith = new StatusSpec { Code = 17 } }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var fields = error.GetRichStatus()!.Details.Single().Unpack<BadRequest>().FieldViolations.Select(v => v.Field);
        Assert.Equal(["count", "payload_size", "fail_with.code"], fields);
    }
}
