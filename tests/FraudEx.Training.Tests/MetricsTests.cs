using FraudEx.Training.Evaluation;

namespace FraudEx.Training.Tests;

public class MetricsTests
{
    private static readonly float[] Scores = [0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f];
    private static readonly bool[] Labels = [true, true, false, true, false, false];

    [Fact]
    public void RocAuc_SmallCase_MatchesPairCount()
    {
        // Positives 0.9 and 0.7 against negatives 0.8, 0.6, 0.5: 3 + 2 of 6 pairs ranked right.
        var auc = Metrics.RocAuc([0.9f, 0.8f, 0.7f, 0.6f, 0.5f], [true, false, true, false, false]);
        Assert.Equal(5.0 / 6.0, auc, 12);
    }

    [Fact]
    public void RocAuc_TiedScores_CountHalf()
    {
        Assert.Equal(0.5, Metrics.RocAuc([0.5f, 0.5f], [true, false]), 12);
        // 0.9 positive beats both negatives (2), 0.5 positive ties 0.5 negative (0.5) and beats 0.1 (1): 3.5 / 4.
        Assert.Equal(3.5 / 4, Metrics.RocAuc([0.9f, 0.5f, 0.5f, 0.1f], [true, true, false, false]), 12);
    }

    [Fact]
    public void RocAuc_OneClassOnly_IsNaN()
    {
        Assert.True(double.IsNaN(Metrics.RocAuc([0.1f, 0.2f], [false, false])));
    }

    [Fact]
    public void AveragePrecision_SmallCase_MatchesStepSum()
    {
        // Recall 0.5 at precision 1 (first row), recall 1 at precision 2/3 (third row).
        var ap = Metrics.AveragePrecision([0.9f, 0.8f, 0.7f, 0.6f], [true, false, true, false]);
        Assert.Equal(0.5 * 1 + 0.5 * 2.0 / 3.0, ap, 12);
    }

    [Fact]
    public void AveragePrecision_TiedScores_FormOneStep()
    {
        // The tie at 0.5 is one threshold: recall 1 at precision 1/3, as scikit-learn computes it.
        Assert.Equal(1.0 / 3.0, Metrics.AveragePrecision([0.9f, 0.5f, 0.5f], [false, true, false]), 12);
    }

    [Fact]
    public void RecallAtFpr_ZeroAndThirdFpr_ReturnsBestRecallAndThreshold()
    {
        var (r0, t0) = Metrics.RecallAtFpr(Scores, Labels, 0.0);
        Assert.Equal(2.0 / 3.0, r0, 12);
        Assert.Equal(0.8f, t0);
        var (r1, t1) = Metrics.RecallAtFpr(Scores, Labels, 0.34);
        Assert.Equal(1.0, r1, 12);
        Assert.Equal(0.6f, t1);
    }

    [Fact]
    public void ThresholdForPrecision_NinetyPercent_PicksLowestQualifyingThreshold()
    {
        Assert.Equal(0.8f, Metrics.ThresholdForPrecision(Scores, Labels, 0.9));
        Assert.Equal(0.6f, Metrics.ThresholdForPrecision(Scores, Labels, 0.75));
        Assert.Equal(float.PositiveInfinity, Metrics.ThresholdForPrecision([0.9f, 0.1f], [false, true], 0.9));
    }

    [Fact]
    public void ThresholdForRecall_Target_PicksHighestQualifyingThreshold()
    {
        Assert.Equal(0.8f, Metrics.ThresholdForRecall(Scores, Labels, 0.6));
        Assert.Equal(0.6f, Metrics.ThresholdForRecall(Scores, Labels, 1.0));
    }

    [Fact]
    public void At_Threshold_CountsConfusion()
    {
        var c = Metrics.At(Scores, Labels, 0.7f);
        Assert.Equal(new Confusion(2, 1, 1, 2), c);
        Assert.Equal(2.0 / 3.0, c.Precision, 12);
        Assert.Equal(2.0 / 3.0, c.Recall, 12);
        Assert.Equal(1.0 / 3.0, c.FalsePositiveRate, 12);
    }

    [Fact]
    public void CardPrecisionAtK_TwoDays_UsesCardMaxAndDropsDetectedCards()
    {
        CardScore[] rows =
        [
            new(0, "A", 0.9f, true),
            new(0, "B", 0.8f, false),
            new(0, "B", 0.2f, true), // B is a fraudulent card that day; its score is its highest, 0.8
            new(0, "C", 0.7f, true),
            new(1, "A", 0.95f, true), // detected on day 0: left out
            new(1, "C", 0.6f, true),
            new(1, "D", 0.5f, false),
            new(1, "E", 0.1f, false),
        ];
        var (mean, daily) = CardPrecision.AtK(rows, 2);
        Assert.Equal([1.0, 0.5], daily);
        Assert.Equal(0.75, mean, 12);
    }

    [Fact]
    public void ThresholdForFlaggedShare_LowestThresholdWithinTheShare()
    {
        float[] scores = [0.9f, 0.8f, 0.8f, 0.5f, 0.1f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f];

        Assert.Equal(0.8f, Evaluation.Metrics.ThresholdForFlaggedShare(scores, 0.3));   // 3 of 10 flagged
        Assert.Equal(0.9f, Evaluation.Metrics.ThresholdForFlaggedShare(scores, 0.2));   // the tie at 0.8 would flag 3
        Assert.True(float.IsPositiveInfinity(Evaluation.Metrics.ThresholdForFlaggedShare(scores, 0.05)));
    }
}
