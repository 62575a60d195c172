#!/bin/sh
# train/: the offline training scripts (Debian's python3-torch). The z-score
# that --standardize applies to the inputs is folded into the embedding for
# evaluation and export, and must give the same outputs as the standardized
# model; a one-epoch run on a synthetic pack goes through train, eval and
# export.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
T=$ROOT/train
test_lazy_prereq TORCH '$PY -c "import torch, numpy"'

# train_twice NAME ARGS...: NAME trains 2 epochs at once; NAME2 trains one,
# then --resume gives it the second (the logs must then agree to the bit)
train_twice() {
	n=$1 && shift &&
	$PY "$T/train.py" train "$@" --epochs 2 --out $n >$n.out 2>&1 &&
	$PY "$T/train.py" train "$@" --epochs 1 --out ${n}2 >${n}2.out 2>&1 &&
	$PY "$T/train.py" train "$@" --epochs 2 --out ${n}2 --resume >${n}3.out 2>&1 &&
	grep "^resumed at epoch 1\$" ${n}3.out
}

test_expect_success TORCH 'a z-score folded into embed gives the standardized model outputs, and unfolds back' '
	$PY - "$T" <<-\EOP
	import sys
	import numpy as np, torch
	sys.path.insert(0, sys.argv[1])
	import han
	torch.manual_seed(1)
	rng = np.random.default_rng(1)
	m = han.HAN().eval()
	beat = np.repeat(np.arange(12), 4); meas = beat // 3
	x = rng.normal(size=(48, 101)) * 30 + 50
	mu, sd = x.mean(0), x.std(0)
	s_std = han.make_sample((x - mu) / sd, rng.integers(0, 3, 48), beat, meas)
	s_raw = han.make_sample(x, rng.integers(0, 3, 48), beat, meas)
	s_raw["voice_rows"] = s_std["voice_rows"]
	with torch.no_grad():
	    want = m([s_std])
	    folded = han.HAN().eval()
	    folded.load_state_dict(han.fold_standardization(m.state_dict(), [mu.tolist(), sd.tolist()]))
	    got = folded([s_raw])
	d = (got - want).abs().max().item()
	assert d < 1e-4, d
	assert han.fold_standardization(m.state_dict(), None) is not None
	back = han.unfold_standardization(folded.state_dict(), [mu.tolist(), sd.tolist()])
	for k in ("embed.weight", "embed.bias"):
	    e = (back[k] - m.state_dict()[k]).abs().max().item()
	    assert e < 1e-5, (k, e)
	EOP
'

test_expect_success TORCH,SHARED 'one synthetic epoch: train, then eval gives the logged test R2' '
	$PY "$T/train.py" pack --synthetic --out pack.npz >pack.out &&
	$PY "$T/train.py" train --pack pack.npz --split composition --fold 1 \
		--epochs 1 --limit 8 --cpu --threads 1 --standardize --out run >train.out 2>&1 &&
	test -s run/best.pt && test -s run/last.pt &&
	$PY "$T/train.py" eval --pack pack.npz --runs run --cpu --json eval.json >eval.out 2>&1 &&
	$PY - run/log.jsonl eval.json <<-\EOP
	import json, sys
	logged = json.loads(open(sys.argv[1]).readline())
	ev = json.load(open(sys.argv[2]))[0]
	assert ev["epoch"] == 1 and ev["fold"] == 1, ev
	assert abs(ev["test_r2"] - logged["test_r2"]) < 1e-4, (ev["test_r2"], logged["test_r2"])
	assert -5 < ev["test_within_segment_r2"] < 1, ev
	EOP
	grep "^composition  han     1 folds  mean R2 .* paper R2 0.397  MSE 0.00811\$" eval.out &&
	# scored against another test list (a redrawn split): refused
	mkdir other && sed "s/\"test\": \[/&\"x\", /" "$ROOT/data/splits/composition.json" >other/composition.json &&
	test_must_fail $PY "$T/train.py" eval --pack pack.npz --runs run --cpu --splits other >eval2.out 2>&1 &&
	grep "^train.py: run: trained on other lists than other/composition.json fold 1 (give its --splits DIR)\$" eval2.out &&
	# and a run trained on other lists gets no per-dimension R2 on the shipped test list
	$PY "$T/train.py" train --pack pack.npz --splits other --split composition --fold 1 \
		--epochs 1 --limit 8 --cpu --threads 1 --out runo >traino.out 2>&1 &&
	test_must_fail $PY "$T/export.py" models --runs runo/best.pt --pack pack.npz --out m >export.out 2>&1 &&
	grep "^export.py: runo/best.pt: trained on other lists than data/splits/composition.json" export.out
'

test_expect_success TORCH,SHARED 'warm start from the exported model with --standardize: scored as exported, then trained on' '
	$PY "$T/export.py" models --runs run/best.pt --out m >export.out &&
	$PY "$T/train.py" train --pack pack.npz --split composition --fold 1 \
		--epochs 2 --limit 8 --cpu --threads 1 --standardize \
		--init-from m/composition-f1.safetensors --out run2 >train2.out 2>&1 &&
	test -s run2/best.pt &&
	$PY - "$T" run/log.jsonl run2/log.jsonl <<-\EOP
	import json, sys
	sys.path.insert(0, sys.argv[1])
	import stio
	a = json.loads(open(sys.argv[2]).readline())
	b = [json.loads(l) for l in open(sys.argv[3])]
	recipe = json.loads(stio.load("m/composition-f1.safetensors")[1]["recipe"])
	assert recipe == {"lr": 2.5e-5, "batch": 8, "epochs": 1, "standardized_inputs": True, "ema": None,
	                  "ema_warmup": False, "cosine": None, "dropout": 0.2, "weight_decay": 1e-5,
	                  "transpose": None, "warm_start": None}, recipe
	assert [r["epoch"] for r in b] == [1, 2], b
	assert b[0]["warm_start"] == "composition-f1.safetensors", b[0]
	# the F16 export, unfolded with the same statistics, scores as trained
	# (synthetic inputs are near z-scores already, so this checks the
	# wiring; test 1 checks the unfold itself)
	assert abs(b[0]["valid_loss"] - a["valid_loss"]) < 1e-3 * a["valid_loss"], (a, b[0])
	assert b[1]["train_loss"] > 0
	EOP
'

test_expect_success TORCH,SHARED '--ema: the raw weights train as without it, best.pt holds the average, --resume continues to the bit' '
	A="--pack pack.npz --split composition --fold 1 --limit 8 --cpu --threads 1 --standardize --ema 0.9" &&
	train_twice ema $A &&
	$PY "$T/train.py" eval --pack pack.npz --runs ema --cpu --json ema-eval.json >ema-eval.out 2>&1 &&
	$PY - run/log.jsonl ema/log.jsonl ema2/log.jsonl ema-eval.json <<-\EOP
	import json, sys
	plain = json.loads(open(sys.argv[1]).readline())
	one = [json.loads(l) for l in open(sys.argv[2])]
	two = [json.loads(l) for l in open(sys.argv[3])]
	ev = json.load(open(sys.argv[4]))[0]
	drop = lambda r: {k: v for k, v in r.items() if k != "seconds"}
	# the average is not trained and draws no random numbers: epoch 1 of the
	# raw weights is the plain run epoch 1
	for k in ("train_loss", "valid_loss", "test_r2"):
	    assert one[0][k] == plain[k], (k, one[0][k], plain[k])
	# decay 0.9 over one or two steps: the average is not the raw weights
	assert all(r["ema"]["valid_loss"] != r["valid_loss"] for r in one), one
	# two epochs at once, or one and a resume: the same records
	assert list(map(drop, one)) == list(map(drop, two)), (one, two)
	# best.pt holds the averaged weights of the epoch with the lowest average valid loss
	b = min(one, key=lambda r: r["ema"]["valid_loss"])
	assert ev["epoch"] == b["epoch"], (ev, b)
	assert abs(ev["test_r2"] - b["ema"]["test_r2"]) < 1e-6, (ev["test_r2"], b["ema"])
	EOP
'

test_expect_success TORCH,SHARED '--ema-warmup: the decay of the t-th update is min(D, (1+t)/(10+t)), raw weights untouched, --resume keeps the count' '
	A="--pack pack.npz --split composition --fold 1 --limit 8 --cpu --threads 1 --standardize --ema 0.9 --ema-warmup" &&
	train_twice emaw $A &&
	test_must_fail $PY "$T/train.py" train --pack pack.npz --ema-warmup --out x 2>err &&
	grep "needs --ema" err &&
	# a resume must repeat the options of the run: dropping the warmup is refused
	test_must_fail $PY "$T/train.py" train ${A% --ema-warmup} --epochs 3 --out emaw --resume 2>err &&
	grep "emaw/last.pt: --resume with other options than the run.s: ema_warmup was True, now False\$" err &&
	test_must_fail $PY "$T/train.py" train ${A% --standardize*} --ema 0.9 --ema-warmup --lr 1e-4 --epochs 3 --out emaw --resume 2>err &&
	grep "lr was 2.5e-05, now 0.0001; standardize was on, now off\$" err &&
	test $(wc -l <emaw/log.jsonl) = 2 &&
	$PY - "$T" ema/log.jsonl emaw/log.jsonl emaw2/log.jsonl <<-\EOP
	import json, sys
	import torch
	sys.path.insert(0, sys.argv[1])
	from train import EMA
	e = EMA(torch.nn.Linear(1, 1), 0.9, warmup=True)
	rates = []
	for _ in range(4):
	    e.steps += 1
	    rates.append(e.rate())
	# 2/11, 3/12, 4/13, then capped at 0.9 once (1+t)/(10+t) reaches it (t=80)
	assert [round(r, 6) for r in rates] == [round(2 / 11, 6), 0.25, round(4 / 13, 6), round(5 / 14, 6)], rates
	e.steps = 100
	assert e.rate() == 0.9
	assert EMA(torch.nn.Linear(1, 1), 0.9).rate() == 0.9
	plain, warm, two = ([json.loads(l) for l in open(f)] for f in sys.argv[2:5])
	drop = lambda r: {k: v for k, v in r.items() if k != "seconds"}
	for p, w in zip(plain, warm):
	    # the same raw weights, a different average
	    assert {k: w[k] for k in ("train_loss", "valid_loss", "test_r2")} == \
	           {k: p[k] for k in ("train_loss", "valid_loss", "test_r2")}, (p, w)
	    assert w["ema"]["valid_loss"] != p["ema"]["valid_loss"], (p, w)
	# a resume that restarted the update count would give another average
	assert list(map(drop, warm)) == list(map(drop, two)), (warm, two)
	EOP
'

test_expect_success TORCH,SHARED '--cosine E: the rate falls along a half cosine over E epochs, --resume keeps it, another E is refused; --dropout P; --weight-decay W' '
	A="--pack pack.npz --split composition --fold 1 --limit 16 --cpu --threads 1 --lr 1e-3 --cosine 2" &&
	train_twice cos $A &&
	test_must_fail $PY "$T/train.py" train ${A% --cosine 2} --cosine 3 --epochs 3 --out cos --resume 2>err &&
	grep "cos/last.pt: --resume with other options than the run.s: cosine was 2, now 3\$" err &&
	$PY "$T/train.py" train ${A% --cosine 2} --epochs 1 --out nocos >nocos.out 2>&1 &&
	$PY "$T/train.py" train ${A% --cosine 2} --dropout 0.5 --epochs 1 --out drop >drop.out 2>&1 &&
	test_must_fail $PY "$T/train.py" train ${A% --cosine 2} --dropout 1 --out x 2>err &&
	grep "dropout: the probability must lie in" err &&
	$PY "$T/train.py" train ${A% --cosine 2} --weight-decay 0 --epochs 1 --out wd0 >wd0.out 2>&1 &&
	test_must_fail $PY "$T/train.py" train ${A% --cosine 2} --weight-decay 0.01 --epochs 2 --out wd0 --resume 2>err &&
	grep "wd0/last.pt: --resume with other options than the run.s: weight_decay was 0.0, now 0.01\$" err &&
	test_must_fail $PY "$T/train.py" train ${A% --cosine 2} --weight-decay -1 --out x 2>err &&
	grep "weight-decay: W must lie in" err &&
	$PY - "$T" nocos/log.jsonl cos/log.jsonl cos2/log.jsonl drop/log.jsonl wd0/log.jsonl <<-\EOP
	import json, math, sys
	sys.path.insert(0, sys.argv[1])
	from train import lr_factor
	assert lr_factor(0, 4) == 1.0 and lr_factor(4, 4) == 0.0 and lr_factor(9, 4) == 0.0
	assert abs(lr_factor(1, 4) - 0.5 * (1 + math.cos(math.pi / 4))) < 1e-12
	assert abs(lr_factor(3000, 0) - 0.98) < 1e-12
	plain, cos, two, drop5, wd0 = ([json.loads(l) for l in open(f)] for f in sys.argv[2:7])
	# --dropout: another mask from the first batch on
	assert drop5[0]["train_loss"] != plain[0]["train_loss"], (drop5, plain)
	# --weight-decay: Adam is given it (by default the paper 1e-5), and
	# only the steps change: the first batch is scored before any step
	import torch
	groups = lambda d: torch.load(d + "/last.pt", weights_only=False)["opt"]["param_groups"]
	assert [g["weight_decay"] for g in groups("nocos") + groups("wd0")] == [1e-5, 0.0], groups("wd0")
	assert wd0[0]["valid_loss"] != plain[0]["valid_loss"], (wd0, plain)
	# 16 training segments: 2 batches an epoch, so 4 steps to zero; after
	# epoch 1 (2 steps) the rate is half of --lr, after epoch 2 it is 0
	assert [round(r["lr"], 12) for r in cos] == [5e-4, 0.0], cos
	assert plain[0]["lr"] == 1e-3, plain
	# the first step takes the full rate, the second a lower one: the same
	# training loss (measured before each step), other weights after them
	assert cos[0]["train_loss"] == plain[0]["train_loss"], (cos, plain)
	assert cos[0]["valid_loss"] != plain[0]["valid_loss"], (cos, plain)
	drop = lambda r: {k: v for k, v in r.items() if k != "seconds"}
	assert list(map(drop, cos)) == list(map(drop, two)), (cos, two)
	# a run saved before --standardize, --ema, --ema-warmup, --cosine,
	# --dropout, --weight-decay and --transpose existed resumes as one
	# without them (the paper dropout 0.2 and weight decay 1e-5), and
	# adding any of them is refused
	from train import refuse_changed_options
	old = {"lr": 1e-3}
	off = {"lr": 1e-3, "standardize": None, "ema": None, "ema_warmup": False, "cosine": None, "dropout": 0.2,
	       "weight_decay": 1e-5, "transpose": None}
	refuse_changed_options("old.pt", old, off)
	for k, v in (("standardize", [[0.0], [1.0]]), ("ema", 0.9), ("ema_warmup", True), ("cosine", 2), ("dropout", 0.3),
	             ("weight_decay", 0.0), ("transpose", 3)):
	    try:
	        refuse_changed_options("old.pt", old, dict(off, **{k: v}))
	    except SystemExit as e:
	        assert ": %s was " % k in str(e), e
	    else:
	        raise AssertionError("adding %s was not refused" % k)
	EOP
'

test_expect_success TORCH,SHARED '--transpose K: the pitch columns move together and nothing else, kept on the piano; training differs; --resume keeps the draws' '
	A="--pack pack.npz --split composition --fold 1 --limit 16 --cpu --threads 1 --lr 1e-3 --standardize" &&
	train_twice tr $A --transpose 2 &&
	test_must_fail $PY "$T/train.py" train $A --transpose 3 --epochs 3 --out tr --resume 2>err &&
	grep "tr/last.pt: --resume with other options than the run.s: transpose was 2, now 3\$" err &&
	test_must_fail $PY "$T/train.py" train $A --transpose 13 --out x 2>err &&
	grep "transpose: the shift must lie in \[0, 12\] semitones" err &&
	$PY "$T/train.py" train $A --epochs 1 --out notr >notr.out 2>&1 &&
	$PY - "$T" pack.npz tr/log.jsonl tr2/log.jsonl notr/log.jsonl <<-\EOP
	import json, sys
	import numpy as np, torch
	sys.path.insert(0, sys.argv[1])
	import train as T
	two, resumed, plain = ([json.loads(l) for l in open(f)] for f in sys.argv[3:6])
	drop = lambda r: {k: v for k, v in r.items() if k != "seconds"}
	assert list(map(drop, two)) == list(map(drop, resumed)), (two, resumed)
	assert two[0]["train_loss"] != plain[0]["train_loss"], (two, plain)
	d = T.Data(sys.argv[2], "han", torch.device("cpu"))
	i = next(i for i, (s, p) in enumerate(d.pitches) if (s == 0).any() and (p == 0).any())
	raw = d.samples[i]["x"].clone()
	mu, sd = d.standardize(range(0, len(d.names), 3))
	x = d.transposed(i, 5)["x"] * sd + mu
	# by hand: a row with a score note C4 (60) becomes F4 (65), same octave
	# 4, pitch class c to f; its performance note moves with it; a row
	# without a score note keeps its zeros; every other column stays
	score, perf = d.pitches[i]
	moved = np.nonzero(np.abs(x - raw).numpy().max(0) > 1e-4)[0].tolist()
	assert set(moved) <= {12, 92, 96} | set(range(13, 25)), moved
	assert np.allclose(x[:, 96].numpy(), np.where(score > 0, score + 5, 0), atol=1e-4)
	assert np.allclose(x[:, 92].numpy(), np.where(perf > 0, perf + 5, 0), atol=1e-4)
	for r in range(len(score)):
	    pc = np.flatnonzero(x[r, 13:25].numpy() > 0.5).tolist()
	    octave = float(x[r, 12])
	    if score[r] == 0:
	        assert pc == [] and abs(octave) < 1e-4, (r, pc, octave)
	    else:
	        assert pc == [(score[r] + 5) % 12] and abs(octave - ((score[r] + 5) // 12 - 5) / 4) < 1e-4, (r, pc)
	    if score[r] == 60:
	        assert pc == [5] and abs(octave) < 1e-4, (r, pc, octave)
	assert (score == 60).any()
	# the draws stay within [-K, K] and keep every note on the piano
	d.pitches[i] = (np.where(score > 0, 106, 0), np.where(perf > 0, 22, 0))
	tp = T.Transposer(d, 4)
	assert tp.room[i] == (-1, 2), tp.room[i]
	d.transposed = lambda i, k: k  # what Transposer.sample draws
	assert {tp.sample(i) for _ in range(200)} == {-1, 0, 1, 2}
	assert all(lo == -4 and hi == 4 for j, (lo, hi) in enumerate(tp.room) if j != i)
	EOP
'

test_expect_success SHARED 'splits.py rewrites data/splits; --seed N redraws the composition split alone, pieces kept on one side' '
	$PY "$T/splits.py" --data "$PP_SHARED/percepiano" --out sp >out &&
	for s in composition performer excerpt; do cmp sp/$s.json "$ROOT/data/splits/$s.json" || return 1; done &&
	test_must_fail $PY "$T/splits.py" --data "$PP_SHARED/percepiano" --out sp2 --seed 295 2>err &&
	grep "add --only composition" err &&
	$PY "$T/splits.py" --data "$PP_SHARED/percepiano" --out sp2 --only composition --seed 295 &&
	test "$(ls sp2)" = composition.json &&
	$PY - sp2/composition.json "$ROOT/data/splits/composition.json" <<-\EOP
	import json, sys
	a, b = (json.load(open(f)) for f in sys.argv[1:])
	assert "random.seed(295)" in a["about"], a["about"]
	assert a["count"] == b["count"]
	assert len(set(a["test"]) & set(b["test"])) < len(a["test"]) // 2
	piece = lambda n: "_".join(n.split("_")[:-2] + n.split("_")[-1:])
	test = {piece(n) for n in a["test"]}
	for f in a["folds"]:
	    assert not test & {piece(n) for n in f["train"] + f["valid"]}
	    assert not {piece(n) for n in f["train"]} & {piece(n) for n in f["valid"]}
	    assert len(f["train"]) + len(f["valid"]) + len(a["test"]) == a["count"]
	EOP
'

test_expect_success TORCH 'within-segment R2: piece means removed, segments played once dropped' '
	$PY - "$T" <<-\EOP
	import sys
	import numpy as np
	sys.path.insert(0, sys.argv[1])
	from train import within_segment_r2, r2_score
	names = ["A_8bars_1_3", "A_8bars_2_3", "B_8bars_1_4", "B_8bars_2_4", "C_8bars_1_9"]
	y = np.array([[0.2], [0.4], [0.7], [0.9], [0.5]])
	# right order within each segment, wrong piece levels: perfect within, poor overall
	p = np.array([[0.6], [0.8], [0.3], [0.5], [0.0]])
	assert within_segment_r2(y, p, names) == 1.0
	assert r2_score(y, p)[0] < 0
	# reversed order within segments: within R2 = 1 - (0.2^2 * 4) / (0.1^2 * 4) = -3
	p = np.array([[0.4], [0.2], [0.9], [0.7], [0.5]])
	assert abs(within_segment_r2(y, p, names) + 3) < 1e-12, within_segment_r2(y, p, names)
	EOP
'

test_expect_success TORCH,SHARED 'score: pp-infer --batch lines equal to the labels score R2 1; a short list is refused' '
	L="$PP_SHARED/percepiano/labels/label_2round_mean_reg_19_with0_rm_highstd0.json" &&
	$PY - "$L" "$ROOT/data/splits/composition.json" >pred.jsonl <<-\EOP &&
	import json, sys
	labels = json.load(open(sys.argv[1]))
	for n in json.load(open(sys.argv[2]))["test"]:
	    dims = [{"index": i, "value": v} for i, v in enumerate(labels[n][:19])]
	    print(json.dumps({"id": n, "dimensions": dims[::-1]}))
	EOP
	$PY "$T/train.py" score --split composition --labels "$L" pred.jsonl >score &&
	grep "187 segments: R2 1.0000  MSE 0.00000  within-segment R2 1.0000  uncertain 0.0 %" score &&
	head -n 20 pred.jsonl >short.jsonl &&
	test_must_fail $PY "$T/train.py" score --split composition --labels "$L" short.jsonl 2>err &&
	grep "20 of the 187 composition test segments" err
'

test_done
