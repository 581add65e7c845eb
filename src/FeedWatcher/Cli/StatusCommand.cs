using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Dapper;
using FeedWatcher.Configuration;
using Microsoft.Extensions.Options;
using FeedWatcher.Scheduling;
using FeedWatcher.Storage;
using Npgsql;

namespace FeedWatcher.Cli;

/// <summary><c>feedwatcher status</c>: whether FeedWatcher is doing its job, from any process on any machine that
/// reaches its database. Exits 1 when it is not, so that it can serve as a health check.</summary>
public static class StatusCommand
{
    public static Command Build()
    {
        var json = new Option<bool>("--json") { Description = "One JSON object instead of the report." };
        var command = new Command("status", "Whether FeedWatcher is healthy: the database, the workers and their schedulers, feeds due and failing, "
            + "the digests. Exits 1 when unhealthy (no worker running, database unreachable, a digest that failed in the last day or has waited past Status:DigestWaitLimit or Status:DigestAttemptLimit).") { json };
        command.SetAction(r => AppHost.WithHostAsync(CommandLine.Settings(r), host => RunAsync(host, r.GetValue(json)), dataCommand: true));
        return command;
    }

    sealed record Report(
        bool Healthy,
        IReadOnlyList<string> Problems,
        IReadOnlyList<string> Warnings,
        string Database,
        IReadOnlyDictionary<string, long> Tables,
        IReadOnlyList<object> Workers,
        object? Feeds,
        object? Digests,
        object Web);

    static async Task<int> RunAsync(IHost host, bool json)
    {
        var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
        var problems = new List<string>();
        var warnings = new List<string>();
        var lines = new List<string>();
        string database;
        var tables = new Dictionary<string, long>();
        var workers = new List<object>();
        object? feeds = null, digests = null;
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            var (bytes, rows) = await DatabaseStats.SizeAsync(dataSource);
            database = $"reachable, PostgreSQL {connection.PostgreSqlVersion.ToString(2)}, {Words.Bytes(bytes)}";
            tables = rows.ToDictionary(r => r.Table, r => r.Rows);
            var cleanups = await Table<(DateTime FireTime, string Removed)>(async () => (await connection.QueryAsync<(DateTime, string)>(
                "SELECT fire_time, removed::text FROM retention_runs WHERE finished_at IS NOT NULL ORDER BY fire_time DESC LIMIT 1")).AsList(), []);
            if (cleanups.Count > 0)
                database += $"; last cleanup {When(cleanups[0].FireTime.ToUniversalTime())}: {DbCommands.Removed(cleanups[0].Removed)}";
            lines.Add($"database   {database}");
            if (rows.Any(r => r.Rows > 0))
                lines.Add($"tables     {string.Join(", ", rows.Where(r => r.Rows > 0).Select(r => $"{r.Table} {r.Rows.ToString("N0", CultureInfo.InvariantCulture)}"))} rows (PostgreSQL's estimates; feedwatcher db stats counts)");

            // Workers: alive when heard from lately and their scheduler runs; with their check-in with the cluster and the
            // feeds they hold. One that stopped being heard from without saying it stopped is lost.
            var workerStore = host.Services.GetRequiredService<WorkerStore>();
            var seen = await Table(() => workerStore.SinceAsync(now.AddDays(-1), now), []);
            IReadOnlyDictionary<string, DateTime> checkIns = new Dictionary<string, DateTime>();
            IReadOnlyDictionary<string, long> claims = new Dictionary<string, long>();
            try { (checkIns, claims) = await workerStore.ClusterAsync(now); }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedColumn or PostgresErrorCodes.InvalidSchemaName) { } // not migrated yet
            // Lost: silent too long, or (on this machine) a process that is gone.
            var dead = (await workerStore.DeadAsync([.. seen.Where(w => w.StoppedAt is null).Select(w => w.Instance)], now, Heartbeat.Silence)).ToHashSet(StringComparer.Ordinal);
            var alive = seen.Where(w => w.StoppedAt is null && !dead.Contains(w.Instance)).ToList();
            foreach (var w in alive)
            {
                var checkedIn = checkIns.TryGetValue(w.Instance, out var at) ? $"checked in {Words.Ago(now - at)} ago" : "not checked in with the cluster";
                workers.Add(new
                {
                    instance = w.Instance, version = w.Version, started_at = w.StartedAt, heartbeat_at = w.HeartbeatAt, scheduler = w.Scheduler,
                    checked_in_at = checkIns.TryGetValue(w.Instance, out var c) ? c : (DateTime?)null, feeds_claimed = claims.GetValueOrDefault(w.Instance),
                    last_poll_at = w.LastPollAt, last_poll = w.LastPoll,
                });
                lines.Add($"worker     {w.Instance} (FeedWatcher {w.Version}) up since {When(w.StartedAt)}, scheduler {w.Scheduler}, heard from {Words.Ago(now - w.HeartbeatAt)} ago, {checkedIn}");
                lines.Add($"           last poll: {(w.LastPollAt is { } polled ? $"{When(polled)}, {w.LastPoll}" : "none yet")}; polling {claims.GetValueOrDefault(w.Instance)} feed(s) now");
                if (w.Scheduler != "running")
                {
                    if (now - w.StartedAt < TimeSpan.FromMinutes(1)) warnings.Add($"{w.Instance} is starting: its scheduler is {w.Scheduler}");
                    else problems.Add($"the scheduler of {w.Instance} is {w.Scheduler}");
                }
            }
            foreach (var w in seen.Where(w => w.StoppedAt is null && dead.Contains(w.Instance)))
            {
                lines.Add($"lost       {w.Instance} (FeedWatcher {w.Version}), last heard from at {When(w.HeartbeatAt)}; its feeds and digests were taken over by the others");
                warnings.Add($"{w.Instance} was lost: last heard from at {When(w.HeartbeatAt)}, without saying it stopped");
            }
            if (alive.Count == 0)
            {
                var last = seen.Count > 0 ? seen[0] : null;
                problems.Add(last is null
                    ? "no worker is running (none has reported in the last day): start the service (systemctl start feedwatcher) or `feedwatcher run`"
                    : $"no worker is running: the last, {last.Instance}, {(last.StoppedAt is { } stopped ? $"stopped at {When(stopped)}" : $"was last heard from at {When(last.HeartbeatAt)}")}");
            }

            // Feeds in use (configured, or added): due, failing, gone. Feeds that left the configuration are history.
            var configured = host.Services.GetRequiredService<IOptions<FeedWatcherOptions>>().Value.Feeds.Select(f => f.Url).ToList();
            var (inUse, due, failing, gone) = await host.Services.GetRequiredService<FeedStore>().CountsAsync(configured, now);
            feeds = new { total = inUse, due, failing, gone };
            lines.Add($"feeds      {inUse} in use: {due} due now, {failing} failing, {gone} gone");
            if (failing > 0) warnings.Add($"{failing} feed(s) failing: see `feedwatcher feeds`");

            // Digests: the last sent, those waiting, those failed lately.
            var recent = await Table(() => host.Services.GetRequiredService<DigestStore>().RecentAsync(200), []);
            var lastSent = recent.FirstOrDefault(d => d.State == "sent");
            var waiting = recent.Where(d => d.State is "pending" or "sending").ToList();
            var failed = recent.Where(d => d.State == "failed" && now - d.CreatedAt <= TimeSpan.FromDays(1)).ToList();
            digests = new
            {
                last_sent = lastSent is null ? null : new { name = lastSent.Name, id = lastSent.Id, sent_at = lastSent.SentAt, subject = lastSent.Subject },
                waiting = waiting.Count, failed_last_day = failed.Count,
            };
            lines.Add($"digests    {(lastSent is null ? "none sent yet" : $"last sent: {lastSent.Name} #{lastSent.Id} at {When(lastSent.SentAt ?? lastSent.CreatedAt)}, \"{lastSent.Subject}\"")}; {waiting.Count} waiting");
            // Waiting a little is a warning (the outbox retries); waiting past the limits means nobody gets digests.
            var limits = host.Services.GetRequiredService<IOptions<FeedWatcherOptions>>().Value.Status;
            foreach (var d in waiting)
            {
                var waited = now - d.CreatedAt;
                if (waited > limits.DigestWaitLimit || d.Attempts >= limits.DigestAttemptLimit)
                    problems.Add($"digest {d.Name} #{d.Id} has waited {Words.Ago(waited)} to be delivered ({d.Attempts} attempt(s); limits: "
                        + $"Status:DigestWaitLimit {limits.DigestWaitLimit}, Status:DigestAttemptLimit {limits.DigestAttemptLimit}), next try at {When(d.NextAttemptAt)}: {d.LastError}");
                else if (d.Attempts > 0)
                    warnings.Add($"digest {d.Name} #{d.Id} not sent yet after {d.Attempts} attempt(s), next at {When(d.NextAttemptAt)}: {d.LastError}");
            }
            foreach (var d in failed)
                problems.Add($"digest {d.Name} #{d.Id} of {When(d.CreatedAt)} failed: {d.LastError}");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            database = "unreachable: " + e.Message;
            lines.Add($"database   {database}");
            problems.Add("the database cannot be reached: " + e.Message);
        }

        var web = await WebAsync(host.Services.GetRequiredService<IOptions<FeedWatcherOptions>>().Value.Web, workers.Count > 0, lines, warnings);
        var healthy = problems.Count == 0;
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new Report(healthy, problems, warnings, database, tables, workers, feeds, digests, web), JsonOptions));
        }
        else
        {
            Console.WriteLine(healthy ? "FeedWatcher is healthy" : "FeedWatcher is UNHEALTHY");
            foreach (var line in lines) Console.WriteLine(line);
            foreach (var problem in problems) Console.WriteLine($"problem:   {problem}");
            foreach (var warning in warnings) Console.WriteLine($"warning:   {warning}");
        }
        return healthy ? 0 : 1;
    }

    // The story pages: off, or where they are and whether they answer (asked at /healthz when a worker runs).
    static async Task<object> WebAsync(WebOptions web, bool workerRunning, List<string> lines, List<string> warnings)
    {
        if (!web.Enabled)
        {
            lines.Add("pages      off (FeedWatcher:Web:Enabled)");
            return new { enabled = false };
        }
        var pages = $"{(web.PublicBaseUrl is { Length: > 0 } publicUrl ? publicUrl.TrimEnd('/') : web.Listen.TrimEnd('/'))}/watches";
        string answer;
        if (!workerRunning || new Uri(web.Listen).Port == 0) answer = "not asked";
        else
        {
            try
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
                answer = (await http.GetAsync(new Uri(new Uri(web.Listen.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)), "/healthz"))).IsSuccessStatusCode ? "answering" : "not answering";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                answer = "not answering";
            }
            if (answer != "answering") warnings.Add($"the story pages do not answer at {web.Listen}");
        }
        lines.Add($"pages      {pages}, {answer}{(string.IsNullOrEmpty(web.PasswordHash) ? "" : ", password asked")}");
        return new { enabled = true, url = pages, answer, password = !string.IsNullOrEmpty(web.PasswordHash) };
    }

    static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    // A table a schema older than this binary lacks reads as empty: status never changes the schema.
    static async Task<IReadOnlyList<T>> Table<T>(Func<Task<IReadOnlyList<T>>> read, IReadOnlyList<T> empty)
    {
        try { return await read(); }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable) { return empty; }
    }

    static string When(DateTime utc) => utc.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
