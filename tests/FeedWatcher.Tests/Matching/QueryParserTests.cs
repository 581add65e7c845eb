using FeedWatcher.Matching;

namespace FeedWatcher.Tests.Matching;

public class QueryParserTests
{
    static readonly AliasTable Aliases = new([["Daesh", "ISIS", "ISIL", "Islamic State"], ["Taliban", "Taleban"]]);

    static bool Matches(string query, string title, string summary = "") =>
        QueryParser.Parse(query, Aliases).Evaluate(new AnalyzedItem(title, summary, Aliases), null);

    [Theory]
    [InlineData("Afghanistan AND talks", "Afghanistan peace talks resume", true)]
    [InlineData("Afghanistan talks", "Talks on Afghanistan", true)]
    [InlineData("Afghanistan AND talks", "Afghanistan floods", false)]
    [InlineData("Kabul OR Moscow", "Moscow hosts a meeting", true)]
    [InlineData("Afghanistan NOT cricket", "Afghanistan beat Ireland at cricket", false)]
    [InlineData("Afghanistan -cricket", "Afghanistan talks", true)]
    [InlineData("(Kabul OR Moscow) AND (talks OR conference)", "Conference in Moscow", true)]
    [InlineData("\"Moscow conference\"", "The Moscow conference opens", true)]
    [InlineData("\"Moscow conference\"", "A conference in Moscow", false)]
    [InlineData("negotiat*", "Negotiators meet", true)]
    [InlineData("Taliban NEAR/3 talks", "Taliban agree to direct talks", true)]
    [InlineData("Taliban NEAR/1 talks", "Taliban agree to direct talks", false)]
    [InlineData("title:Afghanistan", "Floods", false)]
    [InlineData("Daesh", "ISIL claims the attack", true)]
    [InlineData("\"Islamic State\"", "Daesh fighters retreat", true)]
    [InlineData("Taleban", "Taliban's envoy", true)]
    public void Evaluates(string query, string title, bool expected) => Assert.Equal(expected, Matches(query, title));

    [Fact]
    public void Title_scope_ignores_the_summary() =>
        Assert.False(Matches("title:Afghanistan", "Floods in the north", "Afghanistan's provinces were hit"));

    [Fact]
    public void Phrases_and_near_stay_within_one_field() =>
        Assert.False(Matches("\"Moscow conference\"", "Talks in Moscow", "Conference ends"));

    [Theory]
    [InlineData("", 1, "the query is empty")]
    [InlineData("(Kabul OR Moscow", 17, "expected ')' to close the '(' at character 1")]
    [InlineData("Kabul)", 6, "')' without a matching '('")]
    [InlineData("Kabul AND", 10, "expected a word, a \"phrase\" or '(' but the query ended")]
    [InlineData("\"Moscow conference", 1, "this phrase has no closing '\"'")]
    [InlineData("Taliban NEAR/x talks", 9, "NEAR/ needs a distance from 1 to 100, as in NEAR/5")]
    [InlineData("Taliban NEAR/3 (a AND b)", 16, "NEAR/n needs a word, phrase or prefix on its right (not NOT or AND)")]
    [InlineData("Kabul OR NOT cricket", 10, "a query needs at least one term that is not negated")]
    [InlineData("NOT cricket", 1, "a query needs at least one term that is not negated")]
    [InlineData("a*", 1, "a prefix needs at least two letters or digits before '*': 'a*'")]
    [InlineData("Kabul OR OR", 10, "expected a word, a \"phrase\" or '(' but found the operator OR")]
    [InlineData("title: Kabul", 7, "expected a word, a \"phrase\" or '(' right after title:")]
    public void Errors_say_where_and_what_was_expected(string query, int position, string message)
    {
        var error = Assert.Throws<QueryException>(() => QueryParser.Parse(query, Aliases));
        Assert.Equal((position, $"at character {position}: {message}"), (error.Position, error.Message));
    }
}
