using Dapper;
using FeedWatcher.Feeds;
using Npgsql;

namespace FeedWatcher.Storage;

/// <summary>The <c>items</c> table: every item seen, unique by (feed, item key).</summary>
public static class ItemStore
{
    /// <summary>Inserts the items not seen before and returns those, with their ids; the unique
    /// constraint, not memory, decides what is new.</summary>
    public static async Task<IReadOnlyList<(long Id, FeedEntry Entry)>> InsertNewAsync(NpgsqlConnection connection,
        NpgsqlTransaction transaction, long feedId, IReadOnlyList<FeedEntry> entries, DateTime now)
    {
        const string sql = """
            INSERT INTO items (feed_id, item_key, title, link, summary, published_at, first_seen_at)
            SELECT @FeedId, u.item_key, u.title, u.link, u.summary, u.published_at, @Now
            FROM unnest(@Keys, @Titles, @Links, @Summaries, @Published) AS u(item_key, title, link, summary, published_at)
            ON CONFLICT (feed_id, item_key) DO NOTHING
            RETURNING id, item_key
            """;
        var byKey = new Dictionary<string, FeedEntry>(StringComparer.Ordinal);
        foreach (var entry in entries)
            byKey.TryAdd(ItemKey.For(entry), entry);
        var rows = await connection.QueryAsync<(long Id, string ItemKey)>(sql, new
        {
            FeedId = feedId,
            Now = now,
            Keys = byKey.Keys.ToArray(),
            Titles = byKey.Values.Select(e => e.TitleText).ToArray(),
            Links = byKey.Values.Select(e => e.Link).ToArray(),
            Summaries = byKey.Values.Select(e => e.SummaryText).ToArray(),
            Published = byKey.Values.Select(e => e.Published ?? e.Updated ?? now).ToArray(),
        }, transaction);
        return rows.Select(r => (r.Id, byKey[r.ItemKey])).ToList();
    }
}
