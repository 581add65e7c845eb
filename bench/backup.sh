#!/usr/bin/env bash
# Backup and restore of a year's database: bench/RetentionBench's database of 1,000 feeds after a simulated year with
# the default retention (left by bench/retention.sh; made here when missing), backed up with `feedwatcher db backup`
# and restored with `feedwatcher db restore` into a new database of the same server. Prints the database's size, the
# backup's, both wall times, and the rows of the main tables in the original and the restored database.
#   bench/backup.sh      Needs ../shared/perf beside the checkout (for the item texts) and time.
set -euo pipefail
cd "$(dirname "$0")/.."
export FWPERF_ROOT="${FWPERF_ROOT:-/tmp/fwperf}"
PG="$FWPERF_ROOT/retention-pg"
[ -f "$FWPERF_ROOT/manifest.tsv" ] || /usr/bin/python3 ../shared/perf/gen_feeds.py --n 5000 --seed 1 --out "$FWPERF_ROOT/feeds"
[ -d "$PG/data/base" ] || dotnet run -c Release --project bench/RetentionBench -- --days 365 --root "$FWPERF_ROOT" --kept "$FWPERF_ROOT/kept-365.tsv" >&2
dotnet publish src/FeedWatcher -c Release -o "$FWPERF_ROOT/app" --nologo -v q >&2

bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u "$(stat -c %U "$PG/data")" -- "$@"; else "$@"; fi; }
port=$((20000 + RANDOM % 20000))
as_owner "$bin/pg_ctl" -D "$PG/data" -l "$PG/backup-bench.log" -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=" start -w >/dev/null
trap 'as_owner "$bin/pg_ctl" -D "$PG/data" stop -m fast >/dev/null' EXIT
export PGPASSWORD="$(cat "$PG/password")"
psql() { "$bin/psql" -h 127.0.0.1 -p "$port" -U feedwatcher -X -q -At "$@"; }
connection() { echo "Host=127.0.0.1;Port=$port;Username=feedwatcher;Password=$PGPASSWORD;Database=$1"; }
psql -d postgres -c "DROP DATABASE IF EXISTS year_restored" -c "CREATE DATABASE year_restored"

dump="$FWPERF_ROOT/year.dump"; rm -f "$dump"
run() { /usr/bin/time -f "%e" -o "$FWPERF_ROOT/time" "$FWPERF_ROOT/app/feedwatcher" "$@" >&2; cat "$FWPERF_ROOT/time"; }
backup_s="$(run db backup "$dump" "--FeedWatcher:Database:ConnectionString=$(connection year_retention)")"
restore_s="$(run db restore "$dump" "--FeedWatcher:Database:ConnectionString=$(connection year_restored)")"

size() { psql -d "$1" -c "SELECT round(pg_database_size(current_database()) / 1e6)"; }
printf '| database | size | backup file | backup wall s | restore wall s |\n|---|---|---|---|---|\n'
printf '| 1,000 feeds after a year, default retention | %s MB | %s MB | %s | %s |\n' \
  "$(size year_retention)" "$(awk "BEGIN { printf \"%.0f\", $(stat -c %s "$dump") / 1e6 }")" "$backup_s" "$restore_s"
printf '\n| rows | original | restored |\n|---|---|---|\n'
for q in "feeds:SELECT count(*) FROM feeds" "items:SELECT count(*) FROM items" "items with text:SELECT count(*) FROM items WHERE text_dropped_at IS NULL" \
         "hits:SELECT count(*) FROM hits"; do
  printf '| %s | %s | %s |\n' "${q%%:*}" "$(psql -d year_retention -c "${q#*:}")" "$(psql -d year_restored -c "${q#*:}")"
done
printf '\nrestored database: %s MB (written afresh, without the dead space of a year of updates)\n' "$(size year_restored)"
