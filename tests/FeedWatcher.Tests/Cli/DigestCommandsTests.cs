using System.Text.Json;
using FeedWatcher.Digests;
using FeedWatcher.Tests.Infrastructure;

namespace FeedWatcher.Tests.Cli;

/// <summary><c>feedwatcher digest</c> and <c>feedwatcher same-story</c> as a user runs them.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class DigestCommandsTests(PostgresFixture postgres) : IDisposable
{
    readonly string _directory = TestHost.TemporaryDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    async Task<string[]> SettingsAsync() =>
    [
        $"--FeedWatcher:Database:ConnectionString={await postgres.CreateDatabaseAsync()}", $"--FeedWatcher:StateDirectory={_directory}",
        "--FeedWatcher:Digests:0:Name=Daily", "--FeedWatcher:Digests:0:TimeZone=Etc/UTC", "--FeedWatcher:Digests:0:SendWhenEmpty=true",
    ];

    [Fact]
    public async Task Digest_preview_renders_without_sending_and_send_delivers()
    {
        var settings = await SettingsAsync();
        var html = Path.Combine(_directory, "digest.html");

        var (exit, output, error) = await CliRunner.RunAsync(["digest", "preview", "daily", "--html", html, .. settings]);
        Assert.True(exit == 0, error);
        Assert.StartsWith("Subject: FeedWatcher: no new stories\n", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("FeedWatcher digest \"Daily\"", output, StringComparison.Ordinal);
        Assert.StartsWith("<!DOCTYPE html>", File.ReadAllText(html), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_directory, "pickup")));

        (exit, output, error) = await CliRunner.RunAsync(["digest", "send", .. settings]);
        Assert.True(exit == 0, error);
        Assert.Contains("Digest Daily: #1 added to the outbox", output, StringComparison.Ordinal);
        var written = Assert.Single(Directory.GetFiles(Path.Combine(_directory, "pickup"), "*.eml"));
        Assert.Contains($"Digest Daily #1 written to {written} (no Smtp:Host is configured)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Digest_commands_name_an_unknown_digest()
    {
        var (exit, _, error) = await CliRunner.RunAsync(["digest", "send", "weekly", .. await SettingsAsync()]);
        Assert.Equal(1, exit);
        Assert.Contains("no digest named 'weekly' (digests: Daily)", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Same_story_prints_one_line_per_pair_with_the_shipped_decision()
    {
        var pairs = Path.Combine(_directory, "pairs.jsonl");
        File.WriteAllLines(pairs,
        [
            """{"id": "p1", "a": "Largest non-nuclear bomb hits ISIL caves in Nangarhar", "b": "US drops largest non-nuclear bomb on Daesh caves in Nangarhar", "score": 4.2}""",
            """{"id": "p2", "a": "Chinese shares close higher on Tuesday", "b": "Storm closes schools in the north"}""",
        ]);

        var (exit, output, error) = await CliRunner.RunAsync("same-story", "--pairs", pairs);

        Assert.True(exit == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["id", "score", "same"], lines[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(("p1", true), (lines[0].GetProperty("id").GetString(), lines[0].GetProperty("same").GetBoolean()));
        Assert.True(lines[0].GetProperty("score").GetDouble() >= SameStory.Threshold);
        Assert.Equal(("p2", false), (lines[1].GetProperty("id").GetString(), lines[1].GetProperty("same").GetBoolean()));
    }

    [Fact]
    public async Task Same_story_names_the_line_that_is_wrong()
    {
        var pairs = Path.Combine(_directory, "pairs.jsonl");
        File.WriteAllLines(pairs, ["""{"id": "p1", "a": "One", "b": "Two"}""", """{"id": "p2", "a": "Three"}"""]);

        var (exit, output, error) = await CliRunner.RunAsync("same-story", "--pairs", pairs);

        Assert.Equal(1, exit);
        Assert.Empty(output);
        Assert.Contains("line 2: 'b' is missing or not a string", error, StringComparison.Ordinal);
    }
}
