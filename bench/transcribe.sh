#!/bin/sh
# bench/transcribe.sh - speed of pp-transcribe: real-time factor on one
# thread (OPENBLAS_NUM_THREADS=1) on a 60 s piano excerpt rendered with
# FluidSynth from PercePiano MIDI, at 22050 Hz (the model's rate: no
# resampling) and at 44100 Hz (with libsamplerate's best converter), peak
# memory (/usr/bin/time -v) there and on a 10-minute input, and the ratio
# to the JS reference (@spotify/basic-pitch under node, pure-JS CPU backend)
# on the same samples in the same run. The JS part is skipped when tests/golden/node_modules is
# absent (tests/golden/make-golden.sh installs it). Never fails on slowness.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
shared=${PP_SHARED:-$root/../shared/data}
sf=/usr/share/sounds/sf2/FluidR3_GM.sf2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pp-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ ! -f data/basic-pitch/model/model.json ] || ! command -v fluidsynth >/dev/null ||
   [ ! -f "$sf" ] || [ ! -d "$shared/percepiano/performances" ]; then
	echo "transcribe: skipped (needs the weights, fluidsynth + FluidR3_GM and ../shared/data)"
	exit 0
fi

perf=$shared/percepiano/performances
for rate in 22050 44100; do
	set --
	for m in Schubert_D960_mv2_16bars_0_01 Schubert_D960_mv3_16bars_0_01 Beethoven_WoO80_var27_8bars_3_15; do
		f=$perf/$m.mid
		[ -f "$f" ] || { echo "transcribe: skipped (no $f)"; exit 0; }
		fluidsynth -ni -R 0 -C 0 -g 0.5 -F "$tmp/$m.$rate.wav" -r $rate "$sf" "$f" >/dev/null 2>&1
		set -- "$@" "$tmp/$m.$rate.wav"
	done
	sox -V1 -D "$@" -c 1 -b 16 "$tmp/piano$rate.wav" repeat 4 trim 0 60
done
secs=$(soxi -D "$tmp/piano22050.wav")

rtf() { # FILE -> prints wall seconds, CPU seconds (user + sys), peak KB
	/usr/bin/time -v -o "$tmp/time" env OPENBLAS_NUM_THREADS=1 bin/pp-transcribe -o /dev/null "$1"
	wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tmp/time" |
		awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
	cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$tmp/time")
	kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time")
	echo "$wall $cpu $kb"
}
x() { awk "BEGIN { printf \"%.1f\", $1 / $2 }"; }
echo "transcribe: load average $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine slows wall times)"
set -- $(rtf "$tmp/piano22050.wav")
w22=$1
echo "transcribe: ${secs} s of piano at 22050 Hz: $1 s wall ($(x $secs $1)x real time), $2 s CPU ($(x $secs $2)x), 1 thread, peak RSS $(($3 / 1024)) MiB"
set -- $(rtf "$tmp/piano44100.wav")
echo "transcribe: same at 44100 Hz (with resampling): $1 s wall ($(x $secs $1)x), $2 s CPU ($(x $secs $2)x), peak RSS $(($3 / 1024)) MiB"
# Memory must not grow with the length (posteriors in $TMPDIR, note creation
# by segments): the 60 s excerpt ten times over.
sox -V1 "$tmp/piano22050.wav" "$tmp/piano10min.wav" repeat 9
set -- $(rtf "$tmp/piano10min.wav")
echo "transcribe: 10 minutes at 22050 Hz: $1 s wall ($(x "$secs * 10" $1)x real time), $2 s CPU ($(x "$secs * 10" $2)x), peak RSS $(($3 / 1024)) MiB (bounded: about the same as for 60 s)"

if [ -d tests/golden/node_modules/@spotify/basic-pitch ] && command -v node >/dev/null; then
	/usr/bin/python3 tests/golden/pack.py decode "$tmp/piano22050.wav" "$tmp/piano.f32"
	(cd tests/golden && node run-js.cjs "$root/data/basic-pitch/model" "$tmp/piano.f32" "$tmp/js" 2>/dev/null)
	js=$(/usr/bin/python3 -c "import json; print(json.load(open('$tmp/js.notes.json'))['wall_s'])")
	echo "transcribe: JS reference (tfjs CPU, model only) on the same samples: $js s, $(awk "BEGIN { printf \"%.2f\", $secs / $js }")x real time; pp-transcribe is $(awk "BEGIN { printf \"%.0f\", $js / $w22 }")x faster"
else
	echo "transcribe: JS reference skipped (run tests/golden/make-golden.sh to install it)"
fi
