using FraudEx.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace FraudEx.Testing;

/// <summary>Transactions for tests that call the real services.</summary>
public static class TestTransactions
{
    /// <summary>
    /// A card-present EUR 25.00 grocery payment in Germany, timestamped now, that every check of the scorer's validator
    /// accepts; set further fields on the result where a test needs them.
    /// </summary>
    public static Transaction Valid(string transactionId, string accountId, string merchantId) => new()
    {
        TransactionId = transactionId,
        AccountId = accountId,
        MerchantId = merchantId,
        MerchantCategoryCode = "5411",
        AmountMinor = 2_500,
        Currency = "EUR",
        Timestamp = Timestamp.FromDateTime(DateTime.UtcNow),
        Channel = Channel.Pos,
        CardPresent = true,
        Country = "DE",
        MerchantCountry = "DE",
    };
}
