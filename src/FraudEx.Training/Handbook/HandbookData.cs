using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace FraudEx.Training.Handbook;

/// <summary>One row of the Fraud Detection Handbook's simulated transactions.</summary>
public readonly record struct HandbookTransaction(
    long Id, DateTime Timestamp, int Customer, int Terminal, long AmountCents, int Day, bool Fraud, int Scenario);

/// <summary>Reads the Handbook's transactions.csv.gz as a stream, in file (time) order; never copies it.</summary>
public static class HandbookData
{
    public const string DefaultDirectory = "../shared/datasets/fraud-detection-handbook";
    private const string Header = "TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_TIME_SECONDS,TX_TIME_DAYS,TX_FRAUD,TX_FRAUD_SCENARIO";

    /// <summary>Loads every row; about 1.75 million, roughly 80 MB in memory.</summary>
    public static HandbookTransaction[] Load(string directory)
    {
        var path = Path.Combine(directory, "transactions.csv.gz");
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        return Read(new StreamReader(gzip, Encoding.ASCII, false, 1 << 20), path).ToArray();
    }

    public static IEnumerable<HandbookTransaction> Read(TextReader reader, string source)
    {
        var header = reader.ReadLine();
        if (header != Header)
        {
            throw new InvalidDataException($"{source}: unexpected header '{header}'.");
        }
        var fields = new Range[10];
        string? line;
        var lineNumber = 1;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            var s = line.AsSpan();
            if (s.Split(fields, ',') != 9)
            {
                throw new InvalidDataException($"{source}:{lineNumber}: expected 9 fields.");
            }
            var amount = decimal.Parse(s[fields[4]], NumberStyles.Float, CultureInfo.InvariantCulture);
            yield return new HandbookTransaction(
                long.Parse(s[fields[0]], CultureInfo.InvariantCulture),
                DateTime.SpecifyKind(DateTime.ParseExact(s[fields[1]], "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), DateTimeKind.Utc),
                int.Parse(s[fields[2]], CultureInfo.InvariantCulture),
                int.Parse(s[fields[3]], CultureInfo.InvariantCulture),
                (long)Math.Round(amount * 100),
                int.Parse(s[fields[6]], CultureInfo.InvariantCulture),
                s[fields[7]] is "1",
                int.Parse(s[fields[8]], CultureInfo.InvariantCulture));
        }
    }
}
