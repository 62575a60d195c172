/*
 * safetensors.h - reading and writing safetensors files.
 *
 * The format (used for features files and model weights): 8 bytes little-
 * endian u64 N, then N bytes of JSON header, then the data buffer. The
 * header maps each tensor name to {"dtype", "shape", "data_offsets": [begin,
 * end]} (offsets relative to the data buffer) and may hold "__metadata__", an
 * object of string values. pp stores its own descriptive metadata there
 * (feature names, normalization id, source document).
 *
 * Reading validates everything before any tensor is used: header size and
 * JSON, known dtypes, shapes (at most PP_ST_MAX_DIMS dims, no overflow),
 * offsets inside the buffer, byte size = product of shape x dtype size, no
 * two tensors overlapping, and every data byte belonging to a tensor. A file
 * failing any check is refused with one line naming the file and the tensor.
 *
 * The whole file is read at once; tensor data points into that buffer,
 * which is moved to an 8-byte aligned place when the header length would
 * misalign it. Data are little-endian, as on every machine pp runs on.
 *
 * Ownership: pp_st_load/parse fill a struct the caller releases with
 * pp_st_free; tensors and metadata strings borrow from it. The writer keeps
 * pointers to the caller's data (or fill callbacks and their contexts)
 * until pp_st_writer_release.
 */
#ifndef PP_SAFETENSORS_H
#define PP_SAFETENSORS_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "error.h"

#define PP_ST_MAX_DIMS 8
#define PP_ST_MAX_HEADER (100u << 20) /* 100 MiB, as the reference library */

enum pp_dtype {
	PP_DT_BOOL, PP_DT_U8, PP_DT_I8, PP_DT_U16, PP_DT_I16, PP_DT_F16,
	PP_DT_BF16, PP_DT_U32, PP_DT_I32, PP_DT_F32, PP_DT_U64, PP_DT_I64,
	PP_DT_F64,
};

struct pp_tensor {
	const char *name;               /* borrowed from the header */
	enum pp_dtype dtype;
	int ndim;                       /* 0 for a scalar */
	int64_t shape[PP_ST_MAX_DIMS];  /* ndim entries */
	size_t count;                   /* product of shape */
	size_t nbytes;                  /* count x dtype size */
	size_t offset;                  /* byte offset in the data buffer */
	const void *data;               /* 8-byte aligned, inside the file buffer */
};

struct pp_st {
	char *buf;                 /* whole file, owned */
	char *aligned;             /* aligned copy of the data, when needed */
	json_t *header;            /* parsed header, owned */
	size_t ntensors;
	struct pp_tensor *tensors; /* in data-offset order */
};

/* Bytes per element, and the dtype's name in the header ("F32"). */
size_t pp_dtype_size(enum pp_dtype dt);
const char *pp_dtype_name(enum pp_dtype dt);

/* Reads and validates PATH (NULL or "-" = stdin). Returns 0 or -1. */
int pp_st_load(const char *path, struct pp_st *st, struct pp_err *err);

/* Validates BUF (LEN bytes, malloc'd; ownership passes to ST even on
 * failure) named NAME in messages. Returns 0 or -1. */
int pp_st_parse(char *buf, size_t len, const char *name, struct pp_st *st,
		struct pp_err *err);

void pp_st_free(struct pp_st *st);

/* The tensor called NAME, or NULL. */
const struct pp_tensor *pp_st_find(const struct pp_st *st, const char *name);

/*
 * The tensor NAME with the given dtype and NDIM dimensions; SHAPE gives the
 * expected size of each dimension, -1 for any (SHAPE may be NULL: any).
 * Fails with "'FILE': tensor 'x': expected F32 [?, 101], got F32 [12, 9]".
 */
int pp_st_get(const struct pp_st *st, const char *name, enum pp_dtype dtype,
	      int ndim, const int64_t *shape, const struct pp_tensor **out,
	      const char *file, struct pp_err *err);

/* The __metadata__ value of KEY, or NULL. */
const char *pp_st_meta(const struct pp_st *st, const char *key);

/* The __metadata__ object (borrowed, may be NULL). */
json_t *pp_st_metadata(const struct pp_st *st);

/* Writes a tensor's NBYTES bytes of data to FP at write time, for data
 * too large to hold in memory (read from a file, computed). Returns 0, or
 * -1 with ERR set (a write error on FP may be left to the writer). */
typedef int (*pp_st_fill_fn)(void *ctx, FILE *fp, size_t nbytes,
			     struct pp_err *err);

/* Writer: collects tensors (by pointer or fill callback) and metadata,
 * then writes. */
struct pp_st_writer {
	json_t *header;    /* owned */
	size_t ntensors;
	size_t cap;
	const void **data; /* borrowed, ntensors entries */
	pp_st_fill_fn *fill; /* ntensors entries, NULL where data is given */
	size_t *nbytes;
	size_t offset;     /* bytes so far */
};

void pp_st_writer_init(struct pp_st_writer *w);
int pp_st_writer_add(struct pp_st_writer *w, const char *name,
		     enum pp_dtype dtype, int ndim, const int64_t *shape,
		     const void *data, struct pp_err *err);
/* Same, the data written by FILL (with CTX as its context) when the file
 * is written. */
int pp_st_writer_add_fill(struct pp_st_writer *w, const char *name,
			  enum pp_dtype dtype, int ndim, const int64_t *shape,
			  pp_st_fill_fn fill, void *ctx, struct pp_err *err);
void pp_st_writer_meta(struct pp_st_writer *w, const char *key,
		       const char *value);
/* Writes the file to FP (NAME for messages). */
int pp_st_writer_write(struct pp_st_writer *w, FILE *fp, const char *name,
		       struct pp_err *err);
/* Writes atomically to PATH (NULL or "-" = stdout). */
int pp_st_writer_save(struct pp_st_writer *w, const char *path,
		      struct pp_err *err);
void pp_st_writer_release(struct pp_st_writer *w);

#endif
