/*
 * note_features_int.h - what the note_features*.c and direction_codes.c files share
 * (internal to libpp; the public interface is note_features.h).
 *
 * Positions are quarter notes (q) from the score start, times seconds.
 * PercePiano worked in MusicXML divisions; every feature it divides by
 * divisions is the same number in q.
 */
#ifndef PP_NOTE_FEATURES_INT_H
#define PP_NOTE_FEATURES_INT_H

#include <stddef.h>
#include "note_features.h"

/* Column indices (order of PercePiano's VNET_INPUT_KEYS + *_unnorm). */
enum {
	C_DURATION = 0, C_BEAT_IMPORTANCE = 1, C_MEASURE_LENGTH = 2,
	C_QPM_PRIMO = 3, C_FOLLOWING_REST = 4, C_DIST_ABS_DYN = 5,
	C_DIST_RECENT_TEMPO = 6, C_BEAT_POSITION = 7, C_XML_POSITION = 8,
	C_GRACE_ORDER = 9, C_PRECEDED_BY_GRACE = 10, C_FERMATA_REST = 11,
	C_PITCH = 12,        /* 13: octave + 12 pitch classes */
	C_TEMPO = 25,        /* 5 */
	C_DYNAMIC = 30,      /* 4 */
	C_TIME_SIG = 34,     /* 9 */
	C_SLUR_BEAM = 43,    /* 6 */
	C_COMPOSER = 49,     /* 17 */
	C_NOTATION = 66,     /* 9 */
	C_TEMPO_PRIMO = 75,  /* 2 */
	C_BEAT_TEMPO = 77, C_MEASURE_TEMPO = 78, C_SECTION_TEMPO = 79,
	C_VELOCITY = 80, C_ONSET_DEV = 81, C_BEAT_DYN = 82, C_MEASURE_DYN = 83,
	C_ARTICULATION = 84, C_PEDAL_REFRESH_TIME = 85, C_PEDAL_CUT_TIME = 86,
	C_PEDAL_AT_START = 87, C_PEDAL_AT_END = 88, C_SOFT_PEDAL = 89,
	C_PEDAL_REFRESH = 90, C_PEDAL_CUT = 91,
	C_MMIDI_PITCH = 92, C_MMIDI_VELOCITY = 93, C_MMIDI_START = 94,
	C_MMIDI_END = 95,
	C_PITCH_UNNORM = 96, C_DURATION_UNNORM = 97, C_BEAT_IMP_UNNORM = 98,
	C_MEASURE_LEN_UNNORM = 99, C_FOLLOWING_REST_UNNORM = 100,
};

/* Notation bits, in the order of the notation columns. */
enum { N_TRILL, N_TENUTO, N_ACCENT, N_STACCATO, N_FERMATA, N_ARPEGGIATE,
       N_STRONG_ACCENT, N_CUE, N_SLASH, N_COUNT };

struct fx_note {            /* one score note */
	double pos;             /* onset, q */
	double dur;             /* q, 0 for grace notes */
	double following_rest;  /* q */
	int pitch, voice, part, staff, measure;
	int grace;              /* 0 or -1, -2, ... */
	int preceded_by_grace, fermata_rest, overlapped;
	unsigned slur, beam;    /* bits 0 start, 1 continue, 2 stop */
	unsigned notations;     /* 1 << N_* */
};

struct fx_perf {            /* one performance note (reference order) */
	double on, off;         /* seconds */
	int pitch, velocity;
	int orig;               /* index in performance.notes */
	/* pedal values at this note (raw CC values, seconds) */
	double at_start, at_end, soft, refresh, refresh_time, cut, cut_time;
};

struct fx_dir {             /* one score direction, PercePiano's view */
	double pos;             /* q */
	int staff;              /* -1: none */
	char type[16];          /* dynamic, words, crescendo, diminuendo, none, pedal */
	char *content;          /* owned; may be NULL */
	int has_end;
	double end;             /* q, or INFINITY */
};

struct fx_tempo {           /* one tempo segment */
	double pos, time, qpm;
};

/* Per-note results of direction processing. */
struct fx_dir_out {
	float dynamic[4], tempo[5];
	double abs_dyn_pos, recent_tempo_pos;
	int tsig;               /* index into the time signature list */
	char *section_key;      /* owned: identity of (absolute, relative) tempo */
};

/* Port of pyScoreParser's binary_index, literal (also on unsorted lists):
 * the last index whose value is <= ITEM, 0 when ITEM < list[0]. */
size_t fx_binary_index(const double *list, size_t n, double item);

/* direction_codes.c: directions -> per-note embeddings and positions.
 * NOTE_POS [nn], TS_POS [nts] (time signature onsets), tempo_primo[2]. */
int fx_directions(struct fx_dir *dirs, size_t nd, const double *note_pos,
		  const int *note_staff, size_t nn, const double *ts_pos,
		  size_t nts, struct fx_dir_out *out, float tempo_primo[2],
		  struct pp_err *err);
void fx_dir_out_release(struct fx_dir_out *out, size_t nn);

/* note_features_perf.c: pedal values of each performance note; notes sorted. */
void fx_pedal(struct fx_perf *p, size_t np, const double *cc_time,
	      const int *cc_num, const int *cc_val, size_t ncc);

/* note_features_perf.c: PercePiano's clean-up of matched pairs into tempo
 * anchors. PAIR[i] is the perf index of score note i or -1; mismatched
 * pairs are set to -1. Anchors (pos q, time s) returned malloc'd. */
int fx_anchors(const struct fx_note *sn, size_t nn, const struct fx_perf *p,
	       int *pair, double **apos, double **atime, size_t *na);

/* note_features_perf.c: tempo segments over grid positions GRID [ng]. */
size_t fx_tempos(const double *grid, size_t ng, const double *apos,
		 const double *atime, size_t na, struct fx_tempo *out);

/* The segment a position falls in (last start <= pos, clamped). */
const struct fx_tempo *fx_tempo_at(const struct fx_tempo *t, size_t nt,
				   double pos);

int fx_pedal_sigmoid(double v);

#endif
