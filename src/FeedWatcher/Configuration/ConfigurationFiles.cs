namespace FeedWatcher.Configuration;

/// <summary>Which settings files FeedWatcher reads. Two, the second over the first (see <see cref="LayeredJsonSource"/>):
/// <list type="bullet">
/// <item>the defaults: in a clone (under <c>dotnet run</c> and the tests) the repository's top-level appsettings.json
/// itself, so that an edit of it takes effect at once, not at the next build; in a published FeedWatcher the
/// appsettings.json beside the binary;</item>
/// <item>the user's file: the one given with <c>--config FILE</c>, else <c>$FEEDWATCHER_CONFIG</c>, else
/// appsettings.json in systemd's <c>$CONFIGURATION_DIRECTORY</c>, else /etc/feedwatcher/appsettings.json; it may be
/// absent, unless it was named explicitly.</item>
/// </list></summary>
public static class ConfigurationFiles
{
    public const string FileName = "appsettings.json";
    public const string Option = "--config";
    public const string EnvironmentVariable = "FEEDWATCHER_CONFIG";

    // What marks the top of a clone: the solution and the settings beside it.
    const string SolutionFile = "FeedWatcher.sln";

    /// <summary>The defaults file: the clone's top-level appsettings.json when the binary was built inside a clone,
    /// else the one beside the binary.</summary>
    public static string Defaults(string binaryDirectory)
    {
        for (var dir = new DirectoryInfo(binaryDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile)) && File.Exists(Path.Combine(dir.FullName, FileName)))
                return Path.Combine(dir.FullName, FileName);
        }
        return Path.Combine(binaryDirectory, FileName);
    }

    /// <summary>The user's file and whether it was named explicitly (then it must exist).</summary>
    public static (string Path, bool Explicit) User(string? given)
    {
        if (!string.IsNullOrWhiteSpace(given)) return (Path.GetFullPath(given), true);
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment) return (Path.GetFullPath(fromEnvironment), true);
        return (Path.Combine(SystemDirectory(), FileName), false);
    }

    /// <summary>Where the administrator's settings live: systemd's <c>$CONFIGURATION_DIRECTORY</c> (set by
    /// ConfigurationDirectory=feedwatcher), else /etc/feedwatcher.</summary>
    public static string SystemDirectory() =>
        Environment.GetEnvironmentVariable("CONFIGURATION_DIRECTORY") is { Length: > 0 } fromSystemd ? fromSystemd.Split(':')[0] : "/etc/feedwatcher";

    /// <summary>The file a user edits: the one named with --config, or the administrator's when there is one, else
    /// the defaults file (in a clone, its top-level appsettings.json).</summary>
    public static string Live(LayeredJsonSource files) =>
        files.UserRequired || File.Exists(files.UserPath) ? files.UserPath : files.DefaultsPath;

    /// <summary>Takes <c>--config FILE</c> (or <c>--config=FILE</c>) out of the command line's settings.</summary>
    public static (string[] Settings, string? Config) TakeOption(IReadOnlyList<string> args)
    {
        var rest = new List<string>(args.Count);
        string? config = null;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i].Equals(Option, StringComparison.OrdinalIgnoreCase) && i + 1 < args.Count)
                config = args[++i];
            else if (args[i].StartsWith(Option + "=", StringComparison.OrdinalIgnoreCase))
                config = args[i][(Option.Length + 1)..];
            else
                rest.Add(args[i]);
        }
        return ([.. rest], config);
    }
}
