using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using FeedWatcher.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Npgsql;

namespace FeedWatcher.Cli;

/// <summary><c>feedwatcher config show</c>: the configuration in force, every layer applied, secrets masked.</summary>
public static class ConfigShow
{
    const string Masked = "********";

    public static int Run(IConfiguration configuration)
    {
        if (!AppHost.CheckConfiguration(configuration, quietWhenValid: true))
            return 1;
        if (configuration is IConfigurationRoot root && root.Providers.OfType<LayeredJsonProvider>().FirstOrDefault() is { } files)
            Console.WriteLine($"# Your settings: {ConfigurationFiles.Live(files.Source)} (read again when it changes)");
        Console.WriteLine("# Layers, each over the one before:");
        if (configuration is IConfigurationRoot layers)
        {
            foreach (var provider in layers.Providers)
            {
                if (provider is LayeredJsonProvider layered)
                {
                    Console.WriteLine($"#   {layered.Source.DefaultsPath} (defaults)");
                    Console.WriteLine($"#   {layered.Source.UserPath}{(File.Exists(layered.Source.UserPath) ? "" : " (absent)")} (its lists replace the default ones)");
                }
                else if (provider is JsonConfigurationProvider json && json.Source.FileProvider?.GetFileInfo(json.Source.Path ?? "").PhysicalPath is { } path && File.Exists(path))
                    Console.WriteLine($"#   {path}");
            }
        }
        Console.WriteLine("#   environment variables (FeedWatcher__Section__Key)");
        Console.WriteLine("#   the command line (--FeedWatcher:Section:Key=value)");
        var options = configuration.GetSection(FeedWatcherOptions.Section).Get<FeedWatcherOptions>() ?? new();
        Console.WriteLine(JsonSerializer.Serialize(new JsonObject { [FeedWatcherOptions.Section] = Mask(options) }, Json));
        return 0;
    }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    static readonly JsonSerializerOptions Enums = new() { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    /// <summary>The options as JSON with every password, in its own setting or in the connection string, masked.</summary>
    public static JsonNode Mask(FeedWatcherOptions options)
    {
        var node = JsonSerializer.SerializeToNode(options, Enums)!;
        if (node["Database"] is JsonObject database)
        {
            if (!string.IsNullOrEmpty(options.Database.Password)) database["Password"] = Masked;
            if (!string.IsNullOrEmpty(options.Database.ConnectionString))
            {
                var connection = new NpgsqlConnectionStringBuilder(options.Database.ConnectionString);
                if (!string.IsNullOrEmpty(connection.Password)) connection.Password = Masked;
                database["ConnectionString"] = connection.ConnectionString;
            }
        }
        if (node["Smtp"] is JsonObject smtp && !string.IsNullOrEmpty(options.Smtp.Password))
            smtp["Password"] = Masked;
        return node;
    }
}
