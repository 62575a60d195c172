#!/usr/bin/python3
"""train.py - trains and evaluates the PercePiano HAN and Bi-LSTM baseline.

  train.py pack --features DIR --out PACK.npz [--synthetic]
      Collects DIR/<segment>.safetensors (pp-features output) of every
      labelled segment, with its 19 labels, into one .npz (what travels to
      a GPU machine). --synthetic makes random feature files of the right
      layout instead (for pipeline tests only).
  train.py train --pack PACK.npz --split composition --fold K --model han
                 --out DIR [--epochs 100] [--lr 2.5e-5] [--resume]
      The paper's recipe (docs/percepiano-model.md §5): MSE on sigmoid
      outputs, Adam (weight decay 1e-5, L2 form), batch 8, StepLR x0.98
      every 3000 iterations, grad-norm clip 2, seed 7, dropout 0.2. After
      every epoch: valid loss, test R2/MSE, a checkpoint (DIR/last.pt) and
      the best-by-valid-loss weights (DIR/best.pt). --resume continues from
      DIR/last.pt (model, optimiser, scheduler, RNG states, epoch); it
      must be given the run's options again (only --epochs may change) and
      refuses otherwise.
      --init-from FILE.safetensors warm-starts from exported weights
      instead (fresh optimiser; epochs count on from the file's epoch);
      with --standardize the file's folded z-score is unfolded first.
      --standardize z-scores every input dimension with the training
      list's statistics before the embedding (a deviation from the paper,
      whose mmidi_* and *_unnorm dims enter raw: MIDI numbers and seconds);
      export.py folds the affine map into embed, so the exported model
      reads the same feature files. --ema D keeps an exponential moving
      average of the weights (per step: avg = D avg + (1 - D) weights,
      starting from the initial weights), scores it after every epoch
      next to the raw weights, and picks the best epoch by the averaged
      weights' valid loss; best.pt then holds the averaged weights (a
      deviation from the paper, against the epoch-to-epoch swings of the
      test R2). --ema-warmup lowers the decay of the t-th update to
      (1 + t) / (10 + t) while that is below D, so that an average started
      from random weights does not lag for epochs. --cosine E multiplies
      the learning rate by a half cosine that falls from 1 to 0 over E
      epochs' steps (and stays at 0 after them), on top of the StepLR
      (a deviation from the paper, whose rate is effectively constant:
      with a rate high enough to train in few epochs the raw weights swing,
      and the decay settles them); each epoch's log record gives the rate
      at its end ("lr"). --dropout P replaces the paper's 0.2 (LSTM stacks
      and head). --weight-decay W replaces the paper's 1e-5 (Adam's L2
      form, added to the gradient; with MSE gradients of 1e-7 to 1e-6 a
      weight it dominates, so at 1e-5 it shrinks most LSTM and attention
      weights to a few hundredths of their initial size; 0 trains the
      shipped models, train/RESULTS.md, fourteenth session). --transpose
      K moves each training segment, each time it is drawn, by a number
      of semitones drawn from [-K, K] (see Transposer; a deviation from
      the paper, whose code has a key-shift augmentor but leaves it off;
      measured worse at K = 3). --threads N sets torch's and OpenBLAS's
      CPU threads (on a 2-core VM, one run a core with one thread each is
      the fastest).
  train.py eval --pack PACK.npz --runs DIR... [--json OUT]
      R2 (uniform average over the 19 dimensions, as sklearn r2_score),
      MSE and within-segment R2 (see within_segment_r2) of each run's
      best.pt on its split's fixed test set; then, per split and model,
      the fold means next to the paper's figures (PAPER below). A run
      trained on other lists than --splits DIR holds (a redraw) is refused.
  train.py score --split NAME [--labels FILE] PREDICTIONS.jsonl
      The same figures for what the C code predicts: PREDICTIONS is
      `pp-infer --batch` output (one predictions/1 document per line, "id"
      the segment name) over the split's test segments, e.g. the default
      4-fold ensemble. Also the share of dimension values flagged uncertain.
"""
import argparse
import copy
import hashlib
import json
import math
import os
import random
import sys
import time

# Debian's torch runs CPU GEMMs on OpenBLAS, whose own thread pool
# torch.set_num_threads() does not cap: with --threads 1 and one run per
# core, each run's idle OpenBLAS worker still spun against the other run
# (200k context switches a second, epochs several times slower). The pool
# size is read when OpenBLAS loads, so it is set before numpy and torch are
# imported.
for _i, _a in enumerate(sys.argv):
    _n = _a[len("--threads="):] if _a.startswith("--threads=") else \
        sys.argv[_i + 1] if _a == "--threads" and _i + 1 < len(sys.argv) else None
    if _n and _n != "0":
        os.environ.setdefault("OPENBLAS_NUM_THREADS", _n)

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import han as hanmod  # noqa: E402
import stio  # noqa: E402
from splits import name_wo_performer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LABELS = os.path.join(HERE, "../../shared/data/percepiano/labels/label_2round_mean_reg_19_with0_rm_highstd0.json")
SPLITS = os.path.join(HERE, "../data/splits")


def split_path(name, splits=SPLITS):
    return os.path.join(splits, name + ".json")


def load_split(name, splits=SPLITS):
    """A split file (splits.py): its fixed "test" list and 4 "folds"."""
    return json.load(open(split_path(name, splits)))


# ---------------------------------------------------------------- metrics
def r2_score(y, p):
    """sklearn r2_score(y, p) with multioutput='uniform_average'."""
    y, p = np.asarray(y, np.float64), np.asarray(p, np.float64)
    ss_res = ((y - p) ** 2).sum(0)
    ss_tot = ((y - y.mean(0)) ** 2).sum(0)
    r2 = np.where(ss_tot > 0, 1 - ss_res / np.where(ss_tot > 0, ss_tot, 1),
                  np.where(ss_res > 0, 0.0, 1.0))
    return float(r2.mean()), r2


def within_segment_r2(y, p, names):
    """R2 (uniform average) after subtracting from labels and predictions
    their mean over the performances of the same segment (the name without
    its player field): how well a model orders different performances of
    the same music, the part of R2 that feedback on playing rests on, as
    opposed to telling pieces apart. Segments played once drop out."""
    y, p = np.asarray(y, np.float64), np.asarray(p, np.float64)
    groups = {}
    for k, n in enumerate(names):
        groups.setdefault(name_wo_performer(n), []).append(k)
    keep = [ks for ks in groups.values() if len(ks) > 1]
    yc = np.concatenate([y[ks] - y[ks].mean(0) for ks in keep])
    pc = np.concatenate([p[ks] - p[ks].mean(0) for ks in keep])
    return float((1 - ((yc - pc) ** 2).sum(0) / (yc ** 2).sum(0)).mean())


def mse(y, p):
    return float(((np.asarray(y, np.float64) - np.asarray(p, np.float64)) ** 2).mean())


# The paper's test figures, means over its 4 folds (Table 3 as transcribed in
# ../shared/docs/percepiano-model.md): (split, model) -> (R2, MSE).
# "composition" is its piece split.
PAPER = {("composition", "han"): (0.397, 8.11e-3), ("composition", "bilstm"): (0.185, 10.8e-3),
         ("performer", "han"): (0.285, 8.70e-3), ("performer", "bilstm"): (0.236, 9.09e-3)}


def split_means(rows):
    """One line per (split, model) of eval rows: the fold mean of R2, MSE and
    within-segment R2, as the paper reports it, next to the paper's figure."""
    out = []
    for key in sorted({(r["split"], r["model"]) for r in rows}):
        rs = [r for r in rows if (r["split"], r["model"]) == key]
        paper = PAPER.get(key)
        out.append("%-12s %-7s %d folds  mean R2 %.4f  MSE %.5f  within-segment R2 %.4f  paper %s" % (
            key[0], key[1], len(rs), np.mean([r["test_r2"] for r in rs]),
            np.mean([r["test_mse"] for r in rs]), np.mean([r["test_within_segment_r2"] for r in rs]),
            "R2 %.3f  MSE %.5f" % paper if paper else "-"))
    return out


# ---------------------------------------------------------------- data
def cmd_pack(a):
    labels = json.load(open(a.labels))
    names = sorted(labels)
    xs, vs, bs, ms, ys, kept, norm_ids = [], [], [], [], [], [], set()
    rng = np.random.default_rng(1)
    missing = 0
    for n in names:
        if a.synthetic:
            N = int(rng.integers(50, 200))
            beat = np.sort(rng.integers(0, N // 3, N))
            beat = np.concatenate([[0], np.cumsum(np.diff(beat) > 0)])
            meas = beat // 3
            x = rng.normal(size=(N, 101)).astype(np.float32)
            # pitch columns as pp-features writes them, so that --transpose
            # has pitches to move: score notes around middle C, one row in
            # ten an extra performance note, one in ten a missed score note
            pitch = 60 + np.rint(8 * x[:, PITCH_UNNORM]).astype(np.int64).clip(-30, 30)
            u = x[:, PITCH_CLASS]
            for col, v in pitch_columns(np.where(u > 1.28, 0, pitch), np.where(u < -1.28, 0, pitch)).items():
                x[:, col] = v
            voice = rng.integers(0, 4, N).astype(np.int32)
        else:
            p = os.path.join(a.features, n + ".safetensors")
            if not os.path.exists(p):
                missing += 1
                continue
            t, meta = stio.load(p)
            norm_ids.add(meta.get("norm_id", "?"))
            x, voice, beat, meas = t["x"], t["voice"], t["beat"], t["measure"]
            try:
                hanmod.hierarchy(beat, meas)
            except hanmod.HierarchyError as e:
                print("skip %s: %s" % (n, e))
                continue
        xs.append(x.astype(np.float32)); vs.append(voice.astype(np.int32))
        bs.append(np.asarray(beat, np.int32)); ms.append(np.asarray(meas, np.int32))
        ys.append(np.asarray(labels[n][:19], np.float32)); kept.append(n)
    off = np.concatenate([[0], np.cumsum([len(x) for x in xs])]).astype(np.int64)
    np.savez_compressed(a.out, x=np.concatenate(xs), voice=np.concatenate(vs),
                        beat=np.concatenate(bs), measure=np.concatenate(ms),
                        offsets=off, y=np.stack(ys), names=np.array(kept),
                        norm_id=np.array(",".join(sorted(norm_ids)) if norm_ids else "synthetic"))
    print("packed %d segments (%d rows), %d without features, norm %s"
          % (len(kept), off[-1], missing, sorted(norm_ids) or "synthetic"))


# Pitch columns of the 101-dim vector (lib/note_features.c; none of them
# z-scored by pp-features): the score note's octave, (pitch // 12 - 5) / 4,
# its 12-way pitch class, the performance note's and the score note's MIDI
# pitch. --transpose moves them.
PITCH_OCTAVE, PITCH_CLASS, MMIDI_PITCH, PITCH_UNNORM = 12, 13, 92, 96
PIANO = (21, 108)  # the performance notes pp-features keeps, as PercePiano


def pitch_columns(score, perf):
    """The raw values of the pitch columns of rows whose score note has
    MIDI pitch SCORE and performance note PERF (0 where a row has none),
    as pp-features writes them: {column: values}."""
    has = score > 0
    cols = {PITCH_OCTAVE: np.where(has, (score // 12 - 5) / 4.0, 0.0),
            MMIDI_PITCH: perf.astype(np.float64), PITCH_UNNORM: score.astype(np.float64)}
    for pc in range(12):
        cols[PITCH_CLASS + pc] = (has & (score % 12 == pc)).astype(np.float64)
    return cols


class Data:
    def __init__(self, path, model, device):
        z = dict(np.load(path))  # load once: npz members decompress on each access
        self.names = [str(n) for n in z["names"]]
        self.index = {n: i for i, n in enumerate(self.names)}
        self.y = z["y"]
        self.norm_id = str(z["norm_id"])
        off = z["offsets"]
        self.samples = []
        # the MIDI pitches of the score note and of the performance note of
        # every row (0 where a row has none), kept raw for --transpose
        self.pitches = []
        for i in range(len(self.names)):
            a, b = off[i], off[i + 1]
            x = z["x"][a:b]
            self.pitches.append((x[:, PITCH_UNNORM].astype(np.int64), x[:, MMIDI_PITCH].astype(np.int64)))
            if model == "bilstm":
                x = x[:, hanmod.BASELINE_DIMS]
            self.samples.append(hanmod.make_sample(x, z["voice"][a:b], z["beat"][a:b],
                                                   z["measure"][a:b], device))
        self.cols = {c: k for k, c in enumerate(hanmod.BASELINE_DIMS if model == "bilstm"
                                                 else range(z["x"].shape[1]))}
        self.zscore = None

    def ids(self, names):
        return [self.index[n] for n in names if n in self.index]

    def standardize(self, ids):
        """z-scores x in place with the statistics of the rows of ids
        (population std; a constant dimension keeps std 1). Returns (mean, std)."""
        x = torch.cat([self.samples[i]["x"] for i in ids]).double()
        mu, sd = x.mean(0), x.std(0, unbiased=False)
        sd = torch.where(sd > 0, sd, torch.ones_like(sd))
        mu, sd = mu.float(), sd.float()
        for s in self.samples:
            s["x"] = (s["x"] - mu) / sd
        self.zscore = (mu, sd)
        return mu, sd

    def transposed(self, i, k):
        """Sample i moved by k semitones: the score note's octave, pitch
        class and MIDI pitch and the performance note's MIDI pitch, on
        every row that has them (inserted extra notes have no score note);
        in z-scored coordinates after --standardize."""
        s = self.samples[i]
        if k == 0:
            return s
        score, perf = self.pitches[i]
        x = s["x"].clone()

        def put(col, raw):
            c = self.cols.get(col)
            if c is None:  # the Bi-LSTM's 9 dims hold no octave or pitch class
                return
            v = torch.tensor(raw, dtype=x.dtype, device=x.device)
            x[:, c] = (v - self.zscore[0][c]) / self.zscore[1][c] if self.zscore else v

        for col, raw in pitch_columns(np.where(score > 0, score + k, 0),
                                      np.where(perf > 0, perf + k, 0)).items():
            put(col, raw)
        return dict(s, x=x)


class Transposer:
    """--transpose K: each training segment, each time a batch draws it,
    moves by a whole number of semitones drawn uniformly from [-K, K],
    narrowed so that every note stays on the piano (MIDI 21-108). Pitch is
    all that moves; timing, velocity and pedal stay, and so do the labels:
    the idea is to show the model the same playing in other keys, against
    learning a piece by its pitches. Measured (RESULTS.md, thirteenth
    session): at K = 3 it lowers the composition test R2, most on mood
    energy, loudness and dynamic range, which listeners hear partly in
    register, so the labels do not quite stay. The draws come from their
    own seeded generator, kept in last.pt, so that a resumed run goes on
    to the bit."""

    def __init__(self, data, k):
        self.data = data
        self.rng = np.random.default_rng(8)
        self.room = []  # per segment: the lowest and highest shift allowed
        for score, perf in data.pitches:
            p = np.concatenate([score[score > 0], perf[perf > 0]])
            self.room.append((max(-k, PIANO[0] - int(p.min())), min(k, PIANO[1] - int(p.max())))
                             if len(p) else (0, 0))

    def sample(self, i):
        lo, hi = self.room[i]
        return self.data.transposed(i, int(self.rng.integers(lo, hi + 1)))


def predict(model, data, ids, bs=32):
    model.eval()
    out = []
    with torch.no_grad():
        for k in range(0, len(ids), bs):
            batch = [data.samples[i] for i in ids[k:k + bs]]
            out.append(torch.sigmoid(model(batch)).float().cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, 19), np.float32)


def tload(path, dev):
    try:
        return torch.load(path, map_location=dev, weights_only=False)
    except TypeError:  # torch < 1.13 has no weights_only
        return torch.load(path, map_location=dev)


def make_model(kind, dropout=hanmod.DROPOUT):
    return hanmod.HAN(dropout=dropout) if kind == "han" else hanmod.BiLSTM(dropout=dropout)


# ---------------------------------------------------------------- train
class EMA:
    """An exponential moving average of a model's weights, kept in a second
    model of the same kind (so that it can be scored and saved as one)."""

    def __init__(self, model, decay, warmup=False):
        self.decay, self.warmup, self.steps = decay, warmup, 0
        self.model = copy.deepcopy(model)  # not make_model: that would draw from torch's RNG

    def load(self, state, steps=0):
        self.model.load_state_dict(state)
        self.steps = steps

    def rate(self):
        """This update's decay. With warmup it starts low, so that the
        average does not drag the initial weights along for thousands of
        steps: min(decay, (1 + t) / (10 + t)) at the t-th update."""
        t = self.steps
        return min(self.decay, (1.0 + t) / (10.0 + t)) if self.warmup else self.decay

    def update(self, model):
        self.steps += 1
        d = self.rate()
        with torch.no_grad():
            for e, p in zip(self.model.parameters(), model.parameters()):
                e.mul_(d).add_(p.detach(), alpha=1.0 - d)


# The paper's batch size, StepLR schedule and weight decay.
BATCH = 8
STEP_SIZE, STEP_GAMMA = 3000, 0.98
WEIGHT_DECAY = 1e-5  # the paper's: Adam's L2 form (train.py --weight-decay)

# What a resumed run must share with the run that wrote last.pt: the options
# are taken from the command line again, and a dropped --ema-warmup or
# --standardize, another --lr or another pack would otherwise go on
# silently as a different recipe. Only --epochs (and --max-seconds) may change.
RESUME_KEEPS = ("split", "fold", "model", "lr", "batch", "lists_sha1", "train", "valid", "test",
                "norm_id", "standardize", "ema", "ema_warmup", "cosine", "dropout", "weight_decay", "transpose",
                "limit")
# Options added after runs were saved, with the value a run from before them
# had (off, as cmd_train records it): a resume that adds one is refused like
# any other change. A key missing from a saved run and not listed here (the
# list digest, from before it was kept) is not compared.
RESUME_ADDED = {"standardize": None, "ema": None, "ema_warmup": False, "cosine": None,
                "dropout": hanmod.DROPOUT, "weight_decay": WEIGHT_DECAY, "transpose": None}


def lr_factor(step, cosine_steps):
    """With --cosine, the learning rate of optimiser step STEP over --lr: the
    paper's StepLR (x0.98 every 3000 steps) times a half cosine from 1 to 0
    over COSINE_STEPS steps."""
    f = STEP_GAMMA ** (step // STEP_SIZE)
    if cosine_steps:
        f *= 0.5 * (1.0 + math.cos(math.pi * min(step, cosine_steps) / cosine_steps))
    return f


def lists_sha1(split, fold):
    """Names the exact train, valid and test lists of a split file's fold, so
    that a run trained on a redrawn split (splits.py --seed, --splits DIR)
    is not scored against the shipped test list, or resumed on another."""
    f = split["folds"][fold]
    return hashlib.sha1(json.dumps([f["train"], f["valid"], split["test"]]).encode()).hexdigest()


def same_lists(info, split):
    """Whether SPLIT (a split file's contents) holds the lists the run of
    INFO (its best.pt or last.pt "info") was trained on; runs from before
    the digest was kept are taken on trust."""
    return info.get("lists_sha1") in (None, lists_sha1(split, info["fold"]))


def refuse_changed_options(path, saved, now):
    saved = dict(RESUME_ADDED, **saved)

    def change(k):
        was, new = saved[k], now.get(k)
        if k == "lists_sha1":
            return "other train/valid/test lists (another --splits)"
        if k == "standardize":  # 2 x 101 numbers: say what changed, not them
            if was and new:
                return "another z-score (another training list or pack)"
            was, new = ("on" if was else "off"), ("on" if new else "off")
        return "%s was %s, now %s" % (k, was, new)

    changed = [k for k in RESUME_KEEPS if k in saved and saved[k] != now.get(k)]
    if changed:
        sys.exit("train.py: %s: --resume with other options than the run's: %s" % (
            path, "; ".join(map(change, changed))))


def cmd_train(a):
    dev = torch.device("cuda" if torch.cuda.is_available() and not a.cpu else "cpu")
    if a.threads:
        torch.set_num_threads(a.threads)
    split = load_split(a.split, a.splits)
    data = Data(a.pack, a.model, dev)
    tr = data.ids(split["folds"][a.fold]["train"])
    va = data.ids(split["folds"][a.fold]["valid"])
    te = data.ids(split["test"])
    if a.limit:
        tr, va, te = tr[:a.limit], va[:a.limit], te[:a.limit]
    standardize = data.standardize(tr) if a.standardize else None
    zscore = [v.tolist() for v in standardize] if standardize else None  # as info and export keep it
    os.makedirs(a.out, exist_ok=True)
    random.seed(7); np.random.seed(7); torch.manual_seed(7)
    model = make_model(a.model, a.dropout).to(dev)
    ema = EMA(model, a.ema, a.ema_warmup) if a.ema else None
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, weight_decay=a.weight_decay)
    if a.cosine:  # (without it, StepLR itself: the runs before --cosine resume to the bit)
        cosine_steps = a.cosine * -(-len(tr) // BATCH)  # epochs x batches an epoch
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: lr_factor(step, cosine_steps))
    else:
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=STEP_SIZE, gamma=STEP_GAMMA)
    start, best = 0, {"valid_loss": float("inf")}
    order_rng = np.random.default_rng(7)
    shift = Transposer(data, a.transpose) if a.transpose else None
    last = os.path.join(a.out, "last.pt")
    info = {"split": a.split, "fold": a.fold, "model": a.model, "lr": a.lr, "epochs": a.epochs,
            "batch": BATCH, "lists_sha1": lists_sha1(split, a.fold),
            "train": len(tr), "valid": len(va), "test": len(te), "norm_id": data.norm_id,
            "init_from": os.path.basename(a.init_from) if a.init_from else None,
            "standardize": zscore, "ema": a.ema or None,
            "ema_warmup": bool(a.ema and a.ema_warmup),
            "cosine": a.cosine or None, "dropout": a.dropout, "weight_decay": a.weight_decay,
            "transpose": a.transpose or None, "limit": a.limit}
    if a.resume and os.path.exists(last):
        ck = tload(last, dev)
        refuse_changed_options(last, ck["info"], info)
        info["init_from"] = ck["info"].get("init_from")
        model.load_state_dict(ck["model"]); opt.load_state_dict(ck["opt"])
        sched.load_state_dict(ck["sched"]); start = ck["epoch"]; best = ck["best"]
        order_rng.bit_generator.state = ck["order_rng"]
        if shift:
            shift.rng.bit_generator.state = ck["shift_rng"]
        if ema:
            ema.load(ck.get("ema") or model.state_dict(), ck.get("ema_steps", 0))
        torch.set_rng_state(ck["torch_rng"].cpu())
        if dev.type == "cuda" and ck.get("cuda_rng") is not None:
            torch.cuda.set_rng_state(ck["cuda_rng"].cpu())
        print("resumed at epoch %d" % start, flush=True)
    elif a.init_from:
        t, meta = stio.load(a.init_from)
        state = {k: torch.tensor(v.astype(np.float64), device=dev) for k, v in t.items()}
        # exported weights have any z-score folded in (they read raw inputs):
        # unfold it with this run's statistics so training goes on in z-scored
        # coordinates; the export folds the same statistics back in
        state = hanmod.unfold_standardization(state, zscore)
        model.load_state_dict({k: v.float() for k, v in state.items()})
        if ema:
            ema.load(model.state_dict())
        start = int(meta["epoch"])
        print("warm start from %s (epoch %d, optimiser state not kept)" % (a.init_from, start), flush=True)
    log = open(os.path.join(a.out, "log.jsonl"), "a")
    deadline = time.time() + a.max_seconds if a.max_seconds else None
    yv, yt = data.y[va], data.y[te]

    def metrics(m):
        pv, pt = predict(m, data, va), predict(m, data, te)
        return {"valid_loss": mse(yv, pv), "valid_r2": r2_score(yv, pv)[0],
                "test_mse": mse(yt, pt), "test_r2": r2_score(yt, pt)[0]}

    def scored(ep, train_loss, t0):
        """The epoch's log record: the raw weights' figures and, with --ema,
        the averaged weights' under "ema"."""
        rec = dict({"epoch": ep, "train_loss": train_loss}, **metrics(model))
        if ema:
            rec["ema"] = metrics(ema.model)
        rec["seconds"] = round(time.time() - t0, 2)
        return rec

    picked = ema.model if ema else model  # the weights that compete for best.pt

    def candidate(rec):
        """The figures of the picked weights in an epoch's record."""
        if not ema:
            return rec
        raw = {k: v for k, v in rec.items() if k != "ema"}
        return dict(rec["ema"], epoch=rec["epoch"], raw=raw)

    def logged(rec):
        log.write(json.dumps(rec) + "\n"); log.flush()
        print(json.dumps(rec), flush=True)
        return rec

    def save_best(cand):
        torch.save({"model": picked.state_dict(), "info": info, "best": cand},
                   os.path.join(a.out, "best.pt"))
        return dict(cand)

    if a.init_from and not (a.resume and os.path.exists(last)):
        # The warm start itself, scored on this pack (the file's metrics were
        # measured on the features it was trained on), is the best so far:
        # only a better valid loss replaces it.
        best = save_best(candidate(logged(dict(scored(start, None, time.time()),
                                               warm_start=os.path.basename(a.init_from)))))
    for ep in range(start, a.epochs):
        t0 = time.time()
        model.train()
        perm = order_rng.permutation(len(tr))
        tl = 0.0
        for k in range(0, len(perm), BATCH):
            batch = [shift.sample(tr[i]) if shift else data.samples[tr[i]] for i in perm[k:k + BATCH]]
            y = torch.tensor(data.y[[tr[i] for i in perm[k:k + BATCH]]], device=dev)
            loss = torch.nn.functional.mse_loss(torch.sigmoid(model(batch)), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 2.0)
            opt.step(); sched.step()
            if ema:
                ema.update(model)
            tl += loss.item() * len(batch)
        rec = logged(dict(scored(ep + 1, tl / len(tr), t0), lr=opt.param_groups[0]["lr"]))
        cand = candidate(rec)
        if cand["valid_loss"] < best["valid_loss"]:
            best = save_best(cand)
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(),
                    "sched": sched.state_dict(), "epoch": ep + 1, "best": best,
                    "order_rng": order_rng.bit_generator.state,
                    "shift_rng": shift.rng.bit_generator.state if shift else None,
                    "torch_rng": torch.get_rng_state(),
                    "cuda_rng": torch.cuda.get_rng_state() if dev.type == "cuda" else None,
                    "ema": ema.model.state_dict() if ema else None,
                    "ema_steps": ema.steps if ema else 0,
                    "info": info}, last + ".tmp")
        os.replace(last + ".tmp", last)
        if deadline and time.time() > deadline:
            print("stopping at the time limit after epoch %d" % (ep + 1), flush=True)
            break
    json.dump({"info": info, "best": best}, open(os.path.join(a.out, "summary.json"), "w"), indent=1)


def cmd_eval(a):
    dev = torch.device("cuda" if torch.cuda.is_available() and not a.cpu else "cpu")
    rows, cache = [], {}
    for run in a.runs:
        ck = tload(os.path.join(run, "best.pt"), dev)
        info = ck["info"]
        if info["model"] not in cache:
            cache[info["model"]] = Data(a.pack, info["model"], dev)
        data = cache[info["model"]]
        split = load_split(info["split"], a.splits)
        if not same_lists(info, split):
            sys.exit("train.py: %s: trained on other lists than %s fold %d (give its --splits DIR)" % (
                run, split_path(info["split"], a.splits), info["fold"]))
        te = data.ids(split["test"])
        if info.get("limit"):
            te = te[:info["limit"]]
        m = make_model(info["model"]).to(dev)
        m.load_state_dict(hanmod.fold_standardization(ck["model"], info.get("standardize")))
        p = predict(m, data, te)
        r2, per = r2_score(data.y[te], p)
        within = within_segment_r2(data.y[te], p, [data.names[i] for i in te])
        rows.append({"run": run, "split": info["split"], "fold": info["fold"], "model": info["model"],
                     "epoch": ck["best"]["epoch"], "test_r2": r2, "test_mse": mse(data.y[te], p),
                     "test_within_segment_r2": within,
                     "r2_per_dim": [round(float(v), 4) for v in per]})
        print("%-12s %-7s fold %d  epoch %3d  R2 %.4f  MSE %.5f  within-segment R2 %.4f" % (
            info["split"], info["model"], info["fold"], ck["best"]["epoch"], r2, rows[-1]["test_mse"],
            within))
    for line in split_means(rows):
        print(line)
    if a.json:
        json.dump(rows, open(a.json, "w"), indent=1)


def cmd_score(a):
    labels = json.load(open(a.labels))
    test = set(load_split(a.split, a.splits)["test"])
    names, y, p, flags = [], [], [], []
    for line in open(a.predictions):
        d = json.loads(line)
        n = d["id"]
        if n not in test:
            continue
        dims = sorted(d["dimensions"], key=lambda x: x["index"])
        names.append(n)
        y.append(labels[n][:19])
        p.append([x["value"] for x in dims])
        flags += [bool(x.get("uncertain")) for x in dims]
    if len(names) != len(test) or len(set(names)) != len(test):
        sys.exit("train.py: %s: %d of the %d %s test segments" % (a.predictions, len(names), len(test), a.split))
    r2, _ = r2_score(y, p)
    print("%s test, %d segments: R2 %.4f  MSE %.5f  within-segment R2 %.4f  uncertain %.1f %%" % (
        a.split, len(names), r2, mse(y, p), within_segment_r2(y, p, names), 100.0 * np.mean(flags)))


def main():
    ap = argparse.ArgumentParser(description="PercePiano HAN training")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pack")
    p.add_argument("--features", default="/work/features-out/norm")
    p.add_argument("--labels", default=LABELS)
    p.add_argument("--out", required=True)
    p.add_argument("--synthetic", action="store_true")
    p = sub.add_parser("train")
    p.add_argument("--pack", required=True)
    p.add_argument("--splits", default=SPLITS)
    p.add_argument("--split", default="composition")
    p.add_argument("--fold", type=int, default=0)
    p.add_argument("--model", choices=["han", "bilstm"], default="han")
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--lr", type=float, default=2.5e-5)
    p.add_argument("--out", required=True)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--init-from", metavar="SAFETENSORS",
                   help="warm start from exported weights (export.py models); "
                        "the optimiser starts fresh, epochs count on from the file's")
    p.add_argument("--max-seconds", type=float, default=0)
    p.add_argument("--cpu", action="store_true")
    p.add_argument("--threads", type=int, default=0, help="torch and OpenBLAS CPU threads (0: their defaults)")
    p.add_argument("--standardize", action="store_true",
                   help="z-score every input dim with the training list's statistics")
    p.add_argument("--ema", type=float, default=0, metavar="DECAY",
                   help="also keep and score a moving average of the weights; best.pt holds it")
    p.add_argument("--ema-warmup", action="store_true",
                   help="with --ema: the t-th update uses min(DECAY, (1+t)/(10+t))")
    p.add_argument("--cosine", type=int, default=0, metavar="EPOCHS",
                   help="the learning rate falls along a half cosine to 0 over EPOCHS epochs")
    p.add_argument("--dropout", type=float, default=hanmod.DROPOUT, metavar="P",
                   help="dropout of the LSTM stacks and the head (default: the paper's %(default)s)")
    p.add_argument("--weight-decay", type=float, default=WEIGHT_DECAY, metavar="W",
                   help="Adam's L2 weight decay (default: the paper's %(default)s; "
                        "the shipped models: 0)")
    p.add_argument("--transpose", type=int, default=0, metavar="K",
                   help="move each training segment by a random shift in [-K, K] semitones")
    p.add_argument("--limit", type=int, default=0, help="smoke tests: first N of each list")
    p = sub.add_parser("eval")
    p.add_argument("--pack", required=True)
    p.add_argument("--splits", default=SPLITS)
    p.add_argument("--runs", nargs="+", required=True)
    p.add_argument("--json")
    p.add_argument("--cpu", action="store_true")
    p = sub.add_parser("score")
    p.add_argument("--split", default="composition")
    p.add_argument("--splits", default=SPLITS)
    p.add_argument("--labels", default=LABELS)
    p.add_argument("predictions")
    a = ap.parse_args()
    if not 0 <= getattr(a, "ema", 0) < 1:
        ap.error("--ema: the decay must lie in [0, 1)")
    if not 0 <= getattr(a, "dropout", 0) < 1:
        ap.error("--dropout: the probability must lie in [0, 1)")
    if not 0 <= getattr(a, "weight_decay", 0) < 1:
        ap.error("--weight-decay: W must lie in [0, 1)")
    if not 0 <= getattr(a, "transpose", 0) <= 12:
        ap.error("--transpose: the shift must lie in [0, 12] semitones")
    if getattr(a, "ema_warmup", False) and not a.ema:
        ap.error("--ema-warmup needs --ema DECAY")
    {"pack": cmd_pack, "train": cmd_train, "eval": cmd_eval, "score": cmd_score}[a.cmd](a)


if __name__ == "__main__":
    main()
