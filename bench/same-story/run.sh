#!/usr/bin/env bash
# How well the digest tells one story from several outlets apart from look-alikes: runs
# `feedwatcher same-story` on ../shared/dedup/pairs.jsonl and scores it against the human judgments,
# with each part of the score (meaning, shared terms) on its own beside it.
#   bash bench/same-story/run.sh          (output lines kept in /tmp/fw-same-story.jsonl)
set -euo pipefail
cd "$(dirname "$0")/../.."
pairs=../shared/dedup/pairs.jsonl
[ -f "$pairs" ] || { echo "missing $pairs" >&2; exit 1; }
dotnet build src/FeedWatcher -c Release --nologo -v q >/dev/null
/usr/bin/time -f "%e s wall, %U s user, %M KB peak" dotnet src/FeedWatcher/bin/Release/net10.0/feedwatcher.dll same-story --pairs "$pairs" --parts > /tmp/fw-same-story.jsonl
python3 bench/same-story/score.py "$pairs" /tmp/fw-same-story.jsonl meaning terms
