using System.Text.Json;
using FeedWatcher.Digests;
using FeedWatcher.Tests.Infrastructure;

namespace FeedWatcher.Tests.Cli;

/// <summary><c>feedwatcher same-story</c> as a user runs it.</summary>
public sealed class DigestCommandsTests : IDisposable
{
    readonly string _directory = TestHost.TemporaryDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

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
