using System.Text.Json;
using FeedWatcher.Tests.Infrastructure;

namespace FeedWatcher.Tests.Cli;

/// <summary><c>feedwatcher match</c> and <c>feedwatcher backtest</c> as a user runs them.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class WatchCommandsTests(PostgresFixture postgres) : IDisposable
{
    readonly string _directory = TestHost.TemporaryDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    static Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => CliRunner.RunAsync(args);

    string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task Match_prints_the_score_and_why()
    {
        var (exit, output, _) = await RunAsync("match", "--watch", "Afghanistan peace talks", "--text", "ISIL fighters flee Nangarhar\nThe MOAB strike hit Achin district in Afghanistan.",
            $"--FeedWatcher:Database:ConnectionString={await postgres.CreateDatabaseAsync()}", $"--FeedWatcher:StateDirectory={_directory}");
        Assert.Equal(0, exit);
        Assert.StartsWith("Afghanistan peace talks: match, Afghanistan in summary; like the seed in ", output, StringComparison.Ordinal);
        Assert.Contains("MOAB", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backtest_scores_a_file_of_items_and_measures_against_judgments()
    {
        var items = Write("items.jsonl", string.Join('\n',
            """{"id": "a", "date": "2017-04-15", "title": "Taliban agree to talks in Moscow", "summary": ""}""",
            """{"id": "b", "date": "2017-04-14", "title": "Cricket final postponed", "summary": "Rain in Kabul."}""",
            """{"id": "c", "date": "2017-04-16", "title": "Markets close higher", "summary": ""}"""));
        var watches = Write("watches.json", """
            { "Watches": [ { "Name": "T1", "Keywords": [ "Taliban talks" ] }, { "Name": "T2", "Keywords": [ "Kabul" ], "MinScore": 0.5 } ] }
            """);
        var qrels = Write("qrels.tsv", "topic\titem_id\trelevance\nT1\ta\t2\nT1\tb\t0\nT1\tc\t0\nT2\tb\t1\nT2\ta\t0\nT2\tc\t-1\n");
        var output = Path.Combine(_directory, "scores.jsonl");

        var (exit, report, _) = await RunAsync("backtest", "--items", items, "--watches", watches, "--qrels", qrels, "--out", output);

        Assert.Equal(0, exit);
        var lines = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(6, lines.Count); // 3 items x 2 watches, in date order
        Assert.Equal(["b", "b", "a", "a", "c", "c"], lines.Select(l => l.GetProperty("item").GetString()));
        Assert.Equal(["item", "watch", "score", "match"], lines[0].EnumerateObject().Select(p => p.Name));
        Assert.True(lines.Single(l => l.GetProperty("item").GetString() == "a" && l.GetProperty("watch").GetString() == "T1").GetProperty("match").GetBoolean());
        Assert.Contains("T1                       threshold 0.30  targets   1  hits   1  correct   1  P 1.000  R 1.000  F1 1.000  C_norm 0.000", report, StringComparison.Ordinal);
        Assert.Contains("T2                       threshold 0.50  targets   1  hits   0  correct   0  P 0.000  R 0.000  F1 0.000  C_norm 1.000", report, StringComparison.Ordinal);
        Assert.Contains("mean C_norm", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backtest_never_looks_ahead_and_a_simulated_reader_judges_only_the_alerts()
    {
        var lines = Enumerable.Range(0, 60).Select(i => JsonSerializer.Serialize(new
        {
            id = $"i{i}", date = $"2017-05-{1 + i / 2:00}",
            title = i % 3 == 0 ? $"Moscow conference on Afghanistan, round {i}: Astana next" : $"Markets report number {i} on prices",
            summary = "",
        })).ToList();
        var watches = Write("watches.json", """
            { "Watches": [ { "Name": "T1", "Keywords": [ "Afghanistan" ], "Seed": { "Title": "Moscow conference on Afghanistan", "Text": "Russia hosted talks on peace." } } ] }
            """);
        var qrels = Write("qrels.tsv", string.Concat(Enumerable.Range(0, 60).Select(i => $"T1\ti{i}\t{(i % 3 == 0 ? 1 : 0)}\n")));
        async Task<List<string>> ScoresAsync(int count, params string[] extra)
        {
            var output = Path.Combine(_directory, $"scores-{count}-{extra.Length}.jsonl");
            var (exit, _, error) = await RunAsync(["backtest", "--items", Write($"items-{count}.jsonl", string.Join('\n', lines.Take(count))), "--watches", watches, "--out", output, .. extra]);
            Assert.True(exit == 0, error);
            return [.. File.ReadAllLines(output)];
        }

        var all = await ScoresAsync(60);
        Assert.Equal(all.Take(40), await ScoresAsync(40)); // an item's score does not depend on the items after it
        var judged = await ScoresAsync(60, "--feedback", qrels);
        Assert.Equal(all.Take(1), judged.Take(1));
        Assert.Equal(60, judged.Count);
    }

    [Fact]
    public async Task Backtest_reports_bad_watches_and_missing_input()
    {
        var watches = Write("bad.json", """{ "Watches": [ { "Name": "w", "Query": "Kabul AND (" } ] }""");
        var (exit, _, error) = await RunAsync("backtest", "--items", Write("none.jsonl", ""), "--watches", watches);
        Assert.Equal(1, exit);
        Assert.Contains("FeedWatcher:Watches:0:Query: at character 12: expected a word", error, StringComparison.Ordinal);

        Assert.Equal(2, (await RunAsync("backtest")).Exit);
    }
}
