using FeedWatcher.Feeds;
using FeedWatcher.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FeedWatcher.Tests.Infrastructure;

/// <summary>A test of the pipeline on loopback: a feed server, a clock the test moves, a state directory,
/// and FeedWatcher's real services on a database of the test's own, watching for the seed story.</summary>
public abstract class PipelineTest(PostgresFixture postgres) : IAsyncLifetime
{
    static readonly string[] SeedKeywords = ["Afghanistan", "Moscow conference", "Taliban talks"];

    protected TestClock Clock { get; } = new(new DateTimeOffset(2017, 4, 15, 6, 0, 0, TimeSpan.Zero));
    protected string StateDirectory { get; } = TestHost.TemporaryDirectory();
    protected FeedServer Server { get; private set; } = null!;
    protected PostgresFixture Postgres => postgres;

    public async Task InitializeAsync() => Server = await FeedServer.StartAsync();

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(StateDirectory, recursive: true);
    }

    /// <summary>The services, migrated, on <paramref name="connectionString"/> or a new database; on the test's
    /// clock unless <paramref name="systemClock"/>.</summary>
    protected async Task<IHost> BuildHostAsync(Dictionary<string, string?> settings, string? connectionString = null, bool systemClock = false)
    {
        settings.TryAdd("FeedWatcher:Watches:0:Name", "Afghanistan peace talks");
        for (var i = 0; i < SeedKeywords.Length; i++)
            settings.TryAdd($"FeedWatcher:Watches:0:Keywords:{i}", SeedKeywords[i]);
        var host = TestHost.Build(connectionString ?? await postgres.CreateDatabaseAsync(), StateDirectory, settings, systemClock ? null : Clock);
        await host.Services.GetRequiredService<Migrator>().MigrateAsync();
        return host;
    }

    /// <summary>Settings for SMTP on loopback at <paramref name="port"/> and one digest, "Daily", to one editor;
    /// polling <paramref name="feedUrl"/> when given.</summary>
    protected static Dictionary<string, string?> SmtpSettings(int port, string? feedUrl = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["FeedWatcher:Smtp:Host"] = "127.0.0.1",
            ["FeedWatcher:Smtp:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["FeedWatcher:Smtp:Security"] = "None",
            ["FeedWatcher:Smtp:Timeout"] = "00:00:05",
            ["FeedWatcher:Digests:0:Name"] = "Daily",
            ["FeedWatcher:Digests:0:TimeZone"] = "Etc/UTC",
            ["FeedWatcher:Digests:0:To:0"] = "editor@example.org",
        };
        if (feedUrl is not null) settings["FeedWatcher:Feeds:0:Url"] = feedUrl;
        return settings;
    }

    protected static Task<IReadOnlyList<RefreshOutcome>> PollOnceAsync(IHost host) =>
        host.Services.GetRequiredService<PollCycle>().RunAsync(default);
}
