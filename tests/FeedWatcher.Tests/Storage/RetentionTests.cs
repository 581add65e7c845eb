using Dapper;
using FeedWatcher.Configuration;
using FeedWatcher.Feeds;
using FeedWatcher.Matching;
using FeedWatcher.Storage;
using FeedWatcher.Tests.Infrastructure;

namespace FeedWatcher.Tests.Storage;

/// <summary>FeedWatcher:Retention on a real database: what goes past its age, and what never goes.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class RetentionTests(PostgresFixture postgres)
{
    static readonly DateTime Start = new(2017, 4, 15, 6, 0, 0, DateTimeKind.Utc);
    static readonly RetentionOptions Policy = new();

    static FeedEntry Entry(string id) => new(id, $"http://a.example/{id}", $"Story {id}", $"Summary of {id}", Start);

    static WatchMatch Hit(string term) => new("Afghanistan", 0.8, new WatchExplanation(0.8, 0.8, 0, [new TermHit(term, term, "title")], []));

    // One poll with a body at `at`, listing `ids`, the ones in `hitIds` a hit.
    static async Task<(IReadOnlyList<string> NewKeys, int Hits)> PollAsync(FeedStore feeds, ItemStore items, DateTime at, string[] ids, params string[] hitIds)
    {
        var feed = Assert.Single(await feeds.AllAsync());
        var entries = ids.Select(Entry).ToList();
        var matches = entries.Where(e => hitIds.Contains(e.Id)).ToDictionary(ItemKey.For, e => (IReadOnlyList<WatchMatch>)[Hit("Afghanistan")]);
        return await items.SavePollAsync(feed, [.. entries.Select(PolledItem.From)], matches, new FeedSuccess(feed.Id, null, null, 200, null, null, at, at.AddHours(1)));
    }

    [Fact]
    public async Task Old_items_that_are_no_hit_lose_their_text_keep_their_identity_and_are_forgotten_once_unlisted()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync();
        var (feeds, items, retention) = (new FeedStore(dataSource), new ItemStore(dataSource), new RetentionStore(dataSource));
        await feeds.SyncAsync([new FeedOptions { Url = "http://a.example/feed" }], Start);
        await PollAsync(feeds, items, Start, ["plain", "hit", "judged"], "hit");
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("INSERT INTO judgements (watch, item_id, relevant) SELECT 'Afghanistan', id, false FROM items WHERE item_key LIKE '%judged%'");

        // Within the text's 90 days nothing goes; past them, only the item that is no hit and was not judged.
        Assert.Equal(new RetentionReport(0, 0, 0, 0), await retention.ApplyAsync(Policy, Start.AddDays(89), keepLatestTexts: 0));
        Assert.Equal(new RetentionReport(1, 0, 0, 0), await retention.ApplyAsync(Policy, Start.AddDays(91), keepLatestTexts: 0));
        var texts = (await connection.QueryAsync<(string Title, string Summary)>("SELECT title, summary FROM items ORDER BY id")).ToList();
        Assert.Equal([("", ""), ("Story hit", "Summary of hit"), ("Story judged", "Summary of judged")], texts);
        Assert.Equal(new RetentionReport(0, 0, 0, 0), await retention.ApplyAsync(Policy, Start.AddDays(91), keepLatestTexts: 0)); // twice: nothing more

        // The feed still lists it: polled again it is not new and makes no hit, even where it now matches.
        Assert.Equal((0, 0), Count(await PollAsync(feeds, items, Start.AddDays(100), ["plain", "hit", "judged"], "plain")));
        Assert.Equal(new RetentionReport(0, 0, 0, 0), await retention.ApplyAsync(Policy, Start.AddDays(120), keepLatestTexts: 0));

        // The feed stops listing it: a month after it was last listed, it is forgotten; the hit and the judged one stay.
        await PollAsync(feeds, items, Start.AddDays(125), ["later"]);
        Assert.Equal(new RetentionReport(0, 0, 0, 0), await retention.ApplyAsync(Policy, Start.AddDays(129), keepLatestTexts: 0));
        Assert.Equal(new RetentionReport(0, 1, 0, 0), await retention.ApplyAsync(Policy, Start.AddDays(131), keepLatestTexts: 0));
        Assert.Equal(["hit", "judged", "later"], (await connection.QueryAsync<string>("SELECT title FROM items ORDER BY id")).Select(t => t.Replace("Story ", "")));
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM judgements"));
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM hits"));
    }

    [Fact]
    public async Task The_newest_items_keep_their_text_for_the_word_statistics_and_a_feed_without_a_new_body_forgets_nothing()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync();
        var (feeds, items, retention) = (new FeedStore(dataSource), new ItemStore(dataSource), new RetentionStore(dataSource));
        await feeds.SyncAsync([new FeedOptions { Url = "http://a.example/feed" }], Start);
        await PollAsync(feeds, items, Start, ["a", "b", "c"]);

        Assert.Equal(new RetentionReport(1, 0, 0, 0), await retention.ApplyAsync(Policy, Start.AddDays(91), keepLatestTexts: 2));
        // Not polled with a body since: whether the feed lists them is unknown, so they are remembered for good.
        Assert.Equal(new RetentionReport(2, 0, 0, 0), await retention.ApplyAsync(Policy, Start.AddDays(400), keepLatestTexts: 0));
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.Equal(3, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM items"));
    }

    [Fact]
    public async Task Sent_digests_lose_their_message_and_keep_what_they_carried_and_old_hits_go_when_asked()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync();
        var (feeds, items, retention) = (new FeedStore(dataSource), new ItemStore(dataSource), new RetentionStore(dataSource));
        await feeds.SyncAsync([new FeedOptions { Url = "http://a.example/feed" }], Start);
        await PollAsync(feeds, items, Start, ["hit", "judged"], "hit", "judged");
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("INSERT INTO judgements (watch, item_id, relevant) SELECT 'Afghanistan', id, true FROM items WHERE item_key LIKE '%judged%'");
        var hitIds = (await connection.QueryAsync<long>("SELECT id FROM hits ORDER BY id")).ToArray();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await DigestStore.InsertAsync(connection, transaction, "Daily", "p1", "m1@test", "s", ["a@example.org"], [1, 2, 3], 2, hitIds, [], Start);
            await transaction.CommitAsync();
        }
        await connection.ExecuteAsync("UPDATE digests SET state = 'sent', sent_at = @Start", new { Start });

        Assert.Equal(new RetentionReport(0, 0, 1, 0), await retention.ApplyAsync(Policy, Start.AddDays(91), keepLatestTexts: 0));
        Assert.Equal((0, 2), await connection.QuerySingleAsync<(int, long)>("SELECT length(message), (SELECT count(*) FROM digest_hits) FROM digests"));
        Assert.Empty(await new HitStore(dataSource).UnclaimedAsync("Daily", [], 0, 100)); // never sent again

        // Hits kept a year, when asked: the judged one stays, with its item and text.
        var report = await retention.ApplyAsync(new RetentionOptions { Hits = TimeSpan.FromDays(365) }, Start.AddDays(366), keepLatestTexts: 0);
        Assert.Equal(new RetentionReport(1, 0, 0, 1), report);
        Assert.Equal(["Story judged"], await connection.QueryAsync<string>("SELECT i.title FROM hits h JOIN items i ON i.id = h.item_id"));
    }

    [Fact]
    public async Task A_scheduled_run_is_made_once_whoever_starts_it()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync();
        var retention = new RetentionStore(dataSource);
        Assert.True(await retention.BeginRunAsync(Start, "one:1", Start));
        Assert.False(await retention.BeginRunAsync(Start, "two:2", Start));
        Assert.True(await retention.BeginRunAsync(Start.AddDays(1), "two:2", Start.AddDays(1)));
    }

    [Fact]
    public async Task The_cleanup_waits_while_a_poll_cycle_holds_claims_and_goes_on_once_it_ends()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync();
        var (feeds, items, retention) = (new FeedStore(dataSource), new ItemStore(dataSource), new RetentionStore(dataSource));
        await feeds.SyncAsync([new FeedOptions { Url = "http://a.example/feed" }], Start);
        await PollAsync(feeds, items, Start, ["a", "b"]);
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("UPDATE feeds SET next_poll_at = now() - interval '1 minute'");
        var claimed = Assert.Single(await feeds.ClaimDueAsync(DateTime.UtcNow, "other:1", 16, DateTime.UtcNow.AddMinutes(5), 2));

        var cleanup = retention.ApplyAsync(Policy, Start.AddDays(91), keepLatestTexts: 0);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.False(cleanup.IsCompleted);
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM items WHERE text_dropped_at IS NOT NULL"));

        await feeds.RecordNotModifiedAsync([new FeedSuccess(claimed.Id, null, null, 304, null, null, DateTime.UtcNow, DateTime.UtcNow.AddHours(1), claimed.Claim)]);
        Assert.Equal(new RetentionReport(2, 0, 0, 0), await cleanup.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    static (int, int) Count((IReadOnlyList<string> NewKeys, int Hits) saved) => (saved.NewKeys.Count, saved.Hits);
}
