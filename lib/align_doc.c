/*
 * align_doc.c - pp-align as one call: read, align, build alignment/1 (see
 * pp_align_document in align.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "align.h"
#include "envelope.h"
#include "io.h"
#include "midi.h"

static const char *const notes1[] = { "notes/1", NULL };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Reads the performance into P and its JSON form into *PERF (the notes/1
 * document for JSON input, so that unknown members survive). */
static int read_perf(const char *path, struct pp_notes *p, json_t **perf,
		     struct pp_err *err)
{
	char *buf;
	size_t len;
	const char *name = pp_io_name(path);
	int rc;

	*perf = NULL;
	if (pp_read_all(path, &buf, &len, err) < 0)
		return -1;
	if (pp_notes_is_midi(buf, len)) {
		rc = pp_midi_parse(buf, len, name, p, err);
		if (rc == 0)
			*perf = pp_notes_to_json(p);
	} else {
		rc = pp_doc_parse(buf, len, name, notes1, perf, err);
		if (rc == 0)
			rc = pp_notes_from_json(*perf, name, p, err);
	}
	free(buf);
	if (rc < 0 && *perf) {
		json_decref(*perf);
		*perf = NULL;
	}
	if (rc == 0 && !*perf)
		return pp_fail(err, "out of memory");
	return rc;
}

/* Seconds spent in each stage, for performance_metrics. */
struct stages { double read, score, align; };

/* Aligns against the score laid out one way. */
static int try_layout(const struct pp_score_source *src, int flags,
		      const struct pp_notes *p, struct pp_score **s,
		      struct pp_alignment **a, struct stages *st,
		      struct pp_err *err)
{
	double t0 = now();

	if (pp_score_layout(src, flags, s, err) < 0)
		return -1;
	double t1 = now();
	st->score += t1 - t0;
	int rc = pp_align(*s, p, a, err);
	st->align += now() - t1;
	if (rc < 0) {
		pp_score_free(*s);
		*s = NULL;
		return -1;
	}
	return 0;
}

int pp_align_document(const char *score_path, const char *perf_path,
		      enum pp_unfold unfold, int score_flags, json_t **doc,
		      struct pp_err *err)
{
	struct pp_notes p;
	struct pp_score_source *src = NULL;
	struct pp_score *s = NULL, *s2 = NULL;
	struct pp_alignment *a = NULL, *a2 = NULL;
	json_t *perf, *metrics, *d;
	struct stages st = { 0, 0, 0 };
	double t0 = now();

	*doc = NULL;
	pp_notes_init(&p);
	if (read_perf(perf_path, &p, &perf, err) < 0)
		return -1;
	st.read = now() - t0;
	double tl = now();
	if (pp_score_load(score_path, &src, err) < 0)
		goto fail;
	st.score += now() - tl;
	if (try_layout(src, score_flags | (unfold == PP_UNFOLD_YES ? PP_SCORE_UNFOLD : 0),
		       &p, &s, &a, &st, err) < 0)
		goto fail;
	if (unfold == PP_UNFOLD_AUTO && s->has_repeats) {
		if (try_layout(src, score_flags | PP_SCORE_UNFOLD, &p, &s2, &a2, &st, err) < 0)
			goto fail;
		if (a2->cost < a->cost) {
			pp_alignment_free(a);
			pp_score_free(s);
			a = a2;
			s = s2;
		} else {
			pp_alignment_free(a2);
			pp_score_free(s2);
		}
	}
	d = pp_doc_new("alignment/1");
	double t1 = now();
	json_object_set_new(d, "score", pp_score_json(s));
	double score_json = now() - t1;
	metrics = json_object_get(perf, "performance_metrics");
	metrics = json_is_object(metrics) ? json_incref(metrics) : json_object();
	json_object_del(perf, "performance_metrics");
	json_object_del(perf, "pp");
	json_object_set_new(d, "performance", perf);
	t1 = now();
	pp_alignment_json(a, d);
	json_t *w = json_object();
	double t2 = now();
	pp_json_set_real(w, "wall_s", t2 - t0);
	pp_json_set_real(w, "read_s", st.read);
	pp_json_set_real(w, "score_s", st.score + score_json);
	pp_json_set_real(w, "align_s", st.align);
	pp_json_set_real(w, "summary_s", t2 - t1);
	json_object_set_new(metrics, "pp-align", w);
	json_object_set_new(d, "performance_metrics", metrics);
	pp_alignment_free(a);
	pp_score_free(s);
	pp_score_source_free(src);
	pp_notes_free(&p);
	*doc = d;
	return 0;
fail:
	json_decref(perf);
	pp_alignment_free(a);
	pp_score_free(s);
	pp_score_source_free(src);
	pp_notes_free(&p);
	return -1;
}
