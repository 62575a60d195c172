/*
 * cli.c - shared main helpers (see cli.h).
 */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "pp.h"

static const char *progress_tool = "pp";
static int progress_on;
static int progress_dirty;

void pp_cli_version(const char *tool)
{
	printf("%s (pp) %s\n", tool, PP_VERSION);
}

int pp_cli_usage(const char *tool, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", tool);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", tool);
	return PP_EXIT_USAGE;
}

int pp_cli_number(const char *s, double lo, double hi, double *out)
{
	char *end;

	*out = strtod(s, &end);
	return *s && !*end && *out >= lo && *out <= hi ? 0 : -1;
}

void pp_progress_init(const char *tool, int force)
{
	progress_tool = tool;
	progress_on = force >= 0 ? force : isatty(STDERR_FILENO);
}

int pp_progress_enabled(void)
{
	return progress_on;
}

void pp_progress(const char *fmt, ...)
{
	va_list ap;

	if (!progress_on)
		return;
	fprintf(stderr, "\r%s: ", progress_tool);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\033[K");
	progress_dirty = 1;
}

void pp_progress_done(void)
{
	if (progress_on && progress_dirty)
		fputc('\n', stderr);
	progress_dirty = 0;
}
