namespace FeedWatcher.Feeds;

/// <summary>One item of a feed, normalized: plain-text title and summary, a UTC publication time.</summary>
public sealed record FeedEntry(string? Id, string? Link, string Title, string Summary, DateTime? Published);
