#!/usr/bin/python3
"""baseline.py - a ridge regression on per-segment pooled features: the
floor any sequence model should clear on our features and splits, and a
measure of how hard our fixed composition test set is.

  baseline.py --pack PACK.npz [--splits DIR] [--draws 300] [--json OUT]

Each segment becomes one vector: the mean and the population std over its
rows of every feature dimension, and log(rows). Per split and fold the
ridge is fit on the fold's train list (the vectors z-scored with the train
statistics) with the penalty that scores best on the fold's valid list
(grid 1 ... 1e4), then scored on the split's fixed test list with the same
R2 as train.py (sklearn's uniform average over the 19 dimensions).

The same is done with the score's features alone (dims 0-76 and the
*_unnorm copies 96-100) and with the performance's alone (77-95): a score-
only model can only tell segments apart, so its R2 measures how much of a
split's R2 is knowing the music rather than hearing the playing. Every row
also gives the within-segment R2 (train.py within_segment_r2).

Test-set difficulty: the composition test set is one random draw of the
original procedure (splits.py, seed 42 on a sorted list; the original's
order came from os.listdir, so the paper's draw is unknown). With --draws N
the procedure is repeated with seeds 0..N-1, the ridge (penalty: the median
of the folds' choices) is fit on everything outside each draw's test set,
and the report gives where our draw's R2 falls in that distribution; the
JSON lists every draw's R2 by seed ("draws_r2"), so that a draw of a given
difficulty can be written with splits.py --only composition --seed N.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import splits as splitsmod  # noqa: E402
from train import SPLITS, load_split, r2_score, within_segment_r2  # noqa: E402

ALPHAS = (1.0, 10.0, 100.0, 1000.0, 10000.0)
GROUPS = {"all": range(0, 101),
          "score": list(range(0, 77)) + list(range(96, 101)),
          "performance": range(77, 96)}


def pooled(pack):
    z = np.load(pack)
    names = [str(n) for n in z["names"]]
    x, off = z["x"].astype(np.float64), z["offsets"]
    f = np.array([np.concatenate([x[a:b].mean(0), x[a:b].std(0), [np.log(b - a)]])
                  for a, b in zip(off[:-1], off[1:])])
    return names, f, z["y"].astype(np.float64)


def columns(f, dims):
    """The pooled columns of feature dims DIMS (means, stds) and log(rows)."""
    d = f.shape[1] // 2
    return f[:, list(dims) + [d + k for k in dims] + [2 * d]]


def ridge(f, y, tr, alpha):
    """Fits on rows tr; returns a predictor for other rows."""
    mu, sd = f[tr].mean(0), f[tr].std(0)
    sd = np.where(sd > 0, sd, 1.0)
    a = (f[tr] - mu) / sd
    ym = y[tr].mean(0)
    w = np.linalg.solve(a.T @ a + alpha * np.eye(a.shape[1]), a.T @ (y[tr] - ym))
    return lambda rows: ((f[rows] - mu) / sd) @ w + ym


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pack", required=True)
    ap.add_argument("--splits", default=SPLITS)
    ap.add_argument("--draws", type=int, default=300)
    ap.add_argument("--json")
    a = ap.parse_args()
    names, f, y = pooled(a.pack)
    index = {n: i for i, n in enumerate(names)}

    def ids(lst):
        return [index[n] for n in lst if n in index]

    report, alphas = {"splits": {}}, []
    for split in ("composition", "performer", "excerpt"):
        sp = load_split(split, a.splits)
        te = ids(sp["test"])
        report["splits"][split] = {}
        for group, dims in GROUPS.items():
            g = columns(f, dims)
            folds = []
            for k, fold in enumerate(sp["folds"]):
                tr, va = ids(fold["train"]), ids(fold["valid"])
                best = max(ALPHAS, key=lambda al: r2_score(y[va], ridge(g, y, tr, al)(va))[0])
                if group == "all":
                    alphas.append(best)
                p = ridge(g, y, tr, best)(te)
                folds.append({"fold": k, "alpha": best, "test_r2": round(r2_score(y[te], p)[0], 4),
                              "within_segment_r2": round(within_segment_r2(
                                  y[te], p, [names[i] for i in te]), 4)})
            row = {"folds": folds}
            for key in ("test_r2", "within_segment_r2"):
                row["mean_" + key] = round(float(np.mean([r[key] for r in folds])), 4)
            report["splits"][split][group] = row
            print("%-12s %-11s ridge test R2 per fold %s  mean %.4f  within-segment %.4f" % (
                split, group, " ".join("%.4f" % r["test_r2"] for r in folds),
                row["mean_test_r2"], row["mean_within_segment_r2"]))

    if a.draws:
        alpha = float(np.median(alphas))
        comp = load_split("composition", a.splits)
        files = sorted(n + ".mid" for n in names)

        def score(test):
            te = ids(test)
            held = set(te)
            tr = [i for i in range(len(names)) if i not in held]
            return r2_score(y[te], ridge(columns(f, GROUPS["all"]), y, tr, alpha)(te))[0]

        ours = score(comp["test"])
        others = np.array([score([t[:-4] for t in splitsmod.composition(files, seed)[0]])
                           for seed in range(a.draws)])
        pct = float((others < ours).mean() * 100)
        report["composition_test_difficulty"] = {
            "alpha": alpha, "ours_r2": round(ours, 4), "draws": a.draws,
            "draws_mean": round(float(others.mean()), 4),
            "draws_p5_p50_p95": [round(float(v), 4) for v in np.percentile(others, [5, 50, 95])],
            "ours_percentile": round(pct, 1),
            "draws_r2": [round(float(v), 4) for v in others]}
        print("composition test draw: ridge (alpha %g, fit outside the test set) R2 %.4f; "
              "%d other draws: median %.4f, 5-95%% %.4f..%.4f; ours is at the %.0fth percentile" % (
                  alpha, ours, a.draws, np.median(others), *np.percentile(others, [5, 95]), pct))
    if a.json:
        with open(a.json, "w") as fp:
            json.dump(report, fp, indent=1)
            fp.write("\n")


if __name__ == "__main__":
    main()
