using System.Text.Json;
using FeedWatcher.Digests;
using FeedWatcher.Storage;
using FeedWatcher.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FeedWatcher.Tests.Cli;

/// <summary><c>feedwatcher status</c> as a health check: healthy only while a worker runs its scheduler on a
/// reachable database.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class StatusCommandTests(PostgresFixture postgres) : PipelineTest(postgres)
{
    Task<(int Exit, string Out, string Err)> StatusAsync(string connectionString, params string[] more) =>
        CliRunner.RunAsync(["status", .. more, $"--FeedWatcher:Database:ConnectionString={connectionString}", $"--FeedWatcher:StateDirectory={StateDirectory}"]);

    [Fact]
    public async Task Healthy_while_a_worker_runs_and_unhealthy_once_it_stops()
    {
        var connectionString = await Postgres.CreateDatabaseAsync();
        using var host = await BuildHostAsync([], connectionString, systemClock: true);

        var (exit, output, _) = await StatusAsync(connectionString);
        Assert.Equal(1, exit);
        Assert.Contains("FeedWatcher is UNHEALTHY", output, StringComparison.Ordinal);
        Assert.Contains("no worker is running", output, StringComparison.Ordinal);

        await host.StartAsync();
        var workers = host.Services.GetRequiredService<WorkerStore>();
        for (var i = 0; i < 100 && (await workers.SinceAsync(DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow)).Count == 0; i++)
            await Task.Delay(100);
        (exit, output, _) = await StatusAsync(connectionString);
        Assert.True(exit == 0, output);
        Assert.StartsWith("FeedWatcher is healthy", output, StringComparison.Ordinal);
        Assert.Contains($"worker     {WorkerStore.Instance}", output, StringComparison.Ordinal);
        Assert.Contains("scheduler running", output, StringComparison.Ordinal);
        Assert.Contains("database   reachable", output, StringComparison.Ordinal);

        (exit, output, _) = await StatusAsync(connectionString, "--json");
        var report = JsonDocument.Parse(output).RootElement;
        Assert.True(report.GetProperty("healthy").GetBoolean());
        Assert.Equal("running", report.GetProperty("workers")[0].GetProperty("scheduler").GetString());

        await host.StopAsync();
        (exit, output, _) = await StatusAsync(connectionString);
        Assert.Equal(1, exit);
        Assert.Contains("stopped at", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_digest_waiting_past_its_limits_makes_status_unhealthy()
    {
        var connectionString = await Postgres.CreateDatabaseAsync();
        var settings = SmtpSettings(SmtpTestServer.FreePort()); // nothing listens there
        settings["FeedWatcher:Digests:0:SendWhenEmpty"] = "true";
        using var host = await BuildHostAsync(settings, connectionString, systemClock: true);
        var outbox = host.Services.GetRequiredService<DigestOutbox>();
        Assert.NotNull(await outbox.CreateAsync(outbox.Find("Daily")!, "test"));
        Assert.Equal("pending", Assert.Single(await outbox.DeliverDueAsync()).State);

        var (_, output, _) = await StatusAsync(connectionString);
        Assert.Contains("warning:   digest Daily #1 not sent yet after 1 attempt(s)", output, StringComparison.Ordinal); // a retry is normal
        Assert.DoesNotContain("has waited", output, StringComparison.Ordinal);

        (var exit, output, _) = await StatusAsync(connectionString, "--FeedWatcher:Status:DigestAttemptLimit=1");
        Assert.Equal(1, exit);
        Assert.Contains("problem:   digest Daily #1 has waited ", output, StringComparison.Ordinal);
        Assert.Contains("to be delivered (1 attempt(s); limits: Status:DigestWaitLimit 01:00:00, Status:DigestAttemptLimit 1)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_database_is_unhealthy()
    {
        var (exit, output, _) = await StatusAsync($"Host=127.0.0.1;Port={SmtpTestServer.FreePort()};Username=x;Password=y;Timeout=2");
        Assert.Equal(1, exit);
        Assert.Contains("database   unreachable", output, StringComparison.Ordinal);
    }
}
