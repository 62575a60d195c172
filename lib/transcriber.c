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

int pp_posteriors_init(struct pp_posteriors *p, int n_keys, int n_contour,
		       struct pp_err *err)
{
	memset(p, 0, sizeof *p);
	p->n_keys = n_keys;
	p->n_contour = n_contour;
	if (pp_rowfile_open(&p->note, n_keys, err) < 0 ||
	    pp_rowfile_open(&p->onset, n_keys, err) < 0 ||
	    (n_contour && pp_rowfile_open(&p->contour, n_contour, err) < 0))
		return -1;
	return 0;
}

int pp_posteriors_append(struct pp_posteriors *p, const float *note,
			 const float *onset, const float *contour, size_t rows,
			 struct pp_err *err)
{
	if (pp_rowfile_append(&p->note, note, rows, err) < 0 ||
	    pp_rowfile_append(&p->onset, onset, rows, err) < 0 ||
	    (p->n_contour && pp_rowfile_append(&p->contour, contour, rows, err) < 0))
		return -1;
	p->n_frames += rows;
	return 0;
}

void pp_posteriors_free(struct pp_posteriors *p)
{
	pp_rowfile_close(&p->note);
	pp_rowfile_close(&p->onset);
	pp_rowfile_close(&p->contour);
	memset(p, 0, sizeof *p);
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

/* Note creation in two passes over the posteriors' files (bp_notes.h):
 * the maxima, then the segments. Resident: the segment buffer and two
 * chunks of rows, whatever the input's length. */
static int bp_decode(struct pp_transcriber *t, const struct bp_note_params *p,
		     struct bp_note **ev, size_t *m, struct pp_err *err)
{
	const struct pp_posteriors *post = &t->post;
	size_t n = post->n_frames;
	float *note = malloc(sizeof(float) * PP_ROWFILE_CHUNK * BP_KEYS);
	float *onset = malloc(sizeof(float) * PP_ROWFILE_CHUNK * BP_KEYS);
	struct bp_stream *s = note && onset ? bp_stream_new(p, n, t->max_segment, err) : NULL;
	int rc = -1;

	if (!s) {
		pp_fail(err, "out of memory");
		goto out;
	}
	for (int pass = 0; pass < 2; pass++)
		for (size_t f = 0; f < n; f += PP_ROWFILE_CHUNK) {
			size_t rows = n - f < PP_ROWFILE_CHUNK ? n - f : PP_ROWFILE_CHUNK;
			if (pp_rowfile_read(&post->note, f, rows, note, err) < 0 ||
			    pp_rowfile_read(&post->onset, f, rows, onset, err) < 0)
				goto out;
			for (size_t i = 0; i < rows; i++) {
				const float *a = note + i * BP_KEYS, *b = onset + i * BP_KEYS;
				if (pass == 0)
					bp_stream_scan(s, a, b);
				else if (bp_stream_feed(s, a, b, err) < 0)
					goto out;
			}
		}
	rc = bp_stream_finish(s, ev, m, &t->stats, err);
out:
	bp_stream_free(s);
	free(note);
	free(onset);
	return rc;
}

static int bp_notes(struct pp_transcriber *t, const struct bp_note_params *p,
		    struct pp_tr_note **out, size_t *n, struct pp_err *err)
{
	struct bp_note *ev;
	size_t m;

	if (bp_decode(t, p, &ev, &m, err) < 0)
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
	t->max_segment = BP_MAX_SEGMENT;
	s->keep_contour = keep_contour;
	if (pp_posteriors_init(&t->post, BP_KEYS, keep_contour ? BP_CONTOUR : 0,
			       err) < 0 ||
	    bp_model_load(&s->model, dir, err) < 0 ||
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

int pp_tr_notes(struct pp_transcriber *t, const struct bp_note_params *p,
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
	pp_posteriors_free(&t->post);
	memset(t, 0, sizeof *t);
}
