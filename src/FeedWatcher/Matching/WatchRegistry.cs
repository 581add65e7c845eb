using FeedWatcher.Configuration;
using Microsoft.Extensions.Options;

namespace FeedWatcher.Matching;

/// <summary>The watches in force: compiled from the configuration at start and again whenever a valid edit of
/// it is reloaded, sharing one <see cref="TermStatistics"/>. Items are matched by whichever set is current. The watches
/// learn from the hits and judgements on record, which <see cref="WatchLearning"/> teaches them, not from their own
/// matches.</summary>
public sealed class WatchRegistry : IWatchMatcher, IDisposable
{
    readonly TermStatistics _statistics;
    readonly ILogger<WatchRegistry> _logger;
    readonly IDisposable? _subscription;
    WatchSet _current;

    public WatchRegistry(IOptionsMonitor<FeedWatcherOptions> options, TermStatistics statistics, ILogger<WatchRegistry> logger)
    {
        (_statistics, _logger) = (statistics, logger);
        var (watches, problems) = WatchCompiler.Compile(options.CurrentValue, statistics);
        _current = watches ?? throw new InvalidOperationException("The watches do not compile: " + string.Join("; ", problems));
        _current.LearnsFromOwnHits = false;
        _subscription = options.OnChange((next, _) => Apply(next));
    }

    public WatchSet Current => Volatile.Read(ref _current);

    void Apply(FeedWatcherOptions options)
    {
        var (watches, problems) = WatchCompiler.Compile(options, _statistics);
        if (watches is null)
        {
            _logger.LogError("Watches not reloaded; the {Count} watches in force stay. {Problems}", Current.Watches.Count, string.Join("; ", problems));
            return;
        }
        watches.LearnsFromOwnHits = false; // taught from the record by WatchLearning
        Volatile.Write(ref _current, watches);
        _logger.LogInformation("Watches reloaded: {Watches}", string.Join(", ", watches.Watches.Select(w => w.Name)));
    }

    public AnalyzedItem Analyze(ItemText item) => Current.Analyze(item);

    public IReadOnlyList<WatchMatch> Match(AnalyzedItem item, string? feedUrl = null) => Current.Match(item, feedUrl);

    public void Learn(AnalyzedItem item) => Current.Learn(item);

    public void Publish() => Current.Publish();

    public void Dispose() => _subscription?.Dispose();
}
