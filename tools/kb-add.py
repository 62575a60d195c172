#!/usr/bin/python3
"""kb-add.py - append knowledge passages written in the compact authoring form.

Usage: tools/kb-add.py [FILE...]   (stdin when no file)

Each passage is a header line followed by its text (one or more lines,
joined with spaces) up to the next header or end of input:

  ## topic | Title | dim+ dim- ... | Composer, Composer | era, era | level | kind | srckey

  dim+  the passage helps where the playing sits at the dimension's HIGH pole
  dim-  ... at its LOW pole (see data/dimensions.json for the pole wording)
  Composers and eras: comma-separated, or '-' for none (general).
  srckey: a key of SOURCES below (title and author of the published work).

Ids are given here: the topic's prefix and the next free number, so that
existing ids never change. Output: data/knowledge/passages/<topic>.jsonl.
"""
import json, os, re, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KDIR = os.path.join(ROOT, "data", "knowledge", "passages")

PREFIX = {
    "timing": "tim", "articulation": "art", "pedal": "ped", "timbre": "tbr",
    "dynamics": "dyn", "pacing": "pac", "space": "spc", "balance": "bal",
    "expression": "exp", "mood": "mood", "interpretation": "int",
    "practice": "prc", "history": "his", "judging": "jud",
    "repertoire": "rep", "accuracy": "acc",
}

SOURCES = {
    "neuhaus": ("The Art of Piano Playing", "Heinrich Neuhaus"),
    "gieseking": ("Piano Technique", "Walter Gieseking and Karl Leimer"),
    "sandor": ("On Piano Playing", "György Sándor"),
    "fink": ("Mastering Piano Technique", "Seymour Fink"),
    "banowetz": ("The Pianist's Guide to Pedaling", "Joseph Banowetz"),
    "rosenblum": ("Performance Practices in Classic Piano Music", "Sandra P. Rosenblum"),
    "eigeldinger": ("Chopin: Pianist and Teacher as Seen by His Pupils", "Jean-Jacques Eigeldinger"),
    "cpe": ("Essay on the True Art of Playing Keyboard Instruments", "Carl Philipp Emanuel Bach"),
    "czerny": ("Letters to a Young Lady on the Art of Playing the Pianoforte", "Carl Czerny"),
    "czernyb": ("On the Proper Performance of All Beethoven's Works for the Piano", "Carl Czerny"),
    "leschetizky": ("The Groundwork of the Leschetizky Method", "Malwine Brée"),
    "matthay": ("The Act of Touch", "Tobias Matthay"),
    "whiteside": ("Indispensables of Piano Playing", "Abby Whiteside"),
    "bernstein": ("With Your Own Two Hands", "Seymour Bernstein"),
    "chang": ("Fundamentals of Piano Practice", "Chuan C. Chang"),
    "rosen": ("The Classical Style", "Charles Rosen"),
    "rosenrom": ("The Romantic Generation", "Charles Rosen"),
    "rosennotes": ("Piano Notes: The World of the Pianist", "Charles Rosen"),
    "kochevitsky": ("The Art of Piano Playing: A Scientific Approach", "George Kochevitsky"),
    "taylor": ("The Pianist's Talent", "Harold Taylor"),
    "lhevinne": ("Basic Principles in Pianoforte Playing", "Josef Lhévinne"),
    "badura": ("Interpreting Bach at the Keyboard", "Paul Badura-Skoda"),
    "baduramozart": ("Interpreting Mozart: The Performance of His Piano Pieces and Other Compositions", "Eva and Paul Badura-Skoda"),
    "schnabel": ("Beethoven: 32 Sonatas for the Pianoforte (edition)", "Artur Schnabel"),
    "turk": ("School of Clavier Playing", "Daniel Gottlob Türk"),
    "brendel": ("Musical Thoughts and Afterthoughts", "Alfred Brendel"),
    "hamilton": ("After the Golden Age: Romantic Pianism and Modern Performance", "Kenneth Hamilton"),
    "roberts": ("Images: The Piano Music of Claude Debussy", "Paul Roberts"),
    "long": ("At the Piano with Debussy", "Marguerite Long"),
    "longravel": ("At the Piano with Ravel", "Marguerite Long"),
    "berman": ("Notes from the Pianist's Bench", "Boris Berman"),
    "klickstein": ("The Musician's Way", "Gerald Klickstein"),
    "hofmann": ("Piano Playing with Piano Questions Answered", "Josef Hofmann"),
    "cortot": ("Rational Principles of Pianoforte Technique", "Alfred Cortot"),
    "ferguson": ("Keyboard Interpretation from the 14th to the 19th Century", "Howard Ferguson"),
    "zimdars": ("The Piano Master Classes of Franz Liszt, 1884-1886", "Richard Louis Zimdars"),
    "musgrave": ("Performing Brahms: Early Evidence of Performance Style", "Michael Musgrave and Bernard D. Sherman"),
    "bartok": ("Mikrokosmos (prefaces and notes)", "Béla Bartók"),
    "green": ("The Inner Game of Music", "Barry Green and W. Timothy Gallwey"),
    "bruser": ("The Art of Practicing", "Madeline Bruser"),
    "newman": ("The Pianist's Problems", "William S. Newman"),
    "slenczynska": ("Music at Your Fingertips", "Ruth Slenczynska"),
    "abrsm": ("These Music Exams", "ABRSM"),
    "bermanprok": ("Prokofiev's Piano Sonatas: A Guide for the Listener and the Performer", "Boris Berman"),
}

DIMS = None


def load_dims():
    with open(os.path.join(ROOT, "data", "dimensions.json"), encoding="utf-8") as f:
        return {d["name"] for d in json.load(f)["dimensions"]}


def next_number(topic):
    path = os.path.join(KDIR, topic + ".jsonl")
    n = 0
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    m = re.search(r"-(\d+)$", json.loads(line)["id"])
                    n = max(n, int(m.group(1)))
    return n + 1


def split_list(s):
    s = s.strip()
    return [] if s in ("", "-") else [x.strip() for x in s.split(",") if x.strip()]


def parse(text):
    out, cur = [], None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("## "):
            if cur:
                out.append(cur)
            f = [x.strip() for x in line[3:].split("|")]
            if len(f) != 8:
                sys.exit("kb-add: bad header (need 8 fields): " + line)
            topic, title, dims, comps, eras, level, kind, src = f
            if topic not in PREFIX:
                sys.exit("kb-add: unknown topic " + topic)
            if src not in SOURCES:
                sys.exit("kb-add: unknown source key " + src)
            dl = []
            for d in dims.split():
                name, pole = d[:-1], {"+": "high", "-": "low"}.get(d[-1])
                if name not in DIMS or pole is None:
                    sys.exit("kb-add: bad dimension %r in %s" % (d, title))
                dl.append({"name": name, "pole": pole})
            t, a = SOURCES[src]
            cur = {"id": None, "title": title, "text": "", "dimensions": dl,
                   "topic": topic, "composers": split_list(comps),
                   "eras": split_list(eras), "level": level, "kind": kind,
                   "source": {"title": t, "author": a}}
        elif line:
            if cur is None:
                sys.exit("kb-add: text before the first header")
            cur["text"] = (cur["text"] + " " + line).strip()
    if cur:
        out.append(cur)
    return out


def main():
    global DIMS
    DIMS = load_dims()
    text = "".join(open(p, encoding="utf-8").read() for p in sys.argv[1:]) \
        if len(sys.argv) > 1 else sys.stdin.read()
    recs = parse(text)
    bad = [r["title"] for r in recs if not 60 <= len(r["text"].split()) <= 200]
    if bad:
        for r in recs:
            w = len(r["text"].split())
            if not 60 <= w <= 200:
                print("kb-add: %d words: %s" % (w, r["title"]), file=sys.stderr)
        sys.exit(1)
    nums = {}
    os.makedirs(KDIR, exist_ok=True)
    for r in recs:
        t = r["topic"]
        if t not in nums:
            nums[t] = next_number(t)
        r["id"] = "%s-%03d" % (PREFIX[t], nums[t])
        nums[t] += 1
        with open(os.path.join(KDIR, t + ".jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print("kb-add: %d passages added" % len(recs), file=sys.stderr)


if __name__ == "__main__":
    main()
