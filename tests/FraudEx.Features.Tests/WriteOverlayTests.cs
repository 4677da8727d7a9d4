using FraudEx.Features.Internal;

namespace FraudEx.Features.Tests;

public sealed class WriteOverlayTests
{
    private const string Key = "fx:{a:1}:s";

    [Fact]
    public void Resolve_ReadOlderThanPendingWrites_FollowsTheChainToTheNewest()
    {
        var overlay = new WriteOverlay();
        var v0 = Value(0, 10);
        var v1 = Value(1, 11);
        var v2 = Value(2, 12);
        overlay.Add(Key, Header(v0), v1);
        overlay.Add(Key, Header(v1), v2);

        Assert.Same(v2, overlay.Resolve(Key, v0));
        Assert.Same(v2, overlay.Resolve(Key, v1));
        Assert.Same(v2, overlay.Resolve(Key, v2));
    }

    [Fact]
    public void Resolve_AbsentKeyWithPendingCreate_ReturnsTheCreatedValue()
    {
        var overlay = new WriteOverlay();
        var created = Value(1, 5);
        overlay.Add(Key, [], created);

        Assert.Same(created, overlay.Resolve(Key, null));
    }

    [Fact]
    public void Resolve_ValueWrittenByAnotherWriter_IsKept()
    {
        var overlay = new WriteOverlay();
        overlay.Add(Key, Header(Value(0, 1)), Value(1, 2));
        var foreign = Value(1, 99);

        Assert.Same(foreign, overlay.Resolve(Key, foreign));
    }

    [Fact]
    public void Resolve_UnreadableShortValue_IsPassedThroughNotMistakenForAbsent()
    {
        var overlay = new WriteOverlay();
        overlay.Add(Key, [], Value(1, 5));
        var corrupt = "garbage"u8.ToArray();

        Assert.Same(corrupt, overlay.Resolve(Key, corrupt));
    }

    [Fact]
    public void Failed_WriteIsNoLongerFollowed()
    {
        var overlay = new WriteOverlay();
        var v0 = Value(0, 1);
        var entry = overlay.Add(Key, Header(v0), Value(1, 2));

        overlay.Failed(Key, entry);

        Assert.Same(v0, overlay.Resolve(Key, v0));
        Assert.Equal(0, overlay.Count);
    }

    [Fact]
    public void Acknowledged_IsKeptUntilEveryEarlierStartedBatchHasComputed()
    {
        var overlay = new WriteOverlay();
        var writer = overlay.Begin();
        var v0 = Value(0, 1);
        var entry = overlay.Add(Key, Header(v0), Value(1, 2));
        var reader = overlay.Begin();
        overlay.Computed(writer);

        overlay.Acknowledged(Key, entry);
        Assert.Equal(1, overlay.Count);
        Assert.NotSame(v0, overlay.Resolve(Key, v0));

        overlay.Computed(reader);
        Assert.Equal(0, overlay.Count);
    }

    private static byte[] Value(ulong count, long tag)
    {
        var value = new byte[EntitySlot.HeaderBytes + 4];
        BitConverter.TryWriteBytes(value.AsSpan(0, 8), count);
        BitConverter.TryWriteBytes(value.AsSpan(8, 8), tag);
        return value;
    }

    private static byte[] Header(byte[] value) => value[..EntitySlot.HeaderBytes];
}
