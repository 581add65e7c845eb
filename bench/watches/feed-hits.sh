#!/usr/bin/env bash
# How many hits the configured watches make on real feed content, and how many of them a keyword alone made:
# the feed set of ../shared/perf (N feeds, default 1,000), read as FeedWatcher reads feeds, then run through
# `feedwatcher backtest`. A check that the watches do not flood a digest. Needs Debian's python3 with python3-lxml.
#   bench/watches/feed-hits.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-1000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 ../shared/perf/gen_feeds.py --n "$n" --seed 1 --out "$work/feeds" >/dev/null
[ -n "${NOBUILD:-}" ] || dotnet build src/FeedWatcher -c Release --nologo -v q >/dev/null
fw="dotnet src/FeedWatcher/bin/Release/net10.0/feedwatcher.dll"
find "$work/feeds" -type f ! -name '*.gz' ! -name '*.tsv' | sort | xargs $fw parse --json > "$work/parsed.jsonl"
python3 - "$work/parsed.jsonl" > "$work/items.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    feed = json.loads(line)
    for i, item in enumerate(feed.get("items") or []):
        print(json.dumps({"id": f"{feed['file'].rsplit('/', 1)[-1]}#{i}", "date": (item.get("published") or "")[:10],
                          "title": item.get("title") or "", "summary": item.get("summary") or ""}))
PY
$fw backtest --items "$work/items.jsonl" --explain 2>/dev/null > "$work/scores.jsonl"
python3 - "$work/scores.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
hits = [r for r in rows if r["match"]]
alone = sum(1 for h in hits if h["explanation"].get("by_keyword"))
print(f"{len({r['item'] for r in rows}):,} items, {len(hits):,} hits, {alone:,} of them by a keyword alone")
for watch in sorted({r["watch"] for r in rows}):
    print(f"  {watch}: {sum(1 for h in hits if h['watch'] == watch):,} hits")
PY
