using System.Diagnostics.Metrics;
using FeedWatcher.Feeds;

namespace FeedWatcher.Observability;

/// <summary>What FeedWatcher counts, as OpenTelemetry metrics of the meter <see cref="MeterName"/>: feeds polled
/// (by outcome), items seen, hits, digests (by outcome), how long polls and digest deliveries take, story pages served
/// and readers' judgements; the database's size and its tables' rows, as the heartbeat last read them.
/// Exported on the optional Prometheus endpoint (FeedWatcher:Metrics).</summary>
public sealed class FeedWatcherMetrics : IDisposable
{
    public const string MeterName = "FeedWatcher";

    readonly Meter _meter;
    readonly Counter<long> _feeds, _items, _hits, _digests, _pages, _judgements;
    readonly Histogram<double> _pollDuration, _digestDuration;
    volatile DatabaseFigures? _database;

    sealed record DatabaseFigures(long Bytes, IReadOnlyList<(string Table, long Rows)> Rows);

    public FeedWatcherMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _feeds = _meter.CreateCounter<long>("feedwatcher.feeds.polled", "{feed}", "Feeds polled, by outcome: ok, not_modified, failed");
        _items = _meter.CreateCounter<long>("feedwatcher.items.new", "{item}", "Items seen for the first time");
        _hits = _meter.CreateCounter<long>("feedwatcher.hits", "{hit}", "Items that matched a watch");
        _digests = _meter.CreateCounter<long>("feedwatcher.digests", "{digest}", "Digest deliveries, by outcome: sent, retry, failed");
        _pages = _meter.CreateCounter<long>("feedwatcher.web.pages", "{page}", "Story pages served, by page: watches, watch, feed, judgement");
        _judgements = _meter.CreateCounter<long>("feedwatcher.judgements", "{judgement}", "Readers' judgements recorded, by verdict and by where: page, link");
        _pollDuration = _meter.CreateHistogram<double>("feedwatcher.poll.duration", "s", "How long a poll cycle took");
        _digestDuration = _meter.CreateHistogram<double>("feedwatcher.digest.duration", "s", "How long a digest delivery took");
        _meter.CreateObservableGauge("feedwatcher.database.size", () => _database is { } d ? [new Measurement<long>(d.Bytes)] : Array.Empty<Measurement<long>>(),
            "By", "The size of FeedWatcher's database");
        _meter.CreateObservableGauge("feedwatcher.database.rows",
            () => _database is { } d ? d.Rows.Select(r => new Measurement<long>(r.Rows, new KeyValuePair<string, object?>("table", r.Table))) : [],
            "{row}", "Rows of each of FeedWatcher's tables, as PostgreSQL last counted them");
    }

    /// <summary>The database's size and rows per table, as last read.</summary>
    public void Database(long bytes, IReadOnlyList<(string Table, long Rows)> rows) => _database = new(bytes, rows);

    public void Polled(IReadOnlyList<RefreshOutcome> outcomes, TimeSpan duration)
    {
        foreach (var outcome in outcomes)
            _feeds.Add(1, new KeyValuePair<string, object?>("outcome", !outcome.Succeeded ? "failed" : outcome.NotModified ? "not_modified" : "ok"));
        _items.Add(outcomes.Sum(o => o.NewItems));
        _hits.Add(outcomes.Sum(o => o.Hits));
        _pollDuration.Record(duration.TotalSeconds);
    }

    public void Delivered(string outcome, TimeSpan duration)
    {
        _digests.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        _digestDuration.Record(duration.TotalSeconds);
    }

    public void PageServed(string page) => _pages.Add(1, new KeyValuePair<string, object?>("page", page));

    public void Judged(bool relevant, string from) =>
        _judgements.Add(1, new KeyValuePair<string, object?>("verdict", relevant ? "relevant" : "not_relevant"), new KeyValuePair<string, object?>("from", from));

    public void Dispose() => _meter.Dispose();
}
