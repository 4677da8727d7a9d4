using FraudEx.Contracts.V1;
using Microsoft.Extensions.Logging;

namespace FraudEx.Scoring.Internal;

/// <summary>The scorer's log messages, with stable event ids.</summary>
internal static partial class ScoringLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Policy rules loaded from {Path}: {BlockedCount} blocked entities, {LimitCount} amount limits")]
    public static partial void PolicyRulesLoaded(ILogger logger, string path, int blockedCount, int limitCount);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Error, Message = "Policy rules file {Path} rejected, the previous rules stay in force: {Error}")]
    public static partial void PolicyRulesRejected(ILogger logger, string path, string error);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Model {Version} in service (challenger {Challenger}), feature schema {Schema}")]
    public static partial void ModelInService(ILogger logger, string version, string challenger, string schema);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Error, Message = "Model file {Path} rejected, the previous model stays in service")]
    public static partial void ModelRejected(ILogger logger, string path, Exception error);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "Scoring {Count} transactions degraded ({Reason}): {Detail}")]
    public static partial void FeaturesDegraded(ILogger logger, int count, DegradedReason reason, string detail);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Warning, Message = "Challenger model {Version} failed; the champion's scores are unaffected")]
    public static partial void ChallengerFailed(ILogger logger, string version, Exception error);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Error, Message = "The decision hand-off refused {Count} decisions; their calls fail with UNAVAILABLE (Scoring:HandOffFailure = Refuse)")]
    public static partial void HandOffFailed(ILogger logger, int count, Exception error);

    [LoggerMessage(EventId = 6020, Level = LogLevel.Error, Message = "Decision NOT RECORDED: transaction {TransactionId} was answered {Decision} but the decision spool refused it ({Error}); Scoring:HandOffFailure = Answer")]
    public static partial void DecisionNotRecorded(ILogger logger, string transactionId, Decision decision, string error);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Warning, Message = "Scoring queue full: refusing a transaction with RESOURCE_EXHAUSTED")]
    public static partial void QueueFull(ILogger logger);

    [LoggerMessage(EventId = 6012, Level = LogLevel.Error, Message = "Scoring failed for a batch")]
    public static partial void ScoringFailed(ILogger logger, Exception error);

    [LoggerMessage(EventId = 6013, Level = LogLevel.Information, Message = "Features {Mode}: {Detail}")]
    public static partial void FeaturesMode(ILogger logger, FraudEx.Scoring.Pipeline.FeaturesMode mode, string detail);

    [LoggerMessage(EventId = 6014, Level = LogLevel.Warning, Message = "Features Remote: no ConnectionStrings:redis is configured and Scoring:Features:Mode is not set, so features come from the feature service at {Address} (two gRPC hops per score); configure ConnectionStrings:redis for the in-process default")]
    public static partial void FeaturesRemoteFallback(ILogger logger, string address);
}
