/* safetensors_test.c - round trip and corruption cases for safetensors.c. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "safetensors.h"
#include "tap.h"

/* Builds a file image in memory; returns a malloc'd buffer. */
static char *image(const char *header, size_t datalen, size_t *len)
{
	size_t hl = strlen(header);
	char *b = calloc(1, 8 + hl + datalen + 1);

	for (int i = 0; i < 8; i++)
		b[i] = (char)((unsigned long long)hl >> (8 * i));
	memcpy(b + 8, header, hl);
	*len = 8 + hl + datalen;
	return b;
}

static void corrupt(const char *header, size_t datalen, const char *want,
		    const char *title)
{
	struct pp_st st;
	struct pp_err err;
	size_t len;
	char *b = image(header, datalen, &len);

	pp_err_clear(&err);
	ok(pp_st_parse(b, len, "c.st", &st, &err) < 0, "rejects %s", title);
	like(err.msg, want, "message for %s", title);
	pp_st_free(&st);
}

int main(void)
{
	float x[6] = { 1, 2, 3, 4, 5, 6.5f };
	int ix[3] = { 7, -8, 9 };
	int64_t sx[2] = { 2, 3 }, si[1] = { 3 };
	struct pp_st_writer w;
	struct pp_st st;
	struct pp_err err;
	const struct pp_tensor *t;
	char path[] = "/tmp/pp-st-XXXXXX";
	int fd = mkstemp(path);

	pp_err_clear(&err);
	pp_st_writer_init(&w);
	ok(pp_st_writer_add(&w, "x", PP_DT_F32, 2, sx, x, &err) == 0, "add x");
	ok(pp_st_writer_add(&w, "voice", PP_DT_I32, 1, si, ix, &err) == 0, "add voice");
	ok(pp_st_writer_add(&w, "x", PP_DT_F32, 2, sx, x, &err) < 0, "duplicate name refused");
	pp_err_clear(&err);
	pp_st_writer_meta(&w, "norm", "pp-norm-1");
	ok(pp_st_writer_save(&w, path, &err) == 0, "save: %s", err.msg);
	pp_st_writer_release(&w);
	close(fd);

	ok(pp_st_load(path, &st, &err) == 0, "load: %s", err.msg);
	is_int(st.ntensors, 2, "two tensors");
	ok(pp_st_get(&st, "x", PP_DT_F32, 2, (int64_t[]){ -1, 3 }, &t, path, &err) == 0,
	   "x has shape [?, 3]");
	ok(t && ((uintptr_t)t->data & 7) == 0, "data aligned");
	ok(t && memcmp(t->data, x, sizeof(x)) == 0, "x values round trip");
	ok(pp_st_get(&st, "voice", PP_DT_I32, 1, NULL, &t, path, &err) == 0, "voice found");
	ok(t && memcmp(t->data, ix, sizeof(ix)) == 0, "voice values round trip");
	is_str(pp_st_meta(&st, "norm"), "pp-norm-1", "metadata round trip");
	ok(pp_st_get(&st, "x", PP_DT_F32, 2, (int64_t[]){ -1, 101 }, &t, "f", &err) < 0,
	   "wrong width refused");
	is_str(err.msg, "'f': tensor 'x': expected F32 [?, 101], got F32 [2, 3]",
	       "width message");
	pp_err_clear(&err);
	ok(pp_st_get(&st, "beat", PP_DT_I32, 1, NULL, &t, "f", &err) < 0, "absent tensor");
	is_str(err.msg, "'f': no tensor 'beat'", "absent message");
	pp_st_free(&st);
	unlink(path);

	corrupt("{\"a\":", 0, "corrupt safetensors header", "truncated JSON");
	corrupt("[1,2]", 0, "not an object", "array header");
	corrupt("{\"a\":{\"dtype\":\"F99\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
		"unknown dtype", "unknown dtype");
	corrupt("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4,
		"4 bytes of data for a shape of 8 bytes", "size mismatch");
	corrupt("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}}", 4,
		"outside the 4-byte data", "offset past end");
	corrupt("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
		"\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8,
		"overlaps another tensor", "overlap");
	corrupt("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12,
		"8 bytes of data belong to no tensor", "trailing bytes");
	corrupt("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4,
		"bad shape", "negative dimension");
	corrupt("{\"__metadata__\":{\"k\":3}}", 0, "is not a string", "metadata value");
	{
		char b[16] = { 0x7f, 0x7f, 0x7f, 0x7f, 0, 0, 0, 0, '{', '}' };

		pp_err_clear(&err);
		ok(pp_st_parse(memcpy(malloc(16), b, 16), 16, "h.st", &st, &err) < 0,
		   "huge header length refused");
		like(err.msg, "not a safetensors file", "header length message");
		pp_st_free(&st);
	}
	return tap_done();
}
