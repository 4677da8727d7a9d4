namespace FraudEx.Training.Handbook;

/// <summary>One prequential fold: 7 days of training, 7 days of delay (labels unknown), 7 days assessed.</summary>
public sealed record HandbookFold(string Name, int TrainStartDay)
{
    public const int Train = 7, Delay = 7, Assessed = 7;

    public int TestStartDay => TrainStartDay + Train + Delay;

    public DateTime TrainStart => HandbookProtocol.FirstDay.AddDays(TrainStartDay);
}

/// <summary>
/// The Handbook's evaluation protocol (chapter 5, get_train_test_set and prequential_split): day indices count from
/// 2018-04-01; folds step back one week from a reference training start.
/// </summary>
public static class HandbookProtocol
{
    public static readonly DateTime FirstDay = new(2018, 4, 1, 0, 0, 0, DateTimeKind.Utc);
    public static readonly DateTime TestReference = new(2018, 8, 15, 0, 0, 0, DateTimeKind.Utc);
    public static readonly DateTime ValidationReference = new(2018, 7, 11, 0, 0, 0, DateTimeKind.Utc);
    public const int Folds = 4;

    public static IReadOnlyList<HandbookFold> TestFolds => MakeFolds("test", TestReference);

    public static IReadOnlyList<HandbookFold> ValidationFolds => MakeFolds("validation", ValidationReference);

    private static HandbookFold[] MakeFolds(string name, DateTime reference) =>
        Enumerable.Range(0, Folds)
            .Select(k => new HandbookFold($"{name}-{k}", (int)(reference - FirstDay).TotalDays - k * HandbookFold.Assessed))
            .ToArray();

    /// <summary>
    /// Row indices of the fold's training week and of its assessed week. A card already known to be compromised on
    /// an assessed day (a fraud in the training week or in the delay period up to that day minus 7 days) is left
    /// out of that day's assessment, as in the book.
    /// </summary>
    public static (int[] Train, int[] Test) Split(IReadOnlyList<HandbookTransaction> rows, HandbookFold fold)
    {
        var train = new List<int>();
        var byDay = new Dictionary<int, List<int>>();
        var fraudDays = new Dictionary<int, int>(); // customer → first fraud day at or after the training start
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            if (r.Day >= fold.TrainStartDay && r.Day < fold.TrainStartDay + HandbookFold.Train)
            {
                train.Add(i);
            }
            if (r.Day >= fold.TestStartDay && r.Day < fold.TestStartDay + HandbookFold.Assessed)
            {
                (byDay.TryGetValue(r.Day, out var l) ? l : byDay[r.Day] = []).Add(i);
            }
            if (r.Fraud && r.Day >= fold.TrainStartDay && !fraudDays.ContainsKey(r.Customer))
            {
                fraudDays[r.Customer] = r.Day;
            }
        }
        var test = new List<int>();
        for (var d = 0; d < HandbookFold.Assessed; d++)
        {
            var day = fold.TestStartDay + d;
            // Known on test day d: frauds on days [train start, train start + 7 + d).
            var knownBefore = fold.TrainStartDay + HandbookFold.Train + d;
            if (!byDay.TryGetValue(day, out var idx))
            {
                continue;
            }
            test.AddRange(idx.Where(i => !(fraudDays.TryGetValue(rows[i].Customer, out var f) && f < knownBefore)));
        }
        return (train.ToArray(), test.ToArray());
    }
}
