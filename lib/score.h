/*
 * score.h - the score model: what a MusicXML score asks the pianist to play.
 *
 * Built from a score-partwise MusicXML file, streamed a measure at a time
 * (musicxml.h). Positions are in quarter notes (q) from the start of the
 * score in playing order: tuplets come out exact through <divisions>,
 * <backup> and <forward> move the cursor, ties are merged into one note, a
 * same-pitch same-onset duplicate (two voices sharing a note head) is kept
 * once, as the longer note, with overlapped set. Repeats and voltas are
 * kept as marks; with PP_SCORE_UNFOLD the measures are laid out in playing
 * order instead (each pass a new measure index, same printed number). With
 * PP_SCORE_TREMOLO measured tremolos are played out (see pp-align(1)).
 *
 * The beat grid follows PercePiano (VirtuosoNet): a measure has as many
 * beats as its time signature's numerator, except compound metres, which
 * count dotted beats: 6->2, 9->3, 12->4, 18->3, 24->4. A pickup (a first
 * measure shorter than its time signature, or implicit="yes") has its beats
 * counted back from its end; every measure's start is a beat.
 *
 * This is not an engraving model: layout, clefs, lyrics and stems are
 * ignored. pp_score_json gives the alignment/1 "score" member
 * (pp-formats(5)).
 *
 * Ownership: pp_score_layout gives a new score; free it with pp_score_free. All strings and arrays inside belong
 * to the score, which keeps no pointer into its source.
 */
#ifndef PP_SCORE_H
#define PP_SCORE_H

#include <jansson.h>

#include "error.h"

/* Bits of pp_score_note.slur and .beam. */
enum { PP_MARK_START = 1, PP_MARK_CONTINUE = 2, PP_MARK_STOP = 4 };

/* Bits of pp_score_note.notations, in the order of pp_score_notation_names. */
enum {
	PP_N_STACCATO = 1 << 0,
	PP_N_STACCATISSIMO = 1 << 1,
	PP_N_TENUTO = 1 << 2,
	PP_N_ACCENT = 1 << 3,
	PP_N_STRONG_ACCENT = 1 << 4,
	PP_N_FERMATA = 1 << 5,
	PP_N_TRILL = 1 << 6,
	PP_N_MORDENT = 1 << 7,
	PP_N_TURN = 1 << 8,
	PP_N_ARPEGGIATE = 1 << 9,
	PP_N_CUE = 1 << 10,
	PP_N_SLASH = 1 << 11,
	PP_N_COUNT = 12,
};
extern const char *const pp_score_notation_names[PP_N_COUNT];

struct pp_score_note {
	int part;               /* 0-based part (MusicXML <part> order) */
	int staff;              /* >= 1 */
	int voice;              /* MusicXML voice, >= 1 */
	int measure;            /* index into measures */
	double onset;           /* q */
	double duration;        /* q, ties merged; 0 for grace notes */
	int beat;               /* index into beats: the last beat <= onset */
	int pitch;              /* MIDI 0-127 */
	char step;              /* 'A'..'G' */
	int alter;              /* semitones, -2..2 */
	int octave;             /* 0-9 */
	int grace;              /* 0, or -1, -2... counting back from the main note */
	int preceded_by_grace;  /* 1 if grace notes lead into it */
	int chord;              /* 1: shares its onset with an earlier note of its voice */
	double following_rest;  /* q of rest after it in its voice */
	int followed_by_fermata_rest; /* 1 if that rest has a fermata */
	unsigned slur, beam;    /* PP_MARK_* bits */
	unsigned notations;     /* PP_N_* bits */
	int overlapped;         /* 1: a same-pitch same-onset duplicate was merged into it */
	char xml_id[32];        /* the <note id="..."> attribute, "" if none */
	int tremolo;            /* > 0: a stroke of a tremolo played out
				   (PP_SCORE_TREMOLO), its number from 1 */
	int tie_open;           /* internal while building: a tie continues */
};

struct pp_score_measure {
	int index;              /* position in measures */
	char number[16];        /* printed number */
	double onset, length;   /* q */
	int numerator, denominator; /* time signature in force */
	int implicit;           /* 1: a pickup or other uncounted measure */
	int repeat_forward, repeat_backward; /* barline marks (0/1) */
	int repeat_times;       /* times the section is played (>= 2 with a backward repeat) */
	char ending[16];        /* volta numbers ("1", "1, 2"), "" if none */
	int source;             /* index of the written measure (differs when unfolded) */
};

struct pp_score_time { double onset; int numerator, denominator; };
struct pp_score_key { double onset; int fifths; char mode[16]; };
struct pp_score_tempo { double onset; double qpm; /* 0 = none */ char text[64]; };

enum pp_direction_kind { PP_DIR_DYNAMIC, PP_DIR_WEDGE, PP_DIR_WORDS, PP_DIR_PEDAL };

struct pp_score_direction {
	double onset;           /* q */
	int staff;              /* >= 1 */
	enum pp_direction_kind kind;
	char text[64];          /* p, mf, crescendo, stop, start, dolce... */
};

struct pp_score {
	char *source, *title, *composer; /* composer/title may be "" */
	int unfolded;           /* 1 if repeats were unfolded */
	int has_repeats;        /* 1 if the written score has repeat barlines */
	struct pp_score_measure *measures; int n_measures;
	double *beats; int n_beats; /* q, ascending */
	struct pp_score_time *times; int n_times;
	struct pp_score_key *keys; int n_keys;
	struct pp_score_tempo *tempos; int n_tempos;
	struct pp_score_direction *directions; int n_directions;
	struct pp_score_note *notes; int n_notes; /* score order */
};

/* Layout options (bits). */
enum {
	PP_SCORE_UNFOLD = 1,    /* repeats and voltas in playing order */
	PP_SCORE_TREMOLO = 2,   /* measured tremolos played out in strokes */
};

/* A score in two steps, so that one reading gives several layouts (as
 * written, unfolded): pp_score_load reads a MusicXML or .mxl file (PATH,
 * NULL or "-" = stdin; streamed, see pp_musicxml_stream) into a source;
 * pp_score_layout builds the model from it, laid out as FLAGS say, and can
 * be called again. Both return 0, or -1 with a message. Free the source
 * with pp_score_source_free. */
struct pp_score_source;
int pp_score_load(const char *path, struct pp_score_source **src,
		  struct pp_err *err);
int pp_score_layout(const struct pp_score_source *src, int flags,
		    struct pp_score **score, struct pp_err *err);
void pp_score_source_free(struct pp_score_source *src);

void pp_score_free(struct pp_score *score);

/* The alignment/1 "score" member (a new reference). The notes share
 * values that repeat (small integers, steps, empty and mark arrays, common
 * durations) to save memory: treat the result as read-only, or
 * json_deep_copy it before changing a value inside a note. */
json_t *pp_score_json(const struct pp_score *score);

/* Index of the measure holding position Q (clamped to the score). */
int pp_score_measure_at(const struct pp_score *score, double q);

/* Index of the last beat <= Q (0 before the first). */
int pp_score_beat_at(const struct pp_score *score, double q);

#endif
