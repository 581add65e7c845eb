using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using FeedWatcher.Feeds;
using FeedWatcher.Storage;

namespace FeedWatcher.Cli;

/// <summary><c>feedwatcher poll</c>: one poll cycle now, then exit; for cron-style use, trying a
/// configuration, and measuring.</summary>
public static class PollCommand
{
    public static Command Build()
    {
        var all = new Option<bool>("--all") { Description = "Poll every active feed now, not only the ones that are due." };
        var json = new Option<bool>("--json") { Description = "Print the cycle's figures as one JSON object." };
        var poll = new Command("poll", "Poll the feeds that are due once, store what is new, and exit.") { all, json };
        poll.SetAction(r => AppHost.WithHostAsync(CommandLine.Settings(r), host => RunAsync(host, r.GetValue(all), r.GetValue(json)), dataCommand: r.GetValue(json)));
        return poll;
    }

    static async Task<int> RunAsync(IHost host, bool all, bool json)
    {
        await host.Services.GetRequiredService<Migrator>().MigrateAsync();
        if (all)
            await host.Services.GetRequiredService<FeedStore>().MakeAllDueAsync(host.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var (gen0, gen2, allocated) = (GC.CollectionCount(0), GC.CollectionCount(2), GC.GetTotalAllocatedBytes());
        var (gcPause, jitTime, jitMethods) = (GC.GetTotalPauseDuration(), System.Runtime.JitInfo.GetCompilationTime(), System.Runtime.JitInfo.GetCompiledMethodCount());
        var clock = Stopwatch.StartNew();
        var outcomes = await host.Services.GetRequiredService<PollCycle>().RunAsync(CancellationToken.None);
        clock.Stop();
        process.Refresh();
        var figures = new
        {
            feeds = outcomes.Count,
            not_modified = outcomes.Count(o => o.NotModified),
            failed = outcomes.Count(o => !o.Succeeded),
            new_items = outcomes.Sum(o => o.NewItems),
            hits = outcomes.Sum(o => o.Hits),
            wall_s = Math.Round(clock.Elapsed.TotalSeconds, 3),
            cpu_s = Math.Round((process.TotalProcessorTime - cpu).TotalSeconds, 3),
            allocated_mb = (GC.GetTotalAllocatedBytes() - allocated) / (1024 * 1024),
            gc_gen0 = GC.CollectionCount(0) - gen0,
            gc_gen2 = GC.CollectionCount(2) - gen2,
            gc_pause_s = Math.Round((GC.GetTotalPauseDuration() - gcPause).TotalSeconds, 3),
            jit_s = Math.Round((System.Runtime.JitInfo.GetCompilationTime() - jitTime).TotalSeconds, 3),
            jit_methods = System.Runtime.JitInfo.GetCompiledMethodCount() - jitMethods,
        };
        Console.WriteLine(json ? JsonSerializer.Serialize(figures)
            : $"Polled {Words.Count(figures.feeds, "feed")} in {figures.wall_s} s: {figures.not_modified} not modified, {figures.failed} failed, "
              + $"{Words.Count(figures.new_items, "new item")}, {Words.Count(figures.hits, "hit")}");
        if (!json && outcomes.Count(o => o.FirstPoll) is > 0 and var first)
            Console.WriteLine($"{Words.Count(first, "feed was", "feeds were")} polled for the first time: only their items of the last "
                + $"{Words.Span(host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Configuration.FeedWatcherOptions>>().Value.Polling.NewFeedBacklog)} were matched, older ones recorded as seen.");
        return figures.failed == 0 ? 0 : 1;
    }
}
