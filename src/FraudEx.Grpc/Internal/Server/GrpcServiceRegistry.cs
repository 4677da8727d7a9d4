using Google.Protobuf.Reflection;

namespace FraudEx.Grpc.Internal.Server;

/// <summary>The services mapped in this application: for reflection, health service names, and UNIMPLEMENTED messages.</summary>
internal sealed class GrpcServiceRegistry
{
    private readonly Lock _lock = new();
    private readonly List<ServiceDescriptor> _services = [];
    private IReadOnlyList<ServiceDescriptor> _snapshot = [];

    public bool FallbackMapped { get; set; }

    public IReadOnlyList<ServiceDescriptor> Services => _snapshot;

    public void Add(ServiceDescriptor service)
    {
        lock (_lock)
        {
            if (_services.Exists(s => s.FullName == service.FullName))
            {
                return;
            }

            _services.Add(service);
            _snapshot = _services.ToArray();
        }
    }

    public bool Contains(string serviceName)
    {
        foreach (var s in _snapshot)
        {
            if (s.FullName == serviceName)
            {
                return true;
            }
        }

        return false;
    }
}
