using System.Buffers;
using FraudEx.Alerts.Client;
using FraudEx.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace FraudEx.Alerts.Tests;

/// <summary>A spooled batch is shipped as its bytes: those bytes must be exactly the request the generated client would
/// send for the same decisions.</summary>
public sealed class SpooledDecisionsTests
{
    private static DecisionRecord Decision(string id, string traceParent, int features) => new()
    {
        Transaction = new Transaction { TransactionId = id, AccountId = "acct-" + id, MerchantId = "m-1", AmountMinor = 1_234, Currency = "EUR" },
        Score = 0.75,
        Decision = Contracts.V1.Decision.Review,
        ModelVersion = "2.0.0",
        Reasons = { new Reason { Code = "AMOUNT_HIGH", Description = "amount far above the account's usual", Contribution = 0.4 } },
        RulesFired = { "RULE_VELOCITY" },
        Features = { Enumerable.Range(0, features).Select(i => i * 0.5f) },
        DecidedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 6, 4, 0, 0, TimeSpan.Zero)),
        TraceParent = traceParent,
    };

    // Lengths whose varint takes one, two and three bytes (under 128, under 16,384, above).
    private static readonly DecisionRecord[] Decisions =
    [
        new DecisionRecord { Transaction = new Transaction { TransactionId = "tiny" } },
        Decision("a", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", 40),
        Decision("b", "", 5_000),
        Decision("c", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", 0),
    ];

    [Fact]
    public void WriteRequest_IsTheGeneratedRequestsBytes()
    {
        using var batch = SpooledDecisions.From(Decisions);
        var expected = new RecordDecisionsRequest { Decisions = { Decisions } }.ToByteArray();
        var writer = new ArrayBufferWriter<byte>();

        batch.WriteRequest(writer);

        Assert.Equal(expected.Length, batch.RequestSize);
        Assert.Equal(expected, writer.WrittenSpan.ToArray());
        Assert.Equal(Decisions, RecordDecisionsRequest.Parser.ParseFrom(writer.WrittenSpan).Decisions);
    }

    [Fact]
    public void TraceParents_AreReadFromTheBytes()
    {
        using var batch = SpooledDecisions.From(Decisions);

        Assert.Equal(Decisions.Select(d => d.TraceParent), batch.TraceParents());
        Assert.Equal(Decisions, batch.Parse());
        Assert.Equal(Decisions.Length, batch.Count);
    }

    [Fact]
    public void Dispose_ThenAdding_Throws()
    {
        var batch = SpooledDecisions.From(Decisions[..1]);
        batch.Dispose();
        batch.Dispose();
        Assert.Throws<ObjectDisposedException>(() => batch.Add([1, 2, 3]));
    }
}
