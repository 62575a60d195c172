#!/bin/sh
# bench/features.sh - align + raw features for every PercePiano performance
# (all 1202 MIDI files) on 2 cores (xargs -P2). Goal: under one minute.
# Prints the wall time; never fails on slowness. Needs ../shared/data.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
S=${PP_SHARED:-$ROOT/../shared/data}/percepiano
BIN=${PP_BIN:-$ROOT/bin}
if [ ! -d "$S/performances" ] || [ ! -x "$BIN/pp-align" ]; then
	echo "features: skipped (no shared data or no pp-align)"
	exit 0
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/pp-bench-features.XXXXXX")
trap 'rm -rf "$T"' EXIT
cat >"$T/one.sh" <<'ONE'
name=$(basename "$1" .mid | sed 's/^ *//')
prefix=${name%_*}; prefix=${prefix%_*}; num=${name##*_}
score=$S/scores/${prefix}_Score_${num}.musicxml
[ -f "$score" ] || score=$S/scores/${prefix}_Score2_${num}.musicxml
"$BIN/pp-align" -s "$score" "$1" 2>/dev/null |
	"$BIN/pp-features" --raw -o "$T/$name.st" 2>/dev/null || echo "$name" >>"$T/failed"
ONE
export S BIN T
n=$(ls "$S/performances" | grep -c '\.mid$')
start=$(date +%s.%N)
find "$S/performances" -name '*.mid' -print0 | xargs -0 -n 8 -P 2 sh -c 'for f; do sh "$T/one.sh" "$f"; done' sh
wall=$(echo "$(date +%s.%N) - $start" | bc)
failed=$(cat "$T/failed" 2>/dev/null | wc -l)
echo "features: align + features for $n performances on 2 cores: ${wall} s" \
	"($(echo "scale=2; $wall * 1000 / $n" | bc) ms each, goal < 60 s), failed: $failed," \
	"load average: $(cut -d' ' -f1-3 /proc/loadavg)"
