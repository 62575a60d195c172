/*
 * notes.h - a performance in memory: the notes/1 contract (pp-formats(5)).
 *
 * A struct pp_notes is what was played: notes with key-down and key-up times
 * in seconds, the sustain and soft pedal as down intervals, and the raw
 * pedal controller events (CC64 sustain, CC66 sostenuto, CC67 soft) so that
 * half-pedalling survives. It is made from a notes/1 JSON document
 * (pp_notes_from_json), from a Standard MIDI File (midi.h) or by a
 * transcriber (pp_notes_add), and written back as notes/1 (pp_notes_to_json)
 * or MIDI (midi.h). This module knows nothing about audio or scores.
 *
 * Invariants after pp_notes_finish (and after every loader here):
 *   - notes are sorted by onset, then pitch, then offset;
 *   - every time is finite and >= 0, offset >= onset;
 *   - pitch and velocity are 0-127;
 *   - controls are sorted by time (stable: file order kept at equal times);
 *   - pedal/soft are the CC64/CC67 down intervals (value >= 64 = down)
 *     when there are controls; without controls they are whatever the
 *     producer (a JSON document) gave;
 *   - duration >= the end of the last note, interval and control.
 *
 * Ownership: a struct pp_notes owns its arrays and its source string;
 * pp_notes_free releases them (not the struct itself) and leaves an empty,
 * reusable record. Loaders fill a record the caller initialised; on
 * failure the record is left empty (freed and re-initialised).
 *
 * Idiom:
 *
 *     struct pp_notes p;
 *     pp_notes_init(&p);
 *     if (pp_notes_load(path, &p, err) < 0)
 *         return -1;
 *     for (size_t i = 0; i < p.n_notes; i++) ... p.notes[i].pitch ...
 *     pp_notes_free(&p);
 */
#ifndef PP_NOTES_H
#define PP_NOTES_H

#include <stddef.h>
#include <jansson.h>
#include "error.h"

#define PP_CC_SUSTAIN 64   /* damper pedal */
#define PP_CC_SOSTENUTO 66
#define PP_CC_SOFT 67      /* una corda */
#define PP_PEDAL_DOWN 64   /* controller value >= this = pedal down */

struct pp_note {
	int pitch;     /* MIDI number 0-127 (piano: 21-108) */
	double onset;  /* seconds, key down */
	double offset; /* seconds, key up (not extended by the pedal) */
	int velocity;  /* MIDI 0-127 */
};

struct pp_ctrl {
	double time; /* seconds */
	int number;  /* controller number: 64, 66 or 67 */
	int value;   /* 0-127 */
};

struct pp_interval {
	double onset;  /* seconds, pedal goes down */
	double offset; /* seconds, pedal comes up */
};

struct pp_notes {
	char *source;               /* input name (malloc'd), NULL if unknown */
	double duration;            /* seconds: end of the last event */
	struct pp_note *notes;      /* [n_notes] */
	size_t n_notes, cap_notes;
	struct pp_interval *pedal;  /* [n_pedal] sustain (CC64) down intervals */
	size_t n_pedal;
	struct pp_interval *soft;   /* [n_soft] soft (CC67) down intervals */
	size_t n_soft;
	struct pp_ctrl *controls;   /* [n_controls] CC64/66/67 events */
	size_t n_controls, cap_controls;
	int ticks_per_quarter;      /* MIDI resolution of the source, 0 = none */
};

/* Makes an empty record. */
void pp_notes_init(struct pp_notes *p);

/* Releases everything P owns and re-initialises it. */
void pp_notes_free(struct pp_notes *p);

/* Sets the source name (copied). Returns 0 or -1 (out of memory). */
int pp_notes_set_source(struct pp_notes *p, const char *source,
			struct pp_err *err);

/* Appends a note. Values are checked (pitch/velocity 0-127, finite
 * times >= 0, offset >= onset); returns 0 or -1 with a message. */
int pp_notes_add(struct pp_notes *p, int pitch, double onset, double offset,
		 int velocity, struct pp_err *err);

/* Appends a controller event (checked as above). Only CC64, 66 and 67 are
 * meant to be kept, but any number 0-127 is accepted. */
int pp_notes_add_control(struct pp_notes *p, double time, int number,
			 int value, struct pp_err *err);

/* Sorts notes (onset, pitch, offset) and controls (time, stable). */
void pp_notes_sort(struct pp_notes *p);

/* Rebuilds pedal and soft from the controls: an interval opens at the first
 * value >= 64 and closes at the next value < 64; one still open at the end
 * closes at the duration (or at its onset if that is later). Does nothing
 * when there are no controls. Controls must be sorted. Returns 0 or -1. */
int pp_notes_derive_pedals(struct pp_notes *p, struct pp_err *err);

/* The end of the last note, interval or control (seconds, 0 if empty). */
double pp_notes_end(const struct pp_notes *p);

/* Sorts, derives the pedals from the controls (if any) and raises the
 * duration to pp_notes_end. Producers call it once when done adding. */
int pp_notes_finish(struct pp_notes *p, struct pp_err *err);

/*
 * Reads a notes/1 document (already format-checked or not: the "pp" member
 * must be "notes/1"). NAME is used in messages: "'x.json': notes[3]:
 * pitch 130 out of range 0-127". Required: notes (each with pitch, onset,
 * offset, velocity). Optional: source (default NAME), duration (default:
 * the end of the last event), pedal and soft (default: derived from
 * controls, else empty), controls, ticks_per_quarter. Integers may be
 * written as integral reals (64.0). Unknown members are ignored.
 * Returns 0, or -1 with OUT left empty.
 */
int pp_notes_from_json(const json_t *doc, const char *name,
		       struct pp_notes *out, struct pp_err *err);

/* A new notes/1 document (new reference): pp, source, duration, notes,
 * pedal, soft, then controls and ticks_per_quarter when present. */
json_t *pp_notes_to_json(const struct pp_notes *p);

/* Writes P's notes/1 members into the existing document DOC (sets "pp" to
 * notes/1, replaces source, duration, notes, pedal, soft, controls and
 * ticks_per_quarter) and keeps every other member, as a tool passing a
 * document on must. Returns 0, or -1 if DOC is not an object. */
int pp_notes_update_json(json_t *doc, const struct pp_notes *p);

/* True if BUF starts like a Standard MIDI File ("MThd"). */
int pp_notes_is_midi(const char *buf, size_t len);

/* Parses BUF (LEN bytes, named NAME) as MIDI if it starts with "MThd",
 * else as notes/1 JSON. Returns 0 or -1 (OUT left empty). */
int pp_notes_parse(const char *buf, size_t len, const char *name,
		   struct pp_notes *out, struct pp_err *err);

/* Reads PATH (NULL or "-" = stdin) and parses it as pp_notes_parse does. */
int pp_notes_load(const char *path, struct pp_notes *out, struct pp_err *err);

#endif
