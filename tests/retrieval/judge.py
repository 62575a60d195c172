#!/usr/bin/python3
"""Scores pp-retrieve against the judged query set (tests/retrieval/judged.jsonl).

Each line of the judged set is a query with its relevance judgement:

  type "profile": a prediction profile. "profile" maps dimension names to
      the percentile the performance has there; every other dimension sits
      near the middle (50 +/- 10, fixed per query). "uncertain" lists
      dimensions flagged uncertain, "score" the score identity {composer,
      title}, "doc_id" the document id, "problems" an alignment summary in
      short: {"wrong": [bars], "tempo": {bar: tempo_ratio}, "pedal": [bars]}.
      This script expands the profile into a predictions/1 document (values
      from data/reference.json) and runs pp-retrieve on it.
  type "text": free text, run as pp-retrieve -q TEXT.

"relevant" is a list of conditions; a passage is relevant when it meets
every field of at least one condition: "dim" (with "pole": the passage
addresses that dimension at that pole; without: either pole), "composer",
"topic", "kind", "text_any" (title or text contains one of the phrases,
case-insensitive), and "ids" (the passage is one of them). The judgements
are rules over the corpus metadata written before any tuning, so that the
set keeps its meaning as the knowledge base grows.

Metrics over the top 5: recall@5 = |relevant in top 5| / min(|relevant|, 5)
(1.0 when the five results are all relevant, or all relevant passages are
among them), MRR = mean of 1 / rank of the first relevant passage (0 when
none in the top 10). Exit 1 when recall@5 is below --min-recall.
"""
import argparse
import glob
import hashlib
import json
import os
import subprocess
import sys
import tempfile


def load_corpus(d):
    ps = []
    for f in sorted(glob.glob(os.path.join(d, "*.jsonl"))):
        for line in open(f, encoding="utf-8"):
            if line.strip():
                ps.append(json.loads(line))
    return ps


def meets(p, c):
    if "ids" in c and p["id"] not in c["ids"]:
        return False
    if "dim" in c and not any(
        d["name"] == c["dim"] and d["pole"] == c.get("pole", d["pole"])
        for d in p["dimensions"]
    ):
        return False
    if "composer" in c and c["composer"] not in p["composers"]:
        return False
    if "topic" in c and p["topic"] != c["topic"]:
        return False
    if "kind" in c and p["kind"] != c["kind"]:
        return False
    if "text_any" in c:
        t = (p["title"] + " " + p["text"]).lower()
        if not any(s.lower() in t for s in c["text_any"]):
            return False
    return True


def relevant(corpus, q):
    return {p["id"] for p in corpus if any(meets(p, c) for c in q["relevant"])}


def value_at(pcts, pct):
    """Inverse of the reference percentile table (21 values, 0..100 %)."""
    pct = min(max(pct, 0.0), 100.0)
    i = min(int(pct // 5), 19)
    w = (pct - 5 * i) / 5
    return pcts[i] + w * (pcts[i + 1] - pcts[i])


def make_doc(q, dims, ref):
    out = []
    for d, r in zip(dims, ref):
        h = hashlib.sha1((q["id"] + d["name"]).encode()).digest()[0]
        pct = q["profile"].get(d["name"], 50 + (h / 255.0) * 20 - 10)
        out.append({
            "index": d["index"], "name": d["name"], "group": d["group"],
            "low": d["low"], "high": d["high"],
            "value": round(value_at(r["percentiles"], pct), 6),
            "percentile": round(pct, 2),
            "uncertain": d["name"] in q.get("uncertain", []),
        })
    doc = {"pp": "predictions/1", "id": q.get("doc_id", q["id"]),
           "model": {"id": "judged-fixture", "version": "1", "folds": 1},
           "dimensions": out}
    if "score" in q:
        doc["score"] = q["score"]
    pr = q.get("problems")
    if pr:
        bars = sorted({int(b) for b in pr.get("wrong", []) + pr.get("pedal", [])
                       + list(pr.get("tempo", {}))} | {1, 20})
        ms = []
        for b in range(1, max(bars) + 1):
            s = str(b)
            ms.append({
                "index": b - 1, "number": s, "expected": 8,
                "matched": 8 - (2 if s in pr.get("wrong", []) else 0),
                "wrong_pitch": 1 if s in pr.get("wrong", []) else 0,
                "missing": 1 if s in pr.get("wrong", []) else 0,
                "extra": 0,
                "tempo_ratio": pr.get("tempo", {}).get(s, 1.0),
                "pedal_marked": False,
                "pedal_down": 1.0 if s in pr.get("pedal", []) else 0.4,
            })
        doc["summary"] = {"measures": ms}
    return doc


def run(args, q, dims, ref, tmp):
    cmd = [args.bin, "-k", "10", "--index", args.index]
    if args.corpus:
        cmd += ["--corpus", args.corpus]
    if q["type"] == "text":
        cmd += ["-q", q["query"]]
    else:
        path = os.path.join(tmp, q["id"] + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(make_doc(q, dims, ref), f, ensure_ascii=False)
        cmd.append(path)
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"judge: {q['id']}: pp-retrieve exit {r.returncode}: {r.stderr.strip()}")
    out = json.loads(r.stdout)
    return [p["id"] for p in out["passages"]], out["retrieval"]["query"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="pp-retrieve")
    ap.add_argument("--data", required=True, help="the data directory")
    ap.add_argument("--corpus", help="passages directory (default DATA/knowledge/passages)")
    ap.add_argument("--index", required=True)
    ap.add_argument("--judged", required=True)
    ap.add_argument("--min-recall", type=float, default=0.9)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    dims = json.load(open(os.path.join(args.data, "dimensions.json")))["dimensions"]
    ref = json.load(open(os.path.join(args.data, "reference.json")))["dimensions"]
    corpus = load_corpus(args.corpus or os.path.join(args.data, "knowledge/passages"))
    queries = [json.loads(l) for l in open(args.judged, encoding="utf-8") if l.strip()]
    recall, rr, empty = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for q in queries:
            rel = relevant(corpus, q)
            if not rel:
                empty.append(q["id"])
                continue
            got, text = run(args, q, dims, ref, tmp)
            hit5 = len(rel & set(got[:5]))
            recall.append(hit5 / min(len(rel), 5))
            first = next((i + 1 for i, g in enumerate(got) if g in rel), None)
            rr.append(1.0 / first if first else 0.0)
            if args.verbose or recall[-1] < 1:
                print(f"{q['id']}: recall@5 {recall[-1]:.2f} rr {rr[-1]:.2f} "
                      f"|rel| {len(rel)} top5 {got[:5]} query '{text}'")
    n = len(recall)
    r5 = sum(recall) / n if n else 0.0
    mrr = sum(rr) / n if n else 0.0
    print(f"queries {len(queries)} judged {n} (no relevant passage in the corpus: {len(empty)}"
          f"{' ' + ','.join(empty) if empty else ''})")
    print(f"recall@5 {r5:.3f} MRR {mrr:.3f}")
    if n == 0 or r5 < args.min_recall:
        print(f"FAIL: recall@5 {r5:.3f} below {args.min_recall}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
