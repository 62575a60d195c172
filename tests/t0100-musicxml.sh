#!/bin/sh
# MusicXML reading and the score model (pp-align's "score" member): ties,
# chords, grace notes, tuplets, backup/forward, pickup, beats, repeats and
# voltas, directions, .mxl, tremolos played out, and refusals (malformed,
# XXE, not MusicXML).
. "$(dirname "$0")/lib.sh"
A=$FIXTURES/align

score() { # score FILE [OPTS] -> score.json (the score member)
	f=$1; shift
	pp-align "$@" -s "$f" empty.json -o out.json &&
	jq -c .score out.json >score.json
}
q() { jq -c "$1" score.json; }

test_expect_success 'setup' '
	echo "{\"pp\": \"notes/1\", \"notes\": []}" >"$TRASH/empty.json"
'

test_expect_success 'identity, pickup, beats, signatures' '
	score "$A/basic.musicxml" &&
	test "$(q "[.title, .composer, .unfolded]")" = "[\"Basic\",\"Tester\",false]" &&
	test "$(q "[.measures[] | [.number, .onset, .length, .implicit]]")" = \
		"[[\"0\",0,1,true],[\"1\",1,3,false],[\"2\",4,3,false]]" &&
	test "$(q .beats)" = "[0,1,2,3,4,5,6]" &&
	test "$(q ".key_signatures")" = "[{\"onset\":0,\"fifths\":-1,\"mode\":\"minor\"}]" &&
	test "$(q ".tempos")" = "[{\"onset\":0,\"qpm\":80,\"text\":\"Andante\"}]"
'

test_expect_success 'directions: dynamics, wedge, words, pedal' '
	test "$(q "[.directions[] | [.onset, .kind, .text]]")" = \
		"[[0,\"words\",\"Andante\"],[0,\"dynamic\",\"mf\"],[1,\"pedal\",\"start\"],[1,\"wedge\",\"crescendo\"],[4,\"pedal\",\"stop\"],[4,\"dynamic\",\"p\"]]"
'

test_expect_success 'grace notes count back from the main note, before it' '
	test "$(q "[.notes[] | select(.onset == 1) | [.pitch, .grace, .preceded_by_grace]]")" = \
		"[[72,-2,false],[70,-1,false],[74,0,true],[65,0,false],[50,0,false]]" &&
	test "$(q "[.notes[] | select(.grace != 0) | .duration]")" = "[0,0]"
'

test_expect_success 'ties merged, chord flag, slur/beam/notations' '
	test "$(q ".notes[3] | [.pitch, .duration, .chord, .slur, .notations]")" = \
		"[74,2,false,[\"start\"],[\"staccato\"]]" &&
	test "$(q ".notes[4] | [.pitch, .chord]")" = "[65,true]" &&
	test "$(q "[.notes[] | select(.pitch == 74)] | length")" = 1
'

test_expect_success 'tuplets exact through divisions, trill, accent, beams' '
	test "$(q "[.notes[] | select(.beam != []) | [.pitch, (.onset * 3 | round), (.duration * 3 | round), .beam[0]]]")" = \
		"[[76,9,1,\"start\"],[77,10,1,\"continue\"],[79,11,1,\"stop\"]]" &&
	test "$(q ".notes[7].notations")" = "[\"trill\"]" &&
	test "$(q ".notes[8].notations")" = "[\"accent\"]"
'

test_expect_success 'backup/forward, following rest with fermata, overlapped duplicate' '
	test "$(q ".notes[5] | [.staff, .voice, .onset, .following_rest, .followed_by_fermata_rest]")" = \
		"[2,5,1,1,true]" &&
	test "$(q "[.notes[] | select(.onset == 4) | [.pitch, .voice, .duration, .overlapped, .notations]]")" = \
		"[[69,1,3,true,[\"fermata\"]],[50,5,3,false,[]]]" &&
	test "$(q ".notes | length")" = 11 &&
	test "$(q "[.notes[] | .beat]")" = "[0,1,1,1,1,1,3,3,3,4,4]"
'

test_expect_success 'repeats kept as written, 6/8 counts two beats' '
	score "$A/repeat.musicxml" -u no &&
	test "$(q "[.measures[] | .number]")" = "[\"1\",\"2\",\"3\",\"4\"]" &&
	test "$(q .beats)" = "[0,2,4,6,8,10,12,13.5]"
'

test_expect_success 'repeats unfolded with voltas' '
	score "$A/repeat.musicxml" -u yes &&
	test "$(q "[.unfolded, [.measures[] | .number], [.notes[] | .pitch]]")" = \
		"[true,[\"1\",\"2\",\"3\",\"1\",\"2\",\"4\"],[60,62,64,60,62,65]]"
'

test_expect_success 'compressed .mxl with META-INF/container.xml' '
	mkdir -p mxl/META-INF &&
	cp "$A/basic.musicxml" mxl/inner.xml &&
	printf "<?xml version=\"1.0\"?><container><rootfiles><rootfile full-path=\"inner.xml\"/></rootfiles></container>" \
		>mxl/META-INF/container.xml &&
	(cd mxl && zip -q -r ../piece.mxl META-INF inner.xml) &&
	score piece.mxl && test "$(q ".notes | length")" = 11 && test "$(q .title)" = "\"Basic\""
'

test_expect_success 'external entities are neither fetched nor expanded' '
	score "$A/xxe.musicxml" &&
	test "$(q .title)" = "\"\"" &&
	! grep -q root: out.json
'

test_expect_success 'internal entities with markup stay unexpanded (streamed parse)' '
	score "$A/entity.musicxml" &&
	test "$(q "[.title, [.measures[].number], [.notes[].pitch], [.directions[].text]]")" = \
		"[\"T  x\",[\"1\",\"2\"],[62,64],[\"a  b\"]]"
'

test_expect_success 'an empty file: the parser'"'"'s message' '
	: >empty.musicxml &&
	test_expect_code 1 pp-align -s empty.musicxml empty.json 2>err &&
	test_one_line err && grep -q "empty.musicxml.: line 1: Document is empty" err
'

test_expect_success 'malformed XML: one line with the line number' '
	test_expect_code 1 pp-align -s "$A/malformed.musicxml" empty.json 2>err &&
	test_one_line err && grep -q "malformed.musicxml.: line [0-9]" err
'

test_expect_success 'not MusicXML, missing duration, not a zip' '
	test_expect_code 1 pp-align -s "$A/notmusic.xml" empty.json 2>err &&
	grep -q "not MusicXML (root element <html>)" err &&
	test_expect_code 1 pp-align -s "$A/noduration.musicxml" empty.json 2>err &&
	grep -q "line 3: <note> without <duration>" err &&
	printf "PK\003\004garbage" >bad.mxl &&
	test_expect_code 1 pp-align -s bad.mxl empty.json 2>err &&
	grep -q "not a valid .mxl" err && test_one_line err
'

test_expect_success 'tremolos played out: single, two-note, dotted, tied, triplet' '
	score "$A/tremolo.musicxml" &&
	q "[.notes[] | [(.onset * 12 | round), (.duration * 12 | round), .pitch, .tremolo]] | .[]" >actual &&
	cat >expect <<-\EOF &&
	[0,3,72,1]
	[0,48,48,null]
	[3,3,72,2]
	[6,3,72,3]
	[9,3,72,4]
	[12,3,74,1]
	[15,3,74,2]
	[18,6,76,null]
	[24,3,69,1]
	[24,3,65,1]
	[27,3,72,2]
	[30,3,69,3]
	[30,3,65,3]
	[33,3,72,4]
	[36,3,69,5]
	[36,3,65,5]
	[39,3,72,6]
	[42,3,69,7]
	[42,3,65,7]
	[45,3,72,8]
	[48,6,67,1]
	[54,6,67,2]
	[60,6,67,3]
	[66,6,69,null]
	[72,6,71,1]
	[78,6,71,2]
	[84,6,71,3]
	[90,6,71,4]
	[96,24,72,null]
	[120,12,74,null]
	[132,2,76,1]
	[134,2,76,2]
	[136,4,77,null]
	[140,4,79,null]
	EOF
	test_cmp expect actual
'

test_expect_success 'tremolo strokes: the first keeps the id and markings' '
	test "$(q "[.notes[] | select(.xml_id) | [.xml_id, .tremolo, (.onset * 4), .notations]]")" = \
		"[[\"c1\",1,0,[\"accent\"]],[\"f1\",1,8,[]],[\"c2\",2,9,[]]]" &&
	test "$(q "[.notes[] | select(.pitch == 72 and .onset < 1) | .notations]")" = \
		"[[\"accent\"],[],[],[]]"
'

test_expect_success '--tremolo no keeps the notes as written' '
	score "$A/tremolo.musicxml" --tremolo no &&
	q "[.notes[] | [(.onset * 12 | round), (.duration * 12 | round), .pitch]] | .[]" >actual &&
	cat >expect <<-\EOF &&
	[0,12,72]
	[0,48,48]
	[12,6,74]
	[18,6,76]
	[24,12,69]
	[24,12,65]
	[36,12,72]
	[48,18,67]
	[66,6,69]
	[72,24,71]
	[96,24,72]
	[120,12,74]
	[132,4,76]
	[136,4,77]
	[140,4,79]
	EOF
	test_cmp expect actual &&
	test "$(q "[.notes[] | select(has(\"tremolo\"))] | length")" = 0 &&
	test_expect_code 2 pp-align -s "$A/tremolo.musicxml" --tremolo maybe empty.json 2>err &&
	grep -q "^pp-align: --tremolo: unknown mode .maybe. (yes or no)\$" err
'

test_done
