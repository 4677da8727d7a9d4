using System.Net;
using System.Text;
using System.Text.Json;
using FraudEx.Alerts.Storage;
using FraudEx.Alerts.Tests.Infrastructure;
using FraudEx.Alerts.Webhooks;
using FraudEx.Contracts.V1;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FraudEx.Alerts.Tests;

[Collection(PostgresCollection.Name)]
public sealed class WebhookDispatcherTests(PostgresFixture postgres)
{
    private const string Secret = "whsec_test_0123456789abcdef";

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [Fact]
    public async Task ReceiverFailingTwice_GetsThreeSignedAttemptsAndTheLogShowsThem()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync(nameof(ReceiverFailingTwice_GetsThreeSignedAttemptsAndTheLogShowsThem));
        using var receiver = new WebhookReceiver(HttpStatusCode.InternalServerError, HttpStatusCode.ServiceUnavailable);
        await new WebhookSubscriptions(dataSource, TimeProvider.System).UpsertAsync(receiver.Url, Secret,
            [WebhookSubscriptions.AlertCreated, WebhookSubscriptions.AlertUpdated], Timeout);
        var recorded = await new DecisionStore(dataSource, TimeProvider.System, NullLogger<DecisionStore>.Instance)
            .RecordAsync(Decisions.Range("hook", 0, 10), Timeout); // one alert (decision 0)
        using var dispatcher = Dispatcher(dataSource, maxAttempts: 5);

        await DeliverUntilAsync(dispatcher, () => receiver.Requests.Count >= 3);

        var requests = receiver.Requests.ToArray();
        Assert.Equal(3, requests.Length);
        Assert.Single(requests.Select(r => r.DeliveryId).Distinct());
        Assert.All(requests, r => Assert.True(
            WebhookSignature.Verify(r.Signature, r.Body, Secret, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)), "signature must verify"));
        Assert.False(WebhookSignature.Verify(requests[0].Signature, r0Tampered(requests[0].Body), Secret, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(requests[0].Signature, requests[0].Body, "whsec_other_secret_000", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(requests[0].Signature, requests[0].Body, Secret, DateTimeOffset.UtcNow.AddMinutes(10), TimeSpan.FromMinutes(5)));
        Assert.True(requests[2].At - requests[1].At >= TimeSpan.FromMilliseconds(100), "the second retry waits at least half of 2 × 100 ms");

        using var payload = JsonDocument.Parse(requests[2].Body);
        Assert.Equal("alert.created", payload.RootElement.GetProperty("type").GetString());
        Assert.Equal(recorded.AlertIds[0].ToString(System.Globalization.CultureInfo.InvariantCulture),
            payload.RootElement.GetProperty("data").GetProperty("alert").GetProperty("alertId").GetString());
        Assert.Equal(1, await Sql.ScalarAsync(dataSource, "SELECT count(*) FROM webhook_deliveries WHERE status = 1 AND attempts = 3"));
        Assert.Equal(3, await Sql.ScalarAsync(dataSource, "SELECT count(*) FROM webhook_delivery_attempts"));
        Assert.Equal(2, await Sql.ScalarAsync(dataSource, "SELECT count(*) FROM webhook_delivery_attempts WHERE status_code >= 500"));

        static byte[] r0Tampered(byte[] body)
        {
            var copy = (byte[])body.Clone();
            copy[^2] ^= 1;
            return copy;
        }
    }

    [Fact]
    public async Task ReceiverAlwaysFailing_DeliveryGivesUpAfterMaxAttempts()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync(nameof(ReceiverAlwaysFailing_DeliveryGivesUpAfterMaxAttempts));
        using var receiver = new WebhookReceiver(Enumerable.Repeat(HttpStatusCode.BadGateway, 10).ToArray());
        await new WebhookSubscriptions(dataSource, TimeProvider.System).UpsertAsync(receiver.Url, Secret, [WebhookSubscriptions.AlertCreated], Timeout);
        await new DecisionStore(dataSource, TimeProvider.System, NullLogger<DecisionStore>.Instance).RecordAsync(Decisions.Range("giveup", 0, 1), Timeout);
        using var dispatcher = Dispatcher(dataSource, maxAttempts: 3);

        await DeliverUntilAsync(dispatcher, () => receiver.Requests.Count >= 3);
        await Task.Delay(500, Timeout);
        await dispatcher.DeliverDueAsync(Timeout);

        Assert.Equal(3, receiver.Requests.Count);
        Assert.Equal(1, await Sql.ScalarAsync(dataSource, "SELECT count(*) FROM webhook_deliveries WHERE status = 2 AND last_status_code = 502"));
    }

    [Fact]
    public async Task AlertUpdate_IsDeliveredToUpdateSubscribersOnly()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync(nameof(AlertUpdate_IsDeliveredToUpdateSubscribersOnly));
        using var createdOnly = new WebhookReceiver();
        using var both = new WebhookReceiver();
        var subscriptions = new WebhookSubscriptions(dataSource, TimeProvider.System);
        await subscriptions.UpsertAsync(createdOnly.Url, Secret, [WebhookSubscriptions.AlertCreated], Timeout);
        await subscriptions.UpsertAsync(both.Url, Secret, [WebhookSubscriptions.AlertCreated, WebhookSubscriptions.AlertUpdated], Timeout);
        var recorded = await new DecisionStore(dataSource, TimeProvider.System, NullLogger<DecisionStore>.Instance).RecordAsync(Decisions.Range("upd", 0, 1), Timeout);
        await new AlertStore(dataSource, TimeProvider.System).UpdateAsync(new UpdateAlertRequest
        {
            AlertId = recorded.AlertIds[0].ToString(System.Globalization.CultureInfo.InvariantCulture), ExpectedVersion = 1, Assignee = "sam",
        }, Timeout);
        using var dispatcher = Dispatcher(dataSource, maxAttempts: 3);

        await DeliverUntilAsync(dispatcher, () => createdOnly.Requests.Count >= 1 && both.Requests.Count >= 2);

        Assert.Single(createdOnly.Requests);
        var types = both.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("type").GetString()).Order();
        Assert.Equal(["alert.created", "alert.updated"], types);
    }

    [Fact]
    public void Signature_MatchesAnIndependentHmacComputation()
    {
        var body = Encoding.UTF8.GetBytes("{\"id\":\"1\"}");
        var at = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

        var header = WebhookSignature.Sign("secret-of-sixteen+", at, body);

        var expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            Encoding.UTF8.GetBytes("secret-of-sixteen+"), Encoding.UTF8.GetBytes("1700000000.{\"id\":\"1\"}")));
        Assert.Equal($"t=1700000000,v1={expected}", header);
    }

    private static WebhookDispatcher Dispatcher(NpgsqlDataSource dataSource, int maxAttempts) =>
        new(dataSource, new AlertStore(dataSource, TimeProvider.System), TimeProvider.System, Options.Create(new WebhookOptions
        {
            InitialRetryDelay = TimeSpan.FromMilliseconds(100),
            MaxRetryDelay = TimeSpan.FromSeconds(1),
            MaxAttempts = maxAttempts,
            RequestTimeout = TimeSpan.FromSeconds(5),
        }), NullLogger<WebhookDispatcher>.Instance);

    private static async Task DeliverUntilAsync(WebhookDispatcher dispatcher, Func<bool> done)
    {
        var token = Timeout;
        while (!done())
        {
            await dispatcher.DeliverDueAsync(token);
            await Task.Delay(20, token);
        }
    }
}
