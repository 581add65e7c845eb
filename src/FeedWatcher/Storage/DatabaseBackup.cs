using System.Diagnostics;
using Dapper;
using FeedWatcher.Configuration;
using Npgsql;

namespace FeedWatcher.Storage;

/// <summary>A backup of FeedWatcher's database and its restore, with PostgreSQL's own pg_dump and pg_restore (custom
/// format) on the connection FeedWatcher itself uses, the private cluster's included.</summary>
public sealed class DatabaseBackup(DatabaseOptions database, NpgsqlDataSource dataSource, TimeProvider clock)
{
    /// <summary>Writes the whole database to <paramref name="file"/>, the scheduler's tables included, while FeedWatcher
    /// runs (one snapshot). The file appears only once the dump is whole. Returns its size in bytes.</summary>
    public async Task<long> BackupAsync(string file, CancellationToken cancellationToken = default)
    {
        var path = Path.GetFullPath(file);
        var partial = path + ".partial";
        if (!Directory.Exists(Path.GetDirectoryName(path)))
            throw new BackupException($"no directory '{Path.GetDirectoryName(path)}' to write '{Path.GetFileName(path)}' in");
        try
        {
            await RunAsync("pg_dump", ["--format=custom", "--compress=6", $"--file={partial}"], cancellationToken);
            File.Move(partial, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BackupException($"could not write '{path}': {e.Message}");
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }
        return new FileInfo(path).Length;
    }

    /// <summary>Replaces the database with the backup in <paramref name="file"/>, in one transaction: a restore that fails
    /// leaves the database as it was. Refused while a worker runs on the database (heard from lately, and not a process of
    /// this machine that is gone). Afterwards the workers of the backup
    /// count as stopped and their claims on feeds are given up, so that the next worker to start polls every due feed.</summary>
    public async Task RestoreAsync(string file, CancellationToken cancellationToken = default)
    {
        var path = Path.GetFullPath(file);
        if (!File.Exists(path))
            throw new BackupException($"no backup at '{path}'");
        var contents = await RunAsync("pg_restore", ["--list", path], cancellationToken, what: $"'{path}' is not a backup made by 'feedwatcher db backup' (pg_dump --format=custom)");
        if (!contents.Contains(" TABLE public feeds ", StringComparison.Ordinal) || !contents.Contains(" TABLE public schema_migrations ", StringComparison.Ordinal))
            throw new BackupException($"'{path}' is a PostgreSQL backup, but not of a FeedWatcher database (it has no feeds or schema_migrations table)");

        var now = clock.GetUtcNow().UtcDateTime;
        await using (var check = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            // A new installation's database has no tables yet, and so no workers.
            var running = await check.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT to_regclass('public.workers') IS NOT NULL", cancellationToken: cancellationToken))
                ? (await check.QueryAsync<(string Instance, DateTime HeartbeatAt)>(new CommandDefinition(
                    "SELECT instance, heartbeat_at FROM workers WHERE stopped_at IS NULL AND heartbeat_at > @Since",
                    new { Since = now - Scheduling.Heartbeat.Silence }, cancellationToken: cancellationToken))).Where(w => !WorkerStore.IsGoneFromThisMachine(w.Instance)).ToList()
                : [];
            if (running.Count > 0)
                throw new BackupException($"FeedWatcher is running on this database ({string.Join(", ", running.Select(w => $"{w.Instance}, heard from {(int)(now - w.HeartbeatAt).TotalSeconds} s ago"))}): " +
                    "stop it first (sudo systemctl stop feedwatcher), on every machine");
        }

        dataSource.Clear(); // FeedWatcher's own connections start anew on the restored tables
        await RunAsync("pg_restore", ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
            $"--dbname={database.Connection().Database}", path], cancellationToken);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE workers SET stopped_at = heartbeat_at WHERE stopped_at IS NULL;
            UPDATE feeds SET claim = NULL, claimed_by = NULL, claimed_until = NULL WHERE claimed_until IS NOT NULL;
            """, cancellationToken: cancellationToken));
    }

    // Runs a PostgreSQL client tool on FeedWatcher's connection (given by environment, so the password is on no command
    // line); its standard output, or a BackupException with what it said.
    async Task<string> RunAsync(string tool, string[] arguments, CancellationToken cancellationToken, string? what = null)
    {
        var connection = database.Connection();
        var start = new ProcessStartInfo(FindTool(tool, database.PostgresBinDirectory)) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["PGHOST"] = connection.Host;
        start.Environment["PGPORT"] = connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["PGDATABASE"] = connection.Database;
        start.Environment["PGUSER"] = connection.Username;
        start.Environment["PGPASSWORD"] = connection.Password;
        start.Environment["PGSSLMODE"] = connection.SslMode switch
        {
            SslMode.Disable => "disable", SslMode.Allow => "allow", SslMode.Require => "require",
            SslMode.VerifyCA => "verify-ca", SslMode.VerifyFull => "verify-full", _ => "prefer",
        };
        start.Environment["LC_ALL"] = "C";
        using var process = Process.Start(start) ?? throw new BackupException($"could not start {start.FileName}");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
            throw new BackupException(what ?? $"{tool} failed (exit code {process.ExitCode}): {(await errors).Trim()}");
        return await output;
    }

    /// <summary>Where a PostgreSQL client tool is: FeedWatcher:Database:PostgresBinDirectory, else the newest under
    /// /usr/lib/postgresql (a newer pg_dump reads older servers, not the other way round), else PATH.</summary>
    static string FindTool(string tool, string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
            return File.Exists(Path.Combine(configured, tool)) ? Path.Combine(configured, tool)
                : throw new BackupException($"FeedWatcher:Database:PostgresBinDirectory: no {tool} in '{configured}'");
        return PrivatePostgres.InstalledBinDirectories().Concat(PrivatePostgres.PathDirectories()).Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists)
            ?? throw new BackupException($"no {tool} found under /usr/lib/postgresql or on PATH: install PostgreSQL's client tools (for example 'apt-get install postgresql-client') or set FeedWatcher:Database:PostgresBinDirectory");
    }
}

/// <summary>A backup could not be made or restored; the message says why.</summary>
public sealed class BackupException(string message) : Exception(message);
