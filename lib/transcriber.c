/*
 * transcriber.c - the model-independent half of transcriber.h, and Basic
 * Pitch's windowing: 3840 zeros in front of the audio, windows of 43844
 * samples every 36164, 15 frames dropped at each end of each window
 * (142 kept), the whole trimmed to floor(n x 86 / 22050) frames, as the
 * reference (inference.ts) does.
 */
#include "transcriber.h"

#include <stdlib.h>
#include <string.h>

#include "bp_model.h"
#include "bp_net.h"
#include "datadir.h"

struct bp_state {
	struct bp_model model;
	struct bp_net net;
	float *buf;            /* [BP_WIN] samples from the current window start */
	size_t fill;           /* samples in buf */
	float *contour, *note, *onset; /* one window's outputs */
	int keep_contour;
};

static void cmp_free(struct pp_posteriors *p)
{
	free(p->note);
	free(p->onset);
	free(p->contour);
	memset(p, 0, sizeof *p);
}

static int grow(float **a, size_t cap, int width)
{
	float *v = realloc(*a, sizeof(float) * cap * width);
	if (!v)
		return -1;
	*a = v;
	return 0;
}

int pp_posteriors_append(struct pp_posteriors *p, const float *note,
			 const float *onset, const float *contour, size_t rows,
			 struct pp_err *err)
{
	if (p->n_frames + rows > p->cap) {
		size_t cap = p->cap ? p->cap : 1024;
		while (cap < p->n_frames + rows)
			cap *= 2;
		if (grow(&p->note, cap, p->n_keys) < 0 ||
		    grow(&p->onset, cap, p->n_keys) < 0 ||
		    (p->n_contour && grow(&p->contour, cap, p->n_contour) < 0))
			return pp_fail(err, "out of memory for the posteriors");
		p->cap = cap;
	}
	memcpy(p->note + p->n_frames * p->n_keys, note, sizeof(float) * rows * p->n_keys);
	memcpy(p->onset + p->n_frames * p->n_keys, onset, sizeof(float) * rows * p->n_keys);
	if (p->n_contour)
		memcpy(p->contour + p->n_frames * p->n_contour, contour,
		       sizeof(float) * rows * p->n_contour);
	p->n_frames += rows;
	return 0;
}

/* ---- Basic Pitch ---- */

static int bp_window(struct pp_transcriber *t, struct pp_err *err)
{
	struct bp_state *s = t->impl;
	size_t k = BP_KEEP_FROM;

	if (s->fill < BP_WIN)
		memset(s->buf + s->fill, 0, sizeof(float) * (BP_WIN - s->fill));
	bp_net_window(&s->net, s->buf, s->keep_contour ? s->contour : NULL,
		      s->note, s->onset);
	t->n_windows++;
	if (pp_posteriors_append(&t->post, s->note + k * BP_KEYS,
				 s->onset + k * BP_KEYS,
				 s->contour + k * BP_CONTOUR, BP_KEEP, err) < 0)
		return -1;
	/* Next window starts BP_WIN_HOP later. */
	if (s->fill > BP_WIN_HOP) {
		memmove(s->buf, s->buf + BP_WIN_HOP, sizeof(float) * (s->fill - BP_WIN_HOP));
		s->fill -= BP_WIN_HOP;
	} else {
		s->fill = 0;
	}
	return 0;
}

static int bp_feed(struct pp_transcriber *t, const float *x, size_t n,
		   struct pp_err *err)
{
	struct bp_state *s = t->impl;

	while (n > 0) {
		size_t take = BP_WIN - s->fill;
		if (take > n)
			take = n;
		memcpy(s->buf + s->fill, x, sizeof(float) * take);
		s->fill += take;
		x += take;
		n -= take;
		if (s->fill == BP_WIN && bp_window(t, err) < 0)
			return -1;
	}
	return 0;
}

static int bp_finish(struct pp_transcriber *t, struct pp_err *err)
{
	struct bp_state *s = t->impl;
	size_t want = (size_t)((double)t->n_samples * BP_FPS / BP_SR);

	/* Windows start while they start before the end of the padded
	 * signal; the first one always exists (the 3840 leading zeros). */
	while (s->fill > 0)
		if (bp_window(t, err) < 0)
			return -1;
	if (t->post.n_frames > want)
		t->post.n_frames = want;
	return 0;
}

static int cmp_note(const void *a, const void *b)
{
	const struct pp_tr_note *x = a, *y = b;
	if (x->onset != y->onset)
		return x->onset < y->onset ? -1 : 1;
	if (x->pitch != y->pitch)
		return x->pitch < y->pitch ? -1 : 1;
	return (x->offset > y->offset) - (x->offset < y->offset);
}

static int bp_notes(const struct pp_transcriber *t, const struct bp_note_params *p,
		    struct pp_tr_note **out, size_t *n, struct pp_err *err)
{
	struct bp_note *ev;
	size_t m;

	if (bp_notes_decode(t->post.note, t->post.onset, t->post.n_frames, p,
			    &ev, &m, err) < 0)
		return -1;
	*out = malloc(sizeof **out * (m ? m : 1));
	if (!*out) {
		free(ev);
		return pp_fail(err, "out of memory");
	}
	for (size_t i = 0; i < m; i++) {
		double on = bp_frame_time(ev[i].start);
		double off = on + (bp_frame_time(ev[i].start + ev[i].frames) - on);
		(*out)[i] = (struct pp_tr_note){ev[i].pitch, on < 0 ? 0 : on,
						off < on ? on : off, ev[i].amplitude};
	}
	free(ev);
	qsort(*out, m, sizeof **out, cmp_note);
	*n = m;
	return 0;
}

static void bp_free(struct pp_transcriber *t)
{
	struct bp_state *s = t->impl;

	if (!s)
		return;
	bp_net_free(&s->net);
	bp_model_free(&s->model);
	free(s->buf);
	free(s->contour);
	free(s->note);
	free(s->onset);
	free(s);
}

static const struct pp_tr_ops bp_ops = {
	"basic-pitch 1.0.1", bp_feed, bp_finish, bp_notes, bp_free,
};

static int bp_open(struct pp_transcriber *t, const char *dir, int keep_contour,
		   struct pp_err *err)
{
	struct bp_state *s = calloc(1, sizeof *s);
	static const float zeros[BP_LEAD];

	if (!s)
		return pp_fail(err, "out of memory");
	t->impl = s;
	t->ops = &bp_ops;
	t->sample_rate = BP_SR;
	t->fps = (double)BP_SR / BP_HOP;
	t->post.n_keys = BP_KEYS;
	t->post.n_contour = keep_contour ? BP_CONTOUR : 0;
	s->keep_contour = keep_contour;
	if (bp_model_load(&s->model, dir, err) < 0 ||
	    bp_net_init(&s->net, &s->model, err) < 0)
		return -1;
	s->buf = malloc(sizeof(float) * BP_WIN);
	s->contour = malloc(sizeof(float) * BP_FRAMES * BP_CONTOUR);
	s->note = malloc(sizeof(float) * BP_FRAMES * BP_KEYS);
	s->onset = malloc(sizeof(float) * BP_FRAMES * BP_KEYS);
	if (!s->buf || !s->contour || !s->note || !s->onset)
		return pp_fail(err, "out of memory");
	return bp_feed(t, zeros, BP_LEAD, err);
}

/* ---- the generic interface ---- */

int pp_tr_open_dir(struct pp_transcriber *t, enum pp_tr_kind kind,
		   const char *dir, int keep_contour, struct pp_err *err)
{
	memset(t, 0, sizeof *t);
	switch (kind) {
	case PP_TR_BASIC_PITCH:
		if (bp_open(t, dir, keep_contour, err) < 0) {
			pp_tr_free(t);
			return -1;
		}
		return 0;
	}
	return pp_fail(err, "unknown transcription model %d", (int)kind);
}

int pp_tr_open(struct pp_transcriber *t, enum pp_tr_kind kind,
	       int keep_contour, struct pp_err *err)
{
	char dir[4096];

	if (pp_data_path("basic-pitch/model", dir, sizeof dir, err) < 0)
		return pp_fail_wrap(err, "Basic Pitch weights (run tools/deps.sh)");
	return pp_tr_open_dir(t, kind, dir, keep_contour, err);
}

int pp_tr_feed(struct pp_transcriber *t, const float *x, size_t n,
	       struct pp_err *err)
{
	t->n_samples += n;
	return t->ops->feed(t, x, n, err);
}

int pp_tr_finish(struct pp_transcriber *t, struct pp_err *err)
{
	return t->ops->finish(t, err);
}

int pp_tr_notes(const struct pp_transcriber *t, const struct bp_note_params *p,
		struct pp_tr_note **out, size_t *n, struct pp_err *err)
{
	*out = NULL;
	*n = 0;
	return t->ops->notes(t, p, out, n, err);
}

void pp_tr_free(struct pp_transcriber *t)
{
	if (t->ops)
		t->ops->free(t);
	cmp_free(&t->post);
	memset(t, 0, sizeof *t);
}
