namespace SelfPlayBN.Actors;

/// <summary>Cuts a sequence into consecutive groups that each fit a message of limited size.</summary>
internal static class ByteBudget
{
    /// <summary>
    /// Groups <paramref name="items"/> in order, as few and as full as the limit allows: each group's item sizes plus
    /// <paramref name="fixedBytes"/> (the message's envelope) stay within <paramref name="maxBytes"/>. No items, no groups.
    /// </summary>
    /// <exception cref="InvalidDataException">One item alone does not fit; the message is <paramref name="tooLarge"/>(item, size).</exception>
    public static List<List<T>> Group<T>(IEnumerable<T> items, Func<T, int> sizeOf, long fixedBytes, int maxBytes, Func<T, int, string> tooLarge)
    {
        var groups = new List<List<T>>();
        var current = new List<T>();
        long bytes = fixedBytes;
        foreach (var item in items)
        {
            int size = sizeOf(item);
            if (fixedBytes + size > maxBytes) throw new InvalidDataException(tooLarge(item, size));
            if (current.Count > 0 && bytes + size > maxBytes)
            {
                groups.Add(current);
                current = [];
                bytes = fixedBytes;
            }
            current.Add(item);
            bytes += size;
        }
        if (current.Count > 0) groups.Add(current);
        return groups;
    }
}
