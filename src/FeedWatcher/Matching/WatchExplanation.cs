using System.Globalization;
using System.Text.Json;

namespace FeedWatcher.Matching;

/// <summary>Why an item scored what it did for a watch: the terms found and where, the seed terms it shares,
/// and the parts of the score; <see cref="ByKeyword"/> when a keyword found made it a hit that the parts alone
/// would not have made (its score is then the watch's MinScore). Stored with the hit and shown in the digest.</summary>
public sealed record WatchExplanation(
    double Score,
    double Keywords,
    double Seed,
    IReadOnlyList<TermHit> Matched,
    IReadOnlyList<string> SeedTerms,
    string? Excluded = null,
    string? Reason = null,
    bool ByKeyword = false)
{
    /// <summary>The learnt words it shares with the watch's query, each with what taught it: "astana (3 hits, 1 judged
    /// relevant)".</summary>
    public IReadOnlyList<string> LearntTerms { get; init; } = [];

    /// <summary>How explanations are stored (hits.explanation) and printed by match and backtest.</summary>
    public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Why, as a reader of the digest wants it, without the scores: "names Afghanistan, Taliban talks; shares
    /// taliban, lavrov with the seed story; astana with earlier hits".</summary>
    public string ForReader()
    {
        var parts = new List<string>();
        if (Matched.Count > 0)
            parts.Add("names " + string.Join(", ", Matched.Select(m => m.ToString()[..^(m.Field.Length + 4)]).Distinct(StringComparer.Ordinal)));
        if (SeedTerms.Count > 0) parts.Add($"shares {string.Join(", ", SeedTerms)} with the seed story");
        if (LearntTerms.Count > 0) parts.Add($"{string.Join(", ", LearntTerms.Select(t => t.Split(" (")[0]))} with earlier hits");
        return parts.Count == 0 ? "close to the seed story" : string.Join("; ", parts);
    }

    /// <summary>One line for people: "Afghanistan in title; ISIL (as Daesh) in summary; like the seed in
    /// nangarhar, moab; score 0.71 = keywords 0.80 x 0.4 + seed 0.65 x 0.6".</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Excluded is not null) parts.Add($"excluded by {Excluded}");
        if (Reason is not null) parts.Add(Reason);
        if (Matched.Count > 0)
            parts.Add(string.Join("; ", Matched.GroupBy(m => m.ToString()[..^(m.Field.Length + 4)], StringComparer.Ordinal)
                .Select(g => $"{g.Key} in {string.Join(" and ", g.Select(m => m.Field).Distinct())}")));
        if (SeedTerms.Count > 0) parts.Add("like the seed in " + string.Join(", ", SeedTerms));
        if (LearntTerms.Count > 0) parts.Add("like earlier hits in " + string.Join(", ", LearntTerms));
        parts.Add(ByKeyword
            ? string.Create(CultureInfo.InvariantCulture, $"score {Score:0.00}, the watch's minimum, for a keyword found (keywords {Keywords:0.00}, seed {Seed:0.00})")
            : string.Create(CultureInfo.InvariantCulture, $"score {Score:0.00} (keywords {Keywords:0.00}, seed {Seed:0.00})"));
        return string.Join("; ", parts);
    }
}

/// <summary>An item's score for a watch, with why; a hit when <see cref="IsHit"/>.</summary>
public sealed record WatchMatch(string Watch, double Score, WatchExplanation Explanation, bool IsHit = true)
{
    /// <summary>The watch's terms that were found, as the watch wrote them.</summary>
    public IReadOnlyList<string> MatchedKeywords => [.. Explanation.Matched.Select(m => m.Term).Distinct(StringComparer.Ordinal)];
}
