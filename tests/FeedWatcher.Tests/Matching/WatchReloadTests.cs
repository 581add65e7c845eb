using FeedWatcher.Configuration;
using FeedWatcher.Matching;
using FeedWatcher.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeedWatcher.Tests.Matching;

/// <summary>Watches edited in a real appsettings.json while running: good edits take effect, bad ones are
/// rejected and the last valid watches stay.</summary>
public sealed class WatchReloadTests : IDisposable
{
    readonly string _directory = TestHost.TemporaryDirectory();
    readonly string _file;
    readonly IConfigurationRoot _configuration;
    readonly ValidatedOptionsMonitor _monitor;
    readonly WatchRegistry _registry;

    public WatchReloadTests()
    {
        _file = Path.Combine(_directory, "appsettings.json");
        File.WriteAllText(_file, Settings("Kabul"));
        var builder = new ConfigurationBuilder().AddJsonFile(_file, optional: false, reloadOnChange: true);
        ValidatedOptionsMonitor.IgnoreReloadErrors(builder);
        _configuration = builder.Build();
        _monitor = new ValidatedOptionsMonitor(_configuration, NullLogger<ValidatedOptionsMonitor>.Instance);
        _registry = new WatchRegistry(_monitor, new TermStatistics(), NullLogger<WatchRegistry>.Instance);
    }

    public void Dispose()
    {
        _registry.Dispose();
        _monitor.Dispose();
        (_configuration as IDisposable)?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    static string Settings(string keyword, string query = "") => $$"""
        {
          "FeedWatcher": {
            "Polling": { "MaxConcurrency": 4 },
            "Watches": [ { "Name": "Afghanistan", "Keywords": [ "{{keyword}}" ]{{(query.Length > 0 ? $", \"Query\": \"{query}\"" : "")}} } ]
          }
        }
        """;

    bool Matches(string title) => _registry.Match(_registry.Analyze(new ItemText(title, ""))).Count > 0;

    [Fact]
    public async Task An_edited_keyword_takes_effect_without_a_restart()
    {
        Assert.True(Matches("Kabul airport reopens"));
        var reloaded = new TaskCompletionSource();
        using var _ = _monitor.OnChange((_, _) => reloaded.TrySetResult());

        await File.WriteAllTextAsync(_file, Settings("Kandahar"));
        await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(20)); // the file watcher noticed the edit

        Assert.True(Matches("Kandahar airport reopens"));
        Assert.False(Matches("Kabul airport reopens"));
    }

    [Fact]
    public async Task Broken_json_keeps_the_last_valid_watches()
    {
        await File.WriteAllTextAsync(_file, Settings("Kandahar")[..40]);
        _configuration.Reload(); // what the file watcher does, at once

        var problems = _monitor.Reload();
        Assert.Contains(problems, p => p.StartsWith($"{_file}: not valid JSON at line", StringComparison.Ordinal));
        Assert.True(Matches("Kabul airport reopens"));
        Assert.Equal(4, _monitor.CurrentValue.Polling.MaxConcurrency); // the other settings stay too
    }

    [Fact]
    public async Task A_bad_query_keeps_the_last_valid_watches_and_says_why()
    {
        await File.WriteAllTextAsync(_file, Settings("Kandahar", query: "Kandahar AND ("));
        _configuration.Reload();

        Assert.Equal(["FeedWatcher:Watches:0:Query: at character 15: expected a word, a \"phrase\" or '(' but the query ended"], _monitor.Reload());
        Assert.True(Matches("Kabul airport reopens"));
        Assert.False(Matches("Kandahar airport reopens"));

        // Fixed: now it takes effect.
        await File.WriteAllTextAsync(_file, Settings("Kandahar", query: "Kandahar AND airport"));
        _configuration.Reload();
        Assert.True(Matches("Kandahar airport reopens"));
    }
}
