using FraudEx.AppHost.Internal;

namespace FraudEx.AppHost.Hosting;

/// <summary>
/// A Redis-compatible server on loopback: redis-server where it is installed, else Garnet installed as a dotnet tool
/// into the app host's tools directory (no root needed); or an external server from ConnectionStrings:&lt;name&gt;.
/// </summary>
public sealed class RedisResource(string name, int port, string? externalConnectionString) : Resource(name)
{
    internal const string GarnetVersion = "2.2.8";

    private string? _executable;
    private bool _garnet;

    public override string Kind => "redis";

    public int Port { get; } = port;

    public bool IsExternal => externalConnectionString is not null;

    public string ConnectionString => externalConnectionString ?? $"127.0.0.1:{Port}";

    public override string Url => IsExternal ? $"redis://{ConnectionString.Split(',')[0]} (external)" : $"redis://127.0.0.1:{Port}";

    internal override async Task PrepareAsync(AppHostContext context, CancellationToken cancellationToken)
    {
        if (IsExternal)
        {
            return;
        }
        var choice = context.Configuration[$"Resources:{Name}:Server"] ?? "auto";
        if (choice is "auto" or "redis-server")
        {
            _executable = Commands.Which("redis-server");
            if (_executable is not null || choice == "redis-server")
            {
                _executable ??= await InstallRedisServerAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
        }
        _garnet = true;
        _executable = await EnsureGarnetAsync(context, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> InstallRedisServerAsync(CancellationToken cancellationToken)
    {
        await Commands.EnsureAptPackagesAsync(["redis-server"], Console, cancellationToken).ConfigureAwait(false);
        return Commands.Which("redis-server") ?? "/usr/bin/redis-server";
    }

    private async Task<string> EnsureGarnetAsync(AppHostContext context, CancellationToken cancellationToken)
    {
        var toolPath = Path.Combine(context.ToolsDirectory, "garnet-" + GarnetVersion);
        var executable = Path.Combine(toolPath, "garnet-server");
        if (File.Exists(executable))
        {
            return executable;
        }
        Console.Append("apphost", $"installing Garnet {GarnetVersion} (dotnet tool) into {toolPath}");
        var result = await Commands.RunAsync("dotnet",
            ["tool", "install", "--tool-path", toolPath, "garnet-server", "--version", GarnetVersion],
            Console, TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0 || !File.Exists(executable))
        {
            if (Native.IsRoot)
            {
                return await InstallRedisServerAsync(cancellationToken).ConfigureAwait(false);
            }
            throw new InvalidOperationException(
                "Neither redis-server nor Garnet is available: install redis-server (`sudo apt-get install -y redis-server`) " +
                $"or make `dotnet tool install garnet-server --version {GarnetVersion}` possible.");
        }
        return executable;
    }

    internal override ProcessSpec? CreateProcess(AppHostContext context)
    {
        if (IsExternal || _executable is null)
        {
            return null;
        }
        var dir = Path.Combine(context.DataDirectory, Name);
        Directory.CreateDirectory(dir);
        string[] arguments = _garnet
            ? ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1"]
            : ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
               // Behavioural state is rebuilt from traffic: a local run keeps it in memory only.
               "--save", "", "--appendonly", "no", "--dir", dir];
        return new ProcessSpec(_executable, arguments, new Dictionary<string, string>(), dir);
    }

    internal override Task<bool> CheckHealthAsync(AppHostContext context, CancellationToken cancellationToken)
    {
        if (!IsExternal)
        {
            return ProbeClients.RedisPingAsync("127.0.0.1", Port, cancellationToken);
        }
        var target = ConnectionString.Split(',')[0];
        var colon = target.LastIndexOf(':');
        var host = colon > 0 ? target[..colon] : target;
        var port = colon > 0 && int.TryParse(target[(colon + 1)..], out var p) ? p : 6379;
        return ProbeClients.RedisPingAsync(host, port, cancellationToken);
    }

    internal override IEnumerable<KeyValuePair<string, string>> GetReferenceEnvironment()
    {
        yield return new($"ConnectionStrings__{Name}", ConnectionString);
    }
}
