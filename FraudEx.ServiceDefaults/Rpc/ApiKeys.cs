using Grpc.Core;

namespace FraudEx.ServiceDefaults.Rpc;

/// <summary>Call options for calling a FraudEx service with an API key.</summary>
public static class ApiKeys
{
    /// <summary>Call options carrying <paramref name="apiKey"/> as <c>authorization: Bearer &lt;key&gt;</c> (none when
    /// null or empty), with an optional deadline and cancellation.</summary>
    public static CallOptions CallOptions(string? apiKey, DateTime? deadline = null, CancellationToken cancellationToken = default)
    {
        Metadata? headers = null;
        if (!string.IsNullOrEmpty(apiKey))
        {
            headers = new Metadata { { "authorization", "Bearer " + apiKey } };
        }

        return new CallOptions(headers, deadline, cancellationToken);
    }
}
