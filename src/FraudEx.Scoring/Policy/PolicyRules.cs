using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;
using FraudEx.Scoring.Validation;

namespace FraudEx.Scoring.Policy;

/// <summary>
/// The deterministic rules applied on top of the model, as loaded from the rules file. Immutable: a reload builds a
/// new instance and swaps the reference, so a decision never sees half of an old file and half of a new one.
/// </summary>
public sealed class PolicyRules
{
    /// <summary>No rules at all.</summary>
    public static readonly PolicyRules Empty = new(new PolicyRulesDocument());

    private PolicyRules(PolicyRulesDocument document)
    {
        BlockedAccounts = ToSet(document.BlockedAccounts);
        BlockedDevices = ToSet(document.BlockedDevices);
        BlockedMerchants = ToSet(document.BlockedMerchants);
        BlockedIps = ToSet(document.BlockedIps);
        AllowedAccounts = ToSet(document.AllowedAccounts);
        AllowedMerchants = ToSet(document.AllowedMerchants);
        var limits = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (currency, major) in document.AmountLimits ?? [])
        {
            if (!Currencies.IsKnown(currency))
            {
                throw new FormatException($"amountLimits: '{currency}' is not an ISO 4217 currency code.");
            }

            if (major <= 0)
            {
                throw new FormatException($"amountLimits: the limit for {currency} must be positive.");
            }

            limits[currency] = Currencies.ToMinor(major, currency);
        }

        AmountLimitsMinor = limits.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Accounts always declined.</summary>
    public FrozenSet<string> BlockedAccounts { get; }

    /// <summary>Devices always declined.</summary>
    public FrozenSet<string> BlockedDevices { get; }

    /// <summary>Merchants always declined.</summary>
    public FrozenSet<string> BlockedMerchants { get; }

    /// <summary>IP addresses always declined.</summary>
    public FrozenSet<string> BlockedIps { get; }

    /// <summary>Accounts approved whatever the model says (a block or a hard limit still declines).</summary>
    public FrozenSet<string> AllowedAccounts { get; }

    /// <summary>Merchants approved whatever the model says (a block or a hard limit still declines).</summary>
    public FrozenSet<string> AllowedMerchants { get; }

    /// <summary>Hard amount limits per currency, in minor units: above it, DECLINE.</summary>
    public FrozenDictionary<string, long> AmountLimitsMinor { get; }

    /// <summary>Parses a rules file's JSON text; throws <see cref="FormatException"/> with the reason when it is invalid.</summary>
    public static PolicyRules Parse(string json)
    {
        PolicyRulesDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, PolicyRulesJsonContext.Default.PolicyRulesDocument);
        }
        catch (JsonException e)
        {
            throw new FormatException($"The rules file is not valid JSON: {e.Message}", e);
        }

        return new PolicyRules(document ?? new PolicyRulesDocument());
    }

    private static FrozenSet<string> ToSet(string[]? values) => (values ?? []).ToFrozenSet(StringComparer.Ordinal);
}

/// <summary>The rules file's JSON shape.</summary>
internal sealed class PolicyRulesDocument
{
    public string[]? BlockedAccounts { get; set; }

    public string[]? BlockedDevices { get; set; }

    public string[]? BlockedMerchants { get; set; }

    public string[]? BlockedIps { get; set; }

    public string[]? AllowedAccounts { get; set; }

    public string[]? AllowedMerchants { get; set; }

    /// <summary>Currency code to the largest allowed amount in major units ("EUR": 5000.00).</summary>
    public Dictionary<string, decimal>? AmountLimits { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(PolicyRulesDocument))]
internal sealed partial class PolicyRulesJsonContext : JsonSerializerContext;
