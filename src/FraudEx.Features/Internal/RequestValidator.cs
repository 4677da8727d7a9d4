using System.Net;
using FraudEx.Contracts.V1;

namespace FraudEx.Features.Internal;

/// <summary>Checks requests against the contract's documented rules, collecting every violation with its field path.</summary>
internal static class RequestValidator
{
    public const int MaxBatch = 1024;
    private const int MaxIdLength = 128;
    private static readonly TimeSpan MaxFutureSkew = TimeSpan.FromMinutes(5);

    public static List<(string Field, string Description)> Validate(ComputeFeaturesRequest request, DateTimeOffset now)
    {
        var v = new List<(string, string)>();
        if (request.Transactions.Count is 0 or > MaxBatch)
        {
            v.Add(("transactions", $"must hold 1..{MaxBatch} transactions (got {request.Transactions.Count})"));
        }

        for (var i = 0; i < request.Transactions.Count && v.Count < 100; i++)
        {
            Validate(request.Transactions[i], $"transactions[{i}]", now, v);
        }

        return v;
    }

    public static List<(string Field, string Description)> Validate(RecordLabelsRequest request)
    {
        var v = new List<(string, string)>();
        if (request.Labels.Count is 0 or > MaxBatch)
        {
            v.Add(("labels", $"must hold 1..{MaxBatch} labels (got {request.Labels.Count})"));
        }

        for (var i = 0; i < request.Labels.Count && v.Count < 100; i++)
        {
            var l = request.Labels[i];
            var p = $"labels[{i}]";
            Id(l.TransactionId, p + ".transaction_id", required: true, v);
            Id(l.MerchantId, p + ".merchant_id", required: true, v);
            Id(l.DeviceId, p + ".device_id", required: false, v);
            Id(l.AccountId, p + ".account_id", required: false, v);
            if (l.Kind == LabelKind.Unspecified || !Enum.IsDefined(l.Kind))
            {
                v.Add((p + ".kind", "must be a defined label kind other than LABEL_KIND_UNSPECIFIED"));
            }

            if (l.TransactionTime is null)
            {
                v.Add((p + ".transaction_time", "is required"));
            }
        }

        return v;
    }

    public static List<(string Field, string Description)> Validate(GetEntityStateRequest request)
    {
        var v = new List<(string, string)>();
        if (request.EntityType == EntityType.Unspecified || !Enum.IsDefined(request.EntityType))
        {
            v.Add(("entity_type", "must be ACCOUNT, MERCHANT, DEVICE or IP"));
        }

        Id(request.EntityId, "entity_id", required: true, v);
        return v;
    }

    private static void Validate(Transaction tx, string p, DateTimeOffset now, List<(string, string)> v)
    {
        Id(tx.TransactionId, p + ".transaction_id", required: true, v);
        Id(tx.AccountId, p + ".account_id", required: true, v);
        Id(tx.MerchantId, p + ".merchant_id", required: true, v);
        Id(tx.DeviceId, p + ".device_id", required: false, v);
        if (tx.MerchantCategoryCode.Length != 0 && (tx.MerchantCategoryCode.Length != 4 || !tx.MerchantCategoryCode.All(char.IsAsciiDigit)))
        {
            v.Add((p + ".merchant_category_code", "must be four digits or empty"));
        }

        if (tx.AmountMinor <= 0)
        {
            v.Add((p + ".amount_minor", "must be > 0"));
        }

        if (tx.Currency.Length != 3 || !tx.Currency.All(char.IsAsciiLetterUpper))
        {
            v.Add((p + ".currency", "must be an ISO 4217 code of three upper-case letters"));
        }

        if (tx.Timestamp is null)
        {
            v.Add((p + ".timestamp", "is required"));
        }
        else if (tx.Timestamp.Nanos is < 0 or > 999_999_999 || tx.Timestamp.Seconds is < -62135596800 or > 253402300799)
        {
            v.Add((p + ".timestamp", "is not a valid timestamp"));
        }
        else if (tx.Timestamp.ToDateTimeOffset() > now + MaxFutureSkew)
        {
            v.Add((p + ".timestamp", "is more than 5 minutes in the future"));
        }

        if (!Enum.IsDefined(tx.Channel))
        {
            v.Add((p + ".channel", "is not a defined channel"));
        }

        if (tx.IpAddress.Length != 0 && (tx.IpAddress.Length > 45 || !IPAddress.TryParse(tx.IpAddress, out _)))
        {
            v.Add((p + ".ip_address", "must be an IPv4 or IPv6 address or empty"));
        }

        if (tx.Location is not null)
        {
            if (!(tx.Location.Latitude is >= -90 and <= 90))
            {
                v.Add((p + ".location.latitude", "must be in [-90, 90]"));
            }

            if (!(tx.Location.Longitude is >= -180 and <= 180))
            {
                v.Add((p + ".location.longitude", "must be in [-180, 180]"));
            }
        }

        Country(tx.Country, p + ".country", v);
        Country(tx.MerchantCountry, p + ".merchant_country", v);
    }

    private static void Id(string value, string field, bool required, List<(string, string)> v)
    {
        if (value.Length == 0)
        {
            if (required)
            {
                v.Add((field, "is required"));
            }

            return;
        }

        if (value.Length > MaxIdLength || !value.All(c => c is >= '!' and <= '~'))
        {
            v.Add((field, $"must be 1..{MaxIdLength} printable ASCII characters"));
        }
    }

    private static void Country(string value, string field, List<(string, string)> v)
    {
        if (value.Length != 0 && (value.Length != 2 || !value.All(char.IsAsciiLetterUpper)))
        {
            v.Add((field, "must be an ISO 3166-1 alpha-2 code of two upper-case letters or empty"));
        }
    }
}
