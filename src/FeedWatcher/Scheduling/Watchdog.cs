using Microsoft.Extensions.Hosting.Systemd;
using Npgsql;
using Quartz;

namespace FeedWatcher.Scheduling;

/// <summary>The systemd watchdog: when the unit sets <c>WatchdogSec=</c> (systemd then passes
/// <c>WATCHDOG_USEC</c>), sends WATCHDOG=1 at half that interval, but only while the scheduler runs and the
/// database answers. A worker that hangs, or loses its scheduler or database, stops pinging and systemd kills and
/// restarts it. (The host itself sends READY=1 and STOPPING=1, never WATCHDOG=1.)</summary>
public sealed class Watchdog(ISystemdNotifier notifier, ISchedulerFactory schedulers, NpgsqlDataSource database, ILogger<Watchdog> logger) : BackgroundService
{
    static readonly ServiceState Ping = new("WATCHDOG=1");

    /// <summary>How often systemd expects a ping, from <c>WATCHDOG_USEC</c>; null when it expects none.</summary>
    public static TimeSpan? Expected(string? watchdogUsec) =>
        long.TryParse(watchdogUsec, System.Globalization.CultureInfo.InvariantCulture, out var usec) && usec > 0 ? TimeSpan.FromMicroseconds(usec) : null;

    /// <summary>Overrides WATCHDOG_USEC (tests).</summary>
    public TimeSpan? Interval { get; init; } = Expected(Environment.GetEnvironmentVariable("WATCHDOG_USEC"));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Interval is not { } expected || !notifier.IsEnabled)
            return;
        await SchedulerReady.WaitAsync(schedulers, expected / 2, stoppingToken); // as long as systemd allows
        using var timer = new PeriodicTimer(expected / 2);
        do
        {
            if (await HealthyAsync(stoppingToken))
                notifier.Notify(Ping);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Whether the scheduler runs and the database answers a query within 5 s.</summary>
    public async Task<bool> HealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            var scheduler = await schedulers.GetScheduler(cancellationToken);
            if (await scheduler.GetStatus(cancellationToken) != SchedulerStatus.Running)
            {
                logger.LogWarning("Watchdog not pinged: the scheduler is not running");
                return false;
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await using var command = database.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or SchedulerException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Watchdog not pinged: {Error}", e.Message);
            return false;
        }
    }
}
