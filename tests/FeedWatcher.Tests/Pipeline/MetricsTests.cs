using FeedWatcher.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static FeedWatcher.Tests.Infrastructure.Feeds;

namespace FeedWatcher.Tests.Pipeline;

/// <summary>The Prometheus endpoint, when enabled: on loopback, with what the worker did.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class MetricsTests(PostgresFixture postgres) : PipelineTest(postgres)
{
    [Fact]
    public async Task Polls_and_hits_are_counted_on_the_prometheus_endpoint()
    {
        var port = SmtpTestServer.FreePort();
        Server.Feed("/world.rss", Rss("World", Unrelated));
        var settings = new Dictionary<string, string?>
        {
            ["FeedWatcher:Feeds:0:Url"] = Server.Url("/world.rss"),
            ["FeedWatcher:Metrics:Prometheus"] = "true",
            ["FeedWatcher:Metrics:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        using var host = await BuildHostAsync(settings);
        // The metrics pipeline and its endpoint, without the scheduler polling on its own beside the test.
        using var provider = host.Services.GetRequiredService<OpenTelemetry.Metrics.MeterProvider>();
        try
        {
            await PollOnceAsync(host);
            Server.Feed("/world.rss", Rss("World", FollowUp, Unrelated));
            Clock.Advance(TimeSpan.FromHours(1));
            await PollOnceAsync(host);

            // The database's size and rows, as the heartbeat reads them.
            var dataSource = host.Services.GetRequiredService<Npgsql.NpgsqlDataSource>();
            await using (var connection = await dataSource.OpenConnectionAsync())
            await using (var analyze = new Npgsql.NpgsqlCommand("ANALYZE feeds, items", connection))
                await analyze.ExecuteNonQueryAsync();
            var (bytes, rows) = await FeedWatcher.Storage.DatabaseStats.SizeAsync(dataSource);
            host.Services.GetRequiredService<FeedWatcher.Observability.FeedWatcherMetrics>().Database(bytes, rows);

            using var http = new HttpClient();
            var metrics = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
            Assert.Matches(@"feedwatcher_feeds_polled_total\{[^}]*outcome=""ok""[^}]*\} 2", metrics);
            Assert.Matches(@"feedwatcher_items_new_total(\{[^}]*\})? 2", metrics);
            Assert.Matches(@"feedwatcher_hits_total(\{[^}]*\})? 1", metrics);
            Assert.Contains("feedwatcher_poll_duration_seconds_bucket", metrics, StringComparison.Ordinal);
            Assert.Matches(@"feedwatcher_database_size_bytes(\{[^}]*\})? [1-9]\d{5,}", metrics);
            Assert.Matches(@"feedwatcher_database_rows\{[^}]*table=""items""[^}]*\} 2", metrics);
        }
        finally
        {
            provider.Dispose();
        }
    }
}
