#!/usr/bin/env bash
# Watch quality on every labelled set, in one table: for each set, each topic's normalized detection cost at the
# shipped MinScore and leave-one-topic-out, without a reader and with one (`--feedback` with the set's own qrels),
# and the mean over the set's topics; then where the cost at MinScore comes from: follow-ups missed, false alarms that
# name a keyword (hits whatever the seed or a reader says), and other false alarms. Runs bench/watches/eval.sh twice a set.
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
  NOBUILD=1 OUT="$work/$i-alone.jsonl" bash bench/watches/eval.sh "$set_dir" --explain > "$work/$i-alone.txt" 2>&1 &
  NOBUILD=1 OUT="$work/$i-reader.jsonl" bash bench/watches/eval.sh "$set_dir" --explain --feedback "$set_dir/qrels.tsv" > "$work/$i-reader.txt" 2>&1 &
  wait
done
python3 - "$work" "${sets[@]}" <<'PY'
import collections, json, os, re, statistics, sys
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

def parts(path, qrels):
    """Per topic: the cost of the follow-ups missed, of the false alarms that name a keyword and of the other false alarms."""
    count = collections.defaultdict(collections.Counter)
    for line in open(path):
        row = json.loads(line)
        relevance = qrels.get((row["watch"], row["item"]))
        if relevance is None or relevance < 0:
            continue
        counts = count[row["watch"]]
        counts["targets" if relevance > 0 else "others"] += 1
        if relevance > 0 and not row["match"]:
            counts["missed"] += 1
        elif relevance == 0 and row["match"]:
            counts["keyword" if row["explanation"]["matched"] else "seed"] += 1
    return {topic: (c["missed"] / max(c["targets"], 1), 4.9 * c["keyword"] / max(c["others"], 1), 4.9 * c["seed"] / max(c["others"], 1), c["missed"], c["keyword"], c["seed"])
            for topic, c in count.items()}

print()
print("Where the cost at MinScore comes from, without / with a reader: follow-ups missed, false alarms that name a keyword")
print("(a hit whatever the seed or a reader says), other false alarms; each as its share of the cost, with how many items.")
print()
print("| set | topic | missed | false alarms naming a keyword | other false alarms |")
print("|---|---|---|---|---|")
for i, set_dir in enumerate(sets):
    name = os.path.basename(os.path.normpath(set_dir))
    qrels = {}
    for line in open(f"{set_dir}/qrels.tsv"):
        fields = line.split()
        if len(fields) >= 3 and fields[2].lstrip("-").isdigit():
            qrels[(fields[0], fields[1])] = int(fields[2])
    alone, reader = parts(f"{work}/{i}-alone.jsonl", qrels), parts(f"{work}/{i}-reader.jsonl", qrels)
    means = [statistics.mean(p[j] for p in column.values()) for column in (alone, reader) for j in range(3)]
    print(f"| `{name}` | **mean** | " + " | ".join(f"**{means[j]:.3f}** / {means[j + 3]:.3f}" for j in range(3)) + " |")
    for topic in sorted(alone):
        a, r = alone[topic], reader[topic]
        print(f"| `{name}` | {topic} | " + " | ".join(f"{a[j]:.3f} ({a[j + 3]}) / {r[j]:.3f} ({r[j + 3]})" for j in range(3)) + " |")
PY
