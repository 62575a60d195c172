/*
 * audio.c - audio input through libsndfile and libsamplerate (see audio.h).
 */
#include "audio.h"

#include <errno.h>
#include <fcntl.h>
#include <samplerate.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"

#define BLOCK 4096 /* native frames read at a time */

struct pp_audio {
	SNDFILE *sf;
	SF_INFO sfi;
	char *name;            /* for messages */
	int rate;              /* output rate */
	int quality;           /* libsamplerate converter type */
	SRC_STATE *src;        /* NULL: no resampling (or not yet made) */
	float *tmp;            /* [BLOCK * channels] interleaved */
	float *in;             /* [BLOCK] mono, pending input */
	long in_n, in_pos;
	int eof, done, started;
};

/* --- stdin ----------------------------------------------------------------
 * libsndfile needs to seek in most formats. Standard input that is a
 * regular file (a redirection) is used as it is; a pipe is first copied
 * into a nameless temporary file, so that memory stays bounded however
 * long the recording (the disk holds it instead). */

static int stdin_fd(const char *name, struct pp_err *err)
{
	struct stat st;
	char dir[256], buf[1 << 16];
	int fd;

	if (fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode) &&
	    lseek(STDIN_FILENO, 0, SEEK_CUR) == 0) {
		fd = dup(STDIN_FILENO);
		if (fd < 0)
			return pp_fail(err, "'%s': %s", name, strerror(errno));
		return fd;
	}
	fd = pp_io_tmpfd(dir, sizeof dir, err);
	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t r = read(STDIN_FILENO, buf, sizeof buf);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			pp_fail(err, "'%s': read error: %s", name, strerror(errno));
			break;
		}
		if (r == 0) {
			if (lseek(fd, 0, SEEK_SET) == 0)
				return fd;
			pp_fail(err, "'%s': %s", name, strerror(errno));
			break;
		}
		if (pp_io_write_all(fd, buf, (size_t)r) < 0) {
			pp_fail(err, "'%s': copying to a temporary file in '%s': %s",
				name, dir, strerror(errno));
			break;
		}
	}
	close(fd);
	return -1;
}

/* --- opening ------------------------------------------------------------ */

static int open_sf(struct pp_audio *a, const char *path, struct pp_err *err)
{
	int fd;

	if (pp_io_is_std(path)) {
		fd = stdin_fd(a->name, err);
		if (fd < 0)
			return -1;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return pp_fail(err, "'%s': cannot open: %s", a->name,
				       strerror(errno));
	}
	a->sf = sf_open_fd(fd, SFM_READ, &a->sfi, SF_TRUE);
	if (!a->sf) {
		close(fd);
		return pp_fail(err, "'%s': not an audio file (libsndfile: %s)",
			       a->name, sf_strerror(NULL));
	}
	if (a->sfi.channels < 1 || a->sfi.channels > 256 ||
	    a->sfi.samplerate < 1 || a->sfi.samplerate > PP_AUDIO_MAX_RATE)
		return pp_fail(err, "'%s': not an audio file (%d channels at "
			       "%d Hz)", a->name, a->sfi.channels,
			       a->sfi.samplerate);
	return 0;
}

int pp_audio_open(struct pp_audio **out, const char *path, int rate,
		  struct pp_err *err)
{
	struct pp_audio *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (!a)
		return pp_fail(err, "out of memory");
	a->quality = SRC_SINC_BEST_QUALITY;
	a->name = strdup(pp_io_name(path));
	if (!a->name) {
		free(a);
		return pp_fail(err, "out of memory");
	}
	if (rate < 0 || rate > PP_AUDIO_MAX_RATE) {
		pp_fail(err, "'%s': sample rate %d Hz out of range 1-%d",
			a->name, rate, PP_AUDIO_MAX_RATE);
		goto fail;
	}
	if (open_sf(a, path, err) < 0)
		goto fail;
	a->rate = rate ? rate : a->sfi.samplerate;
	if ((double)a->rate / a->sfi.samplerate > 256 ||
	    (double)a->sfi.samplerate / a->rate > 256) {
		pp_fail(err, "'%s': cannot resample %d Hz to %d Hz (ratio "
			"beyond 256)", a->name, a->sfi.samplerate, a->rate);
		goto fail;
	}
	a->tmp = malloc(sizeof(float) * BLOCK * a->sfi.channels);
	a->in = malloc(sizeof(float) * BLOCK);
	if (!a->tmp || !a->in) {
		pp_fail(err, "out of memory");
		goto fail;
	}
	*out = a;
	return 0;
fail:
	pp_audio_close(a);
	return -1;
}

void pp_audio_info(const struct pp_audio *a, struct pp_audio_info *info)
{
	info->native_rate = a->sfi.samplerate;
	info->channels = a->sfi.channels;
	info->frames = a->sfi.frames;
	info->rate = a->rate;
	info->duration = (double)a->sfi.frames / a->sfi.samplerate;
}

int pp_audio_set_quality(struct pp_audio *a, int src_type, struct pp_err *err)
{
	if (a->started)
		return pp_fail(err, "'%s': converter chosen after reading began",
			       a->name);
	if (!src_get_name(src_type))
		return pp_fail(err, "unknown resampler type %d", src_type);
	a->quality = src_type;
	return 0;
}

void pp_audio_close(struct pp_audio *a)
{
	if (!a)
		return;
	if (a->sf)
		sf_close(a->sf);
	if (a->src)
		src_delete(a->src);
	free(a->tmp);
	free(a->in);
	free(a->name);
	free(a);
}

/* --- reading ------------------------------------------------------------ */

/* Reads the next block of native frames, downmixed, into a->in. */
static int refill(struct pp_audio *a, struct pp_err *err)
{
	int ch = a->sfi.channels;
	sf_count_t n = sf_readf_float(a->sf, a->tmp, BLOCK);

	if (n < 0 || (n == 0 && sf_error(a->sf) != SF_ERR_NO_ERROR))
		return pp_fail(err, "'%s': read error: %s", a->name,
			       sf_strerror(a->sf));
	for (sf_count_t i = 0; i < n; i++) {
		float s = 0;

		for (int c = 0; c < ch; c++)
			s += a->tmp[i * ch + c];
		a->in[i] = s / ch;
	}
	a->in_n = (long)n;
	a->in_pos = 0;
	if (n == 0)
		a->eof = 1;
	return 0;
}

static int start(struct pp_audio *a, struct pp_err *err)
{
	int e = 0;

	a->started = 1;
	if (a->rate == a->sfi.samplerate)
		return 0;
	a->src = src_new(a->quality, 1, &e);
	if (!a->src)
		return pp_fail(err, "'%s': resampler: %s", a->name,
			       src_strerror(e));
	return 0;
}

long pp_audio_read(struct pp_audio *a, float *out, size_t max,
		   struct pp_err *err)
{
	size_t got = 0;

	if (!a->started && start(a, err) < 0)
		return -1;
	while (got < max && !a->done) {
		SRC_DATA d;
		int e;

		if (a->in_pos == a->in_n && !a->eof && refill(a, err) < 0)
			return -1;
		if (!a->src) {
			size_t k = (size_t)(a->in_n - a->in_pos);

			if (k > max - got)
				k = max - got;
			memcpy(out + got, a->in + a->in_pos, k * sizeof(float));
			a->in_pos += (long)k;
			got += k;
			if (a->eof)
				a->done = 1;
			continue;
		}
		d = (SRC_DATA){
			.data_in = a->in + a->in_pos,
			.data_out = out + got,
			.input_frames = a->in_n - a->in_pos,
			.output_frames = (long)(max - got),
			.end_of_input = a->eof,
			.src_ratio = (double)a->rate / a->sfi.samplerate,
		};
		e = src_process(a->src, &d);
		if (e)
			return pp_fail(err, "'%s': resampler: %s", a->name,
				       src_strerror(e));
		a->in_pos += d.input_frames_used;
		got += (size_t)d.output_frames_gen;
		if (a->eof && d.output_frames_gen == 0)
			a->done = 1;
	}
	return (long)got;
}

int pp_audio_load(const char *path, int rate, float **samples, size_t *n,
		  int *native_rate, struct pp_err *err)
{
	struct pp_audio *a;
	float *buf = NULL;
	size_t cap, len = 0;
	long got;

	*samples = NULL;
	*n = 0;
	if (pp_audio_open(&a, path, rate, err) < 0)
		return -1;
	if (native_rate)
		*native_rate = a->sfi.samplerate;
	cap = 65536;
	do {
		if (len + BLOCK > cap || !buf) {
			float *nb;

			while (len + BLOCK > cap)
				cap *= 2;
			nb = realloc(buf, cap * sizeof(float));
			if (!nb) {
				free(buf);
				pp_audio_close(a);
				return pp_fail(err, "'%s': out of memory",
					       pp_io_name(path));
			}
			buf = nb;
		}
		got = pp_audio_read(a, buf + len, BLOCK, err);
		if (got > 0)
			len += (size_t)got;
	} while (got > 0);
	pp_audio_close(a);
	if (got < 0) {
		free(buf);
		return -1;
	}
	*samples = buf;
	*n = len;
	return 0;
}
