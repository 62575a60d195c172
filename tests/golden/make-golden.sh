#!/bin/sh
# tests/golden/make-golden.sh - regenerates the transcription fixtures
# (tests/fixtures/transcribe/*.flac) and the reference outputs
# (tests/golden/*.st.gz, *.notes.json) from Spotify's own JS Basic Pitch
# (@spotify/basic-pitch 1.0.1 under node, tfjs pure-CPU backend), which
# tests/t0600-transcribe-golden.sh compares pp-transcribe against.
#
# Needs node/npm (the package is installed into tests/golden/node_modules,
# gitignored), fluidsynth with FluidR3_GM, sox, flac, /usr/bin/python3 with
# numpy, the weights (tools/fetch-basic-pitch.sh) and ../shared/data for the
# PercePiano MIDI. Never needed by the test suite.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
model=$root/data/basic-pitch/model
fx=$root/tests/fixtures/transcribe
shared=${PP_SHARED:-$root/../shared/data}
sf=/usr/share/sounds/sf2/FluidR3_GM.sf2
py=/usr/bin/python3

[ -f "$model/model.json" ] || sh "$root/tools/fetch-basic-pitch.sh"
if [ ! -d "$here/node_modules/@spotify/basic-pitch" ]; then
	(cd "$here" && npm install --no-save --no-audit --no-fund @spotify/basic-pitch@1.0.1)
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pp-golden.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$fx"

# Fixture audio: mono 16-bit FLAC at 22050 Hz, so no resampling is involved.
render() { # MIDI OUT.flac SECONDS
	fluidsynth -ni -R 0 -C 0 -g 0.5 -F "$tmp/r.wav" -r 22050 "$sf" "$1" >/dev/null 2>&1
	sox -D "$tmp/r.wav" -c 1 -b 16 "$2" trim 0 "$3"
}
$py "$here/write-midi.py" "$tmp/scale.mid"
render "$tmp/scale.mid" "$fx/scale.flac" 7
render "$shared/percepiano/performances/Schubert_D935_no.3_4bars_12_1.mid" "$fx/piano.flac" 8
sox -D -n -r 22050 -c 1 -b 16 "$fx/silence.flac" trim 0 1.0
sox -D -n -r 22050 -c 1 -b 16 "$fx/short.flac" synth 0.05 sine 440 gain -6

for name in scale piano silence short; do
	flac -s -d -f -o "$tmp/$name.wav" "$fx/$name.flac"
	$py "$here/pack.py" decode "$tmp/$name.wav" "$tmp/$name.f32"
	node "$here/run-js.cjs" "$model" "$tmp/$name.f32" "$tmp/$name" posteriors 2>/dev/null
	case $name in scale|piano) step=3 ;; *) step=1 ;; esac
	$py "$here/pack.py" golden "$tmp/$name" "$here/$name" "$step"
	gzip -n -9 -f "$here/$name.st"
	echo "make-golden: $name done"
done
