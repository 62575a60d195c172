#!/bin/sh
# pp-eval transcription: mir_eval's scores, checked against mir_eval's own
# regression fixtures (../shared/data/mir_eval: expected outputs) and against
# Debian's python3-mir-eval on random note sets (text and notes/1 inputs)
# to 1e-6; command-line behaviour.
. "$(dirname "$0")/lib.sh"

test_lazy_prereq MIREVAL '/usr/bin/python3 -c "import mir_eval, numpy"'

cat >"$TRASH/cmp.py" <<'PY'
import json, sys
ours = json.load(open(sys.argv[1]))
want = json.load(open(sys.argv[2]))
sect = ours[sys.argv[3]]
bad = [(k, sect.get(k), v) for k, v in want.items() if abs(sect.get(k, -9) - v) > 1e-6]
assert not bad, bad
assert set(want) == set(sect), (sorted(want), sorted(sect))
PY

test_expect_success SHARED 'mir_eval transcription fixtures: all scores to 1e-6' '
	for i in 00 01 02 03 04 05 06 07 08 09; do
		d=$PP_SHARED/mir_eval/transcription
		pp-eval transcription $d/ref$i.txt $d/est$i.txt >o$i.json &&
		/usr/bin/python3 cmp.py o$i.json $d/output$i.json transcription ||
		{ echo "fixture $i"; exit 1; }
	done
'

test_expect_success SHARED 'mir_eval transcription_velocity fixtures: all scores to 1e-6' '
	for i in 0 1 2 3 4 5 6 7 8 9; do
		d=$PP_SHARED/mir_eval/transcription_velocity
		pp-eval transcription $d/ref$i.txt $d/est$i.txt >v$i.json &&
		/usr/bin/python3 cmp.py v$i.json $d/output$i.json transcription_velocity ||
		{ echo "fixture $i"; exit 1; }
	done
'

cat >"$TRASH/rand.py" <<'PY'
import json, sys, warnings
import numpy as np
import mir_eval
warnings.simplefilter("ignore")
def notes(n, base=None):
    if base is None:
        on = np.sort(rng.uniform(0.1, 10, n)); p = rng.integers(40, 80, n)
        off = on + rng.uniform(0.02, 1.5, n); v = rng.integers(20, 120, n)
    else:
        on, off, p, v = base
        k = len(on); keep = rng.random(k) < 0.8
        on = np.abs(on[keep] + rng.normal(0, 0.03, keep.sum())); off = off[keep] + rng.normal(0, 0.1, keep.sum())
        off = np.maximum(off, on + 0.01); p = p[keep] + rng.choice([0, 0, 0, 12, -1], keep.sum())
        v = np.clip(v[keep] + rng.integers(-20, 20, keep.sum()), 1, 127)
        extra = rng.integers(0, 10)
        on = np.concatenate([on, rng.uniform(0, 10, extra)]); p = np.concatenate([p, rng.integers(40, 80, extra)])
        off = np.concatenate([off, on[len(off):] + 0.3]); v = np.concatenate([v, rng.integers(20, 120, extra)])
    return on, off, p, v
def save(path, nt):
    on, off, p, v = nt
    doc = {"pp": "notes/1", "source": path, "duration": float(max(off.max(), 0)), "pedal": [], "soft": [],
           "notes": [{"pitch": int(a), "onset": float(b), "offset": float(c), "velocity": int(d)}
                     for a, b, c, d in sorted(zip(p, on, off, v), key=lambda x: (x[1], x[0]))]}
    json.dump(doc, open(path, "w"))
    return doc
def arr(ns):
    return (np.array([[n["onset"], n["offset"]] for n in ns]).reshape(-1, 2),
            mir_eval.util.midi_to_hz(np.array([n["pitch"] for n in ns], float)),
            np.array([n["velocity"] for n in ns], float))
for seed in range(1, int(sys.argv[1]) + 1):
    rng = np.random.default_rng(seed)
    ref = notes(int(rng.integers(5, 120)))
    est = notes(0, ref)
    out = {}
    for name, nt in [("ref", ref), ("est", est)]:
        out[name] = save("%s%d.json" % (name, seed), nt)["notes"]
    ri, rp, rv = arr(out["ref"]); ei, ep, ev = arr(out["est"])
    t = mir_eval.transcription.evaluate(ri, rp, ei, ep)
    v = mir_eval.transcription_velocity.evaluate(ri, rp, rv, ei, ep, ev)
    json.dump(dict(t), open("want_t%d.json" % seed, "w"))
    json.dump(dict(v), open("want_v%d.json" % seed, "w"))
PY

test_expect_success MIREVAL 'agrees with Debian mir_eval on 30 random notes/1 pairs' '
	/usr/bin/python3 rand.py 30 &&
	for seed in $(seq 1 30); do
		pp-eval transcription ref$seed.json est$seed.json >got$seed.json &&
		/usr/bin/python3 cmp.py got$seed.json want_t$seed.json transcription &&
		/usr/bin/python3 cmp.py got$seed.json want_v$seed.json transcription_velocity ||
		{ echo "seed $seed"; exit 1; }
	done
'

test_expect_success 'a time offset shifts the estimate; --fit-offset finds it' '
	printf "0.5 1.0 440\n1.0 1.5 880\n2.0 2.5 220\n" >r.txt &&
	printf "0.26 0.76 440\n0.76 1.26 880\n1.76 2.26 220\n" >e.txt &&
	pp-eval transcription r.txt e.txt >a.json &&
	grep -q "\"F-measure_no_offset\":0.0" a.json &&
	pp-eval transcription --time-offset 0.24 r.txt e.txt >b.json &&
	grep -q "\"F-measure\":1.0" b.json &&
	pp-eval transcription --fit-offset r.txt e.txt >c.json &&
	grep -q "\"F-measure\":1.0" c.json &&
	/usr/bin/python3 -c "import json; t=json.load(open(\"c.json\"))[\"time_offset\"]; assert abs(t-0.24)<=0.03, t"
'

test_expect_success '--pedal-extend lengthens notes released under the pedal' '
	cat >pr.json <<-\EOF &&
	{"pp": "notes/1", "source": "x", "duration": 2.0, "soft": [],
	 "pedal": [{"onset": 0.2, "offset": 2.0}],
	 "notes": [{"pitch": 60, "onset": 0.0, "offset": 0.5, "velocity": 60},
		   {"pitch": 64, "onset": 0.0, "offset": 0.5, "velocity": 60},
		   {"pitch": 60, "onset": 1.5, "offset": 1.8, "velocity": 60}]}
	EOF
	printf "0 1.5 261.6256\n0 2.0 329.6276\n1.5 2.0 261.6256\n" >pe.txt &&
	pp-eval transcription pr.json pe.txt >p0.json &&
	grep -q "\"Precision\":0.0," p0.json &&
	pp-eval transcription --pedal-extend pr.json pe.txt >p1.json &&
	grep -q "\"Precision\":1.0," p1.json
'

test_expect_success 'maximum matching, not greedy' '
	printf "1.00 2 440\n1.06 2 440\n" >r.txt &&
	printf "1.03 2 440\n1.10 2 440\n" >e.txt &&
	pp-eval transcription r.txt e.txt >m.json &&
	grep -q "\"Precision_no_offset\":1.0" m.json
'

test_expect_success 'bad input: one line naming the file, exit 1' '
	printf "0.5 0.2 440\n" >bad.txt &&
	test_expect_code 1 pp-eval transcription bad.txt bad.txt 2>err &&
	test_one_line err && grep -q "bad.txt.: line 1" err &&
	test_expect_code 1 pp-eval transcription nosuch.txt bad.txt 2>err &&
	test_one_line err
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 pp-eval transcription only-one.txt 2>err &&
	test_expect_code 2 pp-eval transcription --bogus a b 2>err &&
	test_expect_code 2 pp-eval transcription --time-offset x a b 2>err &&
	pp-eval transcription --help >out && grep -q "^usage: pp-eval-transcription" out
'

test_done
