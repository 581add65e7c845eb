using FeedWatcher.Digests;
using FeedWatcher.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static FeedWatcher.Tests.Infrastructure.Feeds;

namespace FeedWatcher.Tests.Pipeline;

/// <summary>A feed taken out of the configuration leaves what FeedWatcher reports (<c>status</c>, <c>feeds</c>, the
/// digest's "Feeds needing attention"), while its history stays in the database; the counts mean what they say.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class RemovedFeedsTests(PostgresFixture postgres) : PipelineTest(postgres)
{
    // A command run with a settings file that lists these feeds (a list there replaces the shipped one).
    async Task<(int Exit, string Out, string Err)> CliAsync(string connectionString, string[] feeds, params string[] command)
    {
        var file = Path.Combine(StateDirectory, "settings.json");
        await File.WriteAllTextAsync(file, System.Text.Json.JsonSerializer.Serialize(new { FeedWatcher = new { Feeds = feeds.Select(url => new { Url = url }) } }));
        return await CliRunner.RunAsync([.. command, "--config", file, $"--FeedWatcher:Database:ConnectionString={connectionString}", $"--FeedWatcher:StateDirectory={StateDirectory}"]);
    }

    [Fact]
    public async Task A_feed_removed_from_the_configuration_is_gone_from_status_feeds_and_the_digest()
    {
        Server.Feed("/ok.rss", Rss("Working", Unrelated));
        Server.Route("/broken.rss", context => { context.Response.StatusCode = StatusCodes.Status500InternalServerError; return Task.CompletedTask; });
        string[] both = [Server.Url("/ok.rss"), Server.Url("/broken.rss")], kept = [Server.Url("/ok.rss")];
        var connectionString = await Postgres.CreateDatabaseAsync();
        var settings = SmtpSettings(2525);
        for (var i = 0; i < both.Length; i++) settings[$"FeedWatcher:Feeds:{i}:Url"] = both[i];
        using (var host = await BuildHostAsync(settings, connectionString))
        {
            await PollOnceAsync(host);
            Clock.Advance(TimeSpan.FromHours(2));
            await PollOnceAsync(host); // polled twice: once failed, twice failing
            var outbox = host.Services.GetRequiredService<DigestOutbox>();
            var (_, message) = await outbox.PreviewAsync(outbox.Find("Daily")!);
            Assert.Contains("/broken.rss", message.TextBody, StringComparison.Ordinal);
        }
        var (_, status, _) = await CliAsync(connectionString, both, "status");
        Assert.Contains("feeds      2 in use: 2 due now, 1 failing, 0 gone", status, StringComparison.Ordinal); // the commands' clock is the real one
        var (_, list, _) = await CliAsync(connectionString, both, "feeds");
        Assert.Contains("2 feeds: 1 ok, 1 failing, 0 gone, 0 not polled yet", list, StringComparison.Ordinal);

        // The broken feed is taken out of the configuration.
        (_, status, _) = await CliAsync(connectionString, kept, "status");
        Assert.Contains("feeds      1 in use: 1 due now, 0 failing, 0 gone", status, StringComparison.Ordinal);
        Assert.DoesNotContain("failing: see", status, StringComparison.Ordinal);
        (_, list, _) = await CliAsync(connectionString, kept, "feeds");
        Assert.Contains("1 feed: 1 ok, 0 failing, 0 gone, 0 not polled yet", list, StringComparison.Ordinal);
        Assert.DoesNotContain("/broken.rss", list, StringComparison.Ordinal);
        settings.Remove("FeedWatcher:Feeds:1:Url");
        using (var host = await BuildHostAsync(settings, connectionString))
        {
            var outbox = host.Services.GetRequiredService<DigestOutbox>();
            var (draft, message) = await outbox.PreviewAsync(outbox.Find("Daily")!);
            Assert.Empty(draft.Attention);
            Assert.DoesNotContain("/broken.rss", message.TextBody, StringComparison.Ordinal);
        }
    }
}
