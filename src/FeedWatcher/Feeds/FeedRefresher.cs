using FeedWatcher.Configuration;
using FeedWatcher.Feeds.Parsing;
using FeedWatcher.Matching;
using FeedWatcher.Storage;
using Microsoft.Extensions.Options;

namespace FeedWatcher.Feeds;

/// <summary>What one poll of one feed did; <paramref name="FirstPoll"/> when it was the feed's first successful one
/// (its older items recorded as seen). A 304 leaves <paramref name="NotModifiedRecord"/> for the poll cycle to store
/// with the others, in one statement.</summary>
public sealed record RefreshOutcome(bool Succeeded, bool NotModified, int NewItems, int Hits, FeedSuccess? NotModifiedRecord = null, bool FirstPoll = false);

/// <summary>The whole pipeline for one feed: fetch, parse, identify the new items, match them against the
/// watches and store items, hits and the feed's state in one transaction. A failure is recorded on the
/// feed and never escapes, so one broken feed cannot stop the others.</summary>
public sealed class FeedRefresher(
    FeedFetcher fetcher,
    IWatchMatcher matcher,
    PollWriter writer,
    FeedStore feeds,
    IOptionsMonitor<FeedWatcherOptions> options,
    TimeProvider clock,
    ILogger<FeedRefresher> logger) : IDisposable
{
    // Parsing and matching are the CPU-bound part of a poll, and a parsed document is many times the size of its
    // bytes: many feeds may be in flight, waiting on the network or the database, but only as many are parsed at
    // once as there are cores. More would only hold more documents in memory at the same time.
    readonly SemaphoreSlim _parsing = new(Environment.ProcessorCount);

    public void Dispose() => _parsing.Dispose();

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
            if (fetched.NotModified)
            {
                var storedTtl = feed.TtlMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : (TimeSpan?)null;
                return new RefreshOutcome(true, true, 0, 0, Success(feed, fetched, null, storedTtl, now, interval, polling));
            }

            // At a feed's first poll, its backlog is recorded as seen; what was published lately is matched as new.
            var matchSince = feed.Primed ? DateTime.MinValue : now - polling.NewFeedBacklog;
            var (polled, analyzed, matches, ttl) = await PrepareAsync(feed, fetched, matchSince, cancellationToken);
            var (newKeys, hits) = await writer.SaveAsync(
                new PollToSave(feed, polled, matches, Success(feed, fetched, ttl, ttl, now, interval, polling)), cancellationToken);
            foreach (var key in newKeys)
            {
                if (analyzed.TryGetValue(key, out var item)) matcher.Learn(item);
            }
            var newItems = newKeys.Count;
            if (feed.Primed)
                logger.LogDebug("Feed {FeedUrl}: {Items} items, {NewItems} new, {Hits} hits", feed.Url, polled.Count, newItems, hits);
            else
                logger.LogInformation("Feed {FeedUrl}: first poll, {Items} items; the {Recent} published since {Since:u} were matched ({Hits} hits), the older ones recorded as seen without alerting",
                    feed.Url, newItems, polled.Count(i => i.Published >= matchSince), matchSince, hits);
            return new RefreshOutcome(true, false, newItems, hits, FirstPoll: !feed.Primed);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OutOfMemoryException)
        {
            var fetchError = e as FeedFetchException;
            var message = e is FeedFetchException or FeedParseException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            var now = clock.GetUtcNow().UtcDateTime;
            var failures = feed.ConsecutiveFailures + 1;
            var failure = new FeedFailure(message, fetchError?.StatusCode, fetchError?.Gone == true, now,
                PollSchedule.AfterFailure(now, interval, failures, fetchError?.RetryAfter, polling, Random.Shared), feed.Claim);
            if (failure.Gone)
                logger.LogWarning("Feed {FeedUrl} is gone (HTTP 410) and will not be polled again", feed.Url);
            else
                logger.LogWarning("Feed {FeedUrl} failed ({Failures} in a row, next try {NextPoll:u}): {Error}", feed.Url, failures, failure.NextPollAt, message);
            try
            {
                await feeds.RecordFailureAsync(feed.Id, failure, cancellationToken);
            }
            catch (Exception recordError) when (recordError is Npgsql.NpgsqlException or TimeoutException)
            {
                logger.LogError(recordError, "Could not record the failure of feed {FeedUrl}", feed.Url);
            }
            return new RefreshOutcome(false, false, 0, 0);
        }
    }

    /// <summary>Parses the body, identifies the items and matches them, holding one of the parsing slots. Only
    /// what is stored leaves: the document and the items' markup are left behind before the database is waited for.
    /// Matched before storing so that one statement stores items, hits and the feed's state; the database keeps
    /// only the hits of items it did not have yet.</summary>
    async Task<PreparedPoll> PrepareAsync(FeedRow feed, FetchResult fetched, DateTime matchSince, CancellationToken cancellationToken)
    {
        await _parsing.WaitAsync(cancellationToken);
        try
        {
            return Prepare(feed, fetched, matchSince);
        }
        finally
        {
            _parsing.Release();
        }
    }

    // Items published before matchSince (or undated, at a first poll) are stored without being matched.
    PreparedPoll Prepare(FeedRow feed, FetchResult fetched, DateTime matchSince)
    {
        ParsedFeed parsed;
        using (fetched)
            parsed = FeedParser.Parse(fetched.Body.Memory, FeedDecoder.CharsetOf(fetched.ContentType), new Uri(fetched.MovedTo ?? feed.CurrentUrl));
        var polled = new List<PolledItem>(parsed.Entries.Count);
        var analyzed = new Dictionary<string, AnalyzedItem>(parsed.Entries.Count, StringComparer.Ordinal);
        var matches = new Dictionary<string, IReadOnlyList<WatchMatch>>(StringComparer.Ordinal);
        foreach (var entry in parsed.Entries)
        {
            var item = PolledItem.From(entry);
            if (analyzed.ContainsKey(item.Key)) continue;
            polled.Add(item);
            var text = analyzed[item.Key] = matcher.Analyze(new ItemText(item.Title, item.Summary));
            if ((feed.Primed || item.Published >= matchSince) && matcher.Match(text, feed.Url) is { Count: > 0 } found)
                matches[item.Key] = found;
        }
        return new PreparedPoll(polled, analyzed, matches, parsed.Ttl);
    }

    /// <summary>A parsed poll as it waits for the database: the items to store, their analyses (to learn from the
    /// ones that prove new), their hits, and the feed's RSS ttl.</summary>
    sealed record PreparedPoll(List<PolledItem> Items, Dictionary<string, AnalyzedItem> Analyzed,
        Dictionary<string, IReadOnlyList<WatchMatch>> Matches, TimeSpan? Ttl);

    static FeedSuccess Success(FeedRow feed, FetchResult fetched, TimeSpan? newTtl, TimeSpan? ttl, DateTime now, TimeSpan interval, PollingOptions polling) =>
        new(feed.Id, fetched.ETag, fetched.LastModified, fetched.StatusCode, fetched.MovedTo, newTtl, now,
            PollSchedule.AfterSuccess(now, interval, fetched.CacheLifetime, ttl, polling, Random.Shared), feed.Claim);
}
