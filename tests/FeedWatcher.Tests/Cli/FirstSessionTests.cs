using FeedWatcher.Tests.Infrastructure;
using static FeedWatcher.Tests.Infrastructure.Feeds;

namespace FeedWatcher.Tests.Cli;

/// <summary>A user's first session, as the README's quick start has it: a feed added with <c>feeds add</c>, then
/// <c>run --once</c> prints the hits with why and previews the digest, all in one go. (The shipped feeds are replaced
/// by a settings file: tests fetch nothing but loopback.)</summary>
[Collection(DatabaseCollection.Name)]
public sealed class FirstSessionTests(PostgresFixture postgres) : PipelineTest(postgres)
{
    [Fact]
    public async Task Feeds_add_then_run_once_shows_the_hits_and_the_digest()
    {
        var now = DateTime.UtcNow.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        Server.Feed("/desk.rss", Rss("Local desk",
            new Item("blast", "Kabul blast kills dozens near ministry", "A bomb went off in the capital.", now),
            FollowUp with { Published = now },
            Sports with { Published = now }));
        var settingsFile = Path.Combine(StateDirectory, "settings.json");
        await File.WriteAllTextAsync(settingsFile, """{ "FeedWatcher": { "Feeds": [] } }""");
        string[] settings = ["--config", settingsFile, $"--FeedWatcher:Database:ConnectionString={await Postgres.CreateDatabaseAsync()}", $"--FeedWatcher:StateDirectory={StateDirectory}", TestHost.AllowLoopback];

        var (exit, output, error) = await CliRunner.RunAsync(["feeds", "add", Server.Url("/desk.rss"), .. settings]);
        Assert.True(exit == 0, error);
        Assert.Contains("\"Local desk\", 3 items", output, StringComparison.Ordinal);

        (exit, output, error) = await CliRunner.RunAsync(["run", "--once", .. settings]);

        Assert.True(exit == 0, output + error);
        Assert.Contains("Polled 1 feed: 0 not modified, 0 failed, 3 new items, 2 hits.", output, StringComparison.Ordinal);
        Assert.Contains("1 of them polled for the first time: their items of the last day were matched", output, StringComparison.Ordinal);
        Assert.Contains("2 new hits:\n", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains($"* {FollowUp.Title}\n  Afghanistan peace talks, score ", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("* Kabul blast kills dozens near ministry", output, StringComparison.Ordinal);
        Assert.Contains("  Why: Kabul (as Afghanistan) in title", output, StringComparison.Ordinal);
        Assert.Contains("--- What the digest \"Daily\" would hold now", output, StringComparison.Ordinal);
        Assert.Contains("Subject: FeedWatcher: 2 new stories on Afghanistan peace talks", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Sports.Title, output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(StateDirectory, "pickup"))); // previewed, not sent
    }
}
