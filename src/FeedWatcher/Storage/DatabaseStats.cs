using Dapper;
using Npgsql;

namespace FeedWatcher.Storage;

/// <summary>The size of FeedWatcher's database, table by table, and how far back its items go.</summary>
public sealed record DatabaseStats(
    string Database,
    long Bytes,
    IReadOnlyList<(string Table, long Rows, long Bytes)> Tables,
    long ItemsWithText,
    DateTime? OldestText,
    DateTime? OldestItem,
    (DateTime FireTime, string Instance, DateTime? FinishedAt, string? Removed)? LastCleanup)
{
    // FeedWatcher's own tables; Quartz's (schema quartz) are counted together.
    static readonly string[] Counted = ["feeds", "items", "hits", "judgements", "held_back", "watch_words", "watch_resets", "digests", "digest_hits", "link_keys", "workers", "retention_runs"];

    public static async Task<DatabaseStats> ReadAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var (database, bytes) = await connection.QuerySingleAsync<(string, long)>(new CommandDefinition(
            "SELECT current_database(), pg_database_size(current_database())", cancellationToken: cancellationToken));
        var tables = new List<(string, long, long)>();
        foreach (var table in Counted)
            tables.Add(await connection.QuerySingleAsync<(string, long, long)>(new CommandDefinition(
                $"SELECT '{table}', (SELECT count(*) FROM {table}), pg_total_relation_size('{table}')", cancellationToken: cancellationToken)));
        tables.Add(await connection.QuerySingleAsync<(string, long, long)>(new CommandDefinition("""
            SELECT 'quartz (the scheduler)', coalesce(sum(n_live_tup), 0)::bigint, coalesce(sum(pg_total_relation_size(relid)), 0)::bigint
            FROM pg_stat_user_tables WHERE schemaname = 'quartz'
            """, cancellationToken: cancellationToken)));
        var (withText, oldestText, oldestItem) = await connection.QuerySingleAsync<(long, DateTime?, DateTime?)>(new CommandDefinition("""
            SELECT count(*) FILTER (WHERE text_dropped_at IS NULL), min(first_seen_at) FILTER (WHERE text_dropped_at IS NULL), min(first_seen_at) FROM items
            """, cancellationToken: cancellationToken));
        var last = (await connection.QueryAsync<(DateTime, string, DateTime?, string?)>(new CommandDefinition(
            "SELECT fire_time, instance, finished_at, removed::text FROM retention_runs ORDER BY fire_time DESC LIMIT 1", cancellationToken: cancellationToken))).ToList();
        return new(database, bytes, tables, withText, oldestText, oldestItem, last.Count == 0 ? null : last[0]);
    }

    /// <summary>The database's size and each of FeedWatcher's tables' rows as PostgreSQL last counted them (an
    /// estimate, cheap to read): for status and the metrics.</summary>
    public static async Task<(long Bytes, IReadOnlyList<(string Table, long Rows)> Rows)> SizeAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var bytes = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT pg_database_size(current_database())", cancellationToken: cancellationToken));
        var rows = await connection.QueryAsync<(string, long)>(new CommandDefinition(
            "SELECT relname::text, greatest(n_live_tup, 0) FROM pg_stat_user_tables WHERE schemaname = 'public' AND relname::text = ANY(@Counted) ORDER BY n_live_tup DESC, relname",
            new { Counted }, cancellationToken: cancellationToken));
        return (bytes, [.. rows]);
    }
}
