using Dapper;
using FeedWatcher.Feeds;
using FeedWatcher.Matching;
using Npgsql;

namespace FeedWatcher.Storage;

/// <summary>The <c>items</c> table: every item seen, unique by (feed, item key).</summary>
public sealed class ItemStore(NpgsqlDataSource dataSource)
{
    /// <summary>Stores one poll of a feed in one statement, so atomically and in one round trip: the items not
    /// seen before (the unique key, not memory, decides which), the hits of those new items (unless the feed
    /// is being primed), and the feed's new state. Returns how many items and hits were new.</summary>
    public async Task<(int NewItems, int Hits)> SavePollAsync(FeedRow feed, IReadOnlyList<FeedEntry> entries,
        IReadOnlyDictionary<string, IReadOnlyList<WatchMatch>> matchesByKey, FeedSuccess success, CancellationToken cancellationToken = default)
    {
        const string sql = $"""
            WITH new_items AS (
                INSERT INTO items (feed_id, item_key, title, link, summary, published_at, first_seen_at)
                SELECT @FeedId, u.item_key, u.title, u.link, u.summary, u.published_at, @Now
                FROM unnest(@Keys, @Titles, @Links, @Summaries, @Published) AS u(item_key, title, link, summary, published_at)
                ON CONFLICT (feed_id, item_key) DO NOTHING
                RETURNING id, item_key
            ), new_hits AS (
                INSERT INTO hits (item_id, watch, matched, created_at)
                SELECT n.id, h.watch, string_to_array(h.matched, E'\x1f'), @Now
                FROM new_items n JOIN unnest(@HitKeys, @HitWatches, @HitMatched) AS h(item_key, watch, matched) ON h.item_key = n.item_key
                WHERE @Primed
                ON CONFLICT (item_id, watch) DO NOTHING
                RETURNING 1
            ), feed AS (
                {FeedStore.RecordSuccessSql}
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM new_items)::int AS new_items, (SELECT count(*) FROM new_hits)::int AS hits, (SELECT count(*) FROM feed)::int
            """;
        var byKey = new Dictionary<string, FeedEntry>(StringComparer.Ordinal);
        foreach (var entry in entries)
            byKey.TryAdd(ItemKey.For(entry), entry);
        var hits = matchesByKey.SelectMany(kv => kv.Value.Select(m => (Key: kv.Key, m.Watch, Matched: string.Join('\x1f', m.MatchedKeywords)))).ToList();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleAsync<(int NewItems, int Hits, int Feeds)>(sql, new
        {
            FeedId = feed.Id,
            feed.Primed,
            success.Now,
            Keys = byKey.Keys.ToArray(),
            Titles = byKey.Values.Select(e => e.TitleText).ToArray(),
            Links = byKey.Values.Select(e => e.Link).ToArray(),
            Summaries = byKey.Values.Select(e => e.SummaryText).ToArray(),
            Published = byKey.Values.Select(e => e.Published ?? e.Updated ?? success.Now).ToArray(),
            HitKeys = hits.Select(h => h.Key).ToArray(),
            HitWatches = hits.Select(h => h.Watch).ToArray(),
            HitMatched = hits.Select(h => h.Matched).ToArray(),
            success.Etag,
            success.LastModified,
            success.NextPollAt,
            success.StatusCode,
            success.MovedTo,
            TtlMinutes = success.TtlMinutes,
        });
        return (row.NewItems, row.Hits);
    }
}
