using System.Globalization;
using System.Net;
using System.Text;

namespace FeedWatcher.Web;

/// <summary>The pages' HTML: every text encoded on its way in (as the digest's), one layout, the style sheet, and charts
/// drawn on the server as inline SVG. No script anywhere: the pages work without JavaScript, and the content security
/// policy allows none.</summary>
static class Html
{
    static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>A whole page: <paramref name="body"/> is HTML already encoded.</summary>
    public static string Page(string title, string body, string? feed = null) => $"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{E(title)} · FeedWatcher</title>
        <link rel="stylesheet" href="/style.css">
        {(feed is null ? "" : $"<link rel=\"alternate\" type=\"application/atom+xml\" title=\"{E(title)}\" href=\"{E(feed)}\">")}
        </head>
        <body>
        <header><a href="/watches">FeedWatcher</a></header>
        <main>
        {body}
        </main>
        </body>
        </html>
        """;

    /// <summary>A form that changes something: a POST with the antiforgery token.</summary>
    public static string Form(string action, string token, string fields, string button, string css = "") =>
        $"<form method=\"post\" action=\"{E(action)}\"{(css.Length > 0 ? $" class=\"{css}\"" : "")}><input type=\"hidden\" name=\"__RequestVerificationToken\" value=\"{E(token)}\">{fields}<button type=\"submit\">{E(button)}</button></form>";

    public static string Hidden(string name, string value) => $"<input type=\"hidden\" name=\"{E(name)}\" value=\"{E(value)}\">";

    /// <summary>Bars of counts, left to right, each with its label as a tooltip, as an inline SVG scaled to its box.</summary>
    public static string Bars(IReadOnlyList<(string Label, int Count)> bars, string description, int height = 60)
    {
        var max = Math.Max(1, bars.Count == 0 ? 1 : bars.Max(b => b.Count));
        const int Width = 6, Gap = 2;
        var svg = new StringBuilder();
        svg.Append(Culture, $"<svg class=\"chart\" viewBox=\"0 0 {Math.Max(1, bars.Count * (Width + Gap))} {height}\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{E(description)}\">");
        for (var i = 0; i < bars.Count; i++)
        {
            var (label, count) = bars[i];
            var h = count == 0 ? 1 : Math.Max(2, (int)Math.Round((double)count / max * (height - 2)));
            svg.Append(Culture, $"<rect x=\"{i * (Width + Gap)}\" y=\"{height - h}\" width=\"{Width}\" height=\"{h}\" class=\"{(count == 0 ? "none" : "some")}\"><title>{E(label)}: {count}</title></rect>");
        }
        return svg.Append("</svg>").ToString();
    }

    /// <summary>The style sheet: readable on a phone, no web fonts.</summary>
    public const string Style = """
        :root { color-scheme: light dark; --fg: #222; --muted: #666; --line: #ddd; --accent: #1a4d8f; --bar: #1a4d8f; --bg: #fff; }
        @media (prefers-color-scheme: dark) { :root { --fg: #e8e8e8; --muted: #aaa; --line: #444; --accent: #8cb4ff; --bar: #8cb4ff; --bg: #161616; } }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
        header { padding: .6rem 1rem; border-bottom: 1px solid var(--line); }
        header a { font-weight: 700; text-decoration: none; color: var(--fg); }
        main { max-width: 46rem; margin: 0 auto; padding: 1rem; }
        a { color: var(--accent); }
        h1 { font-size: 1.5rem; margin: .2rem 0 .4rem; }
        h2 { font-size: 1.15rem; margin: 1.6rem 0 .4rem; border-bottom: 2px solid var(--line); }
        h3 { font-size: 1rem; margin: 1rem 0 .2rem; color: var(--muted); }
        .muted, .why, .outlets { color: var(--muted); font-size: .875rem; }
        .chart { width: 100%; height: 60px; display: block; margin: .4rem 0; }
        .chart.small { height: 28px; max-width: 12rem; }
        .chart rect.some { fill: var(--bar); }
        .chart rect.none { fill: var(--line); }
        ul.watches, ul.timeline { list-style: none; padding: 0; margin: 0; }
        ul.watches li { padding: .7rem 0; border-bottom: 1px solid var(--line); }
        ul.timeline li { padding: .6rem 0; border-bottom: 1px solid var(--line); }
        .entry-title { font-weight: 600; }
        .judge { display: flex; gap: .5rem; flex-wrap: wrap; margin-top: .3rem; align-items: center; }
        form { display: inline; margin: 0; }
        button { font: inherit; font-size: .85rem; padding: .25rem .7rem; border: 1px solid var(--line); border-radius: .3rem; background: transparent; color: var(--fg); cursor: pointer; }
        button:hover { border-color: var(--accent); }
        .verdict { font-size: .85rem; font-weight: 600; }
        table.profile { border-collapse: collapse; width: 100%; font-size: .9rem; }
        table.profile td, table.profile th { text-align: left; padding: .3rem .4rem .3rem 0; border-bottom: 1px solid var(--line); vertical-align: top; }
        table.profile td:last-child { white-space: nowrap; text-align: right; }
        .notice { padding: .6rem .8rem; border: 1px solid var(--accent); border-radius: .3rem; margin: .6rem 0; }
        nav.pages { display: flex; justify-content: space-between; margin: 1rem 0; }
        label { display: block; margin: .5rem 0 .2rem; }
        input[type=password] { font: inherit; padding: .3rem; width: 100%; max-width: 20rem; }
        """;
}
