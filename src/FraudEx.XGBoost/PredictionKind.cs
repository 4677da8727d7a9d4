namespace FraudEx.XGBoost;

/// <summary>The <c>type</c> field of XGBoosterPredictFromDMatrix's configuration.</summary>
public enum PredictionKind
{
    /// <summary>The objective's output: a probability for binary:logistic.</summary>
    Value = 0,

    /// <summary>The raw margin (log-odds for binary:logistic).</summary>
    Margin = 1,

    /// <summary>Exact TreeSHAP contributions: per row, one value per feature followed by the bias.</summary>
    Contributions = 2,
}
