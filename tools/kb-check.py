#!/usr/bin/python3
"""kb-check.py - validate the knowledge base and print or update its coverage table.

Usage: tools/kb-check.py [--min-pole N] [--min-total N] [--table | --update-readme | --check-readme] [DIR]

DIR defaults to data/knowledge. Validation (always): every line of every
passages/*.jsonl parses as a JSON object; required fields present and typed;
ids unique and prefixed by the file's prefix; topic equals the file name;
60-200 words of text; dimension names from data/dimensions.json and poles
low/high; kinds, levels and eras from the allowed sets; each pole of every
dimension covered by at least --min-pole passages (default 10); at least
--min-total passages (default 400). Errors go to stderr, exit 1.
"""
import glob, json, os, re, sys

KINDS = {"technique", "practice", "history", "judging", "drill"}
LEVELS = {"beginner", "intermediate", "advanced", "all"}
ERAS = {"baroque", "classical", "romantic", "impressionist", "modern"}
BEGIN, END = "<!-- coverage begin -->", "<!-- coverage end -->"


def main(argv):
    min_pole, min_total, mode, kdir = 10, 400, None, None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--min-pole":
            i += 1; min_pole = int(argv[i])
        elif a == "--min-total":
            i += 1; min_total = int(argv[i])
        elif a in ("--table", "--update-readme", "--check-readme"):
            mode = a
        else:
            kdir = a
        i += 1
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    kdir = kdir or os.path.join(root, "data", "knowledge")
    dimsfile = os.path.join(os.path.dirname(os.path.abspath(kdir)), "dimensions.json")
    with open(dimsfile, encoding="utf-8") as f:
        dims = json.load(f)["dimensions"]
    names = [d["name"] for d in dims]
    errs, ids, recs = [], set(), []
    files = sorted(glob.glob(os.path.join(kdir, "passages", "*.jsonl")))
    if not files:
        errs.append("no passages/*.jsonl in " + kdir)
    for path in files:
        topic = os.path.basename(path)[:-6]
        prefix = None
        with open(path, "rb") as f:
            data = f.read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            errs.append("%s: not UTF-8: %s" % (path, e)); continue
        for n, line in enumerate(text.split("\n"), 1):
            if line == "":
                continue
            where = "%s:%d" % (os.path.basename(path), n)
            try:
                r = json.loads(line)
            except ValueError as e:
                errs.append("%s: bad JSON: %s" % (where, e)); continue
            if not isinstance(r, dict):
                errs.append(where + ": not an object"); continue
            spec = {"id": str, "title": str, "text": str, "dimensions": list,
                    "topic": str, "composers": list, "eras": list,
                    "level": str, "kind": str, "source": dict}
            bad = [k for k, t in spec.items() if not isinstance(r.get(k), t)]
            if bad:
                errs.append("%s: missing or mistyped: %s" % (where, ", ".join(bad))); continue
            m = re.fullmatch(r"([a-z]+)-(\d{3,})", r["id"])
            if not m:
                errs.append("%s: bad id %r" % (where, r["id"]))
            else:
                prefix = prefix or m.group(1)
                if m.group(1) != prefix:
                    errs.append("%s: id %s: prefix differs in one file" % (where, r["id"]))
            if r["id"] in ids:
                errs.append("%s: duplicate id %s" % (where, r["id"]))
            ids.add(r["id"])
            if r["topic"] != topic:
                errs.append("%s: topic %r is not the file's %r" % (where, r["topic"], topic))
            if not r["title"].strip():
                errs.append(where + ": empty title")
            w = len(r["text"].split())
            if not 60 <= w <= 200:
                errs.append("%s: %s has %d words (60-200)" % (where, r["id"], w))
            if not r["dimensions"]:
                errs.append(where + ": no dimensions")
            for d in r["dimensions"]:
                if not isinstance(d, dict) or d.get("name") not in names or \
                        d.get("pole") not in ("low", "high"):
                    errs.append("%s: bad dimension %r" % (where, d))
            if not all(isinstance(c, str) and c for c in r["composers"]):
                errs.append(where + ": composers must be non-empty strings")
            for e in r["eras"]:
                if e not in ERAS:
                    errs.append("%s: bad era %r" % (where, e))
            if r["level"] not in LEVELS:
                errs.append("%s: bad level %r" % (where, r["level"]))
            if r["kind"] not in KINDS:
                errs.append("%s: bad kind %r" % (where, r["kind"]))
            s = r["source"]
            if not (isinstance(s.get("title"), str) and s["title"] and
                    isinstance(s.get("author"), str) and s["author"]):
                errs.append(where + ": source needs title and author")
            recs.append(r)
    cov = {(n, p): 0 for n in names for p in ("low", "high")}
    for r in recs:
        for d in r["dimensions"]:
            if isinstance(d, dict) and (d.get("name"), d.get("pole")) in cov:
                cov[(d["name"], d["pole"])] += 1
    for (n, p), c in cov.items():
        if c < min_pole:
            errs.append("dimension %s pole %s: %d passages (need %d)" % (n, p, c, min_pole))
    if len(recs) < min_total:
        errs.append("%d passages (need %d)" % (len(recs), min_total))
    table = make_table(dims, cov, recs)
    readme = os.path.join(kdir, "README.md")
    if mode == "--table":
        sys.stdout.write(table)
    elif mode in ("--update-readme", "--check-readme"):
        with open(readme, encoding="utf-8") as f:
            old = f.read()
        a, b = old.find(BEGIN), old.find(END)
        if a < 0 or b < a:
            errs.append(readme + ": no coverage markers")
        else:
            new = old[:a + len(BEGIN)] + "\n" + table + old[b:]
            if mode == "--update-readme":
                with open(readme, "w", encoding="utf-8") as f:
                    f.write(new)
            elif new != old:
                errs.append(readme + ": coverage table is stale (tools/kb-check.py --update-readme)")
    for e in errs:
        print("kb-check: " + e, file=sys.stderr)
    return 1 if errs else 0


def make_table(dims, cov, recs):
    out = ["%d passages in %d topics." % (len(recs), len({r["topic"] for r in recs})), "",
           "| dimension | low pole | passages | high pole | passages |",
           "|---|---|---:|---|---:|"]
    for d in dims:
        out.append("| %s | %s | %d | %s | %d |" % (d["name"], d["low"], cov[(d["name"], "low")],
                                                 d["high"], cov[(d["name"], "high")]))
    out += ["", "| kind | passages |", "|---|---:|"]
    for k in sorted(KINDS):
        out.append("| %s | %d |" % (k, sum(r["kind"] == k for r in recs)))
    out += ["", "| topic | passages |", "|---|---:|"]
    for t in sorted({r["topic"] for r in recs}):
        out.append("| %s | %d |" % (t, sum(r["topic"] == t for r in recs)))
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
