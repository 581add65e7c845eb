using FeedWatcher.Configuration;
using FeedWatcher.Digests;
using FeedWatcher.Feeds;
using FeedWatcher.Storage;
using Microsoft.Extensions.Options;
using Quartz;

namespace FeedWatcher.Scheduling;

/// <summary>Polls the feeds that are due, then sends the alerts of digests that have an AlertScore. When the
/// host stops (SIGTERM), the feeds still being fetched are abandoned: each feed's poll is stored in one
/// statement or not at all, and an abandoned feed is simply asked again, conditionally, at the next start.</summary>
[DisallowConcurrentExecution]
public sealed class PollFeedsJob(PollCycle cycle, DigestOutbox outbox, WorkerStore workers, TimeProvider clock, IOptionsMonitor<FeedWatcherOptions> options,
    IHostApplicationLifetime lifetime, ILogger<PollFeedsJob> logger) : IJob
{
    public static readonly JobKey Key = new("poll-feeds", "feedwatcher");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        await PollAsync(stopping.Token);
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
