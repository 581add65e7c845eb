using Quartz;

namespace FeedWatcher.Scheduling;

/// <summary>The Quartz scheduler starts once the host has started, after the other hosted services: what reports
/// on it (heartbeat, watchdog) waits for it before its first report.</summary>
public static class SchedulerReady
{
    /// <summary>Waits until the scheduler runs, or <paramref name="limit"/> has passed.</summary>
    public static async Task WaitAsync(ISchedulerFactory schedulers, TimeSpan limit, CancellationToken cancellationToken)
    {
        try
        {
            var scheduler = await schedulers.GetScheduler(cancellationToken);
            for (var waited = TimeSpan.Zero; waited < limit && await scheduler.GetStatus(cancellationToken) != SchedulerStatus.Running; waited += Step)
                await Task.Delay(Step, cancellationToken);
        }
        catch (SchedulerException) { } // reported by the first report itself
    }

    static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);
}
