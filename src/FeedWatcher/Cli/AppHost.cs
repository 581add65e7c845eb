using FeedWatcher.Configuration;
using FeedWatcher.Storage;

namespace FeedWatcher.Cli;

/// <summary>Builds FeedWatcher's host for a command: configuration checked first, the private PostgreSQL
/// started when no connection string is configured (and stopped after the command), then the services.</summary>
public static class AppHost
{
    /// <summary>Runs <paramref name="body"/> with a built (not started) host; returns its exit code, or 1 when
    /// the configuration is invalid or the database cannot be had.</summary>
    /// <param name="settings">Configuration overrides from the command line.</param>
    /// <param name="body">The command's work.</param>
    /// <param name="dataCommand">A command whose standard output is data: logs go to standard error, warnings and worse only.</param>
    /// <param name="worker">The worker (run): it owns the private PostgreSQL it runs on, and stops it when it stops.</param>
    public static async Task<int> WithHostAsync(string[] settings, Func<IHost, Task<int>> body, bool dataCommand = false, bool worker = false)
    {
        var builder = FeedWatcherServices.CreateBuilder(settings);
        if (!CheckConfiguration(builder.Configuration, quietWhenValid: true))
            return 1;
        if (dataCommand)
            StandardErrorWarningsOnly(builder.Logging.ClearProviders());

        using var loggerFactory = LoggerFactory.Create(logging =>
        {
            if (dataCommand)
                StandardErrorWarningsOnly(logging);
            else if (Microsoft.Extensions.Hosting.Systemd.SystemdHelpers.IsSystemdService())
                logging.AddConfiguration(builder.Configuration.GetSection("Logging")).AddSystemdConsole(o => o.TimestampFormat = null);
            else
                logging.AddConfiguration(builder.Configuration.GetSection("Logging"))
                    .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        });
        var log = loggerFactory.CreateLogger("FeedWatcher");
        var options = builder.Configuration.GetSection(FeedWatcherOptions.Section).Get<FeedWatcherOptions>() ?? new();
        try
        {
            await using var privateDatabase = await StartPrivateDatabaseIfNeededAsync(builder, options, loggerFactory);
            // The worker owns the private server it runs on; a command stops only one it started that nobody uses.
            if (privateDatabase is not null && worker)
                (privateDatabase.Owner, privateDatabase.StopWhileInUse) = (true, true);
            builder.AddFeedWatcher();
            using var host = builder.Build();
            return await body(host);
        }
        catch (Exception e) when (e is PrivatePostgresException or Npgsql.NpgsqlException or InvalidOperationException or FormatException or IOException)
        {
            log.LogCritical("FeedWatcher stopped: {Error}", e.Message);
            return 1;
        }
    }

    static void StandardErrorWarningsOnly(ILoggingBuilder logging) => logging
        .AddSimpleConsole(o => o.SingleLine = true)
        .AddFilter(level => level >= LogLevel.Warning)
        .Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

    /// <summary>Prints every configuration problem with its path on stderr; true when there is none.</summary>
    public static bool CheckConfiguration(IConfiguration configuration, bool quietWhenValid = false)
    {
        var problems = ValidatedOptionsMonitor.Problems(configuration);
        if (problems.Count == 0)
        {
            if (!quietWhenValid) Console.WriteLine("Configuration OK");
            return true;
        }
        Console.Error.WriteLine($"feedwatcher: {problems.Count} configuration problem(s):");
        foreach (var problem in problems)
            Console.Error.WriteLine("  " + problem);
        return false;
    }

    // A configured connection string always wins; without one FeedWatcher runs its own PostgreSQL.
    static async Task<PrivatePostgres?> StartPrivateDatabaseIfNeededAsync(HostApplicationBuilder builder, FeedWatcherOptions options, ILoggerFactory loggerFactory)
    {
        if (!string.IsNullOrWhiteSpace(options.Database.ConnectionString))
            return null;
        var log = loggerFactory.CreateLogger<PrivatePostgres>();
        log.LogInformation("No FeedWatcher:Database:ConnectionString configured: starting a private PostgreSQL");
        var server = await PrivatePostgres.StartAsync(Path.Combine(options.ResolveStateDirectory(), "postgres"), log, options.Database.PostgresBinDirectory);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{FeedWatcherOptions.Section}:Database:ConnectionString"] = server.ConnectionString,
        });
        return server;
    }
}
