/*
 * midi.h - Standard MIDI Files <-> struct pp_notes (notes.h), through libsmf.
 *
 * Reading takes type 0 and type 1 files (tracks are merged) with any
 * resolution and tempo map; times are converted to seconds with the file's
 * tempo map. Kept: notes of every channel with their note-on velocity, and
 * the pedal controllers CC64 (sustain), CC66 (sostenuto) and CC67 (soft)
 * as controls, from which the sustain and soft intervals are derived.
 * Everything else (programs, other controllers, meta events, sysex) is
 * ignored. Running status is handled.
 *
 * Pairing policy (documented in pp-notes(1)): a note-on with velocity 0 is a
 * note-off. Notes are keyed by (channel, pitch). When a key is struck again
 * before it is released, both notes stay open, and note-offs close them
 * first in, first out: each note-off ends the oldest open note of its key
 * that began before it (a note-off at the very tick of the note-on that
 * opened the only open note is kept for a later note-off, so that the
 * common "off, then on at the same tick" order gives no zero-length note).
 * A note-off with no open note is ignored; a note never released ends at
 * the end of the file (its last event).
 *
 * Before libsmf sees a buffer, its chunk structure is checked here (MThd
 * header, every MTrk chunk within the file, a track's events inside its
 * chunk), so corrupt or truncated files are refused with one line and
 * never reach libsmf's weaker checks. libsmf's own glib warnings are
 * captured while it runs and turned into the error message; nothing is
 * printed.
 *
 * Writing makes a type 0 file at PP_MIDI_TPQ ticks per quarter and a fixed
 * tempo of PP_MIDI_QPM quarters per minute (one tick = 1/960 s), so a time
 * survives a round trip within half a tick (0.53 ms). Notes go on channel
 * 1 (note-on with their velocity, note-off velocity 64), controls as CC on
 * channel 1. At equal ticks, note-offs come first, then controls, then
 * note-ons; a note shorter than a tick lasts one tick. When a performance
 * has pedal intervals but no controls, CC64/CC67 127/0 events are written
 * for them.
 *
 * Ownership as in notes.h: OUT is filled by the reader, freed by the caller.
 *
 * Not thread-safe: glib's default log handler is process-wide, so read
 * or write MIDI from one thread at a time.
 */
#ifndef PP_MIDI_H
#define PP_MIDI_H

#include <stddef.h>
#include <stdio.h>
#include "error.h"
#include "notes.h"

#define PP_MIDI_TPQ 480 /* ticks per quarter note, written files */
#define PP_MIDI_QPM 120 /* quarter notes per minute, written files */

/* Parses a Standard MIDI File held in BUF (LEN bytes), named NAME in
 * messages ("'x.mid': truncated MIDI track"). Returns 0 with OUT filled and
 * finished (pp_notes_finish; source = NAME, ticks_per_quarter set), or -1
 * with OUT empty. */
int pp_midi_parse(const char *buf, size_t len, const char *name,
		  struct pp_notes *out, struct pp_err *err);

/* Reads PATH (NULL or "-" = stdin) and parses it as pp_midi_parse. */
int pp_midi_read(const char *path, struct pp_notes *out, struct pp_err *err);

/* Encodes P as a Standard MIDI File in a new buffer (*BUF, *LEN; free()
 * it). Returns 0 or -1. */
int pp_midi_encode(const struct pp_notes *p, char **buf, size_t *len,
		   struct pp_err *err);

/* Writes P as a MIDI file to FP (NAME for messages). Returns 0 or -1. */
int pp_midi_write(FILE *fp, const char *name, const struct pp_notes *p,
		  struct pp_err *err);

/* Writes P atomically to PATH (NULL or "-" = stdout). Returns 0 or -1. */
int pp_midi_save(const char *path, const struct pp_notes *p,
		 struct pp_err *err);

#endif
