using Dapper;
using FeedWatcher.Scheduling;
using FeedWatcher.Storage;
using FeedWatcher.Tests.Infrastructure;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace FeedWatcher.Tests.Pipeline;

/// <summary>A worker that would work against its cluster does not start, and says why: the scheduler's tables
/// missing or of another Quartz.NET, a clock minutes off the database's, another live instance under its id.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ClusterCheckTests(PostgresFixture postgres) : IDisposable
{
    readonly string _state = TestHost.TemporaryDirectory();

    public void Dispose() => Directory.Delete(_state, recursive: true);

    // A worker with nothing to poll, whose scheduler checks in every second.
    IHost Worker(string connectionString, TimeProvider? clock = null) => TestHost.Build(connectionString, _state, new Dictionary<string, string?>
    {
        ["FeedWatcher:Scheduler:CheckinInterval"] = "00:00:01",
        ["FeedWatcher:Scheduler:FailureThreshold"] = "00:00:03",
        ["FeedWatcher:Watches:0:Name"] = "Afghanistan",
        ["FeedWatcher:Watches:0:Keywords:0"] = "Afghanistan",
    }, clock);

    static async Task<string> RefusalAsync(IHost host)
    {
        using (host)
            return (await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync())).Message;
    }

    [Fact]
    public async Task Scheduler_tables_missing_or_of_another_version_are_named()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await using (var dataSource = NpgsqlDataSource.Create(connectionString))
        {
            await new Migrator(dataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger<Migrator>.Instance).MigrateAsync();
            await using var connection = await dataSource.OpenConnectionAsync();
            await connection.ExecuteAsync("""
                DROP TABLE quartz.qrtz_locks;
                ALTER TABLE quartz.qrtz_scheduler_state DROP COLUMN quartz_version;
                ALTER TABLE quartz.qrtz_triggers ADD COLUMN legacy_flag text
                """);
        }
        var message = await RefusalAsync(Worker(connectionString));
        Assert.Contains($"not those of Quartz.NET {ClusterCheck.QuartzVersion}", message);
        Assert.Contains("quartz.qrtz_locks is missing", message);
        Assert.Contains("quartz.qrtz_scheduler_state lacks quartz_version", message);
        Assert.Contains("quartz.qrtz_triggers has legacy_flag", message);
    }

    [Fact]
    public async Task A_clock_minutes_off_the_databases_is_refused()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        Assert.Contains("clock is 4 min ahead of the database's", await RefusalAsync(Worker(connectionString, new SkewedClock(TimeSpan.FromMinutes(4)))));
        Assert.Contains("clock is 3 min behind the database's", await RefusalAsync(Worker(connectionString, new SkewedClock(TimeSpan.FromMinutes(-3)))));

        // Within half the failure threshold, it starts.
        using var host = Worker(connectionString, new SkewedClock(TimeSpan.FromSeconds(1)));
        await host.StartAsync();
        await host.StopAsync();
    }

    [Fact]
    public async Task A_second_live_instance_under_one_id_is_refused_and_a_stopped_one_is_not_in_the_way()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        using var first = Worker(connectionString);
        await first.StartAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var connection = await dataSource.OpenConnectionAsync();
        for (var waited = 0; await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM quartz.qrtz_scheduler_state") == 0 && waited < 100; waited++)
            await Task.Delay(100);

        // This process is host:pid for both: the second finds the first checking in under its id.
        Assert.Contains($"another live instance is checked in as {WorkerStore.Instance}", await RefusalAsync(Worker(connectionString)));

        // An instance of another Quartz.NET on the same tables is refused too.
        await connection.ExecuteAsync(
            "INSERT INTO quartz.qrtz_scheduler_state VALUES ('FeedWatcher', 'elsewhere:1', @Ticks, 1000, '4.6.0')", new { Ticks = DateTime.UtcNow.Ticks });
        await first.StopAsync();
        Assert.Contains("instance elsewhere:1 (checked in", await RefusalAsync(Worker(connectionString)));
        await connection.ExecuteAsync("DELETE FROM quartz.qrtz_scheduler_state WHERE instance_name = 'elsewhere:1'");

        // The first recorded its stop: the same id starts at once.
        using var again = Worker(connectionString);
        await again.StartAsync();
        await again.StopAsync();
    }

    sealed class SkewedClock(TimeSpan skew) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + skew;
    }
}
