using Dapper;
using FeedWatcher.Matching;
using FeedWatcher.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static FeedWatcher.Tests.Infrastructure.Feeds;

namespace FeedWatcher.Tests.Pipeline;

/// <summary><c>feedwatcher feedback</c>: a reader's judgement is kept, and the watch learns from it at the next
/// poll cycle and after a restart.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class FeedbackTests(PostgresFixture postgres) : PipelineTest(postgres)
{
    const string Recent = "Sat, 15 Apr 2017 05:00:00 GMT";

    [Fact]
    public async Task A_judgement_is_kept_and_the_watch_learns_from_it_now_and_after_a_restart()
    {
        var judged = new Item("kazakh-1", "Kazakh capital to host the next Afghan peace round", "Astana offers its halls to the delegations.", Recent);
        Server.Feed("/desk.rss", Rss("Desk", [judged, .. Enumerable.Range(0, 80).Select(i => new Item($"n{i}", $"Markets report number {i} on prices", "Trading was quiet.", Recent))]));
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
        Assert.Equal(1, await host.Services.GetRequiredService<ReaderJudgements>().ApplyNewAsync()); // what the next cycle does first
        Assert.True(SeedPart() > before, $"{before} -> {SeedPart()}");

        // A new process on the same database applies it at start, with every judgement ever given.
        using var restarted = await BuildHostAsync(settings, database);
        Assert.Equal(1, await restarted.Services.GetRequiredService<ReaderJudgements>().ApplyNewAsync());
        await using var connection = new NpgsqlConnection(database);
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM judgements WHERE relevant"));

        // What the watch learnt, as a user asks for it.
        (exit, output, error) = await CliRunner.RunAsync(["watches", "show", "Afghanistan peace talks",
            $"--FeedWatcher:Database:ConnectionString={database}", $"--FeedWatcher:StateDirectory={StateDirectory}"]);
        Assert.True(exit == 0, error);
        Assert.Contains("Afghanistan peace talks: learnt from 0 confident hits and 1 judgement (1 relevant, 0 not)", output, StringComparison.Ordinal);
        Assert.Contains("astana", output, StringComparison.OrdinalIgnoreCase);
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
