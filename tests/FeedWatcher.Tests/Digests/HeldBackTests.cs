using FeedWatcher.Digests;

namespace FeedWatcher.Tests.Digests;

/// <summary>Which hits a reader's judgements hold back from the digest, on unit vectors whose cosines are known.</summary>
public sealed class HeldBackTests
{
    // A unit vector at a cosine of `cosine` from (1, 0, 0), turned towards the second or third axis.
    static float[] At(double cosine, int axis = 1)
    {
        var vector = new float[3];
        vector[0] = (float)cosine;
        vector[axis] = (float)Math.Sqrt(1 - cosine * cosine);
        return vector;
    }

    static readonly float[] Hit = [1, 0, 0];

    [Fact]
    public void A_hit_near_an_item_judged_not_relevant_is_held_back_for_the_nearest()
    {
        HeldBack.Judged far = new(1, false, At(0.66)), near = new(2, false, At(0.8, 2));
        Assert.Same(near, HeldBack.For(Hit, [far, near]));
        Assert.Same(far, HeldBack.For(Hit, [far, new HeldBack.Judged(3, true, At(0.5))]));
    }

    [Fact]
    public void A_hit_as_near_an_item_judged_relevant_or_not_near_enough_is_shown()
    {
        HeldBack.Judged against = new(1, false, At(0.8));
        Assert.Null(HeldBack.For(Hit, [against, new HeldBack.Judged(2, true, At(0.75, 2))])); // within the margin
        Assert.Null(HeldBack.For(Hit, [new HeldBack.Judged(1, false, At(0.6))])); // under the similarity
        Assert.Null(HeldBack.For(Hit, [new HeldBack.Judged(1, true, At(0.99))])); // judged relevant only
        Assert.Null(HeldBack.For(Hit, []));
    }
}
