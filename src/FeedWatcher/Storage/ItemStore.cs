using System.Text.Json;
using Dapper;
using FeedWatcher.Feeds;
using FeedWatcher.Matching;
using Npgsql;

namespace FeedWatcher.Storage;

/// <summary>The <c>items</c> table: every item seen, unique by (feed, item key).</summary>
public sealed class ItemStore(NpgsqlDataSource dataSource)
{
    /// <summary>Stores one poll of a feed; see <see cref="SavePollsAsync"/>.</summary>
    public async Task<(IReadOnlyList<string> NewKeys, int Hits)> SavePollAsync(FeedRow feed, IReadOnlyList<PolledItem> polled,
        IReadOnlyDictionary<string, IReadOnlyList<WatchMatch>> matchesByKey, FeedSuccess success, CancellationToken cancellationToken = default) =>
        (await SavePollsAsync([new PollToSave(feed, polled, matchesByKey, success)], cancellationToken))[0];

    /// <summary>Stores polls of several feeds in one statement, so atomically and in one round trip: each feed's
    /// new state, and from each feed's row (which the update locks, so no item is stored without its feed) the
    /// items not seen before (the unique key, not memory, decides which) and the hits of those new items. Returns, poll by poll, the keys of the new items and how many hits were new.
    /// <para>The commit does not wait for the disk: should the server crash in the next instant, the polls are
    /// lost whole, items and the feeds' validators together, so the feeds are simply fetched and stored again.
    /// Nothing that leaves FeedWatcher depends on it: a digest's own commit waits for the disk, and with it for
    /// every poll committed before, the hits it carries included.</para></summary>
    public async Task<IReadOnlyList<(IReadOnlyList<string> NewKeys, int Hits)>> SavePollsAsync(IReadOnlyList<PollToSave> polls,
        CancellationToken cancellationToken = default)
    {
        const string sql = $"""
            WITH feed AS (
                {FeedStore.RecordSuccessesSql}
                RETURNING feeds.id, p.now
            ), new_items AS (
                INSERT INTO items (feed_id, item_key, title, link, summary, published_at, first_seen_at)
                SELECT feed.id, u.item_key, u.title, u.link, u.summary, coalesce(u.published_at, feed.now), feed.now
                FROM feed JOIN unnest(@ItemFeeds, @Keys, @Titles, @Links, @Summaries, @Published)
                    AS u(feed_id, item_key, title, link, summary, published_at) ON u.feed_id = feed.id
                -- An item seen before is not new; that its feed still lists it is recorded, at most weekly.
                ON CONFLICT (feed_id, item_key) DO UPDATE SET listed_at = EXCLUDED.first_seen_at
                WHERE coalesce(items.listed_at, items.first_seen_at) < EXCLUDED.first_seen_at - interval '7 days'
                RETURNING id, feed_id, item_key, xmax = 0 AS inserted
            ), new_hits AS (
                INSERT INTO hits (item_id, watch, matched, score, explanation, created_at)
                SELECT n.id, h.watch, string_to_array(h.matched, E'\x1f'), h.score, h.explanation::jsonb, feed.now
                FROM new_items n
                JOIN feed ON feed.id = n.feed_id AND n.inserted
                JOIN unnest(@HitFeeds, @HitKeys, @HitWatches, @HitMatched, @HitScores, @HitExplanations)
                    AS h(feed_id, item_key, watch, matched, score, explanation) ON h.feed_id = n.feed_id AND h.item_key = n.item_key
                ON CONFLICT (item_id, watch) DO NOTHING
                RETURNING item_id
            )
            SELECT n.feed_id, n.item_key, (SELECT count(*) FROM new_hits h WHERE h.item_id = n.id)::int AS hits
            FROM (SELECT set_config('synchronous_commit', 'off', true)) AS commit_without_waiting
            LEFT JOIN new_items n ON n.inserted
            """;
        // Within a poll, the first of several items with the same key is the one stored.
        var items = polls.SelectMany(p => p.Items.Select(i => (p.Feed.Id, Item: i))).DistinctBy(i => (i.Id, i.Item.Key)).ToList();
        var hits = polls.SelectMany(p => p.Matches.SelectMany(kv => kv.Value.Select(m => (p.Feed.Id, Key: kv.Key, Match: m)))).ToList();
        var parameters = FeedStore.SuccessParameters([.. polls.Select(p => p.Success)]);
        parameters.AddDynamicParams(new
        {
            ItemFeeds = items.Select(i => i.Id).ToArray(),
            Keys = items.Select(i => i.Item.Key).ToArray(),
            Titles = items.Select(i => i.Item.Title).ToArray(),
            Links = items.Select(i => i.Item.Link).ToArray(),
            Summaries = items.Select(i => i.Item.Summary).ToArray(),
            Published = items.Select(i => i.Item.Published).ToArray(),
            HitFeeds = hits.Select(h => h.Id).ToArray(),
            HitKeys = hits.Select(h => h.Key).ToArray(),
            HitWatches = hits.Select(h => h.Match.Watch).ToArray(),
            HitMatched = hits.Select(h => string.Join('\x1f', h.Match.MatchedKeywords)).ToArray(),
            HitScores = hits.Select(h => (float)h.Match.Score).ToArray(),
            HitExplanations = hits.Select(h => JsonSerializer.Serialize(h.Match.Explanation, WatchExplanation.Json)).ToArray(),
        });
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long? FeedId, string? Key, int Hits)>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
        var byFeed = rows.Where(r => r.FeedId is not null).ToLookup(r => r.FeedId!.Value); // no new items: one row of nulls
        return [.. polls.Select(p => ((IReadOnlyList<string>)[.. byFeed[p.Feed.Id].Select(r => r.Key!)], byFeed[p.Feed.Id].Sum(r => r.Hits)))];
    }

    /// <summary>Title and summary of the most recent items, in the order they were seen: what the watches learn from
    /// at start.</summary>
    public async Task<IReadOnlyList<ItemText>> RecentTextsAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Title, string Summary)>(new CommandDefinition(
            "SELECT title, summary FROM (SELECT id, title, summary FROM items ORDER BY id DESC LIMIT @Limit) recent ORDER BY id",
            new { Limit = limit }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new ItemText(r.Title, r.Summary))];
    }

    /// <summary>The title and summary of the items numbered.</summary>
    public async Task<IReadOnlyDictionary<long, ItemText>> TextsAsync(long[] ids, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long Id, string Title, string Summary)>(new CommandDefinition(
            "SELECT id, title, summary FROM items WHERE id = ANY(@Ids)", new { Ids = ids }, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Id, r => new ItemText(r.Title, r.Summary));
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
/// when it was published (or else updated). Title and summary are cut at <see cref="MaxTitle"/> and
/// <see cref="MaxSummary"/> characters: more is never a headline or a teaser, and one item must not fill the
/// database or the matcher's time.</summary>
public sealed record PolledItem(string Key, string Title, string? Link, string Summary, DateTime? Published)
{
    public const int MaxTitle = 2_000, MaxSummary = 100_000;

    public static PolledItem From(FeedEntry entry) =>
        new(ItemKey.For(entry), Cut(entry.TitleText, MaxTitle), entry.Link, Cut(entry.SummaryText, MaxSummary), entry.Published ?? entry.Updated);

    // Cut before a surrogate pair's second half rather than through it.
    static string Cut(string text, int max) =>
        text.Length <= max ? text : text[..(char.IsHighSurrogate(text[max - 1]) ? max - 1 : max)] + "…";
}

/// <summary>One poll of a feed to store: its items, their hits by item key, and the feed's new state.</summary>
public sealed record PollToSave(FeedRow Feed, IReadOnlyList<PolledItem> Items,
    IReadOnlyDictionary<string, IReadOnlyList<WatchMatch>> Matches, FeedSuccess Success);

/// <summary>An item as stored, for backtests.</summary>
public sealed record StoredItem(long Id, string Title, string Summary, string? Link, DateTime FirstSeenAt, string FeedUrl);
