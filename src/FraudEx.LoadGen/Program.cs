using System.Net.Security;
using FraudEx.LoadGen;
using Grpc.Net.Client;

// `FraudEx.LoadGen floor-server [--urls URL]`: the scorer's hosting with handlers that do nothing (the floor).
if (args is ["floor-server", .. var serverArgs])
{
    return await FloorServer.RunAsync(serverArgs);
}

LoadGenOptions options;
try
{
    options = LoadGenOptions.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(LoadGenOptions.Usage);
    return 2;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan };
if (options.Insecure)
{
    handler.SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true };
}

using var channel = GrpcChannel.ForAddress(options.Target, new GrpcChannelOptions { HttpHandler = handler });
var result = await new LoadRunner(options, channel.CreateCallInvoker(), Console.Out).RunAsync(cts.Token);
Console.WriteLine();
Console.Write(result.ToTable());
if (options.Out is { } path)
{
    await File.WriteAllTextAsync(path, result.ToJson());
    Console.WriteLine($"result written to {path}");
}

return result.Completed > 0 ? 0 : 1;
