using System.Text.Json;
using FeedWatcher.Feeds;
using FeedWatcher.Matching;
using FeedWatcher.Storage;

namespace FeedWatcher.Digests;

/// <summary>One item in a digest, with every watch it matched (best first).</summary>
public sealed class DigestItem(IReadOnlyList<DigestHit> hits)
{
    public IReadOnlyList<DigestHit> Hits { get; } = [.. hits.OrderByDescending(h => h.Score).ThenBy(h => h.Watch, StringComparer.OrdinalIgnoreCase)];
    DigestHit Lead => Hits[0];
    public long ItemId => Lead.ItemId;
    public string Title => Lead.Title;
    public string Summary => Lead.Summary;
    public string? Link => Lead.Link;
    public string Feed => Lead.Feed;
    public DateTime PublishedAt => Lead.PublishedAt;
    public double Score => Lead.Score;

    /// <summary>The watches it matched, best first.</summary>
    public IEnumerable<string> Watches => Hits.Select(h => h.Watch).Distinct(StringComparer.OrdinalIgnoreCase);

    /// <summary>The explanation of its best hit; null when none was stored or it cannot be read.</summary>
    public WatchExplanation? Explanation
    {
        get
        {
            if (Lead.Explanation is null) return null;
            try { return JsonSerializer.Deserialize<WatchExplanation>(Lead.Explanation, WatchExplanation.Json); }
            catch (JsonException) { return null; }
        }
    }

    /// <summary>What to highlight in its text: the words found by its watches, as the watch wrote them and as the
    /// item spells them, and each word of those that are several.</summary>
    public IEnumerable<string> FoundWords =>
        Hits.SelectMany(h => h.Matched).Concat(Explanation?.Matched.Select(m => m.Found) ?? [])
            .SelectMany(w => w.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Prepend(w.Trim('"', ' ')))
            .Where(w => w.Length > 1).Distinct(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One entry of a digest: an item, and the same story from other feeds ("also reported by").</summary>
public sealed class DigestStory(DigestItem lead)
{
    public DigestItem Lead { get; } = lead;
    public List<DigestItem> AlsoReported { get; } = [];

    /// <summary>The watch it is listed under: the one it scored best for.</summary>
    public string Watch => Lead.Hits[0].Watch;
    public double Score => Lead.Score;

    /// <summary>Every watch any of its items matched, the one it is listed under first.</summary>
    public IReadOnlyList<string> Watches => [.. Items.SelectMany(i => i.Watches).Distinct(StringComparer.OrdinalIgnoreCase)];
    public IEnumerable<DigestItem> Items => AlsoReported.Prepend(Lead);
    public IEnumerable<long> HitIds => Items.SelectMany(i => i.Hits).Select(h => h.HitId);
}

/// <summary>Turns hits into the stories of a digest: one entry per item however many watches it matched, the
/// same story from several feeds merged under the best-scoring one, the best stories first.</summary>
public static class DigestPlan
{
    /// <summary>The stories of <paramref name="hits"/>, best first, at most <paramref name="maxStories"/>.
    /// Two items are one story when their canonical links or their titles are the same, or
    /// <paramref name="sameStory"/> says so.</summary>
    public static IReadOnlyList<DigestStory> Stories(IEnumerable<DigestHit> hits, Func<DigestItem, DigestItem, bool> sameStory, int maxStories)
    {
        var items = hits.GroupBy(h => h.ItemId).Select(g => new DigestItem([.. g]))
            .OrderByDescending(i => i.Score).ThenByDescending(i => i.PublishedAt).ThenBy(i => i.ItemId);
        var stories = new List<DigestStory>();
        foreach (var item in items)
        {
            var story = stories.FirstOrDefault(s => Same(s.Lead, item, sameStory));
            if (story is not null) story.AlsoReported.Add(item);
            else stories.Add(new DigestStory(item));
        }
        return [.. stories.Take(maxStories)];
    }

    static bool Same(DigestItem a, DigestItem b, Func<DigestItem, DigestItem, bool> sameStory) =>
        (a.Link is not null && b.Link is not null && CanonicalUrl.Of(a.Link) == CanonicalUrl.Of(b.Link))
        || (Normalize(a.Title) is { Length: > 0 } title && title == Normalize(b.Title))
        || sameStory(a, b);

    static string Normalize(string title) => string.Join(' ', TextAnalyzer.Tokens(title).Select(t => t.Word));
}
