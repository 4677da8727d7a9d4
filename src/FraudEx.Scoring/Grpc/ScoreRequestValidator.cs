using FraudEx.Contracts.V1;
using FraudEx.Scoring.Validation;
using FraudEx.ServiceDefaults.Rpc;

namespace FraudEx.Scoring.Grpc;

/// <summary>Score's request check, run by the validation interceptor: INVALID_ARGUMENT with every field violation.</summary>
internal sealed class ScoreRequestValidator(TransactionValidator validator) : IRequestValidator<ScoreRequest>
{
    public void Validate(ScoreRequest request)
    {
        var violations = validator.Validate(request.Transaction);
        if (violations.Count > 0)
        {
            throw RpcErrors.InvalidArgument("The transaction is invalid.", violations.Select(v => (v.Field, v.Description)));
        }
    }
}
