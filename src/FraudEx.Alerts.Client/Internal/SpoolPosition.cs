namespace FraudEx.Alerts.Client.Internal;

/// <summary>A byte position in the spool: segment sequence number and offset within that segment.</summary>
internal readonly record struct SpoolPosition(long Segment, long Offset) : IComparable<SpoolPosition>
{
    public int CompareTo(SpoolPosition other) =>
        Segment != other.Segment ? Segment.CompareTo(other.Segment) : Offset.CompareTo(other.Offset);
}
