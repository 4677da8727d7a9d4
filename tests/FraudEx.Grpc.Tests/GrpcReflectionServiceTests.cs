using FraudEx.Grpc.Tests.Infrastructure;
using Google.Protobuf.Reflection;
using V1 = Grpc.Reflection.V1;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace FraudEx.Grpc.Tests;

public sealed class GrpcReflectionServiceTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private GrpcTestServer _server = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _server = await GrpcTestServer.StartAsync(map: app => app.MapGrpcService<ScoringDescriptorOnly>());
        _channel = _server.CreateChannel();
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task V1_ListServices_NamesEveryMappedService()
    {
        var response = await AskV1(new V1.ServerReflectionRequest { ListServices = "" });

        var names = response.ListServicesResponse.Service.Select(s => s.Name).ToArray();
        Assert.Contains("fraudex.testing.v1.ConformanceService", names);
        Assert.Contains("grpc.health.v1.Health", names);
        Assert.Contains("grpc.reflection.v1.ServerReflection", names);
        Assert.Contains("grpc.reflection.v1alpha.ServerReflection", names);
    }

    [Fact]
    public async Task V1_FileContainingSymbol_ReturnsFileThatDescribesTheService()
    {
        var response = await AskV1(new V1.ServerReflectionRequest { FileContainingSymbol = "fraudex.testing.v1.ConformanceService" });

        var files = response.FileDescriptorResponse.FileDescriptorProto.Select(b => FileDescriptorProto.Parser.ParseFrom(b)).ToArray();
        var file = files[0];
        Assert.Equal("fraudex/testing/v1/conformance.proto", file.Name);
        var service = Assert.Single(file.Service);
        Assert.Equal(["Unary", "ServerStream", "ClientStream", "Bidi"], service.Method.Select(m => m.Name));
        Assert.All(file.Dependency, d => Assert.Contains(files, f => f.Name == d));
    }

    [Fact]
    public async Task V1_FileContainingSymbol_ContractWithImports_ReturnsTransitiveDependencies()
    {
        var response = await AskV1(new V1.ServerReflectionRequest { FileContainingSymbol = "fraudex.v1.ScoringService" });

        var names = response.FileDescriptorResponse.FileDescriptorProto.Select(b => FileDescriptorProto.Parser.ParseFrom(b).Name).ToArray();
        Assert.Equal("fraudex/v1/scoring.proto", names[0]);
        Assert.Contains("fraudex/v1/transaction.proto", names);
        Assert.Contains("google/protobuf/timestamp.proto", names);
        Assert.Contains("google/protobuf/duration.proto", names);
        Assert.Equal(names.Length, names.Distinct().Count());
    }

    [Fact]
    public async Task V1_FileContainingMethodAndMessageSymbols_Found()
    {
        var method = await AskV1(new V1.ServerReflectionRequest { FileContainingSymbol = "grpc.health.v1.Health.Check" });
        var message = await AskV1(new V1.ServerReflectionRequest { FileContainingSymbol = "grpc.health.v1.HealthCheckResponse" });

        Assert.Equal("grpc/health/v1/health.proto", FileDescriptorProto.Parser.ParseFrom(method.FileDescriptorResponse.FileDescriptorProto[0]).Name);
        Assert.Equal("grpc/health/v1/health.proto", FileDescriptorProto.Parser.ParseFrom(message.FileDescriptorResponse.FileDescriptorProto[0]).Name);
    }

    [Fact]
    public async Task V1_UnknownSymbolAndExtension_NotFoundErrorResponse()
    {
        var symbol = await AskV1(new V1.ServerReflectionRequest { FileContainingSymbol = "no.Such" });
        var extension = await AskV1(new V1.ServerReflectionRequest { FileContainingExtension = new V1.ExtensionRequest { ContainingType = "x", ExtensionNumber = 100 } });

        Assert.Equal((int)StatusCode.NotFound, symbol.ErrorResponse.ErrorCode);
        Assert.Equal((int)StatusCode.NotFound, extension.ErrorResponse.ErrorCode);
    }

    [Fact]
    public async Task V1Alpha_ListServicesAndFileByFilename_Work()
    {
        using var call = _channel.DuplexStreaming<V1Alpha.ServerReflectionRequest, V1Alpha.ServerReflectionResponse>(
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo");
        await call.RequestStream.WriteAsync(new V1Alpha.ServerReflectionRequest { ListServices = "" }).WaitAsync(Timeout);
        await call.RequestStream.WriteAsync(new V1Alpha.ServerReflectionRequest { FileByFilename = "grpc/health/v1/health.proto" }).WaitAsync(Timeout);
        await call.RequestStream.CompleteAsync();

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout));
        Assert.Contains(call.ResponseStream.Current.ListServicesResponse.Service, s => s.Name == "grpc.health.v1.Health");
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal("grpc.health.v1", FileDescriptorProto.Parser.ParseFrom(call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto[0]).Package);
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout));
    }

    /// <summary>Serves no methods; maps fraudex.v1.ScoringService so reflection describes a contract with imports.</summary>
    private sealed class ScoringDescriptorOnly : IGrpcService
    {
        public void Bind(GrpcServiceBinder binder) => binder.Service(FraudEx.Contracts.V1.ScoringReflection.Descriptor, "ScoringService");
    }

    private async Task<V1.ServerReflectionResponse> AskV1(V1.ServerReflectionRequest request)
    {
        using var call = _channel.DuplexStreaming<V1.ServerReflectionRequest, V1.ServerReflectionResponse>(
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo");
        await call.RequestStream.WriteAsync(request).WaitAsync(Timeout);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout));
        var response = call.ResponseStream.Current;
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout));
        return response;
    }
}
