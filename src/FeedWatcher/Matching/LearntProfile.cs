namespace FeedWatcher.Matching;

/// <summary>What a watch learnt, as <c>feedwatcher watches show</c> prints it.</summary>
public sealed record LearntProfile(string Watch, IReadOnlyList<LearntProfile.Word> Words, int ConfidentHits, int JudgedRelevant, int JudgedNotRelevant,
    IReadOnlyList<string> Pinned, IReadOnlyList<string> Banned, int HeldBack = 0)
{
    /// <summary>How many confident hits and hits held back were not learnt from, as copies of one learnt from before.</summary>
    public int Copies { get; init; }

    /// <summary>"41 confident hits and 1 judgement (1 relevant, 0 not), and 2 hits held back from digests; 3 copies of hits
    /// learnt from before left out": what it learnt from, as <c>watches show</c> and the story page say it.</summary>
    public string LearntFrom() =>
        $"{Cli.Words.Count(ConfidentHits, "confident hit")} and {Cli.Words.Count(JudgedRelevant + JudgedNotRelevant, "judgement")} ({JudgedRelevant} relevant, {JudgedNotRelevant} not)"
        + (HeldBack > 0 ? $", and {Cli.Words.Count(HeldBack, "hit")} held back from digests" : "")
        + (Copies > 0 ? $"; {Cli.Words.Count(Copies, "copy", "copies")} of hits learnt from before left out" : "");

    /// <summary>A learnt word, its weight (the strongest 1), how many confident hits and judgements taught it, the last
    /// item that did (0 when unknown), and how many hits held back had it.</summary>
    public sealed record Word(string Text, double Weight, int ConfidentHits, int Relevant, int NotRelevant, long LastSource, int HeldBack = 0)
    {
        /// <summary>"3 hits, 1 judged relevant".</summary>
        public string Sources => Describe(ConfidentHits, Relevant, NotRelevant, HeldBack);

        public static string Describe(int confidentHits, int relevant, int notRelevant, int heldBack = 0) => string.Join(", ", new[]
        {
            confidentHits > 0 ? Cli.Words.Count(confidentHits, "hit") : null,
            relevant > 0 ? $"{relevant} judged relevant" : null,
            notRelevant > 0 ? $"{notRelevant} judged not" : null,
            heldBack > 0 ? $"{heldBack} held back" : null,
        }.OfType<string>());
    }
}
