using FeedWatcher.Configuration;
using FeedWatcher.Storage;
using Microsoft.Extensions.Options;

namespace FeedWatcher.Digests;

/// <summary>Builds the digest of unsent hits and delivers it; hits are marked sent only after delivery
/// succeeded, so a failed send keeps them for the next run.</summary>
public sealed class DigestSender(
    HitStore hits,
    MailDelivery delivery,
    IOptionsMonitor<FeedWatcherOptions> options,
    TimeProvider clock,
    ILogger<DigestSender> logger)
{
    /// <summary>Sends the digest; returns how many hits it carried, or null when nothing was sent.</summary>
    public async Task<int?> SendAsync(CancellationToken cancellationToken)
    {
        var digest = options.CurrentValue.Digest;
        var unsent = await hits.UnsentAsync(cancellationToken);
        if (unsent.Count == 0 && !digest.SendWhenEmpty)
        {
            logger.LogInformation("No new hits: no digest sent");
            return null;
        }

        var now = clock.GetUtcNow();
        var message = DigestComposer.Compose(unsent, digest, now, digest.ResolveTimeZone());
        string destination;
        try
        {
            destination = await delivery.DeliverAsync(message, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OutOfMemoryException)
        {
            logger.LogError("Digest {MessageId} not sent, its {Hits} hits are kept for the next run: {Error}", message.MessageId, unsent.Count, e.Message);
            return null;
        }
        await hits.MarkSentAsync(unsent.Select(h => h.HitId).ToList(), now.UtcDateTime, cancellationToken);
        logger.LogInformation("Digest {MessageId} with {Hits} hits sent to {Destination}", message.MessageId, unsent.Count, destination);
        return unsent.Count;
    }
}
