#!/bin/sh
# t0200-features.sh - pp-features on hand-made alignments with known answers
# (tests/fixtures/features/make.py): deadpan, 1.25x tempo, staccato, pedal,
# a missing note, an extra note; output formats; statistics; bad input.
. "$(dirname "$0")/lib.sh"

F=$FIXTURES/features

# col FILE N: column N of x, one value per line (6 decimals)
col() {
	jq -r --argjson c "$2" '.x[] | .[$c] | . * 1000000 | round / 1000000' "$1"
}

test_expect_success 'setup: raw JSON features of every variant' '
	for v in deadpan fast staccato pedal missing extra; do
		pp-features --raw --json -o $v.json $F/$v.alignment.json || return 1
	done &&
	test "$(jq ".x | length" deadpan.json)" = 12 &&
	test "$(jq ".x[0] | length" deadpan.json)" = 101
'

test_expect_success 'deadpan: zero onset deviation, zero articulation' '
	col deadpan.json 81 | sort -u >dev &&
	echo 0 >want && test_cmp want dev &&
	col deadpan.json 84 | sort -u >art && test_cmp want art
'

test_expect_success 'deadpan: beat, measure, section tempo and qpm_primo = log10(120)' '
	for c in 3 77 78 79; do col deadpan.json $c; done | sort -u >t &&
	echo 2.079181 >want && test_cmp want t
'

test_expect_success 'deadpan: score columns' '
	jq -c ".x[3] | [.[0], .[1], .[2], .[7], .[8], .[25], .[30], .[34], .[36], .[62], .[96]] | map(. * 1e6 | round / 1e6)" deadpan.json >got &&
	echo "[1,3,4,0.5,0.25,-0.5,-0.4,1,1,1,67]" >want && test_cmp want got &&
	jq -c "[.voice, .beat, .measure, .note_index[0:3]]" deadpan.json >got &&
	echo "[[1,5,1,1,5,1,1,5,1,1,5,1],[0,0,1,2,2,3,4,4,5,6,6,7],[0,0,0,0,0,0,1,1,1,1,1,1],[0,1,2]]" >want &&
	test_cmp want got
'

# differ A B: the columns where two outputs differ (by more than 1e-6)
differ() {
	jq -n -r --slurpfile a "$1" --slurpfile b "$2" \
		'range(0; 101) as $c | select([range(0; $a[0].x | length) as $r |
		 ($a[0].x[$r][$c] - $b[0].x[$r][$c]) | fabs > 1e-6] | any) | $c'
}

test_expect_success '1.25x tempo changes only the tempo columns (and MIDI times)' '
	differ deadpan.json fast.json >cols &&
	printf "3\n77\n78\n79\n94\n95\n" >want && test_cmp want cols &&
	col fast.json 77 | sort -u >t && echo 2.176091 >want && test_cmp want t
'

test_expect_success 'staccato halves the key-down time: articulation = log10(0.5)' '
	differ deadpan.json staccato.json >cols &&
	printf "84\n95\n" >want && test_cmp want cols &&
	col staccato.json 84 | sort -u >a && echo -0.30103 >want && test_cmp want a
'

test_expect_success 'pedal down changes only the pedal columns' '
	differ deadpan.json pedal.json >cols &&
	printf "87\n88\n90\n91\n" >want && test_cmp want cols &&
	col pedal.json 87 | sort -u >p && echo 126 >want && test_cmp want p &&
	col deadpan.json 87 | sort -u >p && echo 0 >want && test_cmp want p &&
	col pedal.json 91 | head -2 >p && printf "0\n126\n" >want && test_cmp want p
'

test_expect_success 'missing note: previous velocity, zero deviation and MIDI values' '
	jq -c ".x[1] | [.[80], .[81], .[84], .[92], .[93], .[94], .[95]]" missing.json >got &&
	echo "[50,0,0,0,0,0,0]" >want && test_cmp want got &&
	test "$(jq ".x | length" missing.json)" = 12
'

test_expect_success 'extra note: inserted row, voice 0, copied beat and position' '
	test "$(jq ".x | length" extra.json)" = 13 &&
	jq -c "[.note_index[3], .voice[3], .beat[3], .measure[3]]" extra.json >got &&
	echo "[-1,0,2,0]" >want && test_cmp want got &&
	jq -c ".x[3] | [.[0], .[7], .[8], .[80], .[92], .[93], .[94], .[96], .[62]]" extra.json >got &&
	echo "[0,0.5,0.25,0,61,90,0.75,0,1]" >want && test_cmp want got
'

test_expect_success 'safetensors output: tensors and metadata' '
	pp-features --raw -o d.st $F/deadpan.alignment.json &&
	hl=$(od -An -tu8 -N8 d.st | tr -d " ") &&
	dd if=d.st bs=1 skip=8 count=$hl 2>/dev/null >h.json &&
	jq -c "[.x.dtype, .x.shape, .voice.dtype, .beat.shape, .__metadata__.pp, .__metadata__.norm_id]" h.json >got &&
	echo "[\"F32\",[12,101],\"I32\",[12],\"features/1\",\"raw\"]" >want && test_cmp want got &&
	jq -r ".__metadata__.feature_names" h.json | jq -r ".[84]" >got &&
	echo articulation >want && test_cmp want got &&
	jq -r ".__metadata__.document" h.json | jq -c "[.pp, (.score.notes|type), .match, .summary.notes_expected]" >got &&
	echo "[\"alignment/1\",\"null\",null,12]" >want && test_cmp want got
'

test_expect_success '--names lists 101 columns with groups' '
	pp-features --names >names &&
	test $(wc -l <names) = 101 &&
	sed -n "1p;93p;101p" names >got &&
	printf "0\tduration\tscore\tz\n92\tmmidi_pitch\traw midi\traw\n100\tfollowing_rest_unnorm\tunnormalized copies\traw\n" >want &&
	test_cmp want got
'

test_expect_success '--stats: population mean and std, qpm_primo per file' '
	pp-features --raw -o a.st $F/deadpan.alignment.json &&
	pp-features --raw -o b.st $F/fast.alignment.json &&
	pp-features --stats -o s1.json a.st b.st &&
	jq -c "[.pp, .id, .columns[80].mean, .columns[80].std, .columns[7].std, .columns[7].zscored]" s1.json >got &&
	echo "[\"norm/1\",\"s1\",61,6.904105059,1,false]" >want && test_cmp want got &&
	jq ".columns[3].mean * 1e6 | round" s1.json >got &&
	echo 2127636 >want && test_cmp want got
'

test_expect_success '--norm z-scores the z columns only' '
	pp-features --norm s1.json --json -o n.json $F/deadpan.alignment.json &&
	test "$(jq -r .norm_id n.json)" = s1 &&
	jq -c ".x[0] | [(.[80] * 1e4 | round), .[7], .[92]]" n.json >got &&
	echo "[-15933,0,60]" >want && test_cmp want got
'

test_expect_success 'default normalization: data/norm/percepiano-comp-train.json' '
	pp-features --json -o dn.json $F/deadpan.alignment.json &&
	test "$(jq -r .norm_id dn.json)" = percepiano-comp-train &&
	m=$(jq ".columns[80].mean" "$ROOT/data/norm/percepiano-comp-train.json") &&
	s=$(jq ".columns[80].std" "$ROOT/data/norm/percepiano-comp-train.json") &&
	jq --argjson m "$m" --argjson s "$s" \
		".x[0][80] - (50 - \$m) / \$s | fabs < 1e-5" dn.json >got &&
	echo true >want && test_cmp want got
'

test_expect_success 'the real example alignment (pp-align output)' '
	pp-features --raw --json -o ex.json $FIXTURES/align/example.alignment.json &&
	test "$(jq ".x | length" ex.json)" = 69 &&
	test "$(jq "[.voice[] | select(. == 0)] | length" ex.json)" = 0 &&
	jq -r ".x[0][25]" ex.json >got && echo -0.5 >want && test_cmp want got
'

test_expect_success 'stdin input and stdout output' '
	pp-features --raw --json <$F/deadpan.alignment.json >s.json &&
	jq -c .x deadpan.json >a && jq -c .x s.json >b && test_cmp a b
'

test_expect_success 'wrong format: one line, exit 1' '
	echo "{\"pp\": \"notes/1\", \"notes\": []}" >n1.json &&
	test_expect_code 1 pp-features --raw n1.json 2>err &&
	test_one_line err &&
	grep -q "expected alignment/1, got notes/1" err
'

test_expect_success 'missing member: one line naming it' '
	jq "del(.score.beats)" $F/deadpan.alignment.json >nb.json &&
	test_expect_code 1 pp-features --raw nb.json 2>err &&
	test_one_line err && grep -q "missing member .beats." err &&
	jq "del(.match)" $F/deadpan.alignment.json >nm.json &&
	test_expect_code 1 pp-features --raw nm.json 2>err &&
	test_one_line err && grep -q "match" err &&
	jq ".score.notes[2].measure = 9" $F/deadpan.alignment.json >bm.json &&
	test_expect_code 1 pp-features --raw bm.json 2>err &&
	test_one_line err && grep -q "notes\[2\]: measure 9 out of range" err
'

test_expect_success 'not JSON, missing file, bad norm file' '
	echo "not json" >bad.json &&
	test_expect_code 1 pp-features --raw bad.json 2>err && test_one_line err &&
	test_expect_code 1 pp-features --raw nosuch.json 2>err && test_one_line err &&
	test_expect_code 1 pp-features --norm n1.json $F/deadpan.alignment.json 2>err &&
	test_one_line err && grep -q "expected norm/1" err &&
	test_expect_code 1 pp-features --stats -o x.json n.json 2>err && test_one_line err
'

test_expect_success 'usage errors exit 2; --help and --version exit 0' '
	test_expect_code 2 pp-features --bogus 2>err &&
	test_expect_code 2 pp-features --raw --norm s1.json x 2>err &&
	test_expect_code 2 pp-features --raw a b 2>err &&
	test_expect_code 2 pp-features --stats 2>err &&
	pp-features --help >out && grep -q "^usage: pp-features" out &&
	pp-features --version >out && grep -q "pp-features" out
'

test_expect_success 'a full disk is exit 1 and leaves no file' '
	test_expect_code 1 pp-features --raw -o /dev/full $F/deadpan.alignment.json 2>err &&
	test_one_line err &&
	mkdir ro && chmod a-w ro &&
	if ! touch ro/probe 2>/dev/null; then
		test_expect_code 1 pp-features --raw -o ro/x.st $F/deadpan.alignment.json 2>err &&
		test ! -e ro/x.st
	fi
'

test_expect_success SHARED,EXPENSIVE 'align + features over all 1189 labelled segments, none fails' '
	sh "$ROOT/tools/make-features.sh" -b "$PP_BIN" "$TRASH/all" >report 2>&1 ||
		{ cat report; head "$TRASH/all/failures.txt"; false; } &&
	grep -q "segments: 1189, failed: 0" report &&
	test $(ls "$TRASH/all/norm" | wc -l) = 1189
'

test_done
