#!/usr/bin/env bash
# Several instances on one database: one cold cycle over N loopback feeds (default 2,000, of ../shared/perf, served by
# nginx on 127.0.0.1) polled by 1, 2 and 4 `feedwatcher poll` processes at once, each claiming the due feeds it polls.
# Side by side in one run: wall time, CPU per feed (FeedWatcher's, and with PostgreSQL's), how the feeds were shared,
# and duplicate fetches (feeds polled twice, or not at all). On a 2-core machine wall time cannot scale past 2
# instances; what must hold is CPU per feed staying flat and no duplicates.
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
printf '| round | instances | wall s | CPU ms per feed: cycles | cycles less JIT | processes | with PostgreSQL | feeds per instance | duplicates / not polled |\n|---|---|---|---|---|---|---|---|---|\n'
for round in $(seq 1 "$ROUNDS"); do
  for k in 1 2 4; do
    dotnet bench/PollCycleBench/bin/Release/net10.0/PollCycleBench.dll cluster --instances "$k" --feeds "$N" --app "$FWPERF_ROOT/app" --root "$FWPERF_ROOT" \
      | python3 -c "import json,sys; r=json.loads(sys.stdin.read().strip().splitlines()[-1]); print(f\"| $round | {r['instances']} | {r['wall_s']:.2f} | {r['cycle_cpu_ms_per_feed']:.2f} | {r['cycle_cpu_less_jit_ms_per_feed']:.2f} | {r['cpu_ms_per_feed']:.2f} | {r['with_postgres_ms_per_feed']:.2f} | {', '.join(map(str, r['per_instance']))} | {r['duplicates']} / {r['not_polled']} |\")"
  done
done
bash "$PERF/nginx.sh" stop >/dev/null
