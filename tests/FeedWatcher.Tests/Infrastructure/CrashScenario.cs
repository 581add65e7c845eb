using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace FeedWatcher.Tests.Infrastructure;

/// <summary>What a crash run found: every item the feeds served, what became of it, and every message the mail
/// server received.</summary>
public sealed record CrashReport(
    int Kills, int KillsInDelivery, int ItemsServed, long Hits, long HitsLost, long HitsUndelivered,
    int Messages, int DistinctMessages, int MostCopiesOfOneMessage, int DigestsNotReceived, long DigestsRetried, TimeSpan LongestTakeover, TimeSpan Duration)
{
    /// <summary>Copies received beyond the first of each message.</summary>
    public int Resent => Messages - DistinctMessages;

    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{Kills} kills ({KillsInDelivery} while a digest was in the outbox), {ItemsServed} items served, {Hits} hits, {HitsLost} lost, " +
        $"{HitsUndelivered} undelivered; {Messages} messages received, {DistinctMessages} distinct, {Resent} re-sent (at most {MostCopiesOfOneMessage} copies of one), " +
        $"{DigestsNotReceived} sent digests never received, {DigestsRetried} sent after a failed attempt; longest takeover of a dead worker's digest {LongestTakeover.TotalSeconds:0.0} s; {Duration.TotalSeconds:0} s in all");
}

/// <summary>The real worker, as a child process, killed with SIGKILL at random moments of polling and delivery and
/// started again, against feeds on loopback that gain items at every request, a real SMTP server and a real
/// PostgreSQL; then left to finish. Optionally, in the last run, the mail server is down for a while and
/// PostgreSQL is restarted. The tests run a few kills; bench/crash.sh runs a hundred.</summary>
public sealed class CrashScenario
{
    public required string ConnectionString { get; init; }
    public required string StateDirectory { get; init; }
    public int Kills { get; init; } = 4;
    public int FeedCount { get; init; } = 20;
    public int Seed { get; init; } = 1;

    /// <summary>How long the mail server is down during the last run (none by default).</summary>
    public TimeSpan SmtpOutage { get; init; }

    /// <summary>Called during the last run, while the worker polls and delivers (a PostgreSQL restart, say).</summary>
    public Func<Task>? DuringLastRun { get; init; }

    /// <summary>How long the last run may take to poll every feed and deliver every digest.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(60);

    public Action<string>? Log { get; init; }

    readonly Dictionary<int, List<string>> _served = [];

    public async Task<CrashReport> RunAsync()
    {
        var started = Stopwatch.StartNew();
        var random = new Random(Seed);
        await using var feeds = await FeedServer.StartAsync();
        for (var f = 0; f < FeedCount; f++)
        {
            var feed = f;
            _served[feed] = [];
            feeds.Route($"/desk{feed}.rss", context => ServeAsync(context, feed));
        }
        var received = new List<MimeKit.MimeMessage>();
        var smtp = await SmtpTestServer.StartAsync();
        var settings = Path.Combine(StateDirectory, "crash-settings.json");
        await File.WriteAllTextAsync(settings, Settings(feeds, smtp.Port));
        string[] args = ["run", "--config", settings];

        var killsInDelivery = 0;
        var longestTakeover = TimeSpan.Zero;
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        try
        {
            for (var kill = 0; kill < Kills; kill++)
            {
                await MakeFeedsDueAsync(dataSource);
                var inFlight = await InFlightAsync(dataSource);
                var restarted = Stopwatch.StartNew();
                await using var worker = WorkerProcess.Start(args);
                await worker.LineAsync("Polling ", TimeSpan.FromSeconds(60));
                if (inFlight.Count > 0)
                    longestTakeover = Max(longestTakeover, await TakeoverAsync(dataSource, inFlight, restarted));
                // Half the kills at a random moment of the run (polls, matching, storing, composing), half just after a
                // digest was put in the outbox (claiming, sending, recording).
                var inDelivery = kill % 2 == 1;
                if (inDelivery)
                {
                    var before = CountLines(worker.Output, "added to the outbox");
                    await WaitForAsync(() => CountLines(worker.Output, "added to the outbox") > before, TimeSpan.FromSeconds(30));
                    await Task.Delay(random.Next(0, 150));
                    killsInDelivery++;
                }
                else
                {
                    await Task.Delay(random.Next(0, 2500));
                }
                await worker.SignalAsync("KILL");
                await worker.WaitForExitAsync(TimeSpan.FromSeconds(30));
                Log?.Invoke($"kill {kill + 1}: {(inDelivery ? "in delivery" : "at random")}");
            }

            // The last run: everything due is polled and everything polled is delivered.
            await MakeFeedsDueAsync(dataSource);
            var pending = await InFlightAsync(dataSource);
            var last = Stopwatch.StartNew();
            await using (var worker = WorkerProcess.Start(args))
            {
                await worker.LineAsync("Polling ", TimeSpan.FromSeconds(60));
                if (pending.Count > 0)
                    longestTakeover = Max(longestTakeover, await TakeoverAsync(dataSource, pending, last));
                if (SmtpOutage > TimeSpan.Zero)
                {
                    received.AddRange(smtp.Received);
                    await smtp.DisposeAsync();
                    Log?.Invoke($"mail server down for {SmtpOutage}");
                    // New items during the outage, so that digests are made and wait for the mail server.
                    await Task.Delay(SmtpOutage / 4);
                    await MakeFeedsDueAsync(dataSource);
                    await Task.Delay(SmtpOutage - SmtpOutage / 4);
                    smtp = await SmtpTestServer.StartAsync(smtp.Port);
                }
                if (DuringLastRun is not null)
                    await DuringLastRun();
                await WaitForAsync(() => SettledAsync(dataSource, last.Elapsed), Settle);
                await worker.SignalAsync("TERM");
                await worker.WaitForExitAsync(TimeSpan.FromSeconds(30));
            }
        }
        finally
        {
            received.AddRange(smtp.Received);
            await smtp.DisposeAsync();
        }
        return await ReportAsync(dataSource, received, killsInDelivery, longestTakeover, started.Elapsed);
    }

    // Each request adds two items, on the story, to the feed; the feed lists every item it ever had.
    async Task ServeAsync(Microsoft.AspNetCore.Http.HttpContext context, int feed)
    {
        string body;
        lock (_served)
        {
            var items = _served[feed];
            for (var i = 0; i < 2; i++) items.Add($"d{feed}-{items.Count}");
            var now = DateTime.UtcNow.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            body = Feeds.Rss($"Desk {feed}", [.. items.Select(id => new Feeds.Item(id,
                $"Afghanistan: {Words[(id.GetHashCode(StringComparison.Ordinal) & 0x7fffffff) % Words.Length]} report {id}", $"Item {id} from desk {feed}.", now))]);
        }
        context.Response.ContentType = "application/rss+xml";
        await Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(context.Response, body);
    }

    static readonly string[] Keywords = ["Afghanistan"], Recipients = ["editor@example.org"];

    static readonly string[] Words = ["envoys", "border", "elections", "refugees", "budget", "trade", "drought", "schools", "aid", "security"];

    string Settings(FeedServer feeds, int smtpPort) => JsonSerializer.Serialize(new
    {
        FeedWatcher = new
        {
            StateDirectory,
            Database = new { ConnectionString },
            Polling = new { CheckInterval = "00:00:01", AllowPrivateNetworks = new[] { TestHost.AllowedNetwork } },
            // A killed instance's scheduled work is taken over by the next within seconds.
            Scheduler = new { CheckinInterval = "00:00:01", FailureThreshold = "00:00:03" },
            Feeds = Enumerable.Range(0, FeedCount).Select(f => new { Url = feeds.Url($"/desk{f}.rss"), Name = $"Desk {f}" }),
            Watches = new[] { new { Name = "Afghanistan", Keywords = Keywords } },
            Smtp = new { Host = "127.0.0.1", Port = smtpPort, Security = "None", Timeout = "00:00:05" },
            Digests = new[] { new { Name = "Fast", Schedule = "0/2 * * * * ?", TimeZone = "Etc/UTC", To = Recipients, MaxItems = 1000 } },
        },
    });

    // Feeds polled by an earlier run wait for their interval; the next run finds them due, as if the time had passed.
    static async Task MakeFeedsDueAsync(NpgsqlDataSource dataSource)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await connection.ExecuteAsync("UPDATE feeds SET next_poll_at = now()");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable) { } // before the first run
    }

    // The digests a killed worker may have left claimed or unsent.
    static async Task<List<long>> InFlightAsync(NpgsqlDataSource dataSource)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            return [.. await connection.QueryAsync<long>("SELECT id FROM digests WHERE state IN ('pending', 'sending')")];
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable) { return []; }
    }

    // From a restart to the moment none of the digests left in flight is still waiting.
    static async Task<TimeSpan> TakeoverAsync(NpgsqlDataSource dataSource, List<long> ids, Stopwatch sinceRestart)
    {
        await WaitForAsync(async () =>
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM digests WHERE id = ANY(@Ids) AND state IN ('pending', 'sending')", new { Ids = ids.ToArray() }) == 0;
        }, TimeSpan.FromSeconds(60));
        return sinceRestart.Elapsed;
    }

    static async Task<bool> SettledAsync(NpgsqlDataSource dataSource, TimeSpan sinceLastStart)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            var (unpolled, undelivered, waiting) = await connection.QuerySingleAsync<(long, long, long)>("""
                SELECT (SELECT count(*) FROM feeds WHERE last_success_at IS NULL OR next_poll_at < now()),
                       (SELECT count(*) FROM hits h WHERE NOT EXISTS (SELECT 1 FROM digest_hits d WHERE d.hit_id = h.id)),
                       (SELECT count(*) FROM digests WHERE state IN ('pending', 'sending'))
                """);
            return unpolled == 0 && undelivered == 0 && waiting == 0 && sinceLastStart > TimeSpan.FromSeconds(3);
        }
        catch (NpgsqlException) { return false; } // PostgreSQL restarting
    }

    async Task<CrashReport> ReportAsync(NpgsqlDataSource dataSource, List<MimeKit.MimeMessage> received, int killsInDelivery, TimeSpan longestTakeover, TimeSpan duration)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var served = _served.Values.SelectMany(ids => ids).Select(id => "id:" + id).ToHashSet(StringComparer.Ordinal);
        var hitKeys = (await connection.QueryAsync<string>("SELECT i.item_key FROM hits h JOIN items i ON i.id = h.item_id")).ToHashSet(StringComparer.Ordinal);
        var undelivered = await connection.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM hits h
            WHERE NOT EXISTS (SELECT 1 FROM digest_hits dh JOIN digests d ON d.id = dh.digest_id WHERE dh.hit_id = h.id AND d.state = 'sent')
            """);
        var sent = (await connection.QueryAsync<string>("SELECT message_id FROM digests WHERE state = 'sent'")).ToList();
        var retried = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM digests WHERE state = 'sent' AND attempts > 1");
        var ids = received.Select(m => m.MessageId).ToList();
        var copies = ids.GroupBy(id => id, StringComparer.Ordinal).Select(g => g.Count()).DefaultIfEmpty(0).Max();
        return new CrashReport(Kills, killsInDelivery, served.Count, hitKeys.Count, served.Count(key => !hitKeys.Contains(key)), undelivered,
            ids.Count, ids.Distinct(StringComparer.Ordinal).Count(), copies, sent.Count(id => !ids.Contains(id)), retried, longestTakeover, duration);
    }

    static int CountLines(string output, string text) => output.Split('\n').Count(l => l.Contains(text, StringComparison.Ordinal));

    static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    static Task WaitForAsync(Func<bool> condition, TimeSpan timeout) => WaitForAsync(() => Task.FromResult(condition()), timeout);

    static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            if (waited.Elapsed > timeout) throw new TimeoutException($"not reached in {timeout}");
            await Task.Delay(100);
        }
    }
}
