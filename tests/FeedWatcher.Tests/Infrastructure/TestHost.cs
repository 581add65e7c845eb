using FeedWatcher.Configuration;
using FeedWatcher.Feeds;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FeedWatcher.Tests.Infrastructure;

/// <summary>FeedWatcher's real service graph, configured only by what a test passes (never the shipped
/// feeds), on a database of the test's own.</summary>
public static class TestHost
{
    public static IHost Build(string connectionString, string stateDirectory, IDictionary<string, string?> settings, TimeProvider? clock = null)
    {
        var builder = FeedWatcherServices.CreateBuilder([]);
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["FeedWatcher:Database:ConnectionString"] = connectionString,
            ["FeedWatcher:StateDirectory"] = stateDirectory,
            [$"{NetworkGuard.Setting}:0"] = AllowedNetwork,
        });
        builder.Configuration.AddInMemoryCollection(settings);
        var problems = ConfigValidator.Validate(builder.Configuration);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        builder.AddFeedWatcher();
        if (clock is not null)
            builder.Services.AddSingleton(clock);
        return builder.Build();
    }

    /// <summary>What the tests' feeds may reach: the loopback address their servers listen on.</summary>
    public const string AllowedNetwork = "127.0.0.1";

    /// <summary>The same, as a command-line setting.</summary>
    public static readonly string AllowLoopback = $"--{NetworkGuard.Setting}:0={AllowedNetwork}";

    public static string TemporaryDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "feedwatcher-test-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        return path;
    }
}
