using FeedWatcher.Storage;

namespace FeedWatcher.Matching;

/// <summary>Applies the readers' judgements to the watches: all of them at start, then at each poll cycle the ones
/// given since, so that a judgement made with <c>feedwatcher feedback</c> counts from the next cycle on.</summary>
public sealed class ReaderJudgements(JudgementStore store, WatchRegistry watches, ILogger<ReaderJudgements> logger)
{
    (WatchSet? To, long Last) _applied;

    /// <summary>Applies the judgements not applied yet to the watches in force; returns how many.</summary>
    public async Task<int> ApplyNewAsync(CancellationToken cancellationToken = default)
    {
        // Watches compiled again after an edit of the settings start without judgements: they get all of them.
        var current = watches.Current;
        var after = ReferenceEquals(_applied.To, current) ? _applied.Last : 0;
        var judgements = await store.SinceAsync(after, cancellationToken);
        if (judgements.Count == 0) return 0;
        foreach (var judgement in judgements)
            current.Judge(judgement.Watch, current.Analyze(judgement.Text), judgement.Relevant);
        current.Publish();
        _applied = (current, judgements[^1].Id);
        logger.LogInformation("Applied {Count} judgements by readers", judgements.Count);
        return judgements.Count;
    }
}
