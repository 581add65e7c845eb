using Dapper;
using FeedWatcher.Configuration;
using Npgsql;

namespace FeedWatcher.Storage;

/// <summary>What one cleanup removed.</summary>
public sealed record RetentionReport(long TextsDropped, long ItemsForgotten, long DigestMessagesDropped, long HitsRemoved)
{
    public string ToJson() => new System.Text.Json.Nodes.JsonObject
    {
        ["texts_dropped"] = TextsDropped, ["items_forgotten"] = ItemsForgotten, ["digest_messages_dropped"] = DigestMessagesDropped, ["hits_removed"] = HitsRemoved,
    }.ToJsonString();

    public static RetentionReport FromJson(string json)
    {
        var removed = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        long Get(string name) => removed[name]?.GetValue<long>() ?? 0;
        return new(Get("texts_dropped"), Get("items_forgotten"), Get("digest_messages_dropped"), Get("hits_removed"));
    }

    public override string ToString() =>
        $"{TextsDropped} item texts dropped, {ItemsForgotten} items forgotten, {DigestMessagesDropped} digest messages dropped, {HitsRemoved} hits removed";
}

/// <summary>Applies <see cref="RetentionOptions"/> in batches of <see cref="Batch"/> rows, each its own short
/// transaction, so that polls and digests carry on beside it. What it removes, and what it never removes:
/// <list type="bullet">
/// <item>the title, summary and link of an item that is no hit and has no judgement, once it was first seen longer
/// than <see cref="RetentionOptions.ItemText"/> ago; never those of the newest <c>keepLatestTexts</c> items, which the
/// watches learn their word statistics from at start;</item>
/// <item>the item itself (its identity: feed and key) once, besides, its feed has answered with a body that no longer
/// lists it and it was last listed longer than <see cref="RetentionOptions.UnlistedItems"/> ago: while a feed lists
/// an item it is remembered, so it never comes back as new;</item>
/// <item>the message of a digest sent (or given up) longer than <see cref="RetentionOptions.DigestMessages"/> ago; never
/// the record of which hits it carried, so that no hit is sent twice;</item>
/// <item>hits older than <see cref="RetentionOptions.Hits"/>, when set; never an item a reader judged.</item>
/// </list></summary>
public sealed class RetentionStore(NpgsqlDataSource dataSource)
{
    public const int Batch = 1000;

    // After each batch the cleanup waits this many times as long as the batch took, so that it takes no more than a
    // fifth of what the database server can do from the polls and digests beside it (measured: unpaced, a cleanup
    // of a million items made a poll cycle on the same 2-core server a third slower).
    const int Pause = 4;

    // Polls go first: while any instance holds claims on due feeds (a poll cycle is under way), the cleanup waits for
    // the cycle to end, a minute at most at a time, so that a database polled without a break still gets a batch a
    // minute (measured: paced but not waiting, a cleanup beside a warmed-up poll cycle made it a tenth to two fifths slower).
    static readonly TimeSpan MostWaitForPolls = TimeSpan.FromMinutes(1);
    static readonly TimeSpan PollsCheckedEvery = TimeSpan.FromMilliseconds(200);

    async Task PauseAfterAsync(TimeSpan batch, CancellationToken cancellationToken)
    {
        await Task.Delay(batch * Pause, cancellationToken);
        await WaitForPollsAsync(cancellationToken);
    }

    async Task WaitForPollsAsync(CancellationToken cancellationToken)
    {
        var waiting = System.Diagnostics.Stopwatch.StartNew();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        while (waiting.Elapsed < MostWaitForPolls && await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                   "SELECT EXISTS (SELECT 1 FROM feeds WHERE claimed_until IS NOT NULL AND claimed_until > now())", cancellationToken: cancellationToken)))
            await Task.Delay(PollsCheckedEvery, cancellationToken);
    }

    // Whether a poll found an item in its feed is refreshed at most this often (ItemStore.SavePollsAsync).
    static readonly TimeSpan ListedRefresh = TimeSpan.FromDays(7);

    /// <summary>Records that the run scheduled for <paramref name="fireTime"/> starts here; false when another
    /// instance has started it already.</summary>
    public async Task<bool> BeginRunAsync(DateTime fireTime, string instance, DateTime now, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO retention_runs (fire_time, instance, started_at) VALUES (@FireTime, @Instance, @Now) ON CONFLICT DO NOTHING",
            new { FireTime = fireTime, Instance = instance, Now = now }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task EndRunAsync(DateTime fireTime, RetentionReport report, DateTime now, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE retention_runs SET finished_at = @Now, removed = @Removed::jsonb WHERE fire_time = @FireTime",
            new { FireTime = fireTime, Now = now, Removed = report.ToJson() },
            cancellationToken: cancellationToken));
    }

    /// <summary>Applies the policy as of <paramref name="now"/>.</summary>
    public async Task<RetentionReport> ApplyAsync(RetentionOptions policy, DateTime now, int keepLatestTexts, CancellationToken cancellationToken = default)
    {
        await WaitForPollsAsync(cancellationToken);
        var hits = policy.Hits is { } hitsFor ? await RemoveHitsAsync(now - hitsFor, cancellationToken) : 0;
        var (texts, forgotten) = await ItemsAsync(policy, now, keepLatestTexts, cancellationToken);
        var messages = await DropDigestMessagesAsync(now - policy.DigestMessages, now, cancellationToken);
        // What was removed is room for new rows once vacuumed: at once, rather than when autovacuum gets to a table
        // that changed by a fraction of a percent (measured: without it, a year's database settled at about twice
        // the size of its rows).
        var changed = new List<string>();
        if (texts + forgotten + hits > 0) changed.AddRange(["items", "hits"]);
        if (messages > 0) changed.Add("digests");
        await VacuumAsync(changed, cancellationToken);
        return new(texts, forgotten, messages, hits);
    }

    async Task VacuumAsync(List<string> tables, CancellationToken cancellationToken)
    {
        if (tables.Count == 0) return;
        await WaitForPollsAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Paced as autovacuum paces itself (a manual VACUUM is not, by default).
        await connection.ExecuteAsync(new CommandDefinition("SET vacuum_cost_delay = '2ms'", cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition($"VACUUM (ANALYZE) {string.Join(", ", tables)}", commandTimeout: 0, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("RESET vacuum_cost_delay", cancellationToken: cancellationToken));
        if (tables.Contains("items"))
            await ReindexBloatedAsync(connection, cancellationToken);
    }

    // The items kept for good (hits, judged ones) are spread over every page of the items' indexes, so pages emptied
    // of the rest are never freed: an index grows with every item ever seen (measured: the primary key at four times
    // its size after a year). An index past twice the size its rows need is built again, beside the old one
    // (CONCURRENTLY), without holding up polls. What its rows need: each entry's columns (PostgreSQL's average widths)
    // and 16 bytes of header and pointer, on pages filled to 70%.
    static async Task ReindexBloatedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT i.indexrelid::regclass::text, pg_relation_size(i.indexrelid),
                   greatest(c.reltuples, 0)::bigint * ((SELECT coalesce(sum(coalesce(s.avg_width, 8)), 8) FROM pg_attribute a
                       LEFT JOIN pg_stats s ON s.schemaname = 'public' AND s.tablename = c.relname AND s.attname = a.attname
                       WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)) + 16) / 0.7
            FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
            WHERE i.indrelid = 'items'::regclass
            """;
        foreach (var (index, bytes, needed) in await connection.QueryAsync<(string, long, double)>(new CommandDefinition(sql, cancellationToken: cancellationToken)))
        {
            if (bytes > 8_000_000 && bytes > 2 * needed)
                await connection.ExecuteAsync(new CommandDefinition($"REINDEX INDEX CONCURRENTLY {index}", commandTimeout: 0, cancellationToken: cancellationToken));
        }
    }

    // Items in id order (the order they were first seen in), from the oldest, a batch at a time, until a batch holds
    // none old enough. Each batch is decided from one read and changed by two statements that check again, on the
    // rows as they are then, that the item is no hit and has no judgement.
    async Task<(long Texts, long Forgotten)> ItemsAsync(RetentionOptions policy, DateTime now, int keepLatestTexts, CancellationToken cancellationToken)
    {
        const string read = """
            SELECT i.id, i.first_seen_at, coalesce(i.listed_at, i.first_seen_at) AS listed_at, i.text_dropped_at IS NOT NULL AS dropped, f.last_body_at,
                   EXISTS (SELECT 1 FROM hits h WHERE h.item_id = i.id) OR EXISTS (SELECT 1 FROM judgements j WHERE j.item_id = i.id) AS kept
            FROM items i JOIN feeds f ON f.id = i.feed_id
            WHERE i.id > @After AND i.id <= @Newest
            ORDER BY i.id
            LIMIT @Batch
            """;
        const string unused = "NOT EXISTS (SELECT 1 FROM hits h WHERE h.item_id = items.id) AND NOT EXISTS (SELECT 1 FROM judgements j WHERE j.item_id = items.id)";
        var textCutoff = now - policy.ItemText;
        var listedCutoff = now - policy.UnlistedItems;
        long texts = 0, forgotten = 0, after = 0;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var newest = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT coalesce(max(id), 0) - @Keep FROM items", new { Keep = keepLatestTexts }, cancellationToken: cancellationToken));
        while (true)
        {
            var batchStarted = System.Diagnostics.Stopwatch.GetTimestamp();
            var rows = (await connection.QueryAsync<(long Id, DateTime FirstSeenAt, DateTime ListedAt, bool Dropped, DateTime? LastBodyAt, bool Kept)>(new CommandDefinition(read,
                new { After = after, Newest = newest, Batch }, cancellationToken: cancellationToken))).AsList();
            var old = rows.Where(r => r.FirstSeenAt < textCutoff && !r.Kept).ToList();
            if (old.Count == 0 && rows.All(r => r.FirstSeenAt >= textCutoff))
                break;
            // No longer listed: a body came since the item was last found in its feed (a week's refresh allowed for).
            var forget = old.Where(r => r.ListedAt < listedCutoff && r.LastBodyAt is { } body && r.ListedAt < body - ListedRefresh).Select(r => r.Id).ToArray();
            var strip = old.Where(r => !r.Dropped).Select(r => r.Id).Except(forget).ToArray();
            if (forget.Length > 0)
                forgotten += await connection.ExecuteAsync(new CommandDefinition(
                    $"DELETE FROM items WHERE id = ANY(@Ids) AND {unused}", new { Ids = forget }, cancellationToken: cancellationToken));
            if (strip.Length > 0)
                texts += await connection.ExecuteAsync(new CommandDefinition(
                    $"UPDATE items SET title = '', summary = '', link = NULL, text_dropped_at = @Now WHERE id = ANY(@Ids) AND text_dropped_at IS NULL AND {unused}",
                    new { Ids = strip, Now = now }, cancellationToken: cancellationToken));
            if (rows.Count < Batch) break;
            after = rows[^1].Id;
            await PauseAfterAsync(System.Diagnostics.Stopwatch.GetElapsedTime(batchStarted), cancellationToken);
        }
        return (texts, forgotten);
    }

    async Task<long> DropDigestMessagesAsync(DateTime cutoff, DateTime now, CancellationToken cancellationToken)
    {
        const string sql = """
            UPDATE digests SET message = ''::bytea, message_dropped_at = @Now
            WHERE id IN (SELECT id FROM digests WHERE state IN ('sent', 'failed') AND coalesce(sent_at, created_at) < @Cutoff AND message_dropped_at IS NULL LIMIT @Batch)
            """;
        return await InBatchesAsync(sql, new { Cutoff = cutoff, Now = now, Batch }, cancellationToken);
    }

    async Task<long> RemoveHitsAsync(DateTime cutoff, CancellationToken cancellationToken)
    {
        const string sql = """
            DELETE FROM hits WHERE id IN (
                SELECT h.id FROM hits h WHERE h.created_at < @Cutoff
                  AND NOT EXISTS (SELECT 1 FROM judgements j WHERE j.item_id = h.item_id AND j.watch = h.watch)
                LIMIT @Batch)
            """;
        return await InBatchesAsync(sql, new { Cutoff = cutoff, Batch }, cancellationToken);
    }

    // A statement that changes at most a batch of rows, run until it changes none.
    async Task<long> InBatchesAsync(string sql, object parameters, CancellationToken cancellationToken)
    {
        long total = 0;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        while (true)
        {
            var batchStarted = System.Diagnostics.Stopwatch.GetTimestamp();
            var changed = await connection.ExecuteAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
            if (changed == 0) return total;
            total += changed;
            await PauseAfterAsync(System.Diagnostics.Stopwatch.GetElapsedTime(batchStarted), cancellationToken);
        }
    }
}
