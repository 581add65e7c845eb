using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using FeedWatcher.Configuration;
using FeedWatcher.Storage;
using MimeKit;

namespace FeedWatcher.Digests;

/// <summary>A digest not delivered (a permanent SMTP error, or transient ones for too long), told to the reader
/// in the next digest of the same name.</summary>
public sealed record UndeliveredDigest(long Id, string Subject, DateTime CreatedAt, int Stories, string? LastError);

/// <summary>Everything one digest email shows.</summary>
public sealed record DigestDraft(
    DigestOptions Options,
    string Period,
    DateTimeOffset Now,
    IReadOnlyList<DigestStory> Stories,
    int Waiting,
    IReadOnlyList<FeedRow> Attention,
    IReadOnlyList<UndeliveredDigest> Undelivered,
    DigestLinks? Links = null)
{
    public bool IsEmpty => Stories.Count == 0 && Attention.Count == 0 && Undelivered.Count == 0;

    /// <summary>The hits held back as like an item judged not relevant (<see cref="Digests.HeldBack"/>), each with that
    /// item: counted in the digest, not shown, and carried by it all the same.</summary>
    public IReadOnlyList<(DigestHit Hit, long Like)> HeldBack { get; init; } = [];
}

/// <summary>The links a digest carries when the story pages have a public address: each watch's page, and for each
/// story's hit a signed link that judges it relevant and one that judges it not relevant.</summary>
public sealed record DigestLinks(string BaseUrl, IReadOnlyDictionary<long, (string Relevant, string NotRelevant)> Judge)
{
    public string WatchPage(string watch) => BaseUrl.TrimEnd('/') + Web.StoryPages.PathOf(watch);
}

/// <summary>Renders a digest as one email: <c>multipart/alternative</c> with plain text and HTML (inline styles,
/// a table layout, no external CSS, scripts or remote images). Feed text is only ever inserted escaped, and
/// only http(s) links are linked, so a hostile feed cannot put markup, scripts or tracking images into it.</summary>
public static class DigestComposer
{
    static readonly CultureInfo Culture = CultureInfo.InvariantCulture;
    const int SnippetLength = 280;

    public static MimeMessage Compose(DigestDraft draft)
    {
        var options = draft.Options;
        var zone = options.ResolveTimeZone();
        var message = new MimeMessage
        {
            Subject = Subject(draft),
            Date = draft.Now,
            MessageId = MessageId(draft),
        };
        message.From.Add(MailboxAddress.Parse(options.From));
        foreach (var to in options.To.DefaultIfEmpty("feedwatcher@localhost"))
            message.To.Add(MailboxAddress.Parse(to));
        message.Headers.Add(HeaderId.ListId, $"FeedWatcher digest {Quote(options.Name)} <{Slug(options.Name)}.digest.feedwatcher>");
        var when = $"{Format(draft.Now.UtcDateTime, zone)} ({zone.Id})";
        var groups = draft.Stories.GroupBy(s => s.Watch, StringComparer.OrdinalIgnoreCase).ToList();
        message.Body = new BodyBuilder { TextBody = Text(draft, groups, when, zone), HtmlBody = Html(draft, groups, when, zone) }.ToMessageBody();
        return message;
    }

    static string Subject(DigestDraft draft)
    {
        var count = draft.Stories.Count;
        if (count == 0)
            return draft.Attention.Count + draft.Undelivered.Count > 0 ? "FeedWatcher: no new stories; feeds or digests need attention" : "FeedWatcher: no new stories";
        var watches = draft.Stories.Select(s => s.Watch).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var on = watches.Count <= 3 ? string.Join(", ", watches) : $"{string.Join(", ", watches.Take(2))} and {watches.Count - 2} more watches";
        return $"FeedWatcher: {Count(count, "new story", "new stories")} on {on}";
    }

    // The same digest (name, period and hits) always gets the same Message-ID, so a digest sent again after a
    // crash is recognisably the same message.
    static string MessageId(DigestDraft draft)
    {
        var basis = new StringBuilder().Append(draft.Options.Name).Append('\n').Append(draft.Period);
        foreach (var id in draft.Stories.SelectMany(s => s.HitIds).Concat(draft.HeldBack.Select(h => h.Hit.HitId)).Order())
            basis.Append('\n').Append(id.ToString(Culture));
        return $"{Slug(draft.Options.Name)}.{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(basis.ToString())))[..24]}@feedwatcher";
    }

    static string Slug(string name)
    {
        var slug = Regex.Replace(name.ToLowerInvariant(), "[^a-z0-9]+", "-").Trim('-');
        return slug.Length == 0 ? "digest" : slug;
    }

    static string Quote(string name) => '"' + name.Replace("\"", "", StringComparison.Ordinal) + '"';

    static string Count(int n, string one, string many) => n == 1 ? $"1 {one}" : $"{n.ToString(Culture)} {many}";

    static string Format(DateTime utc, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone).ToString("ddd d MMM yyyy HH:mm", Culture);

    // What made the story a hit, in the reader's terms; the scores and the full evidence are on the watch's page.
    static string Why(DigestItem lead) =>
        lead.Explanation?.ForReader() ?? $"names {string.Join(", ", lead.Hits[0].Matched)}";

    // The other outlets that carried the story, in one line: "Also in Wire B, Wire C and 13 more".
    static string? AlsoIn(DigestStory story)
    {
        var outlets = story.AlsoReported.Select(i => i.Feed).Distinct(StringComparer.Ordinal).ToList();
        return outlets.Count switch
        {
            0 => null,
            <= 3 => "Also in " + (outlets.Count == 1 ? outlets[0] : $"{string.Join(", ", outlets[..^1])} and {outlets[^1]}"),
            _ => $"Also in {outlets[0]}, {outlets[1]} and {outlets.Count - 2} more",
        };
    }

    // "2 hits held back as like items judged not relevant (Afghanistan peace talks), on the watch's page".
    static string? HeldBackLine(DigestDraft draft)
    {
        if (draft.HeldBack.Count == 0) return null;
        var watches = draft.HeldBack.Select(h => h.Hit.Watch).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return $"{Count(draft.HeldBack.Count, "hit", "hits")} held back as like items judged not relevant ({string.Join(", ", watches)}): "
            + (draft.Links is null ? "listed by feedwatcher hits" : watches.Count == 1 ? "on the watch's page" : "on the watches' pages");
    }

    static (string Relevant, string NotRelevant)? Judge(DigestDraft draft, DigestStory story) =>
        draft.Links is { } links && links.Judge.TryGetValue(story.Lead.Hits[0].HitId, out var judge) ? judge : null;

    static string Footer(DigestDraft draft) =>
        $"Sent by FeedWatcher as the digest {Quote(draft.Options.Name)}. Watches (keywords, aliases, seed, MinScore) are set under "
        + "FeedWatcher:Watches, and this digest's recipients, schedule and limits under FeedWatcher:Digests, in FeedWatcher's appsettings.json.";

    static string Text(DigestDraft draft, List<IGrouping<string, DigestStory>> groups, string when, TimeZoneInfo zone)
    {
        var text = new StringBuilder();
        text.AppendLine(Culture, $"FeedWatcher digest {Quote(draft.Options.Name)}, {when}");
        text.AppendLine(draft.Stories.Count == 0 ? "No new stories." : $"{Count(draft.Stories.Count, "new story", "new stories")}.");
        if (draft.Waiting > 0) text.AppendLine(Culture, $"{Count(draft.Waiting, "more hit waits", "more hits wait")} for the next digest.");
        if (HeldBackLine(draft) is { } heldBack) text.AppendLine(heldBack + ".");
        foreach (var group in groups)
        {
            text.AppendLine().AppendLine(Culture, $"== {group.Key} ({group.Count()}) ==");
            if (draft.Links is { } pages) text.AppendLine(Culture, $"The story so far: {pages.WatchPage(group.Key)}");
            foreach (var story in group)
            {
                var lead = story.Lead;
                text.AppendLine().AppendLine(Culture, $"* {lead.Title}");
                text.AppendLine(Culture, $"  {lead.Feed}, {Format(lead.PublishedAt, zone)}");
                if (lead.Link is not null) text.AppendLine(Culture, $"  {lead.Link}");
                if (Snippet(lead) is { Count: > 0 } snippet)
                    text.AppendLine(Culture, $"  {string.Concat(snippet.Select(s => s.Highlight ? $"*{s.Text}*" : s.Text))}");
                text.AppendLine(Culture, $"  Why: {Why(lead)}");
                if (story.Watches.Count > 1) text.AppendLine(Culture, $"  Also matches: {string.Join(", ", story.Watches.Skip(1))}");
                if (AlsoIn(story) is { } also) text.AppendLine(Culture, $"  {also}");
                if (Judge(draft, story) is (var relevant, var notRelevant))
                    text.AppendLine(Culture, $"  Relevant: {relevant}").AppendLine(Culture, $"  Not relevant: {notRelevant}");
            }
        }
        if (draft.Attention.Count > 0)
        {
            text.AppendLine().AppendLine("== Feeds needing attention ==");
            foreach (var feed in draft.Attention)
                text.AppendLine().AppendLine(Culture, $"* {feed.Name ?? feed.Url}: {Attention(feed, zone)}");
        }
        if (draft.Undelivered.Count > 0)
        {
            text.AppendLine().AppendLine("== Digests not delivered ==");
            foreach (var digest in draft.Undelivered)
                text.AppendLine().AppendLine(Culture, $"* {Undelivered(digest, zone)}");
        }
        text.AppendLine().AppendLine("-- ").AppendLine(Footer(draft));
        return text.ToString();
    }

    static string Html(DigestDraft draft, List<IGrouping<string, DigestStory>> groups, string when, TimeZoneInfo zone)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        static string Linked(string text, string? link, string style) => IsWebLink(link)
            ? $"<a href=\"{E(link!)}\" style=\"{style}\">{E(text)}</a>"
            : E(text);
        const string Cell = "padding:8px 0;border-bottom:1px solid #eee;";
        const string Small = "font-size:12px;color:#666;";
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body style=\"margin:0;padding:16px;font-family:Arial,Helvetica,sans-serif;color:#222;\">");
        html.Append("<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"max-width:640px;\">");
        html.Append(Culture, $"<tr><td style=\"font-size:18px;font-weight:bold;padding-bottom:4px;\">FeedWatcher digest {E(Quote(draft.Options.Name))}</td></tr>");
        var summary = draft.Stories.Count == 0 ? "No new stories" : Count(draft.Stories.Count, "new story", "new stories");
        if (draft.Waiting > 0) summary += $"; {Count(draft.Waiting, "more hit waits", "more hits wait")} for the next digest";
        if (HeldBackLine(draft) is { } heldBack) summary += "; " + heldBack;
        html.Append(Culture, $"<tr><td style=\"font-size:13px;color:#666;padding-bottom:12px;\">{E(when)} &middot; {E(summary)}</td></tr>");
        foreach (var group in groups)
        {
            html.Append(Culture, $"<tr><td style=\"font-size:16px;font-weight:bold;border-bottom:2px solid #ddd;padding:12px 0 4px;\">{E(group.Key)} ({group.Count()})");
            if (draft.Links is { } pages)
                html.Append(Culture, $" <a href=\"{E(pages.WatchPage(group.Key))}\" style=\"font-size:12px;font-weight:normal;color:#1a4d8f;\">the story so far</a>");
            html.Append("</td></tr>");
            foreach (var story in group)
            {
                var lead = story.Lead;
                html.Append(Culture, $"<tr><td style=\"{Cell}\">");
                html.Append(Culture, $"<div style=\"font-size:15px;font-weight:bold;\">{Linked(lead.Title, lead.Link, "color:#1a4d8f;text-decoration:none;")}</div>");
                html.Append(Culture, $"<div style=\"{Small}\">{E(lead.Feed)} &middot; {E(Format(lead.PublishedAt, zone))}</div>");
                if (Snippet(lead) is { Count: > 0 } snippet)
                {
                    html.Append("<div style=\"font-size:13px;color:#333;padding:4px 0;\">");
                    foreach (var (part, highlight) in snippet)
                        html.Append(highlight ? $"<strong style=\"background-color:#fff3b0;\">{E(part)}</strong>" : E(part));
                    html.Append("</div>");
                }
                html.Append(Culture, $"<div style=\"{Small}\">Why: {E(Why(lead))}</div>");
                if (story.Watches.Count > 1) html.Append(Culture, $"<div style=\"{Small}\">Also matches: {E(string.Join(", ", story.Watches.Skip(1)))}</div>");
                if (AlsoIn(story) is { } also) html.Append(Culture, $"<div style=\"{Small}\">{E(also)}</div>");
                if (Judge(draft, story) is (var relevant, var notRelevant))
                    html.Append(Culture, $"<div style=\"font-size:12px;padding-top:4px;\"><a href=\"{E(relevant)}\" style=\"color:#1a4d8f;\">Relevant</a> &middot; <a href=\"{E(notRelevant)}\" style=\"color:#1a4d8f;\">Not relevant</a></div>");
                html.Append("</td></tr>");
            }
        }
        if (draft.Attention.Count > 0)
        {
            html.Append("<tr><td style=\"font-size:16px;font-weight:bold;border-bottom:2px solid #ddd;padding:12px 0 4px;\">Feeds needing attention</td></tr>");
            foreach (var feed in draft.Attention)
                html.Append(Culture, $"<tr><td style=\"{Cell}font-size:13px;\"><strong>{E(feed.Name ?? feed.Url)}</strong>: {E(Attention(feed, zone))}</td></tr>");
        }
        if (draft.Undelivered.Count > 0)
        {
            html.Append("<tr><td style=\"font-size:16px;font-weight:bold;border-bottom:2px solid #ddd;padding:12px 0 4px;\">Digests not delivered</td></tr>");
            foreach (var digest in draft.Undelivered)
                html.Append(Culture, $"<tr><td style=\"{Cell}font-size:13px;\">{E(Undelivered(digest, zone))}</td></tr>");
        }
        html.Append(Culture, $"<tr><td style=\"font-size:11px;color:#888;padding-top:16px;\">{E(Footer(draft))}</td></tr>");
        html.Append("</table></body></html>");
        return html.ToString();
    }

    static string Attention(FeedRow feed, TimeZoneInfo zone)
    {
        var url = feed.Name is null ? "" : $" ({feed.Url})";
        if (feed.Status == FeedStatus.Gone)
            return $"gone{url}: the server answered 410 Gone{(feed.LastPolledAt is { } at ? $" on {Format(at, zone)}" : "")}; it is no longer polled";
        if (feed.ConsecutiveFailures > 0)
        {
            var since = feed.LastSuccessAt is { } ok ? $"last success {Format(ok, zone)}" : "never read successfully";
            return $"failing{url}: {Count(feed.ConsecutiveFailures, "failure", "failures")} in a row, {since}; last error: {feed.LastError}";
        }
        return $"moved{url}: now read from {feed.FetchUrl}{(feed.MovedAt is { } moved ? $" (permanent redirect seen {Format(moved, zone)})" : "")}";
    }

    static string Undelivered(UndeliveredDigest digest, TimeZoneInfo zone) =>
        $"\"{digest.Subject}\" of {Format(digest.CreatedAt, zone)} ({Count(digest.Stories, "story", "stories")}) was not delivered: {digest.LastError}";

    static bool IsWebLink(string? link) =>
        Uri.TryCreate(link, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>A short plain-text extract of the item's summary, starting near the first word found, cut at a
    /// word; the words found are marked for highlighting.</summary>
    internal static List<(string Text, bool Highlight)> Snippet(DigestItem item)
    {
        var summary = Regex.Replace(item.Summary, @"\s+", " ").Trim();
        if (summary.Length == 0) return [];
        var words = item.FoundWords.OrderByDescending(w => w.Length).Select(Regex.Escape).ToList();
        var found = words.Count == 0 ? null
            : new Regex($@"(?<![\p{{L}}\p{{N}}])(?:{string.Join('|', words)})(?![\p{{L}}\p{{N}}])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        var start = 0;
        if (found?.Match(summary) is { Success: true } first && first.Index + first.Length > SnippetLength - 40)
        {
            start = Math.Max(0, first.Index - 60);
            start = summary.IndexOf(' ', start) is var space and >= 0 && space < first.Index ? space + 1 : first.Index;
        }
        var end = Math.Min(summary.Length, start + SnippetLength);
        if (end < summary.Length && summary.LastIndexOf(' ', end) is var cut && cut > start) end = cut;
        var text = (start > 0 ? "…" : "") + summary[start..end] + (end < summary.Length ? "…" : "");
        var parts = new List<(string, bool)>();
        var at = 0;
        if (found is not null)
        {
            foreach (Match match in found.Matches(text))
            {
                if (match.Index > at) parts.Add((text[at..match.Index], false));
                parts.Add((match.Value, true));
                at = match.Index + match.Length;
            }
        }
        if (at < text.Length) parts.Add((text[at..], false));
        return parts;
    }
}
