using FraudEx.Contracts.V1;

namespace FraudEx.Alerts;

/// <summary>
/// The case workflow: OPEN → IN_REVIEW → CONFIRMED_FRAUD | FALSE_POSITIVE → CLOSED, and OPEN → CONFIRMED_FRAUD |
/// FALSE_POSITIVE directly. A CLOSED alert accepts no further change.
/// </summary>
public static class AlertWorkflow
{
    /// <summary>Whether an alert in <paramref name="from"/> may move to <paramref name="to"/> (staying put is allowed
    /// everywhere but CLOSED).</summary>
    public static bool CanMove(AlertStatus from, AlertStatus to) => (from, to) switch
    {
        (AlertStatus.Closed, _) => false,
        _ when from == to => true,
        (AlertStatus.Open, AlertStatus.InReview or AlertStatus.ConfirmedFraud or AlertStatus.FalsePositive) => true,
        (AlertStatus.InReview, AlertStatus.ConfirmedFraud or AlertStatus.FalsePositive) => true,
        (AlertStatus.ConfirmedFraud or AlertStatus.FalsePositive, AlertStatus.Closed) => true,
        _ => false,
    };
}
