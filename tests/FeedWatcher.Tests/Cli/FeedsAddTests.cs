using FeedWatcher.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using static FeedWatcher.Tests.Infrastructure.Feeds;

namespace FeedWatcher.Tests.Cli;

/// <summary><c>feedwatcher feeds add URL</c> fetches the address once and says what it found: a feed (added), a web
/// page (not added; the feeds it links to are listed), an HTTP error (not added).</summary>
[Collection(DatabaseCollection.Name)]
public sealed class FeedsAddTests(PostgresFixture postgres) : PipelineTest(postgres)
{
    string? _database;

    async Task<(int Exit, string Out, string Err)> FeedsAsync(params string[] args)
    {
        _database ??= await Postgres.CreateDatabaseAsync();
        return await CliRunner.RunAsync(["feeds", .. args, $"--FeedWatcher:Database:ConnectionString={_database}", $"--FeedWatcher:StateDirectory={StateDirectory}", TestHost.AllowLoopback]);
    }

    [Fact]
    public async Task A_feed_is_added_with_what_it_holds()
    {
        Server.Feed("/world.rss", Rss("World desk", FollowUp, Unrelated));

        var (exit, output, error) = await FeedsAsync("add", Server.Url("/world.rss"));

        Assert.True(exit == 0, error);
        Assert.StartsWith($"Added {Server.Url("/world.rss")}: \"World desk\", 2 items, the newest published 2017-04-12", output, StringComparison.Ordinal);
        Assert.Contains("At its first poll, the items published in the last day are matched; older ones are recorded as seen", output, StringComparison.Ordinal);
        (_, output, _) = await FeedsAsync("list");
        Assert.Contains("World desk", output, StringComparison.Ordinal); // the feed's own title names it
        Assert.Contains("5 feeds: 0 ok, 0 failing, 0 gone, 5 not polled yet", output, StringComparison.Ordinal); // with the four shipped ones
    }

    [Fact]
    public async Task A_web_page_is_not_added_and_its_feed_links_are_offered()
    {
        Server.Route("/news/", context =>
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            return context.Response.WriteAsync("""
                <!DOCTYPE html>
                <html><head><title>World desk</title>
                <link rel="alternate" type="application/rss+xml" title="World desk: all stories" href="world.rss">
                <link rel=alternate type=application/atom+xml href=/atom.xml>
                <link rel="stylesheet" href="site.css">
                </head><body><p>Today's stories</p></body></html>
                """);
        });

        var (exit, output, error) = await FeedsAsync("add", Server.Url("/news/"));

        Assert.Equal(1, exit);
        Assert.Empty(output);
        Assert.Equal(
        [
            $"feedwatcher: {Server.Url("/news/")} is a web page (HTML), not a feed: not added. It links to 2 feeds:",
            $"  {Server.Url("/news/world.rss")}  (RSS: World desk: all stories)",
            $"  {Server.Url("/atom.xml")}  (Atom)",
            $"Add one with: feedwatcher feeds add {Server.Url("/news/world.rss")}",
        ], error.Trim().ReplaceLineEndings("\n").Split('\n'));
        (_, output, _) = await FeedsAsync("list");
        Assert.DoesNotContain(Server.BaseUrl, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_http_error_is_not_added_unless_unchecked()
    {
        var missing = Server.Url("/missing.rss");

        var (exit, output, error) = await FeedsAsync("add", missing);

        Assert.Equal(1, exit);
        Assert.Empty(output);
        Assert.StartsWith($"feedwatcher: {missing}: HTTP 404 Not Found; not added (--no-check adds it without fetching it)", error, StringComparison.Ordinal);

        (exit, output, error) = await FeedsAsync("add", missing, "--no-check");
        Assert.True(exit == 0, error);
        Assert.StartsWith($"Added {missing}.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Not_a_feed_says_so()
    {
        Server.Route("/data.json", context => context.Response.WriteAsync("""{ "temperature": 21 }"""));

        var (exit, _, error) = await FeedsAsync("add", Server.Url("/data.json"));

        Assert.Equal(1, exit);
        Assert.StartsWith($"feedwatcher: {Server.Url("/data.json")}: not a feed: not a readable JSON Feed", error, StringComparison.Ordinal);
    }
}
