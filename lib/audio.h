/*
 * audio.h - audio input: any file libsndfile reads (WAV, FLAC, OGG/Vorbis,
 * MP3 with Debian 12's libsndfile 1.2, AIFF, ...), from a path or stdin,
 * downmixed to mono and resampled with libsamplerate to the rate a caller
 * asks for. Samples are floats, nominally in [-1, 1].
 *
 * Two ways in:
 *   - pp_audio_load: the whole input in one array (short inputs, tests);
 *   - a streaming reader (pp_audio_open / pp_audio_read / pp_audio_close)
 *     that holds only a few blocks in memory, so a transcriber can walk an
 *     hour-long file in bounded memory. (stdin is read into memory first:
 *     libsndfile needs to seek, a pipe cannot.)
 *
 * Downmixing is the mean of the channels. Resampling uses
 * SRC_SINC_BEST_QUALITY unless pp_audio_set_quality picks another
 * libsamplerate converter; with RATE equal to the file's rate (or RATE 0,
 * "keep the file's rate") samples pass through untouched.
 *
 * Errors are one line naming the input: "'x.wav': not an audio file
 * (libsndfile: Format not recognised.)", "'y.flac': cannot open: No such
 * file or directory". This module never prints.
 *
 * Ownership: the reader owns its buffers; pp_audio_load's *samples belongs
 * to the caller (free()).
 *
 * Idiom:
 *
 *     struct pp_audio *a;
 *     float buf[4096];
 *     long n;
 *     if (pp_audio_open(&a, path, 22050, err) < 0)
 *         return -1;
 *     while ((n = pp_audio_read(a, buf, 4096, err)) > 0)
 *         consume(buf, n);
 *     pp_audio_close(a);
 *     if (n < 0) return -1;
 */
#ifndef PP_AUDIO_H
#define PP_AUDIO_H

#include <stddef.h>
#include "error.h"

#define PP_AUDIO_MAX_RATE 384000 /* highest rate accepted, Hz */

struct pp_audio; /* opaque streaming reader */

struct pp_audio_info {
	int native_rate;     /* Hz, the file's */
	int channels;        /* the file's, before downmixing */
	long long frames;    /* the file's length in frames (MP3: estimated) */
	int rate;            /* Hz, the output's */
	double duration;     /* seconds, frames / native_rate */
};

/* Opens PATH (NULL or "-" = stdin) for reading at RATE Hz (0 = the file's
 * own rate). Returns 0 and *A, or -1 with a message (and *A = NULL). */
int pp_audio_open(struct pp_audio **a, const char *path, int rate,
		  struct pp_err *err);

/* Facts about the open input. */
void pp_audio_info(const struct pp_audio *a, struct pp_audio_info *info);

/* Chooses the libsamplerate converter (SRC_SINC_BEST_QUALITY,
 * SRC_SINC_MEDIUM_QUALITY, SRC_SINC_FASTEST, SRC_LINEAR...) before the
 * first read. Returns 0, or -1 if the type is unknown or reading began. */
int pp_audio_set_quality(struct pp_audio *a, int src_type,
			 struct pp_err *err);

/* Reads up to MAX mono frames at the output rate into OUT. Returns the
 * number read (less than MAX only at the end), 0 at the end, or -1 on a
 * read or resampling error. */
long pp_audio_read(struct pp_audio *a, float *out, size_t max,
		   struct pp_err *err);

/* Closes the reader (NULL is fine). */
void pp_audio_close(struct pp_audio *a);

/* Reads all of PATH at RATE Hz (0 = the file's): *SAMPLES (malloc'd, N
 * frames; the caller frees). *NATIVE_RATE gets the file's rate when not
 * NULL. Returns 0 or -1. */
int pp_audio_load(const char *path, int rate, float **samples, size_t *n,
		  int *native_rate, struct pp_err *err);

#endif
