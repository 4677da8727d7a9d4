using System.Collections;

namespace FraudEx.Grpc;

/// <summary>
/// gRPC metadata: ordered key/value entries. Keys are lower-case; keys ending in "-bin" hold bytes (base64 on the
/// wire), the others printable ASCII.
/// </summary>
public sealed class Metadata : IEnumerable<Metadata.Entry>
{
    public const string BinarySuffix = "-bin";

    private readonly List<Entry> _entries = [];

    public int Count => _entries.Count;

    public Entry this[int index] => _entries[index];

    public void Add(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        key = NormalizeKey(key);
        if (IsBinaryKey(key))
        {
            throw new ArgumentException($"Key '{key}' ends in '{BinarySuffix}' and needs a byte[] value.", nameof(key));
        }

        _entries.Add(new Entry(key, value, null));
    }

    public void Add(string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        key = NormalizeKey(key);
        if (!IsBinaryKey(key))
        {
            throw new ArgumentException($"Key '{key}' must end in '{BinarySuffix}' to carry a byte[] value.", nameof(key));
        }

        _entries.Add(new Entry(key, null, value));
    }

    public void Add(Entry entry) => _entries.Add(entry);

    /// <summary>The last ASCII value for the key, or null.</summary>
    public string? GetValue(string key)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            var e = _entries[i];
            if (!e.IsBinary && string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return e.Value;
            }
        }

        return null;
    }

    /// <summary>The last binary value for the key, or null.</summary>
    public byte[]? GetValueBytes(string key)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            var e = _entries[i];
            if (e.IsBinary && string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return e.ValueBytes;
            }
        }

        return null;
    }

    public IEnumerable<Entry> GetAll(string key) =>
        _entries.Where(e => string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase));

    public bool Remove(string key) => _entries.RemoveAll(e => string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase)) > 0;

    public List<Entry>.Enumerator GetEnumerator() => _entries.GetEnumerator();

    IEnumerator<Entry> IEnumerable<Entry>.GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _entries.GetEnumerator();

    public static bool IsBinaryKey(string key) => key.EndsWith(BinarySuffix, StringComparison.OrdinalIgnoreCase);

    private static string NormalizeKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        foreach (var c in key)
        {
            // Header-Name → 1*( %x30-39 / %x61-7A / "_" / "-" / ".") after lower-casing.
            var ok = c is >= '0' and <= '9' or >= 'a' and <= 'z' or >= 'A' and <= 'Z' or '_' or '-' or '.';
            if (!ok)
            {
                throw new ArgumentException($"Metadata key '{key}' contains '{c}', outside 0-9 a-z _ - .", nameof(key));
            }
        }

        return key.ToLowerInvariant();
    }

    /// <summary>One metadata entry: an ASCII value, or bytes for "-bin" keys.</summary>
    public sealed class Entry
    {
        internal Entry(string key, string? value, byte[]? valueBytes)
        {
            Key = key;
            Value = value;
            ValueBytes = valueBytes;
        }

        public string Key { get; }

        public bool IsBinary => ValueBytes is not null;

        /// <summary>The ASCII value; null for binary entries (use <see cref="ValueBytes"/>).</summary>
        public string? Value { get; }

        public byte[]? ValueBytes { get; }

        public override string ToString() =>
            IsBinary ? $"{Key}=[{ValueBytes!.Length} bytes]" : $"{Key}={Value}";
    }
}
