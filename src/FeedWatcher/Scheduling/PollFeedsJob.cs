using FeedWatcher.Configuration;
using FeedWatcher.Digests;
using FeedWatcher.Feeds;
using Microsoft.Extensions.Options;
using Quartz;

namespace FeedWatcher.Scheduling;

/// <summary>Polls the feeds that are due, then sends the alerts of digests that have an AlertScore.</summary>
[DisallowConcurrentExecution]
public sealed class PollFeedsJob(PollCycle cycle, DigestOutbox outbox, IOptionsMonitor<FeedWatcherOptions> options, ILogger<PollFeedsJob> logger) : IJob
{
    public static readonly JobKey Key = new("poll-feeds", "feedwatcher");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            await cycle.RunAsync(cancellationToken);
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
