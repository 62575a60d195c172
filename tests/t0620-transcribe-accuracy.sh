#!/bin/sh
# Accuracy of pp-transcribe on piano (mir_eval note metrics through
# pp-eval transcription): the real-piano PercePiano recording against its
# performance MIDI (the audio starts 0.24 s into the MIDI's timeline), and
# (EXPENSIVE) 20 PercePiano performances rendered with FluidSynth's GM
# piano. The floors are set a little under the measured values, to catch
# regressions, not to claim quality: Basic Pitch is weak on piano.
. "$(dirname "$0")/lib.sh"

test_lazy_prereq WEIGHTS 'test -f "$PP_DATADIR/basic-pitch/model/model.json"'
f1() { /usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['transcription'][sys.argv[2]])" "$@"; }

test_expect_success SHARED,WEIGHTS 'PercePiano Beethoven recording: onset F1 >= 0.58' '
	p=$PP_SHARED/percepiano &&
	pp-transcribe -o b.json "$p/audio/Beethoven_WoO80_var27_8bars_3_15.wav" &&
	pp-eval transcription --time-offset 0.24 \
		"$p/performances/Beethoven_WoO80_var27_8bars_3_15.mid" b.json >s.json &&
	f=$(f1 s.json F-measure_no_offset) && echo "onset F1 $f, with offsets $(f1 s.json F-measure)" >&2 &&
	awk "BEGIN { exit !($f >= 0.58) }"
'

test_expect_success SHARED,FLUID,WEIGHTS,EXPENSIVE,NOTSAN '20 rendered PercePiano performances: mean onset F1 >= 0.7' '
	ls "$PP_SHARED/percepiano/performances" | grep -v "^ " | sort | awk "NR % 60 == 1" | head -20 >list &&
	test $(wc -l <list) = 20 &&
	: >scores &&
	while read m; do
		fluidsynth -ni -R 0 -C 0 -g 0.5 -F r.wav -r 22050 /usr/share/sounds/sf2/FluidR3_GM.sf2 \
			"$PP_SHARED/percepiano/performances/$m" >/dev/null 2>&1 &&
		pp-transcribe -o t.json r.wav &&
		pp-eval transcription "$PP_SHARED/percepiano/performances/$m" t.json >e.json &&
		echo "$m $(f1 e.json F-measure_no_offset) $(f1 e.json F-measure)" >>scores || exit 1
	done <list &&
	sed "s/^/# /" scores >&2 &&
	mean=$(awk "{ s += \$2; o += \$3 } END { printf \"%.3f %.3f\", s / NR, o / NR }" scores) &&
	echo "mean onset F1, with offsets: $mean" >&2 &&
	awk "BEGIN { exit !(${mean% *} >= 0.7) }"
'

test_done
