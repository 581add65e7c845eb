using Dapper;
using FeedWatcher.Digests;
using FeedWatcher.Storage;
using FeedWatcher.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MimeKit;
using Npgsql;
using static FeedWatcher.Tests.Infrastructure.Feeds;

namespace FeedWatcher.Tests.Digests;

/// <summary>The digest outbox against a real SMTP server (SmtpServer) and PostgreSQL: each digest is sent once,
/// whatever the server answers or wherever the process stops.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class DigestOutboxTests(PostgresFixture postgres) : PipelineTest(postgres)
{
    static readonly Item Second = new("moscow-3", "Taliban envoys to join next round of Afghanistan talks in Moscow",
        "Russia said the Taliban would attend; the United States will again stay away from the Afghanistan talks.");

    // A host whose database holds two hits waiting for the digest.
    async Task<IHost> WithHitsAsync(int port, string? connectionString = null)
    {
        Server.Feed("/world.rss", Rss("World desk", Unrelated));
        var host = await BuildHostAsync(SmtpSettings(port, Server.Url("/world.rss")), connectionString);
        await PollOnceAsync(host);
        Server.Feed("/world.rss", Rss("World desk", FollowUp, Second, Unrelated));
        Clock.Advance(TimeSpan.FromHours(1));
        var outcomes = await PollOnceAsync(host);
        Assert.Equal(2, outcomes.Sum(o => o.Hits));
        return host;
    }

    static DigestOutbox Outbox(IHost host) => host.Services.GetRequiredService<DigestOutbox>();

    static Task<long?> CreateAsync(IHost host, string period = "2017-04-16T07:00:00Z") => Outbox(host).CreateAsync(Outbox(host).Find("Daily")!, period);

    static async Task<OutboxDigest> RowAsync(IHost host, long id) =>
        (await host.Services.GetRequiredService<DigestStore>().RecentAsync(100)).Single(d => d.Id == id);

    [Fact]
    public async Task A_digest_is_sent_once_and_its_hits_never_again()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        using var host = await WithHitsAsync(smtp.Port);

        var id = await CreateAsync(host);
        Assert.Equal(id, await CreateAsync(host)); // the same scheduled time makes the same digest
        Assert.Equal("sent", Assert.Single(await Outbox(host).DeliverDueAsync()).State);
        var message = await smtp.NextAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("FeedWatcher: 2 new stories on Afghanistan peace talks", message.Subject);
        Assert.Equal((await RowAsync(host, id!.Value)).MessageId, message.MessageId);
        Assert.NotNull(message.Headers[HeaderId.ListId]);

        Assert.Null(await CreateAsync(host, "2017-04-17T07:00:00Z")); // nothing new
        Assert.Empty(await Outbox(host).DeliverDueAsync());
        Assert.Equal(1, smtp.Offered);
        var row = await RowAsync(host, id.Value);
        Assert.Equal(("sent", 1, 2), (row.State, row.Attempts, row.Stories));
    }

    [Fact]
    public async Task A_4xx_answer_is_retried_with_backoff_and_then_sent()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        smtp.AnswerNext(451, "Try again later");
        using var host = await WithHitsAsync(smtp.Port);
        var id = (await CreateAsync(host))!.Value;

        var first = Assert.Single(await Outbox(host).DeliverDueAsync());
        Assert.Equal("pending", first.State);
        Assert.StartsWith("SMTP 451 Try again later", first.Error, StringComparison.Ordinal);
        var row = await RowAsync(host, id);
        Assert.InRange(row.NextAttemptAt - Clock.Now.UtcDateTime, TimeSpan.FromSeconds(47), TimeSpan.FromSeconds(73)); // 1 minute, 20% jitter

        Assert.Empty(await Outbox(host).DeliverDueAsync()); // not yet due
        Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("sent", Assert.Single(await Outbox(host).DeliverDueAsync()).State);
        Assert.Single(smtp.Received);
        Assert.Equal((2, 2), (smtp.Offered, (await RowAsync(host, id)).Attempts));
    }

    [Fact]
    public async Task A_5xx_answer_fails_the_digest_and_the_next_digest_says_so()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        smtp.AnswerNext(554, "Message rejected");
        using var host = await WithHitsAsync(smtp.Port);
        var id = (await CreateAsync(host))!.Value;

        var outcome = Assert.Single(await Outbox(host).DeliverDueAsync());
        Assert.Equal(("failed", "SMTP 554 Message rejected"), (outcome.State, outcome.Error));
        Clock.Advance(TimeSpan.FromHours(3));
        Assert.Empty(await Outbox(host).DeliverDueAsync()); // never retried
        Assert.Equal(1, smtp.Offered);

        // The next digest has no new story, but reports the failure, once.
        Assert.NotNull(await CreateAsync(host, "2017-04-17T07:00:00Z"));
        Assert.Equal("sent", Assert.Single(await Outbox(host).DeliverDueAsync()).State);
        var next = await smtp.NextAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("== Digests not delivered ==", next.TextBody, StringComparison.Ordinal);
        Assert.Contains("was not delivered: SMTP 554 Message rejected", next.TextBody, StringComparison.Ordinal);
        Assert.Null(await CreateAsync(host, "2017-04-18T07:00:00Z"));
        Assert.Equal("failed", (await RowAsync(host, id)).State);
    }

    [Fact]
    public async Task A_connection_dropped_in_the_middle_of_the_message_is_retried()
    {
        await using var dropping = new DroppingSmtpServer();
        using var host = await WithHitsAsync(dropping.Port);
        var id = (await CreateAsync(host))!.Value;

        var outcome = Assert.Single(await Outbox(host).DeliverDueAsync());
        Assert.Equal("pending", outcome.State);
        Assert.Equal(1, dropping.Dropped);
        var row = await RowAsync(host, id);
        Assert.Equal(("pending", 1), (row.State, row.Attempts));
        Assert.NotNull(row.LastError);
    }

    [Fact]
    public async Task A_server_that_is_down_is_retried_until_it_is_up()
    {
        var port = SmtpTestServer.FreePort();
        using var host = await WithHitsAsync(port);
        await CreateAsync(host);
        Assert.Equal("pending", Assert.Single(await Outbox(host).DeliverDueAsync()).State);
        Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("pending", Assert.Single(await Outbox(host).DeliverDueAsync()).State); // attempt 2: the next wait doubles
        Clock.Advance(TimeSpan.FromMinutes(3));

        await using var smtp = await SmtpTestServer.StartAsync(port);
        Assert.Equal("sent", Assert.Single(await Outbox(host).DeliverDueAsync()).State);
        Assert.Single(smtp.Received);
    }

    [Theory]
    [InlineData("gone")]     // its process is gone from this machine (killed, and restarted as this worker)
    [InlineData("silent")]   // another machine's worker, silent for longer than a heartbeat allows
    [InlineData("stopped")]  // a worker that recorded its stop
    public async Task A_lease_held_by_a_dead_worker_is_taken_over_at_once(string how)
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        using var host = await WithHitsAsync(smtp.Port);
        var id = (await CreateAsync(host))!.Value;
        var store = host.Services.GetRequiredService<DigestStore>();
        var now = Clock.Now.UtcDateTime;
        Assert.Equal(id, (await store.LeaseNextAsync(now, now.AddMinutes(4)))!.Id);
        var holder = how == "gone" ? $"{Environment.MachineName}:{await ExitedProcessIdAsync()}" : "elsewhere:4242";
        await using (var connection = await host.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE digests SET leased_by = @Holder WHERE id = @Id", new { Holder = holder, Id = id });
            if (how != "gone")
                await connection.ExecuteAsync("""
                    INSERT INTO workers (instance, host, pid, version, started_at, heartbeat_at, scheduler, stopped_at)
                    VALUES (@Holder, 'elsewhere', 4242, '1.0.0', @Now, @Beat, 'running', @Stopped)
                    """, new { Holder = holder, Now = now, Beat = how == "silent" ? now.AddMinutes(-3) : now, Stopped = how == "stopped" ? now : (DateTime?)null });
        }

        var outcome = Assert.Single(await Outbox(host).DeliverDueAsync()); // the lease has minutes to run: taken over all the same
        Assert.Equal("sent", outcome.State);
        Assert.Equal(2, (await RowAsync(host, id)).Attempts);
        Assert.Single(smtp.Received);
    }

    [Fact]
    public async Task A_lease_held_by_a_worker_not_known_to_be_dead_waits_for_it_to_run_out()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        using var host = await WithHitsAsync(smtp.Port);
        await CreateAsync(host);
        var store = host.Services.GetRequiredService<DigestStore>();
        var now = Clock.Now.UtcDateTime;
        await store.LeaseNextAsync(now, now.AddMinutes(4));
        await using (var connection = await host.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync())
            await connection.ExecuteAsync("UPDATE digests SET leased_by = 'elsewhere:4242'"); // a command on another machine, say

        Assert.Empty(await Outbox(host).DeliverDueAsync());
        Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal("sent", Assert.Single(await Outbox(host).DeliverDueAsync()).State);
    }

    static async Task<int> ExitedProcessIdAsync()
    {
        using var process = System.Diagnostics.Process.Start("true")!;
        await process.WaitForExitAsync();
        return process.Id;
    }

    [Fact]
    public async Task A_crash_between_the_send_and_its_record_sends_the_same_message_again()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        using var host = await WithHitsAsync(smtp.Port);
        var id = (await CreateAsync(host))!.Value;

        // A worker leases the digest and sends it, then dies before recording that it did.
        var store = host.Services.GetRequiredService<DigestStore>();
        var now = Clock.Now.UtcDateTime;
        var leased = await store.LeaseNextAsync(now, now.AddMinutes(4));
        Assert.Equal(id, leased!.Id);
        using (var stream = new MemoryStream(leased.Message))
            await host.Services.GetRequiredService<MailDelivery>().DeliverAsync(await MimeMessage.LoadAsync(stream), default);
        var first = await smtp.NextAsync(TimeSpan.FromSeconds(10));

        // While the lease holds nobody else sends it; once it runs out, the next worker sends the same message.
        Assert.Empty(await Outbox(host).DeliverDueAsync());
        Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal("sent", Assert.Single(await Outbox(host).DeliverDueAsync()).State);
        var second = await smtp.NextAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal(first.TextBody, second.TextBody);
        Assert.Equal(2, smtp.Offered);

        // The dead worker's late record changes nothing: its attempt is no longer the row's.
        Assert.False(await store.RecordAsync(id, leased.Attempts, "pending", Clock.Now.UtcDateTime, "late", Clock.Now.UtcDateTime));
        Assert.Equal("sent", (await RowAsync(host, id)).State);
    }

    [Fact]
    public async Task Two_instances_racing_for_the_same_digest_send_it_once()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        var connectionString = await Postgres.CreateDatabaseAsync();
        using var first = await WithHitsAsync(smtp.Port, connectionString);
        using var second = await BuildHostAsync(SmtpSettings(smtp.Port, Server.Url("/world.rss")), connectionString);

        // Both instances' schedules fire for the same time, and both deliver, at once, several times over.
        var created = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => CreateAsync(i % 2 == 0 ? first : second))));
        Assert.Single(created.Distinct());
        var delivered = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => Outbox(i % 2 == 0 ? first : second).DeliverDueAsync())));
        Assert.Equal(1, delivered.Sum(d => d.Count(o => o.State == "sent")));

        // Two digests of the same name for different times never share a hit.
        Assert.Null(await CreateAsync(second, "2017-04-17T07:00:00Z"));
        Assert.Single(smtp.Received);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.Equal(2, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM digest_hits"));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM digests"));
    }

    [Fact]
    public async Task A_hit_like_one_judged_not_relevant_is_held_back_counted_and_learnt_from()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        var attack = new Item("attack-1", "Taliban attack an army base in Kandahar, killing 15 Afghan soldiers", "The Taliban claimed it.");
        var another = new Item("attack-2", "Taliban attack an army post in Helmand, killing 20 Afghan soldiers", "The Taliban claimed it.");
        var talks = new Item("talks-1", "Afghan government and Taliban agree to hold peace talks in Moscow", "Russia will host them.");
        Server.Feed("/world.rss", Rss("World desk", Unrelated));
        var settings = SmtpSettings(smtp.Port, Server.Url("/world.rss"));
        settings["FeedWatcher:Watches:0:Seed:Title"] = "US stays away from Moscow conference on Afghanistan"; // so that the watch learns
        using var host = await BuildHostAsync(settings);
        await PollOnceAsync(host);
        Server.Feed("/world.rss", Rss("World desk", attack, Unrelated));
        Clock.Advance(TimeSpan.FromHours(1));
        await PollOnceAsync(host);
        Assert.NotNull(await CreateAsync(host, "2017-04-16T07:00:00Z"));
        await using var connection = await host.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
        var judged = await connection.QuerySingleAsync<long>("SELECT id FROM items WHERE title = @Title", new { attack.Title });
        await host.Services.GetRequiredService<LearningStore>().AddAsync("Afghanistan peace talks", judged, relevant: false);

        Server.Feed("/world.rss", Rss("World desk", attack, another, talks, Unrelated));
        Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(2, (await PollOnceAsync(host)).Sum(o => o.Hits));
        var (draft, preview) = await Outbox(host).PreviewAsync(Outbox(host).Find("Daily")!);
        Assert.Equal(talks.Title, Assert.Single(draft.Stories).Lead.Title);
        Assert.Equal((another.Title, judged), Assert.Single(draft.HeldBack) is var (hit, like) ? (hit.Title, like) : default);
        Assert.Contains("1 hit held back as like items judged not relevant (Afghanistan peace talks)", preview.TextBody, StringComparison.Ordinal);
        Assert.Equal(0, await connection.QuerySingleAsync<int>("SELECT count(*)::int FROM held_back")); // a preview records nothing

        Assert.NotNull(await CreateAsync(host, "2017-04-17T07:00:00Z"));
        Assert.Equal(judged, await connection.QuerySingleAsync<long>("SELECT like_item FROM held_back"));
        var stored = await host.Services.GetRequiredService<HitStore>().OfWatchAsync("Afghanistan peace talks", null, 0, 10);
        Assert.Equal([(another.Title, judged)], stored.Where(h => h.HeldBack).Select(h => (h.Title, h.HeldBackLike ?? 0))); // still a hit, marked
        Assert.Null(await CreateAsync(host, "2017-04-18T07:00:00Z")); // the digest carried it: it is not offered again
        // The watch learns from it as from a judgement against.
        await host.Services.GetRequiredService<FeedWatcher.Matching.WatchLearning>().ApplyNewAsync();
        var profile = host.Services.GetRequiredService<FeedWatcher.Matching.WatchRegistry>().Current.LearntBy("Afghanistan peace talks")!;
        Assert.Equal((1, 1), (profile.JudgedNotRelevant, profile.HeldBack));
        // A reset forgets it with the hits, and keeps the judgement.
        await host.Services.GetRequiredService<LearningStore>().ResetAsync("Afghanistan peace talks", judgements: false);
        await host.Services.GetRequiredService<FeedWatcher.Matching.WatchLearning>().ApplyNewAsync();
        profile = host.Services.GetRequiredService<FeedWatcher.Matching.WatchRegistry>().Current.LearntBy("Afghanistan peace talks")!;
        Assert.Equal((1, 0), (profile.JudgedNotRelevant, profile.HeldBack));
    }

    [Fact]
    public async Task Preview_claims_and_sends_nothing()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        using var host = await WithHitsAsync(smtp.Port);

        var (draft, message) = await Outbox(host).PreviewAsync(Outbox(host).Find("Daily")!);
        Assert.Equal(2, draft.Stories.Count);
        Assert.Contains(FollowUp.Title, message.TextBody, StringComparison.Ordinal);
        Assert.Empty(await host.Services.GetRequiredService<DigestStore>().RecentAsync(10));

        Assert.NotNull(await CreateAsync(host)); // the hits are still there for the real digest
        Assert.Equal(0, smtp.Offered);
    }

    [Fact]
    public async Task An_alert_sends_high_scoring_hits_at_once_and_the_digest_does_not_repeat_them()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        Server.Feed("/world.rss", Rss("World desk", Unrelated));
        var settings = SmtpSettings(smtp.Port, Server.Url("/world.rss"));
        settings["FeedWatcher:Digests:0:AlertScore"] = "0.1";
        using var host = await BuildHostAsync(settings);
        var digest = Outbox(host).Find("Daily")!;
        await PollOnceAsync(host);
        Assert.Null(await Outbox(host).CreateAlertAsync(digest)); // nothing yet

        Server.Feed("/world.rss", Rss("World desk", FollowUp, Unrelated));
        Clock.Advance(TimeSpan.FromHours(1));
        await PollOnceAsync(host);
        Assert.NotNull(await Outbox(host).CreateAlertAsync(digest));
        Assert.Equal("sent", Assert.Single(await Outbox(host).DeliverDueAsync()).State);
        Assert.Contains(FollowUp.Title, (await smtp.NextAsync(TimeSpan.FromSeconds(10))).TextBody, StringComparison.Ordinal);

        Assert.Null(await CreateAsync(host)); // already sent as an alert
    }
}
