using System.CommandLine;
using System.Globalization;
using FeedWatcher.Configuration;
using FeedWatcher.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FeedWatcher.Cli;

/// <summary><c>feedwatcher db stats</c>: the database's size table by table and how far back its items go;
/// <c>feedwatcher db cleanup</c>: applies FeedWatcher:Retention now, as the scheduled cleanup does.</summary>
public static class DbCommands
{
    public static Command Build()
    {
        var stats = new Command("stats", "Print the database's size, the rows and size of each table, how far back items keep their text, and the last cleanup.");
        stats.SetAction(r => AppHost.WithHostAsync(CommandLine.Settings(r), async host =>
        {
            await host.Services.GetRequiredService<Migrator>().MigrateAsync();
            var s = await DatabaseStats.ReadAsync(host.Services.GetRequiredService<NpgsqlDataSource>());
            Console.WriteLine($"database {s.Database}: {Words.Bytes(s.Bytes)}");
            Console.WriteLine();
            Console.WriteLine($"{"table",-24} {"rows",12} {"size",10}");
            foreach (var (table, rows, bytes) in s.Tables)
                Console.WriteLine($"{table,-24} {rows.ToString("N0", CultureInfo.InvariantCulture),12} {Words.Bytes(bytes),10}");
            Console.WriteLine();
            var items = s.Tables.Single(t => t.Table == "items").Rows;
            Console.WriteLine(items == 0 ? "no items yet" :
                $"items: {s.ItemsWithText.ToString("N0", CultureInfo.InvariantCulture)} with their text (the oldest first seen {Day(s.OldestText)}), " +
                $"{(items - s.ItemsWithText).ToString("N0", CultureInfo.InvariantCulture)} remembered without it; the oldest item first seen {Day(s.OldestItem)}");
            Console.WriteLine(s.LastCleanup is { } run
                ? $"last cleanup: scheduled {run.FireTime.ToUniversalTime():yyyy-MM-dd HH:mm}Z, run by {run.Instance}: " + (run.FinishedAt is null ? "not finished" : Removed(run.Removed))
                : "no cleanup has run yet (FeedWatcher:Retention:Schedule)");
            return 0;
        }, dataCommand: true));

        var cleanup = new Command("cleanup", "Apply FeedWatcher:Retention now, as the scheduled cleanup does, and print what was removed.");
        cleanup.SetAction(r => AppHost.WithHostAsync(CommandLine.Settings(r), async host =>
        {
            await host.Services.GetRequiredService<Migrator>().MigrateAsync();
            var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
            var policy = host.Services.GetRequiredService<IOptions<FeedWatcherOptions>>().Value.Retention;
            var report = await host.Services.GetRequiredService<Scheduling.RetentionJob>().RunAsync(now, policy, CancellationToken.None);
            Console.WriteLine(report is null ? "Another cleanup started at the same moment; nothing done" : $"Cleanup done: {report}");
            return 0;
        }, dataCommand: true));
        return new Command("db", "FeedWatcher's database.") { stats, cleanup };
    }

    static string Day(DateTime? when) => when is { } w ? w.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "-";

    /// <summary>What a cleanup recorded it removed, in words.</summary>
    public static string Removed(string? json) => json is null ? "nothing recorded" : RetentionReport.FromJson(json).ToString();
}
