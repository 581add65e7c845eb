#!/usr/bin/env python3
"""Scores `feedwatcher parse --json` against a feed corpus with expected values.

Usage: bench/feeds/score.py [--corpus DIR] [--feedwatcher CMD] [--json]
  --corpus       folder holding corpus/ and expected/ (default: ../shared/feeds beside the checkout)
  --feedwatcher  command that runs feedwatcher (default: the Release build under src/FeedWatcher/bin)

Reports parse success (files expected valid), field accuracy (per field and per project), date
vectors (exact / wrong instant / missing / wrongly accepted, also under TZ=America/New_York and a
de-DE culture) and mojibake in the texts of non-UTF-8 fixtures, following the corpus README.
"""
import argparse, collections, html, json, os, re, subprocess, sys, tempfile, unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def run_parse(cmd, files, cwd, env=None):
    out = {}
    for start in range(0, len(files), 400):
        chunk = files[start:start + 400]
        proc = subprocess.run(cmd + ["parse", "--json", *chunk], cwd=cwd, env=env,
                              capture_output=True, text=True, encoding="utf-8")
        if proc.returncode not in (0, 1):
            sys.exit(f"feedwatcher parse failed ({proc.returncode}): {proc.stderr[:2000]}")
        lines = proc.stdout.splitlines()
        if len(lines) != len(chunk):
            sys.exit(f"expected {len(chunk)} lines, got {len(lines)}: {proc.stderr[:2000]}")
        for f, line in zip(chunk, lines):
            out[f] = json.loads(line)
    return out


TAG = re.compile(r"<[^>]*>")
WS = re.compile(r"\s+")


def norm_text(s, strip_tags=True):
    s = html.unescape(s or "")
    if strip_tags:
        s = TAG.sub(" ", s)
    s = unicodedata.normalize("NFC", s).replace("\u00a0", " ")
    return WS.sub(" ", s).strip()


def check(result, c):
    if not result.get("ok"):
        return False
    if c["scope"] == "feed":
        if c["field"] == "item_count":
            actual = result.get("item_count")
        else:
            actual = (result.get("feed") or {}).get(c["field"])
    else:
        items = result.get("items") or []
        if c["index"] >= len(items):
            return False
        item = items[c["index"]]
        actual = (item.get("published") or item.get("updated")) if c["field"] == "date" else item.get(c["field"])
    kind, expected = c["kind"], c["expected"]
    if kind == "count":
        return actual == expected
    if kind == "present":
        return bool(actual)
    if actual is None:
        return False
    if kind == "text":
        only_markup = not norm_text(expected)
        a, e = norm_text(actual, not only_markup), norm_text(expected, not only_markup)
        return bool(a) and a == e
    if kind in ("url", "id"):
        return bool(actual.strip()) and actual.strip() == expected.strip()
    if kind == "datetime":
        return actual == expected
    if kind == "contains":
        return norm_text(expected).casefold() in norm_text(actual).casefold()
    raise ValueError(kind)


GARBLE = re.compile("\ufffd|[\u0080-\u009f]|\u00c3[\u0080-\u00bf]|\u00e2\u20ac")


def texts_of(result):
    f = result.get("feed") or {}
    yield f.get("title")
    for it in result.get("items") or []:
        for k in ("title", "summary", "content", "author"):
            yield it.get(k)


def date_vectors(cmd, corpus, env_extra):
    vectors = [json.loads(l) for l in open(os.path.join(corpus, "expected", "date_vectors.jsonl"), encoding="utf-8")]
    tmp = tempfile.mkdtemp(prefix="fw-dates-")
    files = []
    for i, v in enumerate(vectors):
        s = html.escape(v["input"])
        iso = re.match(r"^\s*-?\d{2,4}-", v["input"]) or "T" in v["input"][:11]
        if iso:
            doc = f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>d</title><entry><title>t</title><id>i</id><updated>{s}</updated></entry></feed>'
        else:
            doc = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>d</title><item><title>t</title><guid>i</guid><pubDate>{s}</pubDate></item></channel></rss>'
        path = os.path.join(tmp, f"v{i:03}.xml")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(doc)
        files.append(path)
    env = dict(os.environ, **env_extra)
    results = run_parse(cmd, files, tmp, env)
    tally = collections.Counter()
    wrong = []
    for v, f in zip(vectors, files):
        r = results[f]
        items = r.get("items") or []
        got = (items[0].get("published") or items[0].get("updated")) if items else None
        if v["expect"] == "instant":
            if got == v["expected_utc"]:
                tally["exact"] += 1
            elif got is None:
                tally["missing"] += 1
            else:
                tally["wrong instant"] += 1
                wrong.append((v["input"], got, v["expected_utc"]))
        elif v["expect"] == "parse":
            tally["parsed" if got else "missing"] += 1
        else:
            if got is None:
                tally["rejected"] += 1
            else:
                tally["wrongly accepted"] += 1
                wrong.append((v["input"], got, "reject"))
    return tally, wrong


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "feeds"))
    ap.add_argument("--feedwatcher", default=os.path.join(ROOT, "src", "FeedWatcher", "bin", "Release", "net10.0", "feedwatcher"))
    ap.add_argument("--show", type=int, default=0, help="print up to N failed checks")
    args = ap.parse_args()
    corpus = os.path.abspath(args.corpus)
    cmd = args.feedwatcher.split()

    manifest = [json.loads(l) for l in open(os.path.join(corpus, "expected", "manifest.jsonl"), encoding="utf-8")]
    checks = [json.loads(l) for l in open(os.path.join(corpus, "expected", "checks.jsonl"), encoding="utf-8")]
    files = sorted({m["file"] for m in manifest} | {c["file"] for c in checks})
    results = run_parse(cmd, files, corpus)

    valid = [m for m in manifest if m["expect_valid"]]
    parsed = sum(1 for m in valid if results[m["file"]].get("ok"))
    print(f"parse success: {parsed}/{len(valid)} = {100 * parsed / len(valid):.1f}% of files expected valid")
    invalid = [m for m in manifest if not m["expect_valid"]]
    print(f"  not feeds or broken beyond repair, reported as errors: {sum(1 for m in invalid if not results[m['file']].get('ok'))}/{len(invalid)}")

    by_field, by_project, failures = collections.defaultdict(lambda: [0, 0]), collections.defaultdict(lambda: [0, 0]), []
    for entry in checks:
        for c in entry["checks"]:
            ok = check(results[entry["file"]], c)
            for key, table in ((c["field"], by_field), (entry["project"], by_project)):
                table[key][0] += ok
                table[key][1] += 1
            if not ok:
                failures.append((entry["file"], c))
    right = sum(v[0] for v in by_field.values())
    total = sum(v[1] for v in by_field.values())
    print(f"field checks right: {right}/{total} = {100 * right / total:.1f}%")
    for name, table in (("field", by_field), ("project", by_project)):
        print(f"  by {name}: " + ", ".join(f"{k} {100 * v[0] / v[1]:.1f}% ({v[1]})" for k, v in sorted(table.items())))

    for label, env in (("", {}), (" TZ=America/New_York", {"TZ": "America/New_York"}), (" de-DE", {"LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8"})):
        tally, wrong = date_vectors(cmd, corpus, env)
        print(f"date vectors{label}: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.items())))
        for w in wrong[: args.show]:
            print("   ", w)

    garbled = total_texts = 0
    for m in manifest:
        path = os.path.join(corpus, m["file"])
        raw = open(path, "rb").read()
        try:
            raw.decode("utf-8")
            if "encoding" not in m["suite"]:
                continue
        except UnicodeDecodeError:
            pass
        for t in texts_of(results[m["file"]]):
            if t:
                total_texts += 1
                garbled += bool(GARBLE.search(t))
    print(f"mojibake: {garbled} of {total_texts} texts in non-UTF-8 and encoding fixtures")

    shown = collections.OrderedDict()
    for f, c in failures:
        shown.setdefault(f, []).append(c)
    for f, cs in list(shown.items())[: args.show]:
        r = results[f]
        c = cs[0]
        got = r.get("error") if not r.get("ok") else (r.get("feed") if c["scope"] == "feed" else
              ((r.get("items") or [{}]) + [{}])[min(c.get("index") or 0, len(r.get("items") or []))].get("published" if c["field"] == "date" else c["field"]))
        print(f"FAIL {f} ({len(cs)} checks) {c['field']}: expected {c['expected']!r:.80} got {str(got)[:100]!r}")
    for m in manifest:
        if m["expect_valid"] and not results[m["file"]].get("ok") and args.show:
            print("UNPARSED", m["file"], results[m["file"]].get("error", "")[:120])


if __name__ == "__main__":
    main()
