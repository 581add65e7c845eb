using System.Globalization;

namespace FeedWatcher.Matching;

/// <summary>How well watches find what people judged relevant, by the TDT tracking measures: precision, recall,
/// F1 and the normalized detection cost <c>C_norm = P_miss + 4.9 P_fa</c> (C_miss 1, C_fa 0.1, P_target 0.02;
/// never alerting costs 1). Judgments are (topic, item, relevance): relevance at least 1 is a target, -1 is
/// left out; a topic is a watch of the same name.</summary>
public static class Evaluation
{
    public const double FalseAlarmWeight = 4.9;

    /// <summary>One watch's figures at one threshold.</summary>
    public sealed record Figures(string Watch, double Threshold, int Targets, int Judged, int Hits, int Correct, double Precision, double Recall, double F1, double Cost)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Watch,-24} threshold {Threshold,4:0.00}  targets {Targets,3}  hits {Hits,3}  correct {Correct,3}  P {Precision:0.000}  R {Recall:0.000}  F1 {F1:0.000}  C_norm {Cost:0.000}");
    }

    /// <summary>Reads qrels lines: topic, item id, relevance, separated by tabs or spaces.</summary>
    public static Dictionary<(string Topic, string Item), int> ReadQrels(IEnumerable<string> lines)
    {
        var qrels = new Dictionary<(string, string), int>();
        foreach (var line in lines)
        {
            var parts = line.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 3 || !int.TryParse(parts[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var relevance))
                continue; // a header or a blank line
            qrels[(parts[0], parts[1])] = relevance;
        }
        return qrels;
    }

    /// <summary>The figures of one watch at <paramref name="threshold"/> over its judged items.</summary>
    public static Figures Measure(string watch, IReadOnlyList<(double Score, bool Target)> judged, double threshold)
    {
        var targets = judged.Count(j => j.Target);
        var hits = judged.Count(j => j.Score >= threshold);
        var correct = judged.Count(j => j.Target && j.Score >= threshold);
        var nonTargets = judged.Count - targets;
        var missRate = targets == 0 ? 0 : (double)(targets - correct) / targets;
        var falseAlarmRate = nonTargets == 0 ? 0 : (double)(hits - correct) / nonTargets;
        var precision = hits == 0 ? 0 : (double)correct / hits;
        var recall = targets == 0 ? 0 : (double)correct / targets;
        var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new Figures(watch, threshold, targets, judged.Count, hits, correct, precision, recall, f1, missRate + FalseAlarmWeight * falseAlarmRate);
    }

    /// <summary>Each watch measured at the threshold that minimizes the mean cost over the other watches
    /// (leave one out), so that no watch's threshold is fitted on its own judgments.</summary>
    public static IReadOnlyList<Figures> LeaveOneOut(IReadOnlyDictionary<string, List<(double Score, bool Target)>> byWatch)
    {
        var candidates = byWatch.Values.SelectMany(j => j.Select(x => x.Score)).Where(s => s > 0).Append(1.0001).Distinct().Order().ToList();
        var results = new List<Figures>();
        foreach (var (watch, judged) in byWatch.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var others = byWatch.Where(kv => kv.Key != watch).ToList();
            var best = others.Count == 0 ? 0.5 : candidates
                .Select(t => (Threshold: t, Cost: others.Average(o => Measure(o.Key, o.Value, t).Cost)))
                .OrderBy(x => x.Cost).ThenByDescending(x => x.Threshold).First().Threshold;
            results.Add(Measure(watch, judged, best));
        }
        return results;
    }
}
