#!/bin/sh
# bench/retrieve.sh - pp-retrieve on a 5,000-passage index: build time and
# query latency (BM25). The corpus is the knowledge base plus synthetic
# passages (random metadata, text drawn from the knowledge base's words),
# made in a temporary directory for the benchmark only. Prints numbers;
# never fails on slowness. Goal: under 5 ms per query.
#
#   sh bench/retrieve.sh [N_PASSAGES] [N_QUERIES]
set -eu
cd "$(dirname "$0")/.."
N=${1:-5000}
NQ=${2:-200}
BIN=${PP_BIN:-$PWD/bin}
export PP_DATADIR=${PP_DATADIR:-$PWD/data}
unset PP_EMBED_URL
T=$(mktemp -d "${TMPDIR:-/tmp}/pp-bench-retrieve.XXXXXX")
trap 'rm -rf "$T"' EXIT

/usr/bin/python3 - "$PP_DATADIR" "$T" "$N" "$NQ" <<'PY'
import glob, json, os, random, re, sys
data, out, n, nq = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
random.seed(7)
dims = json.load(open(os.path.join(data, "dimensions.json")))["dimensions"]
ref = json.load(open(os.path.join(data, "reference.json")))["dimensions"]
real = []
for f in sorted(glob.glob(os.path.join(data, "knowledge/passages/*.jsonl"))):
    real += [json.loads(l) for l in open(f, encoding="utf-8") if l.strip()]
words = re.findall(r"[A-Za-z]+", " ".join(p["text"] for p in real)) or \
    "piano pedal tone touch phrase tempo voice legato colour bass melody".split()
comps = sorted({c for p in real for c in p["composers"]}) or ["Chopin", "Bach"]
os.makedirs(os.path.join(out, "passages"))
files = {}
def put(topic, p):
    f = files.get(topic) or open(os.path.join(out, "passages", topic + ".jsonl"), "w")
    files[topic] = f
    f.write(json.dumps(p) + "\n")
for p in real:
    put(p["topic"], p)
for i in range(n - len(real)):
    d = random.sample(dims, random.randint(1, 3))
    put("synthetic%02d" % (i % 20), {
        "id": "syn-%05d" % i,
        "title": " ".join(random.choices(words, k=6)),
        "text": " ".join(random.choices(words, k=random.randint(60, 180))),
        "dimensions": [{"name": x["name"], "pole": random.choice(["low", "high"])} for x in d],
        "topic": "synthetic", "composers": random.sample(comps, random.randint(0, 2)),
        "eras": [], "level": "all",
        "kind": random.choice(["technique", "practice", "history", "judging", "drill"]),
        "source": {"title": "Synthetic", "author": "bench"}})
for f in files.values():
    f.close()
# Queries: half free text, half prediction documents with random profiles.
texts = ["blurred pedal in Chopin", "the tone is harsh and too bright",
         "rushing in the fast passages", "melody buried under the accompaniment",
         "too much pedal in Bach", "a shallow, thin sound", "rubato in Chopin",
         "crude dynamics with sudden accents", "wrong notes in the same bar"]
with open(os.path.join(out, "queries"), "w") as q:
    for i in range(nq):
        if i % 2:
            q.write("text\t%s\n" % texts[i % len(texts)])
            continue
        doc = {"pp": "predictions/1", "id": "bench-%d" % i, "score": {"composer": random.choice(comps)},
               "dimensions": [{"index": d["index"], "name": d["name"],
                               "value": random.choice(r["percentiles"])} for d, r in zip(dims, ref)]}
        path = os.path.join(out, "doc%d.json" % i)
        json.dump(doc, open(path, "w"))
        q.write("doc\t%s\n" % path)
PY

echo "corpus: $N passages ($(ls "$T"/passages | wc -l) files, $(cat "$T"/passages/*.jsonl | wc -c) bytes)"
for i in 1 2 3; do
	"$BIN/pp-retrieve" --rebuild --index "$T/ix.sqlite" --corpus "$T/passages"
done | sed 's/.*passages, /build: /'
echo "index: $(wc -c <"$T/ix.sqlite") bytes"

# Each query runs as its own process; wall_s is pp-retrieve's own time for
# the whole run (data files, index check, query, output).
start=$(date +%s.%N)
while IFS="$(printf '\t')" read -r kind arg; do
	if [ "$kind" = text ]; then
		"$BIN/pp-retrieve" --index "$T/ix.sqlite" --corpus "$T/passages" -q "$arg"
	else
		"$BIN/pp-retrieve" --index "$T/ix.sqlite" --corpus "$T/passages" "$arg"
	fi
done <"$T/queries" >"$T/out.jsonl"
end=$(date +%s.%N)
/usr/bin/python3 - "$T/out.jsonl" "$start" "$end" <<'PY'
import json, sys
m = [json.loads(l)["performance_metrics"]["pp-retrieve"] for l in open(sys.argv[1])]
n = len(m)
def stats(key):
    w = sorted(x[key] * 1e3 for x in m)
    return "median %.2f ms, p95 %.2f ms, max %.2f ms" % (w[n // 2], w[int(n * 0.95)], w[-1])
print("queries: %d (half free text, half prediction documents), k = 5" % n)
print("query latency (query building, search, output; search_s): %s (goal < 5 ms)" % stats("search_s"))
print("  the same in CPU time (search_cpu_s; wall time above includes waiting for a busy CPU): %s"
      % stats("search_cpu_s"))
print("whole run in process (data files, index check, query; wall_s): %s" % stats("wall_s"))
print("per process, exec and dynamic linking included: %.2f ms"
      % ((float(sys.argv[3]) - float(sys.argv[2])) * 1e3 / n))
PY
