/*
 * synth.c - offline FluidSynth rendering (see synth.h).
 */
#include "synth.h"

#include <errno.h>
#include <fluidsynth.h>
#include <math.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "atomic.h"

#define BLOCK 1024 /* frames rendered at most per call */

void pp_synth_opts_init(struct pp_synth_opts *o)
{
	*o = (struct pp_synth_opts){ NULL, 44100, 2, 0, 0.8, 1.0 };
}

const char *pp_synth_soundfont(const struct pp_synth_opts *o)
{
	const char *env = getenv("PP_SOUNDFONT");

	if (o->soundfont && *o->soundfont)
		return o->soundfont;
	return env && *env ? env : PP_SYNTH_SOUNDFONT;
}

enum pp_synth_format pp_synth_format_of(const char *path)
{
	size_t n = path ? strlen(path) : 0;

	return n >= 5 && strcasecmp(path + n - 5, ".flac") == 0 ?
	       PP_SYNTH_FLAC : PP_SYNTH_WAV;
}

/* --- FluidSynth, quietly ----------------------------------------------- */

static char fluid_message[256];

static void capture_log(int level, const char *msg, void *data)
{
	(void)data;
	if (level <= FLUID_ERR && !fluid_message[0] && msg)
		snprintf(fluid_message, sizeof(fluid_message), "%s", msg);
}

static void quiet(void)
{
	for (int l = FLUID_PANIC; l <= FLUID_DBG; l++)
		fluid_set_log_function(l, capture_log, NULL);
	fluid_message[0] = '\0';
}

struct engine {
	fluid_settings_t *settings;
	fluid_synth_t *synth;
};

static void engine_free(struct engine *e)
{
	if (e->synth)
		delete_fluid_synth(e->synth);
	if (e->settings)
		delete_fluid_settings(e->settings);
}

static int engine_new(struct engine *e, const struct pp_synth_opts *o,
		      struct pp_err *err)
{
	const char *sf = pp_synth_soundfont(o);

	*e = (struct engine){ 0 };
	quiet();
	if (o->rate < 8000 || o->rate > 192000)
		return pp_fail(err, "sample rate %d Hz out of range 8000-192000",
			       o->rate);
	if (access(sf, R_OK) != 0)
		return pp_fail(err, "'%s': cannot open: %s", sf,
			       strerror(errno));
	if (!fluid_is_soundfont(sf))
		return pp_fail(err, "'%s': not a SoundFont file", sf);
	e->settings = new_fluid_settings();
	if (!e->settings)
		return pp_fail(err, "cannot start FluidSynth");
	fluid_settings_setnum(e->settings, "synth.sample-rate", o->rate);
	fluid_settings_setnum(e->settings, "synth.gain", o->gain);
	fluid_settings_setint(e->settings, "synth.reverb.active", !!o->reverb);
	fluid_settings_setint(e->settings, "synth.chorus.active", 0);
	fluid_settings_setint(e->settings, "synth.lock-memory", 0);
	/* Load only the samples of the presets in use (the piano), not the
	 * whole 140 MB SoundFont. */
	fluid_settings_setint(e->settings, "synth.dynamic-sample-loading", 1);
	fluid_settings_setint(e->settings, "synth.cpu-cores", 1);
	fluid_settings_setint(e->settings, "synth.polyphony", 512);
	e->synth = new_fluid_synth(e->settings);
	if (!e->synth) {
		engine_free(e);
		return pp_fail(err, "cannot start FluidSynth%s%s",
			       fluid_message[0] ? ": " : "", fluid_message);
	}
	if (fluid_synth_sfload(e->synth, sf, 1) == FLUID_FAILED) {
		engine_free(e);
		return pp_fail(err, "'%s': cannot load the SoundFont%s%s", sf,
			       fluid_message[0] ? ": " : "", fluid_message);
	}
	fluid_synth_program_change(e->synth, 0, 0);
	return 0;
}

/* --- events in sample time --------------------------------------------- */

struct sev {
	long long frame;
	int order;   /* at equal frames: 0 note-off, 1 control, 2 note-on */
	size_t seq;
	int a, b, c; /* kind (0 off, 1 cc, 2 on), key/number, velocity/value */
};

static int cmp_sev(const void *x, const void *y)
{
	const struct sev *p = x, *q = y;

	if (p->frame != q->frame)
		return p->frame < q->frame ? -1 : 1;
	if (p->order != q->order)
		return p->order - q->order;
	return p->seq < q->seq ? -1 : p->seq > q->seq;
}

static struct sev *schedule(const struct pp_notes *p, int rate, size_t *n)
{
	size_t cap = 2 * p->n_notes + p->n_controls + 2 * (p->n_pedal +
							   p->n_soft) + 1;
	struct sev *e = calloc(cap, sizeof(*e));
	size_t k = 0;

#define ADD(t, kind, x, y) do { \
	e[k] = (struct sev){ llround((t) * rate), kind, k, kind, x, y }; \
	k++; \
} while (0)
	if (!e)
		return NULL;
	for (size_t i = 0; i < p->n_notes; i++) {
		const struct pp_note *nt = &p->notes[i];

		if (nt->velocity == 0)
			continue;
		ADD(nt->onset, 2, nt->pitch, nt->velocity);
		ADD(fmax(nt->offset, nt->onset + 1.0 / rate), 0, nt->pitch, 0);
	}
	for (size_t i = 0; i < p->n_controls; i++)
		ADD(p->controls[i].time, 1, p->controls[i].number,
		    p->controls[i].value);
	for (size_t i = 0; !p->n_controls && i < p->n_pedal; i++) {
		ADD(p->pedal[i].onset, 1, PP_CC_SUSTAIN, 127);
		ADD(p->pedal[i].offset, 1, PP_CC_SUSTAIN, 0);
	}
	for (size_t i = 0; !p->n_controls && i < p->n_soft; i++) {
		ADD(p->soft[i].onset, 1, PP_CC_SOFT, 127);
		ADD(p->soft[i].offset, 1, PP_CC_SOFT, 0);
	}
#undef ADD
	qsort(e, k, sizeof(*e), cmp_sev);
	*n = k;
	return e;
}

static void send(fluid_synth_t *s, const struct sev *e)
{
	if (e->a == 2)
		fluid_synth_noteon(s, 0, e->b, e->c);
	else if (e->a == 0)
		fluid_synth_noteoff(s, 0, e->b);
	else
		fluid_synth_cc(s, 0, e->b, e->c);
}

/* Calls SINK with successive blocks of interleaved frames. */
typedef int (*sink_fn)(const float *buf, size_t frames, void *data,
		       struct pp_err *err);

static int render(const struct pp_notes *p, const struct pp_synth_opts *o,
		  sink_fn sink, void *data, struct pp_err *err)
{
	struct engine eng;
	struct sev *ev;
	size_t nev, next = 0;
	long long total, done = 0;
	float lr[2 * BLOCK], out[2 * BLOCK];
	int rc = 0;

	if (o->channels != 1 && o->channels != 2)
		return pp_fail(err, "channels must be 1 or 2, not %d",
			       o->channels);
	if (!isfinite(o->tail) || o->tail < 0 || o->tail > 600)
		return pp_fail(err, "tail %g s out of range 0-600", o->tail);
	if (engine_new(&eng, o, err) < 0)
		return -1;
	ev = schedule(p, o->rate, &nev);
	if (!ev) {
		engine_free(&eng);
		return pp_fail(err, "out of memory");
	}
	total = llround((fmax(p->duration, pp_notes_end(p)) + o->tail) *
			o->rate);
	while (rc == 0 && done < total) {
		long long len = total - done;

		while (next < nev && ev[next].frame <= done)
			send(eng.synth, &ev[next++]);
		if (next < nev && ev[next].frame - done < len)
			len = ev[next].frame - done;
		if (len > BLOCK)
			len = BLOCK;
		if (fluid_synth_write_float(eng.synth, (int)len, lr, 0, 2, lr,
					    1, 2) != FLUID_OK) {
			rc = pp_fail(err, "FluidSynth failed to render");
			break;
		}
		if (o->channels == 1)
			for (long long i = 0; i < len; i++)
				out[i] = 0.5f * (lr[2 * i] + lr[2 * i + 1]);
		rc = sink(o->channels == 1 ? out : lr, (size_t)len, data, err);
		done += len;
	}
	free(ev);
	engine_free(&eng);
	return rc;
}

/* --- into memory ------------------------------------------------------- */

struct fbuf {
	float *p;
	size_t frames, cap;
	int ch;
};

static int to_fbuf(const float *buf, size_t frames, void *data,
		   struct pp_err *err)
{
	struct fbuf *f = data;

	if (f->frames + frames > f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 65536;
		float *np;

		while (nc < f->frames + frames)
			nc *= 2;
		np = realloc(f->p, nc * f->ch * sizeof(float));
		if (!np)
			return pp_fail(err, "out of memory");
		f->p = np;
		f->cap = nc;
	}
	memcpy(f->p + f->frames * f->ch, buf, frames * f->ch * sizeof(float));
	f->frames += frames;
	return 0;
}

int pp_synth_render(const struct pp_notes *p, const struct pp_synth_opts *o,
		    float **samples, size_t *frames, struct pp_err *err)
{
	struct fbuf f = { NULL, 0, 0, o->channels };

	*samples = NULL;
	*frames = 0;
	if (render(p, o, to_fbuf, &f, err) < 0) {
		free(f.p);
		return -1;
	}
	*samples = f.p;
	*frames = f.frames;
	return 0;
}

/* --- into a sound file (libsndfile over memory) ------------------------- */

struct membuf {
	unsigned char *p;
	sf_count_t len, pos, cap;
	int oom;
};

static sf_count_t mb_len(void *u)
{
	return ((struct membuf *)u)->len;
}

static sf_count_t mb_seek(sf_count_t off, int whence, void *u)
{
	struct membuf *m = u;
	sf_count_t pos = whence == SEEK_SET ? off :
			 whence == SEEK_CUR ? m->pos + off : m->len + off;

	if (pos < 0)
		return -1;
	m->pos = pos;
	return pos;
}

static sf_count_t mb_read(void *dst, sf_count_t n, void *u)
{
	struct membuf *m = u;

	if (m->pos >= m->len)
		return 0;
	if (n > m->len - m->pos)
		n = m->len - m->pos;
	memcpy(dst, m->p + m->pos, n);
	m->pos += n;
	return n;
}

static sf_count_t mb_write(const void *src, sf_count_t n, void *u)
{
	struct membuf *m = u;

	if (m->pos + n > m->cap) {
		sf_count_t nc = m->cap ? m->cap : 1 << 20;
		unsigned char *np;

		while (nc < m->pos + n)
			nc *= 2;
		np = realloc(m->p, nc);
		if (!np) {
			m->oom = 1;
			return 0;
		}
		m->p = np;
		m->cap = nc;
	}
	if (m->pos > m->len)
		memset(m->p + m->len, 0, m->pos - m->len);
	memcpy(m->p + m->pos, src, n);
	m->pos += n;
	if (m->pos > m->len)
		m->len = m->pos;
	return n;
}

static sf_count_t mb_tell(void *u)
{
	return ((struct membuf *)u)->pos;
}

static int to_sndfile(const float *buf, size_t frames, void *data,
		      struct pp_err *err)
{
	SNDFILE *sf = data;

	if (sf_writef_float(sf, buf, (sf_count_t)frames) != (sf_count_t)frames)
		return pp_fail(err, "cannot encode audio: %s", sf_strerror(sf));
	return 0;
}

/* Renders into a sound file opened on FD (a seekable temporary file) or,
 * with FD < 0, into the memory buffer M. */
static int encode(const struct pp_notes *p, enum pp_synth_format format,
		  const struct pp_synth_opts *o, int fd, struct membuf *m,
		  struct pp_err *err)
{
	SF_VIRTUAL_IO io = { mb_len, mb_seek, mb_read, mb_write, mb_tell };
	SF_INFO info = { 0 };
	SNDFILE *sf;
	int rc;

	info.samplerate = o->rate;
	info.channels = o->channels;
	info.format = (format == PP_SYNTH_FLAC ? SF_FORMAT_FLAC :
		       SF_FORMAT_WAV) | SF_FORMAT_PCM_16;
	sf = fd >= 0 ? sf_open_fd(fd, SFM_WRITE, &info, SF_FALSE) :
		       sf_open_virtual(&io, SFM_WRITE, &info, m);
	if (!sf)
		return pp_fail(err, "cannot encode audio: %s",
			       sf_strerror(NULL));
	sf_command(sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
	rc = render(p, o, to_sndfile, sf, err);
	if (sf_close(sf) != 0 && rc == 0)
		rc = pp_fail(err, "cannot encode audio");
	if (m && m->oom && rc == 0)
		rc = pp_fail(err, "out of memory");
	return rc;
}

int pp_synth_save(const char *path, enum pp_synth_format format,
		  const struct pp_notes *p, const struct pp_synth_opts *o,
		  struct pp_err *err)
{
	struct membuf m = { 0 };
	struct pp_out out;
	int rc;

	if (pp_out_open(&out, path, err) < 0)
		return -1;
	if (out.tmp) {
		/* A temporary file: libsndfile writes (and seeks) in it
		 * directly, in constant memory. */
		rc = encode(p, format, o, fileno(out.fp), NULL, err);
	} else {
		/* stdout or a device cannot seek back to fix the header:
		 * encode in memory, then write. */
		rc = encode(p, format, o, -1, &m, err);
		if (rc == 0 && fwrite(m.p, 1, (size_t)m.len, out.fp) !=
			       (size_t)m.len)
			rc = pp_fail(err, "'%s': write error",
				     pp_out_name(&out));
		free(m.p);
	}
	if (rc < 0) {
		pp_out_abort(&out);
		return -1;
	}
	return pp_out_commit(&out, err);
}
