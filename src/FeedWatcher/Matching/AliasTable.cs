using System.Buffers;

namespace FeedWatcher.Matching;

/// <summary>Groups of names for one thing (Daesh = ISIS = ISIL = "Islamic State"; Taliban = Taleban). A keyword
/// or query term that is a member of a group matches any member, and seed similarity counts every member as
/// the same term. Groups that share a member are one group.</summary>
public sealed class AliasTable
{
    /// <summary>One name of a group: as written, its terms, and their numbers.</summary>
    public sealed record Member(string Text, string[] Terms, int Group)
    {
        public int[] Ids { get; } = IdsOf(Terms);
    }

    readonly Dictionary<int, List<Member>> _byFirstTerm = [];
    readonly List<int> _groupIds = [];
    readonly TermSet _firstTerms;
    readonly Dictionary<string, Member> _byTerms = new(StringComparer.Ordinal);
    readonly List<List<Member>> _groups = [];

    public static readonly AliasTable Empty = new([]);

    public AliasTable(IEnumerable<IReadOnlyList<string>> groups)
    {
        foreach (var group in groups)
        {
            var members = group.Select(text => (Text: text.Trim(), Terms: Analyze(text))).Where(m => m.Terms.Length > 0).ToList();
            // Joins the groups this one shares a member with.
            var joined = members.Select(m => _byTerms.TryGetValue(Key(m.Terms), out var known) ? known.Group : -1).Where(g => g >= 0).Distinct().ToList();
            var index = joined.Count > 0 ? joined[0] : _groups.Count;
            if (index == _groups.Count) _groups.Add([]);
            foreach (var other in joined.Skip(1))
            {
                foreach (var member in _groups[other]) Add(member with { Group = index });
                _groups[other].Clear();
            }
            foreach (var (text, terms) in members)
            {
                if (!_byTerms.ContainsKey(Key(terms))) Add(new Member(text, terms, index));
            }
        }
        foreach (var list in _byFirstTerm.Values)
            list.Sort((a, b) => b.Terms.Length.CompareTo(a.Terms.Length)); // longest first
        _firstTerms = new TermSet(_byFirstTerm.Keys);
        for (var g = 0; g < _groups.Count; g++)
            _groupIds.Add(_groups[g].Count == 0 ? Vocabulary.Unknown : Vocabulary.IdOf(TermOf(g), always: true));
    }

    void Add(Member member)
    {
        _byTerms[Key(member.Terms)] = member;
        _groups[member.Group].RemoveAll(m => Key(m.Terms) == Key(member.Terms));
        _groups[member.Group].Add(member);
        if (!_byFirstTerm.TryGetValue(member.Ids[0], out var list))
            _byFirstTerm[member.Ids[0]] = list = [];
        list.RemoveAll(m => Key(m.Terms) == Key(member.Terms));
        list.Add(member);
    }

    /// <summary>The terms of a name as the analyzer sees them: "ISIS-K" is isi, k.</summary>
    public static string[] Analyze(string text) => [.. TextAnalyzer.Tokens(text.Trim().Trim('"')).Select(t => t.Term)];

    /// <summary>The numbers of terms a watch uses: given even when the vocabulary is full.</summary>
    public static int[] IdsOf(IEnumerable<string> terms) => [.. terms.Select(t => Vocabulary.IdOf(t, always: true))];

    static string Key(IEnumerable<string> terms) => string.Join(' ', terms);

    /// <summary>The members of the group that <paramref name="terms"/> belongs to, itself included; null when it
    /// is in no group.</summary>
    public IReadOnlyList<Member>? GroupOf(IReadOnlyList<string> terms) =>
        _byTerms.TryGetValue(Key(terms), out var member) ? _groups[member.Group] : null;

    /// <summary>The similarity term of a group: "=" and the terms of its first member.</summary>
    public string TermOf(int group) => "=" + Key(_groups[group][0].Terms);

    /// <summary>The name of the group a similarity term stands for (its first member, as written).</summary>
    public string NameOf(string similarityTerm) =>
        similarityTerm.StartsWith('=') && _byTerms.TryGetValue(similarityTerm[1..], out var member) ? _groups[member.Group][0].Text : similarityTerm;

    /// <summary>The item's terms for seed similarity: stop words left out, each occurrence of a group member
    /// counted as the group's term (longest member first), title occurrences counted twice.</summary>
    public SimilarityTerm[] SimilarityTerms(AnalyzedItem item)
    {
        // Each occurrence is its term number shifted left, with the low bit set in the title: sorting those
        // plain integers groups each term's occurrences.
        var tokens = item.Tokens;
        int[]? rented = null;
        // Room for every token and one compound for each, at most.
        var keys = tokens.Count <= 256 ? stackalloc int[2 * tokens.Count] : rented = ArrayPool<int>.Shared.Rent(2 * tokens.Count);
        var count = 0;
        for (var i = 0; i < tokens.Count;)
        {
            var title = item.InTitle(i) ? 1 : 0;
            var member = _firstTerms.Contains(tokens[i].Id) ? Longest(item, i) : null;
            if (member is not null)
            {
                keys[count++] = _groupIds[member.Group] << 1 | title;
                i += member.Terms.Length;
                continue;
            }
            var form = tokens[i].Form;
            if (form.Similar && form.Id != Vocabulary.Unknown)
                keys[count++] = form.Id << 1 | title;
            if (tokens[i].JoinsNext && i + 1 < tokens.Count && item.SameField(i, i + 1)
                && TextAnalyzer.Compound(form.Word, tokens[i + 1].Word) is { Similar: true, Id: not Vocabulary.Unknown } compound)
                keys[count++] = compound.Id << 1 | title;
            i++;
        }
        var occurrences = keys[..count];
        occurrences.Sort();
        var distinct = 0;
        for (var i = 0; i < occurrences.Length; i++)
        {
            if (i == 0 || occurrences[i] >> 1 != occurrences[i - 1] >> 1) distinct++;
        }
        var terms = new SimilarityTerm[distinct];
        var t = -1;
        for (var i = 0; i < occurrences.Length; i++)
        {
            var term = occurrences[i] >> 1;
            var frequency = (occurrences[i] & 1) == 1 ? 2f : 1f;
            if (t >= 0 && terms[t].Term == term)
                terms[t] = new SimilarityTerm(term, terms[t].Frequency + frequency);
            else
                terms[++t] = new SimilarityTerm(term, frequency);
        }
        if (rented is not null) ArrayPool<int>.Shared.Return(rented);
        return terms;
    }

    /// <summary>The longest member that starts at <paramref name="position"/>.</summary>
    public Member? Longest(AnalyzedItem item, int position)
    {
        if (!_byFirstTerm.TryGetValue(item.Tokens[position].Id, out var candidates))
            return null;
        foreach (var candidate in candidates)
        {
            if (item.IsAt(candidate.Ids, position)) return candidate;
        }
        return null;
    }
}
