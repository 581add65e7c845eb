using Dapper;
using FeedWatcher.Tests.Infrastructure;
using Microsoft.Extensions.Hosting;
using Npgsql;
using static FeedWatcher.Tests.Infrastructure.Feeds;

namespace FeedWatcher.Tests.Pipeline;

/// <summary>The same items, whichever feed answers first, give the same hits.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class DeterminismTests(PostgresFixture postgres) : PipelineTest(postgres)
{
    const int FeedCount = 12;
    const string Recent = "Sat, 15 Apr 2017 05:00:00 GMT";

    static readonly string[] Desks = ["Ministers", "Farmers", "Police", "Investors", "Doctors", "Teachers", "Voters", "Officials", "Pakistan", "China", "Iran", "India"];
    static readonly string[] Doings = ["discuss the new budget", "protest over prices", "meet in the capital", "warn of floods", "sign a trade deal", "call for peace", "hold talks on energy"];
    static readonly string[] Story =
    [
        "Lavrov invites Pakistan and Iran to a new round on Taliban peace", "Afghan envoy welcomes Russian peace effort",
        "Moscow conference on Afghanistan draws eleven countries", "US explains why it stayed away from Russian-hosted meeting",
        "Taliban talks: China and Pakistan back a regional role", "Nangarhar strike on Daesh caves examined",
    ];

    // Feed i's items of one cycle: ordinary news, and in the second cycle the story too.
    static Item[] ItemsOf(int feed, int cycle) =>
    [
        .. Enumerable.Range(0, 8).Select(j => new Item($"c{cycle}-{feed}-{j}",
            $"{Desks[(feed + j) % Desks.Length]} {Doings[(feed * 3 + j + cycle) % Doings.Length]}", $"Report number {j} from desk {feed}.", Recent)),
        .. cycle == 0 ? [] : Enumerable.Range(0, 2).Select(j => new Item($"story-{feed}-{j}", Story[(feed + j) % Story.Length],
            $"{Desks[feed]} desk on the regional diplomacy over Afghanistan's war.", Recent)),
    ];

    async Task<List<(string Key, string Watch, double Score)>> HitsAfterTwoCyclesAsync(Func<int, int> delayOrder)
    {
        var settings = new Dictionary<string, string?>
        {
            ["FeedWatcher:Polling:MaxConcurrency"] = "16",
            ["FeedWatcher:Watches:0:Seed:Title"] = "Russia hosts Moscow conference on Afghanistan without the US",
            ["FeedWatcher:Watches:0:Seed:Text"] = "Lavrov and ten other countries urged the Taliban to make peace with the Kabul government; Pakistan, Iran, China and India attended. The day before, the MOAB strike hit Daesh caves in Nangarhar.",
        };
        for (var i = 0; i < FeedCount; i++)
            settings[$"FeedWatcher:Feeds:{i}:Url"] = Server.Url($"/desk{i}.rss");
        var database = await Postgres.CreateDatabaseAsync();
        using IHost host = await BuildHostAsync(settings, database);
        for (var cycle = 0; cycle < 2; cycle++)
        {
            for (var i = 0; i < FeedCount; i++)
            {
                var body = Rss($"Desk {i}", [.. Enumerable.Range(0, cycle + 1).SelectMany(c => ItemsOf(i, c))]);
                var delay = TimeSpan.FromMilliseconds(40 * delayOrder(i));
                Server.Route($"/desk{i}.rss", async context =>
                {
                    await Task.Delay(delay); // feeds answer in the order the test chose
                    context.Response.ContentType = "application/rss+xml";
                    await Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(context.Response, body);
                });
            }
            Clock.Advance(TimeSpan.FromHours(1));
            Assert.All(await PollOnceAsync(host), o => Assert.True(o.Succeeded));
        }
        await using var connection = new NpgsqlConnection(database);
        return [.. await connection.QueryAsync<(string, string, double)>(
            "SELECT i.item_key, h.watch, h.score::float8 FROM hits h JOIN items i ON i.id = h.item_id ORDER BY 1, 2")];
    }

    [Fact]
    public async Task One_cycles_items_in_any_fetch_order_give_identical_hits()
    {
        var inOrder = await HitsAfterTwoCyclesAsync(i => i);
        var reversed = await HitsAfterTwoCyclesAsync(i => FeedCount - 1 - i);
        var shuffled = await HitsAfterTwoCyclesAsync(i => i * 5 % FeedCount);

        Assert.InRange(inOrder.Count, FeedCount, 2 * FeedCount);
        Assert.Equal(inOrder, reversed);
        Assert.Equal(inOrder, shuffled);
        Assert.Contains(inOrder, h => h.Key.StartsWith("id:story-", StringComparison.Ordinal) && h.Score > 0.3); // the seed ranked them
    }
}
