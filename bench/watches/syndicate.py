#!/usr/bin/env python3
"""A labelled set as a real stream carries it: many stories published again by other outlets.

    python3 bench/watches/syndicate.py SET OUT [--seed N]

Writes SET's items to OUT with copies: half the items have none, a third one or two, the rest four to nine (the
wire stories every outlet runs), each copy the same day, its text the original's with the outlet's name after it, or
only its first sentence. Copies keep their original's labels (qrels.tsv) and topics.json is copied as it is, so that
`bash bench/watches/eval.sh OUT` measures a watch on the stream with copies. Seeded: the same OUT every time.
"""
import json
import random
import re
import shutil
import sys
from pathlib import Path

OUTLETS = ["Reuters", "AP", "AFP", "BBC News", "Al Jazeera", "The Guardian", "CNN", "Deutsche Welle", "NPR"]


def copies(rng: random.Random) -> int:
    draw = rng.random()
    return 0 if draw < 0.5 else rng.randint(1, 2) if draw < 0.85 else rng.randint(4, 9)


def copy_text(title: str, rng: random.Random) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", title.strip())
    if len(sentences) > 1 and rng.random() < 0.5:
        return sentences[0]
    return f"{title.strip()} ({rng.choice(OUTLETS)})"


def main() -> None:
    args = sys.argv[1:]
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 1
    source, out = (Path(a) for a in [a for a in args if not a.startswith("--") and a != str(seed)][:2])
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "topics.json", out / "topics.json")
    made: dict[str, list[str]] = {}
    with open(source / "items.jsonl") as items, open(out / "items.jsonl", "w") as written:
        for line in items:
            item = json.loads(line)
            written.write(json.dumps(item) + "\n")
            made[item["id"]] = []
            for n in range(1, copies(rng) + 1):
                copy = dict(item, id=f"{item['id']}~{n}", title=copy_text(item["title"], rng), outlet=rng.choice(OUTLETS))
                written.write(json.dumps(copy) + "\n")
                made[item["id"]].append(copy["id"])
    with open(source / "qrels.tsv") as qrels, open(out / "qrels.tsv", "w") as written:
        for line in qrels:
            written.write(line)
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3 and parts[1] in made:
                for copy in made[parts[1]]:
                    written.write("\t".join([parts[0], copy, *parts[2:]]) + "\n")
    total = sum(len(c) + 1 for c in made.values())
    print(f"{len(made)} items, {total} with copies, in {out}")


if __name__ == "__main__":
    main()
