using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FraudEx.Contracts.V1;

namespace FraudEx.Scoring.Validation;

/// <summary>
/// Checks a <see cref="Transaction"/> against the contract in transaction.proto and lists every offending field
/// with its path ("transaction.amount_minor"), so a caller can fix all of them in one round trip.
/// </summary>
public sealed class TransactionValidator(TimeProvider timeProvider)
{
    /// <summary>Largest id length the contract allows.</summary>
    public const int MaxIdLength = 128;

    /// <summary>How far in the future of the server clock an event time may lie (clock skew allowance).</summary>
    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromMinutes(5);

    /// <summary>Most attributes a transaction may carry.</summary>
    public const int MaxAttributes = 32;

    /// <summary>Largest attribute key or value, in UTF-8 bytes.</summary>
    public const int MaxAttributeBytes = 256;

    /// <summary>Returns the violations of <paramref name="transaction"/>; empty when it is valid.</summary>
    public List<FieldViolation> Validate(Transaction? transaction)
    {
        var violations = new List<FieldViolation>();
        if (transaction is null)
        {
            Add(violations, "transaction", "is required");
            return violations;
        }

        CheckId(violations, "transaction.transaction_id", transaction.TransactionId, required: true);
        CheckId(violations, "transaction.account_id", transaction.AccountId, required: true);
        CheckId(violations, "transaction.merchant_id", transaction.MerchantId, required: true);

        var mcc = transaction.MerchantCategoryCode;
        if (mcc.Length != 0 && (mcc.Length != 4 || !mcc.All(char.IsAsciiDigit)))
        {
            Add(violations, "transaction.merchant_category_code", "must be four digits (ISO 18245) or empty");
        }

        if (transaction.AmountMinor <= 0)
        {
            Add(violations, "transaction.amount_minor", "must be greater than 0");
        }

        if (transaction.Currency.Length == 0)
        {
            Add(violations, "transaction.currency", "is required (ISO 4217 code such as \"EUR\")");
        }
        else if (!Currencies.IsKnown(transaction.Currency))
        {
            Add(violations, "transaction.currency", $"'{Printable(transaction.Currency)}' is not an ISO 4217 currency code");
        }

        CheckTimestamp(violations, transaction);

        if (!Enum.IsDefined(transaction.Channel))
        {
            Add(violations, "transaction.channel", $"{(int)transaction.Channel} is not a known channel");
        }

        if (transaction.DeviceId.Length > MaxIdLength)
        {
            Add(violations, "transaction.device_id", $"must be at most {MaxIdLength} characters");
        }

        if (transaction.IpAddress.Length != 0 && !IsWellFormedIp(transaction.IpAddress))
        {
            Add(violations, "transaction.ip_address", "must be an IPv4 dotted quad or an IPv6 address");
        }

        if (transaction.Location is { } location)
        {
            if (!(location.Latitude is >= -90 and <= 90))
            {
                Add(violations, "transaction.location.latitude", "must be within [-90, 90]");
            }

            if (!(location.Longitude is >= -180 and <= 180))
            {
                Add(violations, "transaction.location.longitude", "must be within [-180, 180]");
            }
        }

        CheckCountry(violations, "transaction.country", transaction.Country);
        CheckCountry(violations, "transaction.merchant_country", transaction.MerchantCountry);
        CheckAttributes(violations, transaction);
        return violations;
    }

    private void CheckTimestamp(List<FieldViolation> violations, Transaction transaction)
    {
        var timestamp = transaction.Timestamp;
        if (timestamp is null)
        {
            Add(violations, "transaction.timestamp", "is required");
            return;
        }

        // Timestamp.ToDateTimeOffset throws outside 0001..9999 or for nanos outside [0, 1e9); say so instead.
        if (timestamp.Nanos is < 0 or > 999_999_999
            || timestamp.Seconds < -62_135_596_800L || timestamp.Seconds > 253_402_300_799L)
        {
            Add(violations, "transaction.timestamp", "is not a valid timestamp");
            return;
        }

        var eventTime = timestamp.ToDateTimeOffset();
        var now = timeProvider.GetUtcNow();
        if (eventTime > now + MaxFutureSkew)
        {
            Add(violations, "transaction.timestamp",
                $"is {(eventTime - now).TotalSeconds.ToString("F0", CultureInfo.InvariantCulture)} s in the future; at most {MaxFutureSkew.TotalMinutes} min allowed");
        }
    }

    private static void CheckId(List<FieldViolation> violations, string field, string value, bool required)
    {
        if (value.Length == 0)
        {
            if (required)
            {
                Add(violations, field, "is required");
            }

            return;
        }

        if (value.Length > MaxIdLength)
        {
            Add(violations, field, $"must be at most {MaxIdLength} characters");
        }
        else if (!value.All(c => c is >= ' ' and <= '~'))
        {
            Add(violations, field, "must be printable ASCII");
        }
    }

    private static void CheckCountry(List<FieldViolation> violations, string field, string value)
    {
        if (value.Length != 0 && (value.Length != 2 || !char.IsAsciiLetterUpper(value[0]) || !char.IsAsciiLetterUpper(value[1])))
        {
            Add(violations, field, "must be an ISO 3166-1 alpha-2 code (two upper-case letters) or empty");
        }
    }

    private static void CheckAttributes(List<FieldViolation> violations, Transaction transaction)
    {
        if (transaction.Attributes.Count > MaxAttributes)
        {
            Add(violations, "transaction.attributes", $"has {transaction.Attributes.Count} entries; at most {MaxAttributes} allowed");
            return;
        }

        foreach (var (key, value) in transaction.Attributes)
        {
            if (Encoding.UTF8.GetByteCount(key) > MaxAttributeBytes)
            {
                Add(violations, "transaction.attributes", $"a key is longer than {MaxAttributeBytes} bytes");
            }

            if (Encoding.UTF8.GetByteCount(value) > MaxAttributeBytes)
            {
                Add(violations, $"transaction.attributes[{Printable(key)}]", $"value is longer than {MaxAttributeBytes} bytes");
            }
        }
    }

    /// <summary>
    /// IPv4 only as a strict dotted quad (IPAddress.TryParse would also take "1" or "0x7f.1"), IPv6 in any text form.
    /// </summary>
    internal static bool IsWellFormedIp(string text)
    {
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return IPAddress.TryParse(text, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6;
        }

        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit) || (part.Length > 1 && part[0] == '0')
                || int.Parse(part, CultureInfo.InvariantCulture) > 255)
            {
                return false;
            }
        }

        return true;
    }

    private static string Printable(string value)
    {
        var clipped = value.Length > 32 ? value[..32] : value;
        return new string(clipped.Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());
    }

    private static void Add(List<FieldViolation> violations, string field, string description) =>
        violations.Add(new FieldViolation { Field = field, Description = description });
}
