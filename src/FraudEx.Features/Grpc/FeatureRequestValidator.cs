using FraudEx.Contracts.V1;
using FraudEx.Features.Internal;
using FraudEx.ServiceDefaults.Rpc;

namespace FraudEx.Features.Grpc;

/// <summary>The feature service's request checks, run by the validation interceptor before the handlers.</summary>
internal sealed class FeatureRequestValidator(TimeProvider time) :
    IRequestValidator<ComputeFeaturesRequest>, IRequestValidator<GetEntityStateRequest>, IRequestValidator<RecordLabelsRequest>
{
    public void Validate(ComputeFeaturesRequest request) => ThrowIfInvalid(RequestValidator.Validate(request, time.GetUtcNow()));

    public void Validate(GetEntityStateRequest request) => ThrowIfInvalid(RequestValidator.Validate(request));

    public void Validate(RecordLabelsRequest request) => ThrowIfInvalid(RequestValidator.Validate(request));

    private static void ThrowIfInvalid(List<(string Field, string Description)> violations)
    {
        if (violations.Count > 0)
        {
            throw RpcErrors.InvalidArgument($"Invalid request: {violations[0].Field} {violations[0].Description}.", violations);
        }
    }
}
