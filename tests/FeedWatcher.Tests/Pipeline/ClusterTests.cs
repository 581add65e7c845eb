using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Dapper;
using FeedWatcher.Tests.Infrastructure;
using Npgsql;

namespace FeedWatcher.Tests.Pipeline;

/// <summary>Three real worker processes on one PostgreSQL, polling loopback feeds that answer slowly: each due feed is
/// fetched by one of them, a killed one's feeds are polled by the others, and each digest is sent once.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ClusterTests(PostgresFixture postgres)
{
    const int FeedCount = 24;
    static readonly string[] Keywords = ["Afghanistan"], Recipients = ["editor@example.org"];
    static readonly TimeSpan Slow = TimeSpan.FromMilliseconds(800);

    readonly ConcurrentDictionary<int, int> _fetches = new();
    readonly Dictionary<int, List<string>> _served = [];

    [Fact]
    public async Task Three_workers_fetch_each_due_feed_once_take_over_a_killed_one_and_send_each_digest_once()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var state = TestHost.TemporaryDirectory();
        await using var feeds = await FeedServer.StartAsync();
        for (var f = 0; f < FeedCount; f++)
        {
            var feed = f;
            _served[feed] = [];
            feeds.Route($"/desk{feed}.rss", context => ServeAsync(context, feed));
        }
        await using var smtp = await SmtpTestServer.StartAsync();
        var settings = Path.Combine(state, "cluster.json");
        await File.WriteAllTextAsync(settings, Settings(connectionString, state, feeds, smtp.Port));
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var workers = new List<WorkerProcess>();
        try
        {
            for (var w = 0; w < 3; w++) workers.Add(WorkerProcess.Start(["run", "--config", settings]));
            foreach (var worker in workers) await worker.LineAsync("Polling ", TimeSpan.FromSeconds(60));
            await SettledAsync(dataSource, TimeSpan.FromSeconds(60)); // the first polls

            // Two intervals: every due feed fetched exactly once, by the three together.
            for (var round = 0; round < 2; round++)
            {
                _fetches.Clear();
                await MakeDueAsync(dataSource);
                await SettledAsync(dataSource, TimeSpan.FromSeconds(60));
                Assert.All(Enumerable.Range(0, FeedCount), f => Assert.Equal(1, _fetches.GetValueOrDefault(f)));
            }
            Assert.True(workers.Count(w => PolledSomething(w.Output)) >= 2, "the feeds were shared: " + string.Join(" | ", workers.Select(w => PolledSomething(w.Output))));

            // kill -9 one worker in the middle of a cycle: its claimed feeds are polled by the others; none is skipped.
            _fetches.Clear();
            await MakeDueAsync(dataSource);
            await Task.Delay(Slow * 1.5);
            await workers[0].SignalAsync("KILL");
            await workers[0].WaitForExitAsync(TimeSpan.FromSeconds(30));
            var killed = Stopwatch.StartNew();
            await SettledAsync(dataSource, TimeSpan.FromSeconds(90));
            Assert.True(killed.Elapsed < TimeSpan.FromSeconds(90));
            Assert.All(Enumerable.Range(0, FeedCount), f => Assert.InRange(_fetches.GetValueOrDefault(f), 1, 2)); // twice: fetched, not stored
            var (exit, status, _) = await CliRunner.RunAsync(["status", "--config", settings]);
            Assert.Equal(0, exit);
            Assert.Contains("lost       ", status, StringComparison.Ordinal);
            Assert.Equal(2, status.Split('\n').Count(l => l.StartsWith("worker     ", StringComparison.Ordinal)));

            // The two left go on: once each again.
            _fetches.Clear();
            await MakeDueAsync(dataSource);
            await SettledAsync(dataSource, TimeSpan.FromSeconds(60));
            Assert.All(Enumerable.Range(0, FeedCount), f => Assert.Equal(1, _fetches.GetValueOrDefault(f)));

            // A digest added and one removed in the settings take effect without a restart.
            await File.WriteAllTextAsync(settings, Settings(connectionString, state, feeds, smtp.Port, digest: "Second"));
            await using var connection = await dataSource.OpenConnectionAsync();
            await MakeDueAsync(dataSource);
            await WaitAsync(async () => await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM digests WHERE name = 'Second'") > 0, TimeSpan.FromSeconds(30));
            Assert.Equal(["Second"], await connection.QueryAsync<string>("SELECT job_name FROM quartz.qrtz_triggers WHERE trigger_group = 'digests'"));

            // Every digest made once and sent once (the one in flight at the kill may be sent again).
            await WaitAsync(async () => await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM digests WHERE state <> 'sent'") == 0, TimeSpan.FromSeconds(30));
            var made = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM digests");
            Assert.True(made >= 2, $"{made} digests");
            Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM (SELECT 1 FROM digests GROUP BY name, period HAVING count(*) > 1) twice"));
            var received = smtp.Received.Select(m => m.MessageId).ToList();
            Assert.Equal(made, received.Distinct().Count());
            Assert.InRange(received.Count - received.Distinct().Count(), 0, 1);

            // The cleanup, every two seconds, ran once each time, on one instance or another.
            var cleanups = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM retention_runs WHERE finished_at IS NOT NULL");
            Assert.True(cleanups >= 5, $"{cleanups} cleanups");
            var logged = workers.Sum(w => w.Output.Split('\n').Count(l => l.Contains("Cleanup: ", StringComparison.Ordinal)));
            Assert.InRange(logged, cleanups - 1, cleanups + 1); // one may finish between the two counts
        }
        finally
        {
            foreach (var worker in workers)
            {
                try { await worker.SignalAsync("TERM"); await worker.WaitForExitAsync(TimeSpan.FromSeconds(30)); } catch (InvalidOperationException) { }
                await worker.DisposeAsync();
            }
            Directory.Delete(state, recursive: true);
        }
    }

    static bool PolledSomething(string output) =>
        output.Split('\n').Any(l => l.Contains("Polled ", StringComparison.Ordinal) && !l.Contains("Polled 0 feeds", StringComparison.Ordinal));

    // Every feed due now.
    static async Task MakeDueAsync(NpgsqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("UPDATE feeds SET next_poll_at = now()");
    }

    // Until every feed is polled and stored: none due, none claimed.
    static Task SettledAsync(NpgsqlDataSource dataSource, TimeSpan timeout) => WaitAsync(async () =>
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        try
        {
            return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM feeds WHERE primed") == FeedCount
                && await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM feeds WHERE next_poll_at <= now() OR claimed_until IS NOT NULL") == 0;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return false; // not migrated yet
        }
    }, timeout);

    static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            if (waited.Elapsed > timeout) throw new TimeoutException($"not reached in {timeout}");
            await Task.Delay(200);
        }
    }

    // Slow to answer; each request adds two items on the story.
    async Task ServeAsync(Microsoft.AspNetCore.Http.HttpContext context, int feed)
    {
        _fetches.AddOrUpdate(feed, 1, (_, n) => n + 1);
        await Task.Delay(Slow);
        string body;
        lock (_served)
        {
            var items = _served[feed];
            for (var i = 0; i < 2; i++) items.Add($"d{feed}-{items.Count}");
            var now = DateTime.UtcNow.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            body = Infrastructure.Feeds.Rss($"Desk {feed}", [.. items.Select(id => new Infrastructure.Feeds.Item(id, $"Afghanistan: report {id}", $"Item {id} from desk {feed}.", now))]);
        }
        context.Response.ContentType = "application/rss+xml";
        await Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(context.Response, body);
    }

    static string Settings(string connectionString, string state, FeedServer feeds, int smtpPort, string digest = "Fast") => JsonSerializer.Serialize(new
    {
        FeedWatcher = new
        {
            StateDirectory = state,
            Database = new { ConnectionString = connectionString },
            Polling = new { CheckInterval = "00:00:01", MaxConcurrency = 3, MaxPerHost = 9, AllowPrivateNetworks = new[] { TestHost.AllowedNetwork } },
            Scheduler = new { CheckinInterval = "00:00:01", FailureThreshold = "00:00:03" },
            Retention = new { Schedule = "0/2 * * * * ?" },
            Feeds = Enumerable.Range(0, FeedCount).Select(f => new { Url = feeds.Url($"/desk{f}.rss"), Name = $"Desk {f}" }),
            Watches = new[] { new { Name = "Afghanistan", Keywords = Keywords } },
            Smtp = new { Host = "127.0.0.1", Port = smtpPort, Security = "None", Timeout = "00:00:05" },
            Digests = new[] { new { Name = digest, Schedule = "0/3 * * * * ?", TimeZone = "Etc/UTC", To = Recipients, MaxItems = 1000 } },
        },
    });
}
