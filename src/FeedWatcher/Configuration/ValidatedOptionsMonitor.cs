using System.Text.Json;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace FeedWatcher.Configuration;

/// <summary>The FeedWatcher options in force, reloaded when a configuration file changes. An edit that breaks a
/// JSON file or fails validation is rejected with every problem in one log line, and the last valid options
/// stay in force. (The standard monitor would serve a broken file as empty settings, and throw on every read
/// after a value that fails validation.)</summary>
public sealed class ValidatedOptionsMonitor : IOptionsMonitor<FeedWatcherOptions>, IDisposable
{
    readonly IConfiguration _configuration;
    readonly ILogger<ValidatedOptionsMonitor> _logger;
    readonly IDisposable _registration;
    readonly Lock _gate = new();
    readonly List<Action<FeedWatcherOptions, string?>> _listeners = [];
    FeedWatcherOptions _current;
    string _currentJson;

    public ValidatedOptionsMonitor(IConfiguration configuration, ILogger<ValidatedOptionsMonitor> logger)
    {
        (_configuration, _logger) = (configuration, logger);
        _current = Bind(configuration);
        _currentJson = JsonSerializer.Serialize(_current);
        _registration = ChangeToken.OnChange(configuration.GetReloadToken, () => Reload());
    }

    public FeedWatcherOptions CurrentValue => Volatile.Read(ref _current);

    public FeedWatcherOptions Get(string? name) => CurrentValue;

    public IDisposable OnChange(Action<FeedWatcherOptions, string?> listener)
    {
        lock (_gate) _listeners.Add(listener);
        return new Subscription(() => { lock (_gate) _listeners.Remove(listener); });
    }

    /// <summary>Rereads the configuration; returns the problems that kept it from taking effect.</summary>
    public IReadOnlyList<string> Reload()
    {
        IReadOnlyList<string> problems;
        try
        {
            problems = Problems(_configuration);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            problems = [e.Message];
        }
        if (problems.Count > 0)
        {
            _logger.LogError("Configuration change rejected; the last valid settings stay in force. {Problems}", string.Join("; ", problems));
            return problems;
        }
        var next = Bind(_configuration);
        var json = JsonSerializer.Serialize(next);
        Action<FeedWatcherOptions, string?>[] listeners;
        lock (_gate)
        {
            if (json == _currentJson) return []; // editors and file watchers often signal one save twice
            (_current, _currentJson) = (next, json);
            listeners = [.. _listeners];
        }
        _logger.LogInformation("Configuration reloaded: {Watches} watches, {Feeds} configured feeds", next.Watches.Count, next.Feeds.Count);
        foreach (var listener in listeners)
        {
            try { listener(next, Options.DefaultName); }
            catch (Exception e) when (e is not OutOfMemoryException) { _logger.LogError(e, "Applying the reloaded configuration failed"); }
        }
        return [];
    }

    static FeedWatcherOptions Bind(IConfiguration configuration) =>
        configuration.GetSection(FeedWatcherOptions.Section).Get<FeedWatcherOptions>() ?? new FeedWatcherOptions();

    /// <summary>The JSON configuration files that do not parse, with where (a broken file would otherwise count as an
    /// empty one), and a settings file named with --config that is not there.</summary>
    public static IEnumerable<string> BrokenJsonFiles(IConfiguration configuration)
    {
        if (configuration is not IConfigurationRoot root) yield break;
        foreach (var layered in root.Providers.OfType<LayeredJsonProvider>())
        {
            if (layered.Source.UserRequired && !File.Exists(layered.Source.UserPath))
                yield return $"{layered.Source.UserPath}: no such settings file (given with {ConfigurationFiles.Option} or ${ConfigurationFiles.EnvironmentVariable})";
        }
        var paths = root.Providers.SelectMany(provider => provider switch
        {
            JsonConfigurationProvider json => [json.Source.FileProvider?.GetFileInfo(json.Source.Path ?? "").PhysicalPath],
            LayeredJsonProvider layered => new string?[] { layered.Source.DefaultsPath, layered.Source.UserPath },
            _ => [],
        });
        foreach (var path in paths)
        {
            if (path is null || !File.Exists(path)) continue;
            string? problem = null;
            try
            {
                using var _ = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            }
            catch (JsonException e) { problem = $"{path}: not valid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {JsonError(e)}"; }
            catch (IOException e) { problem = $"{path}: {e.Message}"; }
            catch (UnauthorizedAccessException e) { problem = $"{path}: {e.Message}"; }
            if (problem is not null) yield return problem;
        }
    }

    /// <summary>Every problem of the configuration. A file that cannot be read is the only problem reported: the
    /// settings it would have given are missing, and what that makes of the rest would only mislead.</summary>
    public static IReadOnlyList<string> Problems(IConfiguration configuration)
    {
        IReadOnlyList<string> broken = [.. BrokenJsonFiles(configuration)];
        return broken.Count > 0 ? broken : ConfigValidator.Validate(configuration);
    }

    // System.Text.Json's message without its own position suffix, which the problem already gives.
    static string JsonError(JsonException e)
    {
        var message = e.Message;
        var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (at > 0 ? message[..at] : message).TrimEnd('.', ' ');
    }

    /// <summary>Keeps a configuration file that breaks while running from stopping the process: the change is
    /// then rejected by <see cref="Reload"/>.</summary>
    public static void IgnoreReloadErrors(IConfigurationBuilder builder)
    {
        foreach (var source in builder.Sources.OfType<JsonConfigurationSource>())
            source.OnLoadException = context => context.Ignore = true; // sources loaded when added: only reloads get here
    }

    public void Dispose() => _registration.Dispose();

    sealed class Subscription(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
