using FeedWatcher.Configuration;
using FeedWatcher.Storage;
using Microsoft.Extensions.Options;
using Quartz;

namespace FeedWatcher.Scheduling;

/// <summary>The cleanup of FeedWatcher:Retention, on its cron schedule in the clustered job store: each scheduled
/// run is made once, by whichever instance starts it first (recorded in <c>retention_runs</c>).</summary>
[DisallowConcurrentExecution]
public sealed class RetentionJob(RetentionStore store, IOptionsMonitor<FeedWatcherOptions> options, TimeProvider clock, ILogger<RetentionJob> logger) : IJob
{
    public static readonly JobKey Key = new("retention", "feedwatcher");
    public static readonly TriggerKey Trigger = new("retention", "feedwatcher");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var policy = options.CurrentValue.Retention;
        if (!policy.Enabled) return;
        try
        {
            await RunAsync((context.ScheduledFireTimeUtc ?? context.FireTimeUtc).UtcDateTime, policy, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogError(e, "The cleanup failed; what it did not reach waits for the next run");
        }
    }

    /// <summary>Runs the cleanup scheduled for <paramref name="fireTime"/>, unless another instance has started
    /// it (then null).</summary>
    public async Task<RetentionReport?> RunAsync(DateTime fireTime, RetentionOptions policy, CancellationToken cancellationToken)
    {
        if (!await store.BeginRunAsync(fireTime, WorkerStore.Instance, clock.GetUtcNow().UtcDateTime, cancellationToken))
            return null;
        var report = await store.ApplyAsync(policy, clock.GetUtcNow().UtcDateTime, LearnTermsOnStart.Items, cancellationToken);
        await store.EndRunAsync(fireTime, report, clock.GetUtcNow().UtcDateTime, cancellationToken);
        logger.LogInformation("Cleanup: {Report}", report);
        return report;
    }
}
