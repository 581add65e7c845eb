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
        var polling = options.CurrentValue.Polling;
        var interval = configured?.Interval ?? polling.DefaultInterval;
        try
        {
            var fetched = await fetcher.FetchAsync(feed.CurrentUrl, feed.Etag, feed.LastModified, cancellationToken);
            if (fetched.MovedTo is { } movedTo)
                logger.LogWarning("Feed {FeedUrl} moved permanently to {NewUrl}; polling it there from now on", feed.CurrentUrl, movedTo);
            var now = clock.GetUtcNow().UtcDateTime;
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            if (fetched.NotModified)
            {
                var storedTtl = feed.TtlMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : (TimeSpan?)null;
                await FeedStore.RecordSuccessAsync(connection, null, feed.Id, Success(fetched, null, storedTtl, now, interval, polling));
                logger.LogDebug("Feed {FeedUrl} not modified", feed.Url);
                return new RefreshOutcome(true, true, 0, 0);
            }

            var parsed = FeedParser.Parse(fetched.Body!, FeedDecoder.CharsetOf(fetched.ContentType), new Uri(fetched.MovedTo ?? feed.CurrentUrl));
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var newItems = await ItemStore.InsertNewAsync(connection, transaction, feed.Id, parsed.Entries, now);
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
            await FeedStore.RecordSuccessAsync(connection, transaction, feed.Id, Success(fetched, parsed.Ttl, parsed.Ttl, now, interval, polling));
            await transaction.CommitAsync(cancellationToken);
            if (feed.Primed)
                logger.LogInformation("Feed {FeedUrl}: {Items} items, {NewItems} new, {Hits} hits", feed.Url, parsed.Entries.Count, newItems.Count, hits);
            else
                logger.LogInformation("Feed {FeedUrl}: first poll, {Items} items recorded as seen without alerting", feed.Url, newItems.Count);
            return new RefreshOutcome(true, false, newItems.Count, hits);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OutOfMemoryException)
        {
            var fetchError = e as FeedFetchException;
            var message = e is FeedFetchException or FeedParseException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            var now = clock.GetUtcNow().UtcDateTime;
            var failures = feed.ConsecutiveFailures + 1;
            var failure = new FeedFailure(message, fetchError?.StatusCode, fetchError?.Gone == true, now,
                PollSchedule.AfterFailure(now, interval, failures, fetchError?.RetryAfter, polling, Random.Shared));
            if (failure.Gone)
                logger.LogWarning("Feed {FeedUrl} is gone (HTTP 410) and will not be polled again", feed.Url);
            else
                logger.LogWarning("Feed {FeedUrl} failed ({Failures} in a row, next try {NextPoll:u}): {Error}", feed.Url, failures, failure.NextPollAt, message);
            try
            {
                await feeds.RecordFailureAsync(feed.Id, failure, cancellationToken);
            }
            catch (Exception recordError) when (recordError is NpgsqlException or TimeoutException)
            {
                logger.LogError(recordError, "Could not record the failure of feed {FeedUrl}", feed.Url);
            }
            return new RefreshOutcome(false, false, 0, 0);
        }
    }

    static FeedSuccess Success(FetchResult fetched, TimeSpan? newTtl, TimeSpan? ttl, DateTime now, TimeSpan interval, PollingOptions polling) =>
        new(fetched.ETag, fetched.LastModified, fetched.StatusCode, fetched.MovedTo, newTtl, now,
            PollSchedule.AfterSuccess(now, interval, fetched.CacheLifetime, ttl, polling, Random.Shared));
}
