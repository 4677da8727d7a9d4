using System.Diagnostics.CodeAnalysis;
using FraudEx.Grpc.Internal;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;

namespace FraudEx.Grpc;

/// <summary>Exceptions with exact gRPC statuses, to throw from handlers.</summary>
public static class RpcErrors
{
    /// <summary>
    /// INVALID_ARGUMENT with a google.rpc.Status holding a google.rpc.BadRequest (one field violation per entry) in
    /// grpc-status-details-bin, so clients can point at the offending fields.
    /// </summary>
    public static RpcException InvalidArgument(string message, IEnumerable<(string Field, string Description)> violations)
    {
        ArgumentNullException.ThrowIfNull(violations);
        var badRequest = new BadRequest();
        foreach (var (field, description) in violations)
        {
            badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = field, Description = description });
        }

        return WithDetails(StatusCode.InvalidArgument, message, Any.Pack(badRequest));
    }

    /// <summary>A status with google.rpc.Status details (each detail packed in an Any) in grpc-status-details-bin.</summary>
    public static RpcException WithDetails(StatusCode code, string message, params Any[] details)
    {
        var status = new Google.Rpc.Status { Code = (int)code, Message = message };
        status.Details.AddRange(details);
        var trailers = new Metadata { { GrpcProtocol.StatusDetailsHeader, status.ToByteArray() } };
        return new RpcException(code, message, trailers);
    }

    public static RpcException NotFound(string message) => new(StatusCode.NotFound, message);

    public static RpcException FailedPrecondition(string message) => new(StatusCode.FailedPrecondition, message);

    public static RpcException Aborted(string message) => new(StatusCode.Aborted, message);

    public static RpcException Unavailable(string message) => new(StatusCode.Unavailable, message);

    public static RpcException PermissionDenied(string message) => new(StatusCode.PermissionDenied, message);

    public static RpcException Unauthenticated(string message) => new(StatusCode.Unauthenticated, message);

    public static RpcException ResourceExhausted(string message) => new(StatusCode.ResourceExhausted, message);

    public static RpcException AlreadyExists(string message) => new(StatusCode.AlreadyExists, message);

    public static RpcException OutOfRange(string message) => new(StatusCode.OutOfRange, message);

    public static RpcException Internal(string message) => new(StatusCode.Internal, message);

    /// <summary>Throws INVALID_ARGUMENT with a single field violation; for one-line guards in handlers.</summary>
    [DoesNotReturn]
    public static void ThrowInvalidArgument(string field, string description) =>
        throw InvalidArgument(description, [(field, description)]);
}
