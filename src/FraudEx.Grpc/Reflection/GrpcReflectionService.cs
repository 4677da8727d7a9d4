using FraudEx.Grpc.Internal.Server;
using Google.Protobuf.Reflection;
using Grpc.Reflection.V1;

namespace FraudEx.Grpc.Reflection;

/// <summary>
/// grpc.reflection.v1.ServerReflection: lists the mapped services and serves their .proto files (serialized
/// FileDescriptorProtos, with transitive dependencies) by file name or symbol. Types here are proto3 and carry no
/// extensions: extension queries answer an empty list for known messages and NOT_FOUND otherwise.
/// </summary>
public sealed class GrpcReflectionService : IGrpcService
{
    private readonly GrpcServiceRegistry _registry;
    private ReflectionIndex? _index;

    internal GrpcReflectionService(GrpcServiceRegistry registry) => _registry = registry;

    public void Bind(GrpcServiceBinder binder) =>
        binder.Service(ReflectionReflection.Descriptor.FindTypeByName<ServiceDescriptor>("ServerReflection"))
            .DuplexStreaming<ServerReflectionRequest, ServerReflectionResponse>("ServerReflectionInfo", InfoAsync);

    private async Task InfoAsync(IAsyncStreamReader<ServerReflectionRequest> requests, IServerStreamWriter<ServerReflectionResponse> responses, ServerCallContext context)
    {
        var sent = new HashSet<string>(StringComparer.Ordinal);
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            await responses.WriteAsync(Answer(requests.Current, sent), context.CancellationToken).ConfigureAwait(false);
        }
    }

    internal ServerReflectionResponse Answer(ServerReflectionRequest request, HashSet<string> sent)
    {
        var index = Index();
        var response = new ServerReflectionResponse { ValidHost = request.Host, OriginalRequest = request };
        switch (request.MessageRequestCase)
        {
            case ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                var list = new ListServiceResponse();
                foreach (var name in index.ServiceNames)
                {
                    list.Service.Add(new ServiceResponse { Name = name });
                }

                response.ListServicesResponse = list;
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileByFilename:
                SetFile(response, index.FindFile(request.FileByFilename), index, sent, $"File '{request.FileByFilename}' not found.");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol:
                SetFile(response, index.FindSymbol(request.FileContainingSymbol), index, sent, $"Symbol '{request.FileContainingSymbol}' not found.");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType:
                if (index.IsMessage(request.AllExtensionNumbersOfType))
                {
                    response.AllExtensionNumbersResponse = new ExtensionNumberResponse { BaseTypeName = request.AllExtensionNumbersOfType.TrimStart('.') };
                }
                else
                {
                    response.ErrorResponse = Error(StatusCode.NotFound, $"Type '{request.AllExtensionNumbersOfType}' not found.");
                }

                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingExtension:
                response.ErrorResponse = Error(StatusCode.NotFound,
                    $"Extension {request.FileContainingExtension.ExtensionNumber} of '{request.FileContainingExtension.ContainingType}' not found.");
                break;
            default:
                response.ErrorResponse = Error(StatusCode.InvalidArgument, "Empty reflection request.");
                break;
        }

        return response;
    }

    private static void SetFile(ServerReflectionResponse response, FileDescriptor? file, ReflectionIndex index, HashSet<string> sent, string notFound)
    {
        if (file is null)
        {
            response.ErrorResponse = Error(StatusCode.NotFound, notFound);
            return;
        }

        var files = new FileDescriptorResponse();
        files.FileDescriptorProto.AddRange(index.WithDependencies(file, sent));
        response.FileDescriptorResponse = files;
    }

    private static ErrorResponse Error(StatusCode code, string message) => new() { ErrorCode = (int)code, ErrorMessage = message };

    // Services may be mapped after reflection; rebuild the index whenever the registry's snapshot changes.
    private ReflectionIndex Index()
    {
        var services = _registry.Services;
        var index = _index;
        if (index is null || !ReferenceEquals(index.Services, services))
        {
            index = new ReflectionIndex(services);
            _index = index;
        }

        return index;
    }
}
