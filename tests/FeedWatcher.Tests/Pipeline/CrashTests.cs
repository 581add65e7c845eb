using FeedWatcher.Tests.Infrastructure;
using Xunit.Abstractions;

namespace FeedWatcher.Tests.Pipeline;

/// <summary>The worker killed with SIGKILL at random moments of polling and delivery loses no hit, and sends again
/// at most the one message that was in flight at each kill, with the same Message-ID. bench/crash.sh runs the same
/// test at bench scale, through the variables below: a hundred kills, a mail server outage and a PostgreSQL restart.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CrashTests(PostgresFixture postgres, ITestOutputHelper output) : IDisposable
{
    readonly string _state = TestHost.TemporaryDirectory();

    public void Dispose() => Directory.Delete(_state, recursive: true);

    [Fact]
    public async Task Kill_9_at_random_moments_loses_no_hit_and_resends_only_what_was_in_flight()
    {
        var outage = Setting("FEEDWATCHER_CRASH_SMTP_OUTAGE_SECONDS", 0);
        var report = await new CrashScenario
        {
            ConnectionString = await postgres.CreateDatabaseAsync(),
            StateDirectory = _state,
            Kills = Setting("FEEDWATCHER_CRASH_KILLS", 4),
            Seed = Environment.TickCount,
            SmtpOutage = TimeSpan.FromSeconds(outage),
            Settle = TimeSpan.FromSeconds(60 + (outage > 0 ? 60 + outage : 0)), // a failed digest is retried a minute later
            DuringLastRun = Setting("FEEDWATCHER_CRASH_RESTART_POSTGRES", 0) == 1 ? postgres.RestartAsync : null,
            Log = output.WriteLine,
        }.RunAsync();
        output.WriteLine(report.ToString());
        if (Environment.GetEnvironmentVariable("FEEDWATCHER_CRASH_REPORT") is { Length: > 0 } reportFile)
            await File.WriteAllTextAsync(reportFile, System.Text.Json.JsonSerializer.Serialize(report));

        Assert.True(report.ItemsServed > 0 && report.Hits == report.ItemsServed, report.ToString()); // every item names the watch's keyword
        Assert.True(report.HitsLost == 0 && report.HitsUndelivered == 0, report.ToString());
        Assert.True(report.Resent <= report.Kills && report.MostCopiesOfOneMessage <= 2, report.ToString());
        Assert.True(report.DigestsNotReceived == 0, report.ToString());
        Assert.True(report.LongestTakeover < TimeSpan.FromSeconds(30), report.ToString()); // a dead worker's digest is taken over at once
    }

    static int Setting(string name, int otherwise) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : otherwise;
}
