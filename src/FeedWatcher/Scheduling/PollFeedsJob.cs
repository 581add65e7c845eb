using FeedWatcher.Feeds;
using Quartz;

namespace FeedWatcher.Scheduling;

/// <summary>Polls the feeds that are due.</summary>
[DisallowConcurrentExecution]
public sealed class PollFeedsJob(PollCycle cycle, ILogger<PollFeedsJob> logger) : IJob
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
    }
}
