namespace FraudEx.Grpc.Internal.Client;

/// <summary>A method as the client calls it: request URI and telemetry names, computed once per channel.</summary>
internal sealed class ClientMethod(Uri address, string path)
{
    public Uri Uri { get; } = new(address, path.StartsWith('/') ? path : "/" + path);

    public MethodNames Names { get; } = new(path.StartsWith('/') ? path : "/" + path);

    public string ServerAddress { get; } = address.Host;

    public int ServerPort { get; } = address.Port;
}
