using System.Globalization;
using FeedWatcher.Digests;
using Quartz;

namespace FeedWatcher.Scheduling;

/// <summary>Makes a digest on its cron schedule and sends what is due. The scheduled time is the digest's
/// period, so a trigger that fires twice (or on two instances) still makes one digest.</summary>
[DisallowConcurrentExecution]
public sealed class SendDigestJob(DigestOutbox outbox, ILogger<SendDigestJob> logger) : IJob
{
    public const string DigestName = "digest";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var name = context.MergedJobDataMap.GetString(DigestName) ?? "";
        try
        {
            if (outbox.Find(name) is not { } digest)
            {
                logger.LogWarning("Digest {Digest} is no longer configured; its schedule is removed", name);
                return;
            }
            var period = (context.ScheduledFireTimeUtc ?? context.FireTimeUtc).UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
            await outbox.CreateAsync(digest, period, cancellationToken);
            await outbox.DeliverDueAsync(cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogError(e, "Digest {Digest} could not be made; its hits are kept for the next run", name);
        }
    }
}

/// <summary>Sends the digests in the outbox that are due: retries after transient failures, and digests whose
/// worker died while sending.</summary>
[DisallowConcurrentExecution]
public sealed class DeliverDigestsJob(DigestOutbox outbox, ILogger<DeliverDigestsJob> logger) : IJob
{
    public static readonly JobKey Key = new("deliver-digests", "feedwatcher");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            await outbox.DeliverDueAsync(cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogError(e, "Delivering digests failed; they stay in the outbox for the next try");
        }
    }
}
