namespace FeedWatcher.Matching;

/// <summary>A running count, mean and sum of squared deviations (Welford), which merge with a weight (Chan, Golub
/// and LeVeque).</summary>
readonly record struct Moments(double Count, double Mean, double M2)
{
    public Moments Add(double value)
    {
        var count = Count + 1;
        var delta = value - Mean;
        var mean = Mean + delta / count;
        return new(count, mean, M2 + delta * (value - mean));
    }

    public Moments Merge(Moments other, double weight = 1)
    {
        var added = other.Count * weight;
        if (added == 0) return this;
        var count = Count + added;
        var delta = other.Mean - Mean;
        return new(count, Mean + delta * added / count, M2 + other.M2 * weight + delta * delta * Count * added / count);
    }

    public double Deviation => Count > 1 ? Math.Sqrt(M2 / (Count - 1)) : 0;
}
