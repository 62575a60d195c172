#!/bin/sh
# bench/notes.sh - speed of the foundation's I/O tools: pp-notes on a large
# generated performance (JSON -> MIDI -> JSON) and pp-synth rendering it.
# Prints numbers; never fails on a slow machine.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/bin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x "$bin/pp-notes" ] || { echo "notes: bin/pp-notes not built"; exit 0; }

# 20000 notes over 600 s (a long, dense piece) with pedalling.
awk 'BEGIN {
	srand(1); printf "{\"pp\": \"notes/1\", \"notes\": [";
	for (i = 0; i < 20000; i++) {
		t = i * 0.03; printf "%s{\"pitch\": %d, \"onset\": %.4f, \"offset\": %.4f, \"velocity\": %d}",
			(i ? "," : ""), 36 + int(rand() * 48), t, t + 0.1 + rand(), 30 + int(rand() * 80)
	}
	printf "], \"controls\": [";
	for (i = 0; i < 300; i++)
		printf "%s{\"time\": %.3f, \"number\": 64, \"value\": %d}", (i ? "," : ""), i * 2.0, (i % 2) ? 0 : 127
	printf "]}\n" }' >"$tmp/big.json"

now() { date +%s.%N; }
report() { awk -v a="$2" -v b="$3" -v w="$1" 'BEGIN { printf "notes: %-44s %7.3f s\n", w, b - a }'; }

t0=$(now); "$bin/pp-notes" -o "$tmp/big.mid" "$tmp/big.json"; t1=$(now)
report "pp-notes JSON -> MIDI, 20000 notes" "$t0" "$t1"
t0=$(now); "$bin/pp-notes" -o "$tmp/back.json" "$tmp/big.mid"; t1=$(now)
report "pp-notes MIDI -> JSON, 20000 notes" "$t0" "$t1"
if [ -x "$bin/pp-synth" ] && [ -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ]; then
	head -c 200000 "$tmp/big.json" | sed 's/,{[^}]*$//' >"$tmp/part.json"
	echo ']}' >>"$tmp/part.json"
	t0=$(now); "$bin/pp-synth" -o "$tmp/part.wav" "$tmp/part.json"; t1=$(now)
	secs=$(soxi -D "$tmp/part.wav" 2>/dev/null || echo 0)
	report "pp-synth, $(printf %.0f "$secs") s of dense piano at 44.1 kHz" "$t0" "$t1"
fi
