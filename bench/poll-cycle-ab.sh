#!/usr/bin/env bash
# FeedWatcher's poll cycle, two builds side by side: an earlier commit and this checkout's HEAD, cold and warm, each
# on a new PostgreSQL cluster, alternating in every round so that both see the same stretch of the machine.
#   bench/poll-cycle-ab.sh BASE_COMMIT [ROUNDS]   (default 3 rounds; 5,000 feeds of ../shared/perf, as bench/poll-cycle.sh)
# Each build is checked out apart (git worktree under $FWPERF_ROOT/ab) and measured with its own bench/PollCycleBench.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE="${1:?usage: bench/poll-cycle-ab.sh BASE_COMMIT [ROUNDS]}"; ROUNDS="${2:-3}"
export FWPERF_ROOT="${FWPERF_ROOT:-/tmp/fwperf}"
PERF="../shared/perf"
[ -f "$FWPERF_ROOT/manifest.tsv" ] || /usr/bin/python3 "$PERF/gen_feeds.py" --n 5000 --seed 1 --out "$FWPERF_ROOT/feeds"
bash "$PERF/nginx.sh" start >/dev/null

declare -A commits=([base]="$(git rev-parse "$BASE")" [head]="$(git rev-parse HEAD)")
for build in base head; do
  tree="$FWPERF_ROOT/ab/$build"
  git worktree remove --force "$tree" 2>/dev/null || rm -rf "$tree"
  git worktree add --detach "$tree" "${commits[$build]}" -q
  (cd "$tree" && dotnet publish src/FeedWatcher -c Release -o "$FWPERF_ROOT/ab/$build-app" --nologo -v q >/dev/null \
     && dotnet build bench/PollCycleBench -c Release --nologo -v q >/dev/null)
done

printf '| round | build | run | wall s | CPU s (own) | PostgreSQL CPU s | feeds/s wall |\n|---|---|---|---|---|---|---|\n'
for round in $(seq 1 "$ROUNDS"); do
  for build in base head; do
    rm -rf "$FWPERF_ROOT/pg"
    for phase in cold warm; do
      dotnet "$FWPERF_ROOT/ab/$build/bench/PollCycleBench/bin/Release/net10.0/PollCycleBench.dll" "$phase" --feeds 5000 \
          --app "$FWPERF_ROOT/ab/$build-app" --root "$FWPERF_ROOT" 2>/dev/null \
        | python3 -c "import json,sys; r=json.loads(sys.stdin.read().strip().splitlines()[-1]); c=r['cycle']; print(f\"| $round | $build ${commits[$build]:0:7} | $phase | {c['wall_s']:.2f} | {c['cpu_s']:.2f} | {r['postgres_cpu_s']:.2f} | {c['feeds'] / c['wall_s']:,.0f} |\", flush=True)"
    done
  done
done
for build in base head; do git worktree remove --force "$FWPERF_ROOT/ab/$build"; done
bash "$PERF/nginx.sh" stop >/dev/null
