using System.Text.Json.Nodes;
using FeedWatcher.Configuration;
using FeedWatcher.Tests.Infrastructure;
using static FeedWatcher.Tests.Infrastructure.Feeds;

namespace FeedWatcher.Tests.Configuration;

/// <summary>In a clone, the settings a user edits are the top-level appsettings.json, under <c>dotnet run</c> and the
/// tests alike, not the copy in the build output: the real worker, run from a clone's build output, reloads its
/// watches when that file is edited.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CloneSettingsTests(PostgresFixture postgres) : PipelineTest(postgres)
{
    string Clone => StateDirectory;

    [Fact]
    public void The_tests_read_theClones_own_top_level_file()
    {
        Assert.Equal(Path.Combine(Repository.Root, "appsettings.json"), ConfigurationFiles.Defaults(AppContext.BaseDirectory));
        Assert.Equal(Path.Combine(Clone, "appsettings.json"), ConfigurationFiles.Defaults(Clone)); // no clone above: beside the binary
    }

    [Fact]
    public async Task Config_show_names_the_live_file_first()
    {
        var (exit, output, _) = await CliRunner.RunAsync("config", "show");
        Assert.Equal(0, exit);
        var administrators = Path.Combine(ConfigurationFiles.SystemDirectory(), "appsettings.json"); // wins where there is one
        var live = File.Exists(administrators) ? administrators : Path.Combine(Repository.Root, "appsettings.json");
        Assert.StartsWith($"# Your settings: {live} (read again when it changes)", output, StringComparison.Ordinal);

        var mine = Path.Combine(Clone, "mine.json");
        await File.WriteAllTextAsync(mine, "{}");
        (_, output, _) = await CliRunner.RunAsync("config", "show", "--config", mine);
        Assert.StartsWith($"# Your settings: {mine} ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Editing_the_top_level_file_reloads_the_running_workers_watches()
    {
        Server.Feed("/desk.rss", Rss("Desk", Unrelated));
        // A clone: the solution, the top-level settings, and the worker's build output where dotnet run puts it.
        File.Copy(Path.Combine(Repository.Root, "FeedWatcher.sln"), Path.Combine(Clone, "FeedWatcher.sln"));
        var build = Path.Combine(Clone, "src", "FeedWatcher", "bin", "Debug", "net10.0");
        await CopyTreeAsync(WorkerProcess.BuildDirectory, build);
        var settingsFile = Path.Combine(Clone, "appsettings.json");
        var settings = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "appsettings.json")))!;
        var feedWatcher = settings["FeedWatcher"]!;
        feedWatcher["Database"]!["ConnectionString"] = await Postgres.CreateDatabaseAsync();
        feedWatcher["StateDirectory"] = Path.Combine(Clone, "state");
        feedWatcher["Feeds"] = new JsonArray(new JsonObject { ["Url"] = Server.Url("/desk.rss"), ["Name"] = "Desk" });
        feedWatcher["Polling"]!["AllowPrivateNetworks"] = new JsonArray(TestHost.AllowedNetwork);
        await File.WriteAllTextAsync(settingsFile, settings.ToJsonString());
        // The copy beside the binary says something else: it must not be what is read. (Unlinked first: it may be a
        // hard link to the real build's file.)
        File.Delete(Path.Combine(build, "appsettings.json"));
        await File.WriteAllTextAsync(Path.Combine(build, "appsettings.json"), """{ "FeedWatcher": { "Watches": [ { "Name": "Stale copy", "Keywords": [ "x" ] } ] } }""");

        await using var worker = WorkerProcess.Start(["run"], Path.Combine(build, "feedwatcher.dll"), workingDirectory: Clone);
        await worker.LineAsync($"Settings: {settingsFile}", TimeSpan.FromSeconds(60));
        await worker.LineAsync("Polled 1 feeds", TimeSpan.FromSeconds(60));

        feedWatcher["Watches"]![0]!["Name"] = "Kabul blasts";
        feedWatcher["Watches"]![0]!["Keywords"] = new JsonArray("Kabul blast");
        await File.WriteAllTextAsync(settingsFile, settings.ToJsonString());

        var reloaded = await worker.LineAsync("Watches reloaded", TimeSpan.FromSeconds(30));
        Assert.Contains("Kabul blasts", reloaded, StringComparison.Ordinal);
        Assert.DoesNotContain("Stale copy", worker.Output, StringComparison.Ordinal);
    }

    // Hard links where the file system allows (the same bytes, at no cost), else a copy.
    static async Task CopyTreeAsync(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        var (exit, output) = await ProcessRunner.RunAsync("cp", ["-al", from, to]);
        if (exit != 0)
        {
            if (Directory.Exists(to)) Directory.Delete(to, recursive: true);
            (exit, output) = await ProcessRunner.RunAsync("cp", ["-r", from, to]);
        }
        Assert.True(exit == 0, output);
    }
}
