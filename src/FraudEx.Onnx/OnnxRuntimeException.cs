namespace FraudEx.Onnx;

/// <summary>An ONNX Runtime call that returned an error status, or a missing native library.</summary>
public sealed class OnnxRuntimeException : Exception
{
    public OnnxRuntimeException(string message) : base(message) { }

    public OnnxRuntimeException(string message, Exception inner) : base(message, inner) { }

    internal OnnxRuntimeException(OrtErrorCode code, string message) : base(message) => ErrorCode = code;

    /// <summary>ONNX Runtime's OrtErrorCode (ORT_FAIL, ORT_INVALID_ARGUMENT, …); Ok when not from a status.</summary>
    public OrtErrorCode ErrorCode { get; }
}

/// <summary>OrtErrorCode from onnxruntime_c_api.h.</summary>
public enum OrtErrorCode
{
    Ok = 0,
    Fail = 1,
    InvalidArgument = 2,
    NoSuchFile = 3,
    NoModel = 4,
    EngineError = 5,
    RuntimeException = 6,
    InvalidProtobuf = 7,
    ModelLoaded = 8,
    NotImplemented = 9,
    InvalidGraph = 10,
    ExecutionProviderFail = 11,
}
