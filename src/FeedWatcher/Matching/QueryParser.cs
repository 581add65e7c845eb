using System.Globalization;

namespace FeedWatcher.Matching;

/// <summary>A query could not be read: where (1-based character position) and what was expected there.</summary>
public sealed class QueryException(string message, int position) : Exception(position > 0 ? $"at character {position}: {message}" : message)
{
    public int Position { get; } = position;
}

/// <summary>Reads the watch query language:
/// <code>
/// query   := or
/// or      := and ( OR and )*
/// and     := near ( [AND] near )*            words side by side must all occur
/// near    := unary ( NEAR/n unary )*         within n positions, in one field
/// unary   := ( NOT | - ) unary | primary
/// primary := ( or ) | title: primary | "a phrase" | word | prefix*
/// </code>
/// Operators are upper case; words and phrases are analyzed like item text, and a word or phrase that is
/// an alias matches every name of its group.</summary>
public sealed class QueryParser
{
    readonly string _text;
    readonly AliasTable _aliases;
    int _at;

    QueryParser(string text, AliasTable aliases) => (_text, _aliases) = (text, aliases);

    /// <exception cref="QueryException">The query is not well formed.</exception>
    public static QueryNode Parse(string text, AliasTable aliases)
    {
        var parser = new QueryParser(text, aliases);
        parser.SkipSpace();
        if (parser._at == text.Length)
            throw new QueryException("the query is empty", 1);
        var query = parser.Or(titleOnly: false);
        parser.SkipSpace();
        if (parser._at < text.Length)
            throw parser.Error(parser.Peek() == ")" ? "')' without a matching '('" : $"expected AND, OR, NOT, NEAR/n or the end of the query, found '{parser.Peek()}'");
        if (!query.CollectTerms(new HashSet<int>()) && query is NotNode)
            throw new QueryException("a query needs at least one term that is not negated", 1);
        return query;
    }

    /// <summary>A keyword of the simple list: <c>"a phrase"</c>, or words that must occur near each other
    /// (within <paramref name="window"/> positions, in one field).</summary>
    public static QueryNode Keyword(string keyword, AliasTable aliases, int window)
    {
        var text = keyword.Trim();
        var quoted = text.Length >= 2 && text[0] == '"' && text[^1] == '"';
        var terms = AliasTable.Analyze(text);
        if (terms.Length == 0)
            throw new QueryException($"no words in keyword '{keyword}'", 0);
        if (quoted || terms.Length == 1 || aliases.GroupOf(terms) is not null)
            return Term(terms, text.Trim('"'), aliases, titleOnly: false);
        var words = TextAnalyzer.Tokens(text);
        PositionalNode near = Term([words[0].Term], words[0].Word, aliases, false);
        foreach (var word in words.Skip(1))
            near = new NearNode(near, Term([word.Term], word.Word, aliases, false), window);
        return near;
    }

    static PositionalNode Term(string[] terms, string written, AliasTable aliases, bool titleOnly)
    {
        var group = aliases.GroupOf(terms);
        if (group is null)
            return new TermNode(terms, written, written, titleOnly);
        return new AnyPositionalNode([.. group.Select(m => new TermNode(m.Terms, m.Text, written, titleOnly))]);
    }

    QueryNode Or(bool titleOnly)
    {
        var parts = new List<QueryNode> { And(titleOnly) };
        while (TryOperator("OR"))
            parts.Add(And(titleOnly));
        if (parts.Count == 1) return parts[0];
        return parts.All(p => p is PositionalNode) ? new AnyPositionalNode([.. parts.Cast<PositionalNode>()]) : new AnyNode(parts);
    }

    QueryNode And(bool titleOnly)
    {
        SkipSpace();
        var start = _at;
        var parts = new List<QueryNode> { Near(titleOnly) };
        while (true)
        {
            if (TryOperator("AND"))
            {
                parts.Add(Near(titleOnly));
                continue;
            }
            SkipSpace();
            if (_at == _text.Length || Peek() == ")" || IsOperatorAhead("OR"))
                break;
            parts.Add(Near(titleOnly)); // side by side: AND
        }
        if (parts.All(p => p is NotNode))
            throw new QueryException("a query needs at least one term that is not negated", start + 1);
        return parts.Count == 1 ? parts[0] : new AllNode(parts);
    }

    QueryNode Near(bool titleOnly)
    {
        var start = _at;
        var left = Unary(titleOnly);
        while (TryNear(out var distance))
        {
            SkipSpace();
            var rightAt = _at;
            var right = Unary(titleOnly);
            if (left is not PositionalNode l)
                throw new QueryException("NEAR/n needs a word, phrase or prefix on its left (not NOT or AND)", start + 1);
            if (right is not PositionalNode r)
                throw new QueryException("NEAR/n needs a word, phrase or prefix on its right (not NOT or AND)", rightAt + 1);
            left = new NearNode(l, r, distance);
        }
        return left;
    }

    QueryNode Unary(bool titleOnly)
    {
        SkipSpace();
        if (TryOperator("NOT"))
            return new NotNode(Unary(titleOnly));
        if (_at < _text.Length && _text[_at] == '-' && _at + 1 < _text.Length && !char.IsWhiteSpace(_text[_at + 1]))
        {
            _at++;
            return new NotNode(Unary(titleOnly));
        }
        return Primary(titleOnly);
    }

    QueryNode Primary(bool titleOnly)
    {
        SkipSpace();
        if (_at == _text.Length)
            throw Error("expected a word, a \"phrase\" or '(' but the query ended");
        var c = _text[_at];
        if (c == '(')
        {
            var open = _at++;
            var inner = Or(titleOnly);
            SkipSpace();
            if (_at == _text.Length || _text[_at] != ')')
                throw Error($"expected ')' to close the '(' at character {open + 1}");
            _at++;
            return inner;
        }
        if (c == ')')
            throw Error("expected a word, a \"phrase\" or '(' before ')'");
        if (string.CompareOrdinal(_text, _at, "title:", 0, 6) == 0)
        {
            _at += 6;
            if (_at == _text.Length || char.IsWhiteSpace(_text[_at]))
                throw Error("expected a word, a \"phrase\" or '(' right after title:");
            return Primary(titleOnly: true);
        }
        if (c == '"')
        {
            var start = _at;
            var end = _text.IndexOf('"', _at + 1);
            if (end < 0)
                throw new QueryException("this phrase has no closing '\"'", start + 1);
            var phrase = _text[(start + 1)..end];
            _at = end + 1;
            var terms = AliasTable.Analyze(phrase);
            if (terms.Length == 0)
                throw new QueryException("this phrase has no words", start + 1);
            return Term(terms, phrase, _aliases, titleOnly);
        }
        var wordStart = _at;
        while (_at < _text.Length && !char.IsWhiteSpace(_text[_at]) && _text[_at] is not '(' and not ')' and not '"')
            _at++;
        var word = _text[wordStart.._at];
        if (word is "AND" or "OR" or "NOT" || word.StartsWith("NEAR/", StringComparison.Ordinal))
            throw new QueryException($"expected a word, a \"phrase\" or '(' but found the operator {word}", wordStart + 1);
        if (word.EndsWith('*'))
        {
            var prefix = TextFolding.Fold(word[..^1]).Trim();
            if (prefix.Length < 2 || prefix.Contains(' ', StringComparison.Ordinal))
                throw new QueryException($"a prefix needs at least two letters or digits before '*': '{word}'", wordStart + 1);
            return new PrefixNode(prefix, word, titleOnly);
        }
        var wordTerms = AliasTable.Analyze(word);
        if (wordTerms.Length == 0)
            throw new QueryException($"expected a word but '{word}' has no letters or digits", wordStart + 1);
        return Term(wordTerms, word, _aliases, titleOnly);
    }

    bool TryOperator(string name)
    {
        SkipSpace();
        if (!IsOperatorAhead(name)) return false;
        _at += name.Length;
        return true;
    }

    bool IsOperatorAhead(string name) =>
        string.CompareOrdinal(_text, _at, name, 0, name.Length) == 0
        && (_at + name.Length == _text.Length || char.IsWhiteSpace(_text[_at + name.Length]) || _text[_at + name.Length] is '(' or '"');

    bool TryNear(out int distance)
    {
        SkipSpace();
        distance = 0;
        if (string.CompareOrdinal(_text, _at, "NEAR/", 0, 5) != 0)
            return false;
        var end = _at + 5;
        while (end < _text.Length && char.IsAsciiDigit(_text[end])) end++;
        if (end == _at + 5 || !int.TryParse(_text.AsSpan(_at + 5, end - _at - 5), NumberStyles.None, CultureInfo.InvariantCulture, out distance) || distance is < 1 or > 100)
            throw new QueryException("NEAR/ needs a distance from 1 to 100, as in NEAR/5", _at + 1);
        _at = end;
        return true;
    }

    void SkipSpace()
    {
        while (_at < _text.Length && char.IsWhiteSpace(_text[_at])) _at++;
    }

    string Peek() => _at < _text.Length ? _text[_at].ToString() : "";

    QueryException Error(string message) => new(message, _at + 1);
}
