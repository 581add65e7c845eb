using Dapper;
using FeedWatcher.Digests;
using FeedWatcher.Feeds;
using FeedWatcher.Storage;
using FeedWatcher.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MimeKit;
using Npgsql;
using static FeedWatcher.Tests.Infrastructure.Feeds;

namespace FeedWatcher.Tests.Pipeline;

/// <summary>The whole pipeline on real parts: Kestrel serves feeds, PostgreSQL stores, SmtpServer receives.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class EndToEndTests(PostgresFixture postgres) : PipelineTest(postgres)
{
    Task<IReadOnlyList<RefreshOutcome>> PollAsync(IHost host)
    {
        Clock.Advance(TimeSpan.FromHours(1)); // every feed is due again
        return PollOnceAsync(host);
    }

    // A digest made now and sent: the number of stories it carried, or null when there was nothing to send.
    static async Task<int?> SendDigestAsync(IHost host)
    {
        var outbox = host.Services.GetRequiredService<DigestOutbox>();
        var id = await outbox.CreateAsync(outbox.Find("Daily")!, $"test:{Guid.NewGuid()}");
        var outcomes = await outbox.DeliverDueAsync();
        if (id is null) return null;
        Assert.Equal("sent", Assert.Single(outcomes).State);
        var stories = (await host.Services.GetRequiredService<DigestStore>().RecentAsync(1)).Single(d => d.Id == id).Stories;
        return stories;
    }

    [Fact]
    public async Task A_follow_up_is_polled_stored_and_mailed_once()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        Server.Feed("/world.rss", Rss("World desk", Unrelated, Background));
        var settings = SmtpSettings(smtp.Port);
        settings["FeedWatcher:Feeds:0:Url"] = Server.Url("/world.rss");
        settings["FeedWatcher:Feeds:0:Name"] = "World desk";
        using var host = await BuildHostAsync(settings);

        // The first poll records what the feed already holds, without alerting on it.
        var first = Assert.Single(await PollAsync(host));
        Assert.Equal((true, 2, 0), (first.Succeeded, first.NewItems, first.Hits));
        Assert.Null(await SendDigestAsync(host));
        Assert.Empty(smtp.Received);

        // A follow-up appears: it becomes a hit and arrives in the digest.
        Server.Feed("/world.rss", Rss("World desk", FollowUp, Sports, Unrelated, Background));
        var second = Assert.Single(await PollAsync(host));
        Assert.Equal((2, 1), (second.NewItems, second.Hits));
        Assert.Equal(1, await SendDigestAsync(host));
        var digest = await smtp.NextAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("FeedWatcher: 1 new story on Afghanistan peace talks", digest.Subject);
        Assert.Equal("editor@example.org", Assert.Single(digest.To.Mailboxes).Address);
        Assert.IsType<MultipartAlternative>(digest.Body);
        var text = digest.TextBody!.ReplaceLineEndings("\n");
        Assert.Contains($"* {FollowUp.Title}\n  World desk, Wed 12 Apr 2017 09:00", text);
        Assert.Contains("http://example.org/moscow-2", text);
        Assert.Contains("  Why: names Afghanistan, Taliban talks", text);
        Assert.DoesNotContain(Sports.Title, text);
        Assert.DoesNotContain(Background.Title, text);
        Assert.Contains("href=\"http://example.org/moscow-2\"", digest.HtmlBody);

        // Unchanged feed: a 304, nothing stored, nothing sent.
        var third = Assert.Single(await PollAsync(host));
        Assert.Equal((true, true, 0), (third.Succeeded, third.NotModified, third.NewItems));
        Assert.Null(await SendDigestAsync(host));
        Assert.Single(smtp.Received);
        Assert.StartsWith("\"", Server.Requests.Last().Headers.IfNoneMatch.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_feeds_latest_items_are_matched_and_its_backlog_recorded_as_seen()
    {
        // The clock is 2017-04-15 06:00: the first follow-up is an hour old, the second is three days old, the third
        // gives no date at all.
        var latest = FollowUp with { Id = "latest", Published = "Sat, 15 Apr 2017 05:00:00 GMT" };
        var old = FollowUp with { Id = "old", Title = "Moscow conference on Afghanistan opens", Published = "Wed, 12 Apr 2017 09:00:00 GMT" };
        var undated = FollowUp with { Id = "undated", Title = "Taliban talks: Afghanistan reacts", Published = "" };
        Server.Feed("/world.rss", Rss("World desk", latest, old, undated, Unrelated));
        using var host = await BuildHostAsync(new() { ["FeedWatcher:Feeds:0:Url"] = Server.Url("/world.rss") });

        var first = Assert.Single(await PollOnceAsync(host));

        Assert.Equal((true, 4, 1, true), (first.Succeeded, first.NewItems, first.Hits, first.FirstPoll));
        await using var connection = await host.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
        Assert.Equal(["id:latest"], await connection.QueryAsync<string>("SELECT i.item_key FROM hits h JOIN items i ON i.id = h.item_id"));
    }

    [Fact]
    public async Task Broken_feeds_are_recorded_and_never_stop_the_others()
    {
        Server.Feed("/good.rss", Rss("Good", Unrelated));
        Server.Feed("/malformed.rss", "<rss version=\"2.0\"><channel><title>Broken</title><item><title lang=\"en\" lang=\"fr\">x</title></item></channel></rss>");
        Server.Route("/error.rss", context => { context.Response.StatusCode = 500; return Task.CompletedTask; });
        Server.Route("/slow.rss", context => Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted));
        string[] paths = ["/malformed.rss", "/error.rss", "/slow.rss", "/good.rss"];
        var urls = paths.Select(Server.Url).ToArray();
        var settings = new Dictionary<string, string?> { ["FeedWatcher:Polling:Timeout"] = "00:00:01" };
        for (var i = 0; i < urls.Length; i++)
            settings[$"FeedWatcher:Feeds:{i}:Url"] = urls[i];
        using var host = await BuildHostAsync(settings);

        await PollAsync(host);
        Server.Feed("/good.rss", Rss("Good", FollowUp, Unrelated));
        var outcomes = await PollAsync(host);
        Assert.Equal(1, outcomes.Sum(o => o.Hits));

        var health = (await host.Services.GetRequiredService<FeedStore>().AllAsync()).ToDictionary(f => f.Url);
        Assert.Equal((0, null), (health[urls[3]].ConsecutiveFailures, health[urls[3]].LastError));
        Assert.Equal(2, health[urls[0]].ConsecutiveFailures);
        Assert.StartsWith("not well-formed XML even after repair:", health[urls[0]].LastError);
        Assert.Equal((2, "HTTP 500 Internal Server Error"), (health[urls[1]].ConsecutiveFailures, health[urls[1]].LastError));
        Assert.Equal((2, "timed out after 1 s"), (health[urls[2]].ConsecutiveFailures, health[urls[2]].LastError));
        Assert.All(health.Values, f => Assert.True(f.NextPollAt > Clock.Now.UtcDateTime, "a failing feed is polled again later"));
    }

    [Fact]
    public async Task A_failed_send_is_retried_until_the_server_takes_it()
    {
        var port = SmtpTestServer.FreePort(); // nothing listens there yet
        Server.Feed("/world.rss", Rss("World", Unrelated));
        var settings = SmtpSettings(port);
        settings["FeedWatcher:Feeds:0:Url"] = Server.Url("/world.rss");
        using var host = await BuildHostAsync(settings);
        await PollAsync(host);
        Server.Feed("/world.rss", Rss("World", FollowUp, Unrelated));
        await PollAsync(host);

        var outbox = host.Services.GetRequiredService<DigestOutbox>();
        Assert.NotNull(await outbox.CreateAsync(outbox.Find("Daily")!, "first"));
        var failed = Assert.Single(await outbox.DeliverDueAsync());
        Assert.Equal("pending", failed.State);
        Assert.Contains("retrying at", failed.Error, StringComparison.Ordinal);
        Assert.Null(await outbox.CreateAsync(outbox.Find("Daily")!, "second")); // the hit is the first digest's

        await using var smtp = await SmtpTestServer.StartAsync(port);
        Assert.Empty(await outbox.DeliverDueAsync()); // not due yet
        Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("sent", Assert.Single(await outbox.DeliverDueAsync()).State);
        Assert.Contains(FollowUp.Title, (await smtp.NextAsync(TimeSpan.FromSeconds(10))).TextBody);
        Assert.Empty(await outbox.DeliverDueAsync());
    }

    [Fact]
    public async Task Without_an_smtp_host_the_digest_goes_to_the_pickup_folder()
    {
        Server.Feed("/world.rss", Rss("World", Unrelated));
        using var host = await BuildHostAsync(new() { ["FeedWatcher:Feeds:0:Url"] = Server.Url("/world.rss"), ["FeedWatcher:Digests:0:Name"] = "Daily" });
        await PollAsync(host);
        Server.Feed("/world.rss", Rss("World", FollowUp, Unrelated));
        await PollAsync(host);

        Assert.Equal(1, await SendDigestAsync(host));
        var file = Assert.Single(Directory.GetFiles(Path.Combine(StateDirectory, "pickup"), "*.eml"));
        var message = await MimeMessage.LoadAsync(file);
        Assert.Contains(FollowUp.Title, message.TextBody);
        Assert.Null(await SendDigestAsync(host)); // nothing new
    }

    [Fact]
    public async Task The_scheduled_worker_polls_and_mails_on_its_own()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        Server.Feed("/world.rss", Rss("World desk", FollowUp, Unrelated));
        var connectionString = await Postgres.CreateDatabaseAsync();
        // The feed was primed by an earlier run, so this run's first poll alerts on what is new.
        await using (var dataSource = NpgsqlDataSource.Create(connectionString))
        {
            await new Migrator(dataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger<Migrator>.Instance).MigrateAsync();
            await using var connection = await dataSource.OpenConnectionAsync();
            await connection.ExecuteAsync("INSERT INTO feeds (url, name, primed) VALUES (@Url, 'World desk', true)", new { Url = Server.Url("/world.rss") });
        }
        var settings = SmtpSettings(smtp.Port);
        settings["FeedWatcher:Feeds:0:Url"] = Server.Url("/world.rss");
        settings["FeedWatcher:Polling:CheckInterval"] = "00:00:01";
        settings["FeedWatcher:Digests:0:Schedule"] = "* * * * * ?";
        using var host = await BuildHostAsync(settings, connectionString, systemClock: true);

        await host.StartAsync();
        var digest = await smtp.NextAsync(TimeSpan.FromSeconds(30));
        await host.StopAsync();

        Assert.Equal("FeedWatcher: 1 new story on Afghanistan peace talks", digest.Subject);
        Assert.Contains(FollowUp.Title, digest.TextBody);
    }

}
