using System.CommandLine;
using FeedWatcher.Configuration;
using FeedWatcher.Storage;

namespace FeedWatcher.Cli;

/// <summary>The feedwatcher command line. Words that are not commands or options (--FeedWatcher:Smtp:Host=...)
/// are configuration overrides, applied over appsettings.json and the environment.</summary>
public static class CommandLine
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = Build();
        var parsed = root.Parse(args);
        var errors = parsed.Errors.Select(e => e.Message).Concat(NotSettings(parsed.UnmatchedTokens)).ToList();
        if (errors.Count > 0)
        {
            foreach (var error in errors)
                await Console.Error.WriteLineAsync($"feedwatcher: {error}");
            await Console.Error.WriteLineAsync("Try 'feedwatcher --help'.");
            return 2;
        }
        // The host handles Ctrl+C and SIGTERM itself, so that the private PostgreSQL is always stopped.
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    static RootCommand Build()
    {
        var root = new RootCommand("FeedWatcher follows news stories in RSS, Atom and JSON feeds and emails digests of the items that match your watches.\n"
            + "Settings come from appsettings.json (in a clone, the one at its top), then your settings file (--config FILE, else /etc/feedwatcher/appsettings.json), "
            + "then environment variables (FeedWatcher__Smtp__Host=...), "
            + "then --FeedWatcher:Smtp:Host=... on the command line.");
        root.Options.Add(ConfigFile);
        var once = new Option<bool>("--once") { Description = "Poll every feed now, print the hits with why, preview the digests (nothing sent), and exit." };
        var run = new Command("run", "Run the worker: poll feeds, store hits, send digests (the default).") { once };
        run.SetAction(r => r.GetValue(once) ? AppHost.WithHostAsync(Settings(r), RunOnce.RunAsync) : RunWorkerAsync(Settings(r)));
        root.SetAction(r => RunWorkerAsync(Settings(r)));

        var migrate = new Command("migrate", "Bring the database schema up to date and exit.");
        migrate.SetAction(r => AppHost.WithHostAsync(Settings(r), async host =>
        {
            var applied = await host.Services.GetRequiredService<Migrator>().MigrateAsync();
            Console.WriteLine(applied.Count == 0 ? "Schema is up to date" : $"Applied {string.Join(", ", applied)}");
            return 0;
        }));

        var config = new Command("config", "Work with the configuration.");
        var checkFile = new Argument<FileInfo?>("file")
        {
            Description = "A settings file to check in place of the administrator's (/etc/feedwatcher/appsettings.json), before installing it.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var check = new Command("check", "Check the configuration and report every problem with its path.") { checkFile };
        check.SetAction(r =>
        {
            if (r.GetValue(checkFile) is { } file && !file.Exists)
            {
                Console.Error.WriteLine($"feedwatcher: {file.FullName}: no such file");
                return 1;
            }
            var configuration = FeedWatcherServices.CreateBuilder(Settings(r), r.GetValue(checkFile)?.FullName).Configuration;
            if (!AppHost.CheckConfiguration(configuration)) return 1;
            // Feeds that the network guard will refuse, as far as the configuration tells.
            var options = configuration.GetSection(FeedWatcherOptions.Section).Get<FeedWatcherOptions>() ?? new();
            for (var i = 0; i < options.Feeds.Count; i++)
            {
                if (Feeds.NetworkGuard.KnownRefusal(new Uri(options.Feeds[i].Url), options.Polling.AllowPrivateNetworks) is { } refusal)
                    Console.WriteLine($"warning: FeedWatcher:Feeds:{i}:Url: {refusal}");
            }
            return 0;
        });
        config.Subcommands.Add(check);
        var show = new Command("show", "Print the configuration in force (every layer applied), secrets masked, and where each layer comes from.");
        show.SetAction(r => ConfigShow.Run(FeedWatcherServices.CreateBuilder(Settings(r)).Configuration));
        config.Subcommands.Add(show);

        var files = new Argument<string[]>("files") { Description = "Feed files to read.", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "One JSON object per file, per line." };
        var parse = new Command("parse", "Read feed files as FeedWatcher would and print what it found.") { files, json };
        parse.SetAction(r => ParseCommand.Run(r.GetValue(files)!, r.GetValue(json)));

        foreach (var command in new[] { run, migrate, DbCommands.Build(), config, parse, FeedsCommand.Build(), PollCommand.Build(), WatchCommands.Watches(), WatchCommands.Match(), WatchCommands.Backtest(), WatchCommands.Feedback(), HitsCommand.Build(), WebCommands.Build(), DigestCommands.Digest(), DigestCommands.SameStoryCommand(), StatusCommand.Build() })
            root.Subcommands.Add(command);
        foreach (var command in root.Subcommands.Append(check).Append(show).Concat(root.Subcommands.SelectMany(c => c.Subcommands)))
            command.TreatUnmatchedTokensAsErrors = command == parse;
        root.TreatUnmatchedTokensAsErrors = false;
        return root;
    }

    // Left-over words must be settings: --Key=value, or --Key followed by its value.
    static IEnumerable<string> NotSettings(IReadOnlyList<string> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].StartsWith("--", StringComparison.Ordinal) && tokens[i].Length > 2)
            {
                if (!tokens[i].Contains('=', StringComparison.Ordinal)) i++; // its value follows
                continue;
            }
            yield return $"unknown command or argument '{tokens[i]}' (settings are given as --Section:Key=value)";
        }
    }

    static readonly Option<FileInfo?> ConfigFile = new(ConfigurationFiles.Option)
    {
        Description = "The settings file to use over the defaults, instead of /etc/feedwatcher/appsettings.json (also $FEEDWATCHER_CONFIG).",
        Recursive = true,
    };

    /// <summary>Configuration overrides given on the command line, with the settings file given by --config.</summary>
    internal static string[] Settings(ParseResult result) =>
        result.GetValue(ConfigFile) is { } file ? [$"{ConfigurationFiles.Option}={file.FullName}", .. result.UnmatchedTokens] : [.. result.UnmatchedTokens];

    static Task<int> RunWorkerAsync(string[] settings) => AppHost.WithHostAsync(settings, async host =>
    {
        await host.RunAsync();
        return 0;
    }, worker: true);
}
