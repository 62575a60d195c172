#!/bin/sh
# pp-analyze: the whole chain in one command, from notes/1, MIDI and audio.
. "$(dirname "$0")/lib.sh"

test_lazy_prereq CHAIN 'for t in pp-notes pp-synth pp-transcribe pp-align pp-features pp-infer pp-retrieve pp-feedback pp-report; do test -x "$PP_BIN/$t" || exit 1; done'
D=$ROOT/examples/demo/fixtures

test_expect_success CHAIN 'from a notes/1 document: a final feedback/1 document with stage times' '
	pp-analyze -o final.json --composer "pp fixtures" --performer Tester "$D/scale-perf.json" "$D/scale.musicxml" &&
	test "$(jq -r .pp final.json)" = feedback/1 &&
	test "$(jq -r .id final.json)" = scale-perf &&
	test "$(jq -r .meta.performer final.json)" = Tester &&
	test "$(jq ".dimensions | length" final.json)" = 19 &&
	jq -e ".feedback.words >= 150 and .feedback.words <= 200" final.json >/dev/null &&
	for s in pp-align pp-features pp-infer pp-retrieve pp-feedback; do
		jq -e ".performance_metrics[\"$s\"].wall_s > 0" final.json >/dev/null || { echo "no time for $s"; exit 1; }
	done &&
	jq -e ".performance_metrics[\"pp-transcribe\"] == null" final.json >/dev/null
'

test_expect_success CHAIN 'from MIDI, with --text and a report' '
	pp-notes --to midi -o perf.mid "$D/scale-perf.json" &&
	pp-analyze --text -r site perf.mid "$D/scale.musicxml" >text &&
	test "$(wc -w <text)" -ge 150 &&
	test -f site/perf.html && test -f site/index.html
'

test_expect_success CHAIN,FLUID 'from audio: transcription first, audio kept for the report' '
	pp-notes --to midi -o perf.mid "$D/scale-perf.json" &&
	pp-synth -o perf.flac perf.mid &&
	pp-analyze -o final-audio.json -r site perf.flac "$D/scale.musicxml" &&
	jq -e ".performance_metrics[\"pp-transcribe\"].wall_s > 0" final-audio.json >/dev/null &&
	test "$(jq -r .audio.path final-audio.json)" = perf.flac &&
	test -f site/audio/perf.flac
'

test_expect_success CHAIN 'a failing stage stops the chain with its own one-line message' '
	echo "<score-partwise>" >bad.musicxml &&
	test_must_fail pp-analyze -o out.json "$D/scale-perf.json" bad.musicxml 2>err &&
	grep -q "^pp-align: .*bad.musicxml" err && test_one_line err &&
	! test -e out.json
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 pp-analyze only-one-arg 2>err &&
	grep -q "need REC and SCORE" err &&
	test_expect_code 2 pp-analyze --bogus a b 2>err
'

test_done
