/*
 * note_features.c - reading an alignment/1 document into score notes,
 * performance notes and pairs, computing PercePiano's per-note features
 * (score side here, performance helpers in note_features_perf.c, directions in
 * direction_codes.c), and inserting the unmatched performance notes as
 * rows (data_for_training.ScorePerformPairData).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "note_features_int.h"

static const struct col {
	const char *name;
	const char *group;
	int z;
} cols[PP_FEAT_DIM] = {
	{ "duration", "score", 1 }, { "beat_importance", "score", 1 },
	{ "measure_length", "score", 1 }, { "qpm_primo", "performance", 1 },
	{ "following_rest", "score", 1 },
	{ "distance_from_abs_dynamic", "score", 1 },
	{ "distance_from_recent_tempo", "score", 1 },
	{ "beat_position", "score", 0 }, { "xml_position", "score", 0 },
	{ "grace_order", "score", 0 }, { "preceded_by_grace_note", "score", 0 },
	{ "followed_by_fermata_rest", "score", 0 },
	{ "pitch_octave", "score", 0 }, { "pitch_class_c", "score", 0 },
	{ "pitch_class_c#", "score", 0 }, { "pitch_class_d", "score", 0 },
	{ "pitch_class_d#", "score", 0 }, { "pitch_class_e", "score", 0 },
	{ "pitch_class_f", "score", 0 }, { "pitch_class_f#", "score", 0 },
	{ "pitch_class_g", "score", 0 }, { "pitch_class_g#", "score", 0 },
	{ "pitch_class_a", "score", 0 }, { "pitch_class_a#", "score", 0 },
	{ "pitch_class_b", "score", 0 },
	{ "tempo_absolute", "score", 0 }, { "tempo_relative_long", "score", 0 },
	{ "tempo_gradual", "score", 0 }, { "tempo_ritenuto", "score", 0 },
	{ "tempo_scherzo_menuetto", "score", 0 },
	{ "dynamic_absolute", "score", 0 }, { "dynamic_cresc_dim", "score", 0 },
	{ "dynamic_accent", "score", 0 }, { "dynamic_relative", "score", 0 },
	{ "time_sig_num_2", "score", 0 }, { "time_sig_num_3", "score", 0 },
	{ "time_sig_num_4", "score", 0 }, { "time_sig_num_6", "score", 0 },
	{ "time_sig_num_other", "score", 0 }, { "time_sig_den_2", "score", 0 },
	{ "time_sig_den_4", "score", 0 }, { "time_sig_den_8", "score", 0 },
	{ "time_sig_den_16", "score", 0 },
	{ "slur_start", "score", 0 }, { "slur_continue", "score", 0 },
	{ "slur_stop", "score", 0 }, { "beam_start", "score", 0 },
	{ "beam_continue", "score", 0 }, { "beam_stop", "score", 0 },
	{ "composer_bach", "score", 0 }, { "composer_balakirev", "score", 0 },
	{ "composer_beethoven", "score", 0 }, { "composer_brahms", "score", 0 },
	{ "composer_chopin", "score", 0 }, { "composer_debussy", "score", 0 },
	{ "composer_glinka", "score", 0 }, { "composer_haydn", "score", 0 },
	{ "composer_liszt", "score", 0 }, { "composer_mozart", "score", 0 },
	{ "composer_prokofiev", "score", 0 },
	{ "composer_rachmaninoff", "score", 0 },
	{ "composer_ravel", "score", 0 }, { "composer_schubert", "score", 0 },
	{ "composer_schumann", "score", 0 }, { "composer_scriabin", "score", 0 },
	{ "composer_other", "score", 0 },
	{ "notation_trill", "score", 0 }, { "notation_tenuto", "score", 0 },
	{ "notation_accent", "score", 0 }, { "notation_staccato", "score", 0 },
	{ "notation_fermata", "score", 0 },
	{ "notation_arpeggiate", "score", 0 },
	{ "notation_strong_accent", "score", 0 },
	{ "notation_cue", "score", 0 }, { "notation_slash", "score", 0 },
	{ "tempo_primo_absolute", "score", 0 },
	{ "tempo_primo_relative_long", "score", 0 },
	{ "beat_tempo", "performance", 1 }, { "measure_tempo", "performance", 1 },
	{ "section_tempo", "performance", 1 }, { "velocity", "performance", 1 },
	{ "onset_deviation", "performance", 1 },
	{ "beat_dynamics", "performance", 1 },
	{ "measure_dynamics", "performance", 1 },
	{ "articulation", "performance", 1 },
	{ "pedal_refresh_time", "performance", 1 },
	{ "pedal_cut_time", "performance", 1 },
	{ "pedal_at_start", "performance", 1 },
	{ "pedal_at_end", "performance", 1 },
	{ "soft_pedal", "performance", 1 },
	{ "pedal_refresh", "performance", 1 }, { "pedal_cut", "performance", 1 },
	{ "mmidi_pitch", "raw midi", 0 }, { "mmidi_velocity", "raw midi", 0 },
	{ "mmidi_start_time", "raw midi", 0 },
	{ "mmidi_end_time", "raw midi", 0 },
	{ "midi_pitch_unnorm", "unnormalized copies", 0 },
	{ "duration_unnorm", "unnormalized copies", 0 },
	{ "beat_importance_unnorm", "unnormalized copies", 0 },
	{ "measure_length_unnorm", "unnormalized copies", 0 },
	{ "following_rest_unnorm", "unnormalized copies", 0 },
};

const char *pp_feature_name(int col)
{
	return col >= 0 && col < PP_FEAT_DIM ? cols[col].name : NULL;
}

const char *pp_feature_group(int col)
{
	return col >= 0 && col < PP_FEAT_DIM ? cols[col].group : NULL;
}

int pp_feature_zscored(int col)
{
	return col >= 0 && col < PP_FEAT_DIM && cols[col].z;
}

void pp_features_release(struct pp_features *f)
{
	free(f->x);
	free(f->note_index);
	free(f->voice);
	free(f->beat);
	free(f->measure);
	memset(f, 0, sizeof(*f));
}

/* Everything read from the document, and the per-score-note results. */
struct ctx {
	const char *name;
	size_t nn, np, nm, nb, nts, nd, ncc;
	struct fx_note *sn;
	struct fx_perf *pf;     /* sorted like PercePiano's midi_notes */
	int *perf_rank;         /* performance.notes index -> pf index */
	int *pair;              /* score note -> pf index or -1 */
	double *mpos, *mlen;    /* measure onsets, lengths (q) */
	double *beats;
	double *ts_pos;
	int *ts_num, *ts_den;
	struct fx_dir *dirs;
	double *cc_time;
	int *cc_num, *cc_val;
	double marked_qpm;
};

static void ctx_free(struct ctx *c)
{
	free(c->sn);
	free(c->pf);
	free(c->perf_rank);
	free(c->pair);
	free(c->mpos);
	free(c->mlen);
	free(c->beats);
	free(c->ts_pos);
	free(c->ts_num);
	free(c->ts_den);
	for (size_t i = 0; c->dirs && i < c->nd; i++)
		free(c->dirs[i].content);
	free(c->dirs);
	free(c->cc_time);
	free(c->cc_num);
	free(c->cc_val);
}

static unsigned bits3(const json_t *arr)
{
	unsigned b = 0;
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);

		if (!s)
			continue;
		if (!strcmp(s, "start"))
			b |= 1;
		else if (!strcmp(s, "continue"))
			b |= 2;
		else if (!strcmp(s, "stop"))
			b |= 4;
	}
	return b;
}

static unsigned notation_bits(const json_t *arr)
{
	static const char *const names[N_COUNT] = {
		"trill", "tenuto", "accent", "staccato", "fermata",
		"arpeggiate", "strong_accent", "cue", "slash",
	};
	unsigned b = 0;
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);

		for (int k = 0; s && k < N_COUNT; k++)
			if (!strcmp(s, names[k]))
				b |= 1u << k;
	}
	return b;
}

static int jbool(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_true(v) || (json_is_integer(v) && json_integer_value(v));
}

static int read_score_note(const json_t *o, struct fx_note *n, size_t nm,
			   const char *where, struct pp_err *err)
{
	long long pitch, voice, part = 0, staff = 1, measure, grace = 0;

	if (!json_is_object(o))
		return pp_fail(err, "%s: not an object", where);
	if (pp_json_number(o, "onset", &n->pos, where, err) < 0 ||
	    pp_json_number(o, "duration", &n->dur, where, err) < 0 ||
	    pp_json_int(o, "pitch", &pitch, where, err) < 0 ||
	    pp_json_int(o, "voice", &voice, where, err) < 0 ||
	    pp_json_int(o, "measure", &measure, where, err) < 0 ||
	    pp_json_number_or(o, "following_rest", 0, &n->following_rest,
			      where, err) < 0)
		return -1;
	if (json_is_integer(json_object_get(o, "part")))
		part = json_integer_value(json_object_get(o, "part"));
	if (json_is_integer(json_object_get(o, "staff")))
		staff = json_integer_value(json_object_get(o, "staff"));
	if (json_is_integer(json_object_get(o, "grace")))
		grace = json_integer_value(json_object_get(o, "grace"));
	if (pitch < 0 || pitch > 127)
		return pp_fail(err, "%s: pitch %lld out of range", where, pitch);
	if (measure < 0 || (size_t)measure >= nm)
		return pp_fail(err, "%s: measure %lld out of range", where, measure);
	if (!isfinite(n->pos) || !isfinite(n->dur) || n->dur < 0)
		return pp_fail(err, "%s: bad onset or duration", where);
	n->pitch = (int)pitch;
	n->voice = (int)voice;
	n->part = (int)part;
	n->staff = (int)staff;
	n->measure = (int)measure;
	n->grace = (int)grace;
	n->preceded_by_grace = jbool(o, "preceded_by_grace");
	n->fermata_rest = jbool(o, "followed_by_fermata_rest");
	n->overlapped = jbool(o, "overlapped");
	n->slur = bits3(json_object_get(o, "slur"));
	n->beam = bits3(json_object_get(o, "beam"));
	n->notations = notation_bits(json_object_get(o, "notations"));
	return 0;
}

static int read_measures(struct ctx *c, const json_t *score, struct pp_err *err)
{
	json_t *arr, *m;
	size_t i;
	char where[300];

	snprintf(where, sizeof(where), "'%s': score", c->name);
	if (pp_json_array(score, "measures", &arr, where, err) < 0)
		return -1;
	c->nm = json_array_size(arr);
	if (c->nm == 0)
		return pp_fail(err, "'%s': score has no measures", c->name);
	c->mpos = calloc(c->nm, sizeof(double));
	c->mlen = calloc(c->nm, sizeof(double));
	if (!c->mpos || !c->mlen)
		return pp_fail(err, "out of memory");
	json_array_foreach(arr, i, m) {
		snprintf(where, sizeof(where), "'%s': score.measures[%zu]",
			 c->name, i);
		if (pp_json_number(m, "onset", &c->mpos[i], where, err) < 0 ||
		    pp_json_number_or(m, "length", 0, &c->mlen[i], where, err) < 0)
			return -1;
	}
	return 0;
}

static int read_time_sigs(struct ctx *c, const json_t *score, struct pp_err *err)
{
	json_t *arr = json_object_get(score, "time_signatures"), *t;
	size_t i;

	c->nts = json_array_size(arr);
	c->ts_pos = calloc(c->nts + 1, sizeof(double));
	c->ts_num = calloc(c->nts + 1, sizeof(int));
	c->ts_den = calloc(c->nts + 1, sizeof(int));
	if (!c->ts_pos || !c->ts_num || !c->ts_den)
		return pp_fail(err, "out of memory");
	json_array_foreach(arr, i, t) {
		long long num, den;
		char where[300];

		snprintf(where, sizeof(where), "'%s': score.time_signatures[%zu]",
			 c->name, i);
		if (pp_json_number(t, "onset", &c->ts_pos[i], where, err) < 0 ||
		    pp_json_int(t, "numerator", &num, where, err) < 0 ||
		    pp_json_int(t, "denominator", &den, where, err) < 0)
			return -1;
		c->ts_num[i] = (int)num;
		c->ts_den[i] = (int)den;
	}
	if (c->nts == 0) { /* MusicXML without a time signature: 4/4 */
		c->nts = 1;
		c->ts_num[0] = 4;
		c->ts_den[0] = 4;
	}
	return 0;
}

static int read_beats(struct ctx *c, const json_t *score, struct pp_err *err)
{
	json_t *arr, *b;
	size_t i;
	char where[300];

	snprintf(where, sizeof(where), "'%s': score", c->name);
	if (pp_json_array(score, "beats", &arr, where, err) < 0)
		return -1;
	c->nb = json_array_size(arr);
	if (c->nb == 0)
		return pp_fail(err, "'%s': score has no beats", c->name);
	c->beats = calloc(c->nb, sizeof(double));
	if (!c->beats)
		return pp_fail(err, "out of memory");
	json_array_foreach(arr, i, b) {
		if (!json_is_number(b))
			return pp_fail(err, "'%s': score.beats[%zu] is not a number",
				       c->name, i);
		c->beats[i] = json_number_value(b);
	}
	return 0;
}

static void set_dir(struct fx_dir *d, double pos, int staff, const char *type,
		    const char *content)
{
	d->pos = pos;
	d->staff = staff;
	snprintf(d->type, sizeof(d->type), "%s", type);
	d->content = content ? strdup(content) : NULL;
	d->has_end = 0;
	d->end = INFINITY;
}

/* Directions as pyScoreParser's parser makes them: dynamics, wedge starts
 * (type crescendo/diminuendo, content start), wedge stops (the type of the
 * previous wedge), words; tempo words of score.tempos that no words
 * direction carries are added as words. Sorted by position (stable). */
static int read_directions(struct ctx *c, const json_t *score, struct pp_err *err)
{
	json_t *dirs = json_object_get(score, "directions");
	json_t *tempos = json_object_get(score, "tempos"), *d;
	size_t i, n = 0;
	const char *last_wedge = "none";

	c->dirs = calloc(json_array_size(dirs) + json_array_size(tempos) + 1,
			 sizeof(*c->dirs));
	if (!c->dirs)
		return pp_fail(err, "out of memory");
	json_array_foreach(dirs, i, d) {
		double pos;
		const char *kind, *text = NULL;
		int staff = json_is_integer(json_object_get(d, "staff")) ?
			    (int)json_integer_value(json_object_get(d, "staff")) : -1;
		char where[300];

		snprintf(where, sizeof(where), "'%s': score.directions[%zu]",
			 c->name, i);
		if (pp_json_number(d, "onset", &pos, where, err) < 0 ||
		    pp_json_string(d, "kind", &kind, where, err) < 0)
			return -1;
		text = json_string_value(json_object_get(d, "text"));
		if (!strcmp(kind, "dynamic")) {
			set_dir(&c->dirs[n++], pos, staff, "dynamic", text);
		} else if (!strcmp(kind, "wedge")) {
			if (text && (!strcmp(text, "crescendo") ||
				     !strcmp(text, "diminuendo"))) {
				set_dir(&c->dirs[n++], pos, staff, text, "start");
				last_wedge = text;
			} else {
				set_dir(&c->dirs[n++], pos, staff, last_wedge, "stop");
			}
		} else if (!strcmp(kind, "words")) {
			set_dir(&c->dirs[n++], pos, staff, "words", text);
		} else if (!strcmp(kind, "pedal")) {
			set_dir(&c->dirs[n++], pos, staff, "pedal", text);
		} else {
			continue;
		}
	}
	json_array_foreach(tempos, i, d) {
		double pos;
		const char *text = json_string_value(json_object_get(d, "text"));
		int dup = 0;

		if (!text || !*text || !json_is_number(json_object_get(d, "onset")))
			continue;
		pos = json_number_value(json_object_get(d, "onset"));
		for (size_t k = 0; k < n && !dup; k++)
			dup = !strcmp(c->dirs[k].type, "words") &&
			      c->dirs[k].content && c->dirs[k].pos == pos &&
			      !strcmp(c->dirs[k].content, text);
		if (!dup)
			set_dir(&c->dirs[n++], pos, -1, "words", text);
	}
	c->nd = n;
	for (i = 1; i < n; i++) { /* stable sort by position */
		struct fx_dir t = c->dirs[i];
		size_t j = i;

		for (; j > 0 && c->dirs[j - 1].pos > t.pos; j--)
			c->dirs[j] = c->dirs[j - 1];
		c->dirs[j] = t;
	}
	for (i = 0; i < json_array_size(tempos); i++) {
		json_t *q = json_object_get(json_array_get(tempos, i), "qpm");

		if (json_is_number(q) && json_number_value(q) > 0) {
			c->marked_qpm = json_number_value(q);
			break;
		}
	}
	return 0;
}

static int cmp_perf(const void *a, const void *b)
{
	const struct fx_perf *x = a, *y = b;

	if (x->on != y->on)
		return x->on < y->on ? -1 : 1;
	if (x->off != y->off) /* pretty_midi lists notes by note-off */
		return x->off < y->off ? -1 : 1;
	return x->orig - y->orig;
}

/* The performance notes PercePiano keeps (pitch 21-108, positive
 * length), in its order; controls (or, without them, the pedal
 * intervals as 127/0 events). */
static int read_performance(struct ctx *c, const json_t *perf, struct pp_err *err)
{
	json_t *notes, *cc = json_object_get(perf, "controls"), *o;
	size_t i, n = 0, total;
	char where[300];

	snprintf(where, sizeof(where), "'%s': performance", c->name);
	if (pp_json_array(perf, "notes", &notes, where, err) < 0)
		return -1;
	total = json_array_size(notes);
	c->pf = calloc(total + 1, sizeof(*c->pf));
	c->perf_rank = malloc((total + 1) * sizeof(int));
	if (!c->pf || !c->perf_rank)
		return pp_fail(err, "out of memory");
	json_array_foreach(notes, i, o) {
		struct fx_perf *p = &c->pf[n];
		long long pitch, vel;

		snprintf(where, sizeof(where), "'%s': performance.notes[%zu]",
			 c->name, i);
		c->perf_rank[i] = -1;
		if (pp_json_int(o, "pitch", &pitch, where, err) < 0 ||
		    pp_json_int(o, "velocity", &vel, where, err) < 0 ||
		    pp_json_number(o, "onset", &p->on, where, err) < 0 ||
		    pp_json_number(o, "offset", &p->off, where, err) < 0)
			return -1;
		if (pitch < 21 || pitch > 108 || !(p->off > p->on) ||
		    !isfinite(p->on) || !isfinite(p->off))
			continue;
		p->pitch = (int)pitch;
		p->velocity = (int)vel;
		p->orig = (int)i;
		n++;
	}
	c->np = n;
	qsort(c->pf, n, sizeof(*c->pf), cmp_perf);
	for (i = 0; i < n; i++)
		c->perf_rank[c->pf[i].orig] = (int)i;
	if (json_is_array(cc) && json_array_size(cc) > 0) {
		c->ncc = json_array_size(cc);
		c->cc_time = calloc(c->ncc, sizeof(double));
		c->cc_num = calloc(c->ncc, sizeof(int));
		c->cc_val = calloc(c->ncc, sizeof(int));
		if (!c->cc_time || !c->cc_num || !c->cc_val)
			return pp_fail(err, "out of memory");
		json_array_foreach(cc, i, o) {
			long long num, val;

			snprintf(where, sizeof(where),
				 "'%s': performance.controls[%zu]", c->name, i);
			if (pp_json_number(o, "time", &c->cc_time[i], where, err) < 0 ||
			    pp_json_int(o, "number", &num, where, err) < 0 ||
			    pp_json_int(o, "value", &val, where, err) < 0)
				return -1;
			c->cc_num[i] = (int)num;
			c->cc_val[i] = (int)val;
		}
	} else {
		const char *kinds[2] = { "pedal", "soft" };
		size_t cap = 2 * (json_array_size(json_object_get(perf, "pedal")) +
				  json_array_size(json_object_get(perf, "soft"))) + 1;

		c->cc_time = calloc(cap, sizeof(double));
		c->cc_num = calloc(cap, sizeof(int));
		c->cc_val = calloc(cap, sizeof(int));
		if (!c->cc_time || !c->cc_num || !c->cc_val)
			return pp_fail(err, "out of memory");
		for (int k = 0; k < 2; k++) {
			json_array_foreach(json_object_get(perf, kinds[k]), i, o) {
				double on = json_number_value(json_object_get(o, "onset"));
				double off = json_number_value(json_object_get(o, "offset"));
				int num = k ? 67 : 64;

				c->cc_time[c->ncc] = on;
				c->cc_num[c->ncc] = num;
				c->cc_val[c->ncc++] = 127;
				c->cc_time[c->ncc] = off;
				c->cc_num[c->ncc] = num;
				c->cc_val[c->ncc++] = 0;
			}
		}
	}
	/* chronological, stable (a file's events are) */
	for (i = 1; i < c->ncc; i++) {
		double t = c->cc_time[i];
		int nu = c->cc_num[i], va = c->cc_val[i];
		size_t j = i;

		for (; j > 0 && c->cc_time[j - 1] > t; j--) {
			c->cc_time[j] = c->cc_time[j - 1];
			c->cc_num[j] = c->cc_num[j - 1];
			c->cc_val[j] = c->cc_val[j - 1];
		}
		c->cc_time[j] = t;
		c->cc_num[j] = nu;
		c->cc_val[j] = va;
	}
	return 0;
}

/* Pairs: a "matched" score note keeps its performance note (same pitch);
 * wrong_pitch and missing notes are unmatched (PercePiano pairs only
 * same-pitch notes). A performance note is used at most once. */
static int read_match(struct ctx *c, const json_t *doc, struct pp_err *err)
{
	json_t *match, *m;
	size_t i;
	char where[300];
	char *used = calloc(c->np + 1, 1);

	snprintf(where, sizeof(where), "'%s'", c->name);
	c->pair = malloc((c->nn + 1) * sizeof(int));
	if (!used || !c->pair) {
		free(used);
		return pp_fail(err, "out of memory");
	}
	for (i = 0; i < c->nn; i++)
		c->pair[i] = -1;
	if (pp_json_array(doc, "match", &match, where, err) < 0) {
		free(used);
		return -1;
	}
	json_array_foreach(match, i, m) {
		long long sid, perf;
		const char *status;
		json_t *pj = json_object_get(m, "perf");

		snprintf(where, sizeof(where), "'%s': match[%zu]", c->name, i);
		if (pp_json_int(m, "score", &sid, where, err) < 0 ||
		    pp_json_string(m, "status", &status, where, err) < 0) {
			free(used);
			return -1;
		}
		if (sid < 0 || (size_t)sid >= c->nn) {
			free(used);
			return pp_fail(err, "%s: score id %lld out of range", where, sid);
		}
		if (strcmp(status, "matched") || !json_is_integer(pj))
			continue;
		perf = json_integer_value(pj);
		if (perf < 0 || (size_t)perf >= json_array_size(json_object_get(
			    json_object_get(doc, "performance"), "notes"))) {
			free(used);
			return pp_fail(err, "%s: perf %lld out of range", where, perf);
		}
		if (c->perf_rank[perf] < 0 || used[c->perf_rank[perf]])
			continue;
		if (c->pf[c->perf_rank[perf]].pitch != c->sn[sid].pitch)
			continue;
		c->pair[sid] = c->perf_rank[perf];
		used[c->perf_rank[perf]] = 1;
	}
	free(used);
	return 0;
}

static int read_doc(struct ctx *c, const json_t *doc, struct pp_err *err)
{
	json_t *score, *perf, *notes, *o;
	size_t i;
	char where[300];

	snprintf(where, sizeof(where), "'%s'", c->name);
	if (pp_json_object(doc, "score", &score, where, err) < 0 ||
	    pp_json_object(doc, "performance", &perf, where, err) < 0)
		return -1;
	snprintf(where, sizeof(where), "'%s': score", c->name);
	if (read_measures(c, score, err) < 0 || read_beats(c, score, err) < 0 ||
	    read_time_sigs(c, score, err) < 0 ||
	    read_directions(c, score, err) < 0 ||
	    pp_json_array(score, "notes", &notes, where, err) < 0)
		return -1;
	c->nn = json_array_size(notes);
	if (c->nn == 0)
		return pp_fail(err, "'%s': score has no notes", c->name);
	c->sn = calloc(c->nn, sizeof(*c->sn));
	if (!c->sn)
		return pp_fail(err, "out of memory");
	json_array_foreach(notes, i, o) {
		snprintf(where, sizeof(where), "'%s': score.notes[%zu]", c->name, i);
		if (read_score_note(o, &c->sn[i], c->nm, where, err) < 0)
			return -1;
	}
	if (read_performance(c, perf, err) < 0)
		return -1;
	return read_match(c, doc, err);
}

/* ---- score features ---------------------------------------------------- */

static int integral(double v)
{
	return fabs(v - nearbyint(v)) < 1e-9;
}

/* feature_utils.cal_beat_importance (integral tests tolerate rounding of
 * positions given in quarter notes rather than integer divisions) */
static double beat_importance(double bp, int n)
{
	if (fabs(bp) < 1e-12)
		return 4;
	if (fabs(bp - 0.5) < 1e-12 && (n == 2 || n == 4 || n == 6 || n == 12))
		return 3;
	if (fabs(bp - 1.0 / 3) < 0.001 && (n == 3 || n == 9))
		return 2;
	if (integral(bp * 4) && (n == 2 || n == 4))
		return 1;
	if (integral(bp * 5) && n == 5)
		return 2;
	if (integral(bp * 6) && (n == 3 || n == 6 || n == 12))
		return 1;
	if (integral(bp * 8) && (n == 2 || n == 4))
		return 0.5;
	if (integral(bp * 9) && n == 9)
		return 1;
	if (integral(bp * 12) && (n == 3 || n == 6 || n == 12))
		return 0.5;
	if (n == 7) {
		if (fabs(bp * 7 - 2) < 0.001 || fabs(bp * 5 - 2) < 0.001)
			return 2;
		return 0;
	}
	return 0;
}

static void time_sig_vec(int num, int den, float *v)
{
	static const int dens[4] = { 2, 4, 8, 16 };

	memset(v, 0, 9 * sizeof(*v));
	for (int i = 0; i < 4; i++)
		if (den == dens[i] || (den == 32 && i == 3))
			v[5 + i] = 1;
	switch (num) {
	case 2: v[0] = 1; break;
	case 3: v[1] = 1; break;
	case 4: v[0] = v[2] = 1; break;
	case 6: v[0] = v[3] = 1; break;
	case 9: v[1] = v[3] = 1; break;
	case 12: case 24: v[0] = v[2] = v[3] = 1; break;
	default: v[4] = 1; break;
	}
}

/* xml_utils.cal_total_xml_length: walks back from the last note (never
 * reaching the first) and stops once a note ends well before the latest. */
static double total_length(const struct fx_note *sn, size_t nn)
{
	double latest_end = 0, latest_start = 0;

	for (size_t i = 1; i < nn; i++) {
		const struct fx_note *n = &sn[nn - i];
		double end = n->pos + n->dur;

		if (end > latest_end) {
			latest_end = end;
			latest_start = n->pos;
		} else if (end < latest_start - n->dur * 4) {
			break;
		}
	}
	return latest_end;
}

static double measure_len(const struct ctx *c, int m)
{
	if ((size_t)m + 1 < c->nm)
		return c->mpos[m + 1] - c->mpos[m];
	if (m > 0)
		return c->mpos[m] - c->mpos[m - 1];
	return c->mlen[m] > 0 ? c->mlen[m] : 4; /* one measure: reference fails */
}

static void score_row(const struct ctx *c, size_t i, const struct fx_dir_out *d,
		      double total, const float tempo_primo[2], float *x)
{
	const struct fx_note *n = &c->sn[i];
	double ml = measure_len(c, n->measure);
	double bp = (n->pos - c->mpos[n->measure]) / ml;
	int num = d->tsig >= 0 ? c->ts_num[d->tsig] : 4;
	int den = d->tsig >= 0 ? c->ts_den[d->tsig] : 4;
	int octave = n->pitch / 12 - 1;

	x[C_DURATION] = (float)n->dur;
	x[C_BEAT_IMPORTANCE] = (float)beat_importance(bp, num);
	x[C_MEASURE_LENGTH] = (float)ml;
	x[C_FOLLOWING_REST] = (float)n->following_rest;
	x[C_DIST_ABS_DYN] = (float)(n->pos - d->abs_dyn_pos);
	x[C_DIST_RECENT_TEMPO] = (float)(n->pos - d->recent_tempo_pos);
	x[C_BEAT_POSITION] = (float)bp;
	x[C_XML_POSITION] = total > 0 ? (float)(n->pos / total) : 0;
	x[C_GRACE_ORDER] = (float)n->grace;
	x[C_PRECEDED_BY_GRACE] = (float)n->preceded_by_grace;
	x[C_FERMATA_REST] = (float)n->fermata_rest;
	x[C_PITCH] = (float)((octave - 4) / 4.0);
	x[C_PITCH + 1 + n->pitch % 12] = 1;
	memcpy(x + C_TEMPO, d->tempo, 5 * sizeof(float));
	memcpy(x + C_DYNAMIC, d->dynamic, 4 * sizeof(float));
	time_sig_vec(num, den, x + C_TIME_SIG);
	for (int k = 0; k < 3; k++) {
		x[C_SLUR_BEAM + k] = (float)((n->slur >> k) & 1);
		x[C_SLUR_BEAM + 3 + k] = (float)((n->beam >> k) & 1);
	}
	for (int k = 0; k < N_COUNT; k++)
		x[C_NOTATION + k] = (float)((n->notations >> k) & 1);
	x[C_PITCH_UNNORM] = (float)n->pitch;
	x[C_DURATION_UNNORM] = x[C_DURATION];
	x[C_BEAT_IMP_UNNORM] = x[C_BEAT_IMPORTANCE];
	x[C_MEASURE_LEN_UNNORM] = x[C_MEASURE_LENGTH];
	x[C_FOLLOWING_REST_UNNORM] = x[C_FOLLOWING_REST];
	(void)tempo_primo;
}

/* feature_utils.make_index_continuous */
static void continuous(int32_t *idx, size_t n)
{
	int32_t prev = 0, comp = 0;

	for (size_t i = 0; i < n; i++) {
		int32_t b = idx[i];

		if (b - prev > 1)
			comp -= (b - prev) - 1;
		prev = b;
		idx[i] = b + comp;
	}
}

/* ---- performance features ------------------------------------------------ */

/* feature_utils.get_longer_level_dynamics, its quirks included: the group
 * closes only when its index grows past prev (which moves only then), and
 * the last group is (sum + max) / 2 / count. */
static void longer_dynamics(const float *vel, const int *matched,
			    const int32_t *loc, size_t n, float *out)
{
	int32_t prev = 0;
	size_t prev_i = 0, cnt = 0;
	double sum = 0, mx = 0;

	for (size_t i = 0; i < n; i++)
		out[i] = 0;
	for (size_t i = 0; i < n; i++) {
		if (!matched[i])
			continue;
		if (loc[i] > prev && cnt > 0) {
			double v = (sum / (double)cnt + mx) / 2;

			for (size_t j = prev_i; j < i; j++)
				out[j] = (float)v;
			cnt = 0;
			sum = 0;
			mx = 0;
			prev = loc[i];
			prev_i = i;
		}
		if (cnt == 0 || vel[i] > mx)
			mx = vel[i];
		sum += vel[i];
		cnt++;
	}
	if (cnt > 0) {
		double v = (sum + mx) / 2 / (double)cnt;

		for (size_t j = prev_i; j < n; j++)
			out[j] = (float)v;
	}
}

struct tempo_set {
	struct fx_tempo *t;
	size_t n;
};

static int make_tempos(const double *grid, size_t ng, const double *apos,
		       const double *atime, size_t na, double marked,
		       struct tempo_set *ts)
{
	ts->t = malloc((ng + 1) * sizeof(*ts->t));
	if (!ts->t)
		return -1;
	ts->n = fx_tempos(grid, ng, apos, atime, na, ts->t);
	if (ts->n == 0) { /* the reference fails; use the marked tempo */
		ts->t[0].pos = 0;
		ts->t[0].time = na ? atime[0] - apos[0] * 60 / marked : 0;
		ts->t[0].qpm = marked;
		ts->n = 1;
		return 1;
	}
	return 0;
}

static void perf_rows(const struct ctx *c, const struct tempo_set *beat,
		      const struct tempo_set *meas, const struct tempo_set *sect,
		      double qpm_primo, const int32_t *bloc,
		      const int32_t *mloc, float *x)
{
	float prev_vel = 64, prev_ps = 0, prev_pe = 0, prev_soft = 0, prev_cut = 0;
	float *vel = malloc((c->nn + 1) * sizeof(float));
	float *dyn = malloc((c->nn + 1) * sizeof(float));
	int *matched = malloc((c->nn + 1) * sizeof(int));

	for (size_t i = 0; i < c->nn; i++) {
		float *r = x + i * PP_FEAT_DIM;
		const struct fx_note *n = &c->sn[i];
		const struct fx_tempo *bt = fx_tempo_at(beat->t, beat->n, n->pos);

		r[C_QPM_PRIMO] = (float)qpm_primo;
		r[C_BEAT_TEMPO] = (float)log10(bt->qpm);
		r[C_MEASURE_TEMPO] = (float)log10(fx_tempo_at(meas->t, meas->n, n->pos)->qpm);
		r[C_SECTION_TEMPO] = (float)log10(fx_tempo_at(sect->t, sect->n, n->pos)->qpm);
		matched[i] = c->pair[i] >= 0;
		if (c->pair[i] >= 0) {
			const struct fx_perf *p = &c->pf[c->pair[i]];
			double art = 1;

			prev_vel = (float)p->velocity;
			r[C_ONSET_DEV] = (float)((p->on - bt->time) / 60 * bt->qpm -
						 (n->pos - bt->pos));
			if (n->dur != 0 && !n->overlapped) {
				double in_tempo = n->dur / bt->qpm * 60;
				double actual = (n->notations & (1u << N_TRILL)) ?
						in_tempo : p->off - p->on;

				art = actual / in_tempo;
				if (actual == 0)
					art = 1;
			}
			r[C_ARTICULATION] = art > 0 ? (float)log10(art) : 0;
			r[C_PEDAL_REFRESH_TIME] = (float)p->refresh_time;
			r[C_PEDAL_CUT_TIME] = (float)p->cut_time;
			prev_ps = (float)fx_pedal_sigmoid(p->at_start);
			prev_pe = (float)fx_pedal_sigmoid(p->at_end);
			prev_soft = (float)fx_pedal_sigmoid(p->soft);
			r[C_PEDAL_REFRESH] = (float)fx_pedal_sigmoid(p->refresh);
			prev_cut = (float)fx_pedal_sigmoid(p->cut);
			r[C_MMIDI_PITCH] = (float)p->pitch;
			r[C_MMIDI_VELOCITY] = (float)p->velocity;
			r[C_MMIDI_START] = (float)p->on;
			r[C_MMIDI_END] = (float)p->off;
		}
		r[C_VELOCITY] = prev_vel;
		r[C_PEDAL_AT_START] = prev_ps;
		r[C_PEDAL_AT_END] = prev_pe;
		r[C_SOFT_PEDAL] = prev_soft;
		r[C_PEDAL_CUT] = prev_cut;
		if (vel)
			vel[i] = prev_vel;
	}
	if (vel && dyn && matched) {
		longer_dynamics(vel, matched, bloc, c->nn, dyn);
		for (size_t i = 0; i < c->nn; i++)
			x[i * PP_FEAT_DIM + C_BEAT_DYN] = dyn[i];
		longer_dynamics(vel, matched, mloc, c->nn, dyn);
		for (size_t i = 0; i < c->nn; i++)
			x[i * PP_FEAT_DIM + C_MEASURE_DYN] = dyn[i];
	}
	free(vel);
	free(dyn);
	free(matched);
}

/* ---- insertion of unmatched performance notes ---------------------------- */

static int insert_rows(const struct ctx *c, struct pp_features *f,
		       const float *global)
{
	size_t nmat = 0, nun = 0, n = c->nn;
	int *mlist = malloc((c->nn + 1) * sizeof(int));
	char *used = calloc(c->np + 1, 1);
	size_t total = c->nn;

	if (!mlist || !used)
		goto oom;
	for (size_t i = 0; i < c->nn; i++)
		if (c->pair[i] >= 0) {
			mlist[nmat++] = c->pair[i];
			used[c->pair[i]] = 1;
		}
	for (size_t k = 0; k < c->np; k++)
		nun += !used[k];
	total += nun;
	{
		float *x = realloc(f->x, (total ? total : 1) * PP_FEAT_DIM * sizeof(float));
		if (!x)
			goto oom;
		f->x = x;
#define GROW(p) do { \
			void *q = realloc(p, (total ? total : 1) * sizeof(int32_t)); \
			if (!q) \
				goto oom; \
			p = q; \
		} while (0)
		GROW(f->note_index);
		GROW(f->voice);
		GROW(f->beat);
		GROW(f->measure);
#undef GROW
	}
	/* descending performance index; each at the first matched-pair slot
	 * whose performance note comes later (an index into the matched
	 * pairs, used as a row index) */
	for (size_t k = c->np; k-- > 0;) {
		const struct fx_perf *p = &c->pf[k];
		size_t at = nmat, src;
		float *r;

		if (used[k])
			continue;
		for (size_t j = 0; j < nmat; j++)
			if ((int)k < mlist[j]) {
				at = j;
				break;
			}
		if (at > n)
			at = n;
		src = at < n ? at : n - 1;
		memmove(f->x + (at + 1) * PP_FEAT_DIM, f->x + at * PP_FEAT_DIM,
			(n - at) * PP_FEAT_DIM * sizeof(float));
		memmove(f->note_index + at + 1, f->note_index + at, (n - at) * sizeof(int32_t));
		memmove(f->voice + at + 1, f->voice + at, (n - at) * sizeof(int32_t));
		memmove(f->beat + at + 1, f->beat + at, (n - at) * sizeof(int32_t));
		memmove(f->measure + at + 1, f->measure + at, (n - at) * sizeof(int32_t));
		if (src >= at && at < n)
			src++; /* the row that was at AT has moved one down */
		r = f->x + at * PP_FEAT_DIM;
		memset(r, 0, PP_FEAT_DIM * sizeof(float));
		memcpy(r, global, PP_FEAT_DIM * sizeof(float));
		r[C_BEAT_POSITION] = f->x[src * PP_FEAT_DIM + C_BEAT_POSITION];
		r[C_XML_POSITION] = f->x[src * PP_FEAT_DIM + C_XML_POSITION];
		r[C_MEASURE_LENGTH] = f->x[src * PP_FEAT_DIM + C_MEASURE_LENGTH];
		r[C_MEASURE_LEN_UNNORM] = r[C_MEASURE_LENGTH];
		r[C_MMIDI_PITCH] = (float)p->pitch;
		r[C_MMIDI_VELOCITY] = (float)p->velocity;
		r[C_MMIDI_START] = (float)p->on;
		r[C_MMIDI_END] = (float)p->off;
		f->note_index[at] = -1;
		f->voice[at] = 0;
		f->beat[at] = f->beat[src];
		f->measure[at] = f->measure[src];
		n++;
	}
	f->n = n;
	f->inserted = nun;
	free(mlist);
	free(used);
	return 0;
oom:
	free(mlist);
	free(used);
	return -1;
}

static double qpm_primo_of(const struct tempo_set *beat)
{
	size_t view = beat->n < 10 ? beat->n : 10;
	double s = 0;

	for (size_t i = 0; i < view; i++)
		s += beat->t[i].qpm;
	return log10(s / (double)view);
}

static int compute(struct ctx *c, struct pp_features *f, struct pp_err *err)
{
	double *npos = malloc(c->nn * sizeof(double));
	int *nstaff = malloc(c->nn * sizeof(int));
	struct fx_dir_out *dout = calloc(c->nn, sizeof(*dout));
	double *apos = NULL, *atime = NULL, *sections = NULL, total;
	struct tempo_set bt = { 0 }, mt = { 0 }, st = { 0 };
	float tempo_primo[2], global[PP_FEAT_DIM];
	size_t na = 0, ns = 0;
	int rc = -1, fb;

	f->x = calloc(c->nn * PP_FEAT_DIM, sizeof(float));
	f->note_index = malloc(c->nn * sizeof(int32_t));
	f->voice = malloc(c->nn * sizeof(int32_t));
	f->beat = malloc(c->nn * sizeof(int32_t));
	f->measure = malloc(c->nn * sizeof(int32_t));
	sections = malloc((c->nn + 1) * sizeof(double));
	if (!npos || !nstaff || !dout || !f->x || !f->note_index || !f->voice ||
	    !f->beat || !f->measure || !sections)
		goto oom;
	for (size_t i = 0; i < c->nn; i++) {
		npos[i] = c->sn[i].pos;
		nstaff[i] = c->sn[i].staff;
	}
	if (fx_directions(c->dirs, c->nd, npos, nstaff, c->nn, c->ts_pos,
			  c->nts, dout, tempo_primo, err) < 0)
		goto out;
	/* sections: where the tempo words change, plus one past the last note */
	for (size_t i = 0; i < c->nn; i++)
		if (i == 0 || strcmp(dout[i].section_key, dout[i - 1].section_key))
			sections[ns++] = npos[i];
	sections[ns++] = npos[c->nn - 1] + 1e-4;
	total = total_length(c->sn, c->nn);
	for (size_t i = 0; i < c->nn; i++) {
		score_row(c, i, &dout[i], total, tempo_primo, f->x + i * PP_FEAT_DIM);
		f->note_index[i] = (int32_t)i;
		f->voice[i] = c->sn[i].voice + 10 * c->sn[i].part;
		f->beat[i] = (int32_t)fx_binary_index(c->beats, c->nb, npos[i]);
		f->measure[i] = (int32_t)fx_binary_index(c->mpos, c->nm, npos[i]);
	}
	continuous(f->beat, c->nn);
	continuous(f->measure, c->nn);
	fx_pedal(c->pf, c->np, c->cc_time, c->cc_num, c->cc_val, c->ncc);
	if (fx_anchors(c->sn, c->nn, c->pf, c->pair, &apos, &atime, &na) < 0)
		goto oom;
	if (c->marked_qpm <= 0)
		c->marked_qpm = 120;
	fb = make_tempos(c->beats, c->nb, apos, atime, na, c->marked_qpm, &bt);
	if (fb < 0 || make_tempos(c->mpos, c->nm, apos, atime, na, c->marked_qpm, &mt) < 0 ||
	    make_tempos(sections, ns, apos, atime, na, c->marked_qpm, &st) < 0)
		goto oom;
	f->tempo_fallback = fb;
	perf_rows(c, &bt, &mt, &st, qpm_primo_of(&bt), f->beat, f->measure, f->x);
	f->score_notes = c->nn;
	f->matched = 0;
	for (size_t i = 0; i < c->nn; i++)
		f->matched += c->pair[i] >= 0;
	/* what every row has, inserted ones too: the per-piece values */
	memset(global, 0, sizeof(global));
	global[C_QPM_PRIMO] = f->x[C_QPM_PRIMO];
	global[C_COMPOSER + 13] = 1; /* PercePiano: always "Schubert" */
	global[C_TEMPO_PRIMO] = tempo_primo[0];
	global[C_TEMPO_PRIMO + 1] = tempo_primo[1];
	for (size_t i = 0; i < c->nn; i++) {
		float *r = f->x + i * PP_FEAT_DIM;

		r[C_COMPOSER + 13] = 1;
		r[C_TEMPO_PRIMO] = tempo_primo[0];
		r[C_TEMPO_PRIMO + 1] = tempo_primo[1];
	}
	if (insert_rows(c, f, global) < 0)
		goto oom;
	rc = 0;
	goto out;
oom:
	pp_fail(err, "out of memory");
out:
	fx_dir_out_release(dout, c->nn);
	free(dout);
	free(npos);
	free(nstaff);
	free(apos);
	free(atime);
	free(sections);
	free(bt.t);
	free(mt.t);
	free(st.t);
	return rc;
}

int pp_features_extract(const json_t *doc, const char *name,
			struct pp_features *f, struct pp_err *err)
{
	struct ctx c;
	int rc;

	memset(&c, 0, sizeof(c));
	memset(f, 0, sizeof(*f));
	c.name = name;
	rc = read_doc(&c, doc, err);
	if (rc == 0)
		rc = compute(&c, f, err);
	ctx_free(&c);
	if (rc < 0)
		pp_features_release(f);
	return rc;
}
