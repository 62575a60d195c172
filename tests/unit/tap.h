/*
 * tap.h - a minimal TAP producer for pp's C unit tests.
 *
 *     ok(x == 3, "x is three");
 *     is_int(got, 3, "count");
 *     is_num(got, 0.5, 1e-6, "ratio");      // |got - want| <= tol
 *     is_str(msg, "expected", "message");
 *     return tap_done();                      // prints the plan, exit status
 *
 * Every failing check prints the file, the line and both values as TAP
 * comments, so prove shows why.
 */
#ifndef PP_TAP_H
#define PP_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), unused));
static int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		printf("#   failed at %s:%d\n", file, line);
		tap_failed++;
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (!ok(g_ == w_, __VA_ARGS__)) \
		printf("#   got %lld, want %lld\n", g_, w_); \
} while (0)

#define is_num(got, want, tol, ...) do { \
	double g_ = (double)(got), w_ = (double)(want); \
	if (!ok(fabs(g_ - w_) <= (tol), __VA_ARGS__)) \
		printf("#   got %.9g, want %.9g (tolerance %g)\n", g_, w_, (double)(tol)); \
} while (0)

#define is_str(got, want, ...) do { \
	const char *g_ = (got), *w_ = (want); \
	if (!ok(g_ && w_ && strcmp(g_, w_) == 0, __VA_ARGS__)) \
		printf("#   got '%s'\n#  want '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
} while (0)

/* Substring check, for error messages. */
#define like(got, part, ...) do { \
	const char *g_ = (got), *p_ = (part); \
	if (!ok(g_ && strstr(g_, p_), __VA_ARGS__)) \
		printf("#   got '%s'\n#   wanted it to contain '%s'\n", g_ ? g_ : "(null)", p_); \
} while (0)

static int tap_done(void) __attribute__((unused));
static int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
