namespace FeedWatcher.Matching;

/// <summary>Groups of names for one thing (Daesh = ISIS = ISIL = "Islamic State"; Taliban = Taleban). A keyword
/// or query term that is a member of a group matches any member, and seed similarity counts every member as
/// the same term. Groups that share a member are one group.</summary>
public sealed class AliasTable
{
    /// <summary>One name of a group: as written, and its terms.</summary>
    public sealed record Member(string Text, string[] Terms, int Group);

    readonly Dictionary<string, List<Member>> _byFirstTerm = new(StringComparer.Ordinal);
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
    }

    void Add(Member member)
    {
        _byTerms[Key(member.Terms)] = member;
        _groups[member.Group].RemoveAll(m => Key(m.Terms) == Key(member.Terms));
        _groups[member.Group].Add(member);
        if (!_byFirstTerm.TryGetValue(member.Terms[0], out var list))
            _byFirstTerm[member.Terms[0]] = list = [];
        list.RemoveAll(m => Key(m.Terms) == Key(member.Terms));
        list.Add(member);
    }

    /// <summary>The terms of a name as the analyzer sees them: "ISIS-K" is isi, k.</summary>
    public static string[] Analyze(string text) => [.. TextAnalyzer.Tokens(text.Trim().Trim('"')).Select(t => t.Term)];

    static string Key(IEnumerable<string> terms) => string.Join(' ', terms);

    /// <summary>The members of the group that <paramref name="terms"/> belongs to, itself included; null when it
    /// is in no group.</summary>
    public IReadOnlyList<Member>? GroupOf(IReadOnlyList<string> terms) =>
        _byTerms.TryGetValue(Key(terms), out var member) ? _groups[member.Group] : null;

    /// <summary>The similarity term of a group: "=" and the terms of its first member.</summary>
    public string TermOf(int group) => "=" + Key(_groups[group][0].Terms);

    /// <summary>The name of the group a similarity term stands for (its first member, as written).</summary>
    public string NameOf(string similarityTerm) =>
        _byTerms.TryGetValue(similarityTerm.TrimStart('='), out var member) ? _groups[member.Group][0].Text : similarityTerm;

    /// <summary>The item's terms for seed similarity: stop words left out, each occurrence of a group member
    /// counted as the group's term (longest member first), title occurrences counted twice.</summary>
    public Dictionary<string, float> SimilarityTerms(AnalyzedItem item)
    {
        var tokens = item.Tokens;
        var terms = new Dictionary<string, float>(tokens.Count, StringComparer.Ordinal);
        for (var i = 0; i < tokens.Count;)
        {
            var weight = item.InTitle(i) ? 2f : 1f;
            var member = _byFirstTerm.Count == 0 ? null : Longest(item, i);
            if (member is not null)
            {
                Add(terms, TermOf(member.Group), weight);
                i += member.Terms.Length;
                continue;
            }
            if (!TextAnalyzer.IsStopTerm(tokens[i].Term) && tokens[i].Term.Length > 1)
                Add(terms, tokens[i].Term, weight);
            i++;
        }
        return terms;

        static void Add(Dictionary<string, float> terms, string term, float weight) =>
            terms[term] = terms.GetValueOrDefault(term) + weight;
    }

    /// <summary>The longest member that starts at <paramref name="position"/>.</summary>
    public Member? Longest(AnalyzedItem item, int position)
    {
        if (!_byFirstTerm.TryGetValue(item.Tokens[position].Term, out var candidates))
            return null;
        foreach (var candidate in candidates)
        {
            if (item.IsAt(candidate.Terms, position)) return candidate;
        }
        return null;
    }
}
