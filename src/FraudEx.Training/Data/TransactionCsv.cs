using System.Globalization;
using System.Text;
using FraudEx.Contracts.V1;
using FraudEx.Training.Simulation;

namespace FraudEx.Training.Data;

/// <summary>One row of a transaction history file: the payment as a gateway would send it, plus its ground truth.</summary>
public sealed record LabelledTransaction(
    string TransactionId,
    DateTime Timestamp,
    string AccountId,
    string MerchantId,
    string Mcc,
    long AmountMinor,
    string Currency,
    Channel Channel,
    bool CardPresent,
    string DeviceId,
    string IpAddress,
    double Latitude,
    double Longitude,
    string Country,
    string MerchantCountry,
    bool IsFraud,
    FraudScenario Scenario,
    DateTime? LabelTime,
    DateTime? AccountOpened = null);

/// <summary>Reads and writes the time-ordered history CSV (header in <see cref="Header"/>).</summary>
public static class TransactionCsv
{
    public const string Header =
        "transaction_id,timestamp,account_id,merchant_id,mcc,amount_minor,currency,channel,card_present,device_id,ip_address,latitude,longitude,country,merchant_country,is_fraud,fraud_scenario,label_time,account_opened";

    private static readonly string[] ChannelNames = ["UNSPECIFIED", "POS", "ECOMMERCE", "ATM", "MOTO", "RECURRING", "CONTACTLESS"];

    /// <summary>Streams the generator's output to <paramref name="writer"/>; returns counts.</summary>
    public static GenerationSummary Write(TransactionGenerator generator, TextWriter writer)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var world = generator.World;
        var cities = Catalogue.Cities;
        var categories = Catalogue.Categories;
        var byScenario = FraudScenarios.Fraudulent.ToDictionary(s => s, _ => 0L);
        writer.Write(Header);
        writer.Write('\n');
        var line = new StringBuilder(256);
        long n = 0, frauds = 0;
        Span<char> buf = stackalloc char[64];
        foreach (var tx in generator.Generate())
        {
            var account = world.Accounts[tx.Account];
            var merchant = world.Merchants[tx.Merchant];
            line.Clear();
            line.Append('t').Append(n.ToString("D8", CultureInfo.InvariantCulture)).Append(',');
            DateTimeOffset.FromUnixTimeSeconds(tx.Time).UtcDateTime.TryFormat(buf, out var w, "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            line.Append(buf[..w]).Append(',');
            line.Append("acc-").Append(tx.Account.ToString("D6", CultureInfo.InvariantCulture)).Append(',');
            line.Append("mer-").Append(tx.Merchant.ToString("D5", CultureInfo.InvariantCulture)).Append(',');
            line.Append(categories[merchant.Category].Mcc).Append(',');
            line.Append(tx.AmountMinor.ToString(CultureInfo.InvariantCulture)).Append(',');
            line.Append(Catalogue.Currency).Append(',');
            line.Append(ChannelNames[(int)tx.Channel]).Append(',');
            line.Append(tx.CardPresent ? '1' : '0').Append(',');
            if (tx.Device != 0)
            {
                line.Append("dev-").Append(Scramble(tx.Device).ToString("x12", CultureInfo.InvariantCulture));
            }
            line.Append(',');
            if (tx.Ip != 0)
            {
                line.Append(tx.Ip >> 24).Append('.').Append((tx.Ip >> 16) & 255).Append('.').Append((tx.Ip >> 8) & 255).Append('.').Append(tx.Ip & 255);
            }
            line.Append(',');
            if (!double.IsNaN(tx.Latitude))
            {
                tx.Latitude.TryFormat(buf, out w, "F5", CultureInfo.InvariantCulture);
                line.Append(buf[..w]).Append(',');
                tx.Longitude.TryFormat(buf, out w, "F5", CultureInfo.InvariantCulture);
                line.Append(buf[..w]).Append(',');
            }
            else
            {
                line.Append(",,");
            }
            line.Append(cities[account.HomeCity].Country).Append(',');
            line.Append(merchant.Country).Append(',');
            line.Append(tx.Scenario == FraudScenario.None ? '0' : '1').Append(',');
            line.Append(tx.Scenario.ToText()).Append(',');
            if (tx.LabelTime != 0)
            {
                DateTimeOffset.FromUnixTimeSeconds(tx.LabelTime).UtcDateTime.TryFormat(buf, out w, "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
                line.Append(buf[..w]);
            }
            line.Append(',');
            DateTimeOffset.FromUnixTimeSeconds(generator.StartUnixSeconds + account.OpenedDay * 86_400L).UtcDateTime.TryFormat(buf, out w, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            line.Append(buf[..w]);
            line.Append('\n');
            writer.Write(line);
            n++;
            if (tx.Scenario != FraudScenario.None)
            {
                frauds++;
                byScenario[tx.Scenario]++;
            }
        }
        writer.Flush();
        return new GenerationSummary(n, frauds, byScenario, world.Accounts.Length, world.Merchants.Length, started.Elapsed)
        {
            Episodes = generator.Episodes,
            CompromisedVolumes = generator.CompromisedVolumes,
        };
    }

    /// <summary>Writes a generated history to a file (buffered, streaming).</summary>
    public static GenerationSummary Write(TransactionGenerator generator, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 20);
        return Write(generator, writer);
    }

    // A bijective mix so device ids look random and say nothing about when or why they were created.
    private static ulong Scramble(long device)
    {
        var z = (ulong)device * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 29)) * 0xBF58476D1CE4E5B9UL;
        return (z ^ (z >> 32)) & 0xFFFF_FFFF_FFFFUL;
    }

    /// <summary>Reads a history file in order.</summary>
    public static IEnumerable<LabelledTransaction> Read(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, false, 1 << 20);
        var header = reader.ReadLine();
        if (header != Header)
        {
            throw new InvalidDataException($"{path}: unexpected header '{header}'.");
        }
        string? line;
        var lineNumber = 1;
        var fields = new Range[20];
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            var span = line.AsSpan();
            if (span.Split(fields, ',') != 19)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: expected 19 fields.");
            }
            string S(int i) => line[fields[i]];
            var lat = span[fields[11]];
            var lon = span[fields[12]];
            var label = span[fields[17]];
            yield return new LabelledTransaction(
                S(0),
                ParseTime(span[fields[1]]),
                S(2), S(3), S(4),
                long.Parse(span[fields[5]], CultureInfo.InvariantCulture),
                S(6),
                ParseChannel(span[fields[7]]),
                span[fields[8]] is "1",
                S(9), S(10),
                lat.IsEmpty ? double.NaN : double.Parse(lat, CultureInfo.InvariantCulture),
                lon.IsEmpty ? double.NaN : double.Parse(lon, CultureInfo.InvariantCulture),
                S(13), S(14),
                span[fields[15]] is "1",
                FraudScenarios.Parse(span[fields[16]]),
                label.IsEmpty ? null : ParseTime(label),
                DateTime.ParseExact(span[fields[18]], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal));
        }
    }

    private static DateTime ParseTime(ReadOnlySpan<char> s) =>
        DateTime.ParseExact(s, "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    private static Channel ParseChannel(ReadOnlySpan<char> s)
    {
        for (var i = 0; i < ChannelNames.Length; i++)
        {
            if (s.SequenceEqual(ChannelNames[i]))
            {
                return (Channel)i;
            }
        }
        throw new FormatException($"Unknown channel '{s}'.");
    }
}
