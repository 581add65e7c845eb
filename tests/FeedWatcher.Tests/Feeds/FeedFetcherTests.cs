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

    static FeedFetcher Fetcher(Action<PollingOptions>? configure = null)
    {
        var monitor = new ServiceCollection()
            .Configure<FeedWatcherOptions>(o => configure?.Invoke(o.Polling))
            .BuildServiceProvider()
            .GetRequiredService<IOptionsMonitor<FeedWatcherOptions>>();
        return new FeedFetcher(FeedWatcherServices.CreateFeedHttpClient(), monitor);
    }

    [Fact]
    public async Task Conditional_get_sends_the_validators_back_verbatim()
    {
        var body = Infrastructure.Feeds.Rss("World", Infrastructure.Feeds.FollowUp);
        _server.Feed("/feed", body, etag: "W/\"abc-123\"");
        var fetcher = Fetcher();

        var first = await fetcher.FetchAsync(_server.Url("/feed"), null, null, default);
        Assert.False(first.NotModified);
        Assert.Equal(body, System.Text.Encoding.UTF8.GetString(first.Body!));
        Assert.Equal(("W/\"abc-123\"", "Wed, 12 Apr 2017 10:00:00 GMT"), (first.ETag, first.LastModified));

        var second = await fetcher.FetchAsync(_server.Url("/feed"), first.ETag, first.LastModified, default);
        Assert.True(second.NotModified);
        Assert.Equal("W/\"abc-123\"", second.ETag);

        var requests = _server.Requests.ToList();
        Assert.Equal("", requests[0].Headers.IfNoneMatch.ToString());
        Assert.Equal("W/\"abc-123\"", requests[1].Headers.IfNoneMatch.ToString());
        Assert.Equal("Wed, 12 Apr 2017 10:00:00 GMT", requests[1].Headers.IfModifiedSince.ToString());
        Assert.StartsWith("FeedWatcher/", requests[0].Headers.UserAgent.ToString());
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
        Assert.StartsWith("<rss", System.Text.Encoding.UTF8.GetString(result.Body!));
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
    public async Task Nothing_listening_is_reported()
    {
        var url = $"http://127.0.0.1:{SmtpTestServer.FreePort()}/feed";
        var error = await Assert.ThrowsAsync<FeedFetchException>(() => Fetcher().FetchAsync(url, null, null, default));
        Assert.Contains("refused", error.Message, StringComparison.OrdinalIgnoreCase);
    }
}
