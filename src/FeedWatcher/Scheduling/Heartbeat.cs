using FeedWatcher.Storage;
using Quartz;

namespace FeedWatcher.Scheduling;

/// <summary>Tells the database every <see cref="Interval"/> that this worker is alive and what its scheduler is
/// doing, for <c>feedwatcher status</c>, and reads the database's size for the metrics; says so when it stops. A
/// database that cannot be reached is logged and tried again at the next beat.</summary>
public sealed class Heartbeat(WorkerStore workers, ISchedulerFactory schedulers, Npgsql.NpgsqlDataSource dataSource, Observability.FeedWatcherMetrics metrics,
    TimeProvider clock, ILogger<Heartbeat> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    /// <summary>A worker not heard from for this long is taken for stopped.</summary>
    public static readonly TimeSpan Silence = TimeSpan.FromMinutes(2);

    static readonly string Version = typeof(Heartbeat).Assembly.GetName().Version?.ToString(3) ?? "0";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = clock.GetUtcNow().UtcDateTime;
        await SchedulerReady.WaitAsync(schedulers, TimeSpan.FromSeconds(10), stoppingToken);
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                var scheduler = await schedulers.GetScheduler(stoppingToken);
                var state = (await scheduler.GetStatus(stoppingToken)) switch
                {
                    SchedulerStatus.Running => "running",
                    SchedulerStatus.Shutdown or SchedulerStatus.ShuttingDown => "stopped",
                    _ => "standby",
                };
                await workers.BeatAsync(Version, started, state, clock.GetUtcNow().UtcDateTime, stoppingToken);
                var (bytes, rows) = await DatabaseStats.SizeAsync(dataSource, stoppingToken);
                metrics.Database(bytes, rows);
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or SchedulerException)
            {
                logger.LogWarning("Heartbeat not recorded: {Error}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false) is true);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await workers.StoppedAsync(clock.GetUtcNow().UtcDateTime, cancellationToken);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or OperationCanceledException)
        {
            logger.LogWarning("Could not record that this worker stopped: {Error}", e.Message);
        }
    }
}
