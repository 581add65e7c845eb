using System.Text.Json;
using FeedWatcher.Configuration;
using FeedWatcher.Digests;
using FeedWatcher.Feeds;
using FeedWatcher.Matching;
using FeedWatcher.Scheduling;
using FeedWatcher.Storage;
using Microsoft.Extensions.Options;

namespace FeedWatcher.Cli;

/// <summary><c>feedwatcher run --once</c>: what the worker does, once and now, shown rather than mailed: every feed
/// polled, the hits it made printed with why, and each digest previewed (nothing claimed or sent). A first session
/// sees in a minute what the watches find.</summary>
public static class RunOnce
{
    public static async Task<int> RunAsync(IHost host)
    {
        var services = host.Services;
        await services.GetRequiredService<Migrator>().MigrateAsync();
        await services.GetRequiredService<LearnTermsOnStart>().StartAsync(CancellationToken.None);
        var clock = services.GetRequiredService<TimeProvider>();
        var started = clock.GetUtcNow().UtcDateTime;
        await services.GetRequiredService<FeedStore>().MakeAllDueAsync(started);
        var outcomes = await services.GetRequiredService<PollCycle>().RunAsync(CancellationToken.None);

        var failed = outcomes.Count(o => !o.Succeeded);
        var first = outcomes.Count(o => o.FirstPoll);
        Console.WriteLine();
        Console.WriteLine($"Polled {Words.Count(outcomes.Count, "feed")}: {outcomes.Count(o => o.NotModified)} not modified, {failed} failed, "
            + $"{Words.Count(outcomes.Sum(o => o.NewItems), "new item")}, {Words.Count(outcomes.Sum(o => o.Hits), "hit")}.");
        if (first > 0)
        {
            var backlog = services.GetRequiredService<IOptions<FeedWatcherOptions>>().Value.Polling.NewFeedBacklog;
            Console.WriteLine($"{first} of them polled for the first time: their items of the last {Words.Span(backlog)} were matched, "
                + "older ones recorded as seen without alerting (Polling:NewFeedBacklog).");
        }
        if (failed > 0)
            Console.WriteLine($"{failed} failed: `feedwatcher feeds` shows why; they are tried again later, with back-off.");

        var hits = await services.GetRequiredService<HitStore>().SinceAsync(started);
        Console.WriteLine();
        Console.WriteLine(hits.Count == 0 ? "No new hits." : $"{Words.Count(hits.Count, "new hit")}:");
        foreach (var hit in hits)
        {
            Console.WriteLine($"* {hit.Title}");
            Console.WriteLine($"  {hit.Watch}, score {hit.Score:0.00}; {hit.Feed}{(hit.Link is null ? "" : $", {hit.Link}")}");
            if (hit.Explanation is { } json && JsonSerializer.Deserialize<WatchExplanation>(json, WatchExplanation.Json) is { } why)
                Console.WriteLine($"  Why: {why}");
        }

        var outbox = services.GetRequiredService<DigestOutbox>();
        foreach (var digest in services.GetRequiredService<IOptionsMonitor<FeedWatcherOptions>>().CurrentValue.Digests)
        {
            Console.WriteLine();
            Console.WriteLine($"--- What the digest \"{digest.Name}\" would hold now (it is made on its schedule, or by `feedwatcher digest send`) ---");
            await DigestCommands.PreviewAsync(outbox, digest);
        }
        return failed == 0 ? 0 : 1;
    }
}
