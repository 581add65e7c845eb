#!/usr/bin/env bash
# Several instances on one database, over N loopback feeds (default 2,000, of ../shared/perf, served by nginx on
# 127.0.0.1), with 1, 2 and 4 instances side by side in each round:
#  - cold: one cycle of K `feedwatcher poll` processes started at once, each claiming the due feeds it polls: wall
#    time, CPU per feed (the cycles', the processes', with PostgreSQL's), how the feeds were shared, and duplicate
#    fetches (feeds polled twice, or not at all);
#  - warmed up: K `feedwatcher run` workers; after one cycle over every feed, the next (every feed fetched whole, its
#    items known) is measured: CPU per feed of instances whose code is compiled, as a service's is.
# On a 2-core machine wall time cannot scale past 2 instances; what must hold is CPU per feed staying flat and no duplicates.
#   bench/cluster.sh [N] [ROUNDS]     Needs nginx-light, time and ../shared/perf beside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-2000}"; ROUNDS="${2:-1}"
export FWPERF_ROOT="${FWPERF_ROOT:-/tmp/fwperf}"
PERF="../shared/perf"
[ -f "$FWPERF_ROOT/manifest.tsv" ] || /usr/bin/python3 "$PERF/gen_feeds.py" --n 5000 --seed 1 --out "$FWPERF_ROOT/feeds"
bash "$PERF/nginx.sh" start >/dev/null
dotnet publish src/FeedWatcher -c Release -o "$FWPERF_ROOT/app" --nologo -v q
dotnet build bench/PollCycleBench -c Release --nologo -v q >/dev/null
bench() { dotnet bench/PollCycleBench/bin/Release/net10.0/PollCycleBench.dll "$@" --feeds "$N" --app "$FWPERF_ROOT/app" --root "$FWPERF_ROOT" | tail -1; }
printf '| round | cycle | instances | wall s | CPU ms per feed: cycles | processes | with PostgreSQL | feeds per instance | duplicates / not polled |\n|---|---|---|---|---|---|---|---|---|\n'
for round in $(seq 1 "$ROUNDS"); do
  for k in 1 2 4; do
    bench cluster --instances "$k" \
      | python3 -c "import json,sys; r=json.loads(sys.stdin.read()); print(f\"| $round | cold | {r['instances']} | {r['wall_s']:.2f} | {r['cycle_cpu_ms_per_feed']:.2f} | {r['cpu_ms_per_feed']:.2f} | {r['with_postgres_ms_per_feed']:.2f} | {', '.join(map(str, r['per_instance']))} | {r['duplicates']} / {r['not_polled']} |\")"
  done
  for k in 1 2 4; do
    bench cluster-warm --instances "$k" \
      | python3 -c "import json,sys; r=json.loads(sys.stdin.read()); print(f\"| $round | warmed up | {r['instances']} | {r['wall_s']:.2f} | - | {r['cpu_ms_per_feed']:.2f} | {r['with_postgres_ms_per_feed']:.2f} | {', '.join(map(str, r['per_instance']))} | - |\")"
  done
done
bash "$PERF/nginx.sh" stop >/dev/null
