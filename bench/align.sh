#!/bin/sh
# bench/align.sh - pp-align on generated performances (tests/align/synth.py:
# 20 notes a bar, 5 % dropped and 5 % added notes, octave and semitone
# errors, trills, a repeated bar): a 120-bar score (about 2,400 performance
# notes) and a 480-bar one (about 9,600).
#
# Times are pp-align's own (performance_metrics: read_s the performance,
# score_s the score and its model's JSON, align_s the alignment proper,
# summary_s the match, extra and summary members; wall_s all of it, the
# output's writing not counted), each the best of 5 runs. Peak RSS is that
# of the whole process, with the performance and with an empty one (the
# score side alone): memory should grow linearly with the length.
# Prints numbers; never fails on a slow machine.
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x bin/pp-align ] || { echo "align: bin/pp-align not built"; exit 0; }
echo '{"pp": "notes/1", "notes": []}' >"$tmp/empty.json"

# best of 5: the least of each pp-align stage time over five runs
best5() {
	for i in 1 2 3 4 5; do
		bin/pp-align -s "$1" "$2" -o "$tmp/run.json"
		jq -r '.performance_metrics["pp-align"] |
			"\(.wall_s) \(.read_s) \(.score_s) \(.align_s) \(.summary_s)"' "$tmp/run.json"
	done | awk '{ for (k = 1; k <= 5; k++) if (NR == 1 || $k < m[k]) m[k] = $k }
		END { printf "%.1f %.1f %.1f %.1f %.1f", m[1] * 1e3, m[2] * 1e3, m[3] * 1e3, m[4] * 1e3, m[5] * 1e3 }'
}

rss() { { /usr/bin/time -f %M bin/pp-align -s "$1" "$2" -o "$tmp/rss.json"; } 2>&1 | tail -1; }

for bars in 120 480; do
	d=$tmp/b$bars
	mkdir -p "$d"
	/usr/bin/python3 tests/align/synth.py score "$d/s.musicxml" $bars 1
	bin/pp-align -s "$d/s.musicxml" "$tmp/empty.json" -o "$d/model.json"
	/usr/bin/python3 tests/align/synth.py perf "$d/model.json" "$d/o" 1 0.05 0.05
	n=$(jq '.notes | length' "$d/o/perf.json")
	set -- $(best5 "$d/s.musicxml" "$d/o/perf.json")
	bin/pp-align -s "$d/s.musicxml" "$d/o/perf.json" -o "$d/est.json"
	f=$(bin/pp-eval alignment --json "$d/o/truth.json" "$d/est.json" | jq .match.f)
	echo "align: $bars bars, $n notes: $1 ms in all (best of 5): score side $3 ms;" \
		"performance read $2 ms, alignment $4 ms, summary $5 ms; match F $f"
	if command -v /usr/bin/time >/dev/null 2>&1; then
		full=$(rss "$d/s.musicxml" "$d/o/perf.json")
		empty=$(rss "$d/s.musicxml" "$tmp/empty.json")
		echo "align: $bars bars, $n notes: peak RSS $full KiB;" \
			"$empty KiB with an empty performance (score side), $((full - empty)) KiB more with it"
	fi
done
