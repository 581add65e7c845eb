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
public sealed class PollingMannersTests(PostgresFixture postgres) : IAsyncLifetime
{
    readonly TestClock _clock = new(new DateTimeOffset(2017, 4, 15, 6, 0, 0, TimeSpan.Zero));
    readonly string _state = TestHost.TemporaryDirectory();
    FeedServer _server = null!;

    public async Task InitializeAsync() => _server = await FeedServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_state, recursive: true);
    }

    async Task<IHost> HostAsync(string connectionString, params string[] paths)
    {
        var settings = new Dictionary<string, string?> { ["FeedWatcher:Watches:0:Name"] = "w", ["FeedWatcher:Watches:0:Keywords:0"] = "Afghanistan" };
        for (var i = 0; i < paths.Length; i++)
            settings[$"FeedWatcher:Feeds:{i}:Url"] = _server.Url(paths[i]);
        var host = TestHost.Build(connectionString, _state, settings, _clock);
        await host.Services.GetRequiredService<Migrator>().MigrateAsync();
        return host;
    }

    static Task<IReadOnlyList<RefreshOutcome>> PollAsync(IHost host) => host.Services.GetRequiredService<PollCycle>().RunAsync(default);

    async Task<FeedRow> FeedAsync(IHost host, string path) =>
        (await host.Services.GetRequiredService<FeedStore>().AllAsync()).Single(f => f.Url == _server.Url(path));

    int RequestsTo(string path) => _server.Requests.Count(r => r.Path == path);

    [Fact]
    public async Task A_permanent_redirect_moves_the_feed_a_temporary_one_does_not()
    {
        _server.Feed("/new.rss", Rss("World", Unrelated));
        _server.Feed("/elsewhere.rss", Rss("World", Unrelated));
        _server.Route("/old.rss", c => { c.Response.StatusCode = 301; c.Response.Headers.Location = "/new.rss"; return Task.CompletedTask; });
        _server.Route("/moving.rss", c => { c.Response.StatusCode = 302; c.Response.Headers.Location = "/elsewhere.rss"; return Task.CompletedTask; });
        using var host = await HostAsync(await postgres.CreateDatabaseAsync(), "/old.rss", "/moving.rss");

        await PollAsync(host);
        Assert.Equal(_server.Url("/new.rss"), (await FeedAsync(host, "/old.rss")).CurrentUrl);
        Assert.Equal(_server.Url("/moving.rss"), (await FeedAsync(host, "/moving.rss")).CurrentUrl);

        _clock.Advance(TimeSpan.FromHours(2));
        await PollAsync(host);
        Assert.Equal(1, RequestsTo("/old.rss"));      // asked once, then never again
        Assert.Equal(2, RequestsTo("/new.rss"));
        Assert.Equal(2, RequestsTo("/moving.rss"));   // still asked every time
    }

    [Fact]
    public async Task A_gone_feed_is_marked_and_never_polled_again()
    {
        _server.Route("/gone.rss", c => { c.Response.StatusCode = 410; return Task.CompletedTask; });
        using var host = await HostAsync(await postgres.CreateDatabaseAsync(), "/gone.rss");
        await PollAsync(host);
        _clock.Advance(TimeSpan.FromDays(30));
        await PollAsync(host);
        Assert.Equal(1, RequestsTo("/gone.rss"));
        var feed = await FeedAsync(host, "/gone.rss");
        Assert.Equal((FeedStatus.Gone, 410), (feed.Status, feed.LastStatusCode));
    }

    [Fact]
    public async Task Retry_after_and_back_off_set_the_next_poll()
    {
        _server.Route("/busy.rss", c => { c.Response.StatusCode = 429; c.Response.Headers.RetryAfter = "7200"; return Task.CompletedTask; });
        _server.Route("/broken.rss", c => { c.Response.StatusCode = 500; return Task.CompletedTask; });
        using var host = await HostAsync(await postgres.CreateDatabaseAsync(), "/busy.rss", "/broken.rss");
        var start = _clock.Now.UtcDateTime;

        await PollAsync(host);
        Assert.Equal(start.AddHours(2), (await FeedAsync(host, "/busy.rss")).NextPollAt);
        var waits = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            var broken = await FeedAsync(host, "/broken.rss");
            waits.Add(broken.NextPollAt - _clock.Now.UtcDateTime);
            _clock.Now = broken.NextPollAt;
            await PollAsync(host);
        }
        Assert.All(waits.Zip(waits.Skip(1)), pair => Assert.InRange(pair.Second / pair.First, 1.8, 2.2));
        Assert.Equal(4, (await FeedAsync(host, "/broken.rss")).ConsecutiveFailures);
    }

    [Fact]
    public async Task Cache_headers_and_ttl_lengthen_the_wait_and_survive_a_restart()
    {
        _server.Route("/cached.rss", async c =>
        {
            c.Response.Headers.CacheControl = "max-age=10800";
            await c.Response.WriteAsync(Rss("World", Unrelated));
        });
        _server.Feed("/ttl.rss", Rss("World", Unrelated).Replace("<description>Test feed</description>", "<description>Test feed</description><ttl>240</ttl>", StringComparison.Ordinal));
        var database = await postgres.CreateDatabaseAsync();
        using (var host = await HostAsync(database, "/cached.rss", "/ttl.rss"))
        {
            await PollAsync(host);
            Assert.InRange((await FeedAsync(host, "/cached.rss")).NextPollAt - _clock.Now.UtcDateTime, TimeSpan.FromHours(3), TimeSpan.FromHours(3.3));
            Assert.InRange((await FeedAsync(host, "/ttl.rss")).NextPollAt - _clock.Now.UtcDateTime, TimeSpan.FromHours(4), TimeSpan.FromHours(4.4));
        }

        // A new process on the same database polls nothing before it is due.
        _clock.Advance(TimeSpan.FromHours(1));
        using var restarted = await HostAsync(database, "/cached.rss", "/ttl.rss");
        Assert.Empty(await PollAsync(restarted));
        Assert.Equal(1, RequestsTo("/cached.rss"));
    }
}
