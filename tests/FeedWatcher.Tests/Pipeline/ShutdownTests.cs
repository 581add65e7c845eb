using System.Diagnostics;
using Dapper;
using FeedWatcher.Tests.Infrastructure;
using Npgsql;
using static FeedWatcher.Tests.Infrastructure.Feeds;

namespace FeedWatcher.Tests.Pipeline;

/// <summary>The worker process stopped with SIGTERM in the middle of a poll: it stops within the stop timeout,
/// exits 0, and leaves every feed either polled whole or not at all.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ShutdownTests(PostgresFixture postgres) : IAsyncLifetime
{
    FeedServer _server = null!;
    readonly string _state = TestHost.TemporaryDirectory();

    public async Task InitializeAsync() => _server = await FeedServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_state, recursive: true);
    }

    [Fact]
    public async Task Sigterm_during_a_poll_stops_cleanly_without_half_written_state()
    {
        _server.Feed("/fast.rss", Rss("Fast", FollowUp, Unrelated));
        var slowStarted = new TaskCompletionSource();
        _server.Route("/slow.rss", async context =>
        {
            slowStarted.TrySetResult();
            await Task.Delay(TimeSpan.FromMinutes(2), context.RequestAborted); // a feed that takes its time
        });
        var connectionString = await postgres.CreateDatabaseAsync();
        string[] feeds = [_server.Url("/fast.rss"), _server.Url("/slow.rss"), _server.Url("/fast.rss?2"), _server.Url("/fast.rss?3")];
        string[] args = [ "run",
            $"--FeedWatcher:Database:ConnectionString={connectionString}", $"--FeedWatcher:StateDirectory={_state}",
            "--FeedWatcher:Polling:CheckInterval=00:00:01", "--FeedWatcher:Polling:Timeout=00:02:00", TestHost.AllowLoopback,
            .. feeds.Select((url, i) => $"--FeedWatcher:Feeds:{i}:Url={url}") ];

        await using (var worker = WorkerProcess.Start(args))
        {
            await slowStarted.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await WaitForAsync(connectionString, "SELECT count(*) FROM feeds WHERE last_success_at IS NOT NULL", 3);

            var stopwatch = Stopwatch.StartNew();
            await worker.SignalAsync("TERM");
            await worker.WaitForExitAsync(TimeSpan.FromSeconds(30));

            Assert.True(worker.ExitCode == 0, worker.Output);
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"stopped in {stopwatch.Elapsed}; {worker.Output}");
            Assert.Contains("Application is shutting down", worker.Output, StringComparison.Ordinal);
        }

        // The fast feeds are polled whole; the slow one not at all, or recorded as failed: never half.
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var connection = await dataSource.OpenConnectionAsync();
        var slow = await connection.QuerySingleAsync<(DateTime? LastSuccess, int Failures, long Items)>(
            "SELECT last_success_at, consecutive_failures, (SELECT count(*) FROM items i WHERE i.feed_id = f.id) FROM feeds f WHERE url = @Url", new { Url = feeds[1] });
        Assert.Equal((null, 0L), (slow.LastSuccess, slow.Items));
        var fast = await connection.QuerySingleAsync<(DateTime? LastSuccess, long Items)>(
            "SELECT last_success_at, (SELECT count(*) FROM items i WHERE i.feed_id = f.id) FROM feeds f WHERE url = @Url", new { Url = feeds[0] });
        Assert.NotNull(fast.LastSuccess);
        Assert.Equal(2, fast.Items);
    }

    static async Task WaitForAsync(string connectionString, string countSql, long expected)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        for (var i = 0; i < 300; i++)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync();
                if (await connection.ExecuteScalarAsync<long>(countSql) >= expected) return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable) { } // not migrated yet
            await Task.Delay(100);
        }
        throw new TimeoutException($"'{countSql}' never reached {expected}");
    }
}
