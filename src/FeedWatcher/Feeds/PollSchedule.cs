using FeedWatcher.Configuration;

namespace FeedWatcher.Feeds;

/// <summary>When a feed is polled next: after a success, the longest of its interval, the server's cache
/// lifetime and the feed's own ttl, capped; after a failure, Retry-After when the server gave one, else an
/// exponential back-off from the interval, capped, so a failing feed is slowed down but never abandoned.
/// Jitter spreads feeds that would otherwise fall due together.</summary>
public static class PollSchedule
{
    public static DateTime AfterSuccess(DateTime now, TimeSpan interval, TimeSpan? cacheLifetime, TimeSpan? ttl, PollingOptions options, Random random)
    {
        var wait = Max(interval, Max(cacheLifetime ?? TimeSpan.Zero, ttl ?? TimeSpan.Zero));
        return now + Jitter(Min(wait, options.MaxInterval), random);
    }

    public static DateTime AfterFailure(DateTime now, TimeSpan interval, int consecutiveFailures, TimeSpan? retryAfter, PollingOptions options, Random random)
    {
        if (retryAfter is { } serverSays)
            return now + Min(Max(serverSays, TimeSpan.FromMinutes(1)), options.MaxInterval);
        var exponent = Math.Clamp(consecutiveFailures - 1, 0, 20);
        var backoff = TimeSpan.FromTicks((long)Math.Min(interval.Ticks * Math.Pow(2, exponent), options.MaxInterval.Ticks));
        return now + Jitter(backoff, random);
    }

    // Up to a tenth later, never earlier: a feed is not polled before the server allowed it.
    static TimeSpan Jitter(TimeSpan wait, Random random) => wait + TimeSpan.FromTicks((long)(wait.Ticks * 0.1 * random.NextDouble()));

    static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
