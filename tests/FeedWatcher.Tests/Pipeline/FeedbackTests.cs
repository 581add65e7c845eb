using Dapper;
using FeedWatcher.Matching;
using FeedWatcher.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using static FeedWatcher.Tests.Infrastructure.Feeds;

namespace FeedWatcher.Tests.Pipeline;

/// <summary>What a watch learns is on record: <c>feedwatcher feedback</c> keeps a reader's judgement, and the watch
/// learns from it at the next poll cycle and after a restart; every instance on one database holds the same profile;
/// <c>watches reset</c>, <c>pin</c> and <c>ban</c> change it for all of them.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class FeedbackTests(PostgresFixture postgres) : PipelineTest(postgres)
{
    const string Recent = "Sat, 15 Apr 2017 05:00:00 GMT";

    [Fact]
    public async Task A_judgement_is_kept_and_the_watch_learns_from_it_now_and_after_a_restart()
    {
        var judged = new Item("kazakh-1", "Kazakh capital to host the next Afghan peace round", "Astana offers its halls to the delegations.", Recent);
        Server.Feed("/desk.rss", Rss("Desk", [judged, .. OtherNews(80, Recent)]));
        var database = await Postgres.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?>
        {
            ["FeedWatcher:Feeds:0:Url"] = Server.Url("/desk.rss"),
            ["FeedWatcher:Watches:0:Seed:Title"] = "Russia hosts Moscow conference on Afghanistan without the US",
            ["FeedWatcher:Watches:0:Seed:Text"] = "Lavrov and ten other countries urged the Taliban to make peace with the Kabul government.",
        };
        using var host = await BuildHostAsync(settings, database);
        await PollOnceAsync(host);
        const string probe = "Halls in Astana ready for the delegations";
        var registry = host.Services.GetRequiredService<WatchRegistry>();
        double SeedPart() => registry.Current.Score(registry.Analyze(new ItemText(probe, "")), null, includeMisses: true).Single().Explanation.Seed;
        var before = SeedPart();

        // The item was missed (a first poll, and no keyword): the reader names the watch it belongs to.
        var (exit, output, error) = await CliRunner.RunAsync(["feedback", "http://example.org/kazakh-1", "relevant", "--watch", "afghanistan peace talks",
            $"--FeedWatcher:Database:ConnectionString={database}", $"--FeedWatcher:StateDirectory={StateDirectory}"]);

        Assert.True(exit == 0, error);
        Assert.Contains("\"Kazakh capital to host the next Afghan peace round\": relevant for Afghanistan peace talks", output, StringComparison.Ordinal);
        Assert.Equal(before, SeedPart()); // not before the next cycle
        Assert.Equal(1, await host.Services.GetRequiredService<WatchLearning>().ApplyNewAsync()); // what the next cycle does first
        Assert.True(SeedPart() > before, $"{before} -> {SeedPart()}");

        // A new process on the same database applies it at start, with every judgement ever given.
        using var restarted = await BuildHostAsync(settings, database);
        Assert.Equal(1, await restarted.Services.GetRequiredService<WatchLearning>().ApplyNewAsync());
        await using var connection = new NpgsqlConnection(database);
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM judgements WHERE relevant"));

        // What the watch learnt, as a user asks for it.
        (exit, output, error) = await CliRunner.RunAsync(["watches", "show", "Afghanistan peace talks",
            $"--FeedWatcher:Database:ConnectionString={database}", $"--FeedWatcher:StateDirectory={StateDirectory}"]);
        Assert.True(exit == 0, error);
        Assert.Contains("Afghanistan peace talks: learnt from 0 confident hits and 1 judgement (1 relevant, 0 not)", output, StringComparison.Ordinal);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(output, @"astana +0\.73  1 judged relevant; last item \d+ ""Kazakh capital to host the next Afghan peace round"""), output);
    }

    static readonly string[] FollowUps =
    [
        "Moscow conference on Afghanistan: Lavrov invites the Taliban to Astana next",
        "Afghanistan peace push moves to Astana, Lavrov says after Moscow conference",
        "Taliban talks on Afghanistan could continue in Astana, Moscow conference told",
        "Moscow conference on Afghanistan ends with a call for an Astana round",
    ];

    [Fact]
    public async Task Every_instance_on_one_database_holds_one_profile_and_a_reset_keeps_the_judgements()
    {
        var background = OtherNews(80, Recent);
        Server.Feed("/desk.rss", Rss("Desk", background));
        var database = await Postgres.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?>
        {
            ["FeedWatcher:Feeds:0:Url"] = Server.Url("/desk.rss"),
            ["FeedWatcher:Watches:0:Seed:Title"] = "Russia hosts Moscow conference on Afghanistan without the US",
            ["FeedWatcher:Watches:0:Seed:Text"] = "Lavrov and ten other countries urged the Taliban to make peace with the Kabul government.",
        };
        string[] cli = [$"--FeedWatcher:Database:ConnectionString={database}", $"--FeedWatcher:StateDirectory={StateDirectory}"];
        using var polling = await BuildHostAsync(settings, database);
        await PollOnceAsync(polling);
        Server.Feed("/desk.rss", Rss("Desk", [.. FollowUps.Select((t, i) => new Item($"f{i}", t, "", Recent)), .. background]));
        Clock.Advance(TimeSpan.FromHours(1));
        await PollOnceAsync(polling);
        await polling.Services.GetRequiredService<WatchLearning>().ApplyNewAsync(); // what the next cycle does first
        LearntProfile Profile(IHost host) => host.Services.GetRequiredService<WatchRegistry>().Current.LearntBy("Afghanistan peace talks")!;
        Assert.Equal(4, Profile(polling).ConfidentHits);
        Assert.Contains(Profile(polling).Words, w => w.Text == "astana" && w.ConfidentHits == 4);

        // A second instance, which polled nothing, holds the same profile.
        using var other = await BuildHostAsync(settings, database);
        await other.Services.GetRequiredService<Scheduling.LearnTermsOnStart>().StartAsync(default);
        Assert.Equal(Profile(polling).Words, Profile(other).Words);

        // A reader judges one follow-up relevant; a reset forgets the hits and keeps the judgement.
        var (exit, _, error) = await CliRunner.RunAsync(["feedback", "http://example.org/f0", "relevant", .. cli]);
        Assert.True(exit == 0, error);
        (exit, var output, error) = await CliRunner.RunAsync(["watches", "reset", "afghanistan PEACE talks", .. cli]);
        Assert.True(exit == 0, error);
        Assert.Contains("Afghanistan peace talks forgets what it learnt from its hits so far", output, StringComparison.Ordinal);
        foreach (var host in new[] { polling, other })
        {
            await host.Services.GetRequiredService<WatchLearning>().ApplyNewAsync();
            Assert.Equal((0, 1), (Profile(host).ConfidentHits, Profile(host).JudgedRelevant));
            Assert.Contains(Profile(host).Words, w => w.Text == "astana" && w.Relevant == 1 && w.ConfidentHits == 0);
        }

        // Pinned and banned words, then a reset of the judgements too: they stay stored.
        (exit, _, error) = await CliRunner.RunAsync(["watches", "pin", "Afghanistan peace talks", "Kabul process", .. cli]);
        Assert.True(exit == 0, error);
        (exit, _, error) = await CliRunner.RunAsync(["watches", "ban", "Afghanistan peace talks", "Astana", .. cli]);
        Assert.True(exit == 0, error);
        (exit, _, error) = await CliRunner.RunAsync(["watches", "reset", "Afghanistan peace talks", "--judgements", .. cli]);
        Assert.True(exit == 0, error);
        await polling.Services.GetRequiredService<WatchLearning>().ApplyNewAsync();
        var profile = Profile(polling);
        Assert.Equal((0, 0, 0), (profile.ConfidentHits, profile.JudgedRelevant, profile.Words.Count));
        Assert.Equal(["Kabul process"], profile.Pinned);
        Assert.Equal(["Astana"], profile.Banned);
        await using var connection = new NpgsqlConnection(database);
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM judgements"));

        // What the watch learnt, as a user asks for it.
        (exit, output, error) = await CliRunner.RunAsync(["watches", "show", "Afghanistan peace talks", .. cli]);
        Assert.True(exit == 0, error);
        Assert.True(output.Contains("Pinned: Kabul process", StringComparison.Ordinal), output);
        Assert.Contains("Banned: Astana", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Feedback_says_what_is_wrong()
    {
        var database = await Postgres.CreateDatabaseAsync();
        string[] settings = [$"--FeedWatcher:Database:ConnectionString={database}", $"--FeedWatcher:StateDirectory={StateDirectory}"];
        var (exit, _, error) = await CliRunner.RunAsync(["feedback", "12345", "relevant", .. settings]);
        Assert.Equal((1, "feedwatcher: no stored item is numbered or linked '12345'"), (exit, error.Trim()));
        (exit, _, error) = await CliRunner.RunAsync(["feedback", "12345", "maybe", .. settings]);
        Assert.Equal((2, "feedwatcher: say relevant or not-relevant, not 'maybe'"), (exit, error.Trim()));
    }
}
