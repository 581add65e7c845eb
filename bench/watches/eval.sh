#!/usr/bin/env bash
# Watch quality on a labelled set (../shared/eval by default; also ../shared/eval-drift, ../shared/eval-drift2):
# the shipped default watch for T1, and for every other topic one watch built only from that topic's seed item and
# keyword list; scored by `feedwatcher backtest --qrels` (leave-one-topic-out thresholds, normalized detection
# cost). Needs python3 and ../shared beside the checkout.
#   bench/watches/eval.sh [SET] [backtest options]   prints the report; the JSON lines go to $OUT (default /tmp/fw-eval.jsonl)
set -euo pipefail
cd "$(dirname "$0")/../.."
EVAL="../shared/eval"
if [ $# -gt 0 ] && [ -d "$1" ]; then EVAL="$1"; shift; fi
OUT="${OUT:-/tmp/fw-eval.jsonl}"
watches="$(mktemp --suffix=.json)"
trap 'rm -f "$watches"' EXIT
python3 - "$EVAL" > "$watches" <<'PY'
import json, sys
ev = sys.argv[1]
shipped = json.load(open("appsettings.json"))["FeedWatcher"]
items = {i["id"]: i for i in map(json.loads, open(f"{ev}/items.jsonl"))}
watches = []
for topic in json.load(open(f"{ev}/topics.json")):
    if topic["topic"] == "T1":
        watch = dict(shipped["Watches"][0], Name="T1")
    else:
        seed = topic["seed"] if topic["seed"].get("title") else items[topic["seed"]["id"]]
        watch = {"Name": topic["topic"], "Keywords": topic["watch_keywords"], "Seed": {"Title": seed["title"], "Text": seed.get("summary", "")}}
    watches.append(watch)
print(json.dumps({"Aliases": shipped.get("Aliases", []), "Watches": watches}, indent=1))
PY
[ -n "${NOBUILD:-}" ] || dotnet build src/FeedWatcher -c Release --nologo -v q >/dev/null
dotnet src/FeedWatcher/bin/Release/net10.0/feedwatcher.dll backtest --items "$EVAL/items.jsonl" --watches "$watches" --qrels "$EVAL/qrels.tsv" --out "$OUT" "$@"
