using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace FeedWatcher.Configuration;

/// <summary>The shipped appsettings.json and the administrator's (/etc/feedwatcher/appsettings.json) read as one
/// configuration source: sections merge key by key, and a value or a list in the administrator's file replaces
/// the shipped one whole. (Stacked the standard way, lists would merge item by item: an administrator's list of
/// two feeds over four shipped ones would still poll the last two shipped feeds.) Both files are watched; a
/// change to either is read again, and a file that does not parse is reported by
/// <see cref="ValidatedOptionsMonitor.BrokenJsonFiles"/> while the last good settings stay.</summary>
public sealed class LayeredJsonSource(string shippedPath, string systemPath) : IConfigurationSource
{
    public string ShippedPath { get; } = shippedPath;
    public string SystemPath { get; } = systemPath;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new LayeredJsonProvider(this);
}

public sealed class LayeredJsonProvider : ConfigurationProvider, IDisposable
{
    static readonly JsonDocumentOptions Reading = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    readonly List<PhysicalFileProvider> _watchers = [];
    readonly IDisposable? _registration;

    public LayeredJsonProvider(LayeredJsonSource source)
    {
        Source = source;
        var tokens = new List<Func<IChangeToken>>();
        foreach (var path in new[] { source.ShippedPath, source.SystemPath })
        {
            // A missing directory is not watched: the watcher would climb to the nearest existing parent.
            if (Path.GetDirectoryName(path) is not { } directory || !Directory.Exists(directory)) continue;
            var watcher = new PhysicalFileProvider(directory);
            _watchers.Add(watcher);
            tokens.Add(() => watcher.Watch(Path.GetFileName(path)));
        }
        if (tokens.Count > 0)
        {
            _registration = ChangeToken.OnChange(
                () => new CompositeChangeToken([.. tokens.Select(t => t())]),
                () =>
                {
                    Thread.Sleep(250); // editors write in several steps: read once they are done
                    Load();
                    OnReload();
                });
        }
    }

    public LayeredJsonSource Source { get; }

    /// <summary>Reads both files again; a file that cannot be read leaves the settings as they were.</summary>
    public override void Load()
    {
        JsonNode? merged = new JsonObject();
        foreach (var path in new[] { Source.ShippedPath, Source.SystemPath })
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
        _registration?.Dispose();
        foreach (var watcher in _watchers) watcher.Dispose();
    }
}
