/*
 * atomic.c - atomic output files (see atomic.h).
 *
 * The signal handler may only call async-signal-safe functions, so the
 * temporary paths it removes live in a fixed table of plain char arrays that
 * the handler walks with unlink(2).
 */
#include "atomic.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LIVE 16
#define MAX_PATH 4096

static char live[MAX_LIVE][MAX_PATH];
static volatile sig_atomic_t live_used[MAX_LIVE];
static int handlers_installed;

static void on_signal(int sig)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (live_used[i])
			unlink(live[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_handlers(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };

	if (handlers_installed)
		return;
	handlers_installed = 1;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction sa, old;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		/* Keep an "ignore" disposition inherited from the parent. */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

static int take_slot(const char *tmp)
{
	if (strlen(tmp) >= MAX_PATH)
		return -1;
	for (int i = 0; i < MAX_LIVE; i++) {
		if (!live_used[i]) {
			strcpy(live[i], tmp);
			live_used[i] = 1;
			return i;
		}
	}
	return -1;
}

/* The process umask; umask(2) can only be read by setting it. */
static mode_t current_umask(void)
{
	mode_t m = umask(022);

	umask(m);
	return m;
}

static void release(struct pp_out *out)
{
	if (out->slot >= 0)
		live_used[out->slot] = 0;
	free(out->path);
	free(out->tmp);
	out->path = out->tmp = NULL;
	out->fp = NULL;
	out->slot = -1;
	out->direct = 0;
}

int pp_out_open(struct pp_out *out, const char *path, struct pp_err *err)
{
	const char *slash, *base;
	struct stat sb;
	size_t dirlen;
	int fd;

	memset(out, 0, sizeof(*out));
	out->slot = -1;
	if (!path || strcmp(path, "-") == 0) {
		out->fp = stdout;
		return 0;
	}
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) {
		/* A device or a pipe (/dev/null, /dev/stdout): write to it
		 * directly, there is nothing to rename over. */
		out->fp = fopen(path, "wb");
		if (!out->fp)
			return pp_fail(err, "'%s': cannot open: %s", path, strerror(errno));
		out->path = strdup(path);
		out->direct = 1;
		return 0;
	}
	slash = strrchr(path, '/');
	base = slash ? slash + 1 : path;
	dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	if (!*base)
		return pp_fail(err, "'%s': is a directory", path);
	out->path = strdup(path);
	out->tmp = malloc(dirlen + strlen(base) + 16);
	if (!out->path || !out->tmp) {
		release(out);
		return pp_fail(err, "'%s': out of memory", path);
	}
	sprintf(out->tmp, "%.*s.%s.XXXXXX", (int)dirlen, path, base);
	install_handlers();
	fd = mkstemp(out->tmp);
	if (fd < 0) {
		int e = errno;
		release(out);
		return pp_fail(err, "'%s': cannot create: %s", path, strerror(e));
	}
	out->slot = take_slot(out->tmp);
	fchmod(fd, 0666 & ~current_umask());
	out->fp = fdopen(fd, "wb");
	if (!out->fp) {
		close(fd);
		pp_out_abort(out);
		return pp_fail(err, "'%s': cannot open: %s", path, strerror(errno));
	}
	return 0;
}

const char *pp_out_name(const struct pp_out *out)
{
	return out->path ? out->path : "<stdout>";
}

void pp_out_abort(struct pp_out *out)
{
	if (!out->tmp) {
		if (out->direct && out->fp)
			fclose(out->fp);
		else if (out->fp)
			fflush(out->fp);
		release(out);
		return;
	}
	if (out->fp)
		fclose(out->fp);
	unlink(out->tmp);
	release(out);
}

int pp_out_commit(struct pp_out *out, struct pp_err *err)
{
	int bad;

	if (!out->tmp) { /* stdout or a device */
		errno = 0;
		bad = fflush(out->fp) != 0 || ferror(out->fp);
		if (out->direct && fclose(out->fp) != 0)
			bad = 1;
		if (bad)
			pp_fail(err, "'%s': write error: %s", pp_out_name(out),
				strerror(errno ? errno : EIO));
		release(out);
		return bad ? -1 : 0;
	}
	errno = 0;
	bad = fflush(out->fp) != 0 || ferror(out->fp);
	if (!bad && fsync(fileno(out->fp)) != 0 && errno != EINVAL)
		bad = 1;
	if (fclose(out->fp) != 0)
		bad = 1;
	out->fp = NULL;
	if (bad) {
		int e = errno ? errno : EIO;
		pp_fail(err, "'%s': write error: %s", out->path, strerror(e));
		pp_out_abort(out);
		return -1;
	}
	if (rename(out->tmp, out->path) != 0) {
		int e = errno;
		pp_fail(err, "'%s': cannot rename into place: %s", out->path,
			strerror(e));
		pp_out_abort(out);
		return -1;
	}
	release(out);
	return 0;
}
