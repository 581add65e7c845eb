#!/usr/bin/env bash
# The poll-cycle benchmark: FeedWatcher and rss2email on the same loopback feed set, in one run.
#   bench/poll-cycle.sh [N] [R2E_N]       (defaults: 5000 feeds for FeedWatcher, 1000 for rss2email)
# Needs Debian's nginx-light, python3-lxml, rss2email and time, and ../shared/perf beside the checkout.
# Prints a table; the JSON of each run is kept in $FWPERF_ROOT/results.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-5000}"; R2E_N="${2:-1000}"
export FWPERF_ROOT="${FWPERF_ROOT:-/tmp/fwperf}"
PERF="../shared/perf"

for tool in nginx r2e /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y nginx-light rss2email time python3-lxml" >&2; exit 1; }
done
[ -f "$FWPERF_ROOT/manifest.tsv" ] || /usr/bin/python3 "$PERF/gen_feeds.py" --n 5000 --seed 1 --out "$FWPERF_ROOT/feeds"
bash "$PERF/nginx.sh" start

dotnet publish src/FeedWatcher -c Release -o "$FWPERF_ROOT/app" --nologo -v q
dotnet build bench/PollCycleBench -c Release --nologo -v q
results="$FWPERF_ROOT/results.jsonl"; : > "$results"

# rss2email: the same feeds, first run (all new) and second run (all 304).
r2e_dir="$FWPERF_ROOT/r2e"; rm -rf "$r2e_dir"; mkdir -p "$r2e_dir"
{
  printf '[DEFAULT]\nto = bench@example.org\n'
  sed -n "2,$((R2E_N + 1))p" "$FWPERF_ROOT/manifest.tsv" | while IFS=$'\t' read -r index file _; do
    printf '[feed.f%s]\nurl = http://127.0.0.1:18080/%s\n' "$index" "$file"
  done
} > "$r2e_dir/rss2email.cfg"
for phase in cold warm; do
  /usr/bin/time -f "%e %U %S %M" -o "$r2e_dir/time" r2e -c "$r2e_dir/rss2email.cfg" -d "$r2e_dir/data.json" run --no-send >/dev/null 2>"$r2e_dir/$phase.log" || true
  read -r wall user sys kb < "$r2e_dir/time"
  printf '{"tool":"rss2email","phase":"%s","feeds":%s,"wall_s":%s,"cpu_s":%s,"peak_mb":%s}\n' \
    "$phase" "$R2E_N" "$wall" "$(echo "$user + $sys" | bc)" "$(echo "scale=1; $kb / 1024" | bc)" >> "$results"
done

# FeedWatcher's cold cycle runs on a new PostgreSQL cluster, as on a new installation: a cluster reused from an
# earlier run carries its write-ahead log and checkpoints into the cycle (measured: about 40% more wall time).
rm -rf "$FWPERF_ROOT/pg"
for phase in cold warm; do
  dotnet bench/PollCycleBench/bin/Release/net10.0/PollCycleBench.dll "$phase" --feeds "$N" --app "$FWPERF_ROOT/app" --root "$FWPERF_ROOT" \
    | sed 's/^{/{"tool":"feedwatcher",/' >> "$results"
done

python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
r2e = {r["phase"]: r for r in rows if r["tool"] == "rss2email"}
print("| run | feeds | wall s | CPU s (own) | PostgreSQL CPU s | CPU ms per feed | feeds per CPU-second | feeds/s wall | peak MB | vs rss2email (CPU / wall) |")
print("|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    if r["tool"] == "rss2email":
        feeds, wall, cpu, pg = r["feeds"], r["wall_s"], r["cpu_s"], "-"
    else:
        c = r["cycle"]; feeds, wall, cpu, pg = c["feeds"], c["wall_s"], c["cpu_s"], r["postgres_cpu_s"]
    base = r2e[r["phase"]]
    ratio = "" if r["tool"] == "rss2email" else f'{(feeds / cpu) / (base["feeds"] / base["cpu_s"]):.1f}x / {(feeds / wall) / (base["feeds"] / base["wall_s"]):.1f}x'
    print(f'| {r["tool"]} {r["phase"]} | {feeds} | {wall:.2f} | {cpu:.2f} | {pg} | {1000 * cpu / feeds:.2f} | {feeds / cpu:.0f} | {feeds / wall:.0f} | {r["peak_mb"]} | {ratio} |')
PY
