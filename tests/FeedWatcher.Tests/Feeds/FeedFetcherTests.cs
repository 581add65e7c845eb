using System.IO.Compression;
using FeedWatcher.Configuration;
using FeedWatcher.Feeds;
using FeedWatcher.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FeedWatcher.Tests.Feeds;

public sealed class FeedFetcherTests : IAsyncLifetime
{
    FeedServer _server = null!;

    public async Task InitializeAsync() => _server = await FeedServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    internal static FeedFetcher Fetcher(Action<PollingOptions>? configure = null)
    {
        var monitor = new ServiceCollection()
            .Configure<FeedWatcherOptions>(o =>
            {
                o.Polling.AllowPrivateNetworks = ["127.0.0.1"]; // the test server
                configure?.Invoke(o.Polling);
            })
            .BuildServiceProvider()
            .GetRequiredService<IOptionsMonitor<FeedWatcherOptions>>();
        return new FeedFetcher(FeedWatcherServices.CreateFeedHttpClient(monitor.CurrentValue.Polling, new NetworkGuard(() => monitor.CurrentValue.Polling)),
            monitor, TimeProvider.System);
    }

    void Redirect(string from, int status, string to) =>
        _server.Route(from, context => { context.Response.StatusCode = status; context.Response.Headers.Location = to; return Task.CompletedTask; });

    [Fact]
    public async Task Conditional_get_sends_the_validators_back_verbatim()
    {
        var body = Infrastructure.Feeds.Rss("World", Infrastructure.Feeds.FollowUp);
        _server.Feed("/feed", body, etag: "W/\"abc-123\"");
        var fetcher = Fetcher();

        var first = await fetcher.FetchAsync(_server.Url("/feed"), null, null, default);
        Assert.False(first.NotModified);
        Assert.Equal(body, System.Text.Encoding.UTF8.GetString(first.Body.Span));
        Assert.Equal(("W/\"abc-123\"", "Wed, 12 Apr 2017 10:00:00 GMT"), (first.ETag, first.LastModified));

        var second = await fetcher.FetchAsync(_server.Url("/feed"), first.ETag, first.LastModified, default);
        Assert.True(second.NotModified);
        Assert.Equal("W/\"abc-123\"", second.ETag);

        var requests = _server.Requests.ToList();
        Assert.Equal("", requests[0].Headers.IfNoneMatch.ToString());
        Assert.Equal("W/\"abc-123\"", requests[1].Headers.IfNoneMatch.ToString());
        Assert.Equal("Wed, 12 Apr 2017 10:00:00 GMT", requests[1].Headers.IfModifiedSince.ToString());
        Assert.Matches(@"^FeedWatcher/\d+\.\d+\.\d+ \(\+https?://\S+\)$", requests[0].Headers.UserAgent.ToString());
        Assert.Equal("", requests[0].Headers.Cookie.ToString());
        Assert.Contains("application/rss+xml", requests[0].Headers.Accept.ToString());
        Assert.Contains("gzip", requests[0].Headers.AcceptEncoding.ToString());
    }

    [Fact]
    public async Task Gzip_bodies_are_decompressed()
    {
        _server.Route("/gz", async context =>
        {
            context.Response.Headers.ContentEncoding = "gzip";
            await using var gzip = new GZipStream(context.Response.Body, CompressionLevel.Fastest, leaveOpen: true);
            await gzip.WriteAsync("<rss version=\"2.0\"><channel><title>t</title></channel></rss>"u8.ToArray());
        });
        var result = await Fetcher().FetchAsync(_server.Url("/gz"), null, null, default);
        Assert.StartsWith("<rss", System.Text.Encoding.UTF8.GetString(result.Body.Span));
    }

    [Theory]
    [InlineData(500, "HTTP 500 Internal Server Error")]
    [InlineData(404, "HTTP 404 Not Found")]
    [InlineData(403, "HTTP 403 Forbidden")]
    public async Task Server_errors_are_reported_with_the_status(int status, string expected)
    {
        _server.Route("/fail", context => { context.Response.StatusCode = status; return Task.CompletedTask; });
        var error = await Assert.ThrowsAsync<FeedFetchException>(() => Fetcher().FetchAsync(_server.Url("/fail"), null, null, default));
        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public async Task A_slow_server_times_out()
    {
        _server.Route("/slow", context => Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted));
        var error = await Assert.ThrowsAsync<FeedFetchException>(() =>
            Fetcher(p => p.Timeout = TimeSpan.FromMilliseconds(300)).FetchAsync(_server.Url("/slow"), null, null, default));
        Assert.Equal("timed out after 0.3 s", error.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Bodies_over_the_limit_are_refused(bool sendLength)
    {
        var big = new byte[5000];
        _server.Route("/big", async context =>
        {
            if (sendLength) context.Response.ContentLength = big.Length;
            await context.Response.Body.WriteAsync(big);
        });
        var error = await Assert.ThrowsAsync<FeedFetchException>(() =>
            Fetcher(p => p.MaxBodyBytes = 4096).FetchAsync(_server.Url("/big"), null, null, default));
        Assert.Contains("over the limit", error.Message);
    }

    [Fact]
    public async Task A_gzip_bomb_is_refused_by_its_decompressed_size()
    {
        // 64 MB of zeros, about 64 KB on the wire.
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
            for (var i = 0; i < 64; i++) gzip.Write(new byte[1 << 20]);
        _server.Route("/bomb", async context =>
        {
            context.Response.Headers.ContentEncoding = "gzip";
            await context.Response.Body.WriteAsync(compressed.ToArray());
        });
        var error = await Assert.ThrowsAsync<FeedFetchException>(() =>
            Fetcher(p => p.MaxBodyBytes = 1 << 20).FetchAsync(_server.Url("/bomb"), null, null, default));
        Assert.Contains("over the limit", error.Message);
    }

    [Fact]
    public async Task A_body_that_drips_in_times_out()
    {
        _server.Route("/drip", async context =>
        {
            await context.Response.WriteAsync("<rss version=\"2.0\"><channel>", context.RequestAborted);
            for (var i = 0; i < 600; i++)
            {
                await context.Response.WriteAsync(" ", context.RequestAborted); // a byte every 50 ms: never idle, never done
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(50, context.RequestAborted);
            }
        });
        var error = await Assert.ThrowsAsync<FeedFetchException>(() =>
            Fetcher(p => p.Timeout = TimeSpan.FromMilliseconds(500)).FetchAsync(_server.Url("/drip"), null, null, default));
        Assert.Equal("timed out after 0.5 s", error.Message);
    }

    [Fact]
    public async Task Nothing_listening_is_reported()
    {
        var url = $"http://127.0.0.1:{SmtpTestServer.FreePort()}/feed";
        var error = await Assert.ThrowsAsync<FeedFetchException>(() => Fetcher().FetchAsync(url, null, null, default));
        Assert.Contains("refused", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(301, true)]
    [InlineData(308, true)]
    [InlineData(302, false)]
    [InlineData(307, false)]
    public async Task Permanent_redirects_are_reported_temporary_ones_only_followed(int status, bool permanent)
    {
        _server.Feed("/new", Infrastructure.Feeds.Rss("World", Infrastructure.Feeds.FollowUp));
        Redirect("/old", status, "/new");
        var result = await Fetcher().FetchAsync(_server.Url("/old"), null, null, default);
        Assert.False(result.NotModified);
        Assert.Equal(permanent ? _server.Url("/new") : null, result.MovedTo);
    }

    [Fact]
    public async Task A_temporary_hop_after_a_permanent_one_is_not_stored()
    {
        _server.Feed("/final", Infrastructure.Feeds.Rss("World", Infrastructure.Feeds.FollowUp));
        Redirect("/a", 301, "/b");
        Redirect("/b", 302, "/final");
        Assert.Equal(_server.Url("/b"), (await Fetcher().FetchAsync(_server.Url("/a"), null, null, default)).MovedTo);
    }

    [Fact]
    public async Task Redirect_loops_fail_clearly()
    {
        Redirect("/ping", 302, "/pong");
        Redirect("/pong", 302, "/ping");
        var error = await Assert.ThrowsAsync<FeedFetchException>(() => Fetcher().FetchAsync(_server.Url("/ping"), null, null, default));
        Assert.Equal($"redirect loop: {_server.Url("/ping")} -> {_server.Url("/pong")} -> {_server.Url("/ping")}", error.Message);
    }

    [Fact]
    public async Task More_than_five_hops_fail_clearly()
    {
        for (var i = 0; i < 6; i++)
            Redirect($"/hop{i}", 307, $"/hop{i + 1}");
        _server.Feed("/hop6", Infrastructure.Feeds.Rss("World"));
        var error = await Assert.ThrowsAsync<FeedFetchException>(() => Fetcher().FetchAsync(_server.Url("/hop0"), null, null, default));
        Assert.StartsWith("more than 5 redirects:", error.Message);

        Redirect("/short", 307, "/hop2"); // five hops in all are fine
        Assert.False((await Fetcher().FetchAsync(_server.Url("/short"), null, null, default)).NotModified);
    }

    [Theory]
    [InlineData(429, "120", 120)]
    [InlineData(503, "Sat, 15 Apr 2017 06:10:00 GMT", 600)]
    public async Task Retry_after_is_reported_for_429_and_503(int status, string retryAfter, int seconds)
    {
        _server.Route("/busy", context =>
        {
            context.Response.StatusCode = status;
            context.Response.Headers.Date = "Sat, 15 Apr 2017 06:00:00 GMT";
            context.Response.Headers.RetryAfter = retryAfter;
            return Task.CompletedTask;
        });
        var error = await Assert.ThrowsAsync<FeedFetchException>(() => Fetcher().FetchAsync(_server.Url("/busy"), null, null, default));
        Assert.Equal((status, TimeSpan.FromSeconds(seconds)), (error.StatusCode, error.RetryAfter));
    }

    [Fact]
    public async Task Gone_is_reported()
    {
        _server.Route("/gone", context => { context.Response.StatusCode = 410; return Task.CompletedTask; });
        var error = await Assert.ThrowsAsync<FeedFetchException>(() => Fetcher().FetchAsync(_server.Url("/gone"), null, null, default));
        Assert.True(error.Gone);
    }

    [Theory]
    [InlineData("max-age=7200", null, 7200)]
    [InlineData(null, "Sat, 15 Apr 2017 09:00:00 GMT", 10800)]
    [InlineData("no-cache", "Sat, 15 Apr 2017 09:00:00 GMT", null)]
    public async Task Cache_lifetime_comes_from_max_age_or_expires(string? cacheControl, string? expires, int? seconds)
    {
        _server.Route("/cached", async context =>
        {
            context.Response.Headers.Date = "Sat, 15 Apr 2017 06:00:00 GMT";
            if (cacheControl is not null) context.Response.Headers.CacheControl = cacheControl;
            if (expires is not null) context.Response.Headers.Expires = expires;
            await context.Response.WriteAsync(Infrastructure.Feeds.Rss("World"));
        });
        var result = await Fetcher().FetchAsync(_server.Url("/cached"), null, null, default);
        Assert.Equal(seconds is null ? null : TimeSpan.FromSeconds(seconds.Value), result.CacheLifetime);
    }

    [Fact]
    public async Task Requests_to_one_host_are_capped()
    {
        var inFlight = 0;
        var most = 0;
        _server.Route("/slowish", async context =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref most, now);
            await Task.Delay(100);
            Interlocked.Decrement(ref inFlight);
            await context.Response.WriteAsync(Infrastructure.Feeds.Rss("World"));
        });
        var fetcher = Fetcher(p => p.MaxPerHost = 2);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => fetcher.FetchAsync(_server.Url("/slowish"), null, null, default)));
        Assert.Equal(2, most);
    }

    static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }
}
