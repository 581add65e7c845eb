using System.Globalization;
using FeedWatcher.Configuration;
using Microsoft.Extensions.Options;
using Quartz;

namespace FeedWatcher.Scheduling;

/// <summary>Says at start what the worker will do and where: the settings file it watches, the feeds and watches,
/// when each digest is next made and where it goes. A new user sees at once that FeedWatcher runs and when
/// something will arrive.</summary>
public sealed class AnnounceOnStart(IConfiguration configuration, IOptionsMonitor<FeedWatcherOptions> options, TimeProvider clock,
    ILogger<AnnounceOnStart> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (configuration is IConfigurationRoot root && root.Providers.OfType<LayeredJsonProvider>().FirstOrDefault() is { } files)
            logger.LogInformation("Settings: {SettingsFile} (edits of watches, feeds and digests take effect without a restart)", ConfigurationFiles.Live(files.Source));
        var current = options.CurrentValue;
        logger.LogInformation("Polling {Feeds} configured feeds (and any added with feedwatcher feeds add) for {Watches} watch(es): {WatchNames}; the first poll starts now",
            current.Feeds.Count, current.Watches.Count, string.Join(", ", current.Watches.Select(w => w.Name)));
        var now = clock.GetUtcNow();
        foreach (var digest in current.Digests)
        {
            var zone = digest.ResolveTimeZone();
            var next = new CronExpression(digest.Schedule).WithTimeZone(zone).GetNextValidTimeAfter(now);
            var when = next is { } at ? TimeZoneInfo.ConvertTime(at, zone).ToString("ddd d MMM yyyy HH:mm", CultureInfo.InvariantCulture) + $" ({zone.Id})" : "never";
            var where = string.IsNullOrWhiteSpace(current.Smtp.Host)
                ? $"written to {Path.Combine(current.ResolveStateDirectory(), "pickup")} (no Smtp:Host configured)"
                : $"mailed through {current.Smtp.Host}:{current.Smtp.Port} to {(digest.To.Count == 0 ? "nobody yet" : string.Join(", ", digest.To))}";
            logger.LogInformation("Digest {Digest}: next on {Next}, {Destination}; `feedwatcher digest preview` shows it now", digest.Name, when, where);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
