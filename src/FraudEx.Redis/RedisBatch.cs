using FraudEx.Redis.Internal;

namespace FraudEx.Redis;

/// <summary>
/// Commands sent together in one write on one connection, in the order added (a pipeline, not a transaction: other
/// clients' commands may run in between). Each command's task completes when its reply arrives after
/// <see cref="SendAsync"/>; a batch is sent once.
/// </summary>
public sealed class RedisBatch
{
    private readonly RedisClient _client;
    private readonly List<PendingCommand> _commands = [];
    private CancellationToken _cancellationToken;
    private bool _sent;

    internal RedisBatch(RedisClient client) => _client = client;

    /// <summary>Commands added so far.</summary>
    public int Count => _commands.Count;

    /// <summary>Adds a command; its task completes with the reply once the batch is sent.</summary>
    public Task<RedisResult> Execute(string command, params RedisArg[] args)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        if (_sent)
        {
            throw new InvalidOperationException("The batch was already sent.");
        }

        var pending = new PendingCommand(command, args);
        _commands.Add(pending);
        return pending.Task;
    }

    /// <summary>Adds EVALSHA; when the server answers NOSCRIPT, the script is sent again with EVAL (one extra round trip).</summary>
    public Task<RedisResult> Eval(RedisScript script, RedisArg[] keys, RedisArg[] args)
    {
        ArgumentNullException.ThrowIfNull(script);
        var first = Execute("EVALSHA", RedisClient.ScriptArgs(script.Sha1, keys, args));
        return WithFallback(first, script, keys, args);
    }

    /// <summary>Sends every command in one write. Completes when written, not when replies arrive: await the command tasks.</summary>
    /// <exception cref="RedisConnectionException">No connection is available; every command task fails too.</exception>
    public async Task SendAsync(CancellationToken cancellationToken = default)
    {
        if (_sent)
        {
            throw new InvalidOperationException("The batch was already sent.");
        }

        _sent = true;
        _cancellationToken = cancellationToken;
        var activity = RedisTelemetry.StartCommand(OperationName(), _commands.Count, _client.Options);
        if (activity is not null)
        {
            // The span covers the round trip: from the write until the last reply of the pipeline.
            RedisTelemetry.EndWhenDone(activity, Task.WhenAll(_commands.Select(c => c.Task)));
        }

        RedisConnection connection;
        try
        {
            connection = await _client.GetConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            foreach (var c in _commands)
            {
                c.Fail(ex);
            }

            throw;
        }

        connection.Send(_commands, cancellationToken);
    }

    /// <summary>The command name when all commands are alike ("MGET"), else "pipeline".</summary>
    private string OperationName()
    {
        var first = _commands.Count > 0 ? _commands[0].Command : "pipeline";
        foreach (var c in _commands)
        {
            if (!string.Equals(c.Command, first, StringComparison.OrdinalIgnoreCase))
            {
                return "pipeline";
            }
        }

        return first;
    }

    private async Task<RedisResult> WithFallback(Task<RedisResult> first, RedisScript script, RedisArg[] keys, RedisArg[] args)
    {
        try
        {
            return await first.ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Prefix == "NOSCRIPT")
        {
            return await _client.ExecuteAsync("EVAL", RedisClient.ScriptArgs(script.Source, keys, args), _cancellationToken).ConfigureAwait(false);
        }
    }
}
