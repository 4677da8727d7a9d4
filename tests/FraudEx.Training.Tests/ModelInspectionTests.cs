using FraudEx.Training.Training;

namespace FraudEx.Training.Tests;

public class ModelInspectionTests
{
    [Fact]
    public void Inspect_DayCounterFeature_IsCalendarLike_BehaviourFeatureIsNot()
    {
        // Column 0 counts days (training rows: days 0–29, test rows: days 40–49) and the label follows it inside the
        // training window only; column 1 carries a stable signal in both periods.
        var rng = new Random(3);
        const int trainRows = 6000, testRows = 2000;
        var trainX = new float[trainRows * 2];
        var trainY = new float[trainRows];
        for (var i = 0; i < trainRows; i++)
        {
            var day = i % 30;
            var signal = (float)rng.NextDouble();
            trainX[i * 2] = day;
            trainX[i * 2 + 1] = signal;
            trainY[i] = (day % 7 == 3 && rng.NextDouble() < 0.5) || signal > 0.9 ? 1 : 0;
        }
        var testX = new float[testRows * 2];
        for (var i = 0; i < testRows; i++)
        {
            testX[i * 2] = 40 + i % 10;
            testX[i * 2 + 1] = (float)rng.NextDouble();
        }
        var p = new BoosterParameters { Rounds = 30, EarlyStoppingRounds = 0, MaxDepth = 4 };
        using var model = GradientBoosting.Train(trainX, trainY, 2, null, null, p, 1, CancellationToken.None);

        var uses = ModelInspection.Inspect(model.Booster.SaveModel("json"), ["day_counter", "signal"], trainX, testX);

        var counter = Assert.Single(uses, u => u.Name == "day_counter");
        var stable = Assert.Single(uses, u => u.Name == "signal");
        Assert.True(counter.CalendarLike, $"day counter: train {counter.TrainShareBeyondSplits:P1}, test {counter.TestShareBeyondSplits:P1}");
        Assert.Equal(1.0, counter.TestShareBeyondSplits);
        Assert.False(stable.CalendarLike, $"signal: train {stable.TrainShareBeyondSplits:P1}, test {stable.TestShareBeyondSplits:P1}");
        Assert.InRange(uses.Sum(u => u.GainShare), 0.999, 1.001);
    }
}
