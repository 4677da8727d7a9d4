namespace FraudEx.Grpc;

/// <summary>The status a call ended with: code and human-readable detail.</summary>
public readonly record struct GrpcStatus(StatusCode StatusCode, string Detail)
{
    public static GrpcStatus Ok { get; } = new(StatusCode.OK, string.Empty);

    public override string ToString() => $"Status(StatusCode=\"{StatusCode}\", Detail=\"{Detail}\")";
}
