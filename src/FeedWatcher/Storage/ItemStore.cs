using System.Text.Json;
using Dapper;
using FeedWatcher.Feeds;
using FeedWatcher.Matching;
using Npgsql;

namespace FeedWatcher.Storage;

/// <summary>The <c>items</c> table: every item seen, unique by (feed, item key).</summary>
public sealed class ItemStore(NpgsqlDataSource dataSource)
{
    /// <summary>Stores one poll of a feed in one statement, so atomically and in one round trip: the feed's new
    /// state, and from the feed's row (which the update locks, so no item is stored without its feed) the items
    /// not seen before (the unique key, not memory, decides which) and the hits of those new items (unless the
    /// feed is being primed). Returns the keys of the new items and how many hits were new.
    /// <para>The commit does not wait for the disk: should the server crash in the next instant, the poll is lost
    /// whole, items and the feed's validators together, so the feed is simply fetched and stored again. Nothing
    /// that leaves FeedWatcher depends on it: a digest's own commit waits for the disk, and with it for every
    /// poll committed before, the hits it carries included.</para></summary>
    public async Task<(IReadOnlyList<string> NewKeys, int Hits)> SavePollAsync(FeedRow feed, IReadOnlyList<PolledItem> polled,
        IReadOnlyDictionary<string, IReadOnlyList<WatchMatch>> matchesByKey, FeedSuccess success, CancellationToken cancellationToken = default)
    {
        const string sql = $"""
            WITH feed AS (
                {FeedStore.RecordSuccessSql}
                RETURNING id
            ), new_items AS (
                INSERT INTO items (feed_id, item_key, title, link, summary, published_at, first_seen_at)
                SELECT feed.id, u.item_key, u.title, u.link, u.summary, u.published_at, @Now
                FROM feed, unnest(@Keys, @Titles, @Links, @Summaries, @Published) AS u(item_key, title, link, summary, published_at)
                ON CONFLICT (feed_id, item_key) DO NOTHING
                RETURNING id, item_key
            ), new_hits AS (
                INSERT INTO hits (item_id, watch, matched, score, explanation, created_at)
                SELECT n.id, h.watch, string_to_array(h.matched, E'\x1f'), h.score, h.explanation::jsonb, @Now
                FROM new_items n
                JOIN unnest(@HitKeys, @HitWatches, @HitMatched, @HitScores, @HitExplanations) AS h(item_key, watch, matched, score, explanation)
                    ON h.item_key = n.item_key
                WHERE @Primed
                ON CONFLICT (item_id, watch) DO NOTHING
                RETURNING 1
            )
            SELECT coalesce((SELECT array_agg(item_key) FROM new_items), ARRAY[]::text[]) AS new_keys, (SELECT count(*) FROM new_hits)::int AS hits, (SELECT count(*) FROM feed)::int,
                set_config('synchronous_commit', 'off', true)
            """;
        var byKey = new Dictionary<string, PolledItem>(StringComparer.Ordinal);
        foreach (var item in polled)
            byKey.TryAdd(item.Key, item);
        var hits = matchesByKey.SelectMany(kv => kv.Value.Select(m => (Key: kv.Key, Match: m))).ToList();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleAsync<(string[] NewKeys, int Hits, int Feeds, string SynchronousCommit)>(sql, new
        {
            FeedId = feed.Id,
            feed.Primed,
            success.Now,
            Keys = byKey.Keys.ToArray(),
            Titles = byKey.Values.Select(e => e.Title).ToArray(),
            Links = byKey.Values.Select(e => e.Link).ToArray(),
            Summaries = byKey.Values.Select(e => e.Summary).ToArray(),
            Published = byKey.Values.Select(e => e.Published ?? success.Now).ToArray(),
            HitKeys = hits.Select(h => h.Key).ToArray(),
            HitWatches = hits.Select(h => h.Match.Watch).ToArray(),
            HitMatched = hits.Select(h => string.Join('\x1f', h.Match.MatchedKeywords)).ToArray(),
            HitScores = hits.Select(h => (float)h.Match.Score).ToArray(),
            HitExplanations = hits.Select(h => JsonSerializer.Serialize(h.Match.Explanation, WatchExplanation.Json)).ToArray(),
            success.Etag,
            success.LastModified,
            success.NextPollAt,
            success.StatusCode,
            success.MovedTo,
            TtlMinutes = success.TtlMinutes,
        });
        return (row.NewKeys, row.Hits);
    }

    /// <summary>Title and summary of the most recent items, newest first: what term statistics are learnt from
    /// at start.</summary>
    public async Task<IReadOnlyList<ItemText>> RecentTextsAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Title, string Summary)>(new CommandDefinition(
            "SELECT title, summary FROM items ORDER BY id DESC LIMIT @Limit", new { Limit = limit }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new ItemText(r.Title, r.Summary))];
    }

    /// <summary>The items first seen at or after <paramref name="since"/>, in the order they were seen.</summary>
    public async IAsyncEnumerable<StoredItem> SinceAsync(DateTime since, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        const string sql = """
            SELECT i.id, i.title, i.summary, i.link, i.first_seen_at, f.url AS feed_url
            FROM items i JOIN feeds f ON f.id = i.feed_id
            WHERE i.first_seen_at >= @Since
            ORDER BY i.first_seen_at, i.id
            """;
        await foreach (var item in connection.QueryUnbufferedAsync<StoredItem>(sql, new { Since = since }).WithCancellation(cancellationToken))
            yield return item;
    }
}

/// <summary>An item of a poll as it is stored: its key within the feed, plain-text title and summary, link, and
/// when it was published (or else updated).</summary>
public sealed record PolledItem(string Key, string Title, string? Link, string Summary, DateTime? Published)
{
    public static PolledItem From(FeedEntry entry) =>
        new(ItemKey.For(entry), entry.TitleText, entry.Link, entry.SummaryText, entry.Published ?? entry.Updated);
}

/// <summary>An item as stored, for backtests.</summary>
public sealed record StoredItem(long Id, string Title, string Summary, string? Link, DateTime FirstSeenAt, string FeedUrl);
