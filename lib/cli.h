/*
 * cli.h - what every tool's main shares: --version text, progress on stderr,
 * and running a main body with a uniform exit status.
 *
 * Mains stay thin (STYLE.md §1): a getopt_long table under the usage text,
 * then calls into libpp. These helpers remove the repeated lines.
 */
#ifndef PP_CLI_H
#define PP_CLI_H

#include <stdio.h>

/* Prints "TOOL (pp) VERSION" on stdout. */
void pp_cli_version(const char *tool);

/* Prints a usage error on stderr ("TOOL: MSG\nTry 'TOOL --help'...") and
 * returns PP_EXIT_USAGE, so that a main can `return pp_cli_usage(...)`. */
int pp_cli_usage(const char *tool, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Parses an option value S as a number in [LO, HI]; trailing text, an empty
 * string, a NaN or a value out of range fail. Returns 0 and *out, or -1. */
int pp_cli_number(const char *s, double lo, double hi, double *out);

/*
 * Progress reports. Enabled when stderr is a terminal, or forced on (1) or
 * off (0) by --progress/--quiet (pass -1 to decide by terminal). When
 * enabled, pp_progress prints "\rTOOL: MSG" and pp_progress_done ends the
 * line. Cheap when disabled.
 */
void pp_progress_init(const char *tool, int force);
int pp_progress_enabled(void);
void pp_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pp_progress_done(void);

#endif
