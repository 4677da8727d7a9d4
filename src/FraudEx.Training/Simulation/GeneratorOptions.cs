namespace FraudEx.Training.Simulation;

/// <summary>Size and seed of a simulated history.</summary>
public sealed record GeneratorOptions
{
    public ulong Seed { get; init; } = 42;
    /// <summary>Approximate number of transactions; the account count is derived from it.</summary>
    public int Transactions { get; init; } = 1_000_000;
    public int Days { get; init; } = 60;
    /// <summary>Target share of fraudulent transactions.</summary>
    public double FraudRate { get; init; } = 0.01;
    /// <summary>First simulated day (UTC midnight); a Monday, so weeks line up with days.</summary>
    public DateTime Start { get; init; } = new(2026, 1, 5, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Mean genuine transactions per account and day in the simulation (measured; used for sizing).</summary>
    internal const double MeanDailyRate = 1.04;

    public int AccountCount => Math.Max(50, (int)Math.Round(Transactions / (Days * MeanDailyRate)));
}

/// <summary>One fraud episode: its scenario and the days it runs (start inclusive, end exclusive).</summary>
public sealed record FraudEpisode(FraudScenario Scenario, int FromDay, int ToDay);

/// <summary>A compromised merchant's genuine and fraudulent payments over the days of its episode.</summary>
public sealed record CompromisedMerchantVolume(int Merchant, int FromDay, int ToDay, long Genuine, long Fraud);

/// <summary>What a generation produced.</summary>
public sealed record GenerationSummary(
    long Transactions, long Frauds, IReadOnlyDictionary<FraudScenario, long> ByScenario, int Accounts, int Merchants, TimeSpan Elapsed)
{
    public IReadOnlyList<FraudEpisode> Episodes { get; init; } = [];

    public IReadOnlyList<CompromisedMerchantVolume> CompromisedVolumes { get; init; } = [];

    public double FraudRate => Transactions == 0 ? 0 : (double)Frauds / Transactions;
}
