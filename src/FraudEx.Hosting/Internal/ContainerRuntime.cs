using System.Diagnostics;

namespace FraudEx.Hosting.Internal;

/// <summary>
/// Whether a container runtime answers. Aspire's AddRedis/AddPostgres do not fail without one, they wait forever
/// ("Container runtime 'docker' could not be found"), so the choice is made before the model is built.
/// </summary>
internal static class ContainerRuntime
{
    public static bool IsHealthy(string runtime, TimeSpan timeout)
    {
        if (Tools.Which(runtime) is null)
        {
            return false;
        }
        try
        {
            // A docker CLI without a daemon behind it is common here: `info` fails fast in that case.
            using var process = Process.Start(new ProcessStartInfo(runtime, ["info", "--format", "{{.ServerVersion}}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return false;
            }
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
