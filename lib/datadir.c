/*
 * datadir.c - locating pp's data directory (see datadir.h).
 */
#include "datadir.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PP_DATADIR_INSTALLED
#define PP_DATADIR_INSTALLED "/usr/local/share/pp"
#endif

static int has_marker(const char *dir)
{
	char p[PATH_MAX];
	struct stat sb;

	if ((size_t)snprintf(p, sizeof(p), "%s/pp-data", dir) >= sizeof(p))
		return 0;
	return stat(p, &sb) == 0;
}

static int try_dir(const char *dir, char *out, size_t cap)
{
	if (!has_marker(dir) || strlen(dir) >= cap)
		return 0;
	strcpy(out, dir);
	return 1;
}

int pp_datadir(char *out, size_t cap, struct pp_err *err)
{
	const char *env = getenv("PP_DATADIR");
	char exe[PATH_MAX], cand[PATH_MAX + 32];
	ssize_t n;

	if (env && *env) {
		if (try_dir(env, out, cap))
			return 0;
		return pp_fail(err, "PP_DATADIR '%s': not a pp data directory (no pp-data file)", env);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		for (int up = 1; up <= 3; up++) {
			char *slash = strrchr(exe, '/');

			if (!slash)
				break;
			*slash = '\0';
			snprintf(cand, sizeof(cand), "%s/data", exe);
			if (try_dir(cand, out, cap))
				return 0;
		}
	}
	if (try_dir(PP_DATADIR_INSTALLED, out, cap))
		return 0;
	return pp_fail(err, "cannot find pp's data directory (set PP_DATADIR, or install with 'make install'; looked beside the executable and in %s)",
		       PP_DATADIR_INSTALLED);
}

int pp_data_path(const char *rel, char *out, size_t cap, struct pp_err *err)
{
	char dir[PATH_MAX];
	struct stat sb;

	if (pp_datadir(dir, sizeof(dir), err) < 0)
		return -1;
	if ((size_t)snprintf(out, cap, "%s/%s", dir, rel) >= cap)
		return pp_fail(err, "'%s/%s': path too long", dir, rel);
	if (stat(out, &sb) != 0)
		return pp_fail(err, "'%s': not found (run 'make deps' to fetch set-up data)", out);
	return 0;
}
