using System.Net;

namespace FeedWatcher.Tests.Infrastructure;

/// <summary>Small feed documents written for the tests.</summary>
public static class Feeds
{
    public sealed record Item(string Id, string Title, string Description, string Published = "Wed, 12 Apr 2017 09:00:00 GMT");

    public static string Rss(string title, params Item[] items) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <rss version="2.0">
          <channel>
            <title>{WebUtility.HtmlEncode(title)}</title>
            <link>http://example.org/</link>
            <description>Test feed</description>
        {string.Concat(items.Select(i => $"""
            <item>
              <guid isPermaLink="false">{i.Id}</guid>
              <title>{WebUtility.HtmlEncode(i.Title)}</title>
              <link>http://example.org/{i.Id}</link>
              <description>{WebUtility.HtmlEncode(i.Description)}</description>
              <pubDate>{i.Published}</pubDate>
            </item>

        """))}
          </channel>
        </rss>
        """;

    public static readonly Item Unrelated = new("weather-1", "Spring storms expected across the region", "Forecasters warn of heavy rain this week.");
    public static readonly Item Background = new("kabul-1", "Kabul markets reopen after holiday", "Traders in Afghanistan's capital return to work.");
    public static readonly Item FollowUp = new("moscow-2", "Russia hosts regional conference on Afghanistan without Washington",
        "Eleven countries met in Moscow to discuss security in Afghanistan; Taliban talks were on the agenda.");
    public static readonly Item Sports = new("cricket-3", "Cricket board names new captain", "The selectors announced the squad on Monday.");
}
