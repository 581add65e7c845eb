using Dapper;
using FeedWatcher.Matching;
using Npgsql;

namespace FeedWatcher.Storage;

/// <summary>One piece of what a watch learns from, as stored: a confident hit (<see cref="Id"/> is the hit's), a
/// judgement (the judgement's) or a hit a digest held back (its <c>held_back</c> row's).</summary>
public sealed record LearningEvidence(Evidence Kind, long Id, string Watch, long ItemId, string Title, string Summary)
{
    public ItemText Text => new(Title, Summary);
}

/// <summary>A word a user pinned or banned for a watch.</summary>
public sealed record WatchWord(string Watch, string Word, bool Pinned);

/// <summary>What the watches learn from, shared by every instance on the database: the <c>judgements</c> table (every
/// judgement a reader gave, never removed with the items' texts), the confident hits among <c>hits</c>, the words pinned
/// and banned (<c>watch_words</c>) and the resets (<c>watch_resets</c>).</summary>
public sealed class LearningStore(NpgsqlDataSource dataSource)
{
    /// <summary>Records that the reader judged the item relevant or not for the watch; given with a digest's link, that
    /// link's signature, and then false when the link was used before (nothing is recorded).</summary>
    public async Task<bool> AddAsync(string watch, long itemId, bool relevant, string? link = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO judgements (watch, item_id, relevant, link) VALUES (@Watch, @ItemId, @Relevant, @Link) ON CONFLICT (link) WHERE link IS NOT NULL DO NOTHING",
            new { Watch = watch, ItemId = itemId, Relevant = relevant, Link = link }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>The latest verdict on every item judged for the watches given (lower case; every watch when none), with
    /// the item's title, by watch (lower case); without the judgements a reset made a watch forget.</summary>
    public static async Task<IReadOnlyList<(string Watch, long ItemId, string Title, bool Relevant)>> JudgedAsync(NpgsqlConnection connection,
        NpgsqlTransaction? transaction, IReadOnlyCollection<string> watches)
    {
        return [.. await connection.QueryAsync<(string, long, string, bool)>("""
            WITH forgotten AS (SELECT lower(watch) AS watch, max(last_judgement) AS last_judgement FROM watch_resets GROUP BY lower(watch))
            SELECT DISTINCT ON (lower(j.watch), j.item_id) lower(j.watch), j.item_id, i.title, j.relevant
            FROM judgements j JOIN items i ON i.id = j.item_id
            LEFT JOIN forgotten f ON f.watch = lower(j.watch)
            WHERE j.id > coalesce(f.last_judgement, 0) AND (cardinality(@Watches) = 0 OR lower(j.watch) = ANY(@Watches))
            ORDER BY lower(j.watch), j.item_id, j.id DESC
            """, new { Watches = watches.ToArray() }, transaction)];
    }

    /// <summary>Records the hits a digest held back, each with the item judged not relevant it was like: the watches learn
    /// from them. A hit held back before (by a digest of another name) is recorded once.</summary>
    public static Task RecordHeldBackAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<(long HitId, long LikeItem)> heldBack) =>
        heldBack.Count == 0 ? Task.CompletedTask : connection.ExecuteAsync("""
            INSERT INTO held_back (hit_id, like_item) SELECT * FROM unnest(@Hits, @Likes) ON CONFLICT (hit_id) DO NOTHING
            """, new { Hits = heldBack.Select(h => h.HitId).ToArray(), Likes = heldBack.Select(h => h.LikeItem).ToArray() }, transaction);

    /// <summary>When a digest's link was used, if it was.</summary>
    public async Task<DateTime?> LinkUsedAsync(string link, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition(
            "SELECT judged_at FROM judgements WHERE link = @Link", new { Link = link }, cancellationToken: cancellationToken));
    }

    /// <summary>What the watches learn from after the hit, judgement and hit held back given, in the order it happened:
    /// the hits that named a watch's keywords and scored <paramref name="confident"/> or more, the judgements, and the
    /// hits digests held back; without what a reset made the watch forget.</summary>
    public async Task<IReadOnlyList<LearningEvidence>> EvidenceAsync(long afterHit, long afterJudgement, long afterHeldBack, double confident,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(int Kind, long Id, string Watch, long ItemId, string Title, string Summary)>(new CommandDefinition("""
            WITH forgotten AS (
                SELECT lower(watch) AS watch, max(last_hit) AS last_hit, max(last_judgement) AS last_judgement, max(last_held_back) AS last_held_back
                FROM watch_resets GROUP BY lower(watch)
            )
            SELECT * FROM (
                SELECT 0 AS kind, h.id, h.watch, h.item_id, i.title, i.summary, h.created_at AS at
                FROM hits h JOIN items i ON i.id = h.item_id
                LEFT JOIN forgotten f ON f.watch = lower(h.watch)
                WHERE h.id > @AfterHit AND h.score >= @Confident AND cardinality(h.matched) > 0 AND h.id > coalesce(f.last_hit, 0)
                UNION ALL
                SELECT CASE WHEN j.relevant THEN 1 ELSE 2 END, j.id, j.watch, j.item_id, i.title, i.summary, j.judged_at
                FROM judgements j JOIN items i ON i.id = j.item_id
                LEFT JOIN forgotten f ON f.watch = lower(j.watch)
                WHERE j.id > @AfterJudgement AND j.id > coalesce(f.last_judgement, 0)
                UNION ALL
                SELECT 3, b.id, h.watch, h.item_id, i.title, i.summary, b.held_at
                FROM held_back b JOIN hits h ON h.id = b.hit_id JOIN items i ON i.id = h.item_id
                LEFT JOIN forgotten f ON f.watch = lower(h.watch)
                WHERE b.id > @AfterHeldBack AND b.id > coalesce(f.last_held_back, 0)
            ) evidence
            ORDER BY at, kind, id
            """, new { AfterHit = afterHit, AfterJudgement = afterJudgement, AfterHeldBack = afterHeldBack, Confident = (float)confident },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new LearningEvidence((Evidence)r.Kind, r.Id, r.Watch, r.ItemId, r.Title, r.Summary))];
    }

    /// <summary>Every word pinned or banned.</summary>
    public async Task<IReadOnlyList<WatchWord>> WordsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<WatchWord>(new CommandDefinition(
            "SELECT watch, word, pinned FROM watch_words ORDER BY watch, word", cancellationToken: cancellationToken))];
    }

    /// <summary>Pins (true) or bans (false) a word for a watch, or lifts either (null); whether anything changed.</summary>
    public async Task<bool> SetWordAsync(string watch, string word, bool? pinned, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(pinned is null
            ? "DELETE FROM watch_words WHERE lower(watch) = lower(@Watch) AND lower(word) = lower(@Word)"
            : """
              INSERT INTO watch_words (watch, word, pinned) VALUES (@Watch, @Word, @Pinned)
              ON CONFLICT (watch, word) DO UPDATE SET pinned = excluded.pinned, said_at = now() WHERE watch_words.pinned <> excluded.pinned
              """, new { Watch = watch, Word = word, Pinned = pinned }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>Makes a watch forget what it learnt from the hits so far, and from the judgements so far when
    /// <paramref name="judgements"/>: those stay stored, and teach it nothing any more.</summary>
    public async Task ResetAsync(string watch, bool judgements, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO watch_resets (watch, last_hit, last_judgement, last_held_back)
            SELECT @Watch, (SELECT coalesce(max(id), 0) FROM hits), CASE WHEN @Judgements THEN (SELECT coalesce(max(id), 0) FROM judgements) ELSE 0 END,
                   (SELECT coalesce(max(id), 0) FROM held_back)
            """, new { Watch = watch, Judgements = judgements }, cancellationToken: cancellationToken));
    }

    /// <summary>The number of the latest reset, 0 before any: a new one means a watch forgets.</summary>
    public async Task<long> LastResetAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT coalesce(max(id), 0) FROM watch_resets", cancellationToken: cancellationToken));
    }

    /// <summary>The latest judgement of each of the items given for a watch: relevant or not.</summary>
    public async Task<IReadOnlyDictionary<long, bool>> VerdictsAsync(string watch, long[] itemIds, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long ItemId, bool Relevant)>(new CommandDefinition("""
            SELECT DISTINCT ON (item_id) item_id, relevant FROM judgements
            WHERE lower(watch) = lower(@Watch) AND item_id = ANY(@Ids) ORDER BY item_id, id DESC
            """, new { Watch = watch, Ids = itemIds }, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.ItemId, r => r.Relevant);
    }

    /// <summary>The items an argument names: an item's number, or its link (an item carried by several feeds is
    /// several items); with the watches each is a hit for.</summary>
    public async Task<IReadOnlyList<(long Id, string Title, string[] HitFor)>> FindItemsAsync(string numberOrLink, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var byNumber = long.TryParse(numberOrLink, System.Globalization.CultureInfo.InvariantCulture, out var id);
        var rows = await connection.QueryAsync<(long Id, string Title, string[] HitFor)>(new CommandDefinition($"""
            SELECT i.id, i.title, ARRAY(SELECT h.watch FROM hits h WHERE h.item_id = i.id ORDER BY h.watch)
            FROM items i WHERE {(byNumber ? "i.id = @Id" : "i.link = @Link")} ORDER BY i.id
            """, new { Id = id, Link = numberOrLink }, cancellationToken: cancellationToken));
        return [.. rows];
    }
}
