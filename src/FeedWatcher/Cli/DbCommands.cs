using System.CommandLine;
using System.Globalization;
using FeedWatcher.Configuration;
using FeedWatcher.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FeedWatcher.Cli;

/// <summary><c>feedwatcher db stats</c>: the database's size table by table and how far back its items go;
/// <c>feedwatcher db cleanup</c>: applies FeedWatcher:Retention now, as the scheduled cleanup does; <c>db backup</c> and
/// <c>db restore</c>: the whole database in one file and back.</summary>
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
        var backupFile = new Argument<string>("file") { Description = "Where to write the backup (pg_dump's custom format)." };
        var backup = new Command("backup", "Back the whole database up into one file, while FeedWatcher runs (pg_dump).") { backupFile };
        backup.SetAction(r => AppHost.WithHostAsync(CommandLine.Settings(r), async host =>
        {
            var file = r.GetValue(backupFile)!;
            try
            {
                var bytes = await Backup(host).BackupAsync(file);
                Console.WriteLine($"Backed up database {Database(host).Connection().Database} to {Path.GetFullPath(file)} ({Words.Bytes(bytes)})");
                return 0;
            }
            catch (BackupException e)
            {
                Console.Error.WriteLine($"feedwatcher db backup: {e.Message}");
                return 1;
            }
        }, dataCommand: true));

        var restoreFile = new Argument<string>("file") { Description = "A backup made by 'feedwatcher db backup'." };
        var restore = new Command("restore", "Replace the database with a backup, all or nothing (pg_restore); FeedWatcher must be stopped.") { restoreFile };
        restore.SetAction(r => AppHost.WithHostAsync(CommandLine.Settings(r), async host =>
        {
            var file = r.GetValue(restoreFile)!;
            try
            {
                await Backup(host).RestoreAsync(file);
            }
            catch (BackupException e)
            {
                Console.Error.WriteLine($"feedwatcher db restore: {e.Message}; the database is unchanged");
                return 1;
            }
            // A backup made by an older FeedWatcher is brought up to date; one made by a newer one is refused here.
            await host.Services.GetRequiredService<Migrator>().MigrateAsync();
            var s = await DatabaseStats.ReadAsync(host.Services.GetRequiredService<NpgsqlDataSource>());
            Console.WriteLine($"Restored database {s.Database} from {Path.GetFullPath(file)}: {Words.Bytes(s.Bytes)}, " +
                string.Join(", ", s.Tables.Where(t => t.Table is "feeds" or "items" or "hits").Select(t => $"{t.Rows.ToString("N0", CultureInfo.InvariantCulture)} {t.Table}")));
            return 0;
        }, dataCommand: true));
        return new Command("db", "FeedWatcher's database.") { stats, cleanup, backup, restore };
    }

    static DatabaseOptions Database(IHost host) => host.Services.GetRequiredService<IOptions<FeedWatcherOptions>>().Value.Database;

    static DatabaseBackup Backup(IHost host) => new(Database(host), host.Services.GetRequiredService<NpgsqlDataSource>(), host.Services.GetRequiredService<TimeProvider>());

    static string Day(DateTime? when) => when is { } w ? w.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "-";

    /// <summary>What a cleanup recorded it removed, in words.</summary>
    public static string Removed(string? json) => json is null ? "nothing recorded" : RetentionReport.FromJson(json).ToString();
}
