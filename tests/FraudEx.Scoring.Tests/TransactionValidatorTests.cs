using FraudEx.Contracts.V1;
using FraudEx.Scoring.Validation;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Time.Testing;

namespace FraudEx.Scoring.Tests;

public sealed class TransactionValidatorTests
{
    private readonly TransactionValidator validator = new(new FakeTimeProvider(Transactions.Now));

    private List<string> Fields(Transaction? tx) => validator.Validate(tx).Select(v => v.Field).ToList();

    [Fact]
    public void ValidTransaction_HasNoViolations() => Assert.Empty(validator.Validate(Transactions.Valid()));

    [Fact]
    public void MinimalTransaction_HasNoViolations()
    {
        var tx = new Transaction
        {
            TransactionId = "t", AccountId = "a", MerchantId = "m", AmountMinor = 1, Currency = "JPY",
            Timestamp = Timestamp.FromDateTimeOffset(Transactions.Now),
        };
        Assert.Empty(validator.Validate(tx));
    }

    [Fact]
    public void MissingTransaction_IsReported() => Assert.Equal(["transaction"], Fields(null));

    [Fact]
    public void MissingIds_AreEachReported()
    {
        var tx = Transactions.Valid();
        tx.TransactionId = "";
        tx.AccountId = "";
        tx.MerchantId = "";
        Assert.Equal(["transaction.transaction_id", "transaction.account_id", "transaction.merchant_id"], Fields(tx));
    }

    [Fact]
    public void IdTooLongOrNotPrintable_IsReported()
    {
        var tx = Transactions.Valid();
        tx.TransactionId = new string('x', 129);
        tx.AccountId = "acct\u00e9";
        Assert.Equal(["transaction.transaction_id", "transaction.account_id"], Fields(tx));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void NonPositiveAmount_IsReported(long amount)
    {
        var tx = Transactions.Valid();
        tx.AmountMinor = amount;
        var violation = Assert.Single(validator.Validate(tx));
        Assert.Equal("transaction.amount_minor", violation.Field);
        Assert.Contains("greater than 0", violation.Description);
    }

    [Theory]
    [InlineData("")]
    [InlineData("EURO")]
    [InlineData("eur")]
    [InlineData("ZZZ")]
    [InlineData("XAU")]
    public void UnknownCurrency_IsReported(string currency)
    {
        var tx = Transactions.Valid();
        tx.Currency = currency;
        Assert.Equal(["transaction.currency"], Fields(tx));
    }

    [Fact]
    public void TimestampMoreThanFiveMinutesAhead_IsReported()
    {
        var tx = Transactions.Valid();
        tx.Timestamp = Timestamp.FromDateTimeOffset(Transactions.Now.AddMinutes(5).AddSeconds(1));
        Assert.Equal(["transaction.timestamp"], Fields(tx));
    }

    [Fact]
    public void TimestampWithinSkewOrPast_IsAccepted()
    {
        var tx = Transactions.Valid();
        tx.Timestamp = Timestamp.FromDateTimeOffset(Transactions.Now.AddMinutes(4));
        Assert.Empty(validator.Validate(tx));
        tx.Timestamp = Timestamp.FromDateTimeOffset(Transactions.Now.AddDays(-30));
        Assert.Empty(validator.Validate(tx));
    }

    [Fact]
    public void MissingOrInvalidTimestamp_IsReported()
    {
        var tx = Transactions.Valid();
        tx.Timestamp = null;
        Assert.Equal(["transaction.timestamp"], Fields(tx));
        tx.Timestamp = new Timestamp { Seconds = 0, Nanos = -1 };
        Assert.Equal(["transaction.timestamp"], Fields(tx));
        tx.Timestamp = new Timestamp { Seconds = long.MaxValue };
        Assert.Equal(["transaction.timestamp"], Fields(tx));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("10.0.0")]
    [InlineData("256.1.1.1")]
    [InlineData("01.2.3.4")]
    [InlineData("1.2.3.4.5")]
    [InlineData("not-an-ip")]
    [InlineData("::g")]
    [InlineData("0x7f.0.0.1")]
    public void MalformedIp_IsReported(string ip)
    {
        var tx = Transactions.Valid();
        tx.IpAddress = ip;
        Assert.Equal(["transaction.ip_address"], Fields(tx));
    }

    [Theory]
    [InlineData("192.0.2.1")]
    [InlineData("0.0.0.0")]
    [InlineData("2001:db8::1")]
    [InlineData("::1")]
    [InlineData("")]
    public void WellFormedIp_IsAccepted(string ip)
    {
        var tx = Transactions.Valid();
        tx.IpAddress = ip;
        Assert.Empty(validator.Validate(tx));
    }

    [Theory]
    [InlineData(90.01, 0, "transaction.location.latitude")]
    [InlineData(-91, 0, "transaction.location.latitude")]
    [InlineData(double.NaN, 0, "transaction.location.latitude")]
    [InlineData(0, 180.5, "transaction.location.longitude")]
    [InlineData(0, double.PositiveInfinity, "transaction.location.longitude")]
    public void OutOfRangeLocation_IsReported(double lat, double lon, string field)
    {
        var tx = Transactions.Valid();
        tx.Location = new GeoPoint { Latitude = lat, Longitude = lon };
        Assert.Equal([field], Fields(tx));
    }

    [Fact]
    public void TooManyAttributes_IsReported()
    {
        var tx = Transactions.Valid();
        for (var i = 0; i < 33; i++)
        {
            tx.Attributes[$"k{i}"] = "v";
        }

        Assert.Equal(["transaction.attributes"], Fields(tx));
    }

    [Fact]
    public void OversizedAttributeKeyOrValue_IsReported()
    {
        var tx = Transactions.Valid();
        tx.Attributes[new string('k', 257)] = "v";
        tx.Attributes["big"] = new string('\u00e9', 129); // 258 UTF-8 bytes
        Assert.Equal(["transaction.attributes", "transaction.attributes[big]"], Fields(tx));
    }

    [Fact]
    public void BadMccCountryAndChannel_AreReported()
    {
        var tx = Transactions.Valid();
        tx.MerchantCategoryCode = "54A1";
        tx.Country = "fra";
        tx.MerchantCountry = "f";
        tx.Channel = (Channel)99;
        Assert.Equal(
            ["transaction.merchant_category_code", "transaction.channel", "transaction.country", "transaction.merchant_country"],
            Fields(tx));
    }

    [Fact]
    public void SeveralProblems_AreAllReportedAtOnce()
    {
        var tx = Transactions.Valid();
        tx.AccountId = "";
        tx.AmountMinor = 0;
        tx.Currency = "XYZ";
        tx.IpAddress = "999.1.1.1";
        Assert.Equal(4, validator.Validate(tx).Count);
    }
}
