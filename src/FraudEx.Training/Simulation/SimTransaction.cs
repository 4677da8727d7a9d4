using FraudEx.Contracts.V1;

namespace FraudEx.Training.Simulation;

/// <summary>The fraud pattern a transaction belongs to; <see cref="None"/> for genuine ones.</summary>
public enum FraudScenario : byte
{
    None = 0,
    CardTesting = 1,
    AccountTakeover = 2,
    StolenCard = 3,
    ImpossibleTravel = 4,
    CompromisedMerchant = 5,
    SharedDevice = 6,
}

public static class FraudScenarios
{
    public static readonly FraudScenario[] Fraudulent =
    [
        FraudScenario.CardTesting, FraudScenario.AccountTakeover, FraudScenario.StolenCard,
        FraudScenario.ImpossibleTravel, FraudScenario.CompromisedMerchant, FraudScenario.SharedDevice,
    ];

    private static readonly string[] Names =
        ["none", "card_testing", "account_takeover", "stolen_card", "impossible_travel", "compromised_merchant", "shared_device"];

    public static string ToText(this FraudScenario s) => Names[(int)s];

    public static FraudScenario Parse(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if (text.SequenceEqual(Names[i]))
            {
                return (FraudScenario)i;
            }
        }
        throw new FormatException($"Unknown fraud scenario '{text}'.");
    }
}

/// <summary>One simulated payment, in the generator's compact form (indices, not strings).</summary>
public struct SimTransaction
{
    /// <summary>Event time, Unix seconds.</summary>
    public long Time;
    /// <summary>Creation order; breaks ties in time so the output order is a function of the seed only.</summary>
    public long Seq;
    public int Account;
    public int Merchant;
    public long AmountMinor;
    public Channel Channel;
    public bool CardPresent;
    /// <summary>Device number; 0 when no device was seen.</summary>
    public long Device;
    /// <summary>IPv4 address as a number; 0 when unknown.</summary>
    public uint Ip;
    /// <summary>Where the payment happened; NaN when unknown.</summary>
    public double Latitude;
    public double Longitude;
    public FraudScenario Scenario;
    /// <summary>When the fraud label becomes known (Unix seconds); 0 for genuine transactions.</summary>
    public long LabelTime;
}
