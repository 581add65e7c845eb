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

    /// <summary>Everyday news with nothing of the story, as many items as asked (up to 1,001), each its own: no two share more
    /// than two of their four words, as a copy of an item seen before is not learnt from.</summary>
    public static Item[] OtherNews(int count, string published)
    {
        string[] who = ["Bakers", "Farmers", "Nurses", "Pilots", "Miners", "Dockers", "Teachers", "Drivers", "Brewers", "Tailors", "Fishermen", "Builders", "Jewellers"];
        string[] what = ["sell", "repair", "paint", "ship", "count", "test", "polish", "weigh", "pack", "store", "print"];
        string[] which = ["bicycles", "lanterns", "carpets", "violins", "kettles", "saddles", "barrels"];
        string[] where = ["Lyon", "Porto", "Ghent", "Turin", "Bergen"];
        return [.. Enumerable.Range(0, count).Select(i => new Item($"n{i}", $"{who[i % who.Length]} {what[i % what.Length]} {which[i % which.Length]} in {where[i % where.Length]}", "", published))];
    }

    public static readonly Item Unrelated = new("weather-1", "Spring storms expected across the region", "Forecasters warn of heavy rain this week.");
    public static readonly Item Background = new("kabul-1", "Kabul markets reopen after holiday", "Traders in Afghanistan's capital return to work.");
    public static readonly Item FollowUp = new("moscow-2", "Russia hosts regional conference on Afghanistan without Washington",
        "Eleven countries met in Moscow to discuss security in Afghanistan; Taliban talks were on the agenda.");
    public static readonly Item Sports = new("cricket-3", "Cricket board names new captain", "The selectors announced the squad on Monday.");
}
