using System.Runtime.InteropServices;

namespace FraudEx.Alerts.Client.Internal;

/// <summary>
/// fsync of a directory, so a newly created segment's name survives a power loss (fsync of the file alone makes its
/// contents durable, not its directory entry). .NET has no API for it; on Linux it is open(O_DIRECTORY) + fsync.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0;
    private const int OpenDirectory = 0x10000; // O_DIRECTORY on Linux

    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = Open(directory, ReadOnly | OpenDirectory);
        if (fd < 0)
        {
            throw new IOException($"Could not open directory {directory} to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory {directory} failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
