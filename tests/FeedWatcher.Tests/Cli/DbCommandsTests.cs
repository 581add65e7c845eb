using Dapper;
using FeedWatcher.Tests.Infrastructure;
using Npgsql;

namespace FeedWatcher.Tests.Cli;

/// <summary><c>feedwatcher db stats</c> and <c>db cleanup</c> on a real database; <c>status</c> shows the size and
/// the last cleanup.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class DbCommandsTests(PostgresFixture postgres) : IDisposable
{
    readonly string _state = TestHost.TemporaryDirectory();

    public void Dispose() => Directory.Delete(_state, recursive: true);

    Task<(int Exit, string Out, string Err)> RunAsync(string connectionString, params string[] command) =>
        CliRunner.RunAsync([.. command, $"--FeedWatcher:Database:ConnectionString={connectionString}", $"--FeedWatcher:StateDirectory={_state}"]);

    [Fact]
    public async Task Stats_print_each_table_and_how_far_back_items_go_and_cleanup_says_what_it_removed()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var (exit, output, _) = await RunAsync(connectionString, "db", "stats");
        Assert.Equal(0, exit);
        Assert.Contains("no items yet", output, StringComparison.Ordinal);
        Assert.Contains("no cleanup has run yet", output, StringComparison.Ordinal);

        await using (var dataSource = NpgsqlDataSource.Create(connectionString))
        await using (var connection = await dataSource.OpenConnectionAsync())
            await connection.ExecuteAsync("""
                INSERT INTO feeds (url) VALUES ('http://a.example/feed');
                INSERT INTO items (feed_id, item_key, title, summary, published_at, first_seen_at)
                SELECT 1, 'k' || n, 'Title ' || n, 'Summary', now() - interval '200 days', now() - interval '200 days' FROM generate_series(1, 30000) n;
                """);
        (exit, output, _) = await RunAsync(connectionString, "db", "cleanup");
        Assert.Equal(0, exit);
        Assert.Contains("Cleanup done: 10000 item texts dropped, 0 items forgotten", output, StringComparison.Ordinal); // the newest 20,000 keep theirs

        (exit, output, _) = await RunAsync(connectionString, "db", "stats");
        Assert.Equal(0, exit);
        Assert.Matches(@"items\s+30,000\s+[\d.]+ [kMG]B", output);
        Assert.Contains("items: 20,000 with their text", output, StringComparison.Ordinal);
        Assert.Contains("10,000 remembered without it", output, StringComparison.Ordinal);
        Assert.Contains(": 10000 item texts dropped", output, StringComparison.Ordinal);

        (_, output, _) = await RunAsync(connectionString, "status");
        Assert.Matches(@"database   reachable, PostgreSQL [\d.]+, [\d.]+ MB; last cleanup .*: 10000 item texts dropped", output);
        Assert.Contains("tables     items 30,000, feeds 1", output, StringComparison.Ordinal); // counted by the cleanup's vacuum
    }
}
