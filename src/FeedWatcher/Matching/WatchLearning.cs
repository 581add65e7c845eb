using FeedWatcher.Storage;

namespace FeedWatcher.Matching;

/// <summary>Teaches the watches in force what is on record in the database, which every instance shares: the confident
/// hits (any instance's), the readers' judgements, the hits digests held back, the words pinned and banned, and the
/// resets. At start all of it, then at each poll cycle what was added since, so that every instance on one database
/// holds the same profiles. Watches compiled again after an edit of the settings, or a watch reset, start again from
/// the whole record.</summary>
public sealed class WatchLearning(LearningStore store, WatchRegistry watches, ILogger<WatchLearning> logger) : IDisposable
{
    readonly SemaphoreSlim _gate = new(1, 1);
    (WatchSet? To, long Hit, long Judgement, long HeldBack, long Reset) _applied;

    /// <summary>Applies what the watches in force have not learnt yet; returns how many pieces of evidence that was.</summary>
    public async Task<int> ApplyNewAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var current = watches.Current;
            var reset = await store.LastResetAsync(cancellationToken);
            var again = !ReferenceEquals(_applied.To, current) || reset != _applied.Reset;
            if (again && ReferenceEquals(_applied.To, current))
            {
                foreach (var watch in current.Watches) current.Forget(watch.Name);
            }
            var (afterHit, afterJudgement, afterHeldBack) = again ? (0L, 0L, 0L) : (_applied.Hit, _applied.Judgement, _applied.HeldBack);
            var evidence = await store.EvidenceAsync(afterHit, afterJudgement, afterHeldBack, WatchSet.LearnFrom, cancellationToken);
            var words = (await store.WordsAsync(cancellationToken)).ToLookup(w => w.Watch, StringComparer.OrdinalIgnoreCase);
            foreach (var watch in current.Watches)
                current.SetWords(watch.Name, words[watch.Name].Where(w => w.Pinned).Select(w => w.Word), words[watch.Name].Where(w => !w.Pinned).Select(w => w.Word));
            foreach (var piece in evidence)
                current.Teach(piece.Watch, current.Analyze(piece.Text), piece.Kind, piece.ItemId);
            current.Publish();
            long Last(Func<Evidence, bool> kind, long after) => evidence.Where(e => kind(e.Kind)).Select(e => e.Id).DefaultIfEmpty(after).Max();
            static bool Judgement(Evidence kind) => kind is Evidence.Relevant or Evidence.NotRelevant;
            _applied = (current, Last(k => k == Evidence.ConfidentHit, afterHit), Last(Judgement, afterJudgement), Last(k => k == Evidence.HeldBack, afterHeldBack), reset);
            if (evidence.Count > 0)
                logger.LogInformation("Watches learnt from {Hits} confident hits, {Judgements} judgements and {HeldBack} hits held back",
                    evidence.Count(e => e.Kind == Evidence.ConfidentHit), evidence.Count(e => Judgement(e.Kind)), evidence.Count(e => e.Kind == Evidence.HeldBack));
            return evidence.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
