using Dapper;
using FeedWatcher.Digests;
using Npgsql;

namespace FeedWatcher.Storage;

/// <summary>A digest in the outbox, as a worker that leased it sends it.</summary>
public sealed class OutboxDigest
{
    public long Id { get; init; }
    public string Name { get; init; } = "";
    public string MessageId { get; init; } = "";
    public string Subject { get; init; } = "";
    public byte[] Message { get; init; } = [];
    public int Stories { get; init; }
    public string State { get; init; } = "";
    public int Attempts { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime NextAttemptAt { get; init; }
    public DateTime? SentAt { get; init; }
    public string? LastError { get; init; }
}

/// <summary>The <c>digests</c> and <c>digest_hits</c> tables: the outbox. A digest is created with the hits it
/// claims in one transaction; a worker leases a due digest (row lock, SKIP LOCKED, a lease that expires if the
/// worker dies), sends it, then records the outcome.</summary>
public sealed class DigestStore(NpgsqlDataSource dataSource)
{
    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => dataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>Serializes the creation of digests of one name across instances, until the transaction ends.</summary>
    public static Task LockNameAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string name) =>
        connection.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended('feedwatcher.digest:' || @Name, 0))", new { Name = name }, transaction);

    public static Task<long?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string name, string period) =>
        connection.QuerySingleOrDefaultAsync<long?>("SELECT id FROM digests WHERE name = @Name AND period = @Period", new { Name = name, Period = period }, transaction);

    /// <summary>When the last digest of this name was made; null before the first.</summary>
    public static Task<DateTime?> LastCreatedAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string name) =>
        connection.QuerySingleAsync<DateTime?>("SELECT max(created_at) FROM digests WHERE name = @Name", new { Name = name }, transaction);

    /// <summary>Digests of this name that failed and that no later digest has told the reader about yet.</summary>
    public static async Task<IReadOnlyList<UndeliveredDigest>> UnreportedFailuresAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string name) =>
        (await connection.QueryAsync<UndeliveredDigest>("""
            SELECT id, subject, created_at AS createdat, stories, last_error AS lasterror FROM digests
            WHERE name = @Name AND state = 'failed' AND reported_in IS NULL ORDER BY id
            """, new { Name = name }, transaction)).AsList();

    /// <summary>Adds a digest to the outbox, claims its hits and marks the failures it reports; returns its id.</summary>
    public static async Task<long> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string name, string period, string messageId,
        string subject, IReadOnlyList<string> recipients, byte[] message, int stories, IReadOnlyList<long> hitIds, IReadOnlyList<long> reports, DateTime now)
    {
        const string sql = """
            WITH digest AS (
                INSERT INTO digests (name, period, message_id, subject, recipients, message, stories, next_attempt_at, created_at)
                VALUES (@Name, @Period, @MessageId, @Subject, @Recipients, @Message, @Stories, @Now, @Now)
                RETURNING id
            ), claims AS (
                INSERT INTO digest_hits (digest_name, hit_id, digest_id)
                SELECT @Name, h, digest.id FROM digest, unnest(@HitIds) AS h
                RETURNING 1
            ), reported AS (
                UPDATE digests SET reported_in = (SELECT id FROM digest) WHERE id = ANY(@Reports)
                RETURNING 1
            )
            SELECT id FROM digest, (SELECT count(*) FROM claims) c, (SELECT count(*) FROM reported) r
            """;
        return await connection.QuerySingleAsync<long>(sql, new
        {
            Name = name, Period = period, MessageId = messageId, Subject = subject, Recipients = recipients.ToArray(), Message = message,
            Stories = stories, HitIds = hitIds.ToArray(), Reports = reports.ToArray(), Now = now,
        }, transaction);
    }

    /// <summary>Leases the next digest due (pending and due, or being sent by a worker whose lease ran out):
    /// attempts goes up by one and the row is this worker's until <paramref name="leaseUntil"/>. Null when
    /// nothing is due. Another worker's lease is skipped, never waited for.</summary>
    public async Task<OutboxDigest?> LeaseNextAsync(DateTime now, DateTime leaseUntil, IReadOnlyList<string>? deadHolders = null, CancellationToken cancellationToken = default)
    {
        const string sql = """
            UPDATE digests SET state = 'sending', attempts = attempts + 1, lease_until = @LeaseUntil, leased_by = @Instance
            WHERE id = (
                SELECT id FROM digests
                WHERE (state = 'pending' AND next_attempt_at <= @Now)
                   OR (state = 'sending' AND (lease_until <= @Now OR leased_by = ANY(@Dead)))
                ORDER BY next_attempt_at, id
                LIMIT 1
                FOR UPDATE SKIP LOCKED)
            RETURNING id, name, message_id, subject, message, stories, state, attempts, created_at, next_attempt_at, last_error
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<OutboxDigest>(new CommandDefinition(sql,
            new { Now = now, LeaseUntil = leaseUntil, Instance = WorkerStore.Instance, Dead = (deadHolders ?? []).ToArray() }, cancellationToken: cancellationToken));
    }

    /// <summary>The workers (host:pid) holding leases that have not run out at <paramref name="now"/>.</summary>
    public async Task<IReadOnlyList<string>> LeaseHoldersAsync(DateTime now, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT DISTINCT leased_by FROM digests WHERE state = 'sending' AND lease_until > @Now AND leased_by IS NOT NULL",
            new { Now = now }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Records the outcome of the attempt that leased the digest (matched by its attempt number, so a
    /// worker whose lease ran out and was taken over changes nothing). State: sent, pending (retry at
    /// <paramref name="nextAttemptAt"/>) or failed.</summary>
    public async Task<bool> RecordAsync(long id, int attempt, string state, DateTime now, string? error, DateTime? nextAttemptAt = null, CancellationToken cancellationToken = default)
    {
        const string sql = """
            UPDATE digests
            SET state = @State, lease_until = NULL, last_error = @Error,
                sent_at = CASE WHEN @State = 'sent' THEN @Now ELSE sent_at END,
                next_attempt_at = coalesce(@NextAttemptAt, next_attempt_at)
            WHERE id = @Id AND attempts = @Attempt AND state = 'sending'
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(sql, new { Id = id, Attempt = attempt, State = state, Now = now, Error = error, NextAttemptAt = nextAttemptAt }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>How many digests wait to be delivered (pending or being sent).</summary>
    public async Task<int> WaitingCountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<int>(new CommandDefinition(
            "SELECT count(*)::int FROM digests WHERE state IN ('pending', 'sending')", cancellationToken: cancellationToken));
    }

    /// <summary>The most recent digests, newest first.</summary>
    public async Task<IReadOnlyList<OutboxDigest>> RecentAsync(int limit, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT id, name, message_id, subject, ''::bytea AS message, stories, state, attempts, created_at, next_attempt_at, sent_at, last_error
            FROM digests ORDER BY id DESC LIMIT @Limit
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<OutboxDigest>(new CommandDefinition(sql, new { Limit = limit }, cancellationToken: cancellationToken))).AsList();
    }
}
