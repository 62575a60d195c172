#!/bin/sh
# pp-transcribe against the reference: posteriors and notes of Spotify's JS
# Basic Pitch (tests/golden/make-golden.sh, run under node, wrote the
# goldens) on four fixtures: a FluidSynth scale and chords, a rendered
# PercePiano excerpt, silence and a 50 ms tone. Posteriors must agree within
# 1e-4 (max abs), notes must be the same (pitch, onset and offset within one
# frame), with and without the melodia pass.
. "$(dirname "$0")/lib.sh"

test_lazy_prereq WEIGHTS 'test -f "$PP_DATADIR/basic-pitch/model/model.json"'
test_lazy_prereq NUMPY '/usr/bin/python3 -c "import numpy"'

for name in scale piano silence short; do
	test_expect_success WEIGHTS,NUMPY "$name: posteriors and notes equal the reference" "
		pp-transcribe --posteriors $name.st -o $name.json \"\$FIXTURES/transcribe/$name.flac\" &&
		pp-transcribe --no-melodia -o $name.nomel.json \"\$FIXTURES/transcribe/$name.flac\" &&
		/usr/bin/python3 \"\$ROOT/tests/golden/compare.py\" \"\$ROOT/tests/golden/$name\" \
			$name.st $name.json $name.nomel.json >report &&
		cat report >&2
	"
done

test_expect_success WEIGHTS 'scale: the eight scale notes come out in order' '
	pp-transcribe --no-melodia -o s.json "$FIXTURES/transcribe/scale.flac" &&
	/usr/bin/python3 -c "
import json
n = json.load(open(\"s.json\"))[\"notes\"]
first = [x[\"pitch\"] for x in n if x[\"onset\"] < 2.2 and x[\"pitch\"] < 73]
assert first == [60, 62, 64, 65, 67, 69, 71, 72], first
"
'

test_done
