#!/usr/bin/env bash
# The poll-cycle benchmark: FeedWatcher and rss2email on the same loopback feed set, in one run.
#   bench/poll-cycle.sh [N] [R2E_N] [ROUNDS]   (defaults: 5000 feeds for FeedWatcher, 1000 for rss2email, 3 rounds)
# Each round measures rss2email and then FeedWatcher, cold and warm, so that every ratio compares two
# measurements minutes apart: the machine's speed drifts by a fifth or more over a run.
# Needs Debian's nginx-light, python3-lxml, rss2email and time, and ../shared/perf beside the checkout.
# Prints a table; the JSON of each run is kept in $FWPERF_ROOT/results.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-5000}"; R2E_N="${2:-1000}"; ROUNDS="${3:-3}"
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

for round in $(seq 1 "$ROUNDS"); do
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
    printf '{"round":%s,"tool":"rss2email","phase":"%s","feeds":%s,"wall_s":%s,"cpu_s":%s,"peak_mb":%s}\n' \
      "$round" "$phase" "$R2E_N" "$wall" "$(awk "BEGIN { printf \"%.2f\", $user + $sys }")" "$(awk "BEGIN { printf \"%.1f\", $kb / 1024 }")" >> "$results"
  done

  # FeedWatcher's cold cycle runs on a new PostgreSQL cluster, as on a new installation: a cluster reused from an
  # earlier run carries its write-ahead log and checkpoints into the cycle (measured: about 40% more wall time).
  rm -rf "$FWPERF_ROOT/pg"
  for phase in cold warm; do
    dotnet bench/PollCycleBench/bin/Release/net10.0/PollCycleBench.dll "$phase" --feeds "$N" --app "$FWPERF_ROOT/app" --root "$FWPERF_ROOT" \
      | sed "s/^{/{\"round\":$round,\"tool\":\"feedwatcher\",/" >> "$results"
  done
done

python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def figures(r):
    if r["tool"] == "rss2email":
        return r["feeds"], r["wall_s"], r["cpu_s"], "-"
    c = r["cycle"]
    return c["feeds"], c["wall_s"], c["cpu_s"], r["postgres_cpu_s"]
baseline = {(r["round"], r["phase"]): r for r in rows if r["tool"] == "rss2email"}
ratios = {}
print("| round | run | feeds | wall s | CPU s (own) | PostgreSQL CPU s | CPU ms per feed | feeds per CPU-second | feeds/s wall | peak MB | vs rss2email in this round (CPU / wall) |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    feeds, wall, cpu, pg = figures(r)
    ratio = ""
    if r["tool"] == "feedwatcher":
        bfeeds, bwall, bcpu, _ = figures(baseline[(r["round"], r["phase"])])
        cpu_x, wall_x = (feeds / cpu) / (bfeeds / bcpu), (feeds / wall) / (bfeeds / bwall)
        ratios.setdefault(r["phase"], []).append((cpu_x, wall_x, r["peak_mb"]))
        ratio = f"{cpu_x:.1f}x / {wall_x:.1f}x"
    print(f'| {r["round"]} | {r["tool"]} {r["phase"]} | {feeds} | {wall:.2f} | {cpu:.2f} | {pg} | {1000 * cpu / feeds:.2f} | {feeds / cpu:.0f} | {feeds / wall:.0f} | {r["peak_mb"]} | {ratio} |')
print()
for phase, values in ratios.items():
    cpu_x, wall_x, peak = (statistics.median(v[i] for v in values) for i in range(3))
    print(f"FeedWatcher {phase}, median of {len(values)} rounds: {cpu_x:.1f}x rss2email per CPU-second, {wall_x:.1f}x per wall second, peak {peak:.1f} MB")
PY
