#!/usr/bin/python3
"""pack.py AUDIO.flac-decoded.wav PREFIX OUT - helpers of make-golden.sh.

  pack.py decode IN.wav OUT.f32      16-bit PCM WAV -> float32 (x / 32768,
                                     as libsndfile reads it; channels mixed
                                     by their mean)
  pack.py golden PREFIX OUT STEP     run-js outputs PREFIX.* -> OUT.st
                                     (safetensors: note, onset, contour at
                                     every STEP-th frame, their frame index
                                     "frames") and OUT.notes.json
"""
import json
import struct
import sys
import wave

import numpy as np


def decode(src, dst):
    with wave.open(src, 'rb') as w:
        assert w.getsampwidth() == 2, 'need 16-bit PCM'
        ch = w.getnchannels()
        x = np.frombuffer(w.readframes(w.getnframes()), '<i2').astype(np.float32) / 32768.0
    x = x.reshape(-1, ch).mean(axis=1, dtype=np.float32) if ch > 1 else x
    x.astype('<f4').tofile(dst)


def save_st(path, tensors):
    header, blobs, off = {}, [], 0
    for name, arr in tensors.items():
        b = arr.tobytes()
        dt = {np.dtype('<f4'): 'F32', np.dtype('<i4'): 'I32'}[arr.dtype]
        header[name] = {'dtype': dt, 'shape': list(arr.shape), 'data_offsets': [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))


def golden(prefix, out, step):
    notes = json.load(open(prefix + '.notes.json'))
    n = notes['n_frames']
    frames = np.arange(0, n, step, dtype='<i4')
    t = {'frames': frames}
    for name, w in [('note', 88), ('onset', 88), ('contour', 264)]:
        a = np.fromfile(prefix + '.' + name + '.f32', '<f4').reshape(-1, w)
        assert a.shape[0] == n
        t[name] = np.ascontiguousarray(a[frames]).astype('<f4')
    save_st(out + '.st', t)
    keep = {'n_frames': n}
    for k in ['default_frames', 'nomelodia_frames']:
        keep[k] = [[e['startFrame'], e['durationFrames'], e['pitchMidi'], round(e['amplitude'], 9)]
                   for e in notes[k]]
    json.dump(keep, open(out + '.notes.json', 'w'), separators=(',', ':'))


if __name__ == '__main__':
    if sys.argv[1] == 'decode':
        decode(sys.argv[2], sys.argv[3])
    else:
        golden(sys.argv[2], sys.argv[3], int(sys.argv[4]))
