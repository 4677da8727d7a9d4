namespace FraudEx.Features.Engine;

/// <summary>How the payment was made; numbers equal fraudex.v1.Channel.</summary>
public enum PaymentChannel
{
    Unspecified = 0,
    Pos = 1,
    Ecommerce = 2,
    Atm = 3,
    Moto = 4,
    Recurring = 5,
    Contactless = 6,
}

/// <summary>
/// One payment as the feature engine sees it, independent of the wire contract, so offline data (CSV, Parquet) and
/// serving feed the same engine. Empty strings and nulls mean "unknown" and give NaN features.
/// </summary>
/// <param name="TransactionId">Caller-assigned unique id.</param>
/// <param name="AccountId">Card or account token; required.</param>
/// <param name="MerchantId">Merchant or terminal id; required.</param>
/// <param name="Mcc">ISO 18245 merchant category code ("5411"); empty when unknown.</param>
/// <param name="AmountMinor">Amount in minor units of <paramref name="Currency"/>.</param>
/// <param name="Currency">ISO 4217 code; the exponent (JPY 0, BHD 3, otherwise 2) converts minor to major units.</param>
/// <param name="TimestampMs">Event time, Unix milliseconds UTC.</param>
/// <param name="Channel">Payment channel.</param>
/// <param name="CardPresent">True when the card was read; null when unknown.</param>
/// <param name="DeviceId">Device fingerprint; null or empty when unknown.</param>
/// <param name="IpAddress">Payer IP address; null or empty when unknown.</param>
/// <param name="Latitude">Location latitude in degrees; null when unknown.</param>
/// <param name="Longitude">Location longitude in degrees; null when unknown.</param>
/// <param name="Country">ISO 3166-1 alpha-2 country of the account holder; empty when unknown.</param>
/// <param name="MerchantCountry">ISO 3166-1 alpha-2 country of the merchant; empty when unknown.</param>
public readonly record struct TransactionEvent(
    string TransactionId,
    string AccountId,
    string MerchantId,
    string Mcc,
    long AmountMinor,
    string Currency,
    long TimestampMs,
    PaymentChannel Channel = PaymentChannel.Unspecified,
    bool? CardPresent = null,
    string? DeviceId = null,
    string? IpAddress = null,
    double? Latitude = null,
    double? Longitude = null,
    string Country = "",
    string MerchantCountry = "")
{
    /// <summary>Event time as a <see cref="DateTimeOffset"/>.</summary>
    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds(TimestampMs);

    /// <summary>True when a device id is known.</summary>
    public bool HasDevice => !string.IsNullOrEmpty(DeviceId);

    /// <summary>True when an IP address is known.</summary>
    public bool HasIp => !string.IsNullOrEmpty(IpAddress);

    /// <summary>True when both coordinates are known.</summary>
    public bool HasLocation => Latitude.HasValue && Longitude.HasValue;
}

/// <summary>
/// A label of a transaction, applied when it became known (<paramref name="LabelKnownMs"/>), never before: this is
/// what keeps label-driven features point-in-time correct (a 7-day chargeback delay falls out by itself).
/// </summary>
/// <param name="TransactionId">The labelled transaction; labels are idempotent per transaction id.</param>
/// <param name="MerchantId">Merchant of the transaction.</param>
/// <param name="DeviceId">Device of the transaction; null or empty when unknown.</param>
/// <param name="IsFraud">True for confirmed fraud or chargeback; false for genuine / false positive.</param>
/// <param name="TransactionMs">Event time of the labelled transaction, Unix milliseconds.</param>
/// <param name="LabelKnownMs">When the label became known, Unix milliseconds.</param>
public readonly record struct LabelEvent(
    string TransactionId,
    string MerchantId,
    string? DeviceId,
    bool IsFraud,
    long TransactionMs,
    long LabelKnownMs);
