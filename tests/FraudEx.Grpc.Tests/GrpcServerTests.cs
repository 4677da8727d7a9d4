using System.Net;
using System.Net.Http.Headers;
using FraudEx.Grpc.Tests.Infrastructure;
using FraudEx.Testing.V1;
using Google.Protobuf;

namespace FraudEx.Grpc.Tests;

/// <summary>Server and client together over a real Kestrel HTTP/2 endpoint on loopback.</summary>
public sealed class GrpcServerTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private GrpcTestServer _server = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _server = await GrpcTestServer.StartAsync();
        _channel = _server.CreateChannel();
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Unary_EchoesPayload()
    {
        var response = await _channel.UnaryAsync<EchoRequest, EchoResponse>(TestConformanceService.Unary,
            new EchoRequest { Payload = ByteString.CopyFromUtf8("hello") }).WaitAsync(Timeout);

        Assert.Equal("hello", response.Payload.ToStringUtf8());
    }

    [Fact]
    public async Task Unary_ManyConcurrentCalls_AllSucceedOnOneChannel()
    {
        var calls = Enumerable.Range(0, 500).Select(i => _channel.UnaryAsync<EchoRequest, EchoResponse>(
            TestConformanceService.Unary, new EchoRequest { Payload = ByteString.CopyFromUtf8(i.ToString(System.Globalization.CultureInfo.InvariantCulture)) }));

        var responses = await Task.WhenAll(calls).WaitAsync(Timeout);

        Assert.Equal(Enumerable.Range(0, 500).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), responses.Select(r => r.Payload.ToStringUtf8()));
    }

    [Fact]
    public async Task ServerStreaming_TenThousandMessages_AllArriveInOrderWithOkStatus()
    {
        using var call = _channel.ServerStreaming<ServerStreamRequest, EchoResponse>(TestConformanceService.ServerStream,
            new ServerStreamRequest { Count = 10_000, PayloadSize = 16 });

        var expected = 0;
        await foreach (var message in call.ResponseStream.ReadAllAsync().WithCancellation(CancellationToken.None))
        {
            Assert.Equal(expected++, message.Sequence);
        }

        Assert.Equal(10_000, expected);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task ServerStreaming_FailAfterMessages_DeliversMessagesThenStatus()
    {
        using var call = _channel.ServerStreaming<ServerStreamRequest, EchoResponse>(TestConformanceService.ServerStream,
            new ServerStreamRequest { Count = 3, FailWith = new StatusSpec { Code = (int)StatusCode.Aborted, Message = "stop" } });

        var received = 0;
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout))
            {
                received++;
            }
        });

        Assert.Equal(3, received);
        Assert.Equal(StatusCode.Aborted, ex.StatusCode);
        Assert.Equal("stop", ex.Detail);
    }

    [Fact]
    public async Task ClientStreaming_CountsMessagesAndBytes()
    {
        using var call = _channel.ClientStreaming<EchoRequest, ClientStreamResponse>(TestConformanceService.ClientStream);
        for (var i = 0; i < 100; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Payload = ByteString.CopyFrom(new byte[10]) }).WaitAsync(Timeout);
        }

        await call.RequestStream.CompleteAsync();
        var response = await call.ResponseAsync.WaitAsync(Timeout);

        Assert.Equal(100, response.Count);
        Assert.Equal(1000, response.TotalBytes);
    }

    [Fact]
    public async Task ClientStreaming_ServerFailsEarly_ClientSeesServerStatus()
    {
        using var call = _channel.ClientStreaming<EchoRequest, ClientStreamResponse>(TestConformanceService.ClientStream);
        await call.RequestStream.WriteAsync(new EchoRequest { FailWith = new StatusSpec { Code = (int)StatusCode.PermissionDenied, Message = "no" } }).WaitAsync(Timeout);

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            // Keep writing while the server has already answered; either a write or the response reports the status.
            for (var i = 0; i < 200; i++)
            {
                await call.RequestStream.WriteAsync(new EchoRequest { Payload = ByteString.CopyFrom(new byte[1024]) }).WaitAsync(Timeout);
                await Task.Delay(5);
            }

            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync.WaitAsync(Timeout);
        });

        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Equal("no", ex.Detail);
    }

    [Fact]
    public async Task Duplex_PingPong_OneResponsePerRequestInOrder()
    {
        using var call = _channel.DuplexStreaming<EchoRequest, EchoResponse>(TestConformanceService.Bidi);
        for (var i = 0; i < 50; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Payload = ByteString.CopyFromUtf8($"m{i}") }).WaitAsync(Timeout);
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout));
            Assert.Equal($"m{i}", call.ResponseStream.Current.Payload.ToStringUtf8());
            Assert.Equal(i, call.ResponseStream.Current.Sequence);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Duplex_RefusedBeforeTheClientWrites_ClientSeesTheStatus()
    {
        // The call must reach the server although the client writes nothing: HttpClient holds a request's HEADERS
        // back while a body is to follow, so without an explicit flush the refusal never came (in about one call
        // in ten, depending on other traffic on the connection).
        for (var i = 0; i < 30; i++)
        {
            using var call = _channel.DuplexStreaming<EchoRequest, EchoResponse>(TestConformanceService.Bidi,
                new CallOptions { Headers = new Metadata { { "x-refuse", "1" } } });
            var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)));
            Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        }
    }

    [Fact]
    public async Task Unary_ThreeMebibyteMessages_RoundTrip()
    {
        var payload = ByteString.CopyFrom(Enumerable.Range(0, 3 * 1024 * 1024).Select(i => (byte)i).ToArray());

        var response = await _channel.UnaryAsync<EchoRequest, EchoResponse>(TestConformanceService.Unary,
            new EchoRequest { Payload = payload }).WaitAsync(Timeout);

        Assert.Equal(payload, response.Payload);
    }

    [Fact]
    public async Task Unary_RequestOverServerLimit_ResourceExhausted()
    {
        using var channel = _server.CreateChannel(new GrpcChannelOptions { MaxSendMessageSize = 16 * 1024 * 1024 });

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync<EchoRequest, EchoResponse>(TestConformanceService.Unary,
            new EchoRequest { Payload = ByteString.CopyFrom(new byte[5 * 1024 * 1024]) }).WaitAsync(Timeout));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_ResponseOverClientLimit_ResourceExhausted()
    {
        using var channel = _server.CreateChannel(new GrpcChannelOptions { MaxReceiveMessageSize = 1024 * 1024 });

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync<EchoRequest, EchoResponse>(TestConformanceService.Unary,
            new EchoRequest { ResponseSize = 2 * 1024 * 1024 }).WaitAsync(Timeout));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_ResponseOverServerSendLimit_ResourceExhausted()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync<EchoRequest, EchoResponse>(TestConformanceService.Unary,
            new EchoRequest { ResponseSize = 5 * 1024 * 1024 }).WaitAsync(Timeout));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_RequestOverClientSendLimit_ResourceExhaustedWithoutSending()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync<EchoRequest, EchoResponse>(TestConformanceService.Unary,
            new EchoRequest { Payload = ByteString.CopyFrom(new byte[5 * 1024 * 1024]) }).WaitAsync(Timeout));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_DeadlineShorterThanHandler_DeadlineExceededAndHandlerCancelled()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync<EchoRequest, EchoResponse>(TestConformanceService.Unary,
            new EchoRequest { DelayMs = 10_000 }, new CallOptions { Deadline = DateTime.UtcNow.AddMilliseconds(200) }).WaitAsync(Timeout));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.True(await _server.Service.HandlerSawCancellation.Task.WaitAsync(Timeout));
    }

    [Fact]
    public async Task Unary_ServerDeadline_AnswersDeadlineExceeded()
    {
        // A raw request with grpc-timeout and no local deadline shows the server's own answer.
        using var client = new HttpClient();
        using var request = RawRequest(TestConformanceService.Unary, new EchoRequest { DelayMs = 10_000 });
        request.Headers.TryAddWithoutValidation("grpc-timeout", "100m");

        using var response = await client.SendAsync(request).WaitAsync(Timeout);
        await response.Content.ReadAsByteArrayAsync().WaitAsync(Timeout);

        Assert.Equal("4", GetStatus(response));
    }

    [Fact]
    public async Task Unary_HandlerIgnoresDeadline_StreamResetSoonAfterDeadline()
    {
        using var client = new HttpClient();
        using var request = RawRequest(TestConformanceService.Unary, new EchoRequest { DelayMs = 5_000 });
        request.Headers.TryAddWithoutValidation("grpc-timeout", "100m");
        request.Headers.TryAddWithoutValidation("x-ignore-cancellation", "1");
        var started = DateTime.UtcNow;

        var ex = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var response = await client.SendAsync(request).WaitAsync(Timeout);
            await response.Content.ReadAsByteArrayAsync().WaitAsync(Timeout);
        });

        var protocolError = ex as HttpProtocolException ?? ex.InnerException as HttpProtocolException;
        Assert.NotNull(protocolError);
        Assert.Equal(0x8, protocolError.ErrorCode);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(4), "The stream was not reset before the handler finished.");
    }

    [Fact]
    public async Task ClientCancel_MidStream_HandlerSeesCancellation()
    {
        using var cts = new CancellationTokenSource();
        using var call = _channel.ServerStreaming<ServerStreamRequest, EchoResponse>(TestConformanceService.ServerStream,
            new ServerStreamRequest { Count = 1000, IntervalMs = 50 }, new CallOptions { CancellationToken = cts.Token });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout));
        await _server.Service.HandlerWaiting.Task.WaitAsync(Timeout);

        await cts.CancelAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout))
            {
            }
        });
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.True(await _server.Service.HandlerSawCancellation.Task.WaitAsync(Timeout));
        await WaitForLogAsync("|1|");
    }

    [Fact]
    public async Task Status_NonAsciiMessage_RoundTrips()
    {
        const string message = "Échec: 100% ☃ 日本語 \n end";

        var ex = await Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync<EchoRequest, EchoResponse>(TestConformanceService.Unary,
            new EchoRequest { FailWith = new StatusSpec { Code = (int)StatusCode.FailedPrecondition, Message = message } }).WaitAsync(Timeout));

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Equal(message, ex.Detail);
    }

    [Fact]
    public async Task Status_WithDetails_CarriesBadRequestFieldViolations()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync<EchoRequest, EchoResponse>(TestConformanceService.Unary,
            new EchoRequest { FailWith = new StatusSpec { Code = (int)StatusCode.InvalidArgument, Message = "bad payload", WithDetails = true } }).WaitAsync(Timeout));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        var rich = ex.GetRichStatus();
        Assert.NotNull(rich);
        Assert.Equal((int)StatusCode.InvalidArgument, rich.Code);
        var badRequest = rich.Details.Single().Unpack<Google.Rpc.BadRequest>();
        var violation = Assert.Single(badRequest.FieldViolations);
        Assert.Equal("payload", violation.Field);
        Assert.Equal("bad payload", violation.Description);
    }

    [Fact]
    public async Task UnexpectedException_UnknownWithoutInternals()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync<EchoRequest, EchoResponse>(TestConformanceService.Unary,
            new EchoRequest(), new CallOptions { Headers = new Metadata { { "x-throw", "connection string secret" } } }).WaitAsync(Timeout));

        Assert.Equal(StatusCode.Unknown, ex.StatusCode);
        Assert.DoesNotContain("secret", ex.Detail, StringComparison.Ordinal);
        await WaitForLogAsync("Error|FraudEx.Grpc.Server|3|");
    }

    [Fact]
    public async Task UnexpectedException_DetailedErrors_MessageSent()
    {
        await using var server = await GrpcTestServer.StartAsync(o => o.EnableDetailedErrors = true);
        using var channel = server.CreateChannel();

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync<EchoRequest, EchoResponse>(TestConformanceService.Unary,
            new EchoRequest(), new CallOptions { Headers = new Metadata { { "x-throw", "visible detail" } } }).WaitAsync(Timeout));

        Assert.Equal(StatusCode.Unknown, ex.StatusCode);
        Assert.Contains("visible detail", ex.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metadata_AsciiAndBinary_EchoedInHeadersAndTrailers()
    {
        var binary = new byte[] { 0, 1, 2, 250, 255 };
        var headers = new Metadata { { "x-echo-text", "value 1" }, { "x-echo-data-bin", binary } };

        using var call = _channel.Unary<EchoRequest, EchoResponse>(TestConformanceService.Unary,
            new EchoRequest { EchoMetadata = true }, new CallOptions { Headers = headers });
        await call.ResponseAsync.WaitAsync(Timeout);
        var responseHeaders = await call.ResponseHeadersAsync.WaitAsync(Timeout);
        var trailers = call.GetTrailers();

        Assert.Equal("value 1", responseHeaders.GetValue("x-echo-text"));
        Assert.Equal(binary, responseHeaders.GetValueBytes("x-echo-data-bin"));
        Assert.Equal("value 1", trailers.GetValue("x-echo-text-trailer"));
        Assert.Equal(binary, trailers.GetValueBytes("x-echo-data-trailer-bin"));
    }

    [Fact]
    public async Task Metadata_PaddedBase64BinaryHeader_IsAccepted()
    {
        using var client = new HttpClient();
        using var request = RawRequest(TestConformanceService.Unary, new EchoRequest());
        request.Headers.TryAddWithoutValidation("x-data-bin", Convert.ToBase64String([1, 2, 3, 4]));

        using var response = await client.SendAsync(request).WaitAsync(Timeout);
        await response.Content.ReadAsByteArrayAsync().WaitAsync(Timeout);

        Assert.Equal("0", GetStatus(response));
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, _server.Service.LastRequestHeaders!.GetValueBytes("x-data-bin"));
    }

    [Fact]
    public async Task UnknownMethod_Unimplemented()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync<EchoRequest, EchoResponse>(
            "/fraudex.testing.v1.ConformanceService/Missing", new EchoRequest()).WaitAsync(Timeout));
        var ex2 = await Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync<EchoRequest, EchoResponse>(
            "/no.Such/Method", new EchoRequest()).WaitAsync(Timeout));

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
        Assert.Equal(StatusCode.Unimplemented, ex2.StatusCode);
    }

    [Fact]
    public async Task Http1Request_Rejected426()
    {
        using var client = new HttpClient();
        using var request = RawRequest(TestConformanceService.Unary, new EchoRequest(), _server.Http1Address);
        request.Version = HttpVersion.Version11;
        request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;

        using var response = await client.SendAsync(request).WaitAsync(Timeout);

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
    }

    [Fact]
    public async Task WrongContentType_Rejected415()
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.Address, TestConformanceService.Unary))
        {
            Content = new StringContent("{}", new MediaTypeHeaderValue("application/json")),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await client.SendAsync(request).WaitAsync(Timeout);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task UnsupportedEncoding_UnimplementedWithAcceptEncoding()
    {
        using var client = new HttpClient();
        using var request = RawRequest(TestConformanceService.Unary, new EchoRequest());
        request.Headers.TryAddWithoutValidation("grpc-encoding", "snappy");

        using var response = await client.SendAsync(request).WaitAsync(Timeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("12", GetStatus(response));
        Assert.Contains("identity", response.Headers.GetValues("grpc-accept-encoding").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GzipRequestMessage_IsDecompressed()
    {
        var message = new EchoRequest { Payload = ByteString.CopyFromUtf8(new string('z', 1000)) }.ToByteArray();
        using var compressed = new MemoryStream();
        await using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(message);
        }

        var body = new byte[5 + compressed.Length];
        body[0] = 1;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1), (uint)compressed.Length);
        compressed.ToArray().CopyTo(body, 5);
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.Address, TestConformanceService.Unary))
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("grpc-encoding", "gzip");

        using var response = await client.SendAsync(request).WaitAsync(Timeout);
        var responseBody = await response.Content.ReadAsByteArrayAsync().WaitAsync(Timeout);

        Assert.Equal("0", GetStatus(response));
        Assert.Equal(1000, EchoResponse.Parser.ParseFrom(responseBody.AsSpan(5).ToArray()).Payload.Length);
    }

    [Fact]
    public async Task GracefulShutdown_DrainsInFlightCall()
    {
        var call = _channel.UnaryAsync<EchoRequest, EchoResponse>(TestConformanceService.Unary,
            new EchoRequest { DelayMs = 1000, Payload = ByteString.CopyFromUtf8("drained") });
        await _server.Service.HandlerWaiting.Task.WaitAsync(Timeout);

        var stopping = _server.App.StopAsync();
        var response = await call.WaitAsync(Timeout);
        await stopping.WaitAsync(Timeout);

        Assert.Equal("drained", response.Payload.ToStringUtf8());
        Assert.False(_server.Service.HandlerSawCancellation.Task.IsCompleted);
    }

    [Fact]
    public async Task UnreachableServer_Unavailable()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync<EchoRequest, EchoResponse>(TestConformanceService.Unary, new EchoRequest()).WaitAsync(Timeout));

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
    }

    private async Task WaitForLogAsync(string fragment)
    {
        var until = DateTime.UtcNow + Timeout;
        while (!_server.Logs().Any(l => l.Contains(fragment, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < until, $"No log line containing '{fragment}'. Logs:\n{string.Join('\n', _server.Logs())}");
            await Task.Delay(20);
        }
    }

    private HttpRequestMessage RawRequest(string method, IMessage message, Uri? address = null)
    {
        var bytes = message.ToByteArray();
        var body = new byte[5 + bytes.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1), (uint)bytes.Length);
        bytes.CopyTo(body, 5);
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address ?? _server.Address, method))
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        return request;
    }

    private static string? GetStatus(HttpResponseMessage response) =>
        response.TrailingHeaders.TryGetValues("grpc-status", out var t) ? t.First()
        : response.Headers.TryGetValues("grpc-status", out var h) ? h.First() : null;
}
