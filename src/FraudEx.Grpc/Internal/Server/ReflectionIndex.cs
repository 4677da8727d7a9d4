using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace FraudEx.Grpc.Internal.Server;

/// <summary>Files and symbols reachable from the mapped services, for server reflection.</summary>
internal sealed class ReflectionIndex
{
    private readonly Dictionary<string, FileDescriptor> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FileDescriptor> _symbols = new(StringComparer.Ordinal);
    private readonly HashSet<string> _messages = new(StringComparer.Ordinal);

    public ReflectionIndex(IReadOnlyList<ServiceDescriptor> services)
    {
        Services = services;
        ServiceNames = services.Select(s => s.FullName).ToArray();
        foreach (var service in services)
        {
            AddFile(service.File);
        }
    }

    public IReadOnlyList<ServiceDescriptor> Services { get; }

    public IReadOnlyList<string> ServiceNames { get; }

    public FileDescriptor? FindFile(string name) => _files.GetValueOrDefault(name);

    public FileDescriptor? FindSymbol(string symbol) => _symbols.GetValueOrDefault(symbol.TrimStart('.'));

    public bool IsMessage(string typeName) => _messages.Contains(typeName.TrimStart('.'));

    /// <summary>The file and its transitive dependencies, skipping dependencies already sent on this stream (the file itself is always sent).</summary>
    public List<ByteString> WithDependencies(FileDescriptor file, HashSet<string> sent)
    {
        var result = new List<ByteString>();
        var queue = new Queue<FileDescriptor>();
        queue.Enqueue(file);
        var first = true;
        while (queue.Count > 0)
        {
            var current = queue.Dequeue();
            if (first || sent.Add(current.Name))
            {
                sent.Add(current.Name);
                result.Add(current.SerializedData);
                foreach (var dependency in current.Dependencies)
                {
                    queue.Enqueue(dependency);
                }
            }

            first = false;
        }

        return result;
    }

    private void AddFile(FileDescriptor file)
    {
        if (!_files.TryAdd(file.Name, file))
        {
            return;
        }

        foreach (var service in file.Services)
        {
            _symbols.TryAdd(service.FullName, file);
            foreach (var method in service.Methods)
            {
                _symbols.TryAdd(method.FullName, file);
            }
        }

        foreach (var message in file.MessageTypes)
        {
            AddMessage(message, file);
        }

        foreach (var e in file.EnumTypes)
        {
            _symbols.TryAdd(e.FullName, file);
        }

        foreach (var dependency in file.Dependencies)
        {
            AddFile(dependency);
        }
    }

    private void AddMessage(MessageDescriptor message, FileDescriptor file)
    {
        _symbols.TryAdd(message.FullName, file);
        _messages.Add(message.FullName);
        foreach (var nested in message.NestedTypes)
        {
            AddMessage(nested, file);
        }

        foreach (var e in message.EnumTypes)
        {
            _symbols.TryAdd(e.FullName, file);
        }
    }
}
