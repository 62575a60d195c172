#!/bin/sh
# pp-eval alignment: precision, recall and F of match, insertion and
# deletion sets, with P/R/F worked out by hand on small .match files of the
# three generations of the format (Vienna 4x22 version 5.0, version 1.0.0 as
# in (n)ASAP, and the old 2.0 syntax) and on an alignment/1 document; one
# error line, with the line number, for each kind of malformed line.
. "$(dirname "$0")/lib.sh"
M=$FIXTURES/match

# prf FILE SET: "precision recall f truth estimate" of SET, rounded to 1e-4
prf() {
	jq -r ".$2 as \$s | [\$s.precision, \$s.recall, \$s.f] | map(. * 10000 | round / 10000) + [\$s.truth, \$s.estimate] | map(tostring) | join(\" \")" "$1"
}

test_expect_success '5.0 truth against 1.0.0 estimate: every line kind' '
	pp-eval alignment --json "$M/vienna-v5.match" "$M/asap-v1.match" >o.json &&
	test "$(prf o.json match)" = "0.8 0.8 0.8 5 5" &&
	test "$(prf o.json insertion)" = "0.3333 0.5 0.4 2 3" &&
	test "$(prf o.json deletion)" = "0.5 0.5 0.5 2 2"
'

test_expect_success 'truth and estimate swapped: precision and recall swap' '
	pp-eval alignment --json "$M/asap-v1.match" "$M/vienna-v5.match" >o.json &&
	test "$(prf o.json match)" = "0.8 0.8 0.8 5 5" &&
	test "$(prf o.json insertion)" = "0.5 0.3333 0.4 3 2" &&
	test "$(prf o.json deletion)" = "0.5 0.5 0.5 2 2"
'

test_expect_success 'the old syntax (2.0: lower case, seconds, 6-field notes) reads alike' '
	pp-eval alignment --json "$M/vienna-v5.match" "$M/old-v2.match" >o.json &&
	test "$(prf o.json match)" = "1 1 1 5 5" &&
	test "$(prf o.json insertion)" = "1 1 1 2 2" &&
	test "$(prf o.json deletion)" = "1 1 1 2 2"
'

test_expect_success '.match truth against an alignment/1 estimate (ornaments in no set)' '
	pp-eval alignment --json "$M/vienna-v5.match" "$M/estimate.alignment.json" >o.json &&
	test "$(prf o.json match)" = "1 0.8 0.8889 5 4" &&
	test "$(prf o.json insertion)" = "0.6667 1 0.8 2 3" &&
	test "$(prf o.json deletion)" = "0.6667 1 0.8 2 3"
'

test_expect_success 'a file against itself scores 1 everywhere' '
	for f in vienna-v5.match asap-v1.match old-v2.match; do
		pp-eval alignment --json "$M/$f" "$M/$f" >o.json &&
		jq -e "[.match, .insertion, .deletion] | all(.f == 1)" o.json ||
		{ echo "$f"; exit 1; }
	done
'

# bad NAME LINE TEXT MESSAGE: a file whose line LINE is TEXT (after two good
# lines) fails with exactly MESSAGE on one line
bad() {
	{
		echo "info(matchFileVersion,5.0)."
		echo "snote(n1,[C,n],4,1:1,0,1/4,0.0,1.0,[])-note(0,[C,n],4,480,700,700,64)."
		echo "$2"
	} >"$1" &&
	test_expect_code 1 pp-eval alignment "$1" "$M/vienna-v5.match" 2>err &&
	test_one_line err &&
	echo "pp-eval-alignment: '$1': line 3: $3" >want &&
	test_cmp want err
}

test_expect_success 'malformed lines: one error line with the line number' '
	bad step.match "snote(n2,[H,n],4,1:2,0,1/4,1.0,2.0,[])-deletion." \
		"malformed snote(Anchor,[Step,Modifier],Octave,Bar:Beat,Offset,Duration,OnsetInBeats,OffsetInBeats,[Attributes])" &&
	bad fields.match "snote(n2,[E,n],4,1:2,0,1/4)-deletion." \
		"malformed snote(Anchor,[Step,Modifier],Octave,Bar:Beat,Offset,Duration,OnsetInBeats,OffsetInBeats,[Attributes])" &&
	bad pitch.match "insertion-note(1,128,960,1200,60,0,0)." \
		"malformed note(Id,[Step,Modifier],Octave,Onset,...) or note(Id,MidiPitch,Onset,...)" &&
	bad onset.match "insertion-note(1,[E,n],4,soon,1200,1200,60)." \
		"malformed note(...): bad id or onset" &&
	bad tail.match "snote(n2,[E,n],4,1:2,0,1/4,1.0,2.0,[])-missing." \
		"expected -note(...) or -deletion after snote(...)" &&
	bad dot.match "insertion-note(1,[E,n],4,960,1200,1200,60)" \
		"a line must end with '\''.'\''" &&
	bad kind.match "played(n2)." \
		"not a line of a .match file (snote, insertion, ornament, trill, info...)" &&
	bad orn.match "ornament(n1)." \
		"malformed ornament(Anchor)-note(...) or trill(Anchor)-note(...)" &&
	bad dup.match "insertion-note(0,[E,n],4,960,1200,1200,60)." \
		"performance note '\''0'\'' already on line 2"
'

test_expect_success 'not a .match file, and a binary file' '
	echo "% only a comment" >empty.match &&
	test_expect_code 1 pp-eval alignment empty.match "$M/vienna-v5.match" 2>err &&
	test_one_line err &&
	grep -q "empty.match.: no alignment lines (not a .match file?)" err &&
	printf "snote\000" >nul.match &&
	test_expect_code 1 pp-eval alignment nul.match "$M/vienna-v5.match" 2>err &&
	test_one_line err && grep -q "nul.match.: not a text file (a NUL byte)" err
'

test_done
