using System.Collections;
using System.ComponentModel;
using System.Reflection;
using MimeKit;
using Npgsql;
using Quartz;

namespace FeedWatcher.Configuration;

/// <summary>Checks the whole configuration at once and names every problem by its path,
/// for example <c>FeedWatcher:Feeds:3:Url: not an absolute http(s) URL</c>.</summary>
public static class ConfigValidator
{
    /// <summary>Every problem in the FeedWatcher section: unknown keys and unreadable values first, then
    /// values that read fine but make no sense. Empty when the configuration is usable.</summary>
    public static IReadOnlyList<string> Validate(IConfiguration configuration)
    {
        var section = configuration.GetSection(FeedWatcherOptions.Section);
        var problems = new List<string>();
        var badPaths = new List<string>();
        CheckShape(section, typeof(FeedWatcherOptions), problems, badPaths);

        // Bind what could be read, so the rules below still see every other value.
        var readable = section.AsEnumerable()
            .Where(kv => kv.Value is not null && !badPaths.Any(bad => kv.Key == bad || kv.Key.StartsWith(bad + ":", StringComparison.OrdinalIgnoreCase)));
        var options = new ConfigurationBuilder().AddInMemoryCollection(readable).Build()
            .GetSection(FeedWatcherOptions.Section).Get<FeedWatcherOptions>() ?? new FeedWatcherOptions();
        problems.AddRange(Validate(options));
        return problems;
    }

    /// <summary>The rules that span values, on options that bound without error.</summary>
    public static IReadOnlyList<string> Validate(FeedWatcherOptions options)
    {
        var problems = new List<string>();
        void Problem(string path, string message) => problems.Add($"{FeedWatcherOptions.Section}:{path}: {message}");

        if (!string.IsNullOrWhiteSpace(options.Database.ConnectionString))
        {
            try { _ = new NpgsqlConnectionStringBuilder(options.Database.ConnectionString); }
            catch (ArgumentException e) { Problem("Database:ConnectionString", $"not a valid PostgreSQL connection string ({e.Message})"); }
        }

        var polling = options.Polling;
        if (polling.CheckInterval < TimeSpan.FromSeconds(1)) Problem("Polling:CheckInterval", "must be at least 00:00:01");
        if (polling.DefaultInterval < TimeSpan.FromMinutes(1)) Problem("Polling:DefaultInterval", "must be at least 00:01:00");
        if (polling.Timeout <= TimeSpan.Zero) Problem("Polling:Timeout", "must be positive");
        if (polling.MaxBodyBytes < 1024) Problem("Polling:MaxBodyBytes", "must be at least 1024");
        if (polling.MaxConcurrency < 1) Problem("Polling:MaxConcurrency", "must be at least 1");
        if (polling.MaxPerHost < 1) Problem("Polling:MaxPerHost", "must be at least 1");
        if (polling.MaxInterval < polling.DefaultInterval) Problem("Polling:MaxInterval", "must not be shorter than Polling:DefaultInterval");
        if (polling.ConnectTimeout <= TimeSpan.Zero) Problem("Polling:ConnectTimeout", "must be positive");
        if (polling.NewFeedBacklog < TimeSpan.Zero) Problem("Polling:NewFeedBacklog", "must not be negative");
        var scheduler = options.Scheduler;
        if (scheduler.CheckinInterval < TimeSpan.FromSeconds(1)) Problem("Scheduler:CheckinInterval", "must be at least 00:00:01");
        if (scheduler.FailureThreshold < 2 * scheduler.CheckinInterval)
            Problem("Scheduler:FailureThreshold", "must be at least twice Scheduler:CheckinInterval, or a slow check-in counts as a death");
        if (scheduler.FeedLease < TimeSpan.FromSeconds(10)) Problem("Scheduler:FeedLease", "must be at least 00:00:10");
        var retention = options.Retention;
        if (!IsCron(retention.Schedule)) Problem("Retention:Schedule", $"not a valid Quartz cron expression: '{retention.Schedule}' (seconds come first, e.g. '0 30 3 * * ?')");
        if (retention.ItemText < TimeSpan.FromDays(1)) Problem("Retention:ItemText", "must be at least 1.00:00:00");
        if (retention.UnlistedItems < TimeSpan.FromDays(8)) Problem("Retention:UnlistedItems", "must be at least 8.00:00:00 (whether a feed still lists an item is recorded weekly)");
        if (retention.DigestMessages < TimeSpan.FromDays(1)) Problem("Retention:DigestMessages", "must be at least 1.00:00:00");
        if (retention.Hits is { } hitsFor && hitsFor < TimeSpan.FromDays(1)) Problem("Retention:Hits", "must be at least 1.00:00:00, or unset to keep hits for good");
        if (options.Status.DigestWaitLimit <= TimeSpan.Zero) Problem("Status:DigestWaitLimit", "must be positive");
        if (options.Status.DigestAttemptLimit < 1) Problem("Status:DigestAttemptLimit", "must be at least 1");
        for (var i = 0; i < polling.AllowPrivateNetworks.Count; i++)
        {
            var entry = polling.AllowPrivateNetworks[i] ?? "";
            if (!Feeds.NetworkGuard.TryNetwork(entry, out _) && Uri.CheckHostName(entry.Trim()) != UriHostNameType.Dns)
                Problem($"Polling:AllowPrivateNetworks:{i}", $"'{entry}' is not a range (10.0.0.0/8), an address (127.0.0.1) or a host name");
        }
        if (!IsHttpUrl(polling.ContactUrl)) Problem("Polling:ContactUrl", $"not an absolute http(s) URL: '{polling.ContactUrl}'");

        var urls = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Feeds.Count; i++)
        {
            var feed = options.Feeds[i];
            if (!IsHttpUrl(feed.Url)) Problem($"Feeds:{i}:Url", $"not an absolute http(s) URL: '{feed.Url}'");
            else if (!urls.Add(feed.Url)) Problem($"Feeds:{i}:Url", $"listed twice: '{feed.Url}'");
            if (feed.Interval is { } interval && interval < TimeSpan.FromMinutes(1))
                Problem($"Feeds:{i}:Interval", "must be at least 00:01:00");
        }

        if (options.Watches.Count == 0) Problem("Watches", "at least one watch is required");
        problems.AddRange(Matching.WatchCompiler.Compile(options, new Matching.TermStatistics()).Problems);

        var digestNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var watchNames = options.Watches.Select(w => w.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        for (var d = 0; d < options.Digests.Count; d++)
        {
            var digest = options.Digests[d];
            var at = $"Digests:{d}";
            if (string.IsNullOrWhiteSpace(digest.Name)) Problem($"{at}:Name", "every digest needs a name");
            else if (!digestNames.Add(digest.Name)) Problem($"{at}:Name", $"two digests are named '{digest.Name}'");
            if (!IsCron(digest.Schedule))
                Problem($"{at}:Schedule", $"not a valid Quartz cron expression: '{digest.Schedule}' (seconds come first, e.g. '0 0 7 * * ?')");
            if (!string.IsNullOrWhiteSpace(digest.TimeZone) && !TimeZoneInfo.TryFindSystemTimeZoneById(digest.TimeZone, out _))
                Problem($"{at}:TimeZone", $"unknown time zone '{digest.TimeZone}' (use an IANA name such as Europe/London)");
            if (!MailboxAddress.TryParse(digest.From, out _)) Problem($"{at}:From", $"not an email address: '{digest.From}'");
            for (var i = 0; i < digest.To.Count; i++)
                if (!MailboxAddress.TryParse(digest.To[i], out _)) Problem($"{at}:To:{i}", $"not an email address: '{digest.To[i]}'");
            if (digest.To.Count == 0 && !string.IsNullOrWhiteSpace(options.Smtp.Host))
                Problem($"{at}:To", "at least one recipient is required when Smtp:Host is set");
            for (var i = 0; i < digest.Watches.Count; i++)
                if (!watchNames.Contains(digest.Watches[i])) Problem($"{at}:Watches:{i}", $"no watch is named '{digest.Watches[i]}'");
            if (digest.MinScore is < 0 or > 1) Problem($"{at}:MinScore", "must be between 0 and 1");
            if (digest.AlertScore is < 0 or > 1) Problem($"{at}:AlertScore", "must be between 0 and 1");
            if (digest.MaxItems < 1) Problem($"{at}:MaxItems", "must be at least 1");
        }

        var smtp = options.Smtp;
        if (!string.IsNullOrWhiteSpace(smtp.Host))
        {
            if (smtp.Port is < 1 or > 65535) Problem("Smtp:Port", "must be between 1 and 65535");
            if (string.IsNullOrEmpty(smtp.UserName) != string.IsNullOrEmpty(smtp.Password))
                Problem(string.IsNullOrEmpty(smtp.UserName) ? "Smtp:UserName" : "Smtp:Password", "UserName and Password go together");
        }
        if (smtp.Timeout <= TimeSpan.Zero) Problem("Smtp:Timeout", "must be positive");
        if (options.Metrics.Port is < 1 or > 65535) Problem("Metrics:Port", "must be between 1 and 65535");
        if (string.IsNullOrWhiteSpace(options.Metrics.Host)) Problem("Metrics:Host", "an address or host name to listen on, such as 127.0.0.1");
        if (!IsHttpUrl(options.Web.Listen)) Problem("Web:Listen", $"not an http(s) address to listen on, such as http://127.0.0.1:8080: '{options.Web.Listen}'");
        if (options.Web.PublicBaseUrl is { Length: > 0 } publicUrl && !IsHttpUrl(publicUrl))
            Problem("Web:PublicBaseUrl", $"not an absolute http(s) URL: '{publicUrl}'");
        if (options.Web.PasswordHash is { Length: > 0 } hash && !Web.Passwords.IsHash(hash))
            Problem("Web:PasswordHash", "not a hash printed by `feedwatcher web hash-password`");
        if (options.Web.Enabled && string.IsNullOrEmpty(options.Web.PasswordHash) && !Web.Passwords.IsLoopback(options.Web.Listen))
            Problem("Web:PasswordHash", $"the pages listen beyond loopback ({options.Web.Listen}): set a password hash (feedwatcher web hash-password)");
        return problems;
    }

    static bool IsCron(string expression)
    {
        try { _ = new CronExpression(expression); return true; }
        catch (FormatException) { return false; }
    }

    static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    // Walks the configuration against the options types, so a typo in a key or an unreadable value is
    // reported by path instead of being ignored (unknown keys) or stopping at the first (binder errors).
    static void CheckShape(IConfigurationSection section, Type type, List<string> problems, List<string> badPaths)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (properties.TryGetValue(child.Key, out var property))
                CheckValue(child, property.PropertyType, problems, badPaths);
            else
                Bad(child, $"unknown setting (known: {string.Join(", ", properties.Keys)})", problems, badPaths);
        }
    }

    static void CheckValue(IConfigurationSection section, Type type, List<string> problems, List<string> badPaths)
    {
        var hasChildren = section.GetChildren().Any();
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(string))
        {
            if (hasChildren) Bad(section, $"expected a single value, found a section", problems, badPaths);
            return;
        }
        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(List<>))
        {
            if (!hasChildren && !string.IsNullOrEmpty(section.Value))
                Bad(section, $"expected a list, found '{section.Value}'", problems, badPaths);
            foreach (var item in section.GetChildren())
                CheckValue(item, underlying.GetGenericArguments()[0], problems, badPaths);
            return;
        }
        if (underlying.IsClass && !typeof(IEnumerable).IsAssignableFrom(underlying))
        {
            if (!hasChildren && !string.IsNullOrEmpty(section.Value))
                Bad(section, $"expected a section, found '{section.Value}'", problems, badPaths);
            CheckShape(section, underlying, problems, badPaths);
            return;
        }
        if (hasChildren)
        {
            Bad(section, $"expected {Describe(underlying)}, found a section", problems, badPaths);
            return;
        }
        if (string.IsNullOrEmpty(section.Value))
        {
            if (underlying == type) Bad(section, $"expected {Describe(underlying)}, found nothing", problems, badPaths);
            return;
        }
        bool readable;
        try { readable = TypeDescriptor.GetConverter(underlying).ConvertFromInvariantString(section.Value) is not null; }
        catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException or OverflowException) { readable = false; }
        if (!readable || (underlying.IsEnum && !Enum.IsDefined(underlying, Enum.Parse(underlying, section.Value, true))))
            Bad(section, $"'{section.Value}' is not {Describe(underlying)}", problems, badPaths);
    }

    static void Bad(IConfigurationSection section, string message, List<string> problems, List<string> badPaths)
    {
        problems.Add($"{section.Path}: {message}");
        badPaths.Add(section.Path);
    }

    static string Describe(Type type) => type switch
    {
        _ when type == typeof(TimeSpan) => "a time span (hh:mm:ss, or d.hh:mm:ss)",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(int) || type == typeof(long) => "a whole number",
        { IsEnum: true } => "one of " + string.Join(", ", Enum.GetNames(type)),
        _ => "a " + type.Name,
    };
}
