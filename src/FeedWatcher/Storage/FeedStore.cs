using Dapper;
using FeedWatcher.Configuration;
using Npgsql;

namespace FeedWatcher.Storage;

/// <summary>A row of <c>feeds</c>: a feed's address, validators and health.</summary>
public sealed class FeedRow
{
    public long Id { get; init; }
    public string Url { get; init; } = "";
    public string? Name { get; init; }
    public string? Etag { get; init; }
    public string? LastModified { get; init; }
    public bool Primed { get; init; }
    public DateTime? LastPolledAt { get; init; }
    public DateTime? LastSuccessAt { get; init; }
    public string? LastError { get; init; }
    public DateTime? LastErrorAt { get; init; }
    public int ConsecutiveFailures { get; init; }
    public DateTime NextPollAt { get; init; }
    public string? FetchUrl { get; init; }
    public string Status { get; init; } = FeedStatus.Active;
    public string Source { get; init; } = "config";
    public int? LastStatusCode { get; init; }
    public DateTime? MovedAt { get; init; }
    public int? TtlMinutes { get; init; }

    /// <summary>Where the feed is fetched from: its last permanent redirect, else its URL.</summary>
    public string CurrentUrl => FetchUrl ?? Url;
}

/// <summary>Values of <c>feeds.status</c>.</summary>
public static class FeedStatus
{
    public const string Active = "active";
    public const string Gone = "gone";
}

/// <summary>The outcome of a successful poll, as stored on the feed.</summary>
public sealed record FeedSuccess(long FeedId, string? Etag, string? LastModified, int StatusCode, string? MovedTo, TimeSpan? Ttl, DateTime Now, DateTime NextPollAt)
{
    public int? TtlMinutes => Ttl is { } ttl ? (int)ttl.TotalMinutes : null;
}

/// <summary>The outcome of a failed poll, as stored on the feed.</summary>
public sealed record FeedFailure(string Error, int? StatusCode, bool Gone, DateTime Now, DateTime NextPollAt);

/// <summary>The <c>feeds</c> table.</summary>
public sealed class FeedStore(NpgsqlDataSource dataSource)
{
    const string Columns = """
        id, url, name, etag, last_modified, primed, last_polled_at, last_success_at, last_error, last_error_at,
        consecutive_failures, next_poll_at, fetch_url, status, source, last_status_code, moved_at, ttl_minutes
        """;

    /// <summary>The feeds in use: configured (their URLs are <c>@Urls</c>) or added with <c>feeds add</c> or OPML. A feed
    /// that left the configuration keeps its row and history, and is neither polled nor reported.</summary>
    const string InUse = "(url = ANY(@Urls) OR source = 'imported')";

    /// <summary>Adds the configured feeds that are new, due at <paramref name="now"/>, and keeps names up to date.</summary>
    public async Task SyncAsync(IReadOnlyList<FeedOptions> feeds, DateTime now, CancellationToken cancellationToken = default)
    {
        const string sql = """
            INSERT INTO feeds (url, name, next_poll_at)
            SELECT u.url, u.name, @Now FROM unnest(@Urls, @Names) AS u(url, name)
            ON CONFLICT (url) DO UPDATE SET name = EXCLUDED.name
            WHERE feeds.name IS DISTINCT FROM EXCLUDED.name
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(sql, new
        {
            Now = now,
            Urls = feeds.Select(f => f.Url).ToArray(),
            Names = feeds.Select(f => string.IsNullOrWhiteSpace(f.Name) ? null : f.Name.Trim()).ToArray(),
        });
    }

    /// <summary>The feeds among <paramref name="urls"/> (the configured ones) or imported, whose next poll is due.</summary>
    public async Task<IReadOnlyList<FeedRow>> DueAsync(IReadOnlyList<string> urls, DateTime now, CancellationToken cancellationToken = default)
    {
        const string sql = $"""
            SELECT {Columns} FROM feeds
            WHERE {InUse} AND next_poll_at <= @Now AND status = 'active'
            ORDER BY next_poll_at
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<FeedRow>(sql, new { Urls = urls.ToArray(), Now = now })).AsList();
    }

    /// <summary>Adds feeds (from an OPML file or <c>feeds add</c>); a URL already known is left as it is, unless it
    /// was removed, when it is polled again. Returns how many were new.</summary>
    public async Task<int> ImportAsync(IReadOnlyList<(string Url, string? Name)> feeds, DateTime now, CancellationToken cancellationToken = default)
    {
        const string sql = """
            INSERT INTO feeds (url, name, next_poll_at, source)
            SELECT u.url, u.name, @Now, 'imported' FROM unnest(@Urls, @Names) AS u(url, name)
            ON CONFLICT (url) DO UPDATE SET source = 'imported', name = coalesce(EXCLUDED.name, feeds.name), next_poll_at = @Now
            WHERE feeds.source = 'removed'
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(sql, new { Now = now, Urls = feeds.Select(f => f.Url).ToArray(), Names = feeds.Select(f => f.Name).ToArray() });
    }

    /// <summary>Stops polling a feed added by <c>feeds add</c> or OPML; its items and hits are kept. False when
    /// no such feed was added.</summary>
    public async Task<bool> RemoveAsync(string url, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE feeds SET source = 'removed' WHERE url = @Url AND source = 'imported'", new { Url = url }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>The feeds in use, configured (<paramref name="urls"/>) or added, by URL.</summary>
    public async Task<IReadOnlyList<FeedRow>> InUseAsync(IReadOnlyList<string> urls, CancellationToken cancellationToken = default)
    {
        const string sql = $"SELECT {Columns} FROM feeds WHERE {InUse} ORDER BY url";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<FeedRow>(new CommandDefinition(sql, new { Urls = urls.ToArray() }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Every feed ever known, in use or not, by URL.</summary>
    public async Task<IReadOnlyList<FeedRow>> AllAsync(CancellationToken cancellationToken = default)
    {
        const string sql = $"SELECT {Columns} FROM feeds ORDER BY url";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<FeedRow>(sql)).AsList();
    }

    /// <summary>The feeds in use (<paramref name="urls"/> configured, or added) that a digest tells its reader about:
    /// failing, gone, or moved at or after <paramref name="movedSince"/>.</summary>
    public async Task<IReadOnlyList<FeedRow>> NeedingAttentionAsync(IReadOnlyList<string> urls, DateTime movedSince, CancellationToken cancellationToken = default)
    {
        const string sql = $"""
            SELECT {Columns} FROM feeds
            WHERE {InUse} AND (consecutive_failures > 0 OR status <> 'active' OR moved_at >= @MovedSince)
            ORDER BY status, consecutive_failures DESC, url
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<FeedRow>(new CommandDefinition(sql, new { Urls = urls.ToArray(), MovedSince = movedSince }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>How many feeds are in use (<paramref name="urls"/> configured, or added), due at <paramref name="now"/>,
    /// failing, gone.</summary>
    public async Task<(long InUse, long Due, long Failing, long Gone)> CountsAsync(IReadOnlyList<string> urls, DateTime now, CancellationToken cancellationToken = default)
    {
        const string sql = $"""
            SELECT count(*), count(*) FILTER (WHERE status = 'active' AND next_poll_at <= @Now),
                   count(*) FILTER (WHERE status = 'active' AND consecutive_failures > 0), count(*) FILTER (WHERE status = 'gone')
            FROM feeds WHERE {InUse}
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<(long, long, long, long)>(new CommandDefinition(sql, new { Urls = urls.ToArray(), Now = now }, cancellationToken: cancellationToken));
    }

    /// <summary>Makes every active feed due now, for a poll of all of them.</summary>
    public async Task MakeAllDueAsync(DateTime now, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("UPDATE feeds SET next_poll_at = @Now WHERE status = 'active' AND next_poll_at > @Now",
            new { Now = now }, cancellationToken: cancellationToken));
    }

    /// <summary>Records successful polls that brought no body (304), many feeds in one statement.</summary>
    public async Task RecordNotModifiedAsync(IReadOnlyList<FeedSuccess> polls, CancellationToken cancellationToken = default)
    {
        if (polls.Count == 0) return;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(RecordSuccessesSql,
            SuccessParameters(polls), cancellationToken: cancellationToken));
    }

    /// <summary>The update successful polls make to their feeds, many in one statement: validators, health, next
    /// poll, a permanent move, the RSS ttl. Its rows are <c>p</c>; also used inside <see cref="ItemStore.SavePollsAsync"/>, which adds RETURNING.</summary>
    internal const string RecordSuccessesSql = """
        UPDATE feeds
        SET etag = p.etag, last_modified = p.last_modified, primed = true,
            last_polled_at = p.now, last_success_at = p.now, last_error = NULL,
            consecutive_failures = 0, next_poll_at = p.next_poll_at, last_status_code = p.status_code,
            fetch_url = coalesce(p.moved_to, feeds.fetch_url),
            moved_at = CASE WHEN p.moved_to IS NULL THEN feeds.moved_at ELSE p.now END,
            ttl_minutes = coalesce(p.ttl_minutes, feeds.ttl_minutes)
        FROM unnest(@FeedIds, @Etags, @LastModifieds, @Nows, @NextPollAts, @StatusCodes, @MovedTos, @TtlMinutes)
            AS p(id, etag, last_modified, now, next_poll_at, status_code, moved_to, ttl_minutes)
        WHERE feeds.id = p.id
        """;

    /// <summary>The parameters of <see cref="RecordSuccessesSql"/>.</summary>
    internal static DynamicParameters SuccessParameters(IReadOnlyList<FeedSuccess> polls)
    {
        var parameters = new DynamicParameters();
        parameters.AddDynamicParams(new
        {
            FeedIds = polls.Select(p => p.FeedId).ToArray(),
            Etags = polls.Select(p => p.Etag).ToArray(),
            LastModifieds = polls.Select(p => p.LastModified).ToArray(),
            Nows = polls.Select(p => p.Now).ToArray(),
            NextPollAts = polls.Select(p => p.NextPollAt).ToArray(),
            StatusCodes = polls.Select(p => p.StatusCode).ToArray(),
            MovedTos = polls.Select(p => p.MovedTo).ToArray(),
            TtlMinutes = polls.Select(p => p.TtlMinutes).ToArray(),
        });
        return parameters;
    }

    public async Task RecordFailureAsync(long feedId, FeedFailure failure, CancellationToken cancellationToken = default)
    {
        const string sql = """
            UPDATE feeds
            SET last_polled_at = @Now, last_error = @Error, last_error_at = @Now, last_status_code = @StatusCode,
                consecutive_failures = consecutive_failures + 1, next_poll_at = @NextPollAt,
                status = CASE WHEN @Gone THEN 'gone' ELSE status END
            WHERE id = @FeedId
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(sql, new { FeedId = feedId, failure.Error, failure.StatusCode, failure.Gone, failure.Now, failure.NextPollAt });
    }
}
