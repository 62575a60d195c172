/*
 * synth.h - rendering a performance (struct pp_notes) to audio with
 * libfluidsynth and a General MIDI SoundFont, offline and deterministic.
 *
 * This is how pp makes audio from MIDI for tests and demos: every note and
 * pedal event is scheduled at its sample time (FluidSynth applies events
 * at its 64-frame block boundaries, so a time is honoured within 1.5 ms at
 * 44.1 kHz) and the synthesizer is pulled with fluid_synth_write_float in
 * blocks, so no audio driver, thread or clock is involved and the same
 * input gives the same samples. Notes play on channel 1 with program 0
 * (Acoustic Grand Piano); sustain (CC64), sostenuto (CC66) and soft (CC67)
 * are sent from the controls, or from the pedal/soft intervals when a
 * performance has no controls. Chorus is off; reverb only when asked.
 * FluidSynth's own log messages are swallowed: an error becomes the one-line
 * message in the error record.
 *
 * The output is 16-bit PCM WAV or FLAC (libsndfile), stereo unless mono is
 * asked, written atomically (atomic.h): into the temporary file as it is
 * rendered (constant memory), or, for stdout and devices, which cannot
 * seek back to complete the header, encoded in memory first (about 10 MB
 * a minute at 44.1 kHz stereo).
 *
 * Ownership: the caller owns the options' strings and the returned samples.
 * Not thread-safe (FluidSynth's log functions are process-wide).
 */
#ifndef PP_SYNTH_H
#define PP_SYNTH_H

#include <stddef.h>
#include "error.h"
#include "notes.h"

#define PP_SYNTH_SOUNDFONT "/usr/share/sounds/sf2/FluidR3_GM.sf2"

enum pp_synth_format {
	PP_SYNTH_WAV,  /* RIFF WAVE, 16-bit PCM */
	PP_SYNTH_FLAC, /* FLAC, 16-bit */
};

struct pp_synth_opts {
	const char *soundfont; /* path; NULL: $PP_SOUNDFONT, else the default */
	int rate;              /* Hz, 8000-192000; default 44100 */
	int channels;          /* 1 (mono mix) or 2; default 2 */
	int reverb;            /* 0 (default) or 1 */
	double gain;           /* FluidSynth master gain; default 0.8 */
	double tail;           /* seconds rendered after the last event;
				  default 1.0 */
};

/* Fills O with the defaults above. */
void pp_synth_opts_init(struct pp_synth_opts *o);

/* The SoundFont O selects (O->soundfont, $PP_SOUNDFONT or the default). */
const char *pp_synth_soundfont(const struct pp_synth_opts *o);

/* Renders P to interleaved float samples: *SAMPLES holds *FRAMES frames of
 * O->channels channels (malloc'd; the caller frees). The length is
 * p->duration + o->tail. Returns 0 or -1. */
int pp_synth_render(const struct pp_notes *p, const struct pp_synth_opts *o,
		    float **samples, size_t *frames, struct pp_err *err);

/* Renders P and writes it to PATH (NULL or "-" = stdout) in FORMAT,
 * atomically. Returns 0 or -1 (PATH untouched). */
int pp_synth_save(const char *path, enum pp_synth_format format,
		  const struct pp_notes *p, const struct pp_synth_opts *o,
		  struct pp_err *err);

/* The format a file name asks for: ".flac" gives FLAC, anything else WAV. */
enum pp_synth_format pp_synth_format_of(const char *path);

#endif
