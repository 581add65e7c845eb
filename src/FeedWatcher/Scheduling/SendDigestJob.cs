using FeedWatcher.Digests;
using Quartz;

namespace FeedWatcher.Scheduling;

/// <summary>Sends the digest of unsent hits on the digest's cron schedule.</summary>
[DisallowConcurrentExecution]
public sealed class SendDigestJob(DigestSender sender, ILogger<SendDigestJob> logger) : IJob
{
    public static readonly JobKey Key = new("send-digest", "feedwatcher");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            await sender.SendAsync(cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogError(e, "Digest run failed; unsent hits are kept for the next run");
        }
    }
}
