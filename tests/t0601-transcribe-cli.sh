#!/bin/sh
# pp-transcribe's command line: outputs (notes/1, MIDI, posteriors), stdin,
# options, and clean failures.
. "$(dirname "$0")/lib.sh"

test_lazy_prereq WEIGHTS 'test -f "$PP_DATADIR/basic-pitch/model/model.json"'
scale=$FIXTURES/transcribe/scale.flac

test_expect_success '--help and --version' '
	pp-transcribe --help >out && grep -q "^usage: pp-transcribe" out &&
	pp-transcribe --version >out && grep -q "^pp-transcribe (pp) " out
'

test_expect_success WEIGHTS 'notes/1 from a file, with timings' '
	pp-transcribe -o n.json "$scale" &&
	/usr/bin/python3 -c "
import json
d = json.load(open(\"n.json\"))
assert d[\"pp\"] == \"notes/1\" and d[\"pedal\"] == []
assert abs(d[\"duration\"] - 7.0) < 1e-6, d[\"duration\"]
assert len(d[\"notes\"]) >= 20 and \"pp-transcribe\" in d[\"performance_metrics\"]
assert all(21 <= n[\"pitch\"] <= 108 and 1 <= n[\"velocity\"] <= 127 for n in d[\"notes\"])
"
'

test_expect_success WEIGHTS 'stdin, redirected or piped, gives the same notes as the file' '
	pp-transcribe <"$scale" >s.json &&
	cat "$scale" | pp-transcribe >p.json &&
	/usr/bin/python3 -c "
import json
a, b, c = (json.load(open(f))[\"notes\"] for f in (\"n.json\", \"s.json\", \"p.json\"))
assert a == b == c and len(a) > 0
"
'

test_expect_success WEIGHTS 'a pipe is copied to TMPDIR: a missing TMPDIR is one line, exit 1' '
	cat "$scale" | TMPDIR=$TRASH/nosuch test_expect_code 1 pp-transcribe -o q.json 2>err &&
	test_one_line err &&
	grep -q "cannot create a temporary file in .*nosuch" err &&
	! test -e q.json
'

test_expect_success WEIGHTS 'MIDI output' '
	pp-transcribe --format midi -o n.mid "$scale" &&
	test "$(head -c 4 n.mid)" = MThd &&
	pp-notes n.mid >back.json &&
	/usr/bin/python3 -c "
import json
a, b = (json.load(open(f))[\"notes\"] for f in (\"n.json\", \"back.json\"))
assert [n[\"pitch\"] for n in a] == [n[\"pitch\"] for n in b]
assert max(abs(x[\"onset\"] - y[\"onset\"]) for x, y in zip(a, b)) < 0.002
"
'

test_expect_success WEIGHTS 'posteriors as safetensors' '
	pp-transcribe --posteriors p.st -o /dev/null "$scale" &&
	/usr/bin/python3 -c "
import json, struct
raw = open(\"p.st\", \"rb\").read()
h = json.loads(raw[8:8 + struct.unpack(\"<Q\", raw[:8])[0]])
assert h[\"note\"][\"shape\"] == [602, 88] and h[\"onset\"][\"shape\"] == [602, 88]
assert h[\"contour\"][\"shape\"] == [602, 264] and h[\"frame_time\"][\"dtype\"] == \"F64\"
assert h[\"__metadata__\"][\"model\"] == \"basic-pitch 1.0.1\"
"
'

test_expect_success WEIGHTS 'thresholds, length and frequency limits change the notes' '
	pp-transcribe --no-melodia --max-freq 300 -o lo.json "$scale" &&
	pp-transcribe --no-melodia --min-freq 300 -o hi.json "$scale" &&
	pp-transcribe --onset-threshold 0.9 --frame-threshold 0.6 --no-melodia -o strict.json "$scale" &&
	pp-transcribe --min-note-ms 2000 -o long.json "$scale" &&
	/usr/bin/python3 -c "
import json
L = lambda f: json.load(open(f))[\"notes\"]
assert L(\"lo.json\") and all(n[\"pitch\"] < 62 for n in L(\"lo.json\"))
assert L(\"hi.json\") and all(n[\"pitch\"] >= 62 for n in L(\"hi.json\"))
assert len(L(\"strict.json\")) < len(L(\"n.json\"))
assert L(\"long.json\") == []
"
'

test_expect_success WEIGHTS 'silence gives no notes' '
	pp-transcribe -o z.json "$FIXTURES/transcribe/silence.flac" &&
	grep -q "\"notes\":\[\]" z.json
'

test_expect_success 'not audio: one line, exit 1, no output file' '
	echo "hello" >text.wav &&
	test_expect_code 1 pp-transcribe -o out.json text.wav 2>err &&
	test_one_line err && grep -q "^pp-transcribe: .text.wav." err &&
	test ! -e out.json &&
	test_expect_code 1 pp-transcribe nosuch.wav 2>err && test_one_line err
'

test_expect_success 'missing weights: says how to get them' '
	mkdir -p empty && touch empty/pp-data &&
	PP_DATADIR=$TRASH/empty test_expect_code 1 pp-transcribe "$scale" 2>err &&
	test_one_line err && grep -q "tools/deps.sh" err
'

test_expect_success WEIGHTS 'a full disk is exit 1' '
	test_expect_code 1 pp-transcribe -o /dev/full "$FIXTURES/transcribe/short.flac" 2>err &&
	test_one_line err
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 pp-transcribe --format wav x 2>err &&
	test_expect_code 2 pp-transcribe --onset-threshold 2 x 2>err &&
	test_expect_code 2 pp-transcribe --min-freq abc x 2>err &&
	test_expect_code 2 pp-transcribe --bogus 2>err &&
	test_expect_code 2 pp-transcribe a b 2>err && grep -q "^pp-transcribe: too many arguments" err ||
	{ cat err; exit 1; }
'

test_done
