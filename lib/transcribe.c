/*
 * transcribe.c - audio in, notes and posteriors out (see transcribe.h).
 */
#include "transcribe.h"

#include <math.h>
#include <samplerate.h>
#include <stdio.h>
#include <stdlib.h>

#include "audio.h"
#include "bp_notes.h"
#include "rowfile.h"
#include "safetensors.h"

#define BLOCK 16384

int pp_transcribe_audio(struct pp_transcriber *t, const char *path,
			void (*progress)(double done_s, double total_s),
			struct pp_err *err)
{
	struct pp_audio *a;
	struct pp_audio_info info;
	float *buf = malloc(sizeof(float) * BLOCK);
	long n;
	int rc = 0;

	if (!buf)
		return pp_fail(err, "out of memory");
	if (pp_audio_open(&a, path, t->sample_rate, err) < 0) {
		free(buf);
		return -1;
	}
	/* libsamplerate's medium sinc (121 dB SNR, flat to 90 % of the band)
	 * is far beyond what the model resolves and twice as fast as the best
	 * one, which would otherwise dominate the run time at 44.1 kHz. */
	if (pp_audio_set_quality(a, SRC_SINC_MEDIUM_QUALITY, err) < 0) {
		pp_audio_close(a);
		free(buf);
		return -1;
	}
	pp_audio_info(a, &info);
	while ((n = pp_audio_read(a, buf, BLOCK, err)) > 0) {
		if (pp_tr_feed(t, buf, (size_t)n, err) < 0) {
			rc = -1;
			break;
		}
		if (progress)
			progress((double)t->n_samples / t->sample_rate, info.duration);
	}
	if (n < 0)
		rc = -1;
	pp_audio_close(a);
	free(buf);
	if (rc == 0)
		rc = pp_tr_finish(t, err);
	return rc;
}

int pp_tr_notes_fill(const struct pp_tr_note *notes, size_t n,
		     const char *source, double duration,
		     struct pp_notes *out, struct pp_err *err)
{
	if (source && pp_notes_set_source(out, source, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		long v = lround(127.0 * notes[i].amplitude);
		v = v < 1 ? 1 : v > 127 ? 127 : v;
		if (pp_notes_add(out, notes[i].pitch, notes[i].onset,
				 notes[i].offset, (int)v, err) < 0)
			return -1;
	}
	if (pp_notes_finish(out, err) < 0)
		return -1;
	if (out->duration < duration)
		out->duration = duration;
	return 0;
}

/* A posteriorgram's first ROWS rows (the file holds more: the frames past
 * the trimmed length), copied from its temporary file in chunks. */
struct rows_src {
	const struct pp_rowfile *f;
	size_t rows;
};

static int fill_rows(void *ctx, FILE *fp, size_t nbytes, struct pp_err *err)
{
	const struct rows_src *src = ctx;
	size_t w = (size_t)src->f->width;
	float *buf = malloc(sizeof *buf * PP_ROWFILE_CHUNK * w);
	int rc = 0;

	if (!buf)
		return pp_fail(err, "out of memory");
	if (nbytes != src->rows * w * sizeof *buf)
		PP_BUG("posteriors: %zu bytes for %zu rows", nbytes, src->rows);
	for (size_t r = 0; r < src->rows && rc == 0; r += PP_ROWFILE_CHUNK) {
		size_t n = src->rows - r < PP_ROWFILE_CHUNK ? src->rows - r : PP_ROWFILE_CHUNK;
		if (pp_rowfile_read(src->f, r, n, buf, err) < 0)
			rc = -1;
		else if (fwrite(buf, sizeof *buf, n * w, fp) != n * w)
			break; /* the writer reports it */
	}
	free(buf);
	return rc;
}

/* The frame times, computed in chunks. */
static int fill_times(void *ctx, FILE *fp, size_t nbytes, struct pp_err *err)
{
	size_t rows = *(const size_t *)ctx;
	double buf[PP_ROWFILE_CHUNK];

	(void)err;
	if (nbytes != rows * sizeof *buf)
		PP_BUG("posteriors: %zu bytes for %zu frame times", nbytes, rows);
	for (size_t r = 0; r < rows; r += PP_ROWFILE_CHUNK) {
		size_t n = rows - r < PP_ROWFILE_CHUNK ? rows - r : PP_ROWFILE_CHUNK;
		for (size_t i = 0; i < n; i++)
			buf[i] = bp_frame_time((long)(r + i));
		if (fwrite(buf, sizeof *buf, n, fp) != n)
			break;
	}
	return 0;
}

int pp_posteriors_save(const struct pp_transcriber *t, const char *path,
		       const char *source, struct pp_err *err)
{
	const struct pp_posteriors *p = &t->post;
	struct pp_st_writer w;
	int64_t sk[2] = {(int64_t)p->n_frames, p->n_keys};
	int64_t sc[2] = {(int64_t)p->n_frames, p->n_contour};
	int64_t st[1] = {(int64_t)p->n_frames};
	struct rows_src note = {&p->note, p->n_frames};
	struct rows_src onset = {&p->onset, p->n_frames};
	struct rows_src contour = {&p->contour, p->n_frames};
	size_t rows = p->n_frames;
	char fps[32];
	int rc = -1;

	snprintf(fps, sizeof fps, "%.6f", t->fps);
	pp_st_writer_init(&w);
	if (pp_st_writer_add_fill(&w, "note", PP_DT_F32, 2, sk, fill_rows, &note, err) < 0 ||
	    pp_st_writer_add_fill(&w, "onset", PP_DT_F32, 2, sk, fill_rows, &onset, err) < 0 ||
	    (p->n_contour && pp_st_writer_add_fill(&w, "contour", PP_DT_F32, 2, sc,
						    fill_rows, &contour, err) < 0) ||
	    pp_st_writer_add_fill(&w, "frame_time", PP_DT_F64, 1, st, fill_times,
				  &rows, err) < 0)
		goto out;
	pp_st_writer_meta(&w, "model", t->ops->name);
	pp_st_writer_meta(&w, "fps", fps);
	pp_st_writer_meta(&w, "lowest_midi", "21");
	if (source)
		pp_st_writer_meta(&w, "source", source);
	rc = pp_st_writer_save(&w, path, err);
out:
	pp_st_writer_release(&w);
	return rc;
}
