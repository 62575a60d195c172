#!/bin/sh
# pp-infer: predictions/1 from features files, the ensemble of fold models,
# batch mode, and the refusal of malformed or mismatched features.
. "$(dirname "$0")/lib.sh"

F=$FIXTURES/han
A=$F/Schubert_D960_mv3_8bars_1_34.safetensors
B=$F/Beethoven_WoO80_var23_8bars_11_13.safetensors
M0=$PP_DATADIR/models/han/composition-f0.safetensors
PY=/usr/bin/python3
test_lazy_prereq PY '$PY -c "import numpy"'

test_expect_success '--help prints the synopsis and exits 0' '
	pp-infer --help >out &&
	grep -q "^usage: pp-infer \[-o FILE\] \[--device auto|cpu|cuda\]" out
'

test_expect_success 'bad --device is a usage error' '
	test_expect_code 2 pp-infer --device tpu "$A" 2>err &&
	grep -q "device must be auto, cpu or cuda" err
'

test_expect_success PY 'one model: the 19 outputs equal the PyTorch test vector' '
	pp-infer --device cpu --model "$M0" -o pred.json "$A" &&
	$PY - "$F/Schubert_D960_mv3_8bars_1_34.levels.safetensors" pred.json <<-\EOP
	import json, struct, sys
	import numpy as np
	buf = open(sys.argv[1], "rb").read()
	n = struct.unpack("<Q", buf[:8])[0]
	h = json.loads(buf[8:8 + n])
	b, e = h["output"]["data_offsets"]
	want = np.frombuffer(buf[8 + n + b:8 + n + e], "<f4")
	d = json.load(open(sys.argv[2]))
	assert d["pp"] == "predictions/1", d["pp"]
	assert d["model"]["id"] == "percepiano-han-composition-f0", d["model"]
	got = np.array([x["value"] for x in d["dimensions"]])
	assert len(got) == 19
	assert abs(got - want).max() < 2e-6, abs(got - want).max()
	x = d["dimensions"][0]
	assert (x["name"], x["low"], x["high"]) == ("timing", "stable", "unstable"), x
	assert 0 <= x["percentile"] <= 100 and "spread" not in x
	assert "alignment" not in d and "summary" in d  # upstream document kept
	EOP
'

test_expect_success PY 'default model: four folds, spread and uncertainty flags' '
	pp-infer --device cpu "$A" >pred4.json &&
	$PY -c "
import json
d = json.load(open(\"pred4.json\"))
assert d[\"model\"] == {\"id\": \"percepiano-han-composition\", \"version\": \"6\", \"folds\": 4, \"norm_id\": \"percepiano-comp-train\"}, d[\"model\"]
for x in d[\"dimensions\"]:
    assert 0 < x[\"spread\"] < 0.2 and x[\"uncertain\"] == (x[\"spread\"] > 0.05), x
assert d[\"performance_metrics\"][\"pp-infer\"][\"wall_s\"] > 0
"
'

test_expect_success PY 'held-out R2 per dimension: the folds mean, "reliable" below 0.15 false' '
	$PY - pred4.json "$PP_DATADIR"/models/han/composition-f*.safetensors <<-\EOP
	import json, struct, sys
	import numpy as np
	r2 = []
	for path in sys.argv[2:]:
	    buf = open(path, "rb").read(8 + 100000)
	    n = struct.unpack("<Q", buf[:8])[0]
	    r2.append(json.loads(json.loads(buf[8:8 + n])["__metadata__"]["dimension_r2"]))
	want = np.mean(r2, 0)
	d = json.load(open(sys.argv[1]))
	for x, w in zip(d["dimensions"], want):
	    assert abs(x["held_out_r2"] - w) < 6e-4, (x, w)
	    assert x["reliable"] == (w >= 0.15), (x, w)
	weak = sorted(x["name"] for x in d["dimensions"] if not x["reliable"])
	assert weak == ["mood_valence", "timbre_brightness"], weak
	EOP
'

test_expect_success PY 'a model whose dimension_r2 is malformed is refused' '
	$PY - "$M0" bad.safetensors <<-\EOP
	import json, struct, sys
	buf = open(sys.argv[1], "rb").read()
	n = struct.unpack("<Q", buf[:8])[0]
	h = json.loads(buf[8:8 + n])
	h["__metadata__"]["dimension_r2"] = "[0.5, 0.2]"
	j = json.dumps(h).encode()
	j += b" " * ((8 - len(j) % 8) % 8)
	open(sys.argv[2], "wb").write(struct.pack("<Q", len(j)) + j + buf[8 + n:])
	EOP
	test_must_fail pp-infer --device cpu --model bad.safetensors "$A" 2>err &&
	test_one_line err &&
	grep -q "bad.safetensors.*dimension_r2 is not a list of 19 R2 values" err
'

test_expect_success 'auto without a GPU falls back with one stderr line' '
	pp-infer --model "$M0" "$A" >p.json 2>err &&
	if grep -q "no usable GPU" err; then test_one_line err; fi
'

test_expect_success PY 'batch: one line per input, same values as single runs' '
	pp-infer --device cpu --model "$M0" --batch "$A" "$B" >b.jsonl &&
	test $(wc -l <b.jsonl) = 2 &&
	pp-infer --device cpu --model "$M0" "$B" >single.json &&
	$PY -c "
import json
l = [json.loads(x) for x in open(\"b.jsonl\")]
s = json.load(open(\"single.json\"))
assert [x[\"value\"] for x in l[1][\"dimensions\"]] == [x[\"value\"] for x in s[\"dimensions\"]]
assert l[0][\"id\"] == \"Schubert_D960_mv3_8bars_1_34\"
"
'

# Makes a broken copy of $A: KIND = width | norm | nan.
mangle() {
	$PY - "$A" "$1" "$2" <<-\EOP
	import struct, sys
	buf = bytearray(open(sys.argv[1], "rb").read())
	n = struct.unpack("<Q", buf[:8])[0]
	kind = sys.argv[2]
	if kind == "width":
	    buf[8:8 + n] = bytes(buf[8:8 + n]).replace(b"[54,101]", b"[101,54]")
	elif kind == "norm":
	    buf[8:8 + n] = bytes(buf[8:8 + n]).replace(b"percepiano-comp-train", b"percepiano-all-stats!")
	elif kind == "nan":
	    buf[8 + n + 4 * 103:8 + n + 4 * 104] = struct.pack("<f", float("nan"))
	open(sys.argv[3], "wb").write(buf)
	EOP
}

test_expect_success PY 'wrong width is refused' '
	mangle width w.st &&
	test_expect_code 1 pp-infer --device cpu --model "$M0" w.st 2>err &&
	test_one_line err &&
	grep -q "^pp-infer: .w.st.: 54 features per row, the model expects 101$" err
'

test_expect_success PY 'wrong normalization id is refused' '
	mangle norm n.st &&
	test_expect_code 1 pp-infer --device cpu --model "$M0" n.st 2>err &&
	test_one_line err &&
	grep -q "normalization .percepiano-all-stats!., the model expects .percepiano-comp-train." err
'

test_expect_success PY 'NaN is refused with its position' '
	mangle nan nan.st &&
	test_expect_code 1 pp-infer --device cpu --model "$M0" nan.st 2>err &&
	test_one_line err &&
	grep -q "row 1, feature 2: not a finite number" err
'

test_expect_success 'a features file is not a model' '
	test_expect_code 1 pp-infer --device cpu --model "$A" "$A" 2>err &&
	grep -q "not a pp model" err
'

test_expect_success 'garbage input is refused, no output file' '
	echo "not safetensors" >g.st &&
	test_must_fail pp-infer --device cpu --model "$M0" -o out.json g.st 2>err &&
	test_one_line err && ! test -e out.json
'

test_expect_success 'an unwritable output fails with exit 1' '
	test_expect_code 1 pp-infer --device cpu --model "$M0" -o /nonexistent/dir/p.json "$A" 2>err
'

test_done
