using FeedWatcher.Feeds;
using FeedWatcher.Storage;
using FeedWatcher.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static FeedWatcher.Tests.Infrastructure.Feeds;

namespace FeedWatcher.Tests.Feeds;

/// <summary>How the poll cycle treats publishers, on a real HTTP server and a real database.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class PollingMannersTests(PostgresFixture postgres) : PipelineTest(postgres)
{
    Task<IHost> HostAsync(string connectionString, params string[] paths) =>
        BuildHostAsync(paths.Select((path, i) => (path, i)).ToDictionary(p => $"FeedWatcher:Feeds:{p.i}:Url", p => (string?)Server.Url(p.path)), connectionString);

    static Task<IReadOnlyList<RefreshOutcome>> PollAsync(IHost host) => PollOnceAsync(host);

    async Task<FeedRow> FeedAsync(IHost host, string path) =>
        (await host.Services.GetRequiredService<FeedStore>().AllAsync()).Single(f => f.Url == Server.Url(path));

    int RequestsTo(string path) => Server.Requests.Count(r => r.Path == path);

    [Fact]
    public async Task A_permanent_redirect_moves_the_feed_a_temporary_one_does_not()
    {
        Server.Feed("/new.rss", Rss("World", Unrelated));
        Server.Feed("/elsewhere.rss", Rss("World", Unrelated));
        Server.Route("/old.rss", c => { c.Response.StatusCode = 301; c.Response.Headers.Location = "/new.rss"; return Task.CompletedTask; });
        Server.Route("/moving.rss", c => { c.Response.StatusCode = 302; c.Response.Headers.Location = "/elsewhere.rss"; return Task.CompletedTask; });
        using var host = await HostAsync(await Postgres.CreateDatabaseAsync(), "/old.rss", "/moving.rss");

        await PollAsync(host);
        Assert.Equal(Server.Url("/new.rss"), (await FeedAsync(host, "/old.rss")).CurrentUrl);
        Assert.Equal(Server.Url("/moving.rss"), (await FeedAsync(host, "/moving.rss")).CurrentUrl);

        Clock.Advance(TimeSpan.FromHours(2));
        await PollAsync(host);
        Assert.Equal(1, RequestsTo("/old.rss"));      // asked once, then never again
        Assert.Equal(2, RequestsTo("/new.rss"));
        Assert.Equal(2, RequestsTo("/moving.rss"));   // still asked every time
    }

    [Fact]
    public async Task A_gone_feed_is_marked_and_never_polled_again()
    {
        Server.Route("/gone.rss", c => { c.Response.StatusCode = 410; return Task.CompletedTask; });
        using var host = await HostAsync(await Postgres.CreateDatabaseAsync(), "/gone.rss");
        await PollAsync(host);
        Clock.Advance(TimeSpan.FromDays(30));
        await PollAsync(host);
        Assert.Equal(1, RequestsTo("/gone.rss"));
        var feed = await FeedAsync(host, "/gone.rss");
        Assert.Equal((FeedStatus.Gone, 410), (feed.Status, feed.LastStatusCode));
    }

    [Fact]
    public async Task Retry_after_and_back_off_set_the_next_poll()
    {
        Server.Route("/busy.rss", c => { c.Response.StatusCode = 429; c.Response.Headers.RetryAfter = "7200"; return Task.CompletedTask; });
        Server.Route("/broken.rss", c => { c.Response.StatusCode = 500; return Task.CompletedTask; });
        using var host = await HostAsync(await Postgres.CreateDatabaseAsync(), "/busy.rss", "/broken.rss");
        var start = Clock.Now.UtcDateTime;

        await PollAsync(host);
        Assert.Equal(start.AddHours(2), (await FeedAsync(host, "/busy.rss")).NextPollAt);
        var waits = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            var broken = await FeedAsync(host, "/broken.rss");
            waits.Add(broken.NextPollAt - Clock.Now.UtcDateTime);
            Clock.Now = broken.NextPollAt;
            await PollAsync(host);
        }
        Assert.All(waits.Zip(waits.Skip(1)), pair => Assert.InRange(pair.Second / pair.First, 1.8, 2.2));
        Assert.Equal(4, (await FeedAsync(host, "/broken.rss")).ConsecutiveFailures);
    }

    [Fact]
    public async Task Cache_headers_and_ttl_lengthen_the_wait_and_survive_a_restart()
    {
        Server.Route("/cached.rss", async c =>
        {
            c.Response.Headers.CacheControl = "max-age=10800";
            await c.Response.WriteAsync(Rss("World", Unrelated));
        });
        Server.Feed("/ttl.rss", Rss("World", Unrelated).Replace("<description>Test feed</description>", "<description>Test feed</description><ttl>240</ttl>", StringComparison.Ordinal));
        var database = await Postgres.CreateDatabaseAsync();
        using (var host = await HostAsync(database, "/cached.rss", "/ttl.rss"))
        {
            await PollAsync(host);
            Assert.InRange((await FeedAsync(host, "/cached.rss")).NextPollAt - Clock.Now.UtcDateTime, TimeSpan.FromHours(3), TimeSpan.FromHours(3.3));
            Assert.InRange((await FeedAsync(host, "/ttl.rss")).NextPollAt - Clock.Now.UtcDateTime, TimeSpan.FromHours(4), TimeSpan.FromHours(4.4));
        }

        // A new process on the same database polls nothing before it is due.
        Clock.Advance(TimeSpan.FromHours(1));
        using var restarted = await HostAsync(database, "/cached.rss", "/ttl.rss");
        Assert.Empty(await PollAsync(restarted));
        Assert.Equal(1, RequestsTo("/cached.rss"));
    }
}
