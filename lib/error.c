/*
 * error.c - the error record (see error.h).
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pp_err_clear(struct pp_err *err)
{
	if (err)
		err->msg[0] = '\0';
}

/* Replaces newlines and tabs so that the message stays one line. */
static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r' || *s == '\t')
			*s = ' ';
}

int pp_fail(struct pp_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err || err->msg[0])
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	one_line(err->msg);
	return -1;
}

int pp_fail_wrap(struct pp_err *err, const char *fmt, ...)
{
	char prefix[512], old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix,
		 old[0] ? old : "failed");
	one_line(err->msg);
	return -1;
}

void pp_err_print(const char *tool, const struct pp_err *err)
{
	fprintf(stderr, "%s: %s\n", tool,
		err && err->msg[0] ? err->msg : "failed (no message)");
}

void pp_warn(const char *tool, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", tool);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void pp_bug(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "BUG: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
