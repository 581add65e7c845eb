#!/usr/bin/env bash
# The crash harness: the worker killed with SIGKILL at KILLS random moments of polling and delivery (half of them
# just after a digest entered the outbox), then, in its last run, the mail server down for OUTAGE seconds and
# PostgreSQL restarted; 20 loopback feeds gain two items at every request, all on the watch's keyword.
# Reports items served, hits lost, hits undelivered, messages received and re-sent (with the same Message-ID).
#   bench/crash.sh [KILLS] [OUTAGE]     (defaults: 100 kills, 60 s outage)
# It is the test Pipeline/CrashTests at bench scale; it runs the test suite's own private PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
report="$(mktemp --suffix=.json)"
trap 'rm -f "$report"' EXIT
FEEDWATCHER_CRASH_KILLS="${1:-100}" FEEDWATCHER_CRASH_SMTP_OUTAGE_SECONDS="${2:-60}" FEEDWATCHER_CRASH_RESTART_POSTGRES=1 \
FEEDWATCHER_CRASH_REPORT="$report" \
  dotnet test tests/FeedWatcher.Tests --filter "FullyQualifiedName~CrashTests" --logger "console;verbosity=detailed" 2>&1 \
  | grep -E "kill [0-9]+:|mail server down|kills \(|Passed|Failed|Error Message|Assert" || true
python3 -m json.tool "$report"
