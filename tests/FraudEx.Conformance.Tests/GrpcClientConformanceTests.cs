using System.Security.Cryptography;
using FraudEx.Grpc;
using FraudEx.Testing.V1;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Health.V1;

namespace FraudEx.Conformance.Tests;

/// <summary>The conformance cases the python3-grpcio and grpc-js suites run, here run by FraudEx's own client.</summary>
[Collection(ConformanceServerCollection.Name)]
public sealed class GrpcClientConformanceTests(ConformanceServerFixture server) : IDisposable
{
    private const string Service = "/fraudex.testing.v1.ConformanceService/";
    private const int MiB = 1024 * 1024;
    private static readonly TimeSpan Timeout = ConformanceServerFixture.Timeout;

    private readonly GrpcChannel _channel = server.CreateChannel();

    private static CallOptions Options(Metadata? headers = null, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        new(headers, DateTime.UtcNow + (deadline ?? Timeout), cancellationToken);

    private Task<EchoResponse> UnaryAsync(EchoRequest request, CallOptions? options = null) =>
        _channel.UnaryAsync<EchoRequest, EchoResponse>(Service + "Unary", request, options ?? Options());

    [Fact]
    public async Task Unary_Payload_IsEchoed()
    {
        var reply = await UnaryAsync(new EchoRequest { Payload = ByteString.CopyFromUtf8("fraudex") }).WaitAsync(Timeout);

        Assert.Equal("fraudex", reply.Payload.ToStringUtf8());
        Assert.Equal(0, reply.Sequence);
    }

    [Fact]
    public async Task Unary_EmptyMessage_EchoesEmptyMessage()
    {
        var reply = await UnaryAsync(new EchoRequest()).WaitAsync(Timeout);

        Assert.Equal(0, reply.CalculateSize());
    }

    [Fact]
    public async Task ServerStreaming_10000Messages_ArriveInOrder()
    {
        using var call = _channel.ServerStreaming<ServerStreamRequest, EchoResponse>(
            Service + "ServerStream", new ServerStreamRequest { Count = 10_000, PayloadSize = 64 }, Options(deadline: TimeSpan.FromSeconds(60)));

        var count = 0;
        await foreach (var reply in call.ResponseStream.ReadAllAsync().WithCancellation(CancellationToken.None))
        {
            Assert.Equal(count, reply.Sequence);
            Assert.Equal(64, reply.Payload.Length);
            count++;
        }

        Assert.Equal(10_000, count);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task ServerStreaming_RequestedStatus_EndsStreamAfterMessages()
    {
        using var call = _channel.ServerStreaming<ServerStreamRequest, EchoResponse>(Service + "ServerStream",
            new ServerStreamRequest { Count = 3, PayloadSize = 1, FailWith = new StatusSpec { Code = (int)StatusCode.Aborted, Message = "after 3" } },
            Options());

        var received = 0;
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout))
            {
                received++;
            }
        });

        Assert.Equal(3, received);
        Assert.Equal(StatusCode.Aborted, error.StatusCode);
        Assert.Equal("after 3", error.Detail);
    }

    [Fact]
    public async Task ClientStreaming_500Messages_CountedWithTheirBytes()
    {
        using var call = _channel.ClientStreaming<EchoRequest, ClientStreamResponse>(Service + "ClientStream", Options());
        var message = new EchoRequest { Payload = ByteString.CopyFrom(new byte[1024]) };
        for (var i = 0; i < 500; i++)
        {
            await call.RequestStream.WriteAsync(message).WaitAsync(Timeout);
        }

        await call.RequestStream.CompleteAsync().WaitAsync(Timeout);
        var reply = await call.ResponseAsync.WaitAsync(Timeout);

        Assert.Equal(500, reply.Count);
        Assert.Equal(500 * 1024, reply.TotalBytes);
    }

    [Fact]
    public async Task ClientStreaming_MessageAskingToFail_EndsCallWithItsStatus()
    {
        using var call = _channel.ClientStreaming<EchoRequest, ClientStreamResponse>(Service + "ClientStream", Options());
        await call.RequestStream.WriteAsync(new EchoRequest { Payload = ByteString.CopyFromUtf8("a") }).WaitAsync(Timeout);
        await call.RequestStream.WriteAsync(new EchoRequest
        {
            FailWith = new StatusSpec { Code = (int)StatusCode.InvalidArgument, Message = "bad message 2" },
        }).WaitAsync(Timeout);
        await call.RequestStream.CompleteAsync().WaitAsync(Timeout);

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(Timeout));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("bad message 2", error.Detail);
    }

    [Fact]
    public async Task Bidi_PingPong_EveryPingAnsweredBeforeTheNext()
    {
        using var call = _channel.DuplexStreaming<EchoRequest, EchoResponse>(Service + "Bidi", Options());

        for (var i = 0; i < 100; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Payload = ByteString.CopyFromUtf8($"ping-{i}") }).WaitAsync(Timeout);
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout));
            Assert.Equal($"ping-{i}", call.ResponseStream.Current.Payload.ToStringUtf8());
            Assert.Equal(i, call.ResponseStream.Current.Sequence);
        }

        await call.RequestStream.CompleteAsync().WaitAsync(Timeout);
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Unary_3MiBMessage_EchoedIntact()
    {
        var payload = RandomNumberGenerator.GetBytes(3 * MiB);

        var reply = await UnaryAsync(new EchoRequest { Payload = ByteString.CopyFrom(payload) }).WaitAsync(Timeout);

        Assert.True(payload.AsSpan().SequenceEqual(reply.Payload.Span), "the 3 MiB payload came back altered");
    }

    [Fact]
    public async Task Unary_RequestAboveServerLimit_ResourceExhausted_ConnectionStaysUsable()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            UnaryAsync(new EchoRequest { Payload = ByteString.CopyFrom(new byte[5 * MiB]) }).WaitAsync(Timeout));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal("ok", (await UnaryAsync(new EchoRequest { Payload = ByteString.CopyFromUtf8("ok") }).WaitAsync(Timeout)).Payload.ToStringUtf8());
    }

    [Fact]
    public async Task Unary_ResponseAboveServerLimit_ResourceExhausted()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            UnaryAsync(new EchoRequest { ResponseSize = 5 * MiB }).WaitAsync(Timeout));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Unary_SlowerThanDeadline_DeadlineExceeded()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            UnaryAsync(new EchoRequest { DelayMs = 10_000 }, Options(deadline: TimeSpan.FromMilliseconds(300))).WaitAsync(Timeout));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task ServerStreaming_ClientCancelsMidStream_Cancelled_ServerKeepsServing()
    {
        using var cts = new CancellationTokenSource();
        using var call = _channel.ServerStreaming<ServerStreamRequest, EchoResponse>(Service + "ServerStream",
            new ServerStreamRequest { Count = 1_000_000, PayloadSize = 16, IntervalMs = 1 }, Options(cancellationToken: cts.Token));

        for (var i = 0; i < 5; i++)
        {
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout));
        }

        await cts.CancelAsync();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout))
            {
            }
        });

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        Assert.Equal("ok", (await UnaryAsync(new EchoRequest { Payload = ByteString.CopyFromUtf8("ok") }).WaitAsync(Timeout)).Payload.ToStringUtf8());
    }

    [Fact]
    public async Task Unary_NonAsciiStatusMessage_ArrivesUnchanged()
    {
        const string text = "Zahlung abgelehnt: ungültige Währung € · 支付被拒绝 ✓ 100%";

        var error = await Assert.ThrowsAsync<RpcException>(() => UnaryAsync(new EchoRequest
        {
            FailWith = new StatusSpec { Code = (int)StatusCode.FailedPrecondition, Message = text },
        }).WaitAsync(Timeout));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal(text, error.Detail);
    }

    [Fact]
    public async Task Unary_StatusWithDetails_BadRequestInStatusDetailsBin()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => UnaryAsync(new EchoRequest
        {
            FailWith = new StatusSpec { Code = (int)StatusCode.InvalidArgument, Message = "payload must not be empty", WithDetails = true },
        }).WaitAsync(Timeout));

        var status = error.GetRichStatus();
        Assert.NotNull(status);
        Assert.Equal((int)StatusCode.InvalidArgument, status.Code);
        var badRequest = Assert.Single(status.Details).Unpack<BadRequest>();
        var violation = Assert.Single(badRequest.FieldViolations);
        Assert.Equal("payload", violation.Field);
        Assert.Equal("payload must not be empty", violation.Description);
    }

    [Fact]
    public async Task Unary_EchoMetadata_AsciiAndBinaryComeBackAsHeadersAndTrailers()
    {
        byte[] binary = [0, 1, 2, 0xFE, 0xFF, 0xC3, 0xBC];
        var headers = new Metadata { { "x-echo-text", "fraud ex 1" }, { "x-echo-data-bin", binary }, { "x-other", "not echoed" } };
        using var call = _channel.Unary<EchoRequest, EchoResponse>(Service + "Unary",
            new EchoRequest { Payload = ByteString.CopyFromUtf8("m"), EchoMetadata = true }, Options(headers));

        await call.ResponseAsync.WaitAsync(Timeout);
        var responseHeaders = await call.ResponseHeadersAsync.WaitAsync(Timeout);
        var trailers = call.GetTrailers();

        Assert.Equal("fraud ex 1", responseHeaders.GetValue("x-echo-text"));
        Assert.Equal(binary, responseHeaders.GetValueBytes("x-echo-data-bin"));
        Assert.Null(responseHeaders.GetValue("x-other"));
        Assert.Equal("fraud ex 1", trailers.GetValue("x-echo-text-trailer"));
        Assert.Equal(binary, trailers.GetValueBytes("x-echo-data-trailer-bin"));
    }

    [Fact]
    public async Task Unary_EchoMetadataOnFailure_TrailersStillSent()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => UnaryAsync(
            new EchoRequest { EchoMetadata = true, FailWith = new StatusSpec { Code = (int)StatusCode.NotFound, Message = "gone" } },
            Options(new Metadata { { "x-echo-k", "v" } })).WaitAsync(Timeout));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal("v", error.Trailers.GetValue("x-echo-k-trailer"));
    }

    [Theory]
    [InlineData("/fraudex.testing.v1.ConformanceService/NoSuchMethod")]
    [InlineData("/fraudex.testing.v1.NoSuchService/Unary")]
    public async Task UnknownMethod_Unimplemented(string method)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _channel.UnaryAsync<EchoRequest, EchoResponse>(method, new EchoRequest(), Options()).WaitAsync(Timeout));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task Unary_200ConcurrentCalls_EachGetsItsOwnAnswer()
    {
        var calls = Enumerable.Range(0, 200)
            .Select(i => UnaryAsync(new EchoRequest { Payload = ByteString.CopyFromUtf8(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), DelayMs = 20 }))
            .ToArray();

        var replies = await Task.WhenAll(calls).WaitAsync(Timeout);

        Assert.All(replies.Select((r, i) => (r, i)), x => Assert.Equal(x.i.ToString(System.Globalization.CultureInfo.InvariantCulture), x.r.Payload.ToStringUtf8()));
    }

    [Fact]
    public async Task HealthCheck_OverallStatus_Serving_UnknownServiceNotFound()
    {
        var reply = await _channel.UnaryAsync<HealthCheckRequest, HealthCheckResponse>(
            "/grpc.health.v1.Health/Check", new HealthCheckRequest(), Options()).WaitAsync(Timeout);
        var error = await Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync<HealthCheckRequest, HealthCheckResponse>(
            "/grpc.health.v1.Health/Check", new HealthCheckRequest { Service = "no.such.Service" }, Options()).WaitAsync(Timeout));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task ReflectionV1_ListsServices_AndServesConformanceFile()
    {
        using var call = _channel.DuplexStreaming<global::Grpc.Reflection.V1.ServerReflectionRequest, global::Grpc.Reflection.V1.ServerReflectionResponse>(
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", Options());
        await call.RequestStream.WriteAsync(new() { ListServices = string.Empty }).WaitAsync(Timeout);
        await call.RequestStream.WriteAsync(new() { FileContainingSymbol = "fraudex.testing.v1.ConformanceService" }).WaitAsync(Timeout);
        await call.RequestStream.CompleteAsync().WaitAsync(Timeout);
        var replies = await ReadAllAsync(call.ResponseStream);

        Assert.Equal(2, replies.Count);
        var names = replies[0].ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("fraudex.testing.v1.ConformanceService", names);
        Assert.Contains("grpc.health.v1.Health", names);
        var files = replies[1].FileDescriptorResponse.FileDescriptorProto
            .Select(b => Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(b)).ToList();
        var conformance = Assert.Single(files, f => f.Name == "fraudex/testing/v1/conformance.proto");
        Assert.Equal(["Bidi", "ClientStream", "ServerStream", "Unary"], conformance.Service[0].Method.Select(m => m.Name).Order());
    }

    [Fact]
    public async Task ReflectionV1Alpha_ListsServices()
    {
        using var call = _channel.DuplexStreaming<global::Grpc.Reflection.V1Alpha.ServerReflectionRequest, global::Grpc.Reflection.V1Alpha.ServerReflectionResponse>(
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", Options());
        await call.RequestStream.WriteAsync(new() { ListServices = string.Empty }).WaitAsync(Timeout);
        await call.RequestStream.CompleteAsync().WaitAsync(Timeout);
        var replies = await ReadAllAsync(call.ResponseStream);

        var names = Assert.Single(replies).ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("fraudex.testing.v1.ConformanceService", names);
        Assert.Contains("grpc.reflection.v1alpha.ServerReflection", names);
    }

    private static async Task<List<T>> ReadAllAsync<T>(IAsyncStreamReader<T> stream)
    {
        var items = new List<T>();
        while (await stream.MoveNext(CancellationToken.None).WaitAsync(Timeout))
        {
            items.Add(stream.Current);
        }

        return items;
    }

    public void Dispose() => _channel.Dispose();
}
