using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FeedWatcher.Configuration;
using FeedWatcher.Feeds;
using FeedWatcher.Storage;
using Microsoft.Extensions.Options;

namespace FeedWatcher.Cli;

/// <summary><c>feedwatcher feeds</c>: the feeds' health; feeds added and removed beside the configured ones;
/// OPML import and export.</summary>
public static class FeedsCommand
{
    public static Command Build()
    {
        var json = new Option<bool>("--json") { Description = "One JSON object per feed, per line." };
        var feeds = new Command("feeds", "List the feeds with their health: status, last success, last error, failures in a row, next poll.") { json };
        feeds.SetAction(r => AppHost.WithHostAsync(CommandLine.Settings(r), host => ListAsync(host, r.GetValue(json)), dataCommand: true));

        var file = new Argument<FileInfo>("file") { Description = "The OPML file." };
        var import = new Command("import", "Add the feeds of an OPML file; they are polled alongside the configured ones.") { file };
        import.SetAction(r => AppHost.WithHostAsync(CommandLine.Settings(r), host => ImportAsync(host, r.GetValue(file)!), dataCommand: true));

        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write to this file instead of standard output." };
        var export = new Command("export", "Write every feed, configured and imported, as OPML.") { output };
        export.SetAction(r => AppHost.WithHostAsync(CommandLine.Settings(r), host => ExportAsync(host, r.GetValue(output)), dataCommand: true));

        var listJson = new Option<bool>("--json") { Description = "One JSON object per feed, per line." };
        var list = new Command("list", "List the feeds with their health (the same as feedwatcher feeds).") { listJson };
        list.SetAction(r => AppHost.WithHostAsync(CommandLine.Settings(r), host => ListAsync(host, r.GetValue(listJson)), dataCommand: true));

        var url = new Argument<string>("url") { Description = "The feed's URL." };
        var name = new Option<string?>("--name") { Description = "A name to show for it." };
        var noCheck = new Option<bool>("--no-check") { Description = "Add it without fetching it first (offline, say)." };
        var add = new Command("add", "Fetch a feed once to check it, then poll it beside the configured ones (kept in the database, like OPML imports). "
            + "A web page is not added: the feeds it links to are listed.") { url, name, noCheck };
        add.SetAction(r => AppHost.WithHostAsync(CommandLine.Settings(r), host => AddAsync(host, r.GetValue(url)!, r.GetValue(name), !r.GetValue(noCheck)), dataCommand: true));

        var removeUrl = new Argument<string>("url") { Description = "The feed's URL." };
        var remove = new Command("remove", "Stop polling a feed added with feeds add or imported; its items and hits are kept.") { removeUrl };
        remove.SetAction(r => AppHost.WithHostAsync(CommandLine.Settings(r), host => RemoveAsync(host, r.GetValue(removeUrl)!), dataCommand: true));

        foreach (var command in new[] { list, add, remove, import, export })
            feeds.Subcommands.Add(command);
        return feeds;
    }

    static async Task<int> ListAsync(IHost host, bool json)
    {
        await host.Services.GetRequiredService<Migrator>().MigrateAsync();
        var store = host.Services.GetRequiredService<FeedStore>();
        var options = host.Services.GetRequiredService<IOptions<FeedWatcherOptions>>().Value;
        var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        await store.SyncAsync(options.Feeds, now);
        var rows = await store.InUseAsync([.. options.Feeds.Select(f => f.Url)]);
        if (json)
        {
            foreach (var f in rows)
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    url = f.Url, name = f.Name, status = Health(f), source = f.Source, fetch_url = f.FetchUrl,
                    last_success = f.LastSuccessAt, last_error = f.LastError, last_error_at = f.LastErrorAt,
                    consecutive_failures = f.ConsecutiveFailures, next_poll = f.Status == FeedStatus.Gone ? (DateTime?)null : f.NextPollAt,
                }));
            return 0;
        }
        Console.WriteLine($"{"STATUS",-12} {"LAST SUCCESS",-16} {"NEXT POLL",-16} FEED");
        foreach (var f in rows)
        {
            Console.WriteLine($"{Health(f),-12} {When(f.LastSuccessAt),-16} {(f.Status == FeedStatus.Gone ? "never" : When(f.NextPollAt)),-16} {f.Name ?? f.Url}");
            if (f.Name is not null) Console.WriteLine($"{"",46}{f.Url}");
            if (f.FetchUrl is not null) Console.WriteLine($"{"",46}moved to {f.FetchUrl} ({When(f.MovedAt)})");
            if (f.LastError is not null) Console.WriteLine($"{"",46}{(f.ConsecutiveFailures > 0 ? $"{f.ConsecutiveFailures} failure(s) in a row, last at {When(f.LastErrorAt)}" : "last error")}: {f.LastError}");
        }
        var failing = rows.Count(f => f.ConsecutiveFailures > 0 && f.Status != FeedStatus.Gone);
        Console.WriteLine($"{Words.Count(rows.Count, "feed")}: {rows.Count(f => Health(f) == "ok")} ok, {failing} failing, {rows.Count(f => f.Status == FeedStatus.Gone)} gone, {rows.Count(f => f.LastPolledAt is null)} not polled yet");
        return 0;
    }

    static async Task<int> AddAsync(IHost host, string url, string? name, bool check)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            await Console.Error.WriteLineAsync($"feedwatcher: '{url}' is not an absolute http(s) URL");
            return 1;
        }
        var found = "";
        if (check)
        {
            try
            {
                var feed = await FetchAndParseAsync(host, url);
                if (string.IsNullOrWhiteSpace(name) && !string.IsNullOrWhiteSpace(feed.Title)) name = feed.Title.Trim(); // shown in feeds and digests
                found = $": \"{feed.Title}\", {Words.Count(feed.Entries.Count, "item")}";
                if (feed.Entries.Where(e => (e.Published ?? e.Updated) is not null).Select(e => (e.Published ?? e.Updated)!.Value).DefaultIfEmpty().Max() is { Ticks: > 0 } newest)
                    found += $", the newest published {When(newest)}";
            }
            catch (FeedParseException e) when (e.FeedLinks is { } links)
            {
                await Console.Error.WriteLineAsync(links.Count == 0
                    ? $"feedwatcher: {url} is a web page (HTML), not a feed, and it links to no feed: not added"
                    : $"feedwatcher: {url} is a web page (HTML), not a feed: not added. It links to {(links.Count == 1 ? "this feed" : $"{links.Count} feeds")}:");
                foreach (var link in links)
                    await Console.Error.WriteLineAsync($"  {link.Url}  ({link.Kind}{(link.Title is null ? "" : $": {link.Title}")})");
                if (links.Count > 0)
                    await Console.Error.WriteLineAsync($"Add {(links.Count == 1 ? "it" : "one")} with: feedwatcher feeds add {links[0].Url}");
                return 1;
            }
            catch (Exception e) when (e is FeedFetchException or FeedParseException)
            {
                await Console.Error.WriteLineAsync($"feedwatcher: {url}: {(e is FeedParseException ? "not a feed: " : "")}{e.Message}; not added (--no-check adds it without fetching it)");
                return 1;
            }
        }
        await host.Services.GetRequiredService<Migrator>().MigrateAsync();
        var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var added = await host.Services.GetRequiredService<FeedStore>().ImportAsync([(url, name)], now);
        var backlog = host.Services.GetRequiredService<IOptions<FeedWatcherOptions>>().Value.Polling.NewFeedBacklog;
        Console.WriteLine(added == 1
            ? $"Added {url}{found}.\nIt is polled from the worker's next check on (now: feedwatcher run --once). At its first poll, "
              + (backlog > TimeSpan.Zero ? $"the items published in the last {Words.Span(backlog)} are matched; older ones are recorded as seen without alerting." : "its items are recorded as seen without alerting.")
            : $"{url} is already known{found}");
        return 0;
    }

    // One fetch and parse of the feed, as a poll would make them.
    static async Task<ParsedFeed> FetchAndParseAsync(IHost host, string url)
    {
        using var fetched = await host.Services.GetRequiredService<FeedFetcher>().FetchAsync(url, null, null, CancellationToken.None);
        return FeedParser.Parse(fetched.Body.Memory, Feeds.Parsing.FeedDecoder.CharsetOf(fetched.ContentType), new Uri(fetched.MovedTo ?? url));
    }

    static async Task<int> RemoveAsync(IHost host, string url)
    {
        var options = host.Services.GetRequiredService<IOptions<FeedWatcherOptions>>().Value;
        var configured = options.Feeds.FindIndex(f => f.Url == url);
        if (configured >= 0)
        {
            await Console.Error.WriteLineAsync($"feedwatcher: {url} is configured (FeedWatcher:Feeds:{configured} in appsettings.json): remove it there");
            return 1;
        }
        await host.Services.GetRequiredService<Migrator>().MigrateAsync();
        if (!await host.Services.GetRequiredService<FeedStore>().RemoveAsync(url))
        {
            await Console.Error.WriteLineAsync($"feedwatcher: no feed {url} was added or imported (feedwatcher feeds lists them)");
            return 1;
        }
        Console.WriteLine($"Removed {url}: no longer polled; its items and hits are kept");
        return 0;
    }

    static string Health(FeedRow f) =>
        f.Status == FeedStatus.Gone ? "gone" : f.ConsecutiveFailures > 0 ? "failing" : !f.Primed ? "new" : f.FetchUrl is not null ? "moved" : "ok";

    static string When(DateTime? utc) => utc?.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "-";

    static async Task<int> ImportAsync(IHost host, FileInfo file)
    {
        IReadOnlyList<Opml.Outline> outlines;
        try
        {
            await using var stream = file.OpenRead();
            outlines = Opml.Read(stream);
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"feedwatcher: {file.FullName}: {e.Message}");
            return 1;
        }
        var allowList = host.Services.GetRequiredService<IOptions<FeedWatcherOptions>>().Value.Polling.AllowPrivateNetworks;
        var valid = new List<Opml.Outline>();
        foreach (var outline in outlines)
        {
            if (!Uri.TryCreate(outline.Url, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https"))
                await Console.Error.WriteLineAsync($"feedwatcher: skipped '{outline.Url}': not an absolute http(s) URL");
            else if (NetworkGuard.KnownRefusal(u, allowList) is { } refusal)
                await Console.Error.WriteLineAsync($"feedwatcher: skipped '{outline.Url}': {refusal}");
            else
                valid.Add(outline);
        }
        await host.Services.GetRequiredService<Migrator>().MigrateAsync();
        var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var added = await host.Services.GetRequiredService<FeedStore>().ImportAsync(valid.Select(o => (o.Url, o.Title)).ToList(), now);
        Console.WriteLine($"Imported {added} new feeds from {file.Name} ({valid.Count - added} already known, {outlines.Count - valid.Count} skipped)");
        return outlines.Count == valid.Count ? 0 : 1;
    }

    static async Task<int> ExportAsync(IHost host, FileInfo? output)
    {
        await host.Services.GetRequiredService<Migrator>().MigrateAsync();
        var options = host.Services.GetRequiredService<IOptions<FeedWatcherOptions>>().Value;
        var configured = options.Feeds.Select(f => f.Url).ToHashSet(StringComparer.Ordinal);
        var rows = (await host.Services.GetRequiredService<FeedStore>().AllAsync()).Where(f => f.Source == "imported" && f.Status != FeedStatus.Gone).ToList();
        var outlines = options.Feeds.Select(f => new Opml.Outline(f.Url, f.Name))
            .Concat(rows.Where(f => !configured.Contains(f.Url)).Select(f => new Opml.Outline(f.CurrentUrl, f.Name)))
            .ToList();
        var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (output is null)
        {
            await using var stdout = Console.OpenStandardOutput();
            Opml.Write(stdout, outlines, now);
        }
        else
        {
            await using var file = output.Create();
            Opml.Write(file, outlines, now);
            Console.Error.WriteLine($"Wrote {outlines.Count} feeds to {output.FullName}");
        }
        return 0;
    }
}
