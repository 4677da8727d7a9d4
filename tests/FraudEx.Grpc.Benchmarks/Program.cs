using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using FraudEx.Grpc;
using FraudEx.Grpc.Benchmarks;
using FraudEx.Testing.V1;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// Usage: dotnet run -c Release --project tests/FraudEx.Grpc.Benchmarks [-- --seconds 2 --rounds 5]
// Server and client share the process (and the machine's cores): the figures compare paths, they are not capacity.
var seconds = ArgValue("--seconds", 2.0);
var rounds = (int)ArgValue("--rounds", 5);

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
ListenOptions? listen = null;
builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => { o.Protocols = HttpProtocols.Http2; listen = o; }));
builder.Services.AddGrpcServer();
builder.Services.AddSingleton<BenchmarkService>();
await using var app = builder.Build();
app.MapGrpcService<BenchmarkService>();
await app.StartAsync();
var address = new Uri($"http://127.0.0.1:{((IPEndPoint)listen!.EndPoint).Port}");
using var channel = GrpcChannel.ForAddress(address);
using var raw = new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = true });

var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[100]) };
var framed = Frame(request);
const string unary = "/fraudex.testing.v1.ConformanceService/Unary";


Console.WriteLine($"FraudEx.Grpc loop benchmark: {rounds} rounds of {seconds:0.#} s per case, cases interleaved per round, median reported;");
Console.WriteLine($"{Environment.ProcessorCount} cores, server in the same process; B alloc/op counts client and server together");

var cases = new List<(string Name, int Concurrency, Func<Task> Op, int UnitsPerOp)>();
foreach (var concurrency in new[] { 1, 16, 64 })
{
    cases.Add(($"FraudEx.Grpc unary, concurrency {concurrency}", concurrency,
        async () => await channel.UnaryAsync<EchoRequest, EchoResponse>(unary, request), 1));
    cases.Add(($"raw HttpClient POST, concurrency {concurrency}", concurrency, async () =>
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(address, unary))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(framed),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        using var response = await raw.SendAsync(message);
        await response.Content.ReadAsByteArrayAsync();
    }, 1));
}

cases.Add(("server streaming 10k x 100 B (messages)", 1, async () =>
{
    using var call = channel.ServerStreaming<ServerStreamRequest, EchoResponse>("/fraudex.testing.v1.ConformanceService/ServerStream",
        new ServerStreamRequest { Count = 10_000, PayloadSize = 100 });
    while (await call.ResponseStream.MoveNext(CancellationToken.None))
    {
    }
}, 10_000));

// Warm every path first (JIT tiering), then interleave the cases round by round so machine noise spreads evenly.
foreach (var c in cases)
{
    await Run(c.Concurrency, c.Op, c.UnitsPerOp, 1.0);
}

var samples = cases.ToDictionary(c => c.Name, _ => new List<double>());
var bytes = cases.ToDictionary(c => c.Name, _ => new List<double>());
for (var r = 0; r < rounds; r++)
{
    foreach (var c in cases)
    {
        var (perSecond, bytesPerOp) = await Run(c.Concurrency, c.Op, c.UnitsPerOp, seconds);
        samples[c.Name].Add(perSecond);
        bytes[c.Name].Add(bytesPerOp);
    }
}

Console.WriteLine($"{"case",-44} {"median/s",12} {"min/s",12} {"max/s",12} {"B alloc/op",12}");
var medians = new Dictionary<string, double>();
foreach (var c in cases)
{
    var values = samples[c.Name].Order().ToList();
    medians[c.Name] = values[values.Count / 2];
    var allocations = bytes[c.Name].Order().ToList();
    Console.WriteLine($"{c.Name,-44} {medians[c.Name],12:N0} {values[0],12:N0} {values[^1],12:N0} {allocations[allocations.Count / 2],12:N0}");
}

Console.WriteLine();
foreach (var concurrency in new[] { 1, 16, 64 })
{
    var ratio = medians[$"FraudEx.Grpc unary, concurrency {concurrency}"] / medians[$"raw HttpClient POST, concurrency {concurrency}"];
    Console.WriteLine($"ratio FraudEx.Grpc unary / raw HttpClient POST at concurrency {concurrency}: {ratio:0.00}");
}

await app.StopAsync();

static async Task<(double PerSecond, double BytesPerOp)> Run(int concurrency, Func<Task> op, int unitsPerOp, double seconds)
{
    long count = 0;
    var allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
    var stopwatch = Stopwatch.StartNew();
    var until = TimeSpan.FromSeconds(seconds);
    var workers = Enumerable.Range(0, concurrency).Select(async _ =>
    {
        while (stopwatch.Elapsed < until)
        {
            await op();
            Interlocked.Increment(ref count);
        }
    }).ToArray();
    await Task.WhenAll(workers);
    var allocated = GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore;
    return (count * unitsPerOp / stopwatch.Elapsed.TotalSeconds, (double)allocated / Math.Max(count, 1));
}

static byte[] Frame(IMessage message)
{
    var bytes = message.ToByteArray();
    var framed = new byte[5 + bytes.Length];
    System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)bytes.Length);
    bytes.CopyTo(framed, 5);
    return framed;
}

double ArgValue(string name, double fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
