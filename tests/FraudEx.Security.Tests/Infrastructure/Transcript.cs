using FraudEx.Testing;

namespace FraudEx.Security.Tests.Infrastructure;

/// <summary>
/// The cases tried and what each got, appended to artifacts/conformance/&lt;name&gt;.log, which test.sh prints after
/// the run (and the test output shows on failure).
/// </summary>
public static class Transcript
{
    private static readonly Lock Gate = new();

    public static void Write(string name, string line)
    {
        var path = Path.Combine(RepositoryPaths.Artifacts("conformance"), name + ".log");
        lock (Gate)
        {
            File.AppendAllText(path, line + Environment.NewLine);
        }
    }

    public static void Security(string line) => Write("security", line);

    public static void Faults(string line) => Write("faults", line);
}
