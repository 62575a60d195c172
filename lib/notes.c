/*
 * notes.c - the notes/1 performance record (see notes.h).
 */
#include "notes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "io.h"
#include "midi.h"

void pp_notes_init(struct pp_notes *p)
{
	memset(p, 0, sizeof(*p));
}

void pp_notes_free(struct pp_notes *p)
{
	free(p->source);
	free(p->notes);
	free(p->pedal);
	free(p->soft);
	free(p->controls);
	pp_notes_init(p);
}

int pp_notes_set_source(struct pp_notes *p, const char *source,
			struct pp_err *err)
{
	char *s = source ? strdup(source) : NULL;

	if (source && !s)
		return pp_fail(err, "out of memory");
	free(p->source);
	p->source = s;
	return 0;
}

/* Grows *ARR (element size SIZE) so that it holds at least N + 1. */
static int grow(void **arr, size_t *cap, size_t n, size_t size,
		struct pp_err *err)
{
	size_t nc;
	void *na;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 256;
	na = realloc(*arr, nc * size);
	if (!na)
		return pp_fail(err, "out of memory");
	*arr = na;
	*cap = nc;
	return 0;
}

static int valid_time(double t)
{
	return isfinite(t) && t >= 0;
}

int pp_notes_add(struct pp_notes *p, int pitch, double onset, double offset,
		 int velocity, struct pp_err *err)
{
	if (pitch < 0 || pitch > 127)
		return pp_fail(err, "pitch %d out of range 0-127", pitch);
	if (velocity < 0 || velocity > 127)
		return pp_fail(err, "velocity %d out of range 0-127", velocity);
	if (!valid_time(onset))
		return pp_fail(err, "onset %g is not a time >= 0", onset);
	if (!valid_time(offset))
		return pp_fail(err, "offset %g is not a time >= 0", offset);
	if (offset < onset)
		return pp_fail(err, "offset %g before onset %g", offset, onset);
	if (grow((void **)&p->notes, &p->cap_notes, p->n_notes,
		 sizeof(*p->notes), err) < 0)
		return -1;
	p->notes[p->n_notes++] = (struct pp_note){ pitch, onset, offset,
						   velocity };
	return 0;
}

int pp_notes_add_control(struct pp_notes *p, double time, int number,
			 int value, struct pp_err *err)
{
	if (number < 0 || number > 127)
		return pp_fail(err, "controller number %d out of range 0-127",
			       number);
	if (value < 0 || value > 127)
		return pp_fail(err, "controller value %d out of range 0-127",
			       value);
	if (!valid_time(time))
		return pp_fail(err, "time %g is not a time >= 0", time);
	if (grow((void **)&p->controls, &p->cap_controls, p->n_controls,
		 sizeof(*p->controls), err) < 0)
		return -1;
	p->controls[p->n_controls++] = (struct pp_ctrl){ time, number, value };
	return 0;
}

static int cmp_note(const void *a, const void *b)
{
	const struct pp_note *x = a, *y = b;

	if (x->onset != y->onset)
		return x->onset < y->onset ? -1 : 1;
	if (x->pitch != y->pitch)
		return x->pitch - y->pitch;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->velocity - y->velocity;
}

void pp_notes_sort(struct pp_notes *p)
{
	if (p->n_notes > 1)
		qsort(p->notes, p->n_notes, sizeof(*p->notes), cmp_note);
	/* Insertion sort keeps file order at equal times (qsort is not
	 * stable) and is linear on the already sorted input of a MIDI file. */
	for (size_t i = 1; i < p->n_controls; i++) {
		struct pp_ctrl c = p->controls[i];
		size_t j = i;

		while (j > 0 && p->controls[j - 1].time > c.time) {
			p->controls[j] = p->controls[j - 1];
			j--;
		}
		p->controls[j] = c;
	}
}

double pp_notes_end(const struct pp_notes *p)
{
	double end = 0;

	for (size_t i = 0; i < p->n_notes; i++)
		end = fmax(end, p->notes[i].offset);
	for (size_t i = 0; i < p->n_pedal; i++)
		end = fmax(end, p->pedal[i].offset);
	for (size_t i = 0; i < p->n_soft; i++)
		end = fmax(end, p->soft[i].offset);
	for (size_t i = 0; i < p->n_controls; i++)
		end = fmax(end, p->controls[i].time);
	return end;
}

/* The down intervals of controller NUMBER, in a new array. */
static int intervals(const struct pp_notes *p, int number, double end,
		     struct pp_interval **out, size_t *n, struct pp_err *err)
{
	struct pp_interval *iv = NULL;
	size_t cap = 0, k = 0;
	double down = -1;

	for (size_t i = 0; i < p->n_controls; i++) {
		const struct pp_ctrl *c = &p->controls[i];

		if (c->number != number)
			continue;
		if (c->value >= PP_PEDAL_DOWN && down < 0) {
			down = c->time;
		} else if (c->value < PP_PEDAL_DOWN && down >= 0) {
			if (grow((void **)&iv, &cap, k, sizeof(*iv), err) < 0) {
				free(iv);
				return -1;
			}
			iv[k++] = (struct pp_interval){ down, c->time };
			down = -1;
		}
	}
	if (down >= 0) {
		if (grow((void **)&iv, &cap, k, sizeof(*iv), err) < 0) {
			free(iv);
			return -1;
		}
		iv[k++] = (struct pp_interval){ down, fmax(down, end) };
	}
	*out = iv;
	*n = k;
	return 0;
}

int pp_notes_derive_pedals(struct pp_notes *p, struct pp_err *err)
{
	struct pp_interval *ped, *soft;
	size_t np, ns;
	double end;

	if (p->n_controls == 0)
		return 0;
	free(p->pedal);
	free(p->soft);
	p->pedal = p->soft = NULL;
	p->n_pedal = p->n_soft = 0;
	end = fmax(p->duration, pp_notes_end(p));
	if (intervals(p, PP_CC_SUSTAIN, end, &ped, &np, err) < 0)
		return -1;
	if (intervals(p, PP_CC_SOFT, end, &soft, &ns, err) < 0) {
		free(ped);
		return -1;
	}
	p->pedal = ped;
	p->n_pedal = np;
	p->soft = soft;
	p->n_soft = ns;
	return 0;
}

int pp_notes_finish(struct pp_notes *p, struct pp_err *err)
{
	pp_notes_sort(p);
	if (pp_notes_derive_pedals(p, err) < 0)
		return -1;
	p->duration = fmax(p->duration, pp_notes_end(p));
	return 0;
}

/* --- notes/1 JSON ------------------------------------------------------ */

/* An integer member in [0, 127]; integral reals (64.0) are accepted. */
static int midi_int(const json_t *obj, const char *key, int *out,
		    const char *where, struct pp_err *err)
{
	double v;

	if (pp_json_number(obj, key, &v, where, err) < 0)
		return -1;
	if (v != floor(v))
		return pp_fail(err, "%s: %s %g is not an integer", where, key,
			       v);
	if (v < 0 || v > 127)
		return pp_fail(err, "%s: %s %g out of range 0-127", where, key,
			       v);
	*out = (int)v;
	return 0;
}

/* A time member: a finite number >= 0. */
static int time_member(const json_t *obj, const char *key, double *out,
		       const char *where, struct pp_err *err)
{
	if (pp_json_number(obj, key, out, where, err) < 0)
		return -1;
	if (!valid_time(*out))
		return pp_fail(err, "%s: %s %g is not a time >= 0", where, key,
			       *out);
	return 0;
}

static int note_from_json(const json_t *o, const char *where,
			  struct pp_notes *p, struct pp_err *err)
{
	int pitch, vel;
	double on, off;

	if (!json_is_object(o))
		return pp_fail(err, "%s: not an object", where);
	if (midi_int(o, "pitch", &pitch, where, err) < 0 ||
	    time_member(o, "onset", &on, where, err) < 0 ||
	    time_member(o, "offset", &off, where, err) < 0 ||
	    midi_int(o, "velocity", &vel, where, err) < 0)
		return -1;
	if (off < on)
		return pp_fail(err, "%s: offset %g before onset %g", where, off,
			       on);
	return pp_notes_add(p, pitch, on, off, vel, err);
}

static int ctrl_from_json(const json_t *o, const char *where,
			  struct pp_notes *p, struct pp_err *err)
{
	int num, val;
	double t;

	if (!json_is_object(o))
		return pp_fail(err, "%s: not an object", where);
	if (time_member(o, "time", &t, where, err) < 0 ||
	    midi_int(o, "number", &num, where, err) < 0 ||
	    midi_int(o, "value", &val, where, err) < 0)
		return -1;
	return pp_notes_add_control(p, t, num, val, err);
}

static int intervals_from_json(const json_t *arr, const char *name,
			       const char *key, struct pp_interval **out,
			       size_t *n, struct pp_err *err)
{
	size_t len = json_array_size(arr);
	char where[512];

	*out = NULL;
	*n = 0;
	if (len == 0)
		return 0;
	*out = calloc(len, sizeof(**out));
	if (!*out)
		return pp_fail(err, "'%s': out of memory", name);
	for (size_t i = 0; i < len; i++) {
		const json_t *o = json_array_get(arr, i);
		struct pp_interval *iv = &(*out)[i];

		snprintf(where, sizeof(where), "'%s': %s[%zu]", name, key, i);
		if (!json_is_object(o))
			return pp_fail(err, "%s: not an object", where);
		if (time_member(o, "onset", &iv->onset, where, err) < 0 ||
		    time_member(o, "offset", &iv->offset, where, err) < 0)
			return -1;
		if (iv->offset < iv->onset)
			return pp_fail(err, "%s: offset %g before onset %g",
				       where, iv->offset, iv->onset);
		*n = i + 1;
	}
	return 0;
}

/* An optional array member: absent or null gives *ARR = NULL. */
static int opt_array(const json_t *doc, const char *key, const json_t **arr,
		     const char *name, struct pp_err *err)
{
	const json_t *v = json_object_get(doc, key);

	*arr = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return pp_fail(err, "'%s': member '%s' is not an array", name,
			       key);
	*arr = v;
	return 0;
}

static int from_json(const json_t *doc, const char *name, struct pp_notes *p,
		     struct pp_err *err)
{
	static const char *const accepted[] = { "notes/1", NULL };
	const json_t *pedal, *soft, *ctrls, *v;
	json_t *notes;
	const char *source = name;
	char where[512];
	double dur = 0;

	snprintf(where, sizeof(where), "'%s'", name);
	if (pp_doc_check(doc, name, accepted, err) < 0 ||
	    pp_json_array(doc, "notes", &notes, where, err) < 0 ||
	    opt_array(doc, "pedal", &pedal, name, err) < 0 ||
	    opt_array(doc, "soft", &soft, name, err) < 0 ||
	    opt_array(doc, "controls", &ctrls, name, err) < 0)
		return -1;
	v = json_object_get(doc, "source");
	if (v && !json_is_null(v) &&
	    pp_json_string(doc, "source", &source, where, err) < 0)
		return -1;
	if (json_object_get(doc, "duration") &&
	    !json_is_null(json_object_get(doc, "duration")) &&
	    time_member(doc, "duration", &dur, where, err) < 0)
		return -1;
	v = json_object_get(doc, "ticks_per_quarter");
	if (v && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 32767)
			return pp_fail(err, "'%s': ticks_per_quarter is not an "
				       "integer in 0-32767", name);
		p->ticks_per_quarter = (int)json_integer_value(v);
	}
	if (pp_notes_set_source(p, source, err) < 0)
		return -1;
	p->duration = dur;
	for (size_t i = 0; i < json_array_size(notes); i++) {
		snprintf(where, sizeof(where), "'%s': notes[%zu]", name, i);
		if (note_from_json(json_array_get(notes, i), where, p, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < json_array_size(ctrls); i++) {
		snprintf(where, sizeof(where), "'%s': controls[%zu]", name, i);
		if (ctrl_from_json(json_array_get(ctrls, i), where, p, err) < 0)
			return -1;
	}
	if (intervals_from_json(pedal, name, "pedal", &p->pedal, &p->n_pedal,
				err) < 0 ||
	    intervals_from_json(soft, name, "soft", &p->soft, &p->n_soft,
				err) < 0)
		return -1;
	/* Given intervals win over controls: the producer knows best. */
	pp_notes_sort(p);
	if (!pedal && !soft && pp_notes_derive_pedals(p, err) < 0)
		return -1;
	p->duration = fmax(p->duration, pp_notes_end(p));
	return 0;
}

int pp_notes_from_json(const json_t *doc, const char *name,
		       struct pp_notes *out, struct pp_err *err)
{
	pp_notes_free(out);
	if (from_json(doc, name, out, err) < 0) {
		pp_notes_free(out);
		return -1;
	}
	return 0;
}

static json_t *intervals_to_json(const struct pp_interval *iv, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();

		pp_json_set_real(o, "onset", iv[i].onset);
		pp_json_set_real(o, "offset", iv[i].offset);
		json_array_append_new(arr, o);
	}
	return arr;
}

json_t *pp_notes_to_json(const struct pp_notes *p)
{
	json_t *doc = pp_doc_new("notes/1"), *notes = json_array();

	json_object_set_new(doc, "source",
			    p->source ? json_string(p->source) : json_null());
	pp_json_set_real(doc, "duration", fmax(p->duration, pp_notes_end(p)));
	for (size_t i = 0; i < p->n_notes; i++) {
		const struct pp_note *n = &p->notes[i];
		json_t *o = json_object();

		json_object_set_new(o, "pitch", json_integer(n->pitch));
		pp_json_set_real(o, "onset", n->onset);
		pp_json_set_real(o, "offset", n->offset);
		json_object_set_new(o, "velocity", json_integer(n->velocity));
		json_array_append_new(notes, o);
	}
	json_object_set_new(doc, "notes", notes);
	json_object_set_new(doc, "pedal", intervals_to_json(p->pedal,
							    p->n_pedal));
	json_object_set_new(doc, "soft", intervals_to_json(p->soft, p->n_soft));
	if (p->n_controls) {
		json_t *arr = json_array();

		for (size_t i = 0; i < p->n_controls; i++) {
			const struct pp_ctrl *c = &p->controls[i];
			json_t *o = json_object();

			pp_json_set_real(o, "time", c->time);
			json_object_set_new(o, "number", json_integer(c->number));
			json_object_set_new(o, "value", json_integer(c->value));
			json_array_append_new(arr, o);
		}
		json_object_set_new(doc, "controls", arr);
	}
	if (p->ticks_per_quarter > 0)
		json_object_set_new(doc, "ticks_per_quarter",
				    json_integer(p->ticks_per_quarter));
	return doc;
}

int pp_notes_update_json(json_t *doc, const struct pp_notes *p)
{
	json_t *mine;

	if (!json_is_object(doc))
		return -1;
	mine = pp_notes_to_json(p);
	json_object_update(doc, mine);
	json_decref(mine);
	pp_doc_set_format(doc, "notes/1");
	return 0;
}

int pp_notes_is_midi(const char *buf, size_t len)
{
	return len >= 4 && memcmp(buf, "MThd", 4) == 0;
}

int pp_notes_parse(const char *buf, size_t len, const char *name,
		   struct pp_notes *out, struct pp_err *err)
{
	json_t *doc;
	int rc;

	size_t i = 0;

	if (pp_notes_is_midi(buf, len))
		return pp_midi_parse(buf, len, name, out, err);
	pp_notes_free(out);
	while (i < len && strchr(" \t\r\n", buf[i]) && buf[i])
		i++;
	if (i == len || buf[i] != '{')
		return pp_fail(err, "'%s': neither a MIDI file nor a notes/1 "
			       "JSON document", name);
	if (pp_doc_parse(buf, len, name, NULL, &doc, err) < 0)
		return -1;
	rc = pp_notes_from_json(doc, name, out, err);
	json_decref(doc);
	return rc;
}

int pp_notes_load(const char *path, struct pp_notes *out, struct pp_err *err)
{
	char *buf;
	size_t len;
	int rc;

	pp_notes_free(out);
	if (pp_read_all(path, &buf, &len, err) < 0)
		return -1;
	rc = pp_notes_parse(buf, len, pp_io_name(path), out, err);
	free(buf);
	return rc;
}
