using System.Globalization;

namespace FraudEx.LoadGen;

/// <summary>Which load to apply.</summary>
public enum LoadMode
{
    /// <summary>Unary Score calls, closed loop (N in flight) or open loop (a target rate).</summary>
    Unary,

    /// <summary>ScoreStream, open loop at a target rate over one or more streams.</summary>
    Stream,

    /// <summary>grpc.health.v1.Health/Check calls, closed or open loop like <see cref="Unary"/>: the same server stack,
    /// client and network with no scoring work behind them, the floor under every Score call's latency.</summary>
    Health,
}

/// <summary>Command-line options of the load generator.</summary>
public sealed record LoadGenOptions
{
    public const string Usage = """
        FraudEx.LoadGen — replays generated transactions against a FraudEx scoring service and reports latency.

        usage: FraudEx.LoadGen unary  [--concurrency N | --rate R] [common options]
               FraudEx.LoadGen stream --rate R [--streams S] [common options]
               FraudEx.LoadGen health [--concurrency N | --rate R] [common options]   (Health/Check: the transport alone)
               FraudEx.LoadGen floor-server [--urls URL]   ScoringService with handlers that do nothing (floor.sh)

          --target URL        scoring service address (default http://127.0.0.1:5100; https:// for TLS)
          --api-key KEY       API key sent as "authorization: Bearer KEY" (or env FRAUDEX_API_KEY)
          --concurrency N     unary closed loop: N calls in flight (default 32)
          --rate R            open loop: R transactions per second, latency measured from the intended send time
          --streams S         stream mode: number of concurrent streams sharing the rate (default 2)
          --duration SEC      measured seconds (default 20)
          --warmup SEC        seconds of load before measuring (default 3)
          --accounts N        simulated accounts, each paying about once a simulated day, with one merchant per two
                              accounts, as in the training world (default 20000)
          --fraud-rate P      share of injected fraud scenario transactions (default 0.01)
          --seed N            generator seed (default 7)
          --insecure          accept any TLS server certificate (self-signed test certificates)
          --out FILE          write the result as JSON
          --cpu NAME=PID,...  report CPU per score of these processes (each with its direct children), of the load
                              generator and of the rest of the machine over the measured window (Linux /proc)
        """;

    public LoadMode Mode { get; init; }

    public string Target { get; init; } = "http://127.0.0.1:5100";

    public string? ApiKey { get; init; }

    public int Concurrency { get; init; } = 32;

    public double? Rate { get; init; }

    public int Streams { get; init; } = 2;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);

    public int Accounts { get; init; } = 20_000;

    public double FraudRate { get; init; } = 0.01;

    public int Seed { get; init; } = 7;

    public bool Insecure { get; init; }

    public string? Out { get; init; }

    public IReadOnlyList<(string Name, int Pid)>? Cpu { get; init; }

    /// <summary>Parses the command line; throws <see cref="FormatException"/> with the problem.</summary>
    public static LoadGenOptions Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0)
        {
            throw new FormatException("Missing mode: unary, stream or health.");
        }

        var mode = args[0] switch
        {
            "unary" => LoadMode.Unary,
            "stream" => LoadMode.Stream,
            "health" => LoadMode.Health,
            _ => throw new FormatException($"Unknown mode '{args[0]}': expected unary, stream or health."),
        };
        var o = new LoadGenOptions { Mode = mode, ApiKey = Environment.GetEnvironmentVariable("FRAUDEX_API_KEY") };
        for (var i = 1; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
            double Number() => double.Parse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--target" => o with { Target = Value() },
                "--api-key" => o with { ApiKey = Value() },
                "--concurrency" => o with { Concurrency = (int)Number() },
                "--rate" => o with { Rate = Number() },
                "--streams" => o with { Streams = (int)Number() },
                "--duration" => o with { Duration = TimeSpan.FromSeconds(Number()) },
                "--warmup" => o with { Warmup = TimeSpan.FromSeconds(Number()) },
                "--accounts" => o with { Accounts = (int)Number() },
                "--fraud-rate" => o with { FraudRate = Number() },
                "--seed" => o with { Seed = (int)Number() },
                "--insecure" => o with { Insecure = true },
                "--out" => o with { Out = Value() },
                "--cpu" => o with { Cpu = CpuAccounting.Parse(Value()) },
                _ => throw new FormatException($"Unknown option '{args[i]}'."),
            };
        }

        if (o.Mode == LoadMode.Stream && o.Rate is null)
        {
            throw new FormatException("stream mode needs --rate.");
        }

        if (o.Concurrency < 1 || o.Streams < 1 || o.Rate is <= 0 || o.Duration <= TimeSpan.Zero || o.Accounts < 1)
        {
            throw new FormatException("--concurrency, --streams, --rate, --duration and --accounts must be positive.");
        }

        return o;
    }
}
