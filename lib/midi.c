/*
 * midi.c - Standard MIDI Files through libsmf (see midi.h).
 *
 * Reading is two steps. First our own strict parser walks the chunks and
 * events and writes a canonical copy of the file: every event with an
 * explicit status byte, only the events pp keeps (notes, CC64/66/67,
 * tempo, end of track), unknown chunks dropped. libsmf 1.3 mishandles some
 * valid input (meta events longer than 127 bytes, running status after a
 * meta event) and trusts lengths in corrupt input, so it only ever sees
 * this canonical copy. Then libsmf merges the tracks and applies the tempo
 * map, and we pair note-ons with note-offs.
 */
#include "midi.h"

#include <glib.h>
#include <limits.h>
#include <math.h>
#include <smf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "io.h"

/* --- a growing byte buffer -------------------------------------------- */

struct bytes {
	unsigned char *p;
	size_t n, cap;
	int oom;
};

static void put(struct bytes *b, const void *src, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n > b->cap) {
		size_t nc = b->cap ? b->cap : 1024;
		unsigned char *np;

		while (nc < b->n + n)
			nc *= 2;
		np = realloc(b->p, nc);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->n, src, n);
	b->n += n;
}

static void put_u32(struct bytes *b, uint32_t v)
{
	unsigned char c[4] = { v >> 24, v >> 16, v >> 8, v };

	put(b, c, 4);
}

static void put_vlq(struct bytes *b, uint32_t v)
{
	unsigned char c[4];
	int n = 0;

	do {
		c[n++] = v & 0x7f;
		v >>= 7;
	} while (v);
	while (n > 0) {
		unsigned char x;

		n--;
		x = c[n] | (n ? 0x80 : 0);
		put(b, &x, 1);
	}
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* --- step 1: validate and canonicalise -------------------------------- */

struct scan {
	const unsigned char *p; /* the track's events */
	size_t len, at;         /* chunk length, position in it */
	size_t base;            /* file offset of p, for messages */
	const char *name;
	int track;              /* 1-based, for messages */
};

static int truncated(const struct scan *s, struct pp_err *err)
{
	return pp_fail(err, "'%s': truncated MIDI track %d", s->name, s->track);
}

static int read_vlq(struct scan *s, uint32_t *v, struct pp_err *err)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		if (s->at >= s->len)
			return truncated(s, err);
		unsigned char c = s->p[s->at++];

		*v = *v << 7 | (c & 0x7f);
		if (!(c & 0x80))
			return 0;
	}
	return pp_fail(err, "'%s': byte %zu: variable-length number longer "
		       "than 4 bytes", s->name, s->base + s->at);
}

/* Data bytes of a channel message with status ST. */
static int channel_data_len(int st)
{
	return (st & 0xf0) == 0xc0 || (st & 0xf0) == 0xd0 ? 1 : 2;
}

static int kept_control(int cc)
{
	return cc == PP_CC_SUSTAIN || cc == PP_CC_SOSTENUTO || cc == PP_CC_SOFT;
}

/* Copies one track's kept events into OUT (as a whole MTrk chunk). */
static int canon_track(struct scan *s, struct bytes *out, struct pp_err *err)
{
	struct bytes t = { 0 };
	uint64_t tick = 0, last = 0; /* absolute ticks: all, written */
	int running = 0, rc = -1;

	while (s->at < s->len) {
		uint32_t delta, mlen;
		size_t ev = s->base + s->at;
		int st;

		if (read_vlq(s, &delta, err) < 0)
			goto out;
		tick += delta;
		if (tick > INT_MAX / 2) {
			pp_fail(err, "'%s': track %d too long (over %d ticks)",
				s->name, s->track, INT_MAX / 2);
			goto out;
		}
		if (s->at >= s->len) {
			truncated(s, err);
			goto out;
		}
		st = s->p[s->at];
		if (st & 0x80)
			s->at++;
		else if (!running) {
			pp_fail(err, "'%s': byte %zu: running status with no "
				"status byte before it", s->name, ev);
			goto out;
		} else
			st = running;
		if (st == 0xff || st == 0xf0 || st == 0xf7) {
			int type = -1;

			if (st == 0xff) {
				if (s->at >= s->len) {
					truncated(s, err);
					goto out;
				}
				type = s->p[s->at++];
			}
			if (read_vlq(s, &mlen, err) < 0)
				goto out;
			if (mlen > s->len - s->at) {
				truncated(s, err);
				goto out;
			}
			if (type == 0x2f) /* end of track */
				break;
			if (type == 0x51) {
				const unsigned char *d = s->p + s->at;
				unsigned char ev6[6] = { 0xff, 0x51, 3 };

				if (mlen != 3 || (d[0] | d[1] | d[2]) == 0) {
					pp_fail(err, "'%s': byte %zu: corrupt "
						"tempo event", s->name, ev);
					goto out;
				}
				memcpy(ev6 + 3, d, 3);
				put_vlq(&t, (uint32_t)(tick - last));
				put(&t, ev6, 6);
				last = tick;
			}
			s->at += mlen;
			continue;
		}
		if (st >= 0xf0) {
			pp_fail(err, "'%s': byte %zu: unexpected status byte "
				"0x%02X in a MIDI file", s->name, ev, st);
			goto out;
		}
		running = st;
		int n = channel_data_len(st);
		unsigned char msg[3] = { st };

		if ((size_t)n > s->len - s->at) {
			truncated(s, err);
			goto out;
		}
		for (int i = 0; i < n; i++) {
			msg[1 + i] = s->p[s->at++];
			if (msg[1 + i] & 0x80) {
				pp_fail(err, "'%s': byte %zu: corrupt MIDI "
					"event (data byte 0x%02X)", s->name,
					ev, msg[1 + i]);
				goto out;
			}
		}
		if ((st & 0xe0) == 0x80 ||
		    ((st & 0xf0) == 0xb0 && kept_control(msg[1]))) {
			put_vlq(&t, (uint32_t)(tick - last));
			put(&t, msg, 3);
			last = tick;
		}
	}
	put_vlq(&t, (uint32_t)(tick - last));
	put(&t, "\xff\x2f\x00", 3);
	if (t.oom) {
		pp_fail(err, "'%s': out of memory", s->name);
		goto out;
	}
	put(out, "MTrk", 4);
	put_u32(out, (uint32_t)t.n);
	put(out, t.p, t.n);
	rc = 0;
out:
	free(t.p);
	return rc;
}

static int canon_header(const unsigned char *p, size_t len, const char *name,
			int *ntracks, int *tpq, struct pp_err *err)
{
	int format, division;
	uint32_t hlen;

	if (len < 4 || memcmp(p, "MThd", 4) != 0)
		return pp_fail(err, "'%s': not a MIDI file", name);
	if (len < 14)
		return pp_fail(err, "'%s': truncated MIDI header", name);
	hlen = be32(p + 4);
	if (hlen < 6 || hlen > len - 8)
		return pp_fail(err, "'%s': corrupt MIDI header (length %u)",
			       name, hlen);
	format = p[8] << 8 | p[9];
	*ntracks = p[10] << 8 | p[11];
	division = p[12] << 8 | p[13];
	if (format == 2)
		return pp_fail(err, "'%s': MIDI file type 2 is not supported",
			       name);
	if (format > 2)
		return pp_fail(err, "'%s': unknown MIDI file type %d", name,
			       format);
	if (*ntracks == 0)
		return pp_fail(err, "'%s': MIDI file has no tracks", name);
	if (division & 0x8000)
		return pp_fail(err, "'%s': SMPTE time division is not "
			       "supported", name);
	if (division == 0)
		return pp_fail(err, "'%s': corrupt MIDI header (0 ticks per "
			       "quarter note)", name);
	*tpq = division;
	return 0;
}

/* Validates BUF and writes its canonical copy into OUT. */
static int canonicalise(const unsigned char *p, size_t len, const char *name,
			struct bytes *out, int *tpq, struct pp_err *err)
{
	size_t at;
	int ntracks = 0, found = 0;

	if (canon_header(p, len, name, &ntracks, tpq, err) < 0)
		return -1;
	put(out, "MThd\0\0\0\6", 8);
	put(out, (const unsigned char[]){ 0, ntracks == 1 ? 0 : 1, 0, 0,
					   *tpq >> 8, *tpq & 0xff }, 6);
	at = 8 + be32(p + 4);
	while (found < ntracks) {
		struct scan s = { .name = name, .track = found + 1 };
		uint32_t clen;

		if (len - at < 8)
			return pp_fail(err, "'%s': truncated MIDI file (%d of "
				       "%d tracks)", name, found, ntracks);
		clen = be32(p + at + 4);
		if (clen > len - at - 8)
			return truncated(&s, err);
		if (memcmp(p + at, "MTrk", 4) == 0) {
			s.p = p + at + 8;
			s.len = clen;
			s.base = at + 8;
			if (canon_track(&s, out, err) < 0)
				return -1;
			found++;
		}
		at += 8 + (size_t)clen;
	}
	/* The canonical header counts the tracks actually written. */
	out->p[10] = ntracks >> 8;
	out->p[11] = ntracks & 0xff;
	if (out->oom)
		return pp_fail(err, "'%s': out of memory", name);
	return 0;
}

/* --- glib messages from libsmf ---------------------------------------- */

static char smf_message[256];

static void capture(const gchar *domain, GLogLevelFlags level,
		    const gchar *msg, gpointer data)
{
	(void)domain;
	(void)level;
	(void)data;
	if (!smf_message[0] && msg)
		snprintf(smf_message, sizeof(smf_message), "%s", msg);
}

static GLogFunc quiet_begin(void)
{
	smf_message[0] = '\0';
	return g_log_set_default_handler(capture, NULL);
}

static void quiet_end(GLogFunc old)
{
	g_log_set_default_handler(old, NULL);
}

/* --- step 2: events to notes ------------------------------------------ */

struct open_note {
	int key;      /* channel * 128 + pitch */
	int tick;     /* pulses at note-on */
	double onset; /* seconds */
	int velocity;
};

struct pairing {
	struct open_note *open;
	size_t n, cap;
};

static int note_on(struct pairing *pr, int key, int tick, double t, int vel,
		   struct pp_err *err)
{
	if (pr->n == pr->cap) {
		size_t nc = pr->cap ? pr->cap * 2 : 64;
		struct open_note *no = realloc(pr->open, nc * sizeof(*no));

		if (!no)
			return pp_fail(err, "out of memory");
		pr->open = no;
		pr->cap = nc;
	}
	pr->open[pr->n++] = (struct open_note){ key, tick, t, vel };
	return 0;
}

/* Ends the oldest open note of KEY that began before TICK (FIFO). */
static int note_off(struct pairing *pr, struct pp_notes *p, int key, int tick,
		    double t, struct pp_err *err)
{
	for (size_t i = 0; i < pr->n; i++) {
		struct open_note o = pr->open[i];

		if (o.key != key || o.tick >= tick)
			continue;
		memmove(pr->open + i, pr->open + i + 1,
			(pr->n - i - 1) * sizeof(*pr->open));
		pr->n--;
		return pp_notes_add(p, o.key & 127, o.onset, fmax(t, o.onset),
				    o.velocity, err);
	}
	return 0;
}

static int smf_to_notes(smf_t *smf, struct pp_notes *p, struct pp_err *err)
{
	struct pairing pr = { 0 };
	smf_event_t *ev;
	double end = 0;
	int rc = 0;

	smf_rewind(smf);
	while (rc == 0 && (ev = smf_get_next_event(smf)) != NULL) {
		const unsigned char *m = ev->midi_buffer;
		double t = fmax(ev->time_seconds, 0);
		int kind;

		end = fmax(end, t);
		if (ev->midi_buffer_length < 3 || m[0] >= 0xf0)
			continue;
		kind = m[0] & 0xf0;
		if (kind == 0x90 && m[2] > 0)
			rc = note_on(&pr, (m[0] & 15) * 128 + m[1],
				     ev->time_pulses, t, m[2], err);
		else if (kind == 0x80 || kind == 0x90)
			rc = note_off(&pr, p, (m[0] & 15) * 128 + m[1],
				      ev->time_pulses, t, err);
		else if (kind == 0xb0)
			rc = pp_notes_add_control(p, t, m[1], m[2], err);
	}
	/* Notes never released end with the file. */
	for (size_t i = 0; rc == 0 && i < pr.n; i++)
		rc = pp_notes_add(p, pr.open[i].key & 127, pr.open[i].onset,
				  fmax(end, pr.open[i].onset),
				  pr.open[i].velocity, err);
	free(pr.open);
	p->duration = end;
	return rc;
}

int pp_midi_parse(const char *buf, size_t len, const char *name,
		  struct pp_notes *out, struct pp_err *err)
{
	struct bytes canon = { 0 };
	GLogFunc old;
	smf_t *smf;
	int tpq = 0, rc = -1;

	pp_notes_free(out);
	if (canonicalise((const unsigned char *)buf, len, name, &canon, &tpq,
			 err) < 0)
		goto out;
	if (canon.n > INT_MAX) {
		pp_fail(err, "'%s': MIDI file too large", name);
		goto out;
	}
	old = quiet_begin();
	smf = smf_load_from_memory(canon.p, (int)canon.n);
	if (!smf) {
		quiet_end(old);
		pp_fail(err, "'%s': unreadable MIDI file: %s", name,
			smf_message[0] ? smf_message : "libsmf failed");
		goto out;
	}
	rc = smf_to_notes(smf, out, err);
	smf_delete(smf);
	quiet_end(old);
	if (rc < 0) {
		pp_fail_wrap(err, "'%s'", name);
		goto out;
	}
	out->ticks_per_quarter = tpq;
	if (pp_notes_set_source(out, name, err) < 0 ||
	    pp_notes_finish(out, err) < 0)
		rc = -1;
out:
	free(canon.p);
	if (rc < 0)
		pp_notes_free(out);
	return rc;
}

int pp_midi_read(const char *path, struct pp_notes *out, struct pp_err *err)
{
	char *buf;
	size_t len;
	int rc;

	pp_notes_free(out);
	if (pp_read_all(path, &buf, &len, err) < 0)
		return -1;
	rc = pp_midi_parse(buf, len, pp_io_name(path), out, err);
	free(buf);
	return rc;
}

/* --- writing ----------------------------------------------------------- */

struct wev {
	long tick;
	int order;            /* at equal ticks: 0 off, 1 control, 2 on */
	size_t seq;           /* input order, for a stable sort */
	unsigned char msg[3];
};

static int cmp_wev(const void *a, const void *b)
{
	const struct wev *x = a, *y = b;

	if (x->tick != y->tick)
		return x->tick < y->tick ? -1 : 1;
	if (x->order != y->order)
		return x->order - y->order;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static long to_tick(double seconds)
{
	double ticks_per_s = PP_MIDI_TPQ * PP_MIDI_QPM / 60.0;

	return lround(seconds * ticks_per_s);
}

static size_t event_count(const struct pp_notes *p)
{
	if (p->n_controls)
		return 2 * p->n_notes + p->n_controls;
	return 2 * (p->n_notes + p->n_pedal + p->n_soft);
}

/* The events of P in file order, in a new array of event_count(P). */
static struct wev *events_of(const struct pp_notes *p, size_t *n)
{
	struct wev *e = calloc(event_count(p) + 1, sizeof(*e));
	size_t k = 0;

	if (!e)
		return NULL;
	for (size_t i = 0; i < p->n_notes; i++) {
		const struct pp_note *nt = &p->notes[i];
		long on = to_tick(nt->onset), off = to_tick(nt->offset);
		int vel = nt->velocity > 0 ? nt->velocity : 1;

		if (off <= on)
			off = on + 1;
		e[k] = (struct wev){ on, 2, k, { 0x90, nt->pitch, vel } };
		k++;
		e[k] = (struct wev){ off, 0, k, { 0x80, nt->pitch, 64 } };
		k++;
	}
	for (size_t i = 0; i < p->n_controls; i++) {
		const struct pp_ctrl *c = &p->controls[i];

		e[k] = (struct wev){ to_tick(c->time), 1, k,
				     { 0xb0, c->number, c->value } };
		k++;
	}
	for (int s = 0; !p->n_controls && s < 2; s++) {
		const struct pp_interval *iv = s ? p->soft : p->pedal;
		size_t niv = s ? p->n_soft : p->n_pedal;
		int cc = s ? PP_CC_SOFT : PP_CC_SUSTAIN;

		for (size_t i = 0; i < niv; i++) {
			e[k] = (struct wev){ to_tick(iv[i].onset), 1, k,
					     { 0xb0, cc, 127 } };
			k++;
			e[k] = (struct wev){ to_tick(iv[i].offset), 1, k,
					     { 0xb0, cc, 0 } };
			k++;
		}
	}
	qsort(e, k, sizeof(*e), cmp_wev);
	*n = k;
	return e;
}

static int build_smf(const struct pp_notes *p, smf_t **out,
		     struct pp_err *err)
{
	static const unsigned char tempo[6] = {
		0xff, 0x51, 3, (60000000 / PP_MIDI_QPM) >> 16,
		((60000000 / PP_MIDI_QPM) >> 8) & 0xff,
		(60000000 / PP_MIDI_QPM) & 0xff
	};
	smf_t *smf = smf_new();
	smf_track_t *track = smf_track_new();
	smf_event_t *ev;
	struct wev *e;
	size_t n;
	long last = 0;

	*out = NULL;
	if (!smf || !track || !(e = events_of(p, &n))) {
		if (track)
			smf_track_delete(track);
		if (smf)
			smf_delete(smf);
		return pp_fail(err, "out of memory");
	}
	smf_add_track(smf, track);
	if (smf_set_ppqn(smf, PP_MIDI_TPQ) || smf_set_format(smf, 0) ||
	    !(ev = smf_event_new_from_pointer((void *)tempo, 6)))
		goto fail;
	smf_track_add_event_pulses(track, ev, 0);
	for (size_t i = 0; i < n; i++) {
		if (e[i].tick > INT_MAX / 2) {
			free(e);
			smf_delete(smf);
			return pp_fail(err, "performance too long for a MIDI "
				       "file");
		}
		ev = smf_event_new_from_bytes(e[i].msg[0], e[i].msg[1],
					      e[i].msg[2]);
		if (!ev)
			goto fail;
		smf_track_add_event_pulses(track, ev, (int)e[i].tick);
		last = e[i].tick;
	}
	if (smf_track_add_eot_pulses(track, (int)last))
		goto fail;
	free(e);
	*out = smf;
	return 0;
fail:
	free(e);
	smf_delete(smf);
	return pp_fail(err, "cannot build the MIDI file%s%s",
		       smf_message[0] ? ": " : "", smf_message);
}

/* libsmf writes only to a named file: save into a private temporary file
 * and read it back. */
static int save_smf(smf_t *smf, char **buf, size_t *len, struct pp_err *err)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd, rc;

	snprintf(path, sizeof(path), "%s/pp-midi.XXXXXX",
		 dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return pp_fail(err, "cannot create a temporary file in '%s'",
			       dir && *dir ? dir : "/tmp");
	close(fd);
	rc = smf_save(smf, path);
	if (rc != 0) {
		unlink(path);
		return pp_fail(err, "cannot write the MIDI file%s%s",
			       smf_message[0] ? ": " : "", smf_message);
	}
	rc = pp_read_all(path, buf, len, err);
	unlink(path);
	return rc;
}

int pp_midi_encode(const struct pp_notes *p, char **buf, size_t *len,
		   struct pp_err *err)
{
	GLogFunc old;
	smf_t *smf;
	int rc;

	*buf = NULL;
	*len = 0;
	old = quiet_begin();
	rc = build_smf(p, &smf, err);
	if (rc == 0) {
		rc = save_smf(smf, buf, len, err);
		smf_delete(smf);
	}
	quiet_end(old);
	return rc;
}

int pp_midi_write(FILE *fp, const char *name, const struct pp_notes *p,
		  struct pp_err *err)
{
	char *buf;
	size_t len;

	if (pp_midi_encode(p, &buf, &len, err) < 0 || !buf)
		return -1;
	if (fwrite(buf, 1, len, fp) != len) {
		free(buf);
		return pp_fail(err, "'%s': write error", name);
	}
	free(buf);
	return 0;
}

int pp_midi_save(const char *path, const struct pp_notes *p,
		 struct pp_err *err)
{
	struct pp_out out;

	if (pp_out_open(&out, path, err) < 0)
		return -1;
	if (pp_midi_write(out.fp, pp_out_name(&out), p, err) < 0) {
		pp_out_abort(&out);
		return -1;
	}
	return pp_out_commit(&out, err);
}
