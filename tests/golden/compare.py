#!/usr/bin/python3
"""compare.py GOLDEN OURS.st DEFAULT.json NOMELODIA.json - checks pp-transcribe
against the reference outputs written by make-golden.sh (GOLDEN is the prefix
tests/golden/NAME). Posteriors must agree within 1e-4 (max abs) at every
stored frame; notes (default settings, and without melodia) must be the
same notes: equal pitch, onset and offset within one frame (11.6 ms).
Prints one summary line; exit 1 on a difference."""
import gzip
import json
import math
import struct
import sys

import numpy as np

FRAME = 256 / 22050


def load_st(raw):
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for k, v in header.items():
        if k == '__metadata__':
            continue
        dt = {'F32': '<f4', 'I32': '<i4', 'F64': '<f8'}[v['dtype']]
        a, b = v['data_offsets']
        out[k] = np.frombuffer(data[a:b], dt).reshape(v['shape'])
    return out


def frame_time(f):
    off = FRAME * (172 - 43844 / 256) + 0.0018
    return f * FRAME - off * math.floor(f / 172)


def notes_of_golden(events):
    out = []
    for start, dur, pitch, _ in events:
        on = frame_time(start)
        out.append((on, on + (frame_time(start + dur) - on), pitch))
    return sorted(out, key=lambda n: (n[0], n[2], n[1]))


def notes_of_ours(path):
    doc = json.load(open(path))
    return sorted([(n['onset'], n['offset'], n['pitch']) for n in doc['notes']],
                  key=lambda n: (n[0], n[2], n[1]))


def same_notes(a, b):
    if len(a) != len(b):
        return False
    return all(x[2] == y[2] and abs(x[0] - y[0]) <= FRAME + 1e-9 and
               abs(x[1] - y[1]) <= FRAME + 1e-9 for x, y in zip(a, b))


def main(golden, ours_st, ours_def, ours_nomel):
    g = load_st(gzip.open(golden + '.st.gz').read())
    gn = json.load(open(golden + '.notes.json'))
    o = load_st(open(ours_st, 'rb').read())
    ok = True
    n = o['note'].shape[0]
    if n != gn['n_frames']:
        print('frames: ours %d, reference %d' % (n, gn['n_frames']))
        return 1
    diffs = {}
    for k in ['note', 'onset', 'contour']:
        diffs[k] = float(np.abs(o[k][g['frames']] - g[k]).max()) if len(g['frames']) else 0.0
    worst = max(diffs.values())
    ok = worst <= 1e-4
    res = []
    for key, path in [('default_frames', ours_def), ('nomelodia_frames', ours_nomel)]:
        ref, est = notes_of_golden(gn[key]), notes_of_ours(path)
        same = same_notes(ref, est)
        ok = ok and same
        res.append('%s %d/%d notes %s' % (key.split('_')[0], len(est), len(ref),
                                          'same' if same else 'DIFFER'))
    print('%s: %d frames, posteriors max abs diff %.2e (note %.1e, onset %.1e, contour %.1e); %s'
          % (golden.split('/')[-1], n, worst, diffs['note'], diffs['onset'], diffs['contour'],
             '; '.join(res)))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:5]))
