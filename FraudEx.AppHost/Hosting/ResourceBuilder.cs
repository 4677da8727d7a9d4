namespace FraudEx.AppHost.Hosting;

/// <summary>A resource being declared: the handle <c>WithReference</c> and <c>WaitFor</c> chain on.</summary>
public sealed class ResourceBuilder<T>(DistributedApplicationBuilder applicationBuilder, T resource)
    where T : Resource
{
    public DistributedApplicationBuilder ApplicationBuilder { get; } = applicationBuilder;

    public T Resource { get; } = resource;

    /// <summary>Starts this resource only once <paramref name="dependency"/> is healthy.</summary>
    public ResourceBuilder<T> WaitFor<TDependency>(ResourceBuilder<TDependency> dependency)
        where TDependency : Resource
    {
        if (!Resource.WaitsFor.Contains(dependency.Resource))
        {
            Resource.WaitsFor.Add(dependency.Resource);
        }
        return this;
    }

    /// <summary>Gives this resource <paramref name="dependency"/>'s connection string or service endpoint.</summary>
    public ResourceBuilder<T> WithReference<TDependency>(ResourceBuilder<TDependency> dependency)
        where TDependency : Resource
    {
        if (!Resource.References.Contains(dependency.Resource))
        {
            Resource.References.Add(dependency.Resource);
        }
        return this;
    }

    /// <summary>Sets an environment variable of the resource's process; the value may depend on the run (its data directory).</summary>
    public ResourceBuilder<T> WithEnvironment(string name, Func<Internal.AppHostContext, string> value)
    {
        Resource.EnvironmentVariables[name] = value;
        return this;
    }
}
