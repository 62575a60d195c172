#!/bin/sh
# pp-transcribe in bounded memory: the posteriors go to temporary files in
# $TMPDIR and note creation runs segment by segment, cut at quiet runs
# (exact) or, past PP_TRANSCRIBE_MAX_SEGMENT frames without one, forced.
. "$(dirname "$0")/lib.sh"

test_lazy_prereq WEIGHTS 'test -f "$PP_DATADIR/basic-pitch/model/model.json"'
piano=$FIXTURES/transcribe/piano.flac
scale=$FIXTURES/transcribe/scale.flac

# FILE -> "SEGMENTS FORCED" from the --progress line in FILE
cuts() {
	tr '\r' '\n' <"$1" | sed -n 's/.*note creation: \([0-9]*\) segments, \([0-9]*\) forced cuts.*/\1 \2/p'
}

test_expect_success WEIGHTS 'cuts at quiet runs give the notes of the whole input' '
	for f in "$piano" "$scale"; do
		pp-transcribe --progress -o seg.json "$f" 2>err &&
		set -- $(cuts err) && test "$1" -ge 2 && test "$2" = 0 &&
		PP_TRANSCRIBE_MAX_SEGMENT=0 pp-transcribe --progress -o whole.json "$f" 2>err &&
		test "$(cuts err)" = "1 0" &&
		/usr/bin/python3 -c "
import json
a, b = (json.load(open(f))[\"notes\"] for f in (\"seg.json\", \"whole.json\"))
assert a == b and len(a) > 20, (len(a), len(b))
" || exit 1
	done
'

test_expect_success WEIGHTS 'forced cuts are counted and give valid notes' '
	pp-transcribe -o whole.json "$piano" &&
	PP_TRANSCRIBE_MAX_SEGMENT=200 pp-transcribe --progress -o forced.json "$piano" 2>err &&
	set -- $(cuts err) && test "$2" -ge 2 &&
	/usr/bin/python3 -c "
import json
d = json.load(open(\"forced.json\"))
ref = json.load(open(\"whole.json\"))[\"notes\"]
n = d[\"notes\"]
assert n and all(21 <= x[\"pitch\"] <= 108 and 1 <= x[\"velocity\"] <= 127 and
                 0 <= x[\"onset\"] < x[\"offset\"] <= d[\"duration\"] for x in n)
assert [x[\"onset\"] for x in n] == sorted(x[\"onset\"] for x in n)
same = [x for x in n if x in ref]
assert len(same) >= 0.75 * len(ref), (len(same), len(ref))
"
'

test_expect_success WEIGHTS 'posteriors file equals the in-memory layout' '
	pp-transcribe --posteriors p.st -o /dev/null "$scale" &&
	/usr/bin/python3 -c "
import json, struct
raw = open(\"p.st\", \"rb\").read()
n = struct.unpack(\"<Q\", raw[:8])[0]
h = json.loads(raw[8:8 + n])
end = max(v[\"data_offsets\"][1] for k, v in h.items() if k != \"__metadata__\")
assert len(raw) == 8 + n + end, (len(raw), 8 + n + end)
t = h[\"frame_time\"][\"data_offsets\"]
times = struct.unpack(\"<%dd\" % 602, raw[8 + n + t[0]:8 + n + t[1]])
assert times[0] == 0 and abs(times[1] - 256 / 22050) < 1e-12 and times[-1] > 6.9
"
'

test_expect_success WEIGHTS 'TMPDIR that does not exist: one line, exit 1, no output' '
	TMPDIR=$TRASH/nosuch test_expect_code 1 pp-transcribe -o out.json "$scale" 2>err &&
	test_one_line err &&
	grep -q "^pp-transcribe: cannot create a temporary file in .*nosuch. (TMPDIR): " err &&
	test ! -e out.json
'

test_expect_success WEIGHTS 'temporary files cannot grow (full disk): one line, exit 1, no output' '
	(trap "" XFSZ; ulimit -f 40 &&
	 test_expect_code 1 pp-transcribe -o out.json "$scale" 2>err) &&
	test_one_line err && grep -q "^pp-transcribe: temporary file in .*: write error: " err &&
	test ! -e out.json
'

test_expect_success 'PP_TRANSCRIBE_MAX_SEGMENT must be a number' '
	PP_TRANSCRIBE_MAX_SEGMENT=lots test_expect_code 2 pp-transcribe "$scale" 2>err &&
	grep -q "PP_TRANSCRIBE_MAX_SEGMENT" err
'

test_done
