#!/usr/bin/python3
"""Synthetic ground truth for pp-align (tests/t0110-align-synth.sh, bench).

synth.py score OUT.musicxml MEASURES SEED
    writes a two-staff 4/4 piano score: an eighth-note melody over
    quarter-note chords, MEASURES bars long.
synth.py perf SCORE.json OUTDIR SEED DROP ADD [skip:BAR:N] [restart:BAR:N]
    reads the score model (the "score" member of an alignment/1 document),
    renders a performance with a tempo curve (slow sine rubato and a final
    ritardando) and onset jitter (sd 20 ms, chord spread), then injects
    errors: DROP share of notes left out, ADD share of extra notes, 3 %
    octave errors, 2 % semitone errors, two trills and one repeated bar.
    skip:BAR:N leaves out the N bars from bar BAR (0-based, the music goes
    on without a gap); restart:BAR:N stops halfway through bar BAR and,
    after 0.8 s, plays again from the start of bar BAR - N (the first
    attempt is the matched one, the notes played again are extra, kind
    repeat). Writes OUTDIR/perf.json (notes/1) and OUTDIR/truth.json
    (alignment/1 match and extra arrays, the truth for pp-eval alignment).
"""
import json, math, os, random, sys

def score(out, measures, seed):
    rnd = random.Random(seed)
    scale = [60, 62, 64, 65, 67, 69, 71, 72, 74, 76, 77, 79]
    chords = [[48, 52, 55], [45, 48, 52], [41, 45, 48], [43, 47, 50]]
    steps = {0: ('C', 0), 1: ('C', 1), 2: ('D', 0), 3: ('E', -1), 4: ('E', 0), 5: ('F', 0),
             6: ('F', 1), 7: ('G', 0), 8: ('A', -1), 9: ('A', 0), 10: ('B', -1), 11: ('B', 0)}
    def note(p, dur, voice, staff, chord=False, typ='eighth'):
        s, a = steps[p % 12]
        return ('<note>%s<pitch><step>%s</step>%s<octave>%d</octave></pitch>'
                '<duration>%d</duration><voice>%d</voice><type>%s</type><staff>%d</staff></note>' %
                ('<chord/>' if chord else '', s, '<alter>%d</alter>' % a if a else '',
                 p // 12 - 1, dur, voice, typ, staff))
    x = ['<?xml version="1.0" encoding="UTF-8"?>', '<score-partwise version="3.1">',
         '<part-list><score-part id="P1"><part-name>Piano</part-name></score-part></part-list>',
         '<part id="P1">']
    i = 5
    for m in range(measures):
        x.append('<measure number="%d">' % (m + 1))
        if m == 0:
            x.append('<attributes><divisions>2</divisions><key><fifths>0</fifths></key>'
                     '<time><beats>4</beats><beat-type>4</beat-type></time><staves>2</staves></attributes>'
                     '<direction><direction-type><dynamics><p/></dynamics></direction-type><staff>1</staff></direction>')
        for k in range(8):
            i = max(0, min(len(scale) - 1, i + rnd.choice([-2, -1, -1, 1, 1, 2, 0])))
            x.append(note(scale[i], 1, 1, 1))
        x.append('<backup><duration>8</duration></backup>')
        ch = chords[m % 4]
        for b in range(4):
            for j, p in enumerate(ch):
                x.append(note(p, 2, 5, 2, chord=j > 0, typ='quarter'))
        x.append('</measure>')
    x += ['</part>', '</score-partwise>']
    open(out, 'w').write('\n'.join(x) + '\n')

def edit(notes, sc, T, op, bar, n):
    """A skipped passage or a restart (see the usage), on notes that are
    all score notes: [onset, offset, pitch, velocity, score id, kind]."""
    if op == 'skip':
        q0, q1 = 4 * bar, 4 * (bar + n)
        shift = T(q1) - T(q0)
        return [[x[0] - shift, x[1] - shift] + x[2:] if sc[x[4]]['onset'] >= q1 else x
                for x in notes if not q0 <= sc[x[4]]['onset'] < q1]
    q0, q1 = 4 * (bar - n), 4 * bar + 2
    shift = T(q1) - T(q0) + 0.8
    out = []
    for x in notes:
        q = sc[x[4]]['onset']
        if q < q1:
            out.append(x)
        if q >= q0:
            y = [x[0] + shift, x[1] + shift] + x[2:]
            if q < q1:
                y[4], y[5] = None, 'repeat'
            out.append(y)
    return out

def perf(score_json, outdir, seed, drop, add, edits=()):
    rnd = random.Random(seed)
    d = json.load(open(score_json))
    sc = d['score']['notes'] if 'score' in d else d['notes']
    qmax = max(n['onset'] + n['duration'] for n in sc)
    def spb(q):
        r = 0.5 * (1 + 0.15 * math.sin(2 * math.pi * q / 16))
        if q > qmax - 8:
            r *= 1 + 0.4 * (q - (qmax - 8)) / 8
        return r
    tq = [0.0]
    step = 0.0625
    for k in range(int(qmax / step) + 2):
        tq.append(tq[-1] + spb(k * step) * step)
    def T(q):
        k = int(q / step); f = q / step - k
        return tq[k] + f * (tq[k + 1] - tq[k])
    notes = []   # (onset, offset, pitch, velocity, score id or None, kind)
    chord_off = {}
    for j, n in enumerate(sc):
        if n['grace']:
            continue
        key = round(n['onset'], 6)
        if key not in chord_off:
            chord_off[key] = rnd.gauss(0, 0.02)
        t = T(n['onset']) + chord_off[key] + rnd.gauss(0, 0.008)
        off = T(n['onset'] + n['duration']) - 0.03
        notes.append([max(0.0, t), max(t + 0.05, off), n['pitch'], rnd.randint(40, 90), j, 'm'])
    playable = list(range(len(notes)))
    rnd.shuffle(playable)
    ndrop = int(round(drop * len(notes)))
    noct = int(round(0.03 * len(notes)))
    nsemi = int(round(0.02 * len(notes)))
    dropped = set(playable[:ndrop])
    for k in playable[ndrop:ndrop + noct]:
        notes[k][2] += rnd.choice([-12, 12]); notes[k][5] = 'w'
    for k in playable[ndrop + noct:ndrop + noct + nsemi]:
        notes[k][2] += rnd.choice([-1, 1]); notes[k][5] = 'w'
    notes = [n for k, n in enumerate(notes) if k not in dropped]
    for op, bar, n in edits:
        notes = edit(notes, sc, T, op, bar, n)
    end = max(n[1] for n in notes)
    extra = []
    for k in range(int(round(add * len(sc)))):
        t = rnd.uniform(0, end - 0.2)
        extra.append([t, t + rnd.uniform(0.03, 0.3), rnd.randint(40, 84), rnd.randint(10, 60), None, 'extra'])
    # two trills on melody notes: four fast alternations with the upper tone
    mel = [n for n in notes if n[4] is not None and sc[n[4]]['staff'] == 1 and n[5] == 'm']
    for n in rnd.sample(mel, 2):
        for r in range(4):
            t = n[0] + 0.06 * (r + 1)
            extra.append([t, t + 0.05, n[2] + (2 if r % 2 == 0 else 0), 50, None, 'ornament'])
    # one repeated bar: bar 2 played again at the very end
    bar = [n for n in notes if n[4] is not None and sc[n[4]]['measure'] == 2 and n[5] == 'm']
    if bar:
        t0 = min(n[0] for n in bar)
        for n in bar:
            t = end + 0.5 + n[0] - t0
            extra.append([t, t + n[1] - n[0], n[2], n[3], None, 'repeat'])
    allnotes = notes + extra
    allnotes.sort(key=lambda n: (n[0], n[2], n[1]))
    match = [{'score': j, 'status': 'missing', 'perf': None} for j in range(len(sc))]
    ex = []
    for i, n in enumerate(allnotes):
        if n[4] is None:
            ex.append({'perf': i, 'measure': 0, 'kind': n[5]})
        else:
            match[n[4]] = {'score': n[4], 'status': 'matched' if n[5] == 'm' else 'wrong_pitch', 'perf': i}
    os.makedirs(outdir, exist_ok=True)
    pn = [{'pitch': n[2], 'onset': round(n[0], 6), 'offset': round(n[1], 6), 'velocity': n[3]} for n in allnotes]
    json.dump({'pp': 'notes/1', 'source': 'synth', 'duration': max(n['offset'] for n in pn),
               'notes': pn, 'pedal': [], 'soft': []}, open(os.path.join(outdir, 'perf.json'), 'w'))
    json.dump({'pp': 'alignment/1', 'match': match, 'extra': ex},
              open(os.path.join(outdir, 'truth.json'), 'w'))

if __name__ == '__main__':
    if sys.argv[1] == 'score':
        score(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        edits = [(a.split(':')[0], int(a.split(':')[1]), int(a.split(':')[2])) for a in sys.argv[7:]]
        perf(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), edits)
