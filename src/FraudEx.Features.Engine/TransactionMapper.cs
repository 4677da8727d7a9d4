using FraudEx.Contracts.V1;

namespace FraudEx.Features.Engine;

/// <summary>Maps the wire contract (fraudex.v1) to the engine's events; the only place the engine sees protobuf.</summary>
public static class TransactionMapper
{
    /// <summary>Maps a validated <see cref="Transaction"/>; a missing timestamp maps to Unix time 0.</summary>
    public static TransactionEvent ToEvent(Transaction tx)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var ms = tx.Timestamp is null ? 0L : tx.Timestamp.Seconds * 1000L + tx.Timestamp.Nanos / 1_000_000;
        return new TransactionEvent(
            tx.TransactionId,
            tx.AccountId,
            tx.MerchantId,
            tx.MerchantCategoryCode,
            tx.AmountMinor,
            tx.Currency,
            ms,
            (PaymentChannel)(int)tx.Channel,
            tx.CardPresent,
            string.IsNullOrEmpty(tx.DeviceId) ? null : tx.DeviceId,
            string.IsNullOrEmpty(tx.IpAddress) ? null : tx.IpAddress,
            tx.Location?.Latitude,
            tx.Location?.Longitude,
            tx.Country,
            tx.MerchantCountry);
    }

    /// <summary>
    /// Maps a label; returns false for LABEL_KIND_UNSPECIFIED. Confirmed fraud and chargebacks are fraud; false
    /// positives and genuine confirmations are not. A missing labelled time means "known at the transaction time".
    /// </summary>
    public static bool TryToEvent(Label label, out LabelEvent labelEvent)
    {
        ArgumentNullException.ThrowIfNull(label);
        labelEvent = default;
        if (label.Kind == LabelKind.Unspecified)
        {
            return false;
        }

        var txMs = label.TransactionTime is null ? 0L : label.TransactionTime.Seconds * 1000L + label.TransactionTime.Nanos / 1_000_000;
        var knownMs = label.LabeledTime is null ? txMs : label.LabeledTime.Seconds * 1000L + label.LabeledTime.Nanos / 1_000_000;
        var isFraud = label.Kind is LabelKind.ConfirmedFraud or LabelKind.Chargeback;
        labelEvent = new LabelEvent(
            label.TransactionId,
            label.MerchantId,
            string.IsNullOrEmpty(label.DeviceId) ? null : label.DeviceId,
            isFraud,
            txMs,
            knownMs);
        return true;
    }
}
