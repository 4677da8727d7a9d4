using FraudEx.Training.Handbook;

namespace FraudEx.Training.Tests;

public class HandbookProtocolTests
{
    private static HandbookTransaction Tx(int day, int customer, bool fraud) =>
        new(0, HandbookProtocol.FirstDay.AddDays(day), customer, 0, 1000, day, fraud, fraud ? 3 : 0);

    [Fact]
    public void TestFolds_StepBackOneWeekFromReference()
    {
        var starts = HandbookProtocol.TestFolds.Select(f => f.TrainStart.ToString("yyyy-MM-dd")).ToArray();
        Assert.Equal(["2018-08-15", "2018-08-08", "2018-08-01", "2018-07-25"], starts);
        Assert.Equal("2018-07-11", HandbookProtocol.ValidationFolds[0].TrainStart.ToString("yyyy-MM-dd"));
        Assert.Equal(HandbookProtocol.TestFolds[0].TrainStartDay + 14, HandbookProtocol.TestFolds[0].TestStartDay);
    }

    [Fact]
    public void Split_KnownCompromisedCards_LeftOutFromTheDayTheirFraudIsKnown()
    {
        var rows = new List<HandbookTransaction>
        {
            Tx(3, 1, true),    // fraud in the training week: card 1 known for the whole test week
            Tx(10, 2, true),   // fraud in the delay: known on test days whose day − 7 is after day 10
            Tx(15, 3, true),   // fraud inside the test week: never known in time
        };
        for (var day = 14; day < 21; day++)
        {
            rows.Add(Tx(day, 1, false));
            rows.Add(Tx(day, 2, false));
            rows.Add(Tx(day, 3, false));
        }
        rows.Add(Tx(21, 4, false)); // after the assessed week
        var fold = new HandbookFold("f", 0);

        var (train, test) = HandbookProtocol.Split(rows, fold);

        Assert.Equal([0], train);
        var kept = test.Select(i => (rows[i].Day, rows[i].Customer)).ToHashSet();
        Assert.DoesNotContain(kept, k => k.Customer == 1);
        Assert.Equal([14, 15, 16, 17], kept.Where(k => k.Customer == 2).Select(k => k.Day).Order());
        Assert.Equal(8, test.Count(i => rows[i].Customer == 3)); // seven genuine rows plus its own fraud on day 15
        Assert.DoesNotContain(kept, k => k.Day == 21);
    }
}
