using FeedWatcher.Storage;

namespace FeedWatcher.Scheduling;

/// <summary>Brings the schema up to date before the scheduler starts (registered ahead of Quartz).</summary>
public sealed class MigrateOnStart(Migrator migrator) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => migrator.MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
