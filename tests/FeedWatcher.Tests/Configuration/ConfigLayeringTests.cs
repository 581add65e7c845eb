using FeedWatcher.Cli;
using FeedWatcher.Configuration;
using FeedWatcher.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeedWatcher.Tests.Configuration;

/// <summary>Where settings come from, each layer over the one before: the shipped appsettings.json, the
/// administrator's (/etc/feedwatcher/appsettings.json), environment variables, the command line.</summary>
public sealed class ConfigLayeringTests : IDisposable
{
    readonly string _system = TestHost.TemporaryDirectory();

    public void Dispose() => Directory.Delete(_system, recursive: true);

    string SystemFile => Path.Combine(_system, "appsettings.json");

    static FeedWatcherOptions Options(ConfigurationManager configuration) =>
        configuration.GetSection(FeedWatcherOptions.Section).Get<FeedWatcherOptions>()!;

    [Fact]
    public void The_administrators_file_goes_over_the_shipped_one_and_under_the_command_line()
    {
        File.WriteAllText(SystemFile, """
            { "FeedWatcher": { "Polling": { "DefaultInterval": "00:45:00", "MaxConcurrency": 4 }, "Smtp": { "Host": "smtp.example.org" } } }
            """);
        var configuration = FeedWatcherServices.CreateBuilder(["--FeedWatcher:Polling:MaxConcurrency=8"], SystemFile).Configuration;
        var options = Options(configuration);

        Assert.Equal(TimeSpan.FromMinutes(45), options.Polling.DefaultInterval); // system over shipped
        Assert.Equal(8, options.Polling.MaxConcurrency); // command line over system
        Assert.Equal("smtp.example.org", options.Smtp.Host);
        Assert.Equal("Afghanistan peace talks", Assert.Single(options.Watches).Name); // the rest as shipped
    }

    [Fact]
    public void A_list_in_the_administrators_file_replaces_the_shipped_list_whole()
    {
        File.WriteAllText(SystemFile, """
            { "feedwatcher": { "feeds": [ { "Url": "https://news.example/rss" } ], "Watches": [ { "Name": "Kabul", "Keywords": [ "Kabul" ] } ] } }
            """);
        var options = Options(FeedWatcherServices.CreateBuilder([], SystemFile).Configuration);

        Assert.Equal("https://news.example/rss", Assert.Single(options.Feeds).Url); // not the last three shipped feeds as well
        var watch = Assert.Single(options.Watches);
        Assert.Equal("Kabul", watch.Name);
        Assert.Equal(["Kabul"], watch.Keywords);
        Assert.Null(watch.Seed); // nothing of the shipped watch is left under it
        Assert.NotEmpty(options.Aliases); // sections it does not name stay as shipped
    }

    [Fact]
    public void The_installed_example_file_reads_cleanly()
    {
        File.Copy(Path.Combine(Repository.Root, "deploy", "appsettings.example.json"), SystemFile);
        var configuration = FeedWatcherServices.CreateBuilder([], SystemFile).Configuration;
        Assert.Empty(ValidatedOptionsMonitor.BrokenJsonFiles(configuration));
        Assert.Empty(ConfigValidator.Validate(configuration));
        Assert.Equal("Afghanistan peace talks", Assert.Single(Options(configuration).Watches).Name);
    }

    [Fact]
    public void Without_the_administrators_file_the_shipped_settings_apply()
    {
        var options = Options(FeedWatcherServices.CreateBuilder([], Path.Combine(_system, "missing", "appsettings.json")).Configuration);
        Assert.Equal(TimeSpan.FromMinutes(30), options.Polling.DefaultInterval);
    }

    [Fact]
    public void A_broken_administrators_file_is_named_never_read_as_empty()
    {
        File.WriteAllText(SystemFile, """{ "FeedWatcher": { "Polling": { "DefaultInterval": """);
        var configuration = FeedWatcherServices.CreateBuilder([], SystemFile).Configuration;
        var problem = Assert.Single(ValidatedOptionsMonitor.BrokenJsonFiles(configuration));
        Assert.StartsWith($"{SystemFile}: not valid JSON at line", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Broken_json_is_one_problem_with_its_line_and_nothing_else()
    {
        File.WriteAllText(SystemFile, "{\n  \"FeedWatcher\": {\n    \"Watches\": [ }\n}\n");
        var (exit, _, error) = await CliRunner.RunAsync("config", "check", SystemFile);

        Assert.Equal(1, exit);
        var lines = error.Trim().Split('\n');
        Assert.Equal(2, lines.Length); // no "at least one watch is required" after it: the file is the whole problem
        Assert.Equal("feedwatcher: 1 configuration problem(s):", lines[0]);
        Assert.StartsWith($"  {SystemFile}: not valid JSON at line 3, byte ", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_given_with_config_is_the_users_file_and_must_exist()
    {
        File.WriteAllText(SystemFile, """{ "FeedWatcher": { "Polling": { "MaxConcurrency": 3 } } }""");
        var configuration = FeedWatcherServices.CreateBuilder(["--config", SystemFile, "--FeedWatcher:Polling:MaxPerHost=1"]).Configuration;
        Assert.Equal((3, 1), (Options(configuration).Polling.MaxConcurrency, Options(configuration).Polling.MaxPerHost));
        Assert.Empty(ValidatedOptionsMonitor.Problems(configuration));

        var missing = Path.Combine(_system, "missing.json");
        var problem = Assert.Single(ValidatedOptionsMonitor.Problems(FeedWatcherServices.CreateBuilder([$"--config={missing}"]).Configuration));
        Assert.StartsWith($"{missing}: no such settings file", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edit_of_the_administrators_file_takes_effect_while_running_and_a_broken_one_is_rejected()
    {
        File.WriteAllText(SystemFile, """{ "FeedWatcher": { "Watches": [ { "Name": "Kabul", "Keywords": [ "Kabul" ] } ] } }""");
        var configuration = FeedWatcherServices.CreateBuilder([], SystemFile).Configuration;
        using var monitor = new ValidatedOptionsMonitor(configuration, NullLogger<ValidatedOptionsMonitor>.Instance);
        Assert.Equal(["Kabul"], monitor.CurrentValue.Watches.Single().Keywords);

        var reloaded = new TaskCompletionSource();
        using (monitor.OnChange((_, _) => reloaded.TrySetResult()))
        {
            await File.WriteAllTextAsync(SystemFile, """{ "FeedWatcher": { "Watches": [ { "Name": "Kabul", "Keywords": [ "Kandahar" ] } ] } }""");
            await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(20));
        }
        Assert.Equal(["Kandahar"], monitor.CurrentValue.Watches.Single().Keywords);

        await File.WriteAllTextAsync(SystemFile, """{ "FeedWatcher": { "Watches": [ """);
        Assert.NotEmpty(monitor.Reload()); // what the file watcher does on the next change, at once
        Assert.Equal(["Kandahar"], monitor.CurrentValue.Watches.Single().Keywords);
    }

    [Fact]
    public void Config_show_masks_every_secret()
    {
        var options = new FeedWatcherOptions
        {
            Database = new DatabaseOptions { ConnectionString = "Host=db.example.org;Username=fw;Password=hunter2", Password = "hunter3" },
            Smtp = new SmtpOptions { Host = "smtp.example.org", UserName = "fw", Password = "hunter4" },
        };
        var json = ConfigShow.Mask(options).ToJsonString();
        foreach (var secret in new[] { "hunter2", "hunter3", "hunter4" })
            Assert.DoesNotContain(secret, json, StringComparison.Ordinal);
        Assert.Contains("Host=db.example.org;Username=fw;Password=********", json, StringComparison.Ordinal);
        Assert.Contains("\"UserName\":\"fw\"", json, StringComparison.Ordinal);
    }
}
