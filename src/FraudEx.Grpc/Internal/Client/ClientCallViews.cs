namespace FraudEx.Grpc.Internal.Client;

/// <summary>What the public call objects need from a call, independent of its request type.</summary>
internal interface IClientCallView : IDisposable
{
    Task<Metadata> GetResponseHeadersAsync();

    GrpcStatus GetStatus();

    Metadata GetTrailers();
}

internal interface IResponseReader<TResponse>
{
    Task<TResponse?> ReadNextAsync(CancellationToken cancellationToken);
}

/// <summary>The response stream of a server-streaming or duplex call.</summary>
internal sealed class ClientResponseStream<TResponse>(IResponseReader<TResponse> call) : IAsyncStreamReader<TResponse>
{
    private TResponse? _current;

    public TResponse Current => _current ?? throw new InvalidOperationException("No current message: call MoveNext first.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        var message = await call.ReadNextAsync(cancellationToken).ConfigureAwait(false);
        if (message is null)
        {
            return false;
        }

        _current = message;
        return true;
    }
}
