using Dapper;
using Npgsql;

namespace FeedWatcher.Storage;

/// <summary>A hit as the digest shows it: the item, its feed, the watch, its score and why it matched.</summary>
public sealed class DigestHit
{
    public long HitId { get; init; }
    public long ItemId { get; init; }
    public string Watch { get; init; } = "";
    public string[] Matched { get; init; } = [];

    /// <summary>The item's score for the watch, in [0, 1].</summary>
    public double Score { get; init; }

    /// <summary>Why it matched, as stored (JSON of a <see cref="Matching.WatchExplanation"/>); null for hits
    /// stored before scores were.</summary>
    public string? Explanation { get; init; }
    public string Title { get; init; } = "";
    public string Summary { get; init; } = "";
    public string? Link { get; init; }
    public string Feed { get; init; } = "";
    public DateTime PublishedAt { get; init; }

    /// <summary>Whether a digest held it back as like an item judged not relevant (<see cref="Digests.HeldBack"/>).</summary>
    public bool HeldBack { get; init; }

    /// <summary>The item judged not relevant that it was held back as like, while that item is kept.</summary>
    public long? HeldBackLike { get; init; }
}

/// <summary>A watch's hits in all, its latest hit's date, and its hits per day (UTC) over a recent period.</summary>
public sealed record WatchActivity(long Hits, DateTime Latest, IReadOnlyDictionary<DateOnly, int> PerDay);

/// <summary>The <c>hits</c> table as digests read it: hits not yet claimed by a digest of a given name.</summary>
public sealed class HitStore(NpgsqlDataSource dataSource)
{
    // The hits (h) a digest named @Digest has not carried yet, of @Watches (lower case; all when empty), scoring
    // @MinScore or more. Hits delivered before the outbox existed (sent_at set) are never sent again.
    const string Unclaimed = """
        h.sent_at IS NULL
        AND h.score >= @MinScore
        AND (cardinality(@Watches) = 0 OR lower(h.watch) = ANY(@Watches))
        AND NOT EXISTS (SELECT 1 FROM digest_hits d WHERE d.digest_name = @Digest AND d.hit_id = h.id)
        """;

    // A hit (h) as a DigestHit reads it, with its item (i) and feed (f); the best first.
    const string Select = """
        SELECT h.id AS hit_id, h.item_id, h.watch, h.matched, h.score, h.explanation::text AS explanation,
               i.title, i.summary, i.link, coalesce(f.name, f.url) AS feed, i.published_at,
               b.hit_id IS NOT NULL AS held_back, b.like_item AS held_back_like
        FROM hits h
        JOIN items i ON i.id = h.item_id
        JOIN feeds f ON f.id = i.feed_id
        LEFT JOIN held_back b ON b.hit_id = h.id
        """;
    const string Best = "ORDER BY h.score DESC, i.published_at DESC, h.id";

    static object Parameters(string digest, IReadOnlyList<string> watches, double minScore, int limit = 0) =>
        new { Digest = digest, Watches = watches.Select(w => w.ToLowerInvariant()).ToArray(), MinScore = (float)minScore, Limit = limit };

    /// <summary>The hits a digest named <paramref name="digest"/> has not carried yet, for the watches given
    /// (every watch when none), at or above <paramref name="minScore"/>: the best first, at most
    /// <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<DigestHit>> UnclaimedAsync(string digest, IReadOnlyList<string> watches, double minScore, int limit,
        NpgsqlConnection? connection = null, NpgsqlTransaction? transaction = null, CancellationToken cancellationToken = default)
    {
        const string sql = $"""
            {Select}
            WHERE {Unclaimed}
            {Best}
            LIMIT @Limit
            """;
        var parameters = new CommandDefinition(sql, Parameters(digest, watches, minScore, limit), transaction, cancellationToken: cancellationToken);
        if (connection is not null)
            return (await connection.QueryAsync<DigestHit>(parameters)).AsList();
        await using var own = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await own.QueryAsync<DigestHit>(parameters)).AsList();
    }

    /// <summary>A watch's hits, newest first (by their items' dates): those of items published at or after
    /// <paramref name="since"/> when given, skipping <paramref name="offset"/>, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<DigestHit>> OfWatchAsync(string watch, DateTime? since, int offset, int limit, CancellationToken cancellationToken = default)
    {
        const string sql = $"""
            {Select}
            WHERE lower(h.watch) = lower(@Watch) AND (@Since::timestamptz IS NULL OR i.published_at >= @Since)
            ORDER BY i.published_at DESC, h.id DESC
            OFFSET @Offset LIMIT @Limit
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<DigestHit>(new CommandDefinition(sql, new { Watch = watch, Since = since, Offset = offset, Limit = limit },
            cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>One hit, by its number; null when there is none.</summary>
    public async Task<DigestHit?> ByIdAsync(long hitId, CancellationToken cancellationToken = default)
    {
        const string sql = $"""
            {Select}
            WHERE h.id = @Id
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<DigestHit>(new CommandDefinition(sql, new { Id = hitId }, cancellationToken: cancellationToken));
    }

    /// <summary>One hit, by its item and watch; null when the item is no hit for it.</summary>
    public async Task<DigestHit?> FindAsync(string watch, long itemId, CancellationToken cancellationToken = default)
    {
        const string sql = $"""
            {Select}
            WHERE lower(h.watch) = lower(@Watch) AND h.item_id = @ItemId
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<DigestHit>(new CommandDefinition(sql, new { Watch = watch, ItemId = itemId }, cancellationToken: cancellationToken));
    }

    /// <summary>Each watch's hits per day (by their items' dates) from <paramref name="since"/> on, its hits in all,
    /// and its latest hit's date; by watch in lower case.</summary>
    public async Task<IReadOnlyDictionary<string, WatchActivity>> ActivityAsync(DateTime since, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var totals = await connection.QueryAsync<(string Watch, long Hits, DateTime Latest)>(new CommandDefinition(
            "SELECT lower(h.watch), count(*), max(i.published_at) FROM hits h JOIN items i ON i.id = h.item_id GROUP BY lower(h.watch)",
            cancellationToken: cancellationToken));
        var days = (await connection.QueryAsync<(string Watch, DateTime Day, long Hits)>(new CommandDefinition("""
            SELECT lower(h.watch), date_trunc('day', i.published_at AT TIME ZONE 'UTC'), count(*)
            FROM hits h JOIN items i ON i.id = h.item_id
            WHERE i.published_at >= @Since
            GROUP BY 1, 2
            """, new { Since = since }, cancellationToken: cancellationToken))).ToLookup(d => d.Watch);
        return totals.ToDictionary(t => t.Watch, t => new WatchActivity(t.Hits, DateTime.SpecifyKind(t.Latest, DateTimeKind.Utc),
            days[t.Watch].ToDictionary(d => DateOnly.FromDateTime(d.Day), d => (int)d.Hits)));
    }

    /// <summary>The hits made at or after <paramref name="since"/>, the best first.</summary>
    public async Task<IReadOnlyList<DigestHit>> SinceAsync(DateTime since, CancellationToken cancellationToken = default)
    {
        const string sql = $"""
            {Select}
            WHERE h.created_at >= @Since
            {Best}
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<DigestHit>(new CommandDefinition(sql, new { Since = since }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>How many hits <see cref="UnclaimedAsync"/> would find with no limit.</summary>
    public static Task<int> UnclaimedCountAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string digest, IReadOnlyList<string> watches, double minScore) =>
        connection.QuerySingleAsync<int>($"SELECT count(*)::int FROM hits h WHERE {Unclaimed}", Parameters(digest, watches, minScore), transaction);
}
