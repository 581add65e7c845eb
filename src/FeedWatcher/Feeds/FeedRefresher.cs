using FeedWatcher.Configuration;
using FeedWatcher.Feeds.Parsing;
using FeedWatcher.Matching;
using FeedWatcher.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FeedWatcher.Feeds;

/// <summary>What one poll of one feed did.</summary>
public sealed record RefreshOutcome(bool Succeeded, bool NotModified, int NewItems, int Hits);

/// <summary>The whole pipeline for one feed: fetch, parse, identify the new items, match them against the
/// watches and store items, hits and the feed's state in one transaction. A failure is recorded on the
/// feed and never escapes, so one broken feed cannot stop the others.</summary>
public sealed class FeedRefresher(
    FeedFetcher fetcher,
    IWatchMatcher matcher,
    NpgsqlDataSource dataSource,
    FeedStore feeds,
    IOptionsMonitor<FeedWatcherOptions> options,
    TimeProvider clock,
    ILogger<FeedRefresher> logger)
{
    public async Task<RefreshOutcome> RefreshAsync(FeedRow feed, FeedOptions? configured, CancellationToken cancellationToken)
    {
        var interval = configured?.Interval ?? options.CurrentValue.Polling.DefaultInterval;
        try
        {
            var fetched = await fetcher.FetchAsync(feed.Url, feed.Etag, feed.LastModified, cancellationToken);
            var now = clock.GetUtcNow().UtcDateTime;
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            if (fetched.NotModified)
            {
                await FeedStore.RecordSuccessAsync(connection, null, feed.Id, fetched.ETag, fetched.LastModified, now, now + interval);
                logger.LogDebug("Feed {FeedUrl} not modified", feed.Url);
                return new RefreshOutcome(true, true, 0, 0);
            }

            var entries = FeedParser.Parse(fetched.Body!, FeedDecoder.CharsetOf(fetched.ContentType), new Uri(feed.Url)).Entries;
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var newItems = await ItemStore.InsertNewAsync(connection, transaction, feed.Id, entries, now);
            var hits = 0;
            if (feed.Primed) // the first poll only records what the feed already holds
            {
                foreach (var (itemId, entry) in newItems)
                {
                    var matches = matcher.Match(new ItemText(entry.TitleText, entry.SummaryText));
                    await HitStore.InsertAsync(connection, transaction, itemId, matches, now);
                    hits += matches.Count;
                }
            }
            await FeedStore.RecordSuccessAsync(connection, transaction, feed.Id, fetched.ETag, fetched.LastModified, now, now + interval);
            await transaction.CommitAsync(cancellationToken);
            if (feed.Primed)
                logger.LogInformation("Feed {FeedUrl}: {Items} items, {NewItems} new, {Hits} hits", feed.Url, entries.Count, newItems.Count, hits);
            else
                logger.LogInformation("Feed {FeedUrl}: first poll, {Items} items recorded as seen without alerting", feed.Url, newItems.Count);
            return new RefreshOutcome(true, false, newItems.Count, hits);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OutOfMemoryException)
        {
            var message = e is FeedFetchException or FeedParseException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            logger.LogWarning("Feed {FeedUrl} failed ({Failures} in a row): {Error}", feed.Url, feed.ConsecutiveFailures + 1, message);
            var now = clock.GetUtcNow().UtcDateTime;
            try
            {
                await feeds.RecordFailureAsync(feed.Id, message, now, now + interval, cancellationToken);
            }
            catch (Exception recordError) when (recordError is NpgsqlException or TimeoutException)
            {
                logger.LogError(recordError, "Could not record the failure of feed {FeedUrl}", feed.Url);
            }
            return new RefreshOutcome(false, false, 0, 0);
        }
    }
}
