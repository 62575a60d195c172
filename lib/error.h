/*
 * error.h - the error record that every fallible libpp function fills.
 *
 * libpp never prints and never exits. A fallible function takes a
 * `struct pp_err *` as its last argument, returns 0 on success or -1 on
 * failure, and on failure leaves a one-line message in the record, already
 * naming the file and, where there is one, the position:
 *
 *     'etude.musicxml': line 812: unknown <tie> type
 *
 * The main of a tool prefixes its own name (pp_err_print), so the user sees
 *
 *     pp-align: 'etude.musicxml': line 812: unknown <tie> type
 *
 * Idiom, so that a call site fails in one line:
 *
 *     if (n < 0)
 *         return pp_fail(err, "'%s': negative note count", path);
 *
 * The first failure wins: pp_fail does not overwrite a message that a callee
 * already wrote, so callers can add nothing and still return -1. Use
 * pp_fail_wrap to put a prefix (usually the file name) in front of a message
 * a callee wrote without knowing the file.
 *
 * Programmer errors (broken invariants) are PP_BUG, which aborts: they are
 * never caused by user input.
 */
#ifndef PP_ERROR_H
#define PP_ERROR_H

#include <stddef.h>

struct pp_err {
	char msg[1024]; /* one line, no trailing newline; "" when no error */
};

/* Clears the record. */
void pp_err_clear(struct pp_err *err);

/* Writes the message (printf format) unless one is already set; returns -1. */
int pp_fail(struct pp_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Puts "PREFIX: " (printf format) in front of the current message; returns -1. */
int pp_fail_wrap(struct pp_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints "TOOL: MESSAGE\n" on stderr (for mains only). */
void pp_err_print(const char *tool, const struct pp_err *err);

/* Prints "TOOL: MESSAGE\n" on stderr with a printf format (for mains only). */
void pp_warn(const char *tool, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define PP_BUG(...) pp_bug(__FILE__, __LINE__, __VA_ARGS__)
_Noreturn void pp_bug(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
