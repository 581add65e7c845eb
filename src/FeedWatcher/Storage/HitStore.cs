using Dapper;
using Npgsql;

namespace FeedWatcher.Storage;

/// <summary>A hit as the digest shows it: the item, its feed, the watch and the keywords that matched.</summary>
public sealed class DigestHit
{
    public long HitId { get; init; }
    public string Watch { get; init; } = "";
    public string[] Matched { get; init; } = [];

    /// <summary>The item's score for the watch, in [0, 1].</summary>
    public double Score { get; init; }

    /// <summary>Why it matched, as stored (JSON of a <see cref="Matching.WatchExplanation"/>); null for hits
    /// stored before scores were.</summary>
    public string? Explanation { get; init; }
    public string Title { get; init; } = "";
    public string? Link { get; init; }
    public string Feed { get; init; } = "";
    public DateTime PublishedAt { get; init; }
}

/// <summary>The <c>hits</c> table: item x watch, sent or not yet.</summary>
public sealed class HitStore(NpgsqlDataSource dataSource)
{
    /// <summary>Hits not yet delivered, by watch, newest first.</summary>
    public async Task<IReadOnlyList<DigestHit>> UnsentAsync(CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT h.id AS hit_id, h.watch, h.matched, h.score, h.explanation::text AS explanation, i.title, i.link, coalesce(f.name, f.url) AS feed, i.published_at
            FROM hits h
            JOIN items i ON i.id = h.item_id
            JOIN feeds f ON f.id = i.feed_id
            WHERE h.sent_at IS NULL
            ORDER BY h.watch, h.score DESC, i.published_at DESC, h.id
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<DigestHit>(sql)).AsList();
    }

    public async Task MarkSentAsync(IReadOnlyList<long> hitIds, DateTime now, CancellationToken cancellationToken = default)
    {
        const string sql = "UPDATE hits SET sent_at = @Now WHERE id = ANY(@HitIds) AND sent_at IS NULL";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(sql, new { HitIds = hitIds.ToArray(), Now = now });
    }
}
