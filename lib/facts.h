/*
 * facts.h - the checkable facts in a pp document, for the feedback writers
 * and the checker.
 *
 * What it is: one pass over a context/1, predictions/1 or alignment/1
 * document (pp-formats(5)) that pulls out what feedback may talk about:
 *   - the score's identity (composer, title);
 *   - the 19 perceptual dimensions (predictions/1 "dimensions"): value,
 *     percentile against data/reference.json, the two pole names, and
 *     whether one pole is usually the aim (merit) or the scale is a matter
 *     of character, where only the fit to the music counts;
 *   - the alignment summary per measure (printed bar numbers, wrong and
 *     missing notes, tempo ratio, velocity, dynamic marking, pedal);
 *   - findings derived from it: clusters of wrong notes, rushing and
 *     dragging bars, dynamics flatter than the markings, pedal held where
 *     none is marked or missing where it is, each with a severity and a
 *     practice metronome mark;
 *   - the retrieved passages (context/1 "passages"), with their citation
 *     numbers.
 * What it is not: a writer. It makes no sentences (except the plain fact
 * list for an LLM prompt, pp_facts_text) and invents nothing: a part that
 * is absent from the document is absent here (have_predictions,
 * have_alignment are 0), and nothing is guessed in its place.
 *
 * Ownership: the facts borrow strings from the document, so the document
 * must outlive them; pp_facts_release frees what pp_facts_extract
 * allocated. Idiom:
 *
 *     struct pp_facts f;
 *     if (pp_facts_extract(doc, ref, &f, err) < 0)
 *         return -1;
 *     ...
 *     pp_facts_release(&f);
 */
#ifndef PP_FACTS_H
#define PP_FACTS_H

#include <jansson.h>
#include "error.h"

#define PP_FACTS_DIMS 19      /* PercePiano dimensions */
#define PP_FACTS_MAX_BARS 8   /* bars named by one finding */
#define PP_FACTS_MAX_FINDINGS 8

struct pp_fact_dim {
	int index;              /* PercePiano label order, 0..18 */
	const char *name;       /* pp identifier, "timing" */
	const char *group;      /* PercePiano group, "Timing" */
	const char *low, *high; /* the pole names, "stable", "unstable" */
	double value;           /* 0..1, low pole to high pole */
	double percentile;      /* 0..100 against the reference distribution */
	int merit;              /* +1: the high pole is usually the aim; -1: the
				   low pole; 0: character, neither pole a fault */
	int uncertain;          /* the fold models disagree */
	int unreliable;         /* "reliable": false: the model explains little
				   of this dimension on held-out segments */
};

struct pp_fact_bar {
	int index;              /* index into the score's measures */
	char number[16];        /* the printed measure number, "12" */
	int expected;           /* score notes in the bar */
	int wrong_pitch, missing, extra; /* counts */
	double onset_dev_ms;    /* mean signed onset deviation, ms, + late */
	double qpm;             /* local tempo, quarter notes per minute */
	double tempo_ratio;     /* qpm / piece mean: > 1 rushing */
	double velocity_mean;   /* MIDI 0-127 */
	double velocity_max;    /* MIDI 0-127 */
	const char *dynamic;    /* marking in force, or NULL */
	int pedal_marked;       /* the score marks pedal in the bar */
	double pedal_down;      /* fraction of the bar with sustain down, 0..1 */
};

enum pp_finding_kind {
	PP_FIND_NOTES,          /* wrong or missing notes cluster in bars */
	PP_FIND_RUSH,           /* bars clearly faster than the piece's mean */
	PP_FIND_DRAG,           /* bars clearly slower */
	PP_FIND_DYNAMICS,       /* soft and loud markings played too alike */
	PP_FIND_PEDAL_BLUR,     /* pedal held down through unmarked bars */
	PP_FIND_PEDAL_MISSING,  /* marked pedal hardly used */
	PP_FIND_DIM,            /* a weak merit dimension without bar evidence */
};

struct pp_finding {
	enum pp_finding_kind kind;
	double severity;        /* 0..1, for ranking */
	int bars[PP_FACTS_MAX_BARS]; /* indices into facts.bars, score order */
	int nbars;
	int count;              /* NOTES: wrong + missing in those bars */
	double extreme;         /* RUSH/DRAG: most extreme tempo_ratio;
				   PEDAL: highest (blur) or lowest (missing)
				   pedal_down; DYNAMICS: velocity gap */
	double qpm;             /* RUSH/DRAG: local qpm at the extreme bar */
	int soft_bar, loud_bar; /* DYNAMICS: a bar (index into facts.bars) of
				   the softest and of the loudest marking */
	double soft_vel, loud_vel; /* DYNAMICS: mean velocity per marking */
	const char *soft_mark, *loud_mark; /* DYNAMICS: "p", "f" */
	int practice_qpm;       /* a metronome mark for practice, 0 if none */
	int dim;                /* related dimension (index into dims) or -1 */
};

struct pp_fact_passage {
	int n;                  /* citation number, 1-based */
	const char *id, *title, *text, *source; /* borrowed */
	const char *dims[8];    /* related dimension names */
	const char *poles[8];   /* and their poles */
	int ndims;
};

struct pp_facts {
	const char *title;      /* work title or NULL */
	const char *composer;   /* composer or NULL */

	int have_predictions;   /* dims[] valid */
	struct pp_fact_dim dims[PP_FACTS_DIMS];
	int strongest;          /* merit dimension nearest its aim, or -1 */
	int weakest;            /* merit dimension farthest from it, or -1 */
	int standout[2];        /* the two character dimensions farthest from
				   the median (index into dims), or -1 */

	int have_alignment;     /* the summary fields below are valid */
	int notes_expected, notes_played, wrong_pitch, missing, extra;
	double pitch_accuracy;  /* 0..1 */
	double rhythm_accuracy; /* 0..1, or -1 when absent */
	double qpm_mean, qpm_min, qpm_max; /* tempo, 0 when absent */
	struct pp_fact_bar *bars; /* [nbars] */
	int nbars;
	int score_has_pedal;    /* some bar is pedal_marked */

	struct pp_finding findings[PP_FACTS_MAX_FINDINGS]; /* by severity */
	int nfindings;

	struct pp_fact_passage *passages; /* [npassages] */
	int npassages;
};

/* Oriented percentile of a merit dimension: 100 is its aim, 0 the other
 * pole; for a character dimension, the distance from the median x 2. */
double pp_fact_dim_score(const struct pp_fact_dim *d);

/* 1 when advice may rest on D: the fold models agree on it (not
 * "uncertain") and the model predicts it on held-out segments (not
 * "reliable": false). */
int pp_fact_dim_trusted(const struct pp_fact_dim *d);

/* Writes X rounded as an English ordinal, "82nd", into OUT. */
void pp_facts_ordinal(double x, char *out, size_t cap);

/* A standard metronome (Maelzel) mark at or just below QPM, 40..208. */
int pp_facts_metronome(double qpm);

/*
 * Extracts the facts from DOC. REF is data/reference.json (parsed) or NULL;
 * it gives the percentile where a prediction lacks one (a dimension with
 * neither is left out and have_predictions is 0). Passages, predictions
 * and the summary are each optional; a member of the wrong type is an
 * error ("'NAME': summary.measures[3]: member 'qpm' is not a number", with
 * NAME from pp_fail_wrap by the caller). Returns 0, or -1 with err set and
 * nothing to release.
 */
int pp_facts_extract(const json_t *doc, const json_t *ref,
		     struct pp_facts *f, struct pp_err *err);

/* Frees what pp_facts_extract allocated. */
void pp_facts_release(struct pp_facts *f);

/* Index into f->bars of the bar printed as NUMBER, or -1. */
int pp_facts_bar(const struct pp_facts *f, const char *number);

/* The facts as a plain list, one per line, for an LLM prompt: every number
 * the checker accepts appears in it. Returns a malloc'd string (free it) or
 * NULL when out of memory. */
char *pp_facts_text(const struct pp_facts *f);

#endif
