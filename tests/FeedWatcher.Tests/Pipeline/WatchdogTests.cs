using FeedWatcher.Scheduling;
using FeedWatcher.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Quartz;

namespace FeedWatcher.Tests.Pipeline;

/// <summary>The systemd watchdog is pinged only while the scheduler runs and the database answers.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class WatchdogTests(PostgresFixture postgres) : PipelineTest(postgres)
{
    sealed class RecordingNotifier : ISystemdNotifier
    {
        int _pings;
        public int Pings => Volatile.Read(ref _pings);
        public bool IsEnabled => true;
        public void Notify(ServiceState state)
        {
            if (state.ToString() == "WATCHDOG=1") Interlocked.Increment(ref _pings);
        }
    }

    [Fact]
    public async Task Pings_while_healthy_and_stops_when_the_scheduler_stops()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), Watchdog.Expected("30000000"));
        Assert.Null(Watchdog.Expected(null));

        using var host = await BuildHostAsync([], systemClock: true);
        await host.StartAsync();
        var notifier = new RecordingNotifier();
        using var watchdog = new Watchdog(notifier, host.Services.GetRequiredService<ISchedulerFactory>(), host.Services.GetRequiredService<NpgsqlDataSource>(),
            NullLogger<Watchdog>.Instance) { Interval = TimeSpan.FromMilliseconds(200) };
        await watchdog.StartAsync(default);
        for (var i = 0; i < 50 && notifier.Pings < 3; i++) await Task.Delay(100);
        Assert.True(notifier.Pings >= 3, $"{notifier.Pings} pings");

        await (await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler()).Standby();
        await Task.Delay(300); // a ping may be on its way
        var before = notifier.Pings;
        await Task.Delay(600);
        Assert.Equal(before, notifier.Pings);
        Assert.False(await watchdog.HealthyAsync(default));

        await watchdog.StopAsync(default);
        await host.StopAsync();
    }
}
