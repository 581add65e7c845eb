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
        TestHost.AllowLoopback,
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

    [Fact]
    public async Task Feeds_added_and_removed_beside_the_configured_ones()
    {
        var settings = await SettingsAsync();
        Assert.Equal(0, (await RunAsync(["feeds", "add", "http://127.0.0.1:9/added.rss", "--name", "Added desk", "--no-check", .. settings])).Exit);
        var (exit, output) = await RunAsync(["feeds", "list", "--json", .. settings]);
        Assert.Equal(0, exit);
        Assert.Contains("\"url\":\"http://127.0.0.1:9/added.rss\",\"name\":\"Added desk\"", output, StringComparison.Ordinal);

        (exit, output, var error) = await CliRunner.RunAsync(["feeds", "remove", "http://127.0.0.1:9/configured.rss", .. settings]);
        Assert.Equal(1, exit);
        Assert.Contains("is configured (FeedWatcher:Feeds:0 in appsettings.json): remove it there", error, StringComparison.Ordinal);
        Assert.Equal(1, (await RunAsync(["feeds", "add", "ftp://example.org/feed", .. settings])).Exit);

        Assert.Equal(0, (await RunAsync(["feeds", "remove", "http://127.0.0.1:9/added.rss", .. settings])).Exit);
        Assert.DoesNotContain("added.rss", (await RunAsync(["feeds", "list", .. settings])).Out, StringComparison.Ordinal);
        Assert.Equal(1, (await RunAsync(["feeds", "remove", "http://127.0.0.1:9/added.rss", .. settings])).Exit);
        Assert.Equal(0, (await RunAsync(["feeds", "add", "http://127.0.0.1:9/added.rss", "--no-check", .. settings])).Exit); // polled again
        Assert.Contains("added.rss", (await RunAsync(["feeds", .. settings])).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Opml_import_and_config_check_say_at_once_what_the_network_guard_will_refuse()
    {
        var opml = Path.Combine(_directory, "internal.opml");
        await File.WriteAllTextAsync(opml, """
            <opml version="2.0"><head/><body>
              <outline text="Metadata" xmlUrl="http://169.254.169.254/latest/meta-data/"/>
              <outline text="Allowed" xmlUrl="http://127.0.0.1:9/allowed.rss"/>
            </body></opml>
            """);
        var (exit, output, error) = await CliRunner.RunAsync(["feeds", "import", opml, .. await SettingsAsync()]);
        Assert.Equal(1, exit);
        Assert.Contains("Imported 1 new feeds", output, StringComparison.Ordinal);
        Assert.Contains("skipped 'http://169.254.169.254/latest/meta-data/': refused: 169.254.169.254 is a link-local address", error, StringComparison.Ordinal);

        var settings = Path.Combine(_directory, "intranet.json");
        await File.WriteAllTextAsync(settings, """{ "FeedWatcher": { "Feeds": [ { "Url": "http://10.1.2.3/rss" }, { "Url": "http://localhost:8080/rss" } ] } }""");
        (exit, output, _) = await CliRunner.RunAsync("config", "check", settings);
        Assert.Equal(0, exit);
        Assert.Contains("warning: FeedWatcher:Feeds:0:Url: refused: 10.1.2.3 is a private address", output, StringComparison.Ordinal);
        Assert.Contains("warning: FeedWatcher:Feeds:1:Url: refused: localhost is a loopback address", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_check_checks_a_file_before_it_is_installed()
    {
        var good = Path.Combine(_directory, "good.json");
        await File.WriteAllTextAsync(good, """{ "FeedWatcher": { "Polling": { "MaxConcurrency": 4 } } }""");
        var bad = Path.Combine(_directory, "bad.json");
        await File.WriteAllTextAsync(bad, """{ "FeedWatcher": { "Polling": { "Timeout": "soon" }, "Watches": [ { "Name": "x", "Keywords": [ "\"a" ] } ] } }""");
        var broken = Path.Combine(_directory, "broken.json");
        await File.WriteAllTextAsync(broken, """{ "FeedWatcher": { "Polling": """);

        Assert.Equal((0, "Configuration OK"), ((await RunAsync("config", "check", good)).Exit, (await RunAsync("config", "check", good)).Out.Trim()));
        var (exit, _, error) = await CliRunner.RunAsync("config", "check", bad);
        Assert.Equal(1, exit);
        Assert.Contains("FeedWatcher:Polling:Timeout: 'soon' is not a time span", error, StringComparison.Ordinal);
        Assert.Contains("FeedWatcher:Watches:0:Keywords:0: quote the whole keyword or nothing", error, StringComparison.Ordinal);
        (exit, _, error) = await CliRunner.RunAsync("config", "check", broken);
        Assert.Equal(1, exit);
        Assert.Contains($"{broken}: not valid JSON at line 1", error, StringComparison.Ordinal);
        (exit, _, error) = await CliRunner.RunAsync("config", "check", Path.Combine(_directory, "missing.json"));
        Assert.Equal(1, exit);
        Assert.Contains("no such file", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watches_list_shows_each_watch_and_where_it_is_set()
    {
        var (exit, output) = await RunAsync("watches", "list");
        Assert.Equal(0, exit);
        Assert.Contains("Afghanistan peace talks  (FeedWatcher:Watches:0)\n  keywords   Afghanistan, Moscow conference, Taliban talks", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        var json = JsonDocument.Parse((await RunAsync("watches", "--json")).Out.Split('\n')[0]).RootElement;
        Assert.Equal(0.3, json.GetProperty("min_score").GetDouble());
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
