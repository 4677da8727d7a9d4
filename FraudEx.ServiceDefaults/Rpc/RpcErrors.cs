using System.Diagnostics.CodeAnalysis;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace FraudEx.ServiceDefaults.Rpc;

/// <summary>Exceptions with exact gRPC statuses, to throw from handlers and interceptors.</summary>
public static class RpcErrors
{
    /// <summary>
    /// INVALID_ARGUMENT with a google.rpc.Status holding a google.rpc.BadRequest (one field violation per entry) in
    /// grpc-status-details-bin (Grpc.StatusProto), so clients can point at the offending fields.
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
        return status.ToRpcException();
    }

    public static RpcException NotFound(string message) => new(new Grpc.Core.Status(StatusCode.NotFound, message));

    public static RpcException FailedPrecondition(string message) => new(new Grpc.Core.Status(StatusCode.FailedPrecondition, message));

    public static RpcException Aborted(string message) => new(new Grpc.Core.Status(StatusCode.Aborted, message));

    public static RpcException Unavailable(string message) => new(new Grpc.Core.Status(StatusCode.Unavailable, message));

    public static RpcException PermissionDenied(string message) => new(new Grpc.Core.Status(StatusCode.PermissionDenied, message));

    public static RpcException Unauthenticated(string message) => new(new Grpc.Core.Status(StatusCode.Unauthenticated, message));

    public static RpcException ResourceExhausted(string message) => new(new Grpc.Core.Status(StatusCode.ResourceExhausted, message));

    public static RpcException AlreadyExists(string message) => new(new Grpc.Core.Status(StatusCode.AlreadyExists, message));

    public static RpcException OutOfRange(string message) => new(new Grpc.Core.Status(StatusCode.OutOfRange, message));

    public static RpcException Internal(string message) => new(new Grpc.Core.Status(StatusCode.Internal, message));

    public static RpcException DataLoss(string message) => new(new Grpc.Core.Status(StatusCode.DataLoss, message));

    /// <summary>Throws INVALID_ARGUMENT with a single field violation; for one-line guards in handlers.</summary>
    [DoesNotReturn]
    public static void ThrowInvalidArgument(string field, string description) =>
        throw InvalidArgument(description, [(field, description)]);
}
