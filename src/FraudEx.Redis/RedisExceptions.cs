namespace FraudEx.Redis;

/// <summary>Base of every error the client raises.</summary>
public class RedisException : Exception
{
    public RedisException(string message)
        : base(message)
    {
    }

    public RedisException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// The command could not be sent or its reply not received: no connection, connection lost, or the server is
/// unreachable. The command may or may not have been executed if it was already sent.
/// </summary>
public class RedisConnectionException : RedisException
{
    public RedisConnectionException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>
/// No reply within the command timeout. The connection is then closed and reopened, because later replies could no
/// longer be matched to their commands.
/// </summary>
public sealed class RedisTimeoutException : RedisConnectionException
{
    public RedisTimeoutException(string message)
        : base(message)
    {
    }
}

/// <summary>The server answered with an error reply (for example "WRONGTYPE ..." or "NOSCRIPT ...").</summary>
public sealed class RedisServerException : RedisException
{
    public RedisServerException(string message)
        : base(message)
    {
        var space = message.IndexOf(' ', StringComparison.Ordinal);
        Prefix = space > 0 ? message[..space] : message;
    }

    /// <summary>The error's first word, by Redis convention its kind ("ERR", "WRONGTYPE", "NOSCRIPT", "NOAUTH").</summary>
    public string Prefix { get; }

    /// <summary>
    /// True for errors that mean "not now" rather than "wrong": the server is loading its data, busy running a
    /// script, a replica without its master, or a cluster being resharded. Retrying later can succeed.
    /// </summary>
    public bool IsTransient => Prefix is "LOADING" or "BUSY" or "MASTERDOWN" or "TRYAGAIN" or "CLUSTERDOWN" or "READONLY";
}

/// <summary>The server sent bytes that are not valid RESP; the connection is closed.</summary>
public sealed class RedisProtocolException : RedisException
{
    public RedisProtocolException(string message)
        : base(message)
    {
    }
}
