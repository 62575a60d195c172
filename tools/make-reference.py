#!/usr/bin/python3
"""tools/make-reference.py LABELS.json > data/reference.json

Computes the reference distribution of the 19 PercePiano dimensions (mean,
population sd, min, max, percentiles 0..100 step 5, linear interpolation)
from a PercePiano label file (segment -> 19 means + player index)."""
import json, statistics, sys

def main():
    path = sys.argv[1]
    lab = json.load(open(path))
    dims = json.load(open(__file__.rsplit('/', 2)[0] + '/data/dimensions.json'))['dimensions']
    out = {"about": "Reference distribution of the 19 PercePiano dimensions: statistics of the mean ratings (1-7 Likert divided by 7) over the %d labelled segments of %s. 'percentiles' holds the values at 0,5,10,...,100 percent. Made by tools/make-reference.py; used to say where a prediction stands (percentile) and which dimensions stand out." % (len(lab), path.split('/')[-1]),
           "source": "PercePiano " + "/".join(path.split('/')[-2:]), "count": len(lab), "dimensions": []}
    for d in dims:
        x = sorted(v[d['index']] for v in lab.values())
        n = len(x)
        def q(p):
            pos = p / 100 * (n - 1); a = int(pos); b = min(a + 1, n - 1); f = pos - a
            return round(x[a] * (1 - f) + x[b] * f, 6)
        out["dimensions"].append({"index": d['index'], "name": d['name'], "mean": round(statistics.fmean(x), 6),
                                  "sd": round(statistics.pstdev(x), 6), "min": round(x[0], 6), "max": round(x[-1], 6),
                                  "percentiles": [q(p) for p in range(0, 101, 5)]})
    json.dump(out, sys.stdout, indent=1)
    print()

if __name__ == '__main__':
    main()
