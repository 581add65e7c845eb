using FeedWatcher.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FeedWatcher.Tests.Infrastructure;

/// <summary>A real PostgreSQL for the tests: the server named by FEEDWATCHER_TEST_DATABASE, or else a
/// throwaway private cluster started from the PostgreSQL binaries on this machine. Each test gets a
/// database of its own.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = "FEEDWATCHER_TEST_DATABASE";

    PrivatePostgres? _server;
    string _adminConnectionString = "";
    string? _directory;

    public async Task InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            _adminConnectionString = configured;
            return;
        }
        _directory = Path.Combine(Path.GetTempPath(), "feedwatcher-tests-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            _server = await PrivatePostgres.StartAsync(_directory, NullLogger.Instance,
                settings: new Dictionary<string, string> { ["fsync"] = "off", ["synchronous_commit"] = "off", ["full_page_writes"] = "off" });
        }
        catch (PrivatePostgresException e)
        {
            throw new InvalidOperationException(
                $"The tests need PostgreSQL: {e.Message}. Or set {EnvironmentVariable} to the connection string of a server the tests may create databases on.", e);
        }
        _adminConnectionString = _server.ConnectionString;
    }

    /// <summary>A new, empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "test_" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>A new database with FeedWatcher's schema; returns its data source.</summary>
    public async Task<NpgsqlDataSource> CreateMigratedDatabaseAsync()
    {
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        var dataSource = NpgsqlDataSource.Create(await CreateDatabaseAsync());
        await new Migrator(dataSource, NullLogger<Migrator>.Instance).MigrateAsync();
        return dataSource;
    }

    /// <summary>Restarts the private cluster (not a server named by FEEDWATCHER_TEST_DATABASE): every connection
    /// of every test is cut.</summary>
    public Task RestartAsync() =>
        _server?.RestartAsync() ?? throw new InvalidOperationException($"{EnvironmentVariable} names a server the tests do not run");

    public async Task DisposeAsync()
    {
        if (_server is null)
            return;
        await _server.DisposeAsync();
        try { Directory.Delete(_server.Directory, recursive: true); }
        catch (IOException) { /* a leftover temporary directory is harmless */ }
    }
}

[CollectionDefinition(Name)]
public sealed class DatabaseCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "database";
}
