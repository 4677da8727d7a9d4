using FraudEx.Alerts.Client;
using FraudEx.Contracts.V1;
using FraudEx.ServiceDefaults.Rpc;

namespace FraudEx.Alerts.Internal;

/// <summary>RecordDecisions' request check, run by the validation interceptor: a batch is stored whole or not at all.</summary>
internal sealed class RecordDecisionsValidator : IRequestValidator<RecordDecisionsRequest>
{
    // Enough to point a producer at its mistakes without a response as large as the batch.
    private const int MaxViolations = 100;

    public void Validate(RecordDecisionsRequest request)
    {
        if (request.Decisions.Count is 0 or > DecisionRecordValidator.MaxBatchSize)
        {
            throw RpcErrors.InvalidArgument("A batch holds 1..10,000 decisions.",
                [("decisions", $"holds {request.Decisions.Count} decisions; 1..{DecisionRecordValidator.MaxBatchSize} allowed")]);
        }

        var violations = new List<(string Field, string Description)>();
        for (var i = 0; i < request.Decisions.Count && violations.Count < MaxViolations; i++)
        {
            DecisionRecordValidator.Validate(request.Decisions[i], $"decisions[{i}]", violations);
        }

        if (violations.Count > 0)
        {
            throw RpcErrors.InvalidArgument($"{violations.Count} invalid fields in the batch; nothing was stored.", violations);
        }
    }
}
