#!/usr/bin/env bash
# Retention: (1) a year of polling 1,000 feeds simulated straight into the database, the database's size with
# everything kept and with the default FeedWatcher:Retention, side by side (bench/RetentionBench); (2) the poll cycle
# of bench/poll-cycle.sh (5,000 feeds, cold and warm) on a database that also holds a million old items, quiet and with a
# cleanup working through them all through the cycle, side by side in each round.
#   bench/retention.sh [ROUNDS] [DAYS]     (DAYS 0: the poll cycle only) Needs nginx-light, time and ../shared/perf beside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-2}"; DAYS="${2:-365}"
export FWPERF_ROOT="${FWPERF_ROOT:-/tmp/fwperf}"
PERF="../shared/perf"
[ -f "$FWPERF_ROOT/manifest.tsv" ] || /usr/bin/python3 "$PERF/gen_feeds.py" --n 5000 --seed 1 --out "$FWPERF_ROOT/feeds"

# The year with everything kept does not depend on the policy: measured once, kept in $FWPERF_ROOT/kept.tsv.
if [ "$DAYS" -gt 0 ]; then
  dotnet run -c Release --project bench/RetentionBench -- --days "$DAYS" --root "$FWPERF_ROOT" --kept "$FWPERF_ROOT/kept-$DAYS.tsv"
  echo
fi

bash "$PERF/nginx.sh" start >/dev/null
dotnet publish src/FeedWatcher -c Release -o "$FWPERF_ROOT/app" --nologo -v q
dotnet build bench/PollCycleBench -c Release --nologo -v q >/dev/null
printf '| round | cycle | server | wall s | CPU s (own) | PostgreSQL CPU s (with the cleanup'"'"'s) | feeds/s wall | cleanup ran all through |\n|---|---|---|---|---|---|---|---|\n'
for round in $(seq 1 "$ROUNDS"); do
  # The same database on both sides: a million old items of feeds no longer polled, with a cleanup working through them or not.
  for side in old cleanup; do
    rm -rf "$FWPERF_ROOT/pg"
    for phase in cold warm; do
      dotnet bench/PollCycleBench/bin/Release/net10.0/PollCycleBench.dll "$phase" --feeds 5000 --app "$FWPERF_ROOT/app" --root "$FWPERF_ROOT" "--$side-items" 1000000 2>/dev/null \
        | python3 -c "import json,sys; r=json.loads(sys.stdin.read().strip().splitlines()[-1]); c=r['cycle']; print(f\"| $round | $phase | {'quiet' if r['cleanup_items'] == 0 else 'cleanup under way'} | {c['wall_s']:.2f} | {c['cpu_s']:.2f} | {r['postgres_cpu_s']:.2f} | {c['feeds'] / c['wall_s']:,.0f} | {'-' if r['cleanup_ran_throughout'] is None else ('yes, %.0f s' % r['cleanup_s'] if r['cleanup_ran_throughout'] else 'no, %.0f s' % r['cleanup_s'])} |\")"
    done
  done
done
bash "$PERF/nginx.sh" stop >/dev/null
