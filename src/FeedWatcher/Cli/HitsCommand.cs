using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FeedWatcher.Matching;
using FeedWatcher.Storage;

namespace FeedWatcher.Cli;

/// <summary><c>feedwatcher hits --watch NAME [--since DATE] [--format text|json|csv]</c>: a watch's hits, newest first,
/// for reports and spreadsheets; those a digest held back as like an item judged not relevant say so.</summary>
public static class HitsCommand
{
    public static Command Build()
    {
        var watch = new Option<string>("--watch") { Description = "The watch.", Required = true };
        var since = new Option<DateTime?>("--since") { Description = "Only hits of items published on or after this date (UTC)." };
        var format = new Option<string>("--format") { Description = "text (the default), json (one object per line) or csv.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json", "csv");
        var command = new Command("hits", "A watch's hits, newest first: date, score, feed, title, link and what matched.") { watch, since, format };
        command.SetAction(r => AppHost.WithHostAsync(CommandLine.Settings(r), async host =>
        {
            var registry = host.Services.GetRequiredService<WatchRegistry>();
            var name = registry.Current.Watches.FirstOrDefault(w => w.Name.Equals(r.GetValue(watch), StringComparison.OrdinalIgnoreCase))?.Name;
            if (name is null)
            {
                await Console.Error.WriteLineAsync($"feedwatcher: no watch named '{r.GetValue(watch)}' (watches: {string.Join(", ", registry.Current.Watches.Select(w => w.Name))})");
                return 1;
            }
            await host.Services.GetRequiredService<Migrator>().MigrateAsync();
            var from = r.GetValue(since) is { } date ? DateTime.SpecifyKind(date, DateTimeKind.Utc) : (DateTime?)null;
            var hits = await host.Services.GetRequiredService<HitStore>().OfWatchAsync(name, from, 0, int.MaxValue);
            var output = Console.Out;
            switch (r.GetValue(format))
            {
                case "json":
                    foreach (var hit in hits)
                        await output.WriteLineAsync(JsonSerializer.Serialize(new
                        {
                            item = hit.ItemId, published = hit.PublishedAt, watch = hit.Watch, score = Math.Round(hit.Score, 4), feed = hit.Feed,
                            title = hit.Title, link = hit.Link, matched = hit.Matched, held_back = hit.HeldBack, held_back_like = hit.HeldBackLike,
                        }));
                    break;
                case "csv":
                    await output.WriteLineAsync("item,published,watch,score,feed,title,link,matched,held_back_like");
                    foreach (var hit in hits)
                        await output.WriteLineAsync(string.Join(',', hit.ItemId.ToString(CultureInfo.InvariantCulture), hit.PublishedAt.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                            Csv(hit.Watch), hit.Score.ToString("0.0000", CultureInfo.InvariantCulture), Csv(hit.Feed), Csv(hit.Title), Csv(hit.Link ?? ""), Csv(string.Join("; ", hit.Matched)), HeldBackLike(hit)));
                    break;
                default:
                    foreach (var hit in hits)
                        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{hit.PublishedAt:yyyy-MM-dd HH:mm}  {hit.Score:0.00}  {hit.Feed}: {hit.Title}{(hit.Link is null ? "" : "  " + hit.Link)}")
                            + (hit.HeldBack ? $"  (held back from digests, like item {HeldBackLike(hit)})" : ""));
                    await Console.Error.WriteLineAsync($"{Words.Count(hits.Count, "hit")} for {name}");
                    break;
            }
            return 0;
        }, dataCommand: true));
        return command;
    }

    // The item judged not relevant that a hit was held back as like: its number, "?" when it is gone, "" when not held back.
    static string HeldBackLike(DigestHit hit) =>
        !hit.HeldBack ? "" : hit.HeldBackLike?.ToString(CultureInfo.InvariantCulture) ?? "?";

    // A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled; a leading =, +, - or @
    // is prefixed with ' so that a spreadsheet does not run it as a formula.
    static string Csv(string value)
    {
        if (value.Length > 0 && "=+-@".Contains(value[0], StringComparison.Ordinal)) value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : new StringBuilder("\"").Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"').ToString();
    }
}
