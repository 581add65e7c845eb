using Dapper;
using FeedWatcher.Configuration;
using FeedWatcher.Matching;
using FeedWatcher.Storage;
using FeedWatcher.Tests.Infrastructure;
using Npgsql;

namespace FeedWatcher.Tests.Storage;

[Collection(DatabaseCollection.Name)]
public class PollWriterTests(PostgresFixture postgres)
{
    static readonly DateTime Now = new(2017, 4, 15, 6, 0, 0, DateTimeKind.Utc);
    static readonly Dictionary<string, IReadOnlyList<WatchMatch>> NoMatches = [];

    static PollToSave Poll(FeedRow feed, params string[] titles) => new(feed,
        [.. titles.Select((title, i) => new PolledItem($"id:{feed.Id}-{i}", title, null, "s", Now))], NoMatches,
        new FeedSuccess(feed.Id, $"\"{feed.Id}\"", null, 200, null, null, Now, Now.AddHours(1)));

    async Task<(NpgsqlDataSource, IReadOnlyList<FeedRow>)> FeedsAsync(int count)
    {
        var dataSource = await postgres.CreateMigratedDatabaseAsync();
        var feeds = new FeedStore(dataSource);
        await feeds.SyncAsync([.. Enumerable.Range(0, count).Select(i => new FeedOptions { Url = $"http://f{i}.example/feed" })], Now);
        return (dataSource, await feeds.AllAsync());
    }

    [Fact]
    public async Task Polls_saved_at_once_are_stored_each_with_its_own_items()
    {
        var (dataSource, feeds) = await FeedsAsync(20);
        await using var _ = dataSource;
        using var writer = new PollWriter(new ItemStore(dataSource));

        var saved = await Task.WhenAll(feeds.Select((feed, i) => writer.SaveAsync(Poll(feed, [.. Enumerable.Range(0, i % 3 + 1).Select(n => $"t{n}")]))));

        Assert.Equal(feeds.Select((_, i) => i % 3 + 1), saved.Select(s => s.NewKeys.Count));
        Assert.All(feeds.Zip(saved), p => Assert.All(p.Second.NewKeys, key => Assert.StartsWith($"id:{p.First.Id}-", key)));
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.Equal(saved.Sum(s => s.NewKeys.Count), await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM items"));
        Assert.Equal(20, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM feeds WHERE etag = '\"' || id || '\"'"));
    }

    [Fact]
    public async Task A_poll_the_database_refuses_fails_alone()
    {
        var (dataSource, feeds) = await FeedsAsync(12);
        await using var _ = dataSource;
        using var writer = new PollWriter(new ItemStore(dataSource));
        var bad = feeds[5];

        // PostgreSQL's text cannot hold a NUL character: the statement carrying this poll fails.
        var saves = feeds.Select(feed => writer.SaveAsync(feed == bad ? Poll(feed, "fine", "broken\0title") : Poll(feed, "fine"))).ToList();

        var error = await Assert.ThrowsAsync<PostgresException>(() => saves[5]);
        Assert.Equal(PostgresErrorCodes.CharacterNotInRepertoire, error.SqlState);
        foreach (var save in saves.Where((_, i) => i != 5))
            Assert.Single((await save).NewKeys);
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM items WHERE feed_id = @Id", new { bad.Id }));
        Assert.Equal(11, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM items"));
    }
}
