using FraudEx.LoadGen;
using FraudEx.Scoring.Validation;
using Microsoft.Extensions.Time.Testing;

namespace FraudEx.Scoring.Tests;

public sealed class TransactionGeneratorTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.UtcNow.AddDays(-20);

    private static GeneratorSettings Settings(double fraudRate = 0) => new()
    {
        Seed = 3, Accounts = 500, Merchants = 200, FraudRate = fraudRate, RunId = "r1",
        Start = Start,
    };

    [Fact]
    public void DefaultWorld_PacesLikeTheTrainingWorld()
    {
        var settings = new GeneratorSettings { Seed = 5, Accounts = 4_000, RunId = "w" };
        var generator = new TransactionGenerator(settings);
        var genuine = Enumerable.Range(0, 40_000).Select(_ => generator.Next()).Where(g => g.Scenario is null).Select(g => g.Transaction).ToList();

        // One merchant per two accounts (at least 1,500), each account about one payment a simulated day, and each
        // account's own home address: merchant volumes and IP velocities in the range the model was trained on.
        Assert.Equal(2_000, settings.MerchantCount);
        Assert.Equal(1_500, new GeneratorSettings { Accounts = 100 }.MerchantCount);
        var days = (genuine[^1].Timestamp.ToDateTimeOffset() - genuine[0].Timestamp.ToDateTimeOffset()).TotalDays;
        Assert.InRange(genuine.Count / (days * settings.Accounts), 0.6, 1.6);
        var homeIps = genuine.Where(t => t.IpAddress.Length > 0).GroupBy(t => t.IpAddress).Select(g => g.Select(t => t.AccountId).Distinct().Count());
        Assert.All(homeIps, accountsPerIp => Assert.Equal(1, accountsPerIp));
        Assert.True(genuine[^1].Timestamp.ToDateTimeOffset() < DateTimeOffset.UtcNow.AddDays(-70), "history runs into the present");
    }

    [Fact]
    public void Sequence_IsValidUniqueAndInEventTimeOrder()
    {
        var generator = new TransactionGenerator(Settings(0.02));
        var validator = new TransactionValidator(new FakeTimeProvider(DateTimeOffset.UtcNow));
        var ids = new HashSet<string>();
        long last = long.MinValue;
        for (var i = 0; i < 20_000; i++)
        {
            var tx = generator.Next().Transaction;
            Assert.Empty(validator.Validate(tx));
            Assert.True(ids.Add(tx.TransactionId));
            var t = tx.Timestamp.ToDateTimeOffset().ToUnixTimeMilliseconds();
            Assert.True(t >= last);
            last = t;
        }
    }

    [Fact]
    public void SameSeed_SameSequence()
    {
        var a = new TransactionGenerator(Settings(0.01));
        var b = new TransactionGenerator(Settings(0.01));
        for (var i = 0; i < 2_000; i++)
        {
            Assert.Equal(a.Next(), b.Next());
        }
    }

    [Fact]
    public void Accounts_HaveHabits()
    {
        var generator = new TransactionGenerator(Settings());
        var all = Enumerable.Range(0, 20_000).Select(_ => generator.Next().Transaction).ToList();
        var perAccount = all.GroupBy(t => t.AccountId).Where(g => g.Count() >= 10).ToList();
        Assert.NotEmpty(perAccount);

        // Most payments of an account go to a handful of favourite merchants, in one currency.
        var repeatShare = perAccount.Average(g => g.GroupBy(t => t.MerchantId).OrderByDescending(m => m.Count()).Take(8).Sum(m => m.Count()) / (double)g.Count());
        Assert.True(repeatShare > 0.7, $"share at favourite merchants {repeatShare:P0}");
        Assert.All(perAccount, g => Assert.Single(g.Select(t => t.Currency).Distinct()));
    }

    [Fact]
    public void FraudRate_InjectsScenariosAtAboutThatShare()
    {
        var generator = new TransactionGenerator(Settings(0.02));
        var scenarios = Enumerable.Range(0, 50_000).Select(_ => generator.Next().Scenario).Where(s => s is not null).ToList();
        Assert.InRange(scenarios.Count / 50_000.0, 0.01, 0.04);
        Assert.Equal(["account_takeover", "card_testing", "impossible_travel", "spree"], scenarios.Distinct().Order());
        Assert.Equal(scenarios.Count, generator.FraudGenerated);
    }
}
