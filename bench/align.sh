#!/bin/sh
# bench/align.sh - pp-align on a generated 2,400-note performance (a 120-bar
# score, 20 notes a bar, 5 % dropped and 5 % added notes): wall time as
# pp-align reports it (performance_metrics: score read, alignment, summary,
# document built), the same for an empty performance (score side only),
# and peak memory.
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 tests/align/synth.py score "$tmp/s.musicxml" 120 1
echo '{"pp": "notes/1", "notes": []}' >"$tmp/empty.json"
bin/pp-align -s "$tmp/s.musicxml" "$tmp/empty.json" -o "$tmp/model.json"
/usr/bin/python3 tests/align/synth.py perf "$tmp/model.json" "$tmp/o" 1 0.05 0.05
n=$(jq '.notes | length' "$tmp/o/perf.json")
sb=
for i in 1 2 3 4 5; do
	bin/pp-align -s "$tmp/s.musicxml" "$tmp/empty.json" -o "$tmp/m.json"
	w=$(jq '.performance_metrics["pp-align"].wall_s' "$tmp/m.json")
	sb=$(echo "$w ${sb:-$w}" | awk '{print ($1 < $2) ? $1 : $2}')
done
best=
for i in 1 2 3 4 5; do
	bin/pp-align -s "$tmp/s.musicxml" "$tmp/o/perf.json" -o "$tmp/est.json"
	w=$(jq '.performance_metrics["pp-align"].wall_s' "$tmp/est.json")
	best=$(echo "$w ${best:-$w}" | awk '{print ($1 < $2) ? $1 : $2}')
done
mem=$( { /usr/bin/time -f %M bin/pp-align -s "$tmp/s.musicxml" "$tmp/o/perf.json" -o "$tmp/est.json"; } 2>&1 | tail -1)
f=$(bin/pp-eval alignment --json "$tmp/o/truth.json" "$tmp/est.json" | jq .match.f)
echo "align: $n performance notes: best of 5 ${best} s in all, ${sb} s of it the score side (empty performance); peak RSS ${mem} KiB; match F $f"
