using FraudEx.Contracts.V1;
using FraudEx.Security.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace FraudEx.Security.Tests;

/// <summary>
/// Every RPC of every service, called with no key, a forged key, each key that lacks the RPC's role, the right role
/// and admin. Missing or forged → UNAUTHENTICATED; wrong role → PERMISSION_DENIED; right role and admin → past the
/// gate (any other status). Denied RecordDecisions and RecordLabels calls carry forged data, which must not land.
/// </summary>
[Collection(SecuritySystemCollection.Name)]
public sealed class AuthorizationTests(SecuritySystemFixture fixture)
{
    private FraudExSystem System => fixture.System;

    /// <summary>An RPC, the role the auth contract requires for it, and a call that exercises it with some options.</summary>
    private sealed record Rpc(Service Service, string Name, string Role, Func<FraudExSystem, string, CallOptions, Task> Call);

    private static readonly Rpc[] Rpcs =
    [
        new(Service.Scoring, "Score", "scorer", (s, _, o) => s.Scoring.ScoreAsync(new ScoreRequest { Transaction = Wire.ValidTransaction("auth") }, o).ResponseAsync),
        new(Service.Scoring, "ScoreStream", "scorer", async (s, _, o) =>
        {
            using var call = s.Scoring.ScoreStream(o);
            try
            {
                await call.RequestStream.WriteAsync(new ScoreStreamRequest { Transaction = Wire.ValidTransaction("auth-stream") });
                await call.RequestStream.CompleteAsync();
            }
            catch (RpcException)
            {
                // A refused call can end before the client's write does (the interceptor answers at once and the
                // server resets the request stream); the client then sees CANCELLED on the write. The server's own
                // status arrives on the response stream, read below.
            }

            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        }),
        new(Service.Scoring, "GetModel", "analyst", (s, _, o) => s.Scoring.GetModelAsync(new GetModelRequest(), o).ResponseAsync),
        new(Service.Alerts, "RecordDecisions", "scoring-service", (s, id, o) => s.Alerts.RecordDecisionsAsync(new RecordDecisionsRequest { Decisions = { ForgedDecision(id) } }, o).ResponseAsync),
        new(Service.Alerts, "ListAlerts", "analyst", (s, _, o) => s.Alerts.ListAlertsAsync(new ListAlertsRequest { PageSize = 1 }, o).ResponseAsync),
        new(Service.Alerts, "GetAlert", "analyst", (s, _, o) => s.Alerts.GetAlertAsync(new GetAlertRequest { AlertId = Guid.NewGuid().ToString() }, o).ResponseAsync),
        new(Service.Alerts, "UpdateAlert", "analyst", (s, _, o) => s.Alerts.UpdateAlertAsync(new UpdateAlertRequest { AlertId = Guid.NewGuid().ToString(), ExpectedVersion = 1, Status = AlertStatus.Closed }, o).ResponseAsync),
        new(Service.Alerts, "ReportLabel", "analyst", (s, id, o) => s.Alerts.ReportLabelAsync(new ReportLabelRequest { TransactionId = id, Kind = LabelKind.ConfirmedFraud, Source = "security-test" }, o).ResponseAsync),
        new(Service.Alerts, "WatchAlerts", "analyst", async (s, _, o) =>
        {
            using var call = s.Alerts.WatchAlerts(new WatchAlertsRequest(), o.WithDeadline(DateTime.UtcNow.AddSeconds(1.5)));
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        }),
        new(Service.Features, "ComputeFeatures", "scoring-service", (s, _, o) => s.Features.ComputeFeaturesAsync(new ComputeFeaturesRequest { Transactions = { Wire.ValidTransaction("auth-features") } }, o).ResponseAsync),
        new(Service.Features, "GetEntityState", "analyst", (s, _, o) => s.Features.GetEntityStateAsync(new GetEntityStateRequest { EntityType = EntityType.Account, EntityId = "sec-acct-auth" }, o).ResponseAsync),
        new(Service.Features, "RecordLabels", "alerts-service", (s, id, o) => s.Features.RecordLabelsAsync(new RecordLabelsRequest
        {
            Labels = { new Label { TransactionId = id, MerchantId = "sec-forged-merchant", AccountId = "sec-acct", Kind = LabelKind.ConfirmedFraud, TransactionTime = Timestamp.FromDateTime(DateTime.UtcNow) } },
        }, o).ResponseAsync),
    ];

    public static TheoryData<string> RpcNames => [.. Rpcs.Select(r => $"{r.Service}/{r.Name}")];

    [Theory]
    [MemberData(nameof(RpcNames))]
    public async Task EveryRpc_RefusesMissingForgedAndUnderprivilegedKeys_AdmitsItsRole(string name)
    {
        var rpc = Rpcs.Single(r => $"{r.Service}/{r.Name}" == name);
        var keys = System.Keys;
        var cases = new List<(string Caller, string? Key, StatusCode? Expected)>
        {
            ("no key", null, StatusCode.Unauthenticated),
            ("forged key", keys.Forged, StatusCode.Unauthenticated),
            ("key of no configured id", "nobody." + new string('B', 43), StatusCode.Unauthenticated),
        };
        foreach (var key in new[] { keys.Scorer, keys.Analyst, keys.ScoringService, keys.AlertsService }.Where(k => !k.Roles.Contains(rpc.Role)))
        {
            cases.Add(($"role {key.Roles[0]}", key.Key, StatusCode.PermissionDenied));
        }

        cases.Add(($"role {rpc.Role} (its own)", keys.All.First(k => k.Roles.Contains(rpc.Role)).Key, null));
        cases.Add(("role admin", keys.Admin.Key, null));

        var failures = new List<string>();
        var deniedIds = new List<string>();
        foreach (var (caller, key, expected) in cases)
        {
            var id = $"sec-forged-{Guid.NewGuid():N}";
            var got = await CallAsync(rpc, id, key);
            var ok = expected is { } e ? got == e : got is not (StatusCode.Unauthenticated or StatusCode.PermissionDenied);
            if (expected is not null)
            {
                deniedIds.Add(id);
            }

            Transcript.Security($"auth     {name,-30} {caller,-28} -> {got,-18} expected {(expected?.ToString() ?? "past the gate"),-18} {(ok ? "ok" : "FAIL")}");
            if (!ok)
            {
                failures.Add($"{caller}: {got}, expected {expected?.ToString() ?? "anything but UNAUTHENTICATED/PERMISSION_DENIED"}");
            }
        }

        Assert.True(failures.Count == 0, $"{name}:\n" + string.Join("\n", failures));
        if (rpc.Name == "RecordDecisions")
        {
            // Denied calls carried forged decisions: none of them may be in the audit log.
            var list = string.Join(",", deniedIds.Select(i => $"'{i}'"));
            Assert.Equal(0, await System.ScalarAsync($"select count(*) from decisions where transaction_id in ({list})"));
        }
    }

    private async Task<StatusCode> CallAsync(Rpc rpc, string id, string? key)
    {
        try
        {
            await rpc.Call(System, id, FraudExSystem.With(key, 15)).WaitAsync(TimeSpan.FromSeconds(30));
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    private static DecisionRecord ForgedDecision(string transactionId)
    {
        var transaction = Wire.ValidTransaction("forged");
        transaction.TransactionId = transactionId;
        return new DecisionRecord
        {
            Transaction = transaction,
            Score = 0.01,
            Decision = Decision.Approve,
            ModelVersion = "forged",
            FeatureSchemaVersion = "fx-1",
            DecidedAt = Timestamp.FromDateTime(DateTime.UtcNow),
        };
    }
}
