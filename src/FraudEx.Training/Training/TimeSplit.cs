namespace FraudEx.Training.Training;

/// <summary>
/// Day ranges of a history: a warm-up (entity states fill up; not trained on, as a live system would have history
/// already), training weeks, a validation week (early stopping, thresholds), and the last weeks held out for test.
/// </summary>
public sealed record TimeSplit(int WarmUpDays, int TrainEnd, int ValidEnd, int Days)
{
    /// <summary>For 60 days: warm-up 0–6, train 7–38, validation 39–45, test 46–59.</summary>
    public static TimeSplit For(int days)
    {
        var test = Math.Max(1, (int)Math.Round(days * 0.234));
        var valid = Math.Max(1, (int)Math.Round(days * 0.117));
        var warm = Math.Max(1, (int)Math.Round(days * 0.117));
        return new TimeSplit(warm, days - test - valid, days - test, days);
    }

    public int TestDays => Days - ValidEnd;

    public override string ToString() =>
        $"warm-up days 0–{WarmUpDays - 1} (states fill, not trained on), train days {WarmUpDays}–{TrainEnd - 1}, validation days {TrainEnd}–{ValidEnd - 1}, test days {ValidEnd}–{Days - 1}";

    public (List<int> Train, List<int> Valid, List<int> Test) Assign(int[] dayOfRow)
    {
        List<int> train = [], valid = [], test = [];
        for (var i = 0; i < dayOfRow.Length; i++)
        {
            var d = dayOfRow[i];
            if (d < WarmUpDays)
            {
                continue;
            }
            (d < TrainEnd ? train : d < ValidEnd ? valid : test).Add(i);
        }
        return (train, valid, test);
    }
}
