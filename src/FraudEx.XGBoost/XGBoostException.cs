namespace FraudEx.XGBoost;

/// <summary>A failed XGBoost C API call (carrying libxgboost's own message) or a missing native library.</summary>
public sealed class XGBoostException : Exception
{
    public XGBoostException(string message) : base(message) { }

    public XGBoostException(string message, Exception inner) : base(message, inner) { }
}
