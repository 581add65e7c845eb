using System.Globalization;
using System.Text;
using System.Xml;
using FeedWatcher.Configuration;
using FeedWatcher.Digests;
using FeedWatcher.Matching;
using FeedWatcher.Observability;
using FeedWatcher.Storage;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using static FeedWatcher.Web.Html;

namespace FeedWatcher.Web;

/// <summary>The story pages: <c>/watches</c> (every watch, its hits per week, its last hit, its feeds' health),
/// <c>/watches/{name}</c> (the story's timeline by day, with the outlets that carried each story, its score and why,
/// Relevant / Not relevant buttons, a chart of hits per day, and what the watch learnt with pin and ban controls), and
/// <c>/watches/{name}/feed.atom</c> (its hits as an Atom feed).</summary>
public sealed class StoryPages(
    HitStore hits,
    LearningStore learning,
    ItemStore items,
    FeedStore feeds,
    WatchRegistry watches,
    WatchLearning teach,
    TermStatistics statistics,
    IOptionsMonitor<FeedWatcherOptions> options,
    FeedWatcherMetrics metrics,
    TimeProvider clock,
    JudgementLinks links,
    IAntiforgery antiforgery)
{
    /// <summary>Hits per page of a timeline.</summary>
    public const int PageSize = 50;

    static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    public static string PathOf(string watch) => "/watches/" + Uri.EscapeDataString(watch);

    public async Task<IResult> WatchesAsync(HttpContext context)
    {
        metrics.PageServed("watches");
        var activity = await hits.ActivityAsync(DateTime.MinValue, context.RequestAborted);
        var configured = options.CurrentValue.Feeds.Select(f => f.Url).ToList();
        var now = clock.GetUtcNow().UtcDateTime;
        var body = new StringBuilder("<h1>Watches</h1><ul class=\"watches\">");
        foreach (var watch in watches.Current.Watches)
        {
            var (inUse, _, failing, gone) = await feeds.CountsAsync(watch.FeedUrls?.ToList() ?? configured, now, context.RequestAborted);
            var health = $"{inUse} feeds" + (failing > 0 ? $", {failing} failing" : ", all answering") + (gone > 0 ? $", {gone} gone" : "");
            body.Append(Culture, $"<li><a class=\"entry-title\" href=\"{E(PathOf(watch.Name))}\">{E(watch.Name)}</a>");
            if (activity.TryGetValue(watch.Name.ToLowerInvariant(), out var seen))
            {
                var end = DateOnly.FromDateTime(seen.Latest);
                var weeks = Enumerable.Range(0, 12).Reverse().Select(w =>
                {
                    var last = end.AddDays(-7 * w);
                    var count = Enumerable.Range(0, 7).Sum(d => seen.PerDay.GetValueOrDefault(last.AddDays(-d)));
                    return ($"week to {last:yyyy-MM-dd}", count);
                }).ToList();
                body.Append(Bars(weeks, $"Hits per week, 12 weeks to {end:yyyy-MM-dd}", 28).Replace("class=\"chart\"", "class=\"chart small\"", StringComparison.Ordinal));
                body.Append(Culture, $"<div class=\"muted\">{seen.Hits} hits; last {seen.Latest:yyyy-MM-dd HH:mm} UTC · {E(health)}</div>");
            }
            else
            {
                body.Append(Culture, $"<div class=\"muted\">No hits yet · {E(health)}</div>");
            }
            body.Append("</li>");
        }
        body.Append("</ul>");
        return Page("Watches", body.ToString());
    }

    public async Task<IResult> WatchAsync(HttpContext context, string name, int page)
    {
        if (Find(name) is not { } watch) return NotFound(name);
        metrics.PageServed("watch");
        page = Math.Max(1, page);
        var ct = context.RequestAborted;
        var found = await hits.OfWatchAsync(watch.Name, null, (page - 1) * PageSize, PageSize + 1, ct);
        var older = found.Count > PageSize;
        var shown = found.Take(PageSize).ToList();
        var verdicts = await learning.VerdictsAsync(watch.Name, [.. shown.Select(h => h.ItemId).Distinct()], ct);
        var token = antiforgery.GetAndStoreTokens(context).RequestToken!;
        var path = PathOf(watch.Name);

        var body = new StringBuilder();
        body.Append(Culture, $"<h1>{E(watch.Name)}</h1>");
        var keywords = watch.Keywords.Select(k => k.Text).ToList();
        if (keywords.Count > 0) body.Append(Culture, $"<div class=\"muted\">Keywords: {E(string.Join(", ", keywords))}</div>");
        body.Append(Culture, $"<div class=\"muted\"><a href=\"{E(path)}/feed.atom\">Atom feed of its hits</a></div>");
        if ((await hits.ActivityAsync(DateTime.MinValue, ct)).GetValueOrDefault(watch.Name.ToLowerInvariant()) is { } seen)
        {
            var end = DateOnly.FromDateTime(seen.Latest);
            var days = Enumerable.Range(0, 60).Reverse().Select(d => end.AddDays(-d)).Select(d => (d.ToString("yyyy-MM-dd", Culture), seen.PerDay.GetValueOrDefault(d))).ToList();
            body.Append(Culture, $"<h2>Hits per day</h2>{Bars(days, $"Hits per day, 60 days to {end:yyyy-MM-dd}")}<div class=\"muted\">60 days to {end:yyyy-MM-dd}; {seen.Hits} hits in all</div>");
        }

        body.Append("<h2>Timeline</h2>");
        if (shown.Count == 0) body.Append("<p class=\"muted\">No hits yet.</p>");
        foreach (var day in Stories(watch, shown).GroupBy(s => DateOnly.FromDateTime(s.Lead.PublishedAt)).OrderByDescending(g => g.Key))
        {
            body.Append(Culture, $"<h3>{day.Key:dddd d MMMM yyyy}</h3><ul class=\"timeline\">");
            foreach (var story in day.OrderByDescending(s => s.Score))
                body.Append(Entry(story, path, token, verdicts));
            body.Append("</ul>");
        }
        if (page > 1 || older)
        {
            body.Append("<nav class=\"pages\">");
            body.Append(page > 1 ? $"<a href=\"{E(path)}?page={page - 1}\">Newer</a>" : "<span></span>");
            body.Append(older ? $"<a href=\"{E(path)}?page={page + 1}\">Older</a>" : "<span></span>");
            body.Append("</nav>");
        }

        body.Append(await ProfileAsync(watch, path, token, ct));
        return Page(watch.Name, body.ToString(), $"{path}/feed.atom");
    }

    // One story of the timeline: its title, the outlets that carried it, its score and why, and the judgement buttons.
    static string Entry(DigestStory story, string path, string token, IReadOnlyDictionary<long, bool> verdicts)
    {
        var lead = story.Lead;
        var html = new StringBuilder();
        html.Append(Culture, $"<li id=\"item-{lead.ItemId}\"><div class=\"entry-title\">{Link(lead.Title, lead.Link)}</div>");
        var outlets = story.Items.Select(i => Link(i.Feed, i.Link)).Distinct().ToList();
        html.Append(Culture, $"<div class=\"outlets\">{(outlets.Count == 1 ? "In " : "Carried by ")}{string.Join(", ", outlets)} · {lead.PublishedAt:HH:mm} UTC · score {lead.Score:0.00}</div>");
        if (lead.Explanation is { } why) html.Append(Culture, $"<div class=\"why\">Why: {E(why.ToString())}</div>");
        html.Append("<div class=\"judge\">");
        if (verdicts.TryGetValue(lead.ItemId, out var relevant))
            html.Append(Culture, $"<span class=\"verdict\">Judged {(relevant ? "relevant" : "not relevant")}</span>");
        var item = Hidden("item", lead.ItemId.ToString(Culture));
        html.Append(Form($"{path}/judgements", token, item + Hidden("verdict", "relevant"), "Relevant"));
        html.Append(Form($"{path}/judgements", token, item + Hidden("verdict", "not-relevant"), "Not relevant"));
        return html.Append("</div></li>").ToString();
    }

    // A link to an outlet's page: opened without telling it where the reader came from.
    static string Link(string text, string? link) =>
        Uri.TryCreate(link, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? $"<a href=\"{E(link)}\" rel=\"noreferrer noopener\">{E(text)}</a>" : E(text);

    // The page's hits as stories: one story reported by several outlets merged as the digest merges it (same link, same
    // title), and by the words the titles share beside the watch's own, without the digest's sentence model, which
    // would take seconds a page.
    List<DigestStory> Stories(CompiledWatch watch, List<DigestHit> shown)
    {
        if (shown.Count == 0) return [];
        var set = watches.Current;
        var sameStory = new SameStory(statistics, set.Aliases);
        var own = set.Analyze(new ItemText(string.Join(" ", watch.Keywords.Select(k => k.Text)), "")).Similarity.Select(t => t.Term)
            .Concat(watch.Seed?.Keys ?? []).ToHashSet();
        var analyzed = shown.DistinctBy(h => h.ItemId).ToDictionary(h => h.ItemId, h => set.Analyze(new ItemText(h.Title, "")));
        return [.. DigestPlan.Stories(shown, (a, b) => sameStory.SameByWords(analyzed[a.ItemId], analyzed[b.ItemId], own), int.MaxValue)];
    }

    // What the watch learnt, each word with what taught it and pin / ban buttons; the words pinned and banned.
    async Task<string> ProfileAsync(CompiledWatch watch, string path, string token, CancellationToken ct)
    {
        var html = new StringBuilder("<h2 id=\"profile\">What the watch learnt</h2>");
        if (watch.Seed is null)
            return html.Append("<p class=\"muted\">This watch has no seed story, so it learns nothing.</p>").ToString();
        var set = watches.Current;
        var sources = await items.TextsAsync([.. set.LearntBy(watch.Name)!.Words.Select(w => w.LastSource).Where(s => s > 0).Distinct()], ct);
        var profile = set.LearntBy(watch.Name, sources)!;
        html.Append(Culture, $"<p class=\"muted\">From {E(profile.LearntFrom())}.</p>");
        string WordForm(string word, string action, string button) =>
            Form($"{path}/words", token, Hidden("word", word) + Hidden("action", action), button);
        if (profile.Pinned.Count + profile.Banned.Count > 0)
        {
            html.Append("<table class=\"profile\"><tr><th>Word</th><th>Said</th><th></th></tr>");
            foreach (var word in profile.Pinned)
                html.Append(Culture, $"<tr><td>{E(word)}</td><td>pinned</td><td>{WordForm(word, "lift", "Lift")}</td></tr>");
            foreach (var word in profile.Banned)
                html.Append(Culture, $"<tr><td>{E(word)}</td><td>banned</td><td>{WordForm(word, "lift", "Lift")}</td></tr>");
            html.Append("</table>");
        }
        if (profile.Words.Count == 0)
            return html.Append("<p class=\"muted\">Nothing learnt yet: a hit that names the watch's keywords and scores 0.6 or more teaches it the story's new words, and so does an item judged relevant.</p>").ToString();
        html.Append(Culture, $"<p>{Form($"{path}/words", token, Hidden("word", "-") + Hidden("action", "forget"), "Forget what it learnt from its hits")}</p>");
        html.Append("<table class=\"profile\"><tr><th>Word</th><th>Weight</th><th>Taught by</th><th></th></tr>");
        foreach (var word in profile.Words)
        {
            var last = sources.TryGetValue(word.LastSource, out var text) ? $"<br><span class=\"muted\">last: {E(text.Title)}</span>" : "";
            html.Append(Culture, $"<tr><td>{E(word.Text)}</td><td>{word.Weight:0.00}</td><td>{E(word.Sources)}{last}</td><td>{WordForm(word.Text, "pin", "Pin")} {WordForm(word.Text, "ban", "Ban")}</td></tr>");
        }
        return html.Append("</table>").ToString();
    }

    /// <summary>A reader's judgement from the page's buttons: recorded, learnt at once, and the page says what changed.</summary>
    public async Task<IResult> JudgeAsync(HttpContext context, string name)
    {
        if (Find(name) is not { } watch) return NotFound(name);
        if (await Refused(context) is { } refused) return refused;
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        bool? relevant = form["verdict"].ToString() switch { "relevant" => true, "not-relevant" => false, _ => null };
        if (relevant is null || !long.TryParse(form["item"], Culture, out var itemId))
            return Problem(400, "Not understood", "A judgement names an item and says relevant or not-relevant.");
        var hit = await hits.FindAsync(watch.Name, itemId, context.RequestAborted);
        if (hit is null) return Problem(404, "No such hit", $"Item {itemId} is no hit for {watch.Name}.");
        var (title, body) = (await RecordAsync(watch.Name, hit, relevant.Value, "page", null, context.RequestAborted))!.Value;
        return Page(title, body);
    }

    /// <summary>A digest's judgement link, opened: what it would record, and a button that records it (a mail scanner
    /// that fetches the link changes nothing).</summary>
    public async Task<IResult> LinkAsync(HttpContext context, string token)
    {
        metrics.PageServed("judgement");
        var (link, hit, refused) = await OpenLinkAsync(token, context.RequestAborted);
        if (refused is not null) return refused;
        var verdict = link!.Relevant ? "relevant" : "not relevant";
        var form = Form($"/j/{token}", antiforgery.GetAndStoreTokens(context).RequestToken!, "", $"Yes, it is {verdict}");
        return Page($"Judge {verdict}?", $"""
            <h1>Is this {verdict}?</h1>
            <p class="entry-title">{Link(hit!.Title, hit.Link)}</p>
            <p class="muted">In {E(hit.Feed)} · {hit.PublishedAt:yyyy-MM-dd HH:mm} UTC · a hit for {E(hit.Watch)}</p>
            <p>{form}</p>
            <p class="muted">The watch learns from it at once. <a href="{E(PathOf(hit.Watch))}">The story so far</a></p>
            """);
    }

    /// <summary>A digest's judgement link, confirmed: recorded once, learnt at once.</summary>
    public async Task<IResult> UseLinkAsync(HttpContext context, string token)
    {
        if (await Refused(context) is { } expired) return expired;
        var (link, hit, refused) = await OpenLinkAsync(token, context.RequestAborted);
        if (refused is not null) return refused;
        if (await RecordAsync(hit!.Watch, hit, link!.Relevant, "link", link.Signature, context.RequestAborted) is not { } recorded)
            return Problem(409, "This link was used already", "It records one judgement, and it has. Nothing was changed.");
        return Page(recorded.Title, recorded.Body);
    }

    // The link's hit, or the page that says why the link is refused: forged, expired, used, or its hit gone.
    async Task<(JudgementLink? Link, DigestHit? Hit, IResult? Refused)> OpenLinkAsync(string token, CancellationToken ct)
    {
        var (link, refused) = await links.ReadAsync(token, ct);
        if (refused == "expired")
            return (null, null, Problem(410, "This link has expired", $"Judgement links work for {JudgementLinks.Lifetime.TotalDays:0} days. Nothing was changed; judge the story on its watch's page instead."));
        if (link is null)
            return (null, null, Problem(400, "This link is not valid", "It is not a link FeedWatcher issued, or it was changed on the way. Nothing was changed."));
        if (await learning.LinkUsedAsync(link.Signature, ct) is { } used)
            return (null, null, Problem(409, "This link was used already", $"It recorded its judgement on {used:yyyy-MM-dd HH:mm} UTC. Nothing was changed."));
        if (await hits.ByIdAsync(link.HitId, ct) is not { } hit)
            return (null, null, Problem(404, "No such hit", "The hit this link judges is no longer stored. Nothing was changed."));
        return (link, hit, null);
    }

    /// <summary>Records a judgement, has the watch learn it at once, and says what changed in what it learnt; null when
    /// the link it came with was used before.</summary>
    async Task<(string Title, string Body)?> RecordAsync(string watch, DigestHit hit, bool relevant, string from, string? link, CancellationToken ct)
    {
        var before = watches.Current.LearntBy(watch)?.Words.Select(w => w.Text).ToList() ?? [];
        if (!await learning.AddAsync(watch, hit.ItemId, relevant, link, ct)) return null;
        await teach.ApplyNewAsync(ct);
        metrics.Judged(relevant, from);
        var after = watches.Current.LearntBy(watch)?.Words.Select(w => w.Text).ToList() ?? [];
        var added = after.Except(before, StringComparer.Ordinal).ToList();
        var dropped = before.Except(after, StringComparer.Ordinal).ToList();
        var verdict = relevant ? "relevant" : "not relevant";
        var body = new StringBuilder();
        body.Append(Culture, $"<h1>Judged {verdict}</h1><div class=\"notice\" role=\"status\">“{E(hit.Title)}” is {verdict} for {E(watch)}. The watch has learnt it.</div>");
        body.Append("<h2>What changed</h2><ul>");
        if (added.Count > 0) body.Append(Culture, $"<li>Now also compares items with: {E(string.Join(", ", added))}</li>");
        if (dropped.Count > 0) body.Append(Culture, $"<li>No longer with: {E(string.Join(", ", dropped))}</li>");
        if (added.Count + dropped.Count == 0) body.Append("<li>The same words, weighed anew.</li>");
        body.Append(Culture, $"</ul><p><a href=\"{E(PathOf(watch))}#item-{hit.ItemId}\">Back to {E(watch)}</a></p>");
        return ($"Judged {verdict}", body.ToString());
    }

    /// <summary>Pin, ban or lift a word from the page's controls, or forget what the hits taught (the judgements still
    /// count), then back to what the watch learnt.</summary>
    public async Task<IResult> WordsAsync(HttpContext context, string name)
    {
        if (Find(name) is not { } watch || watch.Seed is null) return NotFound(name);
        if (await Refused(context) is { } refused) return refused;
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var word = form["word"].ToString().Trim();
        if (form["action"] == "forget")
        {
            await learning.ResetAsync(watch.Name, judgements: false, context.RequestAborted);
            await teach.ApplyNewAsync(context.RequestAborted);
            return Results.Redirect($"{PathOf(watch.Name)}#profile", preserveMethod: false);
        }
        bool? pinned = form["action"].ToString() switch { "pin" => true, "ban" => false, "lift" => null, _ => throw new BadHttpRequestException("action") };
        if (AliasTable.Analyze(word).Length == 0) return Problem(400, "Not understood", $"'{word}' has no words.");
        await learning.SetWordAsync(watch.Name, word, pinned, context.RequestAborted);
        await teach.ApplyNewAsync(context.RequestAborted);
        return Results.Redirect($"{PathOf(watch.Name)}#profile", preserveMethod: false);
    }

    /// <summary>The watch's hits, newest first, as an Atom feed.</summary>
    public async Task<IResult> FeedAsync(HttpContext context, string name)
    {
        if (Find(name) is not { } watch) return NotFound(name);
        metrics.PageServed("feed");
        var found = await hits.OfWatchAsync(watch.Name, null, 0, 100, context.RequestAborted);
        var self = $"{BaseUrl(context)}{PathOf(watch.Name)}";
        var output = new StringBuilder();
        using (var xml = XmlWriter.Create(output, new XmlWriterSettings { Indent = true, OmitXmlDeclaration = false }))
        {
            const string Atom = "http://www.w3.org/2005/Atom";
            xml.WriteStartElement("feed", Atom);
            xml.WriteElementString("title", Atom, $"FeedWatcher: {watch.Name}");
            xml.WriteElementString("id", Atom, self);
            xml.WriteElementString("updated", Atom, XmlConvert.ToString(found.Count > 0 ? found.Max(h => h.PublishedAt) : clock.GetUtcNow().UtcDateTime, XmlDateTimeSerializationMode.Utc));
            Element(xml, "link", ("rel", "self"), ("href", self + "/feed.atom"));
            Element(xml, "link", ("rel", "alternate"), ("type", "text/html"), ("href", self));
            xml.WriteStartElement("author", Atom);
            xml.WriteElementString("name", Atom, "FeedWatcher");
            xml.WriteEndElement();
            foreach (var hit in found)
            {
                xml.WriteStartElement("entry", Atom);
                xml.WriteElementString("title", Atom, hit.Title);
                xml.WriteElementString("id", Atom, $"{self}#item-{hit.ItemId}");
                xml.WriteElementString("updated", Atom, XmlConvert.ToString(hit.PublishedAt, XmlDateTimeSerializationMode.Utc));
                if (hit.Link is { Length: > 0 } link) Element(xml, "link", ("rel", "alternate"), ("href", link));
                xml.WriteStartElement("author", Atom);
                xml.WriteElementString("name", Atom, hit.Feed);
                xml.WriteEndElement();
                var why = DigestItemExplanation(hit);
                xml.WriteElementString("summary", Atom, $"{hit.Summary}{(why is null ? "" : $"\n\nScore {hit.Score.ToString("0.00", Culture)}. Why: {why}")}".Trim());
                xml.WriteEndElement();
            }
            xml.WriteEndElement();
        }
        // XmlWriter over a StringBuilder declares UTF-16; the feed is sent as UTF-8.
        var text = output.ToString().Replace("encoding=\"utf-16\"", "encoding=\"utf-8\"", StringComparison.Ordinal);
        return Results.Text(text, "application/atom+xml; charset=utf-8", Encoding.UTF8);

        static void Element(XmlWriter xml, string name, params (string Name, string Value)[] attributes)
        {
            xml.WriteStartElement(name, "http://www.w3.org/2005/Atom");
            foreach (var (attribute, value) in attributes) xml.WriteAttributeString(attribute, value);
            xml.WriteEndElement();
        }
    }

    static string? DigestItemExplanation(DigestHit hit) => new DigestItem([hit]).Explanation?.ToString();

    // The address readers reach the pages at: the configured public one, or the request's own.
    string BaseUrl(HttpContext context) =>
        options.CurrentValue.Web.PublicBaseUrl is { Length: > 0 } configured ? configured.TrimEnd('/') : $"{context.Request.Scheme}://{context.Request.Host}";

    CompiledWatch? Find(string name) => watches.Current.Watches.FirstOrDefault(w => w.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    // A change without a valid antiforgery token (a form from elsewhere, or one too old) changes nothing.
    async Task<IResult?> Refused(HttpContext context)
    {
        try
        {
            await antiforgery.ValidateRequestAsync(context);
            return null;
        }
        catch (AntiforgeryValidationException)
        {
            return Problem(400, "The form has expired", "Nothing was changed. Go back, reload the page and try again.");
        }
    }

    static IResult Page(string title, string body, string? feed = null) =>
        Results.Content(Html.Page(title, body, feed), "text/html; charset=utf-8", Encoding.UTF8);

    static IResult NotFound(string name) => Problem(404, "No such watch", $"No watch is named '{name}'.");

    internal static IResult Problem(int status, string title, string message) =>
        Results.Content(Html.Page(title, $"<h1>{E(title)}</h1><p>{E(message)}</p><p><a href=\"/watches\">All watches</a></p>"), "text/html; charset=utf-8", Encoding.UTF8, status);
}
