using FeedWatcher.Configuration;
using FeedWatcher.Feeds;

namespace FeedWatcher.Tests.Feeds;

public class PollScheduleTests
{
    static readonly DateTime Now = new(2017, 4, 15, 6, 0, 0, DateTimeKind.Utc);
    static readonly PollingOptions Options = new() { MaxInterval = TimeSpan.FromHours(24) };
    static readonly TimeSpan Interval = TimeSpan.FromMinutes(30);

    [Theory]
    [InlineData(null, null, 30)]          // the interval
    [InlineData(7200, null, 120)]         // the server's cache lifetime, when longer
    [InlineData(60, 180, 180)]            // the feed's ttl, when longer
    [InlineData(60, null, 30)]            // never sooner than the interval
    [InlineData(3 * 86400, null, 1440)]   // capped
    public void After_success_waits_the_longest_allowed(int? cacheSeconds, int? ttlMinutes, int expectedMinutes)
    {
        var next = PollSchedule.AfterSuccess(Now, Interval, cacheSeconds is null ? null : TimeSpan.FromSeconds(cacheSeconds.Value),
            ttlMinutes is null ? null : TimeSpan.FromMinutes(ttlMinutes.Value), Options, new Random(1));
        var wait = next - Now;
        Assert.InRange(wait, TimeSpan.FromMinutes(expectedMinutes), TimeSpan.FromMinutes(expectedMinutes * 1.1));
    }

    [Theory]
    [InlineData(1, 30)]
    [InlineData(2, 60)]
    [InlineData(3, 120)]
    [InlineData(6, 960)]
    [InlineData(7, 1440)]     // capped, and polled again: never abandoned
    [InlineData(500, 1440)]
    public void Failures_back_off_exponentially_up_to_the_cap(int failures, int expectedMinutes)
    {
        var wait = PollSchedule.AfterFailure(Now, Interval, failures, null, Options, new Random(1)) - Now;
        Assert.InRange(wait, TimeSpan.FromMinutes(expectedMinutes), TimeSpan.FromMinutes(expectedMinutes * 1.1));
    }

    [Fact]
    public void Retry_after_is_honoured_exactly() =>
        Assert.Equal(Now.AddSeconds(600), PollSchedule.AfterFailure(Now, Interval, 4, TimeSpan.FromSeconds(600), Options, new Random(1)));

    [Fact]
    public void Jitter_spreads_feeds_that_fall_due_together()
    {
        var random = new Random(7);
        var times = Enumerable.Range(0, 50).Select(_ => PollSchedule.AfterSuccess(Now, Interval, null, null, Options, random)).Distinct().Count();
        Assert.True(times > 40);
    }
}
