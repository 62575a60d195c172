#!/bin/sh
# pp-notes: MIDI <-> notes/1. The MIDI files are written here byte by byte
# (hex below), so each case says exactly what is in the file.
. "$(dirname "$0")/lib.sh"

# hex BYTES... : writes the bytes given in hex to stdout.
hex() {
	for h in "$@"; do
		printf "\\$(printf %03o "0x$h")"
	done
}

# strip FILE: removes pp-notes's own wall time (it varies) from FILE.
strip() {
	sed 's/,"performance_metrics":{"pp-notes":{"wall_s":[0-9.e-]*}}//' "$1" >"$1.tmp" &&
	mv "$1.tmp" "$1"
}

test_lazy_prereq NOTROOT 'test "$(id -u)" != 0'

test_expect_success 'setup: hand-made MIDI files' '
	# type 0, 480 tpq, default tempo; running status; velocity-0 offs
	{ hex 4d 54 68 64 00 00 00 06 00 00 00 01 01 e0
	  hex 4d 54 72 6b 00 00 00 13
	  hex 00 90 3c 64  00 40 5a  83 60 3c 00  83 60 40 00  00 ff 2f 00
	} >running.mid &&
	# type 1, 96 tpq: tempo 120 qpm, then 240 qpm at tick 192 (1 s);
	# notes in track 2 (with a name and a program change), pedals in 3
	{ hex 4d 54 68 64 00 00 00 06 00 01 00 03 00 60
	  hex 4d 54 72 6b 00 00 00 13
	  hex 00 ff 51 03 07 a1 20  81 40 ff 51 03 03 d0 90  00 ff 2f 00
	  hex 4d 54 72 6b 00 00 00 1f
	  hex 00 ff 03 04 70 69 61 6e  00 c0 00  00 90 3c 50  60 80 3c 40
	  hex 81 00 90 3e 46  60 3e 00  00 ff 2f 00
	  hex 4d 54 72 6b 00 00 00 19
	  hex 00 b0 40 7f  00 b0 07 64  30 43 64  30 42 5a  30 40 00
	  hex 81 40 43 00  00 ff 2f 00
	} >tempo.mid &&
	# the same pitch struck twice before release (FIFO pairing)
	{ hex 4d 54 68 64 00 00 00 06 00 00 00 01 01 e0
	  hex 4d 54 72 6b 00 00 00 17
	  hex 00 90 3c 64  81 70 90 3c 32  81 70 80 3c 00  81 70 80 3c 00
	  hex 00 ff 2f 00
	} >overlap.mid
'

test_expect_success 'running status, velocity-0 note-offs' '
	pp-notes running.mid >out.json &&
	strip out.json &&
	cat >expect <<-\EOF &&
	{"pp":"notes/1","source":"running.mid","duration":1.0,"notes":[{"pitch":60,"onset":0.0,"offset":0.5,"velocity":100},{"pitch":64,"onset":0.0,"offset":1.0,"velocity":90}],"pedal":[],"soft":[],"ticks_per_quarter":480}
	EOF
	test_cmp expect out.json
'

test_expect_success 'type 1 with a tempo map, sustain, soft and sostenuto' '
	pp-notes tempo.mid >out.json &&
	strip out.json &&
	cat >expect <<-\EOF &&
	{"pp":"notes/1","source":"tempo.mid","duration":1.375,"notes":[{"pitch":60,"onset":0.0,"offset":0.5,"velocity":80},{"pitch":62,"onset":1.083333333,"offset":1.333333333,"velocity":70}],"pedal":[{"onset":0.0,"offset":0.75}],"soft":[{"onset":0.25,"offset":1.375}],"controls":[{"time":0.0,"number":64,"value":127},{"time":0.25,"number":67,"value":100},{"time":0.5,"number":66,"value":90},{"time":0.75,"number":64,"value":0},{"time":1.375,"number":67,"value":0}],"ticks_per_quarter":96}
	EOF
	test_cmp expect out.json
'

test_expect_success 'overlapping notes of one pitch pair first in, first out' '
	pp-notes overlap.mid >out.json &&
	strip out.json &&
	cat >expect <<-\EOF &&
	{"pp":"notes/1","source":"overlap.mid","duration":0.75,"notes":[{"pitch":60,"onset":0.0,"offset":0.5,"velocity":100},{"pitch":60,"onset":0.25,"offset":0.75,"velocity":50}],"pedal":[],"soft":[],"ticks_per_quarter":480}
	EOF
	test_cmp expect out.json
'

test_expect_success 'MIDI -> JSON -> MIDI -> JSON keeps everything' '
	pp-notes <tempo.mid >a.json &&
	pp-notes -o b.mid a.json &&
	head -c 4 b.mid >magic && printf MThd >expect && test_cmp expect magic &&
	pp-notes <b.mid >b.json &&
	# times within 1 ms; the written file has 480 tpq
	/usr/bin/python3 -c "
import json, sys
a = json.load(open(\"a.json\")); b = json.load(open(\"b.json\"))
assert b[\"ticks_per_quarter\"] == 480
for k in (\"notes\", \"pedal\", \"soft\", \"controls\"):
    assert len(a[k]) == len(b[k]), k
    for x, y in zip(a[k], b[k]):
        for m in x:
            assert abs(x[m] - y[m]) < 0.001, (k, x, y)
" 2>err || { cat err; exit 1; }
'

test_expect_success 'JSON -> MIDI -> JSON is exact on the tick grid' '
	cat >grid.json <<-\EOF &&
	{"pp": "notes/1", "source": "grid", "notes": [
	 {"pitch": 72, "onset": 0.5, "offset": 0.75, "velocity": 30},
	 {"pitch": 60, "onset": 0.0, "offset": 1.0, "velocity": 64},
	 {"pitch": 64, "onset": 0.0, "offset": 0.5, "velocity": 127}],
	 "controls": [{"time": 0.25, "number": 64, "value": 127},
	              {"time": 1.5, "number": 64, "value": 0}]}
	EOF
	pp-notes grid.json >grid.mid &&
	pp-notes <grid.mid >rt.json &&
	strip rt.json &&
	cat >expect <<-\EOF &&
	{"pp":"notes/1","source":"<stdin>","duration":1.5,"notes":[{"pitch":60,"onset":0.0,"offset":1.0,"velocity":64},{"pitch":64,"onset":0.0,"offset":0.5,"velocity":127},{"pitch":72,"onset":0.5,"offset":0.75,"velocity":30}],"pedal":[{"onset":0.25,"offset":1.5}],"soft":[],"controls":[{"time":0.25,"number":64,"value":127},{"time":1.5,"number":64,"value":0}],"ticks_per_quarter":480}
	EOF
	test_cmp expect rt.json
'

test_expect_success '--to json on JSON normalises; --pretty indents; - is stdin' '
	pp-notes --to json - <grid.json >n.json &&
	grep -q "\"source\":\"grid\"" n.json &&
	grep -q "\"duration\":1.5," n.json &&
	grep -q "\"pedal\":\[{\"onset\":0.25,\"offset\":1.5}\]" n.json &&
	pp-notes --pretty --to json grid.json >p.json &&
	test $(wc -l <p.json) -gt 20 &&
	pp-notes --to midi running.mid >r.mid &&
	pp-notes r.mid >r.json &&
	grep -q "\"offset\":0.5,\"velocity\":100" r.json
'

test_expect_success 'a notes/1 input keeps its other members; wall time added' '
	cat >more.json <<-\EOF &&
	{"pp": "notes/1", "mine": {"a": 1}, "notes": [],
	 "performance_metrics": {"pp-transcribe": {"wall_s": 2.5}}}
	EOF
	pp-notes --to json more.json >out.json &&
	grep -q "\"mine\":{\"a\":1}" out.json &&
	grep -q "\"performance_metrics\":{\"pp-transcribe\":{\"wall_s\":2.5},\"pp-notes\":{\"wall_s\":[0-9.e-]*}}" out.json
'

test_expect_success 'the -o extension picks the output kind' '
	pp-notes -o copy.mid tempo.mid &&
	head -c 4 copy.mid >magic && printf MThd >expect && test_cmp expect magic &&
	pp-notes -o copy.json grid.json &&
	grep -q "^{\"pp\":\"notes/1\"" copy.json &&
	pp-notes -o other.out grid.json &&
	head -c 4 other.out >magic && printf MThd >expect && test_cmp expect magic
'

test_expect_success 'man page examples run' '
	cp tempo.mid etude.mid && cp a.json take.json &&
	pp-notes --pretty etude.mid >/dev/null &&
	pp-notes --to json -o clean.json take.json && test -s clean.json
'

# must_fail_with 'MESSAGE' CMD... : exit 1, nothing on stdout, exactly one
# line on stderr, which is MESSAGE.
must_fail_with() {
	local msg=$1
	shift
	test_expect_code 1 "$@" >stdout 2>stderr &&
	test ! -s stdout &&
	echo "$msg" >expect_err &&
	test_cmp expect_err stderr
}

test_expect_success 'JSON contract errors: one line, exit 1' '
	echo "{\"pp\": \"alignment/1\", \"notes\": []}" >wrong.json &&
	must_fail_with "pp-notes: '\''wrong.json'\'': expected notes/1, got alignment/1" pp-notes wrong.json &&
	echo "{\"pp\": \"notes/1\"}" >missing.json &&
	must_fail_with "pp-notes: '\''missing.json'\'': missing member '\''notes'\''" pp-notes missing.json &&
	echo "{\"pp\": \"notes/1\", \"notes\": [{\"pitch\": 60, \"onset\": 1, \"offset\": 2}]}" >novel.json &&
	must_fail_with "pp-notes: '\''novel.json'\'': notes[0]: missing member '\''velocity'\''" pp-notes novel.json &&
	echo "{\"pp\": \"notes/1\", \"notes\": [{\"pitch\": 200, \"onset\": 1, \"offset\": 2, \"velocity\": 9}]}" >pitch.json &&
	must_fail_with "pp-notes: '\''pitch.json'\'': notes[0]: pitch 200 out of range 0-127" pp-notes pitch.json &&
	echo "{\"pp\": \"notes/1\", \"notes\": [{\"pitch\": 60, \"onset\": 2, \"offset\": 1, \"velocity\": 9}]}" >order.json &&
	must_fail_with "pp-notes: '\''order.json'\'': notes[0]: offset 1 before onset 2" pp-notes order.json &&
	echo "{\"pp\": \"notes/1\", \"notes\": [}" >broken.json &&
	must_fail_with "pp-notes: '\''broken.json'\'': line 1, column 29: invalid JSON: unexpected token near '\''}'\''" pp-notes broken.json &&
	echo "not a performance" >text.mid &&
	must_fail_with "pp-notes: '\''text.mid'\'': neither a MIDI file nor a notes/1 JSON document" pp-notes text.mid &&
	must_fail_with "pp-notes: '\''nothere.mid'\'': cannot open: No such file or directory" pp-notes nothere.mid
'

# Every length is tried in process by tests/unit/midi_test.c; here every
# 5th, through the tool.
test_expect_success 'truncated MIDI at many lengths: exit 1, one line, no crash' '
	n=$(wc -c <tempo.mid) && i=4 &&
	while [ $i -lt $n ]; do
		head -c $i tempo.mid >cut.mid
		rc=0; pp-notes cut.mid >out 2>err || rc=$?
		test $rc = 1 || { echo "length $i: exit $rc"; cat err; exit 1; }
		test $(wc -l <err) = 1 || { echo "length $i:"; cat err; exit 1; }
		grep -q "^pp-notes: '\''cut.mid'\'': truncated MIDI" err ||
			{ echo "length $i:"; cat err; exit 1; }
		i=$((i + 5))
	done &&
	head -c 60 tempo.mid >cut.mid &&
	must_fail_with "pp-notes: '\''cut.mid'\'': truncated MIDI track 2" pp-notes cut.mid
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 pp-notes --to xml running.mid 2>err &&
	grep -q "unknown kind '\''xml'\''" err &&
	test_expect_code 2 pp-notes a b 2>err &&
	test_expect_code 2 pp-notes -o 2>err
'

test_expect_success 'atomic output: a failure leaves an existing file untouched' '
	echo old >keep.json &&
	test_expect_code 1 pp-notes -o keep.json wrong.json 2>err &&
	echo old >expect && test_cmp expect keep.json &&
	ls -a | grep "^\.keep" >temps || : &&
	test ! -s temps
'

test_expect_success 'atomic output: missing directory, /dev/full' '
	must_fail_with "pp-notes: '\''no/such/dir/x.mid'\'': cannot create: No such file or directory" \
		pp-notes -o no/such/dir/x.mid grid.json &&
	test ! -e no &&
	must_fail_with "pp-notes: '\''/dev/full'\'': write error: No space left on device" \
		pp-notes -o /dev/full grid.json &&
	test_expect_code 1 pp-notes --to json -o /dev/full grid.json 2>err &&
	test $(wc -l <err) = 1
'

test_expect_success NOTROOT 'atomic output: read-only directory' '
	mkdir ro && chmod a-w ro &&
	test_expect_code 1 pp-notes -o ro/x.mid grid.json 2>err &&
	test $(wc -l <err) = 1 &&
	test -z "$(ls -A ro)"
'

test_done
