using System.Text.Json;
using System.Text.Json.Nodes;

namespace FeedWatcher.Configuration;

/// <summary>The defaults file and the user's (see <see cref="ConfigurationFiles"/>) read as one configuration source:
/// sections merge key by key, and a value or a list in the user's file replaces the default one whole. (Stacked the
/// standard way, lists would merge item by item: a user's list of two feeds over four shipped ones would still poll
/// the last two shipped feeds.) Both files are watched; a change to either is read again, and a file that does not
/// parse is reported by <see cref="ValidatedOptionsMonitor.BrokenJsonFiles"/> while the last good settings stay.</summary>
/// <param name="defaultsPath">The defaults: the clone's top-level appsettings.json, or the one beside the binary.</param>
/// <param name="userPath">The user's settings, over the defaults; may be absent unless <paramref name="userRequired"/>.</param>
/// <param name="userRequired">The user's file was named explicitly (<c>--config</c>): its absence is a problem.</param>
public sealed class LayeredJsonSource(string defaultsPath, string userPath, bool userRequired = false) : IConfigurationSource
{
    public string DefaultsPath { get; } = defaultsPath;
    public string UserPath { get; } = userPath;
    public bool UserRequired { get; } = userRequired;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new LayeredJsonProvider(this);
}

public sealed class LayeredJsonProvider : ConfigurationProvider, IDisposable
{
    static readonly JsonDocumentOptions Reading = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    readonly List<FileSystemWatcher> _watchers = [];
    readonly Lock _gate = new();
    Timer? _settle;
    bool _disposed;

    public LayeredJsonProvider(LayeredJsonSource source)
    {
        Source = source;
        foreach (var path in new[] { source.DefaultsPath, source.UserPath })
        {
            // Only the file's own directory, not what lies under it (a clone's state/ holds a busy PostgreSQL), and
            // every way an editor saves: in place, a new file, or a rename over the old one. A missing directory is
            // not watched.
            if (Path.GetDirectoryName(Path.GetFullPath(path)) is not { } directory || !Directory.Exists(directory)) continue;
            var name = Path.GetFileName(path);
            var watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = false };
            FileSystemEventHandler changed = (_, e) => { if (e.Name == name) Changed(); };
            watcher.Changed += changed;
            watcher.Created += changed;
            watcher.Deleted += changed;
            watcher.Renamed += (_, e) => { if (e.Name == name || e.OldName == name) Changed(); };
            try { watcher.EnableRaisingEvents = true; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                watcher.Dispose(); // no inotify instance left, say: the file is read at start only
                continue;
            }
            _watchers.Add(watcher);
        }
    }

    // Editors write in several steps: the file is read again once it has been quiet for a quarter of a second.
    void Changed()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _settle ??= new Timer(_ =>
            {
                Load();
                OnReload();
            });
            _settle.Change(TimeSpan.FromMilliseconds(250), Timeout.InfiniteTimeSpan);
        }
    }

    public LayeredJsonSource Source { get; }

    /// <summary>Reads both files again; a file that cannot be read leaves the settings as they were.</summary>
    public override void Load()
    {
        JsonNode? merged = new JsonObject();
        foreach (var path in new[] { Source.DefaultsPath, Source.UserPath })
        {
            if (!File.Exists(path)) continue;
            try
            {
                merged = Merge(merged, JsonNode.Parse(File.ReadAllBytes(path), documentOptions: Reading));
            }
            catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
            {
                return; // reported by name by ValidatedOptionsMonitor.BrokenJsonFiles
            }
        }
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        Flatten(merged, null, data);
        Data = data;
    }

    /// <summary><paramref name="over"/> laid over <paramref name="under"/>: objects merge key by key (keys in any
    /// case, as configuration reads them); anything else in <paramref name="over"/> replaces what is under it.</summary>
    public static JsonNode? Merge(JsonNode? under, JsonNode? over)
    {
        if (under is not JsonObject lower || over is not JsonObject upper)
            return over?.DeepClone();
        var result = (JsonObject)lower.DeepClone();
        foreach (var (key, value) in upper)
        {
            var existing = result.FirstOrDefault(p => string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase));
            if (existing.Key is null)
            {
                result[key] = value?.DeepClone();
                continue;
            }
            var merged = Merge(existing.Value, value);
            result.Remove(existing.Key);
            result[key] = merged;
        }
        return result;
    }

    // The configuration keys of a JSON document, as the standard JSON source makes them: "A:B:0:C".
    static void Flatten(JsonNode? node, string? prefix, Dictionary<string, string?> data)
    {
        switch (node)
        {
            case JsonObject obj when obj.Count > 0:
                foreach (var (key, value) in obj) Flatten(value, prefix is null ? key : $"{prefix}:{key}", data);
                break;
            case JsonArray array when array.Count > 0:
                for (var i = 0; i < array.Count; i++) Flatten(array[i], $"{prefix}:{i}", data);
                break;
            case JsonObject or JsonArray:
                if (prefix is not null) data[prefix] = null;
                break;
            case JsonValue value when prefix is not null:
                data[prefix] = value.GetValueKind() switch
                {
                    JsonValueKind.String => value.GetValue<string>(),
                    JsonValueKind.True => "True",
                    JsonValueKind.False => "False",
                    _ => value.ToJsonString(),
                };
                break;
            case null when prefix is not null:
                data[prefix] = null;
                break;
        }
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers) watcher.Dispose();
        lock (_gate)
        {
            _disposed = true;
            _settle?.Dispose();
        }
    }
}
