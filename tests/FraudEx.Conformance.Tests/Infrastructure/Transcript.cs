using FraudEx.Testing;

namespace FraudEx.Conformance.Tests.Infrastructure;

/// <summary>
/// A suite's transcript, written to artifacts/conformance/&lt;name&gt;.log (test.sh prints every such file after the
/// run). Each run replaces the file, so a suite run alone leaves only its own last transcript.
/// </summary>
public static class Transcript
{
    public static string PathOf(string name) => Path.Combine(RepositoryPaths.Artifacts("conformance"), name + ".log");

    public static void Write(string name, string text) => File.WriteAllText(PathOf(name), text.TrimEnd() + Environment.NewLine);
}
