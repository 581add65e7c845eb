using System.Text.Json;
using FeedWatcher.Cli;
using FeedWatcher.Feeds;
using FeedWatcher.Tests.Infrastructure;

namespace FeedWatcher.Tests.Cli;

/// <summary>The feedwatcher command as a user runs it, on a real database.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CommandLineTests(PostgresFixture postgres) : IDisposable
{
    readonly string _directory = TestHost.TemporaryDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    async Task<string[]> SettingsAsync() =>
    [
        $"--FeedWatcher:Database:ConnectionString={await postgres.CreateDatabaseAsync()}",
        $"--FeedWatcher:StateDirectory={_directory}",
        "--FeedWatcher:Feeds:0:Url=http://127.0.0.1:9/configured.rss", "--FeedWatcher:Feeds:0:Name=Configured",
        "--FeedWatcher:Feeds:1:Url=http://127.0.0.1:9/second.rss",
        "--FeedWatcher:Feeds:2:Url=http://127.0.0.1:9/third.rss",
        "--FeedWatcher:Feeds:3:Url=http://127.0.0.1:9/fourth.rss",
    ];

    static async Task<(int Exit, string Out)> RunAsync(params string[] args)
    {
        var (exit, output, _) = await CliRunner.RunAsync(args);
        return (exit, output);
    }

    [Fact]
    public async Task Opml_import_adds_feeds_that_export_and_list_show()
    {
        var settings = await SettingsAsync();
        var opml = Path.Combine(_directory, "subscriptions.opml");
        await File.WriteAllTextAsync(opml, """
            <?xml version="1.0"?>
            <opml version="1.0"><head><title>Desk</title></head><body>
              <outline text="Asia"><outline text="Kabul desk" xmlUrl="http://127.0.0.1:9/kabul.rss"/></outline>
              <outline title="Configured too" xmlUrl="http://127.0.0.1:9/configured.rss"/>
            </body></opml>
            """);

        Assert.Equal(0, (await RunAsync(["feeds", "import", opml, .. settings])).Exit);

        var exported = Path.Combine(_directory, "export.opml");
        Assert.Equal(0, (await RunAsync(["feeds", "export", "--output", exported, .. settings])).Exit);
        await using (var stream = File.OpenRead(exported))
        {
            var outlines = Opml.Read(stream);
            Assert.Contains(new Opml.Outline("http://127.0.0.1:9/kabul.rss", "Kabul desk"), outlines);
            Assert.Contains(new Opml.Outline("http://127.0.0.1:9/configured.rss", "Configured"), outlines);
            Assert.Equal(5, outlines.Count); // four configured, one imported; the URL in both counted once
        }

        var (exit, listed) = await RunAsync(["feeds", "--json", .. settings]);
        Assert.Equal(0, exit);
        var rows = listed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(5, rows.Count);
        var kabul = rows.Single(r => r.GetProperty("url").GetString() == "http://127.0.0.1:9/kabul.rss");
        Assert.Equal(("new", "imported", 0), (kabul.GetProperty("status").GetString(), kabul.GetProperty("source").GetString(), kabul.GetProperty("consecutive_failures").GetInt32()));
    }

    [Fact]
    public async Task A_file_that_is_not_opml_is_refused_with_its_reason()
    {
        var file = Path.Combine(_directory, "notes.txt");
        await File.WriteAllTextAsync(file, "<html><body>not a subscription list</body></html>");
        Assert.Equal(1, (await RunAsync(["feeds", "import", file, .. await SettingsAsync()])).Exit);
    }

    [Theory]
    [InlineData(2, "frobnicate")]
    [InlineData(2, "parse")]                                                  // missing files
    [InlineData(1, "config", "check", "--FeedWatcher:Polling:Timeout=soon")]
    [InlineData(0, "config", "check")]
    [InlineData(0, "--help")]
    public async Task Exit_codes_say_success_failure_or_usage(int expected, params string[] args) =>
        Assert.Equal(expected, (await RunAsync(args)).Exit);

    [Fact]
    public async Task Parse_prints_one_json_line_per_file()
    {
        var good = Path.Combine(AppContext.BaseDirectory, "testdata", "rss2.xml");
        var bad = Path.Combine(AppContext.BaseDirectory, "testdata", "malformed.xml");
        var (exit, output) = await RunAsync("parse", "--json", good, bad);
        Assert.Equal(1, exit); // one file could not be read
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        Assert.True(lines[0].GetProperty("ok").GetBoolean());
        Assert.Equal(3, lines[0].GetProperty("item_count").GetInt32());
        var first = lines[0].GetProperty("items")[0];
        Assert.Equal(("urn:world:1001", "2017-04-14T08:30:00Z"), (first.GetProperty("id").GetString(), first.GetProperty("published").GetString()));
        Assert.False(lines[1].GetProperty("ok").GetBoolean());
        Assert.StartsWith("not well-formed XML", lines[1].GetProperty("error").GetString());
    }
}
