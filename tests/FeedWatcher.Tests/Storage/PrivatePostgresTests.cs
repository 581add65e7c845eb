using FeedWatcher.Storage;
using FeedWatcher.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FeedWatcher.Tests.Storage;

/// <summary>The private PostgreSQL shared by the worker and the commands run beside it on one state directory: a
/// command never stops the server the worker runs on.</summary>
public sealed class PrivatePostgresTests : IDisposable
{
    readonly string _directory = TestHost.TemporaryDirectory();

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { } // a file the server wrote as its own user; the folder is temporary anyway
    }

    static async Task<bool> AnswersAsync(string connectionString)
    {
        try
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 3 }.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            return (int)(await command.ExecuteScalarAsync())! == 1;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    [Fact]
    public async Task A_running_server_is_shared_and_stopped_only_by_its_owner_when_nobody_uses_it()
    {
        var worker = await PrivatePostgres.StartAsync(_directory, NullLogger.Instance);
        Assert.True(worker.StartedHere);

        // A command beside the running worker uses the same server, and leaves it running.
        var command = await PrivatePostgres.StartAsync(_directory, NullLogger.Instance);
        Assert.False(command.StartedHere);
        Assert.False(command.Owner);
        Assert.Equal(worker.ConnectionString, command.ConnectionString);
        await command.DisposeAsync();
        Assert.True(await AnswersAsync(worker.ConnectionString));

        // A server still in use by another process is left running, unless its owner insists (the worker).
        await using (var other = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(worker.ConnectionString) { Pooling = false }.ConnectionString))
        {
            await other.OpenAsync();
            await worker.DisposeAsync();
            Assert.True(await AnswersAsync(worker.ConnectionString));
        }
        worker.StopWhileInUse = true;
        await worker.DisposeAsync();
        Assert.False(await AnswersAsync(worker.ConnectionString));
    }
}
