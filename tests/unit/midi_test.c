/* midi_test.c - Standard MIDI Files in and out (midi.c).
 *
 * Every file here is written byte by byte by the test, so each case says
 * exactly what is in it: running status, type 1 with a tempo map,
 * overlapping notes of one pitch, pedals, a long meta event, an unknown
 * chunk; then round trips, every truncation and random corruption. */
#include <stdlib.h>
#include <string.h>

#include "midi.h"
#include "tap.h"

struct file {
	unsigned char b[8192];
	size_t n;
	size_t trk; /* start of the open track chunk */
};

static void raw(struct file *f, const void *p, size_t n)
{
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

#define BYTES(f, ...) do { \
	static const unsigned char b_[] = { __VA_ARGS__ }; \
	raw(f, b_, sizeof(b_)); \
} while (0)

static void header(struct file *f, int format, int ntracks, int tpq)
{
	f->n = 0;
	BYTES(f, 'M', 'T', 'h', 'd', 0, 0, 0, 6);
	unsigned char h[6] = { 0, format, 0, ntracks, tpq >> 8, tpq & 255 };
	raw(f, h, 6);
}

static void track_begin(struct file *f)
{
	f->trk = f->n;
	BYTES(f, 'M', 'T', 'r', 'k', 0, 0, 0, 0);
}

static void track_end(struct file *f)
{
	size_t len = f->n - f->trk - 8;

	f->b[f->trk + 4] = len >> 24;
	f->b[f->trk + 5] = len >> 16;
	f->b[f->trk + 6] = len >> 8;
	f->b[f->trk + 7] = len;
}

static int parse(struct file *f, struct pp_notes *p, struct pp_err *err)
{
	pp_err_clear(err);
	return pp_midi_parse((const char *)f->b, f->n, "t.mid", p, err);
}

static void note_is(const struct pp_notes *p, size_t i, int pitch, double on,
		    double off, int vel, const char *what)
{
	if (!ok(i < p->n_notes, "%s: note %zu exists", what, i))
		return;
	is_int(p->notes[i].pitch, pitch, "%s: note %zu pitch", what, i);
	is_num(p->notes[i].onset, on, 1e-9, "%s: note %zu onset", what, i);
	is_num(p->notes[i].offset, off, 1e-9, "%s: note %zu offset", what, i);
	is_int(p->notes[i].velocity, vel, "%s: note %zu velocity", what, i);
}

/* Type 0, 480 tpq, no tempo (120 qpm: 480 ticks = 0.5 s), running status
 * throughout, note-on velocity 0 as note-off. */
static void running_status(void)
{
	struct file f;
	struct pp_notes p;
	struct pp_err err;

	header(&f, 0, 1, 480);
	track_begin(&f);
	BYTES(&f, 0x00, 0x90, 60, 100,   /* C4 on */
	      0x00, 64, 90,              /* E4 on, running status */
	      0x83, 0x60, 60, 0,         /* +480: C4 off (vel 0) */
	      0x83, 0x60, 64, 0,         /* +480: E4 off */
	      0x00, 0xff, 0x2f, 0x00);
	track_end(&f);
	pp_notes_init(&p);
	ok(parse(&f, &p, &err) == 0, "running status: parses (%s)", err.msg);
	is_int(p.n_notes, 2, "running status: two notes");
	note_is(&p, 0, 60, 0, 0.5, 100, "running status");
	note_is(&p, 1, 64, 0, 1.0, 90, "running status");
	is_int(p.ticks_per_quarter, 480, "running status: resolution kept");
	is_num(p.duration, 1.0, 1e-9, "running status: duration");
	is_str(p.source, "t.mid", "running status: source");
	pp_notes_free(&p);
}

/* Type 1, 96 tpq: tempo track with 120 qpm, then 240 qpm from tick 192
 * (1.0 s); notes in track 2, pedals in track 3. */
static void type1_tempo_map(struct file *f)
{
	header(f, 1, 3, 96);
	track_begin(f);
	BYTES(f, 0x00, 0xff, 0x51, 3, 0x07, 0xa1, 0x20,   /* 500000 us/q */
	      0x81, 0x40, 0xff, 0x51, 3, 0x03, 0xd0, 0x90, /* +192: 250000 */
	      0x00, 0xff, 0x2f, 0x00);
	track_end(f);
	track_begin(f);
	BYTES(f, 0x00, 0xff, 0x03, 4, 'p', 'i', 'a', 'n', /* track name */
	      0x00, 0xc0, 0x00,                  /* program change */
	      0x00, 0x90, 60, 80,                /* 0: C4 on */
	      0x60, 0x80, 60, 64,                /* 96 (0.5 s): C4 off */
	      0x81, 0x00, 0x90, 62, 70,          /* 224 (1.0 + 32 ticks) */
	      0x60, 62, 0,                       /* 320: off */
	      0x00, 0xff, 0x2f, 0x00);
	track_end(f);
	track_begin(f);
	BYTES(f, 0x00, 0xb0, 64, 127,            /* sustain down at 0 */
	      0x00, 0xb0, 7, 100,                /* volume: ignored */
	      0x30, 67, 100,                     /* 48 (0.25 s): soft down */
	      0x30, 66, 90,                      /* 96: sostenuto */
	      0x30, 64, 0,                       /* 144 (0.75 s): sustain up */
	      0x81, 0x40, 67, 0,                 /* 336: soft up */
	      0x00, 0xff, 0x2f, 0x00);
	track_end(f);
}

static void tempo_map(void)
{
	struct file f;
	struct pp_notes p;
	struct pp_err err;
	/* 224 ticks: 1.0 s + 32 ticks at 0.25 s per 96 = 1.0833 s. */
	double t224 = 1.0 + 32 * 0.25 / 96, t320 = 1.0 + 128 * 0.25 / 96;
	double t336 = 1.0 + 144 * 0.25 / 96;

	type1_tempo_map(&f);
	pp_notes_init(&p);
	ok(parse(&f, &p, &err) == 0, "type 1: parses (%s)", err.msg);
	is_int(p.n_notes, 2, "type 1: two notes");
	note_is(&p, 0, 60, 0, 0.5, 80, "type 1");
	note_is(&p, 1, 62, t224, t320, 70, "type 1 after the tempo change");
	is_int(p.n_controls, 5, "type 1: CC64, 66, 67 kept, CC7 dropped");
	is_int(p.n_pedal, 1, "type 1: one sustain interval");
	is_num(p.pedal[0].onset, 0, 1e-9, "sustain down");
	is_num(p.pedal[0].offset, 0.75, 1e-9, "sustain up");
	is_int(p.n_soft, 1, "type 1: one soft interval");
	is_num(p.soft[0].onset, 0.25, 1e-9, "soft down");
	is_num(p.soft[0].offset, t336, 1e-9, "soft up after the tempo change");
	is_num(p.duration, t336, 1e-9, "duration: the last event");
	is_int(p.controls[2].number, 66, "sostenuto kept in controls");
	pp_notes_free(&p);
}

/* Same pitch struck again before release: first in, first out. Also a
 * note-off at the tick of its own note-on, and a note never released. */
static void overlaps(void)
{
	struct file f;
	struct pp_notes p;
	struct pp_err err;

	header(&f, 0, 1, 480);
	track_begin(&f);
	BYTES(&f, 0x00, 0x90, 60, 100,  /* 0.00 C4 #1 on */
	      0x81, 0x70, 0x90, 60, 50,  /* 0.25 C4 #2 on */
	      0x81, 0x70, 0x80, 60, 0,   /* 0.50 off: ends #1 */
	      0x81, 0x70, 0x80, 60, 0,   /* 0.75 off: ends #2 */
	      0x00, 0x90, 67, 80,        /* 0.75 G4 on */
	      0x00, 0x80, 67, 0,         /* 0.75 G4 off at the same tick:
					  * kept open */
	      0x83, 0x60, 0x80, 67, 0,   /* 1.25 G4 off */
	      0x00, 0x90, 72, 60,        /* 1.25 C5 on, never released */
	      0x83, 0x60, 0x90, 48, 1,   /* 1.75 C3 on */
	      0x00, 0x80, 48, 0,         /* 1.75 same-tick off */
	      0x00, 0xff, 0x2f, 0x00);
	track_end(&f);
	pp_notes_init(&p);
	ok(parse(&f, &p, &err) == 0, "overlaps: parses (%s)", err.msg);
	is_int(p.n_notes, 5, "overlaps: five notes");
	note_is(&p, 0, 60, 0, 0.5, 100, "overlap FIFO");
	note_is(&p, 1, 60, 0.25, 0.75, 50, "overlap FIFO");
	note_is(&p, 2, 67, 0.75, 1.25, 80, "same-tick off");
	note_is(&p, 3, 72, 1.25, 1.75, 60, "unreleased ends at the end");
	note_is(&p, 4, 48, 1.75, 1.75, 1, "unreleased at the last tick");
	pp_notes_free(&p);
}

/* A 200-byte text meta event (two-byte length) and an unknown chunk. */
static void long_meta_and_unknown_chunk(void)
{
	struct file f;
	struct pp_notes p;
	struct pp_err err;
	unsigned char text[200];

	memset(text, 'a', sizeof(text));
	header(&f, 1, 1, 480);
	BYTES(&f, 'X', 'y', 'z', 'w', 0, 0, 0, 3, 1, 2, 3);
	track_begin(&f);
	BYTES(&f, 0x00, 0xff, 0x01, 0x81, 0x48);
	raw(&f, text, sizeof(text));
	BYTES(&f, 0x00, 0x90, 60, 100, 0x83, 0x60, 0x80, 60, 0,
	      0x00, 0xf0, 3, 0x43, 0x12, 0xf7, /* sysex */
	      0x00, 0xff, 0x2f, 0x00);
	track_end(&f);
	pp_notes_init(&p);
	ok(parse(&f, &p, &err) == 0, "long meta, unknown chunk, sysex: "
	   "parses (%s)", err.msg);
	note_is(&p, 0, 60, 0, 0.5, 100, "long meta");
	pp_notes_free(&p);
}

static void bad(struct file *f, const char *msg, const char *what)
{
	struct pp_notes p;
	struct pp_err err;

	pp_notes_init(&p);
	ok(parse(f, &p, &err) < 0, "%s: refused", what);
	is_str(err.msg, msg, "%s: message", what);
	ok(p.n_notes == 0 && !p.notes, "%s: record left empty", what);
}

static void errors(void)
{
	struct file f;

	f.n = 0;
	BYTES(&f, 'R', 'I', 'F', 'F', 0, 0, 0, 4, 'W', 'A', 'V', 'E', 0, 0);
	bad(&f, "'t.mid': not a MIDI file", "RIFF");
	header(&f, 2, 1, 480);
	bad(&f, "'t.mid': MIDI file type 2 is not supported", "type 2");
	header(&f, 0, 1, 0xe728);
	bad(&f, "'t.mid': SMPTE time division is not supported", "SMPTE");
	header(&f, 0, 0, 480);
	bad(&f, "'t.mid': MIDI file has no tracks", "no tracks");
	header(&f, 0, 1, 480);
	track_begin(&f);
	BYTES(&f, 0x00, 60, 100, 0x00, 0xff, 0x2f, 0x00);
	track_end(&f);
	bad(&f, "'t.mid': byte 22: running status with no status byte "
	    "before it", "no running status");
	header(&f, 0, 1, 480);
	track_begin(&f);
	BYTES(&f, 0x00, 0xf8, 0x00, 0xff, 0x2f, 0x00);
	track_end(&f);
	bad(&f, "'t.mid': byte 22: unexpected status byte 0xF8 in a MIDI "
	    "file", "realtime byte");
	header(&f, 0, 1, 480);
	track_begin(&f);
	BYTES(&f, 0x00, 0xff, 0x51, 3, 0, 0, 0, 0x00, 0xff, 0x2f, 0x00);
	track_end(&f);
	bad(&f, "'t.mid': byte 22: corrupt tempo event", "tempo 0");
	header(&f, 0, 1, 480);
	track_begin(&f);
	BYTES(&f, 0x00, 0x90, 160, 100, 0x00, 0xff, 0x2f, 0x00);
	track_end(&f);
	bad(&f, "'t.mid': byte 22: corrupt MIDI event (data byte 0xA0)",
	    "data byte with the top bit");
	header(&f, 0, 1, 480);
	track_begin(&f);
	BYTES(&f, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x90, 60, 100);
	track_end(&f);
	bad(&f, "'t.mid': byte 26: variable-length number longer than 4 "
	    "bytes", "long delta");
}

/* Every strict prefix of a file fails cleanly; random corruptions never
 * crash and either parse or fail with one line. */
static void truncation_and_corruption(void)
{
	struct file f, g;
	struct pp_notes p;
	struct pp_err err;
	int clean = 1, lines = 1, parsed = 0;
	unsigned seed = 12345;

	type1_tempo_map(&f);
	pp_notes_init(&p);
	for (size_t len = 0; len < f.n; len++) {
		pp_err_clear(&err);
		if (pp_midi_parse((const char *)f.b, len, "t.mid", &p,
				  &err) == 0 || !err.msg[0])
			clean = 0;
		if (strchr(err.msg, '\n'))
			lines = 0;
	}
	ok(clean, "every one of %zu truncations fails with a message", f.n);
	ok(lines, "... each message one line");
	pp_err_clear(&err);
	pp_midi_parse((const char *)f.b, 60, "t.mid", &p, &err);
	is_str(err.msg, "'t.mid': truncated MIDI track 2", "a cut in track 2");
	for (int i = 0; i < 3000; i++) {
		g = f;
		for (int k = 0; k < 3; k++) {
			seed = seed * 1103515245 + 12345;
			size_t at = (seed >> 8) % g.n;
			seed = seed * 1103515245 + 12345;
			g.b[at] = (unsigned char)(seed >> 16);
		}
		pp_err_clear(&err);
		if (pp_midi_parse((const char *)g.b, g.n, "t.mid", &p,
				  &err) == 0)
			parsed++;
		else if (!err.msg[0] || strchr(err.msg, '\n'))
			lines = 0;
		pp_notes_free(&p);
	}
	ok(lines, "3000 corruptions: no crash, failures are one line "
	   "(%d parsed)", parsed);
}

/* notes -> MIDI -> notes keeps every time within 1 ms. Times lie on a
 * 10 ms grid (plus odd fractions) so that rounding to ticks cannot
 * reorder notes. */
static void round_trip(void)
{
	struct pp_notes a, b;
	struct pp_err err;
	char *buf;
	size_t len;
	unsigned seed = 7;
	double worst = 0;
	int same = 1;

	pp_notes_init(&a);
	pp_notes_init(&b);
	pp_err_clear(&err);
	for (int i = 0; i < 500; i++) {
		seed = seed * 1103515245 + 12345;
		double on = (seed >> 8) % 60000 / 100.0 + 0.0001234;
		seed = seed * 1103515245 + 12345;
		double dur = 0.0203 + (seed >> 8) % 300 / 100.0;
		seed = seed * 1103515245 + 12345;
		int pitch = 21 + (seed >> 8) % 88;
		/* Overlapping notes of one pitch cannot survive MIDI as
		 * they were (FIFO pairing); the overlaps test covers them. */
		int clash = 0;
		for (size_t k = 0; k < a.n_notes; k++)
			if (a.notes[k].pitch == pitch &&
			    on < a.notes[k].offset + 0.01 &&
			    a.notes[k].onset < on + dur + 0.01)
				clash = 1;
		if (!clash)
			pp_notes_add(&a, pitch, on, on + dur,
				     1 + (seed >> 16) % 127, &err);
	}
	for (int i = 0; i < 100; i++) {
		pp_notes_add_control(&a, i * 6.0 + 0.0004, 64, i % 2 ? 0 : 100,
				     &err);
		pp_notes_add_control(&a, i * 6.0 + 3.0007, 67, i % 2 ? 0 : 90,
				     &err);
	}
	ok(pp_notes_finish(&a, &err) == 0, "round trip: a performance");
	ok(pp_midi_encode(&a, &buf, &len, &err) == 0, "round trip: encodes "
	   "(%s)", err.msg);
	ok(pp_midi_parse(buf, len, "rt.mid", &b, &err) == 0,
	   "round trip: decodes (%s)", err.msg);
	free(buf);
	is_int(b.n_notes, a.n_notes, "round trip: note count");
	is_int(b.n_controls, a.n_controls, "round trip: control count");
	is_int(b.n_pedal, a.n_pedal, "round trip: pedal intervals");
	is_int(b.n_soft, a.n_soft, "round trip: soft intervals");
	for (size_t i = 0; i < a.n_notes && i < b.n_notes; i++) {
		worst = fmax(worst, fabs(a.notes[i].onset - b.notes[i].onset));
		worst = fmax(worst, fabs(a.notes[i].offset -
					 b.notes[i].offset));
		if (a.notes[i].pitch != b.notes[i].pitch ||
		    a.notes[i].velocity != b.notes[i].velocity)
			same = 0;
	}
	for (size_t i = 0; i < a.n_controls && i < b.n_controls; i++) {
		worst = fmax(worst, fabs(a.controls[i].time -
					 b.controls[i].time));
		if (a.controls[i].number != b.controls[i].number ||
		    a.controls[i].value != b.controls[i].value)
			same = 0;
	}
	ok(same, "round trip: pitches, velocities and controls equal");
	ok(worst < 0.001, "round trip: times within 1 ms (worst %.3f ms)",
	   worst * 1000);
	is_int(b.ticks_per_quarter, PP_MIDI_TPQ, "round trip: resolution");
	pp_notes_free(&a);
	pp_notes_free(&b);

	/* Pedal intervals without controls become CC64/CC67 events; a
	 * velocity 0 note is written as velocity 1 (0 would be an off). */
	pp_notes_add(&a, 60, 0.1, 0.1, 0, &err);
	a.pedal = calloc(1, sizeof(*a.pedal));
	a.pedal[0] = (struct pp_interval){ 0.5, 1.5 };
	a.n_pedal = 1;
	ok(pp_midi_encode(&a, &buf, &len, &err) == 0 &&
	   pp_midi_parse(buf, len, "rt.mid", &b, &err) == 0,
	   "pedal intervals: round trip");
	free(buf);
	is_int(b.n_pedal, 1, "pedal intervals: one");
	is_num(b.pedal[0].offset, 1.5, 0.001, "pedal intervals: offset");
	is_int(b.n_controls, 2, "pedal intervals: two CC64 events");
	note_is(&b, 0, 60, 0.1, 0.1 + 1 / 960.0, 1, "zero-length note");
	pp_notes_free(&a);
	pp_notes_free(&b);
}

int main(void)
{
	running_status();
	tempo_map();
	overlaps();
	long_meta_and_unknown_chunk();
	errors();
	truncation_and_corruption();
	round_trip();
	return tap_done();
}
