using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using FeedWatcher.Configuration;
using FeedWatcher.Storage;
using MimeKit;

namespace FeedWatcher.Digests;

/// <summary>Turns unsent hits into one digest email: plain text and HTML alternatives, grouped by watch.</summary>
public static class DigestComposer
{
    static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    public static MimeMessage Compose(IReadOnlyList<DigestHit> hits, DigestOptions options, DateTimeOffset now, TimeZoneInfo zone)
    {
        var groups = hits.GroupBy(h => h.Watch, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase).ToList();
        var message = new MimeMessage
        {
            Subject = Subject(hits, groups.Select(g => g.Key).ToList()),
            Date = now,
            MessageId = MessageId(hits, now),
        };
        message.From.Add(MailboxAddress.Parse(options.From));
        foreach (var to in options.To.DefaultIfEmpty("feedwatcher@localhost"))
            message.To.Add(MailboxAddress.Parse(to));

        var when = $"{Format(now.UtcDateTime, zone)} ({zone.Id})";
        message.Body = new BodyBuilder { TextBody = Text(groups, hits.Count, when, zone), HtmlBody = Html(groups, hits.Count, when, zone) }.ToMessageBody();
        return message;
    }

    static string Subject(IReadOnlyList<DigestHit> hits, IReadOnlyList<string> watches) => hits.Count switch
    {
        0 => "FeedWatcher: no new items",
        1 => $"FeedWatcher: 1 new item on {string.Join(", ", watches)}",
        _ => $"FeedWatcher: {hits.Count} new items on {string.Join(", ", watches)}",
    };

    // The same hits give the same Message-ID, so a digest sent again is recognisable as the same one; titles
    // are part of it so that another installation's hit 1 is not taken for this one's.
    static string MessageId(IReadOnlyList<DigestHit> hits, DateTimeOffset now)
    {
        var basis = hits.Count == 0 ? now.ToString("O", Culture)
            : string.Join('\n', hits.OrderBy(h => h.HitId).Select(h => FormattableString.Invariant($"{h.HitId}:{h.Watch}:{h.Title}")));
        return $"digest.{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(basis)))[..24]}@feedwatcher";
    }

    static string Format(DateTime utc, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone).ToString("ddd d MMM yyyy HH:mm", Culture);

    static string Text(List<IGrouping<string, DigestHit>> groups, int count, string when, TimeZoneInfo zone)
    {
        var text = new StringBuilder();
        text.AppendLine(Culture, $"FeedWatcher digest, {when}");
        text.AppendLine(count == 0 ? "No new items." : count == 1 ? "1 new item." : $"{count} new items.");
        foreach (var group in groups)
        {
            text.AppendLine().AppendLine(Culture, $"== {group.Key} ({group.Count()}) ==");
            foreach (var hit in group)
            {
                text.AppendLine().AppendLine(Culture, $"* {hit.Title}");
                text.AppendLine(Culture, $"  {hit.Feed}, {Format(hit.PublishedAt, zone)}");
                if (hit.Link is not null) text.AppendLine(Culture, $"  {hit.Link}");
                text.AppendLine(Culture, $"  Matched: {string.Join(", ", hit.Matched)}");
                if (Why(hit) is { } why) text.AppendLine(Culture, $"  Why: {why}");
            }
        }
        text.AppendLine().AppendLine("-- ").AppendLine(Footer);
        return text.ToString();
    }

    static string Html(List<IGrouping<string, DigestHit>> groups, int count, string when, TimeZoneInfo zone)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><body style=\"margin:0;padding:16px;font-family:Arial,Helvetica,sans-serif;color:#222;\">");
        html.Append("<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"max-width:640px;\">");
        html.Append(Culture, $"<tr><td style=\"font-size:18px;font-weight:bold;padding-bottom:4px;\">FeedWatcher digest</td></tr>");
        html.Append(Culture, $"<tr><td style=\"font-size:13px;color:#666;padding-bottom:12px;\">{E(when)} &middot; {(count == 1 ? "1 new item" : $"{count} new items")}</td></tr>");
        foreach (var group in groups)
        {
            html.Append(Culture, $"<tr><td style=\"font-size:16px;font-weight:bold;border-bottom:2px solid #ddd;padding:12px 0 4px;\">{E(group.Key)} ({group.Count()})</td></tr>");
            foreach (var hit in group)
            {
                var title = IsWebLink(hit.Link)
                    ? $"<a href=\"{E(hit.Link!)}\" style=\"color:#1a4d8f;text-decoration:none;\">{E(hit.Title)}</a>"
                    : E(hit.Title);
                html.Append(Culture, $"<tr><td style=\"padding:8px 0;border-bottom:1px solid #eee;\">");
                html.Append(Culture, $"<div style=\"font-size:15px;font-weight:bold;\">{title}</div>");
                html.Append(Culture, $"<div style=\"font-size:12px;color:#666;\">{E(hit.Feed)} &middot; {E(Format(hit.PublishedAt, zone))}</div>");
                html.Append(Culture, $"<div style=\"font-size:12px;color:#444;\">Matched: {E(string.Join(", ", hit.Matched))}</div>");
                if (Why(hit) is { } why) html.Append(Culture, $"<div style=\"font-size:12px;color:#666;\">Why: {E(why)}</div>");
                html.Append("</td></tr>");
            }
        }
        html.Append(Culture, $"<tr><td style=\"font-size:11px;color:#888;padding-top:16px;\">{E(Footer)}</td></tr>");
        html.Append("</table></body></html>");
        return html.ToString();
    }

    static bool IsWebLink(string? link) =>
        Uri.TryCreate(link, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    const string Footer = "Sent by FeedWatcher. Watches and their keywords are set under FeedWatcher:Watches in appsettings.json.";

    // The stored explanation as one line; nothing when a hit has none or it cannot be read.
    static string? Why(DigestHit hit)
    {
        if (hit.Explanation is null) return null;
        try { return System.Text.Json.JsonSerializer.Deserialize<Matching.WatchExplanation>(hit.Explanation, Matching.WatchExplanation.Json)?.ToString(); }
        catch (System.Text.Json.JsonException) { return null; }
    }
}
