#!/usr/bin/env bash
# Peak memory of composing one digest: N hits (default 500, real news headlines from ../shared/eval, each naming
# the watch's keyword) polled from a loopback feed into a private PostgreSQL, then `feedwatcher digest preview`
# measured with GNU time (peak resident set of the whole process). Needs python3, time, and ../shared.
#   bench/digest-memory.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-500}"
work="$(mktemp -d)"
fw="dotnet src/FeedWatcher/bin/Release/net10.0/feedwatcher.dll"
cleanup() { kill "$server" 2>/dev/null || true; pkill -f "$work/state" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
[ -n "${NOBUILD:-}" ] || dotnet build src/FeedWatcher -c Release --nologo -v q >/dev/null
mkdir -p "$work/www"
python3 - "$n" "$work/www/feed.xml" <<'PY'
import json, sys, html, email.utils, time
n, out = int(sys.argv[1]), sys.argv[2]
items = [json.loads(l) for l in open("../shared/eval/items.jsonl")][:n]
now = email.utils.formatdate(time.time(), usegmt=True)
with open(out, "w") as f:
    f.write('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench desk</title><link>http://127.0.0.1/</link>')
    for i, it in enumerate(items):
        f.write(f'<item><guid isPermaLink="false">b{i}</guid><title>{html.escape(it["title"][:200])}</title>'
                f'<description>{html.escape((it.get("summary") or "")[:600])} (Afghanistan desk)</description><pubDate>{now}</pubDate></item>')
    f.write('</channel></rss>')
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/www" >/dev/null 2>&1 & server=$!
cat > "$work/settings.json" <<JSON
{ "FeedWatcher": {
  "StateDirectory": "$work/state",
  "Polling": { "AllowPrivateNetworks": [ "127.0.0.1" ] },
  "Feeds": [ { "Url": "http://127.0.0.1:$port/feed.xml", "Name": "Bench desk" } ],
  "Watches": [ { "Name": "Afghanistan", "Keywords": [ "Afghanistan" ] } ],
  "Digests": [ { "Name": "Daily", "To": [ "editor@example.org" ], "MaxItems": $n } ] } }
JSON
sleep 0.5
$fw run --once --config "$work/settings.json" > "$work/once.log" 2>&1 || { cat "$work/once.log"; exit 1; }
grep -m1 "^Polled" "$work/once.log" || true
/usr/bin/time -f "%M %e" -o "$work/time" $fw digest preview --config "$work/settings.json" > "$work/digest.txt" 2>"$work/preview.log"
echo "digest preview of $(grep -c '^\* ' "$work/digest.txt" || true) stories: peak $(awk '{ printf "%.0f MB, %.1f s wall", $1 / 1024, $2 }' "$work/time")"
