using FraudEx.Scoring.Validation;

namespace FraudEx.Scoring.Tests;

public sealed class CurrenciesTests
{
    [Theory]
    [InlineData("EUR", 2)]
    [InlineData("USD", 2)]
    [InlineData("JPY", 0)]
    [InlineData("KRW", 0)]
    [InlineData("KWD", 3)]
    [InlineData("BHD", 3)]
    [InlineData("CLF", 4)]
    public void KnownCode_HasIsoExponent(string code, int expected)
    {
        Assert.True(Currencies.TryGetExponent(code, out var exponent));
        Assert.Equal(expected, exponent);
    }

    [Theory]
    [InlineData("XAU")]
    [InlineData("XXX")]
    [InlineData("eur")]
    [InlineData("ABC")]
    [InlineData("")]
    public void NonPaymentOrUnknownCode_IsNotKnown(string code) => Assert.False(Currencies.IsKnown(code));

    [Fact]
    public void ToMinor_UsesExponent()
    {
        Assert.Equal(1050, Currencies.ToMinor(10.50m, "EUR"));
        Assert.Equal(1500, Currencies.ToMinor(1500m, "JPY"));
        Assert.Equal(1234, Currencies.ToMinor(1.234m, "KWD"));
        Assert.Equal(12.34m, Currencies.ToMajor(1234, "USD"));
    }

    [Fact]
    public void Table_HoldsEveryMajorCurrencyOnce()
    {
        var codes = Currencies.Codes.ToList();
        Assert.True(codes.Count > 150);
        Assert.Equal(codes.Count, codes.Distinct().Count());
        Assert.All(codes, c => Assert.Matches("^[A-Z]{3}$", c));
    }
}
