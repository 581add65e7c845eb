using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace FeedWatcher.Storage;

/// <summary>A PostgreSQL cluster of FeedWatcher's own, for a machine that has the server binaries but no
/// server: created with initdb under a directory, started with pg_ctl listening on 127.0.0.1 only, with a
/// generated password, and stopped on dispose. PostgreSQL refuses to run as root, so when FeedWatcher is
/// root the server runs as the <c>postgres</c> user (or <c>nobody</c>).</summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    const string SuperUser = "feedwatcher";
    const string DatabaseName = "feedwatcher";

    readonly string _pgCtl;
    readonly string? _runAs;
    readonly ILogger _logger;
    string[] _startArguments = [];

    PrivatePostgres(string pgCtl, string? runAs, string directory, int port, string password, ILogger logger, bool startedHere)
    {
        StartedHere = startedHere;
        _pgCtl = pgCtl;
        _runAs = runAs;
        _logger = logger;
        Directory = directory;
        // The server listens on loopback only and has no certificate or Kerberos: a connection asks for neither,
        // which saves two round trips per connection and loading the TLS and GSSAPI libraries.
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Username = SuperUser, Password = password, Database = DatabaseName,
            SslMode = SslMode.Disable, GssEncryptionMode = GssEncryptionMode.Disable,
        }.ConnectionString;
    }

    /// <summary>Where the cluster lives: its data, log and password.</summary>
    public string Directory { get; }

    public string ConnectionString { get; }

    /// <summary>Whether this process started the server, rather than finding it running (for the worker, or
    /// another command, on the same state directory).</summary>
    public bool StartedHere { get; }

    /// <summary>Whether dispose stops the server: by default when this process started it. The worker owns the
    /// server it runs on, found running or not.</summary>
    public bool Owner { get; set; }

    /// <summary>Whether dispose stops the server even while another process is connected to it (the worker, when
    /// it stops); otherwise a server still in use by someone else is left running.</summary>
    public bool StopWhileInUse { get; set; }

    string DataDirectory => Path.Combine(Directory, "data");

    /// <summary>Creates the cluster under <paramref name="directory"/> if it is not there yet and starts it on a
    /// free loopback port. <paramref name="settings"/> are extra server settings (tests turn fsync off).</summary>
    /// <exception cref="PrivatePostgresException">No PostgreSQL binaries, or the server would not start.</exception>
    public static async Task<PrivatePostgres> StartAsync(string directory, ILogger logger, string? binDirectory = null,
        IReadOnlyDictionary<string, string>? settings = null, CancellationToken cancellationToken = default)
    {
        var bin = FindBinDirectory(binDirectory);
        var runAs = Environment.IsPrivilegedProcess ? UnprivilegedUser() : null;
        directory = Path.GetFullPath(directory);
        // Running already (for the worker, say, as the service's own user): shared as it is, never restarted.
        if (Running(Path.Combine(directory, "data")) is { } runningPort && File.Exists(Path.Combine(directory, "password")))
        {
            var password0 = (await File.ReadAllTextAsync(Path.Combine(directory, "password"), cancellationToken)).Trim();
            var shared = new PrivatePostgres(Path.Combine(bin, "pg_ctl"), runAs, directory, runningPort, password0, logger, startedHere: false);
            await shared.CreateDatabaseAsync(DatabaseName, cancellationToken);
            logger.LogInformation("Using the private PostgreSQL already running on 127.0.0.1:{Port} with its data in {Directory}", runningPort, Path.Combine(directory, "data"));
            return shared;
        }
        if (runAs is not null && !ReachableByOthers(directory))
        {
            var fallback = Path.Combine("/var/tmp", "feedwatcher-postgres-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(directory)))[..12]);
            logger.LogWarning("Running as root: the {User} user that runs PostgreSQL cannot reach {Directory}, so the private cluster lives in {Fallback}. Run FeedWatcher as a normal user or configure FeedWatcher:Database:ConnectionString to avoid this",
                runAs, directory, fallback);
            directory = fallback;
        }
        System.IO.Directory.CreateDirectory(directory);
        var passwordFile = Path.Combine(directory, "password");
        var dataDirectory = Path.Combine(directory, "data");
        if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            if (System.IO.Directory.Exists(dataDirectory))
                System.IO.Directory.Delete(dataDirectory, recursive: true); // an initdb that did not finish
            await File.WriteAllTextAsync(passwordFile, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)), cancellationToken);
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await OwnAsync(directory, runAs, cancellationToken);
            await RunAsync(Path.Combine(bin, "initdb"), runAs, directory,
                ["-D", dataDirectory, "-U", SuperUser, "--auth=scram-sha-256", "--pwfile", passwordFile, "-E", "UTF8", "--locale=C"], true, cancellationToken);
            logger.LogInformation("Created a private PostgreSQL cluster in {Directory}", dataDirectory);
        }
        var password = (await File.ReadAllTextAsync(passwordFile, cancellationToken)).Trim();

        var pgCtl = Path.Combine(bin, "pg_ctl");
        var status = await RunAsync(pgCtl, runAs, directory, ["status", "-D", dataDirectory], false, cancellationToken);
        if (status.ExitCode == 0) // running, but not as found above (no port or password to reach it): restarted
        {
            await RunAsync(pgCtl, runAs, directory, ["stop", "-D", dataDirectory, "-m", "fast", "-w"], true, cancellationToken);
        }

        var port = FreeLoopbackPort();
        var options = new StringBuilder(FormattableString.Invariant($"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories=''"));
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
            options.Append(" -c ").Append(name).Append('=').Append(value);
        var log = Path.Combine(directory, "postgres.log");
        string[] startArguments = ["start", "-D", dataDirectory, "-w", "-t", "60", "-l", log, "-o", options.ToString()];
        var start = await RunAsync(pgCtl, runAs, directory, startArguments, false, cancellationToken);
        if (start.ExitCode != 0)
            throw new PrivatePostgresException($"pg_ctl start failed ({start.Output.Trim()}); server log: {Tail(log)}");

        var server = new PrivatePostgres(pgCtl, runAs, directory, port, password, logger, startedHere: true) { Owner = true, _startArguments = startArguments };
        try
        {
            await server.CreateDatabaseAsync(DatabaseName, cancellationToken);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        logger.LogInformation("Started a private PostgreSQL on 127.0.0.1:{Port} with its data in {Directory}", port, dataDirectory);
        return server;
    }

    /// <summary>Creates a database on this server unless it exists; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres", Pooling = false };
        await using (var connection = new NpgsqlConnection(builder.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = name } } };
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name.Replace("\"", "\"\"")}\"", connection);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Stops the server (fast: open transactions are rolled back, clients disconnected) and starts it again
    /// on the same port, as an administrator's restart or an upgrade would; only a server started here.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        if (_startArguments.Length == 0)
            throw new InvalidOperationException("Only a server started by this process is restarted");
        var stop = await RunAsync(_pgCtl, _runAs, Directory, ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "60"], false, cancellationToken);
        // Started the way it was first started (pg_ctl restart would leave the server writing to pg_ctl's own output).
        var start = await RunAsync(_pgCtl, _runAs, Directory, _startArguments, false, cancellationToken);
        if (stop.ExitCode != 0 || start.ExitCode != 0)
            throw new PrivatePostgresException($"restart failed: {stop.Output.Trim()} {start.Output.Trim()}");
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (!Owner)
            return;
        if (!StopWhileInUse && await OthersConnectedAsync())
        {
            _logger.LogInformation("Left the private PostgreSQL in {Directory} running: another FeedWatcher process uses it", DataDirectory);
            return;
        }
        var stop = await RunAsync(_pgCtl, _runAs, Directory, ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "60"], false, CancellationToken.None);
        if (stop.ExitCode == 0)
            _logger.LogInformation("Stopped the private PostgreSQL in {Directory}", DataDirectory);
        else
            _logger.LogError("Could not stop the private PostgreSQL in {Directory}: {Output}", DataDirectory, stop.Output.Trim());
    }

    // Connections to the FeedWatcher database from other processes (a worker's pool keeps some open).
    async Task<bool> OthersConnectedAsync()
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false, Timeout = 5 };
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", connection)
            {
                Parameters = { new() { Value = DatabaseName } },
            };
            return Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) > 0;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    // The port of the server running on this data directory, from its postmaster.pid (the process id first, the
    // port fourth); null when none runs.
    static int? Running(string dataDirectory)
    {
        try
        {
            var lines = File.ReadAllLines(Path.Combine(dataDirectory, "postmaster.pid"));
            return lines.Length > 3 && int.TryParse(lines[0], System.Globalization.CultureInfo.InvariantCulture, out var pid) && System.IO.Directory.Exists($"/proc/{pid}")
                && int.TryParse(lines[3], System.Globalization.CultureInfo.InvariantCulture, out var port) ? port : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    static string FindBinDirectory(string? configured)
    {
        static bool HasServer(string dir) => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"));
        if (!string.IsNullOrWhiteSpace(configured))
            return HasServer(configured) ? configured
                : throw new PrivatePostgresException($"FeedWatcher:Database:PostgresBinDirectory: no initdb and pg_ctl in '{configured}'");
        return PathDirectories().Concat(InstalledBinDirectories()).FirstOrDefault(HasServer)
            ?? throw new PrivatePostgresException(
                "no PostgreSQL server binaries (initdb, pg_ctl) found on PATH or under /usr/lib/postgresql: install PostgreSQL (for example 'apt-get install postgresql'), set FeedWatcher:Database:PostgresBinDirectory, or configure FeedWatcher:Database:ConnectionString");
    }

    /// <summary>The bin directories of Debian's PostgreSQL packages, the newest version first.</summary>
    internal static IEnumerable<string> InstalledBinDirectories() => System.IO.Directory.Exists("/usr/lib/postgresql")
        ? System.IO.Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0).Select(d => Path.Combine(d, "bin"))
        : [];

    /// <summary>The directories of PATH.</summary>
    internal static IEnumerable<string> PathDirectories() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);

    static string UnprivilegedUser()
    {
        var users = File.Exists("/etc/passwd") ? File.ReadLines("/etc/passwd").Select(l => l.Split(':')[0]).ToHashSet() : [];
        return users.Contains("postgres") ? "postgres" : "nobody";
    }

    // Whether a user other than the owner can walk down to the directory (or its nearest existing ancestor).
    static bool ReachableByOthers(string directory)
    {
        for (var dir = directory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (System.IO.Directory.Exists(dir) && !File.GetUnixFileMode(dir).HasFlag(UnixFileMode.OtherExecute))
                return false;
        }
        return true;
    }

    static async Task OwnAsync(string directory, string? user, CancellationToken cancellationToken)
    {
        if (user is not null)
            await RunAsync("chown", null, directory, ["-R", user + ":", directory], true, cancellationToken);
    }

    static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    static string Tail(string path) =>
        File.Exists(path) ? string.Join(" | ", File.ReadLines(path).TakeLast(5)) : "(no log)";

    static async Task<(int ExitCode, string Output)> RunAsync(string file, string? runAs, string workingDirectory,
        string[] arguments, bool check, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(runAs is null ? file : "runuser")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (runAs is not null)
        {
            foreach (var a in new[] { "-u", runAs, "--", file }) start.ArgumentList.Add(a);
        }
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["LC_ALL"] = "C";
        // Under systemd (Type=notify) the server would tell systemd it is ready on FeedWatcher's behalf.
        start.Environment.Remove("NOTIFY_SOCKET");
        using var process = Process.Start(start) ?? throw new PrivatePostgresException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var output = await stdout + await stderr;
        if (check && process.ExitCode != 0)
            throw new PrivatePostgresException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}: {output.Trim()}");
        return (process.ExitCode, output);
    }
}

/// <summary>The private PostgreSQL could not be found, created or started.</summary>
public sealed class PrivatePostgresException(string message) : Exception(message);
