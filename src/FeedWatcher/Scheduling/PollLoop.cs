using FeedWatcher.Configuration;
using FeedWatcher.Digests;
using FeedWatcher.Feeds;
using FeedWatcher.Storage;
using Microsoft.Extensions.Options;

namespace FeedWatcher.Scheduling;

/// <summary>Every <c>Polling:CheckInterval</c>, polls the feeds that are due, claiming each (several instances on one
/// database share them, each feed polled by one), then sends the alerts of digests that have an AlertScore. Every
/// instance runs its own loop. When the host stops (SIGTERM), the feeds still being fetched are abandoned: each feed's
/// poll is stored in one statement or not at all, and an abandoned feed is asked again, conditionally, once its claim
/// lapses.</summary>
public sealed class PollLoop(PollCycle cycle, DigestOutbox outbox, WorkerStore workers, FeedStore feeds, TimeProvider clock, IOptionsMonitor<FeedWatcherOptions> options,
    ILogger<PollLoop> logger) : BackgroundService
{
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await feeds.ReleaseClaimsAsync(WorkerStore.Instance, cancellationToken); // the others poll them now
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or OperationCanceledException)
        {
            logger.LogWarning("Claims on feeds not given up ({Error}): they lapse by themselves", e.Message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // the host goes on starting
        using var timer = new PeriodicTimer(options.CurrentValue.Polling.CheckInterval, clock);
        do await PollAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested && await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    async Task PollAsync(CancellationToken cancellationToken)
    {
        try
        {
            var outcomes = await cycle.RunAsync(cancellationToken);
            await workers.RecordPollAsync(
                $"{outcomes.Count} feeds polled: {outcomes.Count(o => o.NotModified)} not modified, {outcomes.Count(o => !o.Succeeded)} failed, {outcomes.Sum(o => o.NewItems)} new items, {outcomes.Sum(o => o.Hits)} hits",
                clock.GetUtcNow().UtcDateTime, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("Poll cycle abandoned: FeedWatcher is stopping; the feeds not yet stored are polled again at the next start");
            return;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogError(e, "Poll cycle failed; the feeds are tried again at the next check");
        }
        foreach (var digest in options.CurrentValue.Digests.Where(d => d.AlertScore is not null))
        {
            try
            {
                if (await outbox.CreateAlertAsync(digest, cancellationToken) is not null)
                    await outbox.DeliverDueAsync(cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogError(e, "Alert for digest {Digest} could not be made; its hits wait for the scheduled digest", digest.Name);
            }
        }
    }
}
