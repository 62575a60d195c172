#!/usr/bin/python3
"""splits.py - the PercePiano train/valid/test splits, made deterministic.

Writes data/splits/{composition,performer,excerpt}.json. Each file holds the
fixed test list and 4 folds {train, valid}; names are segment ids (the MIDI
name without ".mid"), as in the label file.

Candidates: the performance MIDI names (shared/data/percepiano/performances)
that are keys of the 1,189-key label file (case-insensitive, as the original).

composition  PercePiano's psp/m2pf_dataset_compositionfold.py procedure, with
             the directory listing replaced by a sorted list: random.seed(42),
             shuffle, group by the name without the player field (segment
             level), draw groups with random.choice until the test set holds
             >= 15 % of the files (groups of one are redrawn), then the
             remaining groups in insertion order go to fold i % 4.
performer    psp/m2pf_dataset_performerfold.py: player -> index (Score 0,
             Score2 -1, Beethoven players by position in their list, Schubert
             players by number); test = {1, 2}; fold f valid = {2f+3, 2f+4}.
excerpt      stricter: every segment of one piece excerpt (the name without
             player and segment fields, e.g. Schubert_D960_mv3_8bars) on one
             side. Test: excerpts in a seed-42 shuffled order of the sorted
             excerpt list are added while the test set stays <= 25 % until it
             reaches 15 %; the rest go largest first to the smallest fold.

Usage: /usr/bin/python3 train/splits.py [--data DIR] [--out DIR]
                                      [--only NAME] [--seed N]

--seed N redraws the composition split with seed N instead of 42 (another
draw of the same procedure, to measure how much the test draw moves a
model's R2; baseline.py --json lists the ridge R2 of every draw). The
shipped data/splits always use 42. --only NAME writes only that split.
"""
import argparse
import json
import os
import random
from collections import defaultdict

BEETHOVEN_PERFORMER_IDS = [1, 2, 3, 4, 7, 11, 14, 18, 19, 22, 24, 26]
LABELS = "labels/label_2round_mean_reg_19_with0_rm_highstd0.json"


def seg_id(fname):
    return fname[:-4] if fname.endswith(".mid") else fname


def candidates(data):
    keys = json.load(open(os.path.join(data, LABELS)))
    domain = {k.lower() for k in keys}
    names = sorted(f for f in os.listdir(os.path.join(data, "performances"))
                   if ".mid" in f)
    return [f for f in names if seg_id(f).lower() in domain]


def name_wo_performer(fname):
    parts = fname.split("_")
    return "_".join(parts[:-2]) + "_" + parts[-1]


def composition(files, seed=42):
    rng = random.Random(seed)  # the original seeds the module-level generator
    all_data = list(files)
    rng.shuffle(all_data)
    groups = defaultdict(list)
    for f in all_data:
        groups[name_wo_performer(f)].append(f)
    test = []
    while len(test) < 0.15 * len(all_data):
        key = rng.choice(list(groups.keys()))
        if len(groups[key]) > 1:
            test.extend(groups.pop(key))
    fold_of = {}
    for i, key in enumerate(groups.keys()):
        for f in groups[key]:
            fold_of[f] = i % 4
    rest = [f for f in all_data if f not in test]
    folds = []
    for k in range(4):
        valid = [f for f in rest if fold_of[f] == k]
        train = [f for f in rest if fold_of[f] != k]
        folds.append((train, valid))
    return test, folds


def performer_index(fname):
    p = seg_id(fname).split("_")[-2]
    if p == "Score":
        return 0
    if p == "Score2":
        return -1
    if "Beethoven" in fname:
        return BEETHOVEN_PERFORMER_IDS.index(int(p))
    return int(p)


def performer(files):
    idx = {f: performer_index(f) for f in files}
    test = [f for f in files if idx[f] in (1, 2)]
    folds = []
    for k in range(4):
        v = (2 * k + 3, 2 * k + 4)
        valid = [f for f in files if idx[f] in v]
        train = [f for f in files if idx[f] not in v and idx[f] not in (1, 2)]
        folds.append((train, valid))
    return test, folds


def excerpt_of(fname):
    return "_".join(seg_id(fname).split("_")[:-2])


def excerpt(files):
    groups = defaultdict(list)
    for f in files:
        groups[excerpt_of(f)].append(f)
    order = sorted(groups)
    random.Random(42).shuffle(order)
    n = len(files)
    test_ex = []
    size = 0
    for e in order:
        if size >= 0.15 * n:
            break
        if size + len(groups[e]) <= 0.25 * n:
            test_ex.append(e)
            size += len(groups[e])
    rest = sorted((e for e in groups if e not in test_ex),
                  key=lambda e: (-len(groups[e]), e))
    bins = [[] for _ in range(4)]
    sizes = [0] * 4
    for e in rest:
        k = min(range(4), key=lambda i: (sizes[i], i))
        bins[k].append(e)
        sizes[k] += len(groups[e])
    test = [f for f in files if excerpt_of(f) in test_ex]
    folds = []
    for k in range(4):
        valid = [f for f in files if excerpt_of(f) in bins[k]]
        train = [f for f in files
                 if excerpt_of(f) not in bins[k] and excerpt_of(f) not in test_ex]
        folds.append((train, valid))
    return test, folds


ABOUT = {
    "composition": "PercePiano composition ('piece') 4-fold, segment-level groups, "
                   "original procedure on a sorted file list with random.seed({seed})",
    "performer": "PercePiano performer 4-fold: test players {1,2}, fold f valid {2f+3,2f+4}",
    "excerpt": "stricter: whole piece excerpts (name without player and segment) "
               "on one side; greedy size-balanced folds",
}


def write(out, name, test, folds, seed=42):
    doc = {
        "about": ABOUT[name].replace("{seed}", str(seed)),
        "made_by": "train/splits.py",
        "labels": os.path.basename(LABELS),
        "count": len(test) + len(folds[0][0]) + len(folds[0][1]),
        "test": [seg_id(f) for f in test],
        "folds": [{"train": [seg_id(f) for f in tr], "valid": [seg_id(f) for f in va]}
                  for tr, va in folds],
    }
    with open(os.path.join(out, name + ".json"), "w") as fp:
        json.dump(doc, fp, indent=1)
        fp.write("\n")
    print("%-12s test %4d  valid %s  train %s" % (
        name, len(test), [len(v) for _, v in folds], [len(t) for t, _ in folds]))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.path.join(here, "../../shared/data/percepiano"))
    ap.add_argument("--out", default=os.path.join(here, "../data/splits"))
    ap.add_argument("--only", choices=sorted(ABOUT))
    ap.add_argument("--seed", type=int, default=42, help="composition draw (default 42)")
    a = ap.parse_args()
    if a.seed != 42 and a.only != "composition":
        ap.error("--seed redraws the composition split only: add --only composition")
    files = candidates(a.data)
    os.makedirs(a.out, exist_ok=True)
    for name, fn in (("composition", lambda f: composition(f, a.seed)),
                     ("performer", performer), ("excerpt", excerpt)):
        if a.only in (None, name):
            test, folds = fn(files)
            write(a.out, name, test, folds, a.seed)


if __name__ == "__main__":
    main()
