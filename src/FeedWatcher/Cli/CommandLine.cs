using FeedWatcher.Configuration;
using FeedWatcher.Storage;
using Microsoft.Extensions.Logging.Console;

namespace FeedWatcher.Cli;

/// <summary>The feedwatcher command: <c>run</c> (the default), <c>migrate</c>, <c>config check</c>.</summary>
public static class CommandLine
{
    const string Usage = """
        Usage: feedwatcher [command] [--Section:Key=value ...]

        Commands:
          run            Run the worker: poll feeds, store hits, send digests (the default).
          migrate        Bring the database schema up to date and exit.
          config check   Check the configuration and report every problem with its path.
          parse FILE...  Read feed files as FeedWatcher would; --json prints one JSON line per file.
          help           Show this text.

        Settings come from appsettings.json beside the binary, then environment variables
        (FeedWatcher__Smtp__Host=...), then --FeedWatcher:Smtp:Host=... on the command line.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.FirstOrDefault() == "parse")
            return ParseCommand.Run(args.Skip(1).Where(a => a != "--json").ToList(), args.Contains("--json"));
        var words = args.TakeWhile(a => !a.StartsWith('-')).ToList();
        var settings = args.Skip(words.Count).ToArray();
        if (args.Any(a => a is "--help" or "-h"))
            words = ["help"];
        switch (string.Join(' ', words))
        {
            case "" or "run":
                return await RunWorkerAsync(settings, migrateOnly: false);
            case "migrate":
                return await RunWorkerAsync(settings, migrateOnly: true);
            case "config check":
                return CheckConfiguration(FeedWatcherServices.CreateBuilder(settings).Configuration) ? 0 : 1;
            case "help":
                Console.WriteLine(Usage);
                return 0;
            default:
                await Console.Error.WriteLineAsync($"feedwatcher: unknown command '{string.Join(' ', words)}'\n\n{Usage}");
                return 2;
        }
    }

    static bool CheckConfiguration(IConfiguration configuration)
    {
        var problems = ConfigValidator.Validate(configuration);
        if (problems.Count == 0)
        {
            Console.WriteLine("Configuration OK");
            return true;
        }
        Console.Error.WriteLine($"feedwatcher: {problems.Count} configuration problem(s):");
        foreach (var problem in problems)
            Console.Error.WriteLine("  " + problem);
        return false;
    }

    static async Task<int> RunWorkerAsync(string[] settings, bool migrateOnly)
    {
        var builder = FeedWatcherServices.CreateBuilder(settings);
        var problems = ConfigValidator.Validate(builder.Configuration);
        if (problems.Count > 0)
            return CheckConfiguration(builder.Configuration) ? 0 : 1;

        using var loggerFactory = LoggerFactory.Create(logging => logging
            .AddConfiguration(builder.Configuration.GetSection("Logging"))
            .AddSimpleConsole(o => o.SingleLine = true));
        var log = loggerFactory.CreateLogger("FeedWatcher");
        var options = builder.Configuration.GetSection(FeedWatcherOptions.Section).Get<FeedWatcherOptions>() ?? new();
        try
        {
            await using var privateDatabase = await StartPrivateDatabaseIfNeededAsync(builder, options, loggerFactory);
            builder.AddFeedWatcher();
            using var host = builder.Build();
            if (migrateOnly)
            {
                var applied = await host.Services.GetRequiredService<Migrator>().MigrateAsync();
                Console.WriteLine(applied.Count == 0 ? "Schema is up to date" : $"Applied {string.Join(", ", applied)}");
                return 0;
            }
            await host.RunAsync();
            return 0;
        }
        catch (Exception e) when (e is PrivatePostgresException or Npgsql.NpgsqlException or InvalidOperationException)
        {
            log.LogCritical("FeedWatcher stopped: {Error}", e.Message);
            return 1;
        }
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
