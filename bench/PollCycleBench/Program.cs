// One poll cycle of the real feedwatcher binary (`feedwatcher poll --all --json`: fetch, parse, identify,
// match, store) over the feed set of ../shared/perf served by nginx on 127.0.0.1, against a PostgreSQL this
// harness runs, so that PostgreSQL's CPU can be shown beside FeedWatcher's. Run by bench/poll-cycle.sh and
// bench/cluster.sh:
//   PollCycleBench cold|warm|cluster --app DIR [--feeds N] [--base-url URL] [--root DIR] [--concurrency N] [--instances K]
// cold: a fresh database holding every feed, primed (as if polled before, so every item is matched), all 200.
// warm: the same database again, every feed due: all 304.
// cluster: as cold, polled by K `feedwatcher poll` processes at once on the one database, each claiming due feeds.
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

var urls = File.ReadLines(Path.Combine(root, "manifest.tsv")).Skip(1).Take(count).Select(l => baseUrl + l.Split('\t')[1]).ToList();

await using var postgres = await PrivatePostgres.StartAsync(Path.Combine(root, "pg"), NullLogger.Instance);
if (phase is "cold" or "cluster")
{
    await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Database = "postgres" }.ConnectionString);
    await admin.OpenAsync();
    await admin.ExecuteAsync("DROP DATABASE IF EXISTS bench WITH (FORCE)");
}
var connectionString = await postgres.CreateDatabaseAsync("bench");
await using (var dataSource = NpgsqlDataSource.Create(connectionString))
{
    await new Migrator(dataSource, NullLogger<Migrator>.Instance).MigrateAsync();
    if (phase is "cold" or "cluster")
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
        // Each process compiles its hot code once, over however few feeds it polls: a long-running service pays that once.
        ["cycle_cpu_less_jit_ms_per_feed"] = Math.Round(runs.Sum(r => (double)r.Cycle["cpu_s"]! - (double)r.Cycle["jit_s"]!) * 1000 / count, 2),
        ["per_instance"] = new JsonArray([.. runs.Select(r => (JsonNode)r.Cycle["feeds"]!.GetValue<int>())]),
    }.ToJsonString());
    return 0;
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
};
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

// user + system seconds of the cluster's processes (the postmaster, its live children, and those that ended).
static double PostgresCpu(string directory)
{
    var postmaster = int.Parse(File.ReadLines(Path.Combine(directory, "data", "postmaster.pid")).First(), CultureInfo.InvariantCulture);
    var ticks = 0L;
    foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
    {
        try
        {
            var stat = File.ReadAllText(Path.Combine(dir, "stat"));
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var pid = int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture);
            if (pid == postmaster)
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
                       + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
            else if (fields[1] == postmaster.ToString(CultureInfo.InvariantCulture))
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
    }
    return ticks / 100.0;
}
