using FraudEx.Grpc.Internal;

namespace FraudEx.Grpc;

/// <summary>
/// A call ended with a non-OK status. Thrown by handlers to answer with an exact status, and by the client when a
/// call fails. <see cref="Trailers"/> carries trailing metadata, including grpc-status-details-bin for rich errors.
/// </summary>
public sealed class RpcException : Exception
{
    public RpcException(StatusCode statusCode, string detail)
        : this(statusCode, detail, new Metadata())
    {
    }

    public RpcException(StatusCode statusCode, string detail, Metadata trailers)
        : this(new GrpcStatus(statusCode, detail), trailers, null)
    {
    }

    public RpcException(GrpcStatus status, Metadata trailers, Exception? innerException)
        : base(status.ToString(), innerException)
    {
        Status = status;
        Trailers = trailers;
    }

    public GrpcStatus Status { get; }

    public StatusCode StatusCode => Status.StatusCode;

    public string Detail => Status.Detail;

    public Metadata Trailers { get; }

    /// <summary>The google.rpc.Status carried in grpc-status-details-bin, or null when there is none or it does not parse.</summary>
    public Google.Rpc.Status? GetRichStatus()
    {
        var bytes = Trailers.GetValueBytes(GrpcProtocol.StatusDetailsHeader);
        if (bytes is null)
        {
            return null;
        }

        try
        {
            return Google.Rpc.Status.Parser.ParseFrom(bytes);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return null;
        }
    }
}
