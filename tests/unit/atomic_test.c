/* atomic_test.c - outputs appear whole or not at all (atomic.c). */
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomic.h"
#include "tap.h"

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	if (d)
		closedir(d);
	return n;
}

static char *slurp(const char *path)
{
	static char buf[256];
	FILE *fp = fopen(path, "r");
	size_t n;

	if (!fp)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

int main(void)
{
	char dir[] = "/tmp/pp-atomic-XXXXXX", path[128];
	struct pp_out out;
	struct pp_err err;
	pid_t pid;
	int status;

	ok(mkdtemp(dir) != NULL, "scratch directory");
	snprintf(path, sizeof(path), "%s/out.json", dir);
	pp_err_clear(&err);

	ok(pp_out_open(&out, path, &err) == 0, "open");
	fputs("old", out.fp);
	ok(pp_out_commit(&out, &err) == 0, "commit");
	is_str(slurp(path), "old", "committed content");

	ok(pp_out_open(&out, path, &err) == 0, "open again");
	fputs("partial", out.fp);
	pp_out_abort(&out);
	is_str(slurp(path), "old", "abort keeps the old file");
	is_int(count_entries(dir), 1, "abort leaves no temporary file");

	pid = fork();
	if (pid == 0) {
		struct pp_out o;
		struct pp_err e;

		if (pp_out_open(&o, path, &e) == 0) {
			fputs("interrupted", o.fp);
			fflush(o.fp);
			raise(SIGTERM);
		}
		_exit(3);
	}
	waitpid(pid, &status, 0);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "child died of SIGTERM");
	is_str(slurp(path), "old", "a signal keeps the old file");
	is_int(count_entries(dir), 1, "a signal leaves no temporary file");

	/* /dev/full: written in place; the write fails at flush and commit
	 * must report it. */
	ok(pp_out_open(&out, "/dev/full", &err) == 0 && out.direct, "/dev/full opened in place");
	fputs("x", out.fp);
	ok(pp_out_commit(&out, &err) < 0, "commit on /dev/full fails");
	is_str(err.msg, "'/dev/full': write error: No space left on device", "full message");
	pp_err_clear(&err);
	snprintf(path, sizeof(path), "%s/nodir/x.json", dir);
	ok(pp_out_open(&out, path, &err) < 0, "missing directory refused");
	like(err.msg, "nodir/x.json': cannot create: No such file or directory",
	     "missing directory message");

	unlink(strcat(strcpy(path, dir), "/out.json"));
	rmdir(dir);
	return tap_done();
}
