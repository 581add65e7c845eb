using Dapper;
using FeedWatcher.Matching;
using Npgsql;

namespace FeedWatcher.Storage;

/// <summary>A reader's judgement as stored: which watch, which item (its text), and the verdict.</summary>
public sealed record Judgement(long Id, string Watch, long ItemId, bool Relevant, string Title, string Summary)
{
    public ItemText Text => new(Title, Summary);
}

/// <summary>The <c>judgements</c> table: every judgement a reader gave, in order, never removed with the items'
/// texts.</summary>
public sealed class JudgementStore(NpgsqlDataSource dataSource)
{
    /// <summary>Records that the reader judged the item relevant or not for the watch.</summary>
    public async Task AddAsync(string watch, long itemId, bool relevant, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO judgements (watch, item_id, relevant) VALUES (@Watch, @ItemId, @Relevant)",
            new { Watch = watch, ItemId = itemId, Relevant = relevant }, cancellationToken: cancellationToken));
    }

    /// <summary>The judgements after <paramref name="afterId"/>, oldest first, with their items' texts.</summary>
    public async Task<IReadOnlyList<Judgement>> SinceAsync(long afterId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<Judgement>(new CommandDefinition("""
            SELECT j.id, j.watch, j.item_id, j.relevant, i.title, i.summary
            FROM judgements j JOIN items i ON i.id = j.item_id
            WHERE j.id > @AfterId ORDER BY j.id
            """, new { AfterId = afterId }, cancellationToken: cancellationToken))];
    }

    /// <summary>The items an argument names: an item's number, or its link (an item carried by several feeds is
    /// several items); with the watches each is a hit for.</summary>
    public async Task<IReadOnlyList<(long Id, string Title, string[] HitFor)>> FindItemsAsync(string numberOrLink, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var byNumber = long.TryParse(numberOrLink, System.Globalization.CultureInfo.InvariantCulture, out var id);
        var rows = await connection.QueryAsync<(long Id, string Title, string[] HitFor)>(new CommandDefinition($"""
            SELECT i.id, i.title, ARRAY(SELECT h.watch FROM hits h WHERE h.item_id = i.id ORDER BY h.watch)
            FROM items i WHERE {(byNumber ? "i.id = @Id" : "i.link = @Link")} ORDER BY i.id
            """, new { Id = id, Link = numberOrLink }, cancellationToken: cancellationToken));
        return [.. rows];
    }
}
