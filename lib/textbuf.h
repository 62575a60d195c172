/*
 * textbuf.h - a growing, always NUL-terminated text buffer with printf
 * appends, for the feedback writers and prompts.
 *
 * Out of memory is sticky: after a failed allocation every append is a
 * no-op and `failed` stays 1, so a builder appends freely and checks once.
 * Ownership: the buffer owns `s`; pp_tb_release frees it, pp_tb_take hands
 * it to the caller (who frees it).
 *
 *     struct pp_tb b = PP_TB_INIT;
 *     pp_tb_printf(&b, "bar %s", num);
 *     if (b.failed) ...
 *     char *s = pp_tb_take(&b);
 */
#ifndef PP_TEXTBUF_H
#define PP_TEXTBUF_H

#include <stddef.h>

struct pp_tb {
	char *s;       /* the text, NUL-terminated ("" before the first append
			  when s is NULL: use pp_tb_str) */
	size_t len;    /* bytes, without the NUL */
	size_t cap;    /* bytes allocated */
	int failed;    /* 1 after an allocation failure */
};

#define PP_TB_INIT { NULL, 0, 0, 0 }

void pp_tb_printf(struct pp_tb *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pp_tb_puts(struct pp_tb *b, const char *s);
/* The text so far ("" when empty). */
const char *pp_tb_str(const struct pp_tb *b);
/* Cuts the text back to LEN bytes (LEN <= len). */
void pp_tb_truncate(struct pp_tb *b, size_t len);
/* Returns the malloc'd text (never NULL unless failed) and resets B. */
char *pp_tb_take(struct pp_tb *b);
void pp_tb_release(struct pp_tb *b);

#endif
