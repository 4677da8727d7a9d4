using System.Text.Json;
using FraudEx.ServiceDefaults.Rpc;
using FraudEx.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using FraudEx.LoadGen;
using FraudEx.Testing;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;

namespace FraudEx.EndToEnd.Tests;

/// <summary>
/// The whole system end to end: 10,000 transactions scored through unary and streaming calls from FraudEx's own
/// client, from python3-grpcio and from @grpc/grpc-js; every decision lands in Postgres, REVIEW and DECLINE open
/// alerts; rules and bad input behave as documented.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class EndToEndTests(SystemFixture system)
{
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromMinutes(3);

    private sealed record Answer(string Id, int Decision, double Score, bool Replayed, int Error);

    [Theory]
    [InlineData("unary", "--concurrency", "4")]
    [InlineData("unary", "--rate", "200")]
    [InlineData("stream", "--rate", "400", "--streams", "2")]
    [InlineData("health", "--rate", "200")]
    public async Task LoadGen_ShortRunOfEachMode_CountsEveryCallWithoutErrors(params string[] load)
    {
        var options = LoadGenOptions.Parse([.. load, "--target", $"http://127.0.0.1:{system.ScoringPort}", "--api-key", system.ScorerKey.Key,
            "--duration", "2", "--warmup", "1.5", "--seed", "23"]);

        var result = await new LoadRunner(options, system.ScoringChannel.CreateCallInvoker(), TextWriter.Null).RunAsync(CancellationToken.None).WaitAsync(ClientTimeout);

        Assert.Empty(result.Errors);
        Assert.True(result.Completed > 0, "nothing measured");
        // Every call made is answered and counted. A stream sender the machine held back past the window's end
        // leaves messages unsent (they count as sent, and lost, in a benchmark); on a loaded test machine a few may.
        Assert.Equal(result.Sent - result.Unsent, result.Completed);
        Assert.InRange(result.Unsent, 0, result.Sent / 50);
        // Well below capacity, answers arriving in the window and answers to the calls due in it are about as many
        // (a burst of warm-up answers held back by the first calls' compilation can land in the window).
        Assert.InRange(result.Delivered, result.Completed * 0.7, result.Completed * 1.3);
        Assert.InRange(result.LatencyMs.P50, 0.001, result.LatencyMs.Max);
        var decided = result.Decisions.Values.Sum();
        Assert.Equal(options.Mode == LoadMode.Health ? 0 : result.Completed, decided);
        if (options.Rate is { } rate)
        {
            // Open loop: the schedule, not the server, sets the count (two measured seconds).
            Assert.InRange(result.Sent, rate * 2 * 0.9, rate * 2 * 1.1);
        }
    }

    [Fact]
    public async Task TenThousandTransactions_FromThreeClients_EveryDecisionInPostgresWithAlerts()
    {
        var generator = new TransactionGenerator(new GeneratorSettings { Seed = 11, Accounts = 2_000, Merchants = 500, FraudRate = 0.02 });
        var transactions = Enumerable.Range(0, 10_000).Select(_ => generator.Next().Transaction).ToArray();
        var answers = new List<Answer>();

        // 6,000 from our client: 3,000 unary (16 in flight) and 3,000 on one stream.
        answers.AddRange(await ScoreUnaryAsync(transactions[..3000]));
        answers.AddRange(await ScoreStreamAsync(transactions[3000..6000]));

        // 4,000 from the two other implementations: each 1,000 unary and 1,000 streamed.
        var directory = system.NewDirectory("clients");
        var descriptors = PolyglotFiles.WriteDescriptorSet(directory);
        answers.AddRange(await RunPythonAsync(descriptors, directory, "py-unary", transactions[6000..7000], "unary"));
        answers.AddRange(await RunPythonAsync(descriptors, directory, "py-stream", transactions[7000..8000], "stream"));
        await EnsureNodeModulesAsync();
        answers.AddRange(await RunNodeAsync(descriptors, directory, "js-unary", transactions[8000..9000], "unary"));
        answers.AddRange(await RunNodeAsync(descriptors, directory, "js-stream", transactions[9000..10000], "stream"));

        Assert.Equal(10_000, answers.Count);
        Assert.All(answers, a => Assert.Equal(0, a.Error));
        Assert.Equal(transactions.Select(t => t.TransactionId).Order(), answers.Select(a => a.Id).Order());
        Assert.All(answers, a => Assert.InRange(a.Decision, 1, 3));

        // Every decision the clients received is in Postgres exactly once, with its decision; REVIEW and DECLINE have alerts.
        var ids = string.Join(",", transactions.Select(t => $"'{t.TransactionId}'"));
        await system.WaitForScalarAsync($"select count(*) from decisions where transaction_id in ({ids})", 10_000, TimeSpan.FromSeconds(60));
        var flagged = answers.Count(a => a.Decision is 2 or 3);
        Assert.True(flagged > 0, "no REVIEW or DECLINE among 10,000 transactions with 2 % injected fraud");
        await system.WaitForScalarAsync($"select count(*) from alerts where transaction_id in ({ids})", flagged, TimeSpan.FromSeconds(30));
        var mismatched = await system.ScalarAsync<long>(
            $"select count(*) from decisions where transaction_id in ({ids}) and decision <> case transaction_id "
            + string.Join(" ", answers.Select(a => $"when '{a.Id}' then {a.Decision}")) + " end");
        Assert.Equal(0, mismatched);
    }

    [Fact]
    public async Task BlockedAccountAndAmountLimit_DeclinedWithRuleReasons()
    {
        var tx = Fresh("rule-blocked");
        tx.AccountId = "e2e-blocked-account";
        var blocked = await system.Scoring.ScoreAsync(new ScoreRequest { Transaction = tx }, system.ScorerCall());
        Assert.Equal(Decision.Decline, blocked.Decision);
        Assert.Contains("RULE_BLOCKED_ACCOUNT", blocked.RulesFired);
        Assert.Contains(blocked.Reasons, r => r.Code == "RULE_BLOCKED_ACCOUNT");

        var big = Fresh("rule-limit");
        big.AmountMinor = 2_000_001;
        var limited = await system.Scoring.ScoreAsync(new ScoreRequest { Transaction = big }, system.ScorerCall());
        Assert.Equal(Decision.Decline, limited.Decision);
        Assert.Equal(["RULE_AMOUNT_LIMIT"], limited.RulesFired);
    }

    [Fact]
    public async Task SameTransactionTwice_ReplayedAndStoredOnce()
    {
        var tx = Fresh("replay");
        var first = await system.Scoring.ScoreAsync(new ScoreRequest { Transaction = tx }, system.ScorerCall());
        var second = await system.Scoring.ScoreAsync(new ScoreRequest { Transaction = tx }, system.ScorerCall());
        Assert.True(second.Replayed);
        Assert.Equal(first.Decision, second.Decision);
        Assert.Equal(first.Score, second.Score);
        await system.WaitForScalarAsync($"select count(*) from decisions where transaction_id = '{tx.TransactionId}'", 1, TimeSpan.FromSeconds(30));
    }

    public static TheoryData<string, string> BadInputs => new()
    {
        { "missing ids", "transaction.account_id" },
        { "non-positive amount", "transaction.amount_minor" },
        { "unknown currency", "transaction.currency" },
        { "future timestamp", "transaction.timestamp" },
        { "malformed ip", "transaction.ip_address" },
        { "latitude out of range", "transaction.location.latitude" },
        { "oversized attributes", "transaction.attributes" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task BadInput_InvalidArgumentWithFieldViolation_UnaryAndStream(string bad, string field)
    {
        var tx = Fresh("bad-" + bad.Replace(' ', '-'));
        switch (bad)
        {
            case "missing ids": tx.AccountId = ""; break;
            case "non-positive amount": tx.AmountMinor = 0; break;
            case "unknown currency": tx.Currency = "EUX"; break;
            case "future timestamp": tx.Timestamp = Timestamp.FromDateTime(DateTime.UtcNow.AddMinutes(10)); break;
            case "malformed ip": tx.IpAddress = "300.1.2.3"; break;
            case "latitude out of range": tx.Location = new GeoPoint { Latitude = -95, Longitude = 0 }; break;
            case "oversized attributes": for (var i = 0; i < 40; i++) { tx.Attributes[$"k{i}"] = "v"; } break;
        }

        var e = await Assert.ThrowsAsync<RpcException>(() => system.Scoring.ScoreAsync(new ScoreRequest { Transaction = tx }, system.ScorerCall()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains(field, e.GetRpcStatus()!.Details.Single().Unpack<BadRequest>().FieldViolations.Select(v => v.Field));

        using var call = system.Scoring.ScoreStream(system.ScorerCall());
        await call.RequestStream.WriteAsync(new ScoreStreamRequest { Transaction = tx });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(ClientTimeout));
        var answer = call.ResponseStream.Current;
        Assert.Equal(3, answer.Error.Code);
        Assert.Contains(field, answer.Error.FieldViolations.Select(v => v.Field));
    }

    [Fact]
    public async Task Auth_MissingWrongAndUnderprivilegedKeys_Refused()
    {
        var request = new ScoreRequest { Transaction = Fresh("auth") };
        var none = await Assert.ThrowsAsync<RpcException>(() => system.Scoring.ScoreAsync(request, ApiKeys.CallOptions(null, DateTime.UtcNow.AddSeconds(10))).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        var wrong = await Assert.ThrowsAsync<RpcException>(() => system.Scoring.ScoreAsync(request, ApiKeys.CallOptions("gateway.forged", DateTime.UtcNow.AddSeconds(10))).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        var analyst = await Assert.ThrowsAsync<RpcException>(() => system.Scoring.ScoreAsync(request, ApiKeys.CallOptions(system.AnalystKey.Key, DateTime.UtcNow.AddSeconds(10))).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, analyst.StatusCode);
        await system.WaitForScalarAsync("select count(*) from decisions where transaction_id like 'auth-%'", 0, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task AlertsAndFeatures_RequireKeysAndRoles_PeersCallWithTheirOwnIdentity()
    {
        var alerts = new AlertService.AlertServiceClient(system.AlertsChannel);
        var features = new FeatureService.FeatureServiceClient(system.FeaturesChannel);
        var list = new ListAlertsRequest { PageSize = 1 };
        var state = new GetEntityStateRequest { EntityType = EntityType.Account, EntityId = "e2e-acct-keys" };

        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() => alerts.ListAlertsAsync(list, Call(null)).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => alerts.ListAlertsAsync(list, Call(system.ScorerKey.Key)).ResponseAsync)).StatusCode);
        await alerts.ListAlertsAsync(list, Call(system.AnalystKey.Key));
        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() => features.GetEntityStateAsync(state, Call(null)).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => features.RecordLabelsAsync(new RecordLabelsRequest(), Call(system.AnalystKey.Key)).ResponseAsync)).StatusCode);
        await features.GetEntityStateAsync(state, Call(system.AnalystKey.Key));

        // The scorer hands its decision to the alert service as scoring-service (RecordDecisions), and the alert
        // service forwards the label to the feature service as alerts-service (RecordLabels): with any other key
        // the decision would stay in the spool and the label would stay unforwarded.
        var tx = Fresh("keys");
        await system.Scoring.ScoreAsync(new ScoreRequest { Transaction = tx }, system.ScorerCall());
        await system.WaitForScalarAsync($"select count(*) from decisions where transaction_id = '{tx.TransactionId}'", 1, TimeSpan.FromSeconds(30));
        var label = await alerts.ReportLabelAsync(
            new ReportLabelRequest { TransactionId = tx.TransactionId, Kind = LabelKind.ConfirmedFraud, Source = "analyst:e2e" }, Call(system.AnalystKey.Key));
        Assert.True(label.Recorded);
        await system.WaitForScalarAsync(
            $"select count(*) from labels where transaction_id = '{tx.TransactionId}' and forwarded_at is not null", 1, TimeSpan.FromSeconds(30));
    }

    private static CallOptions Call(string? key) => ApiKeys.CallOptions(key, DateTime.UtcNow.AddSeconds(10));

    [Fact]
    public async Task PythonClient_SeesBadInputAndAuthStatuses()
    {
        var directory = system.NewDirectory("py-errors");
        var descriptors = PolyglotFiles.WriteDescriptorSet(directory);
        var input = PolyglotFiles.WriteTransactions(directory, "errors", [Fresh("py-errors")]);
        var output = Path.Combine(directory, "errors.jsonl");
        var result = await ChildProcess.RunAsync("/usr/bin/python3",
            [ClientScript("score_client.py"), "--target", $"127.0.0.1:{system.ScoringPort}", "--descriptors", descriptors,
             "--input", input, "--api-key", system.ScorerKey.Key, "--mode", "errors", "--out", output], ClientTimeout);
        Assert.True(result.ExitCode == 0, result.Output);
        var lines = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, lines.Count);
        Assert.All(lines, l => Assert.Equal(l.GetProperty("expected").GetInt32(), l.GetProperty("error").GetInt32()));
        Assert.True(lines[0].GetProperty("details_bytes").GetInt32() > 0, "INVALID_ARGUMENT without google.rpc.Status details");
    }

    [Fact]
    public async Task GetModel_DescribesShippedModel()
    {
        var model = await system.Scoring.GetModelAsync(new GetModelRequest(), ApiKeys.CallOptions(system.AnalystKey.Key, DateTime.UtcNow.AddSeconds(30)));
        Assert.Equal(FraudEx.Features.Engine.FeatureSchema.Version, model.FeatureSchemaVersion);
        var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.ChangeExtension(system.ModelPath, ".manifest.json"))).RootElement;
        Assert.Equal(manifest.GetProperty("version").GetString(), model.ModelVersion);
        Assert.Equal(FraudEx.Features.Engine.FeatureSchema.Count, model.Features.Count);
        Assert.InRange(model.Thresholds.Review, 0.0, model.Thresholds.Decline);
    }

    internal static Transaction Fresh(string prefix) =>
        TestTransactions.Valid($"{prefix}-{Guid.NewGuid():N}", "e2e-acct-" + prefix, "e2e-merchant");

    private async Task<List<Answer>> ScoreUnaryAsync(Transaction[] transactions)
    {
        var answers = new Answer[transactions.Length];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < transactions.Length)
            {
                var r = await system.Scoring.ScoreAsync(new ScoreRequest { Transaction = transactions[i] }, system.ScorerCall());
                answers[i] = new Answer(r.TransactionId, (int)r.Decision, r.Score, r.Replayed, 0);
            }
        }))).WaitAsync(ClientTimeout);
        return [.. answers];
    }

    private async Task<List<Answer>> ScoreStreamAsync(Transaction[] transactions)
    {
        using var call = system.Scoring.ScoreStream(system.ScorerCall(180));
        var writer = Task.Run(async () =>
        {
            foreach (var tx in transactions)
            {
                await call.RequestStream.WriteAsync(new ScoreStreamRequest { Transaction = tx });
            }

            await call.RequestStream.CompleteAsync();
        });
        var answers = new List<Answer>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(ClientTimeout))
        {
            var r = call.ResponseStream.Current;
            answers.Add(r.Result is { } s ? new Answer(r.TransactionId, (int)s.Decision, s.Score, s.Replayed, 0) : new Answer(r.TransactionId, 0, 0, false, r.Error.Code));
        }

        await writer.WaitAsync(ClientTimeout);
        Assert.Equal(transactions.Select(t => t.TransactionId), answers.Select(a => a.Id));
        return answers;
    }

    private static string ClientScript(string name) => Path.Combine(AppContext.BaseDirectory, "clients", name);

    private async Task<List<Answer>> RunPythonAsync(string descriptors, string directory, string name, Transaction[] transactions, string mode) =>
        await RunClientAsync("/usr/bin/python3", ClientScript("score_client.py"), descriptors, directory, name, transactions, mode);

    private async Task<List<Answer>> RunNodeAsync(string descriptors, string directory, string name, Transaction[] transactions, string mode) =>
        await RunClientAsync("node", ClientScript("score_client.js"), descriptors, directory, name, transactions, mode);

    private async Task<List<Answer>> RunClientAsync(string interpreter, string script, string descriptors, string directory, string name, Transaction[] transactions, string mode)
    {
        var input = PolyglotFiles.WriteTransactions(directory, name, transactions);
        var output = Path.Combine(directory, name + ".jsonl");
        var result = await ChildProcess.RunAsync(interpreter,
            [script, "--target", $"127.0.0.1:{system.ScoringPort}", "--descriptors", descriptors, "--input", input,
             "--api-key", system.ScorerKey.Key, "--mode", mode, "--out", output],
            ClientTimeout, environment: new Dictionary<string, string?> { ["FRAUDEX_REPO"] = RepositoryPaths.Root });
        Assert.True(result.ExitCode == 0, $"{interpreter} {mode} failed:\n{result.Output}");
        var answers = File.ReadAllLines(output).Where(l => l.Length > 0).Select(l =>
        {
            var e = JsonDocument.Parse(l).RootElement;
            return new Answer(e.GetProperty("id").GetString()!, e.GetProperty("decision").GetInt32(), e.GetProperty("score").GetDouble(),
                e.GetProperty("replayed").GetBoolean(), e.GetProperty("error").GetInt32());
        }).ToList();
        if (mode == "stream")
        {
            Assert.Equal(transactions.Select(t => t.TransactionId), answers.Select(a => a.Id));
        }

        return answers;
    }

    private static async Task EnsureNodeModulesAsync()
    {
        var dir = Path.Combine(RepositoryPaths.Root, "tests", "conformance", "node");
        if (!Directory.Exists(Path.Combine(dir, "node_modules", "@grpc", "grpc-js")))
        {
            var install = await ChildProcess.RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--prefix", dir], TimeSpan.FromMinutes(3));
            Assert.True(install.ExitCode == 0, "npm ci failed:\n" + install.Output);
        }
    }
}
