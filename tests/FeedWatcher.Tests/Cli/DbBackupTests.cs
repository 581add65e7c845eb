using Dapper;
using FeedWatcher.Storage;
using FeedWatcher.Tests.Infrastructure;
using Npgsql;
using static FeedWatcher.Tests.Infrastructure.Feeds;

namespace FeedWatcher.Tests.Cli;

/// <summary><c>feedwatcher db backup</c> and <c>db restore</c> with PostgreSQL's own tools: what a backup held comes
/// back whole, items seen before it stay seen, the private cluster included; a restore is refused while a worker runs
/// and, when it fails, leaves the database as it was.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class DbBackupTests(PostgresFixture postgres) : PipelineTest(postgres)
{
    static Task<(int Exit, string Out, string Err)> RunAsync(string? connectionString, string stateDirectory, params string[] command) =>
        CliRunner.RunAsync([.. command, $"--FeedWatcher:Database:ConnectionString={connectionString}", $"--FeedWatcher:StateDirectory={stateDirectory}"]);

    static async Task<(long Items, long Hits, long Judgements)> CountAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return await connection.QuerySingleAsync<(long, long, long)>(
            "SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM hits), (SELECT count(*) FROM judgements)");
    }

    [Fact]
    public async Task A_restored_backup_brings_back_every_hit_and_judgement_and_the_items_it_had_seen_stay_seen()
    {
        Server.Feed("/news.rss", Rss("News", Background));
        var connectionString = await Postgres.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?> { ["FeedWatcher:Feeds:0:Url"] = Server.Url("/news.rss") };
        using (var host = await BuildHostAsync(settings, connectionString))
        {
            await PollOnceAsync(host);
            Server.Feed("/news.rss", Rss("News", FollowUp, Background));
            Clock.Advance(TimeSpan.FromHours(3));
            await PollOnceAsync(host);
        }
        await using (var connection = new NpgsqlConnection(connectionString))
            await connection.ExecuteAsync("INSERT INTO judgements (watch, item_id, relevant) SELECT watch, item_id, true FROM hits");
        var before = await CountAsync(connectionString);
        Assert.True(before is { Items: 2, Hits: 1, Judgements: 1 }, before.ToString());

        var file = Path.Combine(StateDirectory, "feedwatcher.dump");
        var (exit, output, error) = await RunAsync(connectionString, StateDirectory, "db", "backup", file);
        Assert.True(exit == 0, error);
        Assert.Matches(@"^Backed up database \S+ to .*feedwatcher\.dump \([\d.]+ [kM]?B\)", output);
        Assert.False(File.Exists(file + ".partial"));

        // Everything is lost after the backup; the restore brings it back.
        await using (var connection = new NpgsqlConnection(connectionString))
            await connection.ExecuteAsync("TRUNCATE items, hits, judgements CASCADE");
        (exit, output, error) = await RunAsync(connectionString, StateDirectory, "db", "restore", file);
        Assert.True(exit == 0, error);
        Assert.Matches(@"^Restored database \S+ from .*feedwatcher\.dump: [\d.]+ [kM]?B, 1 feeds, 2 items, 1 hits", output);
        Assert.Equal(before, await CountAsync(connectionString));

        // The feed, polled again, lists the same items: none is new.
        Clock.Advance(TimeSpan.FromHours(3));
        using (var host = await BuildHostAsync(settings, connectionString))
        {
            var outcome = Assert.Single(await PollOnceAsync(host));
            Assert.True(outcome.Succeeded);
            Assert.Equal(0, outcome.NewItems);
        }
        Assert.Equal(before, await CountAsync(connectionString));

        // Restored into a new installation's private PostgreSQL (no connection string), and backed up from it again.
        var newInstall = TestHost.TemporaryDirectory();
        try
        {
            (exit, output, error) = await RunAsync(null, newInstall, "db", "restore", file);
            Assert.True(exit == 0, error);
            Assert.Contains("1 feeds, 2 items, 1 hits", output, StringComparison.Ordinal);
            (exit, output, error) = await RunAsync(null, newInstall, "db", "backup", Path.Combine(newInstall, "again.dump"));
            Assert.True(exit == 0, error);
            Assert.True(new FileInfo(Path.Combine(newInstall, "again.dump")).Length > 1000);
        }
        finally
        {
            try { Directory.Delete(newInstall, recursive: true); }
            catch (IOException) { } // files the server wrote as its own user
            catch (UnauthorizedAccessException) { }
        }
    }

    [Fact]
    public async Task A_restore_is_refused_while_a_worker_runs_and_a_file_that_is_no_backup_changes_nothing()
    {
        var connectionString = await Postgres.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new Migrator(dataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger<Migrator>.Instance).MigrateAsync();
        await using (var connection = await dataSource.OpenConnectionAsync())
            await connection.ExecuteAsync("INSERT INTO feeds (url) VALUES ('http://a.example/feed')");
        var file = Path.Combine(StateDirectory, "feedwatcher.dump");
        Assert.Equal(0, (await RunAsync(connectionString, StateDirectory, "db", "backup", file)).Exit);

        var workers = new WorkerStore(dataSource);
        await workers.BeatAsync("test", DateTime.UtcNow, "started", DateTime.UtcNow);
        var (exit, _, error) = await RunAsync(connectionString, StateDirectory, "db", "restore", file);
        Assert.Equal(1, exit);
        Assert.Contains($"FeedWatcher is running on this database ({WorkerStore.Instance}, heard from", error, StringComparison.Ordinal);
        Assert.Contains("stop it first", error, StringComparison.Ordinal);
        await workers.StoppedAsync(DateTime.UtcNow);

        var notABackup = Path.Combine(StateDirectory, "notes.txt");
        await File.WriteAllTextAsync(notABackup, "not a backup");
        (exit, _, error) = await RunAsync(connectionString, StateDirectory, "db", "restore", notABackup);
        Assert.Equal(1, exit);
        Assert.Contains("is not a backup made by 'feedwatcher db backup'", error, StringComparison.Ordinal);
        Assert.Contains("the database is unchanged", error, StringComparison.Ordinal);
        (exit, _, error) = await RunAsync(connectionString, StateDirectory, "db", "restore", Path.Combine(StateDirectory, "missing.dump"));
        Assert.Equal(1, exit);
        Assert.Contains("no backup at", error, StringComparison.Ordinal);
        await using (var connection = await dataSource.OpenConnectionAsync())
            Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM feeds"));

        // With the worker stopped, the restore goes ahead; the workers of the backup count as stopped after it.
        (exit, _, error) = await RunAsync(connectionString, StateDirectory, "db", "restore", file);
        Assert.True(exit == 0, error);
        await using (var connection = await dataSource.OpenConnectionAsync())
            Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM workers WHERE stopped_at IS NULL"));
    }
}
