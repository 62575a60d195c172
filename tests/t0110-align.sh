#!/bin/sh
# pp-align on synthetic ground truth: a generated score rendered with a
# tempo curve and jitter, then damaged with known errors (tests/align/synth.py).
# Match F must reach 0.98 at the 5 % levels on seeds 1-8, also with a
# skipped passage and with a restart; the 10 % figures are printed (and
# must stay above 0.97).
. "$(dirname "$0")/lib.sh"
SYNTH=$ROOT/tests/align/synth.py

f_of() { jq -r .match.f "$1"; }

test_expect_success 'setup: a 32-bar score and its model' '
	/usr/bin/python3 "$SYNTH" score s.musicxml 32 1 &&
	echo "{\"pp\": \"notes/1\", \"notes\": []}" >empty.json &&
	pp-align -s s.musicxml empty.json -o model.json &&
	test "$(jq ".score.notes | length" model.json)" = 640 &&
	test "$(jq ".summary.missing" model.json)" = 640
'

SEEDS="1 2 3 4 5 6 7 8"
for seed in $SEEDS; do
	test_expect_success "5 % dropped, 5 % added, octave/semitone errors, trills, repeated bar (seed $seed)" "
		/usr/bin/python3 \"\$SYNTH\" perf model.json o$seed $seed 0.05 0.05 &&
		pp-align -s s.musicxml o$seed/perf.json -o o$seed/est.json &&
		pp-eval alignment --json o$seed/truth.json o$seed/est.json >o$seed/score.json &&
		jq -e \".match.f >= 0.98\" o$seed/score.json
	"
done

test_expect_success '5 %, and two bars skipped (seed 1)' '
	/usr/bin/python3 "$SYNTH" perf model.json sk 1 0.05 0.05 skip:10:2 &&
	pp-align -s s.musicxml sk/perf.json -o sk/est.json &&
	pp-eval alignment --json sk/truth.json sk/est.json >sk/score.json &&
	jq -e ".match.f >= 0.98" sk/score.json
'

test_expect_success '5 %, and a restart one bar back (seed 2)' '
	/usr/bin/python3 "$SYNTH" perf model.json rs 2 0.05 0.05 restart:12:1 &&
	pp-align -s s.musicxml rs/perf.json -o rs/est.json &&
	pp-eval alignment --json rs/truth.json rs/est.json >rs/score.json &&
	jq -e ".match.f >= 0.98" rs/score.json &&
	jq -e "([.extra[] | select(.kind == \"repeat\")] | length) >= 10" rs/est.json
'

test_expect_success 'at 10 % the figures are printed' "
	for seed in $SEEDS; do
		/usr/bin/python3 \"\$SYNTH\" perf model.json p\$seed \$seed 0.10 0.10 &&
		pp-align -s s.musicxml p\$seed/perf.json -o p\$seed/est.json &&
		pp-eval alignment --json p\$seed/truth.json p\$seed/est.json >p\$seed/score.json &&
		jq -e '.match.f > 0.97' p\$seed/score.json || exit 1
	done
"
for seed in $SEEDS; do
	test -f "$TRASH/p$seed/score.json" &&
	echo "# 10 % seed $seed: $(jq -c '[.match.f, .insertion.f, .deletion.f]' "$TRASH/p$seed/score.json") (match, insertion, deletion F)"
done

test_expect_success 'nothing dropped or added: summary consistent, trills and the repeated bar recognized' '
	/usr/bin/python3 "$SYNTH" perf model.json c 2 0 0 &&
	pp-align -s s.musicxml c/perf.json -o c/est.json &&
	pp-eval alignment --json c/truth.json c/est.json >c/score.json &&
	jq -e ".match.f >= 0.99" c/score.json &&
	jq -e ".summary | .matched + .wrong_pitch + .missing == .notes_expected" c/est.json &&
	jq -e "([.match[] | select(.status == \"wrong_pitch\")] | length) == .summary.wrong_pitch" c/est.json &&
	jq -e ".summary.wrong_pitch >= 25" c/est.json &&
	jq -e ".summary.beats | length == 128" c/est.json &&
	jq -e ".summary.measures | length == 32" c/est.json &&
	jq -e "([.extra[] | select(.kind == \"ornament\")] | length) >= 6" c/est.json &&
	jq -e "([.extra[] | select(.kind == \"repeat\")] | length) >= 10" c/est.json
'

test_expect_success 'MIDI input and stdin give the same alignment as JSON' '
	pp-notes --to midi -o c/perf.mid c/perf.json &&
	pp-align -s s.musicxml c/perf.mid -o c/mid.json &&
	pp-align -s s.musicxml <c/perf.json >c/stdin.json &&
	jq -c "[.match[] | .status]" c/mid.json >a &&
	jq -c "[.match[] | .status]" c/stdin.json >b &&
	test_cmp a b
'

test_expect_success 'the example fixture is a valid alignment/1 document' '
	jq -e ".pp == \"alignment/1\" and (.match | length) == (.score.notes | length)" \
		"$FIXTURES/align/example.alignment.json" &&
	jq -e ".performance.controls | length > 0" "$FIXTURES/align/example.alignment.json"
'

test_expect_success 'usage errors exit 2, bad performances exit 1 with one line' '
	test_expect_code 2 pp-align empty.json 2>err && grep -q "missing -s SCORE" err &&
	test_expect_code 2 pp-align -s s.musicxml -u maybe empty.json 2>err &&
	test_expect_code 2 pp-align --bogus 2>err &&
	echo "{\"pp\": \"alignment/1\"}" >wrong.json &&
	test_expect_code 1 pp-align -s s.musicxml wrong.json 2>err && test_one_line err &&
	grep -q "expected notes/1" err &&
	test_expect_code 1 pp-align -s nonexistent.musicxml empty.json 2>err && test_one_line err &&
	pp-align --help >help && grep -q "^usage: pp-align -s SCORE" help
'

test_expect_success 'a full disk is exit 1 and -o leaves no partial file' '
	test_expect_code 1 pp-align -s s.musicxml -o /dev/full empty.json 2>err &&
	mkdir ro && chmod 555 ro &&
	{ test_must_fail pp-align -s s.musicxml -o ro/x.json empty.json 2>err || test "$(id -u)" = 0; } &&
	! test -f ro/x.json || test "$(id -u)" = 0
'

test_done
