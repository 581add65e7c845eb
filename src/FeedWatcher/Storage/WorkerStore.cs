using Dapper;
using Npgsql;

namespace FeedWatcher.Storage;

/// <summary>A worker as it last reported itself.</summary>
public sealed class WorkerRow
{
    public string Instance { get; init; } = "";
    public string Host { get; init; } = "";
    public int Pid { get; init; }
    public string Version { get; init; } = "";
    public DateTime StartedAt { get; init; }
    public DateTime HeartbeatAt { get; init; }
    public string Scheduler { get; init; } = "";
    public DateTime? LastPollAt { get; init; }
    public string? LastPoll { get; init; }
    public DateTime? StoppedAt { get; init; }
}

/// <summary>The <c>workers</c> table: each running worker's heartbeat.</summary>
public sealed class WorkerStore(NpgsqlDataSource dataSource)
{
    /// <summary>This process, as workers are named: host:pid.</summary>
    public static string Instance { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    public async Task BeatAsync(string version, DateTime startedAt, string scheduler, DateTime now, CancellationToken cancellationToken = default)
    {
        const string sql = """
            INSERT INTO workers (instance, host, pid, version, started_at, heartbeat_at, scheduler)
            VALUES (@Instance, @Host, @Pid, @Version, @StartedAt, @Now, @Scheduler)
            ON CONFLICT (instance) DO UPDATE SET heartbeat_at = @Now, scheduler = @Scheduler, stopped_at = NULL, version = @Version
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(sql, new
        {
            Instance, Host = Environment.MachineName, Pid = Environment.ProcessId, Version = version, StartedAt = startedAt, Now = now, Scheduler = scheduler,
        }, cancellationToken: cancellationToken));
    }

    public async Task RecordPollAsync(string summary, DateTime now, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE workers SET last_poll_at = @Now, last_poll = @Summary WHERE instance = @Instance",
            new { Instance, Summary = summary, Now = now }, cancellationToken: cancellationToken));
    }

    public async Task StoppedAsync(DateTime now, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE workers SET stopped_at = @Now, scheduler = 'stopped', heartbeat_at = @Now WHERE instance = @Instance",
            new { Instance, Now = now }, cancellationToken: cancellationToken));
    }

    /// <summary>Which of <paramref name="instances"/> are known to be dead: on this machine, a process that is gone;
    /// anywhere, a worker that recorded its stop or has been silent for <paramref name="silence"/>. A worker of another
    /// machine that never reported (a command such as <c>digest send</c>) is not known to be dead.</summary>
    public async Task<IReadOnlyList<string>> DeadAsync(IReadOnlyList<string> instances, DateTime now, TimeSpan silence, CancellationToken cancellationToken = default)
    {
        if (instances.Count == 0) return [];
        var dead = instances.Where(i => i != Instance && IsGoneFromThisMachine(i)).ToList();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        dead.AddRange(await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT instance FROM workers WHERE instance = ANY(@Instances) AND instance <> @Instance AND (stopped_at IS NOT NULL OR heartbeat_at < @Silent)",
            new { Instances = instances.ToArray(), Instance, Silent = now - silence }, cancellationToken: cancellationToken)));
        return [.. dead.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Each instance's last check-in with Quartz's cluster (UTC), and how many feeds each holds claims on now.</summary>
    public async Task<(IReadOnlyDictionary<string, DateTime> CheckIns, IReadOnlyDictionary<string, long> Claims)> ClusterAsync(DateTime now, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var checkIns = await connection.QueryAsync<(string Instance, long Ticks)>(new CommandDefinition(
            "SELECT instance_name, last_checkin_time FROM quartz.qrtz_scheduler_state", cancellationToken: cancellationToken));
        var claims = await connection.QueryAsync<(string Instance, long Feeds)>(new CommandDefinition(
            "SELECT claimed_by, count(*) FROM feeds WHERE claimed_until > @Now GROUP BY claimed_by", new { Now = now }, cancellationToken: cancellationToken));
        // Quartz keeps check-in times as .NET ticks or as Unix milliseconds, depending on its version: either reads back.
        static DateTime When(long value) => value > 100_000_000_000_000 ? new DateTime(value, DateTimeKind.Utc) : DateTime.UnixEpoch.AddMilliseconds(value);
        return (checkIns.ToDictionary(c => c.Instance, c => When(c.Ticks)), claims.ToDictionary(c => c.Instance, c => c.Feeds));
    }

    // host:pid of this machine whose process no longer runs.
    internal static bool IsGoneFromThisMachine(string instance)
    {
        var colon = instance.LastIndexOf(':');
        if (colon < 0 || instance[..colon] != Environment.MachineName || !int.TryParse(instance[(colon + 1)..], out var pid)) return false;
        if (OperatingSystem.IsLinux())
        {
            // Signal 0 asks whether the process exists without touching it: "no such process" only when it is gone. A
            // process of another user that /proc does not show (ProtectProc=invisible) answers "not permitted": alive.
            return Kill(pid, 0) != 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == NoSuchProcess;
        }
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException) { return true; } // no such process
    }

    const int NoSuchProcess = 3; // ESRCH

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int Kill(int pid, int signal);

    /// <summary>Workers heard from since <paramref name="since"/>, the most recent first; forgets those silent
    /// for a week.</summary>
    public async Task<IReadOnlyList<WorkerRow>> SinceAsync(DateTime since, DateTime now, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM workers WHERE heartbeat_at < @Old", new { Old = now.AddDays(-7) }, cancellationToken: cancellationToken));
        return (await connection.QueryAsync<WorkerRow>(new CommandDefinition(
            "SELECT * FROM workers WHERE heartbeat_at >= @Since ORDER BY heartbeat_at DESC", new { Since = since }, cancellationToken: cancellationToken))).AsList();
    }
}
