#!/usr/bin/python3
"""export.py - trained checkpoints to data/models/*.safetensors, and the
test vectors of tests/fixtures/han/.

  export.py models --runs CKPT... --out data/models/han
      Each checkpoint (train.py's best.pt, or its F16 copy) becomes
      <split>-f<fold>.safetensors: every parameter as F16 (halves the size;
      the C loader widens to F32, and the test vectors are computed from the
      same F16-rounded weights, so nothing is lost against the reference).
      __metadata__ pins: pp = "model/1", arch, model_id, version,
      input_size, norm_id, label order with names and both poles
      (data/dimensions.json), split, fold, epoch, valid/test metrics, and
      the recipe (lr, batch, epochs, z-scored inputs, weight average, cosine,
      dropout, transposition, warm start).
  export.py annotate --pack PACK.npz --models FILE...
      Adds "dimension_r2" to each model file's metadata: the R2 of every
      dimension (label order) on the model's split's fixed test list,
      computed on the features in PACK (what pp-features makes today).
      pp-infer reports it per dimension and marks dimensions the model
      does not predict well (pp-formats(5), predictions/1). models --pack
      does the same at export, and refuses a run trained on other lists
      than data/splits (a redraw: its test list would hold training segments).
  export.py vectors --model FILE --inputs FEATURES... --out tests/fixtures/han
      For each features file NAME.safetensors, writes NAME.levels.safetensors
      holding the PyTorch forward pass in F32 at every level: embedding,
      note_lstm, voice_lstm, beat_attention, beat_lstm, measure_attention,
      measure_lstm, top_attention, logits, output (sigmoid).
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import han as hanmod  # noqa: E402
import stio  # noqa: E402
import train as trainmod  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
VERSION = "6"  # 2: inputs standardized in training (train.py --standardize), folded into embed;
#             3: the same, trained on the features a clean checkout makes, picked and kept as a
#                weight average (train.py --ema 0.995 --ema-warmup);
#             4: the same at lr 2e-4 (train/RESULTS.md, eleventh session);
#             5: the same without weight decay (train.py --weight-decay 0; fourteenth session)
#             6: the same for 14 epochs (train.py --epochs 14; fifteenth session)


def load_ckpt(path):
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:
        return torch.load(path, map_location="cpu")


def load_pack(pack):
    """The features pack as train.py reads it (loaded once per command)."""
    return trainmod.Data(pack, "han", torch.device("cpu"))


def held_out_r2(model, split, data):
    """Per-dimension test R2 of MODEL on SPLIT's fixed test list."""
    te = data.ids(split["test"])
    _, per = trainmod.r2_score(data.y[te], trainmod.predict(model, data, te))
    return [round(float(v), 4) for v in per]


def cmd_annotate(a):
    data = load_pack(a.pack)
    for path in a.models:
        tensors, meta = stio.load(path)
        m = model_from_tensors(tensors, meta)
        meta["dimension_r2"] = json.dumps(held_out_r2(m, trainmod.load_split(meta["split"]), data))
        stio.save(path + ".tmp", tensors, meta)
        os.replace(path + ".tmp", path)
        print("%s: dimension_r2 %s" % (path, meta["dimension_r2"]))


def cmd_models(a):
    dims = json.load(open(os.path.join(HERE, "../data/dimensions.json")))["dimensions"]
    os.makedirs(a.out, exist_ok=True)
    data = load_pack(a.pack) if a.pack else None
    for path in a.runs:
        ck = load_ckpt(path)
        info, best = ck["info"], ck["best"]
        if info["model"] != "han":
            continue
        split = trainmod.load_split(info["split"]) if data is not None else None
        if split is not None and not trainmod.same_lists(info, split):
            sys.exit("export.py: %s: trained on other lists than data/splits/%s.json: "
                     "no held-out R2 per dimension (--pack) for it" % (path, info["split"]))
        # a run trained on z-scored inputs exports with the z-score folded
        # into embed, so the model reads pp-features files as they are
        state = hanmod.fold_standardization(ck["model"], info.get("standardize"))
        tensors = {k: v.detach().to(torch.float16).numpy() for k, v in state.items()}
        model_id = "percepiano-han-%s-f%d" % (info["split"], info["fold"])
        run = dict(trainmod.RESUME_ADDED, **info)  # a run from before an option: its value then
        meta = {
            "pp": "model/1", "arch": "han", "model_id": model_id, "version": VERSION,
            "input_size": str(info.get("input_size", 101)), "norm_id": info["norm_id"],
            "labels": json.dumps([d["name"] for d in dims]),
            "dimensions": json.dumps(dims),
            "split": info["split"], "fold": str(info["fold"]),
            "epoch": str(best["epoch"]),
            "metrics": json.dumps({k: best[k] for k in ("valid_loss", "valid_r2", "test_mse", "test_r2")}),
            "recipe": json.dumps(dict({k: run[k] for k in ("lr", "batch", "epochs")},
                                      standardized_inputs=bool(run["standardize"]),
                                      ema=run["ema"], ema_warmup=bool(run["ema_warmup"]),
                                      cosine=run["cosine"], dropout=run["dropout"],
                                      weight_decay=run["weight_decay"],
                                      transpose=run["transpose"], warm_start=info.get("init_from"))),
            "made_by": "train/train.py + train/export.py",
        }
        if data is not None:
            m = model_from_tensors(tensors, meta)
            meta["dimension_r2"] = json.dumps(held_out_r2(m, split, data))
        out = os.path.join(a.out, "%s-f%d.safetensors" % (info["split"], info["fold"]))
        stio.save(out, tensors, meta)
        print("%s: epoch %s test R2 %.4f" % (out, best["epoch"], best["test_r2"]))


def model_from_tensors(tensors, meta):
    """A HAN in eval mode from a model file's tensors (F16 widened) and metadata."""
    m = hanmod.HAN(input_size=int(meta.get("input_size", 101)))
    m.load_state_dict({k: torch.tensor(v.astype(np.float32)) for k, v in tensors.items()})
    m.eval()
    return m


def load_model(path):
    t, meta = stio.load(path)
    return model_from_tensors(t, meta), meta


def cmd_vectors(a):
    m, meta = load_model(a.model)
    os.makedirs(a.out, exist_ok=True)
    for p in a.inputs:
        t, fmeta = stio.load(p)
        s = hanmod.make_sample(t["x"], t["voice"], t["beat"], t["measure"])
        with torch.no_grad():
            _, lv = m([s], levels=True)
        name = os.path.basename(p)[:-len(".safetensors")]
        out = {k: v.detach().numpy().astype(np.float32) for k, v in lv.items()}
        stio.save(os.path.join(a.out, name + ".levels.safetensors"), out,
                  {"model": meta["model_id"], "input": name + ".safetensors",
                   "made_by": "train/export.py vectors (PyTorch %s, float32)" % torch.__version__})
        print(name, {k: tuple(v.shape) for k, v in out.items()}, "output[:3]", out["output"][:3])


def main():
    ap = argparse.ArgumentParser(description="export weights and test vectors")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("models")
    p.add_argument("--runs", nargs="+", required=True)
    p.add_argument("--out", default=os.path.join(HERE, "../data/models/han"))
    p.add_argument("--pack", help="features pack: record each model's per-dimension test R2")
    p = sub.add_parser("annotate")
    p.add_argument("--pack", required=True)
    p.add_argument("--models", nargs="+", required=True)
    p = sub.add_parser("vectors")
    p.add_argument("--model", required=True)
    p.add_argument("--inputs", nargs="+", required=True)
    p.add_argument("--out", default=os.path.join(HERE, "../tests/fixtures/han"))
    a = ap.parse_args()
    {"models": cmd_models, "annotate": cmd_annotate, "vectors": cmd_vectors}[a.cmd](a)


if __name__ == "__main__":
    main()
