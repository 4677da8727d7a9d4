using System.Security.Cryptography;
using System.Text;
using FraudEx.Training.Data;
using FraudEx.Training.Simulation;

namespace FraudEx.Training.Tests;

public class TransactionGeneratorTests
{
    private static readonly GeneratorOptions Small = new() { Seed = 7, Transactions = 60_000, Days = 21 };

    private static (string Hash, GenerationSummary Summary) Csv(GeneratorOptions options)
    {
        using var writer = new StringWriter();
        var summary = TransactionCsv.Write(new TransactionGenerator(options), writer);
        return (Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(writer.ToString()))), summary);
    }

    [Fact]
    public void Generate_SameSeed_SameBytes()
    {
        Assert.Equal(Csv(Small).Hash, Csv(Small).Hash);
    }

    [Fact]
    public void Generate_OtherSeed_OtherHistory()
    {
        Assert.NotEqual(Csv(Small).Hash, Csv(Small with { Seed = 8 }).Hash);
    }

    [Fact]
    public void Generate_FraudRateAndScenarioMix_InRange()
    {
        var (_, s) = Csv(Small);
        Assert.InRange(s.Transactions, 50_000, 70_000);
        Assert.InRange(s.FraudRate, 0.006, 0.014);
        foreach (var scenario in FraudScenarios.Fraudulent)
        {
            // Every scenario is present and none dominates.
            Assert.InRange(s.ByScenario[scenario] / (double)s.Frauds, 0.03, 0.40);
        }
    }

    [Fact]
    public void Generate_AccountsYearsOldAndCompromisedMerchantsKeepTheirVolume()
    {
        var generator = new TransactionGenerator(Small with { Transactions = 200_000, Days = 42 });
        var firstDay = new Dictionary<int, long>();
        foreach (var tx in generator.Generate())
        {
            firstDay.TryAdd(tx.Account, (tx.Time - generator.StartUnixSeconds) / 86_400);
        }
        var accounts = generator.World.Accounts;

        // Most card holders opened their account years before the history; none pays before it was opened.
        Assert.InRange(accounts.Count(a => a.OpenedDay <= -365) / (double)accounts.Length, 0.85, 1.0);
        Assert.All(firstDay, kv => Assert.True(kv.Value >= accounts[kv.Key].OpenedDay, $"account {kv.Key} paid before it was opened"));
        // Breached shops keep their genuine customers: fraud is mixed into ordinary volume, not most of it.
        var volumes = generator.CompromisedVolumes;
        Assert.True(volumes.Count >= 10, $"only {volumes.Count} compromised-merchant episodes");
        Assert.True(volumes.Sum(v => v.Genuine) > 2 * volumes.Sum(v => v.Fraud),
            $"genuine {volumes.Sum(v => v.Genuine)} vs fraud {volumes.Sum(v => v.Fraud)} at compromised merchants");
        // Every scenario has more than one episode in the last two weeks, where the model is tested (in this small
        // history; the full one's counts are in the model card).
        foreach (var scenario in FraudScenarios.Fraudulent)
        {
            var late = generator.Episodes.Count(e => e.Scenario == scenario && e.ToDay > 28);
            Assert.True(late >= 2, $"{scenario.ToText()}: {late} episodes in the last two weeks");
        }
    }

    [Fact]
    public void Generate_TimeOrderedWithLabelsAfterTheFact()
    {
        var generator = new TransactionGenerator(Small with { Transactions = 20_000, Days = 14 });
        long previous = 0;
        var fraudWithoutLabel = 0;
        foreach (var tx in generator.Generate())
        {
            Assert.True(tx.Time >= previous, "transactions out of time order");
            previous = tx.Time;
            if (tx.Scenario != FraudScenario.None)
            {
                Assert.True(tx.LabelTime > tx.Time, "a label must come after its transaction");
            }
            else
            {
                Assert.Equal(0, tx.LabelTime);
            }
            fraudWithoutLabel += tx.Scenario != FraudScenario.None && tx.LabelTime == 0 ? 1 : 0;
        }
        Assert.Equal(0, fraudWithoutLabel);
    }

    [Fact]
    public void WriteThenRead_RoundTripsRows()
    {
        var path = Path.Combine(Path.GetTempPath(), $"fraudex-train-{Guid.NewGuid():N}.csv");
        try
        {
            var summary = TransactionCsv.Write(new TransactionGenerator(Small with { Transactions = 5_000, Days = 7 }), path);
            var rows = TransactionCsv.Read(path).ToList();
            Assert.Equal(summary.Transactions, rows.Count);
            Assert.Equal(summary.Frauds, rows.Count(r => r.IsFraud));
            Assert.All(rows.Where(r => r.IsFraud), r => Assert.NotEqual(FraudScenario.None, r.Scenario));
            Assert.Equal(rows.Count, rows.Select(r => r.TransactionId).Distinct().Count());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
