/*
 * safetensors.c - safetensors reading and writing (see safetensors.h).
 */
#include "safetensors.h"

#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "io.h"

static const struct {
	const char *name;
	size_t size;
} dtypes[] = {
	[PP_DT_BOOL] = { "BOOL", 1 }, [PP_DT_U8] = { "U8", 1 },
	[PP_DT_I8] = { "I8", 1 },     [PP_DT_U16] = { "U16", 2 },
	[PP_DT_I16] = { "I16", 2 },   [PP_DT_F16] = { "F16", 2 },
	[PP_DT_BF16] = { "BF16", 2 }, [PP_DT_U32] = { "U32", 4 },
	[PP_DT_I32] = { "I32", 4 },   [PP_DT_F32] = { "F32", 4 },
	[PP_DT_U64] = { "U64", 8 },   [PP_DT_I64] = { "I64", 8 },
	[PP_DT_F64] = { "F64", 8 },
};
#define NDTYPES (sizeof(dtypes) / sizeof(dtypes[0]))

size_t pp_dtype_size(enum pp_dtype dt)
{
	return dtypes[dt].size;
}

const char *pp_dtype_name(enum pp_dtype dt)
{
	return dtypes[dt].name;
}

static int dtype_from_name(const char *s, enum pp_dtype *dt)
{
	for (size_t i = 0; i < NDTYPES; i++)
		if (strcmp(dtypes[i].name, s) == 0) {
			*dt = (enum pp_dtype)i;
			return 0;
		}
	return -1;
}

void pp_st_free(struct pp_st *st)
{
	free(st->buf);
	free(st->aligned);
	json_decref(st->header);
	free(st->tensors);
	memset(st, 0, sizeof(*st));
}

static int cmp_offset(const void *a, const void *b)
{
	const struct pp_tensor *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Fills T from the header entry E (t->data is set later). */
static int parse_entry(const char *key, json_t *e, size_t datalen,
		       struct pp_tensor *t, const char *name, struct pp_err *err)
{
	json_t *dt = json_object_get(e, "dtype"), *shape = json_object_get(e, "shape");
	json_t *off = json_object_get(e, "data_offsets");
	json_int_t begin, end;
	size_t count = 1, i;

	if (!json_is_object(e))
		return pp_fail(err, "'%s': tensor '%s': header entry is not an object", name, key);
	t->name = key;
	if (!json_is_string(dt) || dtype_from_name(json_string_value(dt), &t->dtype) < 0)
		return pp_fail(err, "'%s': tensor '%s': unknown dtype", name, key);
	if (!json_is_array(shape) || json_array_size(shape) > PP_ST_MAX_DIMS)
		return pp_fail(err, "'%s': tensor '%s': bad shape", name, key);
	t->ndim = (int)json_array_size(shape);
	for (i = 0; i < json_array_size(shape); i++) {
		json_t *d = json_array_get(shape, i);
		json_int_t v = json_is_integer(d) ? json_integer_value(d) : -1;

		if (v < 0 || (v > 0 && count > SIZE_MAX / 16 / (size_t)v))
			return pp_fail(err, "'%s': tensor '%s': bad shape", name, key);
		t->shape[i] = v;
		count *= (size_t)v;
	}
	t->count = count;
	t->nbytes = count * dtypes[t->dtype].size;
	if (!json_is_array(off) || json_array_size(off) != 2 ||
	    !json_is_integer(json_array_get(off, 0)) ||
	    !json_is_integer(json_array_get(off, 1)))
		return pp_fail(err, "'%s': tensor '%s': bad data_offsets", name, key);
	begin = json_integer_value(json_array_get(off, 0));
	end = json_integer_value(json_array_get(off, 1));
	if (begin < 0 || end < begin || (size_t)end > datalen)
		return pp_fail(err, "'%s': tensor '%s': data_offsets [%lld, %lld] outside the %zu-byte data",
			       name, key, (long long)begin, (long long)end, datalen);
	if ((size_t)(end - begin) != t->nbytes)
		return pp_fail(err, "'%s': tensor '%s': %lld bytes of data for a shape of %zu bytes",
			       name, key, (long long)(end - begin), t->nbytes);
	t->offset = (size_t)begin;
	return 0;
}

static int check_metadata(json_t *meta, const char *name, struct pp_err *err)
{
	const char *k;
	json_t *v;

	if (!json_is_object(meta))
		return pp_fail(err, "'%s': __metadata__ is not an object", name);
	json_object_foreach(meta, k, v)
		if (!json_is_string(v))
			return pp_fail(err, "'%s': __metadata__ value '%s' is not a string", name, k);
	return 0;
}

/* Sorts by offset and checks that the tensors tile the data exactly. */
static int check_tiling(struct pp_st *st, size_t datalen, const char *name,
			struct pp_err *err)
{
	size_t pos = 0;

	qsort(st->tensors, st->ntensors, sizeof(*st->tensors), cmp_offset);
	for (size_t i = 0; i < st->ntensors; i++) {
		size_t b = st->tensors[i].offset;

		if (b != pos)
			return pp_fail(err, "'%s': tensor '%s': %s at byte %zu of the data",
				       name, st->tensors[i].name,
				       b < pos ? "overlaps another tensor" : "gap before it", b);
		pos = b + st->tensors[i].nbytes;
	}
	if (pos != datalen)
		return pp_fail(err, "'%s': %zu bytes of data belong to no tensor", name, datalen - pos);
	return 0;
}

int pp_st_parse(char *buf, size_t len, const char *name, struct pp_st *st,
		struct pp_err *err)
{
	uint64_t hlen = 0;
	json_error_t je;
	const char *key, *data;
	json_t *e;
	size_t datalen, i = 0;

	memset(st, 0, sizeof(*st));
	st->buf = buf;
	if (len < 8)
		return pp_fail(err, "'%s': not a safetensors file (%zu bytes)", name, len);
	for (int b = 7; b >= 0; b--)
		hlen = hlen << 8 | (unsigned char)buf[b];
	if (hlen < 2 || hlen > PP_ST_MAX_HEADER || hlen > len - 8)
		return pp_fail(err, "'%s': not a safetensors file (header length %llu for %zu bytes)",
			       name, (unsigned long long)hlen, len);
	st->header = json_loadb(buf + 8, hlen, JSON_REJECT_DUPLICATES, &je);
	if (!st->header)
		return pp_fail(err, "'%s': corrupt safetensors header: %s", name, je.text);
	if (!json_is_object(st->header))
		return pp_fail(err, "'%s': corrupt safetensors header: not an object", name);
	datalen = len - 8 - hlen;
	st->tensors = calloc(json_object_size(st->header) + 1, sizeof(*st->tensors));
	if (!st->tensors)
		return pp_fail(err, "'%s': out of memory", name);
	json_object_foreach(st->header, key, e) {
		if (strcmp(key, "__metadata__") == 0) {
			if (check_metadata(e, name, err) < 0)
				return -1;
			continue;
		}
		if (parse_entry(key, e, datalen, &st->tensors[i], name, err) < 0)
			return -1;
		i++;
	}
	st->ntensors = i;
	if (check_tiling(st, datalen, name, err) < 0)
		return -1;
	data = buf + 8 + hlen;
	if (((uintptr_t)data & 7) != 0) {
		st->aligned = malloc(datalen ? datalen : 1);
		if (!st->aligned)
			return pp_fail(err, "'%s': out of memory", name);
		memcpy(st->aligned, data, datalen);
		data = st->aligned;
	}
	for (i = 0; i < st->ntensors; i++)
		st->tensors[i].data = data + st->tensors[i].offset;
	return 0;
}

int pp_st_load(const char *path, struct pp_st *st, struct pp_err *err)
{
	char *buf;
	size_t len;

	memset(st, 0, sizeof(*st));
	if (pp_read_all(path, &buf, &len, err) < 0)
		return -1;
	if (pp_st_parse(buf, len, pp_io_name(path), st, err) < 0) {
		pp_st_free(st);
		return -1;
	}
	return 0;
}

const struct pp_tensor *pp_st_find(const struct pp_st *st, const char *name)
{
	for (size_t i = 0; i < st->ntensors; i++)
		if (strcmp(st->tensors[i].name, name) == 0)
			return &st->tensors[i];
	return NULL;
}

static void shape_str(char *out, size_t cap, enum pp_dtype dt, int ndim,
		      const int64_t *shape)
{
	size_t n = (size_t)snprintf(out, cap, "%s [", dtypes[dt].name);

	for (int i = 0; i < ndim && n < cap; i++) {
		if (shape && shape[i] >= 0)
			n += (size_t)snprintf(out + n, cap - n, "%s%lld", i ? ", " : "", (long long)shape[i]);
		else
			n += (size_t)snprintf(out + n, cap - n, "%s?", i ? ", " : "");
	}
	if (n < cap)
		snprintf(out + n, cap - n, "]");
}

int pp_st_get(const struct pp_st *st, const char *name, enum pp_dtype dtype,
	      int ndim, const int64_t *shape, const struct pp_tensor **out,
	      const char *file, struct pp_err *err)
{
	const struct pp_tensor *t = pp_st_find(st, name);
	char want[128], got[128];
	int ok;

	*out = NULL;
	if (!t)
		return pp_fail(err, "'%s': no tensor '%s'", file, name);
	ok = t->dtype == dtype && t->ndim == ndim;
	for (int i = 0; ok && shape && i < ndim; i++)
		if (shape[i] >= 0 && shape[i] != t->shape[i])
			ok = 0;
	if (!ok) {
		shape_str(want, sizeof(want), dtype, ndim, shape);
		shape_str(got, sizeof(got), t->dtype, t->ndim, t->shape);
		return pp_fail(err, "'%s': tensor '%s': expected %s, got %s", file, name, want, got);
	}
	*out = t;
	return 0;
}

json_t *pp_st_metadata(const struct pp_st *st)
{
	return st->header ? json_object_get(st->header, "__metadata__") : NULL;
}

const char *pp_st_meta(const struct pp_st *st, const char *key)
{
	json_t *m = pp_st_metadata(st);

	return m ? json_string_value(json_object_get(m, key)) : NULL;
}

void pp_st_writer_init(struct pp_st_writer *w)
{
	memset(w, 0, sizeof(*w));
	w->header = json_object();
}

void pp_st_writer_meta(struct pp_st_writer *w, const char *key,
		       const char *value)
{
	json_t *m = json_object_get(w->header, "__metadata__");

	if (!m) {
		m = json_object();
		json_object_set_new(w->header, "__metadata__", m);
	}
	json_object_set_new(m, key, json_string(value));
}

static int add(struct pp_st_writer *w, const char *name, enum pp_dtype dtype,
	       int ndim, const int64_t *shape, const void *data,
	       pp_st_fill_fn fill, struct pp_err *err)
{
	json_t *e, *sh;
	size_t count = 1;

	if (ndim < 0 || ndim > PP_ST_MAX_DIMS || strcmp(name, "__metadata__") == 0 ||
	    json_object_get(w->header, name))
		return pp_fail(err, "tensor '%s': bad name or rank", name);
	if (w->ntensors == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;
		const void **d = realloc(w->data, cap * sizeof(*d));
		size_t *nb = d ? realloc(w->nbytes, cap * sizeof(*nb)) : NULL;
		pp_st_fill_fn *f = nb ? realloc(w->fill, cap * sizeof(*f)) : NULL;

		if (d)
			w->data = d;
		if (nb)
			w->nbytes = nb;
		if (!f)
			return pp_fail(err, "tensor '%s': out of memory", name);
		w->fill = f;
		w->cap = cap;
	}
	sh = json_array();
	for (int i = 0; i < ndim; i++) {
		json_array_append_new(sh, json_integer(shape[i]));
		count *= (size_t)shape[i];
	}
	count *= dtypes[dtype].size;
	e = json_pack("{s:s, s:o, s:[I, I]}", "dtype", dtypes[dtype].name, "shape", sh,
		      "data_offsets", (json_int_t)w->offset, (json_int_t)(w->offset + count));
	json_object_set_new(w->header, name, e);
	w->data[w->ntensors] = data;
	w->fill[w->ntensors] = fill;
	w->nbytes[w->ntensors++] = count;
	w->offset += count;
	return 0;
}

int pp_st_writer_add(struct pp_st_writer *w, const char *name,
		     enum pp_dtype dtype, int ndim, const int64_t *shape,
		     const void *data, struct pp_err *err)
{
	return add(w, name, dtype, ndim, shape, data, NULL, err);
}

int pp_st_writer_add_fill(struct pp_st_writer *w, const char *name,
			  enum pp_dtype dtype, int ndim, const int64_t *shape,
			  pp_st_fill_fn fill, void *ctx, struct pp_err *err)
{
	return add(w, name, dtype, ndim, shape, ctx, fill, err);
}

int pp_st_writer_write(struct pp_st_writer *w, FILE *fp, const char *name,
		       struct pp_err *err)
{
	char *h = json_dumps(w->header, JSON_COMPACT | JSON_PRESERVE_ORDER);
	size_t hlen, padded;
	unsigned char len8[8];
	int bad;

	if (!h)
		return pp_fail(err, "'%s': out of memory", name);
	hlen = strlen(h);
	padded = (hlen + 7) & ~(size_t)7; /* keep the data 8-byte aligned */
	for (int b = 0; b < 8; b++)
		len8[b] = (unsigned char)((uint64_t)padded >> (8 * b));
	bad = fwrite(len8, 1, 8, fp) != 8 || fwrite(h, 1, hlen, fp) != hlen;
	for (size_t i = hlen; i < padded && !bad; i++)
		bad = fputc(' ', fp) == EOF;
	free(h);
	for (size_t i = 0; i < w->ntensors && !bad; i++) {
		if (w->fill[i]) {
			/* the context travels in data */
			if (w->fill[i]((void *)w->data[i], fp, w->nbytes[i], err) < 0)
				return pp_fail_wrap(err, "'%s'", name);
			bad = ferror(fp);
		} else {
			bad = w->nbytes[i] && fwrite(w->data[i], 1, w->nbytes[i], fp) != w->nbytes[i];
		}
	}
	if (bad)
		return pp_fail(err, "'%s': write error", name);
	return 0;
}

int pp_st_writer_save(struct pp_st_writer *w, const char *path,
		      struct pp_err *err)
{
	struct pp_out out;

	if (pp_out_open(&out, path, err) < 0)
		return -1;
	if (pp_st_writer_write(w, out.fp, pp_out_name(&out), err) < 0) {
		pp_out_abort(&out);
		return -1;
	}
	return pp_out_commit(&out, err);
}

void pp_st_writer_release(struct pp_st_writer *w)
{
	json_decref(w->header);
	free(w->data);
	free(w->fill);
	free(w->nbytes);
	memset(w, 0, sizeof(*w));
}
