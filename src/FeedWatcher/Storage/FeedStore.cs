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

    /// <summary>This poll's claim on the feed, when it was claimed: the poll's write counts only while it holds.</summary>
    public Guid? Claim { get; init; }

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
public sealed record FeedSuccess(long FeedId, string? Etag, string? LastModified, int StatusCode, string? MovedTo, TimeSpan? Ttl, DateTime Now, DateTime NextPollAt,
    Guid? Claim = null)
{
    public int? TtlMinutes => Ttl is { } ttl ? (int)ttl.TotalMinutes : null;
}

/// <summary>The outcome of a failed poll, as stored on the feed.</summary>
public sealed record FeedFailure(string Error, int? StatusCode, bool Gone, DateTime Now, DateTime NextPollAt, Guid? Claim = null);

/// <summary>The <c>feeds</c> table.</summary>
public sealed class FeedStore(NpgsqlDataSource dataSource)
{
    const string Columns = $"id, {ColumnsAfterId}";
    const string ColumnsAfterId = """
        url, name, etag, last_modified, primed, last_polled_at, last_success_at, last_error, last_error_at,
        consecutive_failures, next_poll_at, fetch_url, status, source, last_status_code, moved_at, ttl_minutes, claim
        """;

    /// <summary>The feeds in use: configured (their URLs are <c>@Urls</c>) or added with <c>feeds add</c> or OPML. A feed
    /// that left the configuration keeps its row and history, and is neither polled nor reported. Reports go by the
    /// configuration they are given; claims go by <c>in_use</c>, which each poll cycle's <see cref="SyncAsync"/> sets from its own.</summary>
    const string InUse = "(url = ANY(@Urls) OR source = 'imported')";

    /// <summary>Adds the configured feeds that are new, due at <paramref name="now"/>, keeps names up to date, and marks
    /// which feeds are polled (<c>in_use</c>): these, and the ones added with <c>feeds add</c> or OPML. A feed that left
    /// the configuration keeps its row and history, and is no longer polled.</summary>
    public async Task SyncAsync(IReadOnlyList<FeedOptions> feeds, DateTime now, CancellationToken cancellationToken = default)
    {
        const string sql = """
            INSERT INTO feeds (url, name, next_poll_at, in_use)
            SELECT u.url, u.name, @Now, true FROM unnest(@Urls, @Names) AS u(url, name)
            ON CONFLICT (url) DO UPDATE SET name = EXCLUDED.name, in_use = true
            WHERE feeds.name IS DISTINCT FROM EXCLUDED.name OR NOT feeds.in_use;
            UPDATE feeds SET in_use = false
            WHERE in_use AND source <> 'imported' AND NOT EXISTS (SELECT 1 FROM unnest(@Urls) AS u(url) WHERE u.url = feeds.url);
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(sql, new
        {
            Now = now,
            Urls = feeds.Select(f => f.Url).ToArray(),
            Names = feeds.Select(f => string.IsNullOrWhiteSpace(f.Name) ? null : f.Name.Trim()).ToArray(),
        }, cancellationToken: cancellationToken));
    }

    /// <summary>The claim of <see cref="ClaimDueAsync"/>. One token (<c>@Claim</c>) marks every feed of one claim: a poll's
    /// write checks it with the feed's id, and the next claim of the feed has another.</summary>
    const string ClaimSql = $"""
        WITH busy AS (
            -- Other instances' feeds in flight; this instance's own are capped by its HTTP client, per host.
            SELECT host, count(*) AS claimed FROM feeds
            WHERE claimed_until IS NOT NULL AND claimed_until > @Now AND claimed_by <> @Instance AND NOT claimed_by = ANY(@Dead) GROUP BY host
        ), due AS (
            -- The longest due first, of hosts not at their cap: a few times the batch, so the per-host count stays cheap.
            SELECT f.id, f.host, f.next_poll_at FROM feeds f
            WHERE f.in_use AND f.status = 'active' AND f.next_poll_at <= @Now
              AND (f.claimed_until IS NULL OR f.claimed_until <= @Now OR f.claimed_by = ANY(@Dead))
              AND NOT coalesce(f.host = ANY (ARRAY(SELECT host FROM busy WHERE claimed >= @PerHost)), false)
            ORDER BY f.next_poll_at, f.id
            LIMIT @Batch * 8
        ), candidates AS (
            SELECT d.id, d.next_poll_at, row_number() OVER (PARTITION BY d.host ORDER BY d.next_poll_at, d.id) + coalesce(b.claimed, 0) AS in_flight
            FROM due d LEFT JOIN busy b ON b.host IS NOT DISTINCT FROM d.host
        ), chosen AS (
            SELECT f.id FROM feeds f JOIN candidates c ON c.id = f.id
            -- Checked again on the row as it is when locked, should another claim have changed it meanwhile.
            WHERE c.in_flight <= @PerHost AND f.next_poll_at <= @Now
              AND (f.claimed_until IS NULL OR f.claimed_until <= @Now OR f.claimed_by = ANY(@Dead))
            ORDER BY c.next_poll_at, f.id
            LIMIT @Batch
            FOR UPDATE OF f SKIP LOCKED
        )
        UPDATE feeds SET claim = @Claim, claimed_by = @Instance, claimed_until = @Until
        FROM chosen WHERE feeds.id = chosen.id
        RETURNING feeds.id, {ColumnsAfterId}
        """;

    /// <summary>Claims up to <paramref name="batch"/> due feeds in use (as the last <see cref="SyncAsync"/> marked them) for one poll each by <paramref name="instance"/>, until
    /// <paramref name="until"/>: feeds no other instance holds a live claim on, the longest due first, and no more of
    /// one host than <paramref name="perHost"/> claimed at once beside what other instances hold. Claims of <paramref name="deadHolders"/>
    /// (instances known to be dead) count as lapsed. Claims are made one instance at a time (a transaction-level
    /// advisory lock, taken before the claim's statement reads anything), so the caps hold.</summary>
    public async Task<IReadOnlyList<FeedRow>> ClaimDueAsync(DateTime now, string instance, int batch, DateTime until, int perHost,
        IReadOnlyList<string>? deadHolders = null, CancellationToken cancellationToken = default)
    {
        // One round trip: the batch is one implicit transaction, which holds the lock until it ends. One instance claims
        // at a time, and the claim's own statement then sees every claim made before it. The commit does not wait for
        // the disk: a claim lost in a crash of the server only makes its feeds claimable again. The plan is one for all
        // claims: index scans in claim order, which stop after the few feeds a claim reads (a bitmap or sequential scan
        // would read every due feed, and estimates made when few were due favour them).
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var statements = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new("""
                    SELECT pg_advisory_xact_lock(7310462871), set_config('synchronous_commit', 'off', true), set_config('plan_cache_mode', 'force_generic_plan', true),
                           set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true)
                    """),
                new(ClaimSql)
                {
                    Parameters =
                    {
                        new("Claim", Guid.NewGuid()), new("Now", now), new("Instance", instance), new("Batch", batch),
                        new("Until", until), new("PerHost", perHost), new("Dead", (deadHolders ?? []).ToArray()),
                    },
                },
            },
        };
        await using var reader = await statements.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var parse = reader.GetRowParser<FeedRow>();
        var claimed = new List<FeedRow>();
        while (await reader.ReadAsync(cancellationToken)) claimed.Add(parse(reader));
        return [.. claimed.OrderBy(f => f.NextPollAt).ThenBy(f => f.Id)];
    }

    /// <summary>The instances other than <paramref name="instance"/> that hold live claims.</summary>
    public async Task<IReadOnlyList<string>> ClaimHoldersAsync(string instance, DateTime now, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT DISTINCT claimed_by FROM feeds WHERE claimed_until > @Now AND claimed_by <> @Instance",
            new { Instance = instance, Now = now }, cancellationToken: cancellationToken))];
    }

    /// <summary>Gives up the claims an instance holds (it is stopping): its feeds are due again for the others.</summary>
    public async Task ReleaseClaimsAsync(string instance, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE feeds SET claim = NULL, claimed_by = NULL, claimed_until = NULL WHERE claimed_by = @Instance",
            new { Instance = instance }, cancellationToken: cancellationToken));
    }

    /// <summary>Adds feeds (from an OPML file or <c>feeds add</c>); a URL already known is left as it is, unless it
    /// was removed, when it is polled again. Returns how many were new.</summary>
    public async Task<int> ImportAsync(IReadOnlyList<(string Url, string? Name)> feeds, DateTime now, CancellationToken cancellationToken = default)
    {
        const string sql = """
            INSERT INTO feeds (url, name, next_poll_at, source, in_use)
            SELECT u.url, u.name, @Now, 'imported', true FROM unnest(@Urls, @Names) AS u(url, name)
            ON CONFLICT (url) DO UPDATE SET source = 'imported', in_use = true, name = coalesce(EXCLUDED.name, feeds.name), next_poll_at = @Now
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
            "UPDATE feeds SET source = 'removed', in_use = false WHERE url = @Url AND source = 'imported'", new { Url = url }, cancellationToken: cancellationToken)) == 1;
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
            last_body_at = CASE WHEN p.status_code = 304 THEN feeds.last_body_at ELSE p.now END,
            fetch_url = coalesce(p.moved_to, feeds.fetch_url),
            moved_at = CASE WHEN p.moved_to IS NULL THEN feeds.moved_at ELSE p.now END,
            ttl_minutes = coalesce(p.ttl_minutes, feeds.ttl_minutes),
            claim = NULL, claimed_by = NULL, claimed_until = NULL
        FROM unnest(@FeedIds, @Etags, @LastModifieds, @Nows, @NextPollAts, @StatusCodes, @MovedTos, @TtlMinutes, @Claims)
            AS p(id, etag, last_modified, now, next_poll_at, status_code, moved_to, ttl_minutes, claim)
        WHERE feeds.id = p.id AND feeds.claim IS NOT DISTINCT FROM p.claim
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
            Claims = polls.Select(p => p.Claim).ToArray(),
        });
        return parameters;
    }

    public async Task RecordFailureAsync(long feedId, FeedFailure failure, CancellationToken cancellationToken = default)
    {
        const string sql = """
            UPDATE feeds
            SET last_polled_at = @Now, last_error = @Error, last_error_at = @Now, last_status_code = @StatusCode,
                consecutive_failures = consecutive_failures + 1, next_poll_at = @NextPollAt,
                status = CASE WHEN @Gone THEN 'gone' ELSE status END,
                claim = NULL, claimed_by = NULL, claimed_until = NULL
            WHERE id = @FeedId AND claim IS NOT DISTINCT FROM @Claim
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(sql, new { FeedId = feedId, failure.Error, failure.StatusCode, failure.Gone, failure.Now, failure.NextPollAt, failure.Claim });
    }
}
