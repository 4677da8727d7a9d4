namespace FraudEx.Redis.Internal;

/// <summary>A command written to the socket whose reply has not arrived yet. Replies arrive in send order.</summary>
internal sealed class PendingCommand
{
    private readonly TaskCompletionSource<RedisResult> _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenRegistration _registration;

    public PendingCommand(string command, RedisArg[] args)
    {
        Command = command;
        Args = args;
    }

    public string Command { get; }

    public RedisArg[] Args { get; }

    public long SentTimestamp { get; set; }

    public Task<RedisResult> Task => _tcs.Task;

    /// <summary>Cancels the caller's wait only: the command stays queued so its reply is still consumed in order.</summary>
    public void AttachCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.Register(static s =>
            {
                var (tcs, token) = ((TaskCompletionSource<RedisResult>, CancellationToken))s!;
                tcs.TrySetCanceled(token);
            }, (_tcs, cancellationToken));
        }
    }

    public void Complete(RedisResult result)
    {
        _registration.Dispose();
        if (result.Type == RedisResultType.Error)
        {
            _tcs.TrySetException(new RedisServerException(result.AsString() ?? "ERR"));
        }
        else
        {
            _tcs.TrySetResult(result);
        }
    }

    public void Fail(Exception exception)
    {
        _registration.Dispose();
        _tcs.TrySetException(exception);
    }
}
