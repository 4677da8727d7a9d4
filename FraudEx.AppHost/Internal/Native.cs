using System.Runtime.InteropServices;

namespace FraudEx.AppHost.Internal;

/// <summary>The few POSIX calls .NET does not expose: signalling a whole process group, and who we run as.</summary>
internal static partial class Native
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    [LibraryImport("libc")]
    private static partial uint geteuid();

    /// <summary>Sends <paramref name="signal"/> to every process of the group led by <paramref name="groupId"/>.</summary>
    /// <returns>False when the group no longer exists.</returns>
    public static bool SignalGroup(int groupId, int signal) => kill(-groupId, signal) == 0;

    /// <summary>True while the process group has at least one member (signal 0 checks without sending).</summary>
    public static bool GroupExists(int groupId) => kill(-groupId, 0) == 0;

    public static bool IsRoot => geteuid() == 0;
}
