#!/bin/sh
# bench/feedback.sh - time of pp-feedback's built-in writer per document.
# Reports, per fixture document, the median and worst in-process time
# (the "pp-feedback" wall_s the tool records: reading the document and
# data/reference.json, extracting the facts, writing, checking nothing,
# attaching) and the whole process time including start-up.
# Goal: under 5 ms in-process. Never fails on a slow machine.
set -eu
cd "$(dirname "$0")/.."
BIN=${PP_BIN:-bin}
RUNS=${RUNS:-50}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME=$tmp
unset PP_LLM_URL || true
printf '%-10s %6s %12s %12s %14s\n' document words median_ms worst_ms process_ms
for doc in tests/fixtures/feedback/*.json; do
	name=$(basename "$doc" .json)
	: >"$tmp/t"
	start=$(date +%s%N)
	i=0
	while [ $i -lt "$RUNS" ]; do
		"$BIN/pp-feedback" --builtin "$doc" >"$tmp/out.json"
		jq '.performance_metrics["pp-feedback"].wall_s' "$tmp/out.json" >>"$tmp/t"
		i=$((i + 1))
	done
	end=$(date +%s%N)
	words=$(jq .feedback.words "$tmp/out.json")
	# process time excludes the jq calls by timing them separately
	js=$(date +%s%N)
	i=0
	while [ $i -lt "$RUNS" ]; do
		jq '.performance_metrics["pp-feedback"].wall_s' "$tmp/out.json" >/dev/null
		i=$((i + 1))
	done
	je=$(date +%s%N)
	sort -g "$tmp/t" | awk -v name="$name" -v words="$words" \
		-v proc="$(( (end - start - (je - js)) / RUNS ))" '
		{ v[NR] = $1 * 1000 }
		END { printf "%-10s %6d %12.3f %12.3f %14.3f\n", name, words,
			v[int((NR + 1) / 2)], v[NR], proc / 1e6 }'
done
echo "goal: median under 5 ms per document (built-in writer)"
