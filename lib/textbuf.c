/*
 * textbuf.c - growing text buffer (see textbuf.h).
 */
#include "textbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(struct pp_tb *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 256;
	char *s;

	if (b->failed)
		return -1;
	if (b->len + need + 1 <= b->cap)
		return 0;
	while (cap < b->len + need + 1)
		cap *= 2;
	if (!(s = realloc(b->s, cap))) {
		b->failed = 1;
		return -1;
	}
	b->s = s;
	b->cap = cap;
	return 0;
}

void pp_tb_printf(struct pp_tb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(b, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void pp_tb_puts(struct pp_tb *b, const char *s)
{
	size_t n = strlen(s);

	if (grow(b, n) < 0)
		return;
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

const char *pp_tb_str(const struct pp_tb *b)
{
	return b->s ? b->s : "";
}

void pp_tb_truncate(struct pp_tb *b, size_t len)
{
	if (b->s && len <= b->len) {
		b->len = len;
		b->s[len] = '\0';
	}
}

char *pp_tb_take(struct pp_tb *b)
{
	char *s = b->s;

	if (b->failed) {
		free(s);
		s = NULL;
	} else if (!s) {
		s = calloc(1, 1);
	}
	b->s = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
	return s;
}

void pp_tb_release(struct pp_tb *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}
