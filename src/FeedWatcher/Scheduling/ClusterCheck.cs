using System.Text.RegularExpressions;
using Dapper;
using FeedWatcher.Configuration;
using FeedWatcher.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FeedWatcher.Scheduling;

/// <summary>Refuses to start a worker into a cluster it would work against: the scheduler's tables missing or not
/// those of the Quartz.NET it runs, a clock that disagrees with the database's, another live instance under this
/// one's id, or one running another Quartz.NET on the same tables. Runs after the migrations, before the scheduler;
/// each refusal is an <see cref="InvalidOperationException"/> that says what is wrong and what to do.</summary>
public sealed partial class ClusterCheck(NpgsqlDataSource dataSource, IOptions<FeedWatcherOptions> options, TimeProvider clock, ILogger<ClusterCheck> logger) : IHostedService
{
    /// <summary>The Quartz.NET this FeedWatcher runs, as its scheduler records it.</summary>
    public static string QuartzVersion { get; } = typeof(Quartz.IScheduler).Assembly.GetName().Version!.ToString(3);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        SchedulerTables(await connection.QueryAsync<(string Table, string Column)>(new CommandDefinition(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'quartz'", cancellationToken: cancellationToken)));
        var scheduler = options.Value.Scheduler;
        var skew = TimeSpan.FromSeconds(Math.Round((await ClockSkewAsync(connection, cancellationToken)).TotalSeconds));
        if (skew.Duration() > MaxSkew(scheduler))
            throw new InvalidOperationException(
                $"this machine's clock is {Cli.Words.Ago(skew.Duration())} {(skew > TimeSpan.Zero ? "ahead of" : "behind")} the database's: instances on one database " +
                $"tell the living from the dead by the time, so their clocks must agree within {Cli.Words.Ago(MaxSkew(scheduler))} (half of Scheduler:FailureThreshold). " +
                "Keep the clocks of this machine and the database's in step (systemd-timesyncd or chrony), then start again");
        await OthersAsync(connection, scheduler, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>How far this machine's clock may be from the database's.</summary>
    public static TimeSpan MaxSkew(SchedulerOptions scheduler) => scheduler.FailureThreshold / 2;

    // The tables migration 0011 made from Quartz.NET's own script, column for column; named when they differ.
    static void SchedulerTables(IEnumerable<(string Table, string Column)> found)
    {
        var expected = ExpectedColumns();
        var present = found.ToLookup(c => c.Table, c => c.Column, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (table, columns) in expected)
        {
            if (!present.Contains(table)) { problems.Add($"quartz.{table} is missing"); continue; }
            var missing = columns.Except(present[table], StringComparer.Ordinal).ToList();
            var unknown = present[table].Except(columns, StringComparer.Ordinal).ToList();
            if (missing.Count > 0) problems.Add($"quartz.{table} lacks {string.Join(", ", missing)}");
            if (unknown.Count > 0) problems.Add($"quartz.{table} has {string.Join(", ", unknown)}, which Quartz.NET {QuartzVersion} does not know");
        }
        if (problems.Count > 0)
            throw new InvalidOperationException(
                $"the scheduler's tables are not those of Quartz.NET {QuartzVersion}, which this FeedWatcher runs: {string.Join("; ", problems)}. " +
                "FeedWatcher's migration 0011_cluster makes them: restore the database from a backup taken with them, and run the same " +
                "FeedWatcher version on every instance of one database");
    }

    static Dictionary<string, string[]> ExpectedColumns() => CreateTable().Matches(Migrator.Script("0011_cluster")).ToDictionary(
        m => m.Groups["table"].Value,
        m => m.Groups["body"].Value.Split('\n')
            .Select(line => ColumnName().Match(line))
            .Where(c => c.Success && c.Groups[1].Value is not ("primary" or "foreign" or "constraint" or "unique"))
            .Select(c => c.Groups[1].Value)
            .ToArray(),
        StringComparer.Ordinal);

    [GeneratedRegex(@"CREATE TABLE IF NOT EXISTS quartz\.(?<table>\w+) \((?<body>.*?)\n\);", RegexOptions.Singleline)]
    private static partial Regex CreateTable();

    [GeneratedRegex(@"^\s+(\w+)\s")]
    private static partial Regex ColumnName();

    // This clock less the database's, the time of the round trip allowed for.
    async Task<TimeSpan> ClockSkewAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var sent = clock.GetUtcNow();
        var database = await connection.ExecuteScalarAsync<DateTime>(new CommandDefinition("SELECT clock_timestamp()", cancellationToken: cancellationToken));
        var received = clock.GetUtcNow();
        return sent + (received - sent) / 2 - new DateTimeOffset(database.ToUniversalTime(), TimeSpan.Zero);
    }

    // Another live instance under this one's id (machines or containers sharing a host name, processes their pid), or
    // one running another Quartz.NET. An instance that recorded its stop is not alive; one that did not (killed, say)
    // is alive while its check-ins go on: when the last is recent, one more check-in interval tells.
    async Task OthersAsync(NpgsqlConnection connection, SchedulerOptions scheduler, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT s.instance_name, s.last_checkin_time, s.quartz_version, w.stopped_at IS NOT NULL
            FROM quartz.qrtz_scheduler_state s LEFT JOIN workers w ON w.instance = s.instance_name
            """;
        var now = clock.GetUtcNow().UtcDateTime;
        var recent = (await connection.QueryAsync<(string Instance, long Ticks, string? Version, bool Stopped)>(new CommandDefinition(sql, cancellationToken: cancellationToken)))
            .Select(c => new CheckIn(c.Instance, c.Ticks, c.Version, c.Stopped))
            .Where(c => !c.Stopped && now - c.When < scheduler.FailureThreshold)
            .ToList();
        if (recent.FirstOrDefault(c => c.Version is { } version && version != QuartzVersion && c.Instance != WorkerStore.Instance) is { } other)
            throw new InvalidOperationException(
                $"instance {other.Instance} (checked in {Cli.Words.Ago(now - other.When)} ago) runs Quartz.NET {other.Version} on this database, and this one {QuartzVersion}: " +
                "the scheduler's tables serve one version. Stop the other instances, upgrade them all, then start them again");
        if (recent.FirstOrDefault(c => c.Instance == WorkerStore.Instance) is not { } same)
            return;
        logger.LogInformation("Instance {Instance} checked in {Ago} ago and recorded no stop: waiting one check-in to see whether it is alive",
            same.Instance, Cli.Words.Ago(now - same.When));
        await Task.Delay(scheduler.CheckinInterval + TimeSpan.FromSeconds(1), cancellationToken); // the other instance's real check-ins
        var later = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT last_checkin_time FROM quartz.qrtz_scheduler_state WHERE instance_name = @Instance", new { same.Instance }, cancellationToken: cancellationToken));
        if (later is { } ticks && ticks != same.Ticks)
            throw new InvalidOperationException(
                $"another live instance is checked in as {same.Instance}, this one's id (host:pid): two instances under one id would take each other's " +
                "work for their own. Give each machine or container its own host name");
    }

    sealed record CheckIn(string Instance, long Ticks, string? Version, bool Stopped)
    {
        // Quartz keeps check-in times as .NET ticks, in UTC.
        public DateTime When => new(Ticks, DateTimeKind.Utc);
    }
}
