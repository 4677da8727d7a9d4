using FraudEx.Contracts.V1;
using FraudEx.ServiceDefaults;
using FraudEx.ServiceDefaults.Rpc;
using FraudEx.ServiceDefaults.Security;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace FraudEx.LoadGen;

/// <summary>
/// <c>FraudEx.LoadGen floor-server</c>: fraudex.v1.ScoringService on the scorer's own hosting (service defaults, the
/// same Kestrel endpoints, API-key interceptor and validation interceptor, health) with handlers that do no work. The
/// load generator's scenarios against it give the floor under every scenario: what the transport, the client and the
/// machine cost before any scoring.
/// </summary>
public static class FloorServer
{
    /// <summary>
    /// The scorer's method-role table (FraudEx.Scoring's ScoringRoles, which this project cannot reference without the
    /// whole scorer), so authentication costs the same; a test keeps the two equal.
    /// </summary>
    internal static readonly Dictionary<string, ApiRole> Roles = new()
    {
        ["Score"] = ApiRole.Scorer,
        ["ScoreStream"] = ApiRole.Scorer,
        ["GetModel"] = ApiRole.Analyst,
    };

    /// <summary>Runs until stopped (SIGTERM or Ctrl+C); listens where ASPNETCORE_URLS or --urls say.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults(defaultPort: ServicePorts.Scoring);
        builder.AddFraudExGrpcService<FloorScoringService>(ScoringService.Descriptor, Roles);
        var app = builder.Build();
        app.MapGrpcService<FloorScoringService>();
        app.MapDefaultEndpoints();
        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }
}

/// <summary>Answers every transaction at once with a fixed APPROVE, in order, flushing a stream's answers as the scorer does.</summary>
public sealed class FloorScoringService : ScoringService.ScoringServiceBase
{
    private static readonly WriteOptions Buffered = new(WriteFlags.BufferHint);

    /// <inheritdoc />
    public override Task<ScoreResponse> Score(ScoreRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult(Answer(request.Transaction));
    }

    /// <inheritdoc />
    public override async Task ScoreStream(IAsyncStreamReader<ScoreStreamRequest> requestStream, IServerStreamWriter<ScoreStreamResponse> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);

        // As in the scorer: a reader and a writer, and answers written without a flush while the next is already there.
        var answers = System.Threading.Channels.Channel.CreateBounded<ScoreStreamResponse>(new System.Threading.Channels.BoundedChannelOptions(512) { SingleReader = true, SingleWriter = true });
        var writer = Task.Run(async () =>
        {
            await foreach (var answer in answers.Reader.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
            {
                responseStream.WriteOptions = answers.Reader.TryPeek(out _) ? Buffered : null;
                await responseStream.WriteAsync(answer).ConfigureAwait(false);
            }
        });
        try
        {
            while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
            {
                var transaction = requestStream.Current.Transaction;
                await answers.Writer.WriteAsync(
                    new ScoreStreamResponse { TransactionId = transaction?.TransactionId ?? "", Result = Answer(transaction) },
                    context.CancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            answers.Writer.TryComplete();
        }

        await writer.ConfigureAwait(false);
    }

    private static ScoreResponse Answer(Transaction? transaction) =>
        new() { TransactionId = transaction?.TransactionId ?? "", Decision = Decision.Approve, ModelVersion = "floor" };
}
