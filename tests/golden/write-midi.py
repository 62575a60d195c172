#!/usr/bin/python3
"""write-midi.py OUT.mid - the scale-and-chords fixture as a Standard MIDI
File (format 0, piano): a C major scale up (C4-C5), then C, F and G major
triads, then a two-octave C spread, no pedal. Used by make-golden.sh."""
import struct
import sys

TPQ = 480  # ticks per quarter; 120 qpm, so 960 ticks per second


def vlq(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.insert(0, 0x80 | (n & 0x7F))
        n >>= 7
    return bytes(out)


def main(path):
    events = []  # (tick, order, bytes): offs before ons at a tick
    t = 240
    for p in [60, 62, 64, 65, 67, 69, 71, 72]:
        events += [(t, 1, bytes([0x90, p, 80])), (t + 216, 0, bytes([0x80, p, 0]))]
        t += 240
    for chord in [[60, 64, 67], [65, 69, 72], [67, 71, 74], [36, 48, 60, 64, 67, 72]]:
        for p in chord:
            events += [(t, 1, bytes([0x90, p, 96])), (t + 800, 0, bytes([0x80, p, 0]))]
        t += 960
    events.sort()
    track = bytearray(vlq(0) + bytes([0xC0, 0]))
    track += vlq(0) + bytes([0xFF, 0x51, 3]) + (500000).to_bytes(3, 'big')
    last = 0
    for tick, _, ev in events:
        track += vlq(tick - last) + ev
        last = tick
    track += vlq(480) + bytes([0xFF, 0x2F, 0])
    with open(path, 'wb') as f:
        f.write(b'MThd' + struct.pack('>IHHH', 6, 0, 1, TPQ))
        f.write(b'MTrk' + struct.pack('>I', len(track)) + bytes(track))


if __name__ == '__main__':
    main(sys.argv[1])
