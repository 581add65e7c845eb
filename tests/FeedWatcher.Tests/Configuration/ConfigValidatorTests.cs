using FeedWatcher.Configuration;
using Microsoft.Extensions.Configuration;

namespace FeedWatcher.Tests.Configuration;

public class ConfigValidatorTests
{
    static IConfiguration Shipped(IDictionary<string, string?>? overrides = null) => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "testdata", "shipped-appsettings.json"))
        .AddInMemoryCollection(overrides ?? new Dictionary<string, string?>())
        .Build();

    [Fact]
    public void Shipped_configuration_is_valid() => Assert.Empty(ConfigValidator.Validate(Shipped()));

    [Fact]
    public void Shipped_watch_follows_the_seed_story()
    {
        var options = Shipped().GetSection(FeedWatcherOptions.Section).Get<FeedWatcherOptions>()!;
        var watch = Assert.Single(options.Watches);
        Assert.Equal(["Afghanistan", "Moscow conference", "Taliban talks"], watch.Keywords);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_with_its_path()
    {
        var problems = ConfigValidator.Validate(Shipped(new Dictionary<string, string?>
        {
            ["FeedWatcher:Feeds:3:Url"] = "ftp://example.org/feed",
            ["FeedWatcher:Feeds:1:Url"] = "not a url",
            ["FeedWatcher:Watches:0:Keywords:1"] = "\"unclosed",
            ["FeedWatcher:Digests:0:Schedule"] = "every morning",
            ["FeedWatcher:Digests:0:TimeZone"] = "Mars/Olympus",
            ["FeedWatcher:Digests:0:Watches:0"] = "Sport",
            ["FeedWatcher:Digests:1:Name"] = "daily",
            ["FeedWatcher:Smtp:Host"] = "smtp.example.org",
            ["FeedWatcher:Polling:MaxConcurrency"] = "many",
        }));
        Assert.Equal([
            "FeedWatcher:Polling:MaxConcurrency: 'many' is not a whole number",
            "FeedWatcher:Feeds:1:Url: not an absolute http(s) URL: 'not a url'",
            "FeedWatcher:Feeds:3:Url: not an absolute http(s) URL: 'ftp://example.org/feed'",
            "FeedWatcher:Watches:0:Keywords:1: quote the whole keyword or nothing: '\"unclosed' (use Query for operators and several phrases)",
            "FeedWatcher:Digests:0:Schedule: not a valid Quartz cron expression: 'every morning' (seconds come first, e.g. '0 0 7 * * ?')",
            "FeedWatcher:Digests:0:TimeZone: unknown time zone 'Mars/Olympus' (use an IANA name such as Europe/London)",
            "FeedWatcher:Digests:0:To: at least one recipient is required when Smtp:Host is set",
            "FeedWatcher:Digests:0:Watches:0: no watch is named 'Sport'",
            "FeedWatcher:Digests:1:Name: two digests are named 'daily'",
            "FeedWatcher:Digests:1:To: at least one recipient is required when Smtp:Host is set",
        ], problems);
    }

    [Fact]
    public void Unreadable_values_and_unknown_keys_are_named()
    {
        var problems = ConfigValidator.Validate(Shipped(new Dictionary<string, string?>
        {
            ["FeedWatcher:Polling:Timeout"] = "soon",
            ["FeedWatcher:Feeds:0:Interval"] = "hourly",
            ["FeedWatcher:Smtp:Security"] = "Maybe",
            ["FeedWatcher:Smtp:Port"] = "twenty-five",
            ["FeedWatcher:Watches:0:Keywrods:0"] = "Kabul",
        }));
        Assert.Contains("FeedWatcher:Polling:Timeout: 'soon' is not a time span (hh:mm:ss, or d.hh:mm:ss)", problems);
        Assert.Contains("FeedWatcher:Feeds:0:Interval: 'hourly' is not a time span (hh:mm:ss, or d.hh:mm:ss)", problems);
        Assert.Contains("FeedWatcher:Smtp:Security: 'Maybe' is not one of None, StartTls, SslOnConnect", problems);
        Assert.Contains("FeedWatcher:Smtp:Port: 'twenty-five' is not a whole number", problems);
        Assert.Contains(problems, p => p.StartsWith("FeedWatcher:Watches:0:Keywrods: unknown setting", StringComparison.Ordinal));
        Assert.Equal(5, problems.Count);
    }

    [Fact]
    public void Watches_need_a_unique_name_and_keywords()
    {
        var problems = ConfigValidator.Validate(new FeedWatcherOptions
        {
            Watches = [new() { Name = "Kabul", Keywords = ["Kabul"] }, new() { Name = "kabul", Keywords = [] }, new() { Keywords = ["x"] }],
        });
        Assert.Equal([
            "FeedWatcher:Watches:1:Name: another watch has the name 'kabul'",
            "FeedWatcher:Watches:1:Keywords: at least one keyword is required (or a Query or a Seed)",
            "FeedWatcher:Watches:2:Name: required",
        ], problems);
    }

    [Fact]
    public void Scheduler_timings_that_would_count_the_living_as_dead_are_refused()
    {
        var problems = ConfigValidator.Validate(new FeedWatcherOptions
        {
            Watches = [new() { Name = "Kabul", Keywords = ["Kabul"] }],
            Scheduler = new() { CheckinInterval = TimeSpan.FromSeconds(20), FailureThreshold = TimeSpan.FromSeconds(30), FeedLease = TimeSpan.FromSeconds(5) },
        });
        Assert.Equal([
            "FeedWatcher:Scheduler:FailureThreshold: must be at least twice Scheduler:CheckinInterval, or a slow check-in counts as a death",
            "FeedWatcher:Scheduler:FeedLease: must be at least 00:00:10",
        ], problems);
    }

    [Fact]
    public void Retention_periods_and_schedule_are_checked()
    {
        var problems = ConfigValidator.Validate(new FeedWatcherOptions
        {
            Watches = [new() { Name = "Kabul", Keywords = ["Kabul"] }],
            Retention = new() { Schedule = "nightly", UnlistedItems = TimeSpan.FromDays(2), Hits = TimeSpan.Zero },
        });
        Assert.Equal([
            "FeedWatcher:Retention:Schedule: not a valid Quartz cron expression: 'nightly' (seconds come first, e.g. '0 30 3 * * ?')",
            "FeedWatcher:Retention:UnlistedItems: must be at least 8.00:00:00 (whether a feed still lists an item is recorded weekly)",
            "FeedWatcher:Retention:Hits: must be at least 1.00:00:00, or unset to keep hits for good",
        ], problems);
    }
}
