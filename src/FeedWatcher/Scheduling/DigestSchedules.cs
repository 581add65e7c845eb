using FeedWatcher.Configuration;
using Microsoft.Extensions.Options;
using Quartz;

namespace FeedWatcher.Scheduling;

/// <summary>Keeps each configured digest's job and cron trigger in Quartz's job store as the settings say, at start
/// and after every edit: a digest added is scheduled, one removed is unscheduled, one whose schedule or time zone
/// changed is scheduled anew. Idempotent, so every instance of a cluster may do it.</summary>
public sealed class DigestSchedules(ISchedulerFactory schedulers, IOptionsMonitor<FeedWatcherOptions> options, ILogger<DigestSchedules> logger)
    : IHostedService, IDisposable
{
    public const string Group = "digests";

    readonly SemaphoreSlim _gate = new(1, 1);
    IDisposable? _subscription;

    public static JobKey KeyFor(string digest) => new(digest, Group);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await SyncAsync(options.CurrentValue, cancellationToken);
        _subscription = options.OnChange(next => _ = SyncInBackgroundAsync(next));
    }

    async Task SyncInBackgroundAsync(FeedWatcherOptions next)
    {
        try { await SyncAsync(next, CancellationToken.None); }
        catch (Exception e) when (e is SchedulerException or Npgsql.NpgsqlException or TimeoutException)
        {
            logger.LogError("Digest schedules not updated after the settings changed: {Error}", e.Message);
        }
    }

    /// <summary>Makes the job store's digest jobs what <paramref name="current"/> configures.</summary>
    public async Task SyncAsync(FeedWatcherOptions current, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var scheduler = await schedulers.GetScheduler(cancellationToken);
            var wanted = current.Digests.ToDictionary(d => KeyFor(d.Name), d => d);
            foreach (var key in await scheduler.GetJobKeys(GroupMatcher<JobKey>.GroupEquals(Group), cancellationToken))
            {
                if (wanted.ContainsKey(key)) continue;
                await scheduler.DeleteJob(key, cancellationToken);
                logger.LogInformation("Digest {Digest} is no longer configured: unscheduled", key.Name);
            }
            foreach (var (key, digest) in wanted)
            {
                var zone = digest.ResolveTimeZone();
                var triggerKey = new TriggerKey(key.Name, Group);
                if (await scheduler.GetTrigger(triggerKey, cancellationToken) is ICronTrigger existing
                    && existing.CronExpressionString == digest.Schedule && existing.TimeZone.Id == zone.Id)
                    continue;
                var job = JobBuilder.Create<SendDigestJob>().WithIdentity(key).UsingJobData(SendDigestJob.DigestName, digest.Name).StoreDurably().Build();
                var trigger = TriggerBuilder.Create().ForJob(key).WithIdentity(triggerKey)
                    .WithCronSchedule(digest.Schedule, c => c.InTimeZone(zone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
                    .Build();
                await scheduler.ScheduleJob(job, [trigger], ScheduleJobOptions.Replacing, cancellationToken);
                logger.LogInformation("Digest {Digest} scheduled: {Schedule} ({Zone})", digest.Name, digest.Schedule, zone.Id);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        _subscription?.Dispose();
        _gate.Dispose();
    }
}
