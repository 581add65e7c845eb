// One poll cycle of the real feedwatcher binary (`feedwatcher poll --all --json`: fetch, parse, identify,
// match, store) over the feed set of ../shared/perf served by nginx on 127.0.0.1, against a PostgreSQL this
// harness runs, so that PostgreSQL's CPU can be shown beside FeedWatcher's. Run by bench/poll-cycle.sh and
// bench/cluster.sh:
//   PollCycleBench cold|warm|cluster --app DIR [--feeds N] [--base-url URL] [--root DIR] [--concurrency N] [--instances K]
// cold: a fresh database holding every feed, primed (as if polled before, so every item is matched), all 200.
// warm: the same database again, every feed due: all 304.
// cluster: as cold, polled by K `feedwatcher poll` processes at once on the one database, each claiming due feeds.
// cluster-warm: as cold, then K `feedwatcher run` workers on the one database; cycles over every feed warm them up
// (until each has polled a few hundred feeds and its runtime has stopped recompiling hot code), and the next, over
// every feed again (fetched whole, every item known already), is measured.
// --cleanup-items N: a `feedwatcher db cleanup` runs on the same database all through the cycle, over N items past
// their text's age under feeds no longer polled (prepared before the cycle; bench/retention.sh).
// --old-items N: the same N old items prepared, and no cleanup: the quiet side of the same database.
// --statements N (cold and warm): the server also counts the time of each statement (pg_stat_statements), and the N
// statements that took longest in the cycle are added to the JSON: calls, rows, milliseconds in all and per call.
// Prints one line of JSON.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using FeedWatcher.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

var phase = args.FirstOrDefault() ?? "cold";
string Arg(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
var count = int.Parse(Arg("--feeds", "5000"), CultureInfo.InvariantCulture);
var baseUrl = Arg("--base-url", "http://127.0.0.1:18080/");
var root = Arg("--root", "/tmp/fwperf");
var app = Arg("--app", Path.Combine(root, "app"));
var concurrency = Arg("--concurrency", "16");
var instances = int.Parse(Arg("--instances", "1"), CultureInfo.InvariantCulture);
var cleanupItems = int.Parse(Arg("--cleanup-items", "0"), CultureInfo.InvariantCulture);
var oldItems = Math.Max(cleanupItems, int.Parse(Arg("--old-items", "0"), CultureInfo.InvariantCulture));

var urls = File.ReadLines(Path.Combine(root, "manifest.tsv")).Skip(1).Take(count).Select(l => baseUrl + l.Split('\t')[1]).ToList();

var statements = int.Parse(Arg("--statements", "0"), CultureInfo.InvariantCulture);
await using var postgres = await PrivatePostgres.StartAsync(Path.Combine(root, "pg"), NullLogger.Instance,
    settings: statements > 0 ? new Dictionary<string, string> { ["shared_preload_libraries"] = "pg_stat_statements" } : null);
if (phase is "cold" or "cluster" or "cluster-warm")
{
    await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Database = "postgres" }.ConnectionString);
    await admin.OpenAsync();
    await admin.ExecuteAsync("DROP DATABASE IF EXISTS bench WITH (FORCE)");
}
var connectionString = await postgres.CreateDatabaseAsync("bench");
await using (var dataSource = NpgsqlDataSource.Create(connectionString))
{
    await new Migrator(dataSource, NullLogger<Migrator>.Instance).MigrateAsync();
    if (phase is "cold" or "cluster" or "cluster-warm")
    {
        await new FeedStore(dataSource).ImportAsync(urls.Select(u => (u, (string?)null)).ToList(), DateTime.UtcNow);
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("UPDATE feeds SET primed = true"); // match every item, as for feeds polled before
    }
}

// The app runs with the shipped appsettings.json less its feeds; the feeds above are imported ones.
var settings = JsonNode.Parse(File.ReadAllText(Path.Combine(app, "appsettings.json")))!;
settings["FeedWatcher"]!["Feeds"] = new JsonArray();
File.WriteAllText(Path.Combine(app, "appsettings.json"), settings.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

var pgBefore = PostgresCpu(postgres.Directory);
if (phase == "cluster")
{
    // K instances at once, each polling what is due (all of it, at first) and claiming what it polls.
    var started = Stopwatch.StartNew();
    // One host serves every feed here: its cap is set above what the instances fetch together, as for feeds of many hosts.
    var runs = await Task.WhenAll(Enumerable.Range(0, instances).Select(i => RunAsync(["poll", "--json"], $"state{i}", [$"--FeedWatcher:Polling:MaxPerHost={int.Parse(concurrency, CultureInfo.InvariantCulture) * 4}"])));
    var wall = started.Elapsed.TotalSeconds;
    var pg = PostgresCpu(postgres.Directory) - pgBefore;
    var polled = runs.Sum(r => (int)r.Cycle["feeds"]!);
    await using var check = NpgsqlDataSource.Create(connectionString);
    await using var connection = await check.OpenConnectionAsync();
    var stillDue = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM feeds WHERE next_poll_at <= now()");
    var cpu = runs.Sum(r => r.Cpu);
    Console.WriteLine(new JsonObject
    {
        ["phase"] = "cluster", ["instances"] = instances, ["feeds"] = count, ["polled"] = polled, ["duplicates"] = polled - count + stillDue, ["not_polled"] = stillDue,
        ["wall_s"] = Math.Round(wall, 2), ["process_cpu_s"] = Math.Round(cpu, 2), ["postgres_cpu_s"] = Math.Round(pg, 2),
        ["cpu_ms_per_feed"] = Math.Round(cpu * 1000 / count, 2), ["with_postgres_ms_per_feed"] = Math.Round((cpu + pg) * 1000 / count, 2),
        ["cycle_cpu_ms_per_feed"] = Math.Round(runs.Sum(r => (double)r.Cycle["cpu_s"]!) * 1000 / count, 2),
        ["per_instance"] = new JsonArray([.. runs.Select(r => (JsonNode)r.Cycle["feeds"]!.GetValue<int>())]),
    }.ToJsonString());
    return 0;
}
// Old items, for a cleanup to work through beside the cycle (or none, the quiet side): first seen half a year ago, none a
// hit, their feeds moved on.
Process? cleanup = null;
Stopwatch? cleanupWatch = null;
if (oldItems > 0)
{
    // The old items are the cycle's database's own, under feeds no longer polled, so that the cleanup sees the cycle's
    // claims; their ids come before the cycle's items', as they would have been seen before them.
    await using (var cleanupSource = NpgsqlDataSource.Create(connectionString))
    {
        await using var connection = await cleanupSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO feeds (url, source, last_body_at) SELECT 'http://old.example/' || f, 'removed', now() FROM generate_series(1, 1000) f
            ON CONFLICT (url) DO NOTHING
            """);
        await connection.ExecuteAsync("""
            INSERT INTO items (id, feed_id, item_key, title, link, summary, published_at, first_seen_at) OVERRIDING SYSTEM VALUE
            SELECT n, (SELECT min(id) FROM feeds WHERE url LIKE 'http://old.example/%') + n % 1000, 'old-' || n, 'An old story, number ' || n, 'http://old.example/story/' || n,
                   repeat('The summary of an old story that nobody reads any more. ', 8), now() - interval '180 days', now() - interval '180 days'
            FROM generate_series(1, @Count) n
            ON CONFLICT (feed_id, item_key) DO UPDATE SET title = EXCLUDED.title, link = EXCLUDED.link, summary = EXCLUDED.summary, text_dropped_at = NULL
            WHERE items.text_dropped_at IS NOT NULL
            """, new { Count = oldItems }, commandTimeout: 0);
        // Ids in the order items were seen: the old ones first, whatever the cycle before added.
        await connection.ExecuteAsync("SELECT setval(pg_get_serial_sequence('items', 'id'), greatest(@Count, (SELECT max(id) FROM items)))", new { Count = oldItems });
        await connection.ExecuteAsync("VACUUM ANALYZE items");
        await connection.ExecuteAsync("CHECKPOINT", commandType: System.Data.CommandType.Text); // the million rows written here are on disk before the cycle, not flushed during it
    }
    using (var sync = Process.Start("sync")!) await sync.WaitForExitAsync(); // and the system has written them back
    pgBefore = PostgresCpu(postgres.Directory);
}
if (cleanupItems > 0)
{
    cleanup = Process.Start(new ProcessStartInfo(Path.Combine(app, "feedwatcher"), ["db", "cleanup", $"--FeedWatcher:Database:ConnectionString={connectionString}",
        $"--FeedWatcher:StateDirectory={Path.Combine(root, "cleanup-state")}"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
    cleanupWatch = Stopwatch.StartNew();
    // Under way before the cycle starts (its first batch done), as a cleanup of the worker's own would be: the cycle is
    // measured beside the cleanup's work, not beside the start of another process.
    await using (var watch = NpgsqlDataSource.Create(connectionString))
    await using (var connection = await watch.OpenConnectionAsync())
        while (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM items WHERE item_key LIKE 'old-%' AND text_dropped_at IS NULL") >= cleanupItems
               && cleanupWatch.Elapsed < TimeSpan.FromSeconds(60))
            await Task.Delay(100);
    Console.Error.WriteLine($"cleanup under way after {cleanupWatch.Elapsed.TotalSeconds:0.0} s");
    pgBefore = PostgresCpu(postgres.Directory); // from the cycle's start: the cleanup's share during the cycle
}
if (phase == "cluster-warm")
{
    await using var check = NpgsqlDataSource.Create(connectionString);
    await using var connection = await check.OpenConnectionAsync();
    await connection.ExecuteAsync("UPDATE feeds SET next_poll_at = now() + interval '1 day'"); // nothing due until all have started
    var polled = Enumerable.Range(0, instances).Select(_ => new List<(DateTime At, int Feeds)>()).ToList();
    var workers = new List<Process>();
    var started = new CountdownEvent(instances);
    for (var i = 0; i < instances; i++)
    {
        var index = i;
        var worker = new Process
        {
            StartInfo = new ProcessStartInfo(Path.Combine(app, "feedwatcher"), ["run",
                $"--FeedWatcher:Database:ConnectionString={connectionString}", $"--FeedWatcher:StateDirectory={Path.Combine(root, $"worker{i}")}",
                $"--FeedWatcher:Polling:MaxConcurrency={concurrency}", $"--FeedWatcher:Polling:MaxPerHost={int.Parse(concurrency, CultureInfo.InvariantCulture) * 4}",
                "--FeedWatcher:Polling:CheckInterval=00:00:01", $"--FeedWatcher:Polling:AllowPrivateNetworks:0={new Uri(baseUrl).Host}"])
            { RedirectStandardOutput = true, RedirectStandardError = true },
        };
        worker.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line) return;
            if (line.Contains("Polling ", StringComparison.Ordinal) && line.Contains("configured feeds", StringComparison.Ordinal)) started.Signal();
            var at = line.IndexOf("Polled ", StringComparison.Ordinal);
            if (at >= 0 && int.TryParse(line[(at + 7)..].Split(' ')[0], CultureInfo.InvariantCulture, out var feeds))
                lock (polled[index]) polled[index].Add((DateTime.UtcNow, feeds));
        };
        worker.ErrorDataReceived += (_, _) => { };
        worker.Start();
        worker.BeginOutputReadLine();
        worker.BeginErrorReadLine();
        workers.Add(worker);
    }
    if (!started.Wait(TimeSpan.FromSeconds(120))) throw new TimeoutException("the workers did not start");

    // Every feed due and fetched whole; until every one is polled and stored.
    async Task<(double Wall, double[] Cpu, double Postgres, int[] Feeds)> CycleAsync()
    {
        var cpuBefore = workers.Select(w => ProcessCpu(w.Id)).ToArray();
        var pg0 = PostgresCpu(postgres.Directory);
        var since = DateTime.UtcNow;
        var watch = Stopwatch.StartNew();
        await connection.ExecuteAsync("UPDATE feeds SET next_poll_at = now(), etag = NULL, last_modified = NULL");
        while (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM feeds WHERE next_poll_at <= now() OR claimed_until IS NOT NULL") > 0)
        {
            if (watch.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException("the cycle did not end");
            await Task.Delay(50);
        }
        var wall = watch.Elapsed.TotalSeconds;
        await Task.Delay(300); // the last cycle's log lines
        return (wall, [.. workers.Select((w, i) => ProcessCpu(w.Id) - cpuBefore[i])], PostgresCpu(postgres.Directory) - pg0,
            [.. polled.Select(p => { lock (p) return p.Where(x => x.At >= since).Sum(x => x.Feeds); })]);
    }
    // Warmed up as a service is: every instance has polled a few hundred feeds, and the runtime has stopped recompiling
    // hot code (.NET's tiered compilation, on a thread of its own, took under 50 ms of one cycle in every instance).
    // Until then each process spends up to half a second of a cycle compiling, and four processes four times that.
    const int WarmUpFeeds = 300, MaxWarmUps = 12;
    const double Compiled = 0.05;
    var warmedUp = new int[instances];
    var warmUps = 0;
    double[] compiling;
    do
    {
        var before = workers.Select(w => TieredCompilationCpu(w.Id)).ToArray();
        var warmUp = await CycleAsync();
        compiling = [.. workers.Select((w, i) => CompilingBetween(before[i], TieredCompilationCpu(w.Id)))];
        for (var i = 0; i < instances; i++) warmedUp[i] += warmUp.Feeds[i];
        warmUps++;
    }
    while (warmUps < MaxWarmUps && (warmedUp.Min() < WarmUpFeeds || compiling.Max() >= Compiled));
    var compiledBefore = workers.Select(w => TieredCompilationCpu(w.Id)).ToArray();
    var measured = await CycleAsync();
    var measuredCompiling = workers.Select((w, i) => CompilingBetween(compiledBefore[i], TieredCompilationCpu(w.Id))).ToArray();
    foreach (var worker in workers) worker.Kill(entireProcessTree: true);
    Console.WriteLine(new JsonObject
    {
        ["phase"] = "cluster-warm", ["instances"] = instances, ["feeds"] = count, ["polled"] = measured.Feeds.Sum(),
        ["wall_s"] = Math.Round(measured.Wall, 2), ["process_cpu_s"] = Math.Round(measured.Cpu.Sum(), 2), ["postgres_cpu_s"] = Math.Round(measured.Postgres, 2),
        ["cpu_ms_per_feed"] = Math.Round(measured.Cpu.Sum() * 1000 / count, 2), ["with_postgres_ms_per_feed"] = Math.Round((measured.Cpu.Sum() + measured.Postgres) * 1000 / count, 2),
        ["per_instance"] = new JsonArray([.. measured.Feeds.Select(f => (JsonNode)f)]),
        ["cpu_s_per_instance"] = new JsonArray([.. measured.Cpu.Select(c => (JsonNode)Math.Round(c, 2))]),
        ["warm_up_cycles"] = warmUps, ["warm_up_feeds_per_instance"] = new JsonArray([.. warmedUp.Select(f => (JsonNode)f)]),
        ["tiered_compilation_s_per_instance"] = new JsonArray([.. workers.Select((w, i) => (JsonNode)Math.Round(measuredCompiling[i], 2))]),
    }.ToJsonString());
    return 0;
}

if (statements > 0)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.ExecuteAsync("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()");
}
var start = new ProcessStartInfo("/usr/bin/time", ["-f", "TIME %e %U %S %M", Path.Combine(app, "feedwatcher"), "poll", "--all", "--json",
    $"--FeedWatcher:Database:ConnectionString={connectionString}", $"--FeedWatcher:StateDirectory={Path.Combine(root, "state")}",
    $"--FeedWatcher:Polling:MaxConcurrency={concurrency}", $"--FeedWatcher:Polling:MaxPerHost={concurrency}",
    $"--FeedWatcher:Polling:AllowPrivateNetworks:0={new Uri(baseUrl).Host}"])
{ RedirectStandardOutput = true, RedirectStandardError = true };
using var child = Process.Start(start)!;
var stdout = child.StandardOutput.ReadToEndAsync();
var stderr = child.StandardError.ReadToEndAsync();
await child.WaitForExitAsync();
var pgCpu = PostgresCpu(postgres.Directory) - pgBefore;
var cleanupRunning = cleanup is { HasExited: false };
if (cleanup is not null)
{
    var cleanupOutput = cleanup.StandardOutput.ReadToEndAsync();
    await cleanup.WaitForExitAsync();
    Console.Error.WriteLine($"cleanup beside the cycle: {(await cleanupOutput).Trim()} in {cleanupWatch!.Elapsed.TotalSeconds:0.0} s");
}
var cycle = JsonNode.Parse((await stdout).Trim().Split('\n').Last())!.AsObject();
var time = (await stderr).Split('\n').Last(l => l.StartsWith("TIME ", StringComparison.Ordinal)).Split(' ');
var result = new JsonObject
{
    ["phase"] = phase,
    ["cycle"] = cycle.DeepClone(),
    ["process_wall_s"] = double.Parse(time[1], CultureInfo.InvariantCulture),
    ["process_cpu_s"] = Math.Round(double.Parse(time[2], CultureInfo.InvariantCulture) + double.Parse(time[3], CultureInfo.InvariantCulture), 2),
    ["peak_mb"] = Math.Round(double.Parse(time[4], CultureInfo.InvariantCulture) / 1024, 1),
    ["postgres_cpu_s"] = Math.Round(pgCpu, 2),
    ["cleanup_items"] = cleanupItems, ["old_items"] = oldItems,
    ["cleanup_ran_throughout"] = cleanup is not null ? cleanupRunning : null,
    ["cleanup_s"] = cleanupWatch is null ? null : Math.Round(cleanupWatch.Elapsed.TotalSeconds, 1),
};
if (statements > 0)
{
    await using var connection = new NpgsqlConnection(connectionString);
    var top = await connection.QueryAsync<(long Calls, long Rows, double Ms, string Query)>("""
        SELECT calls, rows, total_exec_time, regexp_replace(query, '\s+', ' ', 'g') FROM pg_stat_statements
        WHERE query NOT LIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC LIMIT @Statements
        """, new { Statements = statements });
    result["statements"] = new JsonArray([.. top.Select(t => (JsonNode)new JsonObject
    {
        ["calls"] = t.Calls, ["rows"] = t.Rows, ["ms"] = Math.Round(t.Ms, 1), ["ms_per_call"] = Math.Round(t.Ms / t.Calls, 3),
        ["query"] = t.Query.Length > 100 ? t.Query[..100] : t.Query,
    })]);
}
Console.WriteLine(result.ToJsonString());
return 0;

// One feedwatcher process (its own state directory), measured with GNU time: its cycle's JSON and its CPU seconds.
async Task<(JsonObject Cycle, double Cpu)> RunAsync(string[] command, string stateName, string[] overrides)
{
    var info = new ProcessStartInfo("/usr/bin/time", ["-f", "TIME %e %U %S %M", Path.Combine(app, "feedwatcher"), .. command,
        $"--FeedWatcher:Database:ConnectionString={connectionString}", $"--FeedWatcher:StateDirectory={Path.Combine(root, stateName)}",
        $"--FeedWatcher:Polling:MaxConcurrency={concurrency}", $"--FeedWatcher:Polling:MaxPerHost={concurrency}",
        $"--FeedWatcher:Polling:AllowPrivateNetworks:0={new Uri(baseUrl).Host}", .. overrides])
    { RedirectStandardOutput = true, RedirectStandardError = true };
    using var process = Process.Start(info)!;
    var output = process.StandardOutput.ReadToEndAsync();
    var errors = process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    var fields = (await errors).Split('\n').Last(l => l.StartsWith("TIME ", StringComparison.Ordinal)).Split(' ');
    return (JsonNode.Parse((await output).Trim().Split('\n').Last())!.AsObject(),
        double.Parse(fields[2], CultureInfo.InvariantCulture) + double.Parse(fields[3], CultureInfo.InvariantCulture));
}

// The fields of a /proc stat file after the command name: user time is [11], system time [12], children's [13] and [14].
static long[] StatFields(string path)
{
    var stat = File.ReadAllText(path);
    return [.. stat[(stat.LastIndexOf(')') + 2)..].Split(' ').Select(f => long.TryParse(f, CultureInfo.InvariantCulture, out var n) ? n : 0)];
}

// user + system seconds of one process.
static double ProcessCpu(int pid)
{
    var fields = StatFields($"/proc/{pid}/stat");
    return (fields[11] + fields[12]) / 100.0;
}

// user + system seconds of a .NET process's tiered-compilation thread (the one that recompiles hot code optimized).
// The runtime ends that thread after a few idle seconds and starts another when there is work again.
static double TieredCompilationCpu(int pid)
{
    var ticks = 0L;
    foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
    {
        try
        {
            if (File.ReadAllText(Path.Combine(task, "comm")).Trim() != ".NET Tiered Com") continue;
            var fields = StatFields(Path.Combine(task, "stat"));
            ticks += fields[11] + fields[12];
        }
        catch (IOException) { } // the thread ended
    }
    return ticks / 100.0;
}

// How long tiered compilation ran between two readings: a thread that ended in between took its time with it, and the
// second reading is then all that is known.
static double CompilingBetween(double before, double after) => after >= before ? after - before : after;

// user + system seconds of the cluster's processes (the postmaster, its live children, and those that ended).
static double PostgresCpu(string directory)
{
    var postmaster = int.Parse(File.ReadLines(Path.Combine(directory, "data", "postmaster.pid")).First(), CultureInfo.InvariantCulture);
    var ticks = 0L;
    foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
    {
        try
        {
            var fields = StatFields(Path.Combine(dir, "stat"));
            var pid = int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture);
            if (pid == postmaster)
                ticks += fields[11] + fields[12] + fields[13] + fields[14];
            else if (fields[1] == postmaster)
                ticks += fields[11] + fields[12];
        }
        catch (IOException) { }
    }
    return ticks / 100.0;
}
