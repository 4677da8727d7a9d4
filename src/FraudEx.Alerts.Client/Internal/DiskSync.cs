using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace FraudEx.Alerts.Client.Internal;

/// <summary>
/// The two flushes .NET has no API for. <see cref="FlushDirectory"/>: fsync of a directory, so a newly created
/// segment's name survives a power loss (fsync of the file makes its contents durable, not its directory entry).
/// <see cref="FlushData"/>: fdatasync, which unlike fsync skips the file's timestamps, so a write into space that is
/// already allocated reaches the disk without a file-system journal commit.
/// </summary>
internal static partial class DiskSync
{
    private const int ReadOnly = 0;
    private const int OpenDirectory = 0x10000; // O_DIRECTORY on Linux

    public static void FlushDirectory(string directory)
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

    /// <summary>Makes a file's data, and the metadata needed to read it back (its size), durable.</summary>
    public static void FlushData(SafeFileHandle file)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(file);
            return;
        }

        var added = false;
        try
        {
            file.DangerousAddRef(ref added);
            if (Fdatasync((int)file.DangerousGetHandle()) != 0)
            {
                throw new IOException($"fdatasync failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int Fdatasync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
