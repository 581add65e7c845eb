using Dapper;
using Npgsql;

namespace FeedWatcher.Storage;

/// <summary>Applies the numbered SQL files under Storage/Migrations in name order, each once, journaled in
/// <c>schema_migrations</c>. An advisory lock makes two instances starting at once take turns.</summary>
public sealed class Migrator(NpgsqlDataSource dataSource, ILogger<Migrator> logger)
{
    // Any fixed number shared by every FeedWatcher instance: the key of the advisory lock.
    const long LockKey = 0x46656564_57617463;

    /// <summary>Brings the schema up to date; returns the names of the migrations applied.</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@LockKey)", new { LockKey }, transaction);
        await connection.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    text PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, transaction: transaction);
        var applied = (await connection.QueryAsync<string>("SELECT version FROM schema_migrations", transaction: transaction)).ToHashSet();
        var known = Migrations();
        var unknown = applied.Except(known.Select(m => m.Version)).Order().ToList();
        if (unknown.Count > 0)
            throw new InvalidOperationException(
                $"the database has migrations this FeedWatcher does not know ({string.Join(", ", unknown)}): it was migrated by a newer version");

        var done = new List<string>();
        foreach (var (version, sql) in known.Where(m => !applied.Contains(m.Version)))
        {
            await connection.ExecuteAsync(sql, transaction: transaction);
            await connection.ExecuteAsync("INSERT INTO schema_migrations (version) VALUES (@version)", new { version }, transaction);
            logger.LogInformation("Applied migration {Migration}", version);
            done.Add(version);
        }
        await transaction.CommitAsync(cancellationToken);
        return done;
    }

    /// <summary>The SQL of one migration, by its version (<c>0011_cluster</c>).</summary>
    internal static string Script(string version) => Migrations().Single(m => m.Version == version).Sql;

    static List<(string Version, string Sql)> Migrations()
    {
        var assembly = typeof(Migrator).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("Migrations/", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return (Path.GetFileNameWithoutExtension(n), reader.ReadToEnd());
            })
            .ToList();
    }
}
