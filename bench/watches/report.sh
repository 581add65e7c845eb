#!/usr/bin/env bash
# Watch quality on every labelled set, in one table: for each set, each topic's normalized detection cost at the
# shipped MinScore and leave-one-topic-out, without a reader and with one (`--feedback` with the set's own qrels),
# and the mean over the set's topics. Runs bench/watches/eval.sh twice a set.
#   bench/watches/report.sh [SET...]   (default: ../shared/eval, ../shared/eval-drift and ../shared/eval-drift2, those present)
set -euo pipefail
cd "$(dirname "$0")/../.."
sets=("$@")
if [ ${#sets[@]} -eq 0 ]; then
  for s in ../shared/eval ../shared/eval-drift ../shared/eval-drift2; do [ -d "$s" ] && sets+=("$s"); done
fi
[ ${#sets[@]} -gt 0 ] || { echo "no labelled set: name one (a folder with items.jsonl, topics.json and qrels.tsv)" >&2; exit 1; }
for s in "${sets[@]}"; do
  for f in items.jsonl topics.json qrels.tsv; do
    [ -f "$s/$f" ] || { echo "$s: not a labelled set (no $f)" >&2; exit 1; }
  done
done
dotnet build src/FeedWatcher -c Release --nologo -v q >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for i in "${!sets[@]}"; do
  set_dir="${sets[$i]}"
  NOBUILD=1 OUT="$work/$i-alone.jsonl" bash bench/watches/eval.sh "$set_dir" > "$work/$i-alone.txt" 2>&1 &
  NOBUILD=1 OUT="$work/$i-reader.jsonl" bash bench/watches/eval.sh "$set_dir" --feedback "$set_dir/qrels.tsv" > "$work/$i-reader.txt" 2>&1 &
  wait
done
python3 - "$work" "${sets[@]}" <<'PY'
import os, re, statistics, sys
work, sets = sys.argv[1], sys.argv[2:]
line = re.compile(r"^\s+(\S+)\s+threshold\s+\S+\s+targets\s+(\d+)\s+hits\s+(\d+)\s+correct\s+(\d+).*C_norm ([0-9.]+)", re.M)

def costs(path):
    text = open(path).read()
    if "At the threshold chosen" not in text:
        sys.exit(f"{path}: the backtest printed no report:\n{text[-2000:]}")
    at, loo = text.split("At the threshold chosen")
    return {t: (float(c), int(h), int(k), int(n)) for t, n, h, k, c in line.findall(at)}, {t: float(c) for t, *_, c in line.findall(loo)}

print("| set | topic | at MinScore | leave-one-out | with a reader | with a reader, leave-one-out | hits (correct / targets), without / with a reader |")
print("|---|---|---|---|---|---|---|")
for i, set_dir in enumerate(sets):
    name = os.path.basename(os.path.normpath(set_dir))
    (alone, alone_loo), (reader, reader_loo) = costs(f"{work}/{i}-alone.txt"), costs(f"{work}/{i}-reader.txt")
    means = [statistics.mean(costs) for costs in ([c for c, *_ in alone.values()], alone_loo.values(), [c for c, *_ in reader.values()], reader_loo.values())]
    print(f"| `{name}` | **mean** | **{means[0]:.3f}** | {means[1]:.3f} | {means[2]:.3f} | {means[3]:.3f} | |")
    for topic in alone:
        (c, h, k, n), (rc, rh, rk, _) = alone[topic], reader[topic]
        print(f"| `{name}` | {topic} | {c:.3f} | {alone_loo[topic]:.3f} | {rc:.3f} | {reader_loo[topic]:.3f} | {h} ({k} / {n}) / {rh} ({rk} / {n}) |")
PY
