using Dapper;
using FeedWatcher.Configuration;
using FeedWatcher.Feeds;
using FeedWatcher.Matching;
using FeedWatcher.Storage;
using FeedWatcher.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FeedWatcher.Tests.Storage;

[Collection(DatabaseCollection.Name)]
public class StorageTests(PostgresFixture postgres)
{
    static readonly DateTime Now = new(2017, 4, 15, 6, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task Migrations_apply_once_and_journal_themselves()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        var migrator = new Migrator(dataSource, NullLogger<Migrator>.Instance);
        Assert.Equal(["0001_create_feeds_items_hits", "0002_add_feed_manners", "0003_add_hit_scores", "0004_digest_outbox", "0005_workers", "0006_cheaper_item_writes", "0007_add_digest_lease_holder", "0008_judgements", "0009_watch_learning", "0010_judgement_links", "0011_cluster", "0012_due_order", "0013_retention", "0014_feeds_in_use", "0015_held_back"],
            await migrator.MigrateAsync());
        Assert.Empty(await migrator.MigrateAsync());
        await using var connection = await dataSource.OpenConnectionAsync();
        var tables = await connection.QueryAsync<string>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
        Assert.Equal(["digest_hits", "digests", "feeds", "held_back", "hits", "items", "judgements", "link_keys", "retention_runs", "schema_migrations", "watch_resets", "watch_words", "workers"], tables);
        var compression = await connection.QueryAsync<string>(
            "SELECT attcompression::text FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname IN ('title', 'summary')");
        Assert.Equal(["l", "l"], compression); // lz4: the PostgreSQL the tests run is built with it
    }

    [Fact]
    public async Task Two_instances_migrating_at_once_take_turns()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new Migrator(dataSource, NullLogger<Migrator>.Instance).MigrateAsync())));
        Assert.Equal(1, runs.Count(applied => applied.Count > 0));
        Assert.Equal(3, runs.Count(applied => applied.Count == 0));
    }

    [Fact]
    public async Task A_database_from_a_newer_version_is_refused()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync();
        await using (var connection = await dataSource.OpenConnectionAsync())
            await connection.ExecuteAsync("INSERT INTO schema_migrations (version) VALUES ('9999_from_the_future')");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new Migrator(dataSource, NullLogger<Migrator>.Instance).MigrateAsync());
        Assert.Contains("9999_from_the_future", error.Message);
    }

    static FeedSuccess Polled(FeedRow feed) => new(feed.Id, "\"v1\"", null, 200, null, null, Now, Now.AddMinutes(30));

    static List<PolledItem> Items(IEnumerable<FeedEntry> entries) => [.. entries.Select(PolledItem.From)];

    static readonly Dictionary<string, IReadOnlyList<WatchMatch>> NoMatches = [];

    static (int, int) Counts((IReadOnlyList<string> NewKeys, int Hits) saved) => (saved.NewKeys.Count, saved.Hits);

    static WatchMatch Matched(string watch, double score, params string[] terms) =>
        new(watch, score, new WatchExplanation(score, score, 0, [.. terms.Select(t => new TermHit(t, t, "title"))], []));

    [Fact]
    public async Task An_item_is_new_only_once_per_feed()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync();
        var feeds = new FeedStore(dataSource);
        var items = new ItemStore(dataSource);
        await feeds.SyncAsync([new FeedOptions { Url = "http://a.example/feed" }, new FeedOptions { Url = "http://b.example/feed", Name = "B" }], Now);
        var all = await feeds.AllAsync();
        var entries = new List<FeedEntry>
        {
            new("g1", null, "First", "s", Now),
            new("g2", null, "Second", "s", null),
            new("g1", null, "First again in the same document", "s", Now),
        };

        Assert.Equal((2, 0), Counts(await items.SavePollAsync(all[0], Items(entries), NoMatches, Polled(all[0]))));
        Assert.Equal((0, 0), Counts(await items.SavePollAsync(all[0], Items(entries), NoMatches, Polled(all[0]))));
        Assert.Equal((2, 0), Counts(await items.SavePollAsync(all[1], Items(entries), NoMatches, Polled(all[1])))); // another feed, other items

        // The constraint itself, not the code above, is what refuses a second copy.
        await using var connection = await dataSource.OpenConnectionAsync();
        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(
            "INSERT INTO items (feed_id, item_key, title, summary, published_at, first_seen_at) VALUES (@Id, 'id:g1', 't', 's', now(), now())", new { all[0].Id }));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, duplicate.SqlState);
        Assert.Equal(Now, await connection.ExecuteScalarAsync<DateTime>("SELECT published_at FROM items WHERE item_key = 'id:g2' LIMIT 1"));
    }

    [Fact]
    public async Task Items_are_stored_only_with_their_feed()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync();
        var feeds = new FeedStore(dataSource);
        await feeds.SyncAsync([new FeedOptions { Url = "http://a.example/feed" }], Now);
        var feed = Assert.Single(await feeds.AllAsync());
        var missing = new FeedRow { Id = feed.Id + 1000, Url = "http://gone.example/feed", Primed = true };

        var saved = await new ItemStore(dataSource).SavePollAsync(missing, Items([new FeedEntry("g1", null, "First", "s", Now)]), NoMatches, Polled(missing));

        Assert.Equal((0, 0), Counts(saved));
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM items"));
    }

    [Fact]
    public async Task Hits_are_stored_for_new_items_only_and_wait_for_each_digest()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync();
        var feeds = new FeedStore(dataSource);
        var items = new ItemStore(dataSource);
        var hits = new HitStore(dataSource);
        await feeds.SyncAsync([new FeedOptions { Url = "http://a.example/feed", Name = "World desk" }], Now);
        var entry = new FeedEntry("g1", "http://a.example/1", "Moscow talks end", "Afghanistan", Now);
        var matches = new Dictionary<string, IReadOnlyList<WatchMatch>>
        {
            [ItemKey.For(entry)] = [Matched("Afghanistan peace talks", 0.8, "Afghanistan", "Moscow conference"), Matched("Other", 0.5, "Moscow")],
        };

        var unprimed = Assert.Single(await feeds.AllAsync());
        // What a first poll matches (only its latest items) is FeedRefresher's to decide: here, nothing.
        Assert.Equal((1, 0), Counts(await items.SavePollAsync(unprimed, Items([entry]), new Dictionary<string, IReadOnlyList<WatchMatch>>(), Polled(unprimed))));
        var primed = Assert.Single(await feeds.AllAsync());
        Assert.True(primed.Primed);
        var later = entry with { Id = "g2" };
        var laterMatches = new Dictionary<string, IReadOnlyList<WatchMatch>> { [ItemKey.For(later)] = matches.Values.Single() };
        Assert.Equal((1, 2), Counts(await items.SavePollAsync(primed, Items([entry, later]), laterMatches, Polled(primed))));
        Assert.Equal((0, 0), Counts(await items.SavePollAsync(primed, Items([entry, later]), laterMatches, Polled(primed)))); // seen: never again

        var unsent = await hits.UnclaimedAsync("Daily", [], 0, 100);
        Assert.Equal(["Afghanistan peace talks", "Other"], unsent.Select(h => h.Watch)); // the best first
        var first = unsent[0];
        Assert.Equal(["Afghanistan", "Moscow conference"], first.Matched);
        Assert.Equal(("Moscow talks end", "http://a.example/1", "World desk", Now), (first.Title, first.Link, first.Feed, first.PublishedAt));
        Assert.Equal(DateTimeKind.Utc, first.PublishedAt.Kind);

        Assert.Equal(["Other"], (await hits.UnclaimedAsync("Daily", ["OTHER"], 0, 100)).Select(h => h.Watch)); // watches in any case
        Assert.Equal(["Afghanistan peace talks"], (await hits.UnclaimedAsync("Daily", [], 0.6, 100)).Select(h => h.Watch));

        // A digest claims its hits for its own name only.
        await using (var connection = await dataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await DigestStore.InsertAsync(connection, transaction, "Daily", "p1", "m1@test", "s", ["a@example.org"], [1], 1, [first.HitId], [], Now);
            await transaction.CommitAsync();
        }
        Assert.Equal(["Other"], (await hits.UnclaimedAsync("Daily", [], 0, 100)).Select(h => h.Watch));
        Assert.Equal(2, (await hits.UnclaimedAsync("Weekly", [], 0, 100)).Count);
    }

    [Fact]
    public async Task Feed_health_records_failures_and_clears_on_success()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync();
        var feeds = new FeedStore(dataSource);
        await feeds.SyncAsync([new FeedOptions { Url = "http://a.example/feed" }], Now);
        var feed = Assert.Single(await Claim(feeds, Now));

        await feeds.RecordFailureAsync(feed.Id, new FeedFailure("HTTP 500 Internal Server Error", 500, false, Now, Now.AddMinutes(30), feed.Claim));
        await feeds.RecordFailureAsync(feed.Id, new FeedFailure("timed out after 30 s", null, false, Now, Now.AddMinutes(30)));
        var failing = Assert.Single(await feeds.AllAsync());
        Assert.Equal((2, "timed out after 30 s", false), (failing.ConsecutiveFailures, failing.LastError, failing.Primed));
        Assert.Empty(await Claim(feeds, Now));

        await new ItemStore(dataSource).SavePollAsync(feed, [], NoMatches,
            new FeedSuccess(feed.Id, "\"v2\"", "Sat, 15 Apr 2017 06:00:00 GMT", 200, "http://a.example/moved", TimeSpan.FromMinutes(90), Now, Now.AddHours(1)));
        var healthy = Assert.Single(await feeds.AllAsync());
        Assert.Equal((0, null, true, "\"v2\"", Now), (healthy.ConsecutiveFailures, healthy.LastError, healthy.Primed, healthy.Etag, healthy.LastSuccessAt));
        Assert.Equal(("http://a.example/moved", "http://a.example/feed", 90, Now), (healthy.CurrentUrl, healthy.Url, healthy.TtlMinutes, healthy.MovedAt));

        await feeds.RecordNotModifiedAsync([new FeedSuccess(feed.Id, "\"v3\"", null, 304, null, null, Now.AddHours(1), Now.AddHours(2))]);
        var notModified = Assert.Single(await feeds.AllAsync());
        Assert.Equal(("\"v3\"", 304, Now.AddHours(2), 90), (notModified.Etag, notModified.LastStatusCode, notModified.NextPollAt, notModified.TtlMinutes));

        await feeds.RecordFailureAsync(feed.Id, new FeedFailure("HTTP 410 Gone", 410, true, Now, Now));
        Assert.Equal(FeedStatus.Gone, Assert.Single(await feeds.AllAsync()).Status);
        Assert.Empty(await Claim(feeds, Now.AddYears(1)));
    }

    static Task<IReadOnlyList<FeedRow>> Claim(FeedStore feeds, DateTime now, string instance = "test", int perHost = 4) =>
        feeds.ClaimDueAsync(now, instance, 10, now.AddMinutes(1), perHost);

    [Fact]
    public async Task A_due_feed_is_claimed_once_a_lost_claim_writes_nothing_and_hosts_are_capped_across_instances()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync();
        var feeds = new FeedStore(dataSource);
        string[] urls = ["http://a.example/1", "http://a.example/2", "http://a.example/3", "http://b.example/1"];
        await feeds.SyncAsync([.. urls.Select(u => new FeedOptions { Url = u })], Now);

        // Two a.example feeds at most in flight, whoever holds them: one instance takes two and b; the other finds none.
        var first = await Claim(feeds, Now, "one", 2);
        Assert.Equal(["http://a.example/1", "http://a.example/2", "http://b.example/1"], first.Select(f => f.Url).Order());
        Assert.Empty(await Claim(feeds, Now, "two", 2));

        // "one" pauses past its claims: "two" claims a.example/1 anew, and "one"'s late write changes nothing.
        var late = first.Single(f => f.Url == "http://a.example/1");
        var retaken = await Claim(feeds, Now.AddMinutes(2), "two", 2);
        Assert.Contains(retaken, f => f.Url == "http://a.example/1");
        await feeds.RecordFailureAsync(late.Id, new FeedFailure("late", null, false, Now, Now.AddHours(1), late.Claim));
        Assert.Null((await feeds.AllAsync()).Single(f => f.Url == "http://a.example/1").LastError);

        // Claims given up on stopping are claimable at once.
        await feeds.ReleaseClaimsAsync("two");
        Assert.Contains(await Claim(feeds, Now.AddMinutes(2), "three", 2), f => f.Url == "http://a.example/1");
    }

    [Fact]
    public async Task Only_feeds_in_use_are_claimed_those_that_left_the_settings_or_were_removed_are_not()
    {
        await using var dataSource = await postgres.CreateMigratedDatabaseAsync();
        var feeds = new FeedStore(dataSource);
        await feeds.SyncAsync([new FeedOptions { Url = "http://a.example/feed" }, new FeedOptions { Url = "http://b.example/feed" }], Now);
        await feeds.ImportAsync([("http://c.example/feed", null), ("http://d.example/feed", null)], Now);
        await feeds.RemoveAsync("http://d.example/feed");

        // b leaves the settings: its row stays, due for good, and no claim reads it.
        await feeds.SyncAsync([new FeedOptions { Url = "http://a.example/feed" }], Now);
        Assert.Equal(["http://a.example/feed", "http://c.example/feed"], (await Claim(feeds, Now)).Select(f => f.Url).Order());
        await feeds.ReleaseClaimsAsync("test");
        Assert.Equal(4, (await feeds.AllAsync()).Count);

        // b back in the settings, and d added again: both are polled again.
        await feeds.ImportAsync([("http://d.example/feed", null)], Now);
        await feeds.SyncAsync([new FeedOptions { Url = "http://a.example/feed" }, new FeedOptions { Url = "http://b.example/feed" }], Now);
        Assert.Equal(["http://a.example/feed", "http://b.example/feed", "http://c.example/feed", "http://d.example/feed"],
            (await Claim(feeds, Now)).Select(f => f.Url).Order());
    }
}
