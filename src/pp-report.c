/*
 * pp-report - static HTML report and JSON API from final pp documents.
 */
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "datadir.h"
#include "envelope.h"
#include "pp.h"
#include "report.h"

static const char *tool = "pp-report";

static const char usage[] =
	"usage: pp-report [-o DIR] [--audio FILE] [--id ID] [--no-index] [DOCUMENT|DIRECTORY...]\n"
	"       pp-report [-o DIR] --index\n"
	"\n"
	"Writes a static HTML report (DIR/ID.html, DIR/index.html) and a static\n"
	"JSON API (DIR/api/...) from final pp documents. A DIRECTORY argument\n"
	"means every *.json in it; no argument or - reads one document on stdin.\n"
	"\n"
	"  -o, --output DIR   report directory (default: report)\n"
	"      --audio FILE   recording to show and play (one document only)\n"
	"      --id ID        page name (one document only; default: file name)\n"
	"      --no-index     do not rebuild the gallery (DIR/index.html)\n"
	"      --index        only rebuild the gallery from the pages in DIR\n"
	"  -h, --help         show this help\n"
	"  -V, --version      show the version\n";

static const struct option options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "audio", required_argument, NULL, 'a' },
	{ "id", required_argument, NULL, 'i' },
	{ "index", no_argument, NULL, 'x' },
	{ "no-index", no_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One document: its page and API files, its gallery entry. */
static int one(const char *path, const char *id, const char *audio,
	       const json_t *ref, const char *outdir)
{
	struct pp_err err = { "" };
	char name[256];
	json_t *doc;
	const char *audio_in_doc;

	if (pp_doc_read(path, NULL, &doc, &err) < 0) {
		pp_err_print(tool, &err);
		return -1;
	}
	pp_report_id(id ? id : (path && strcmp(path, "-") ? path : "performance"), name, sizeof(name));
	audio_in_doc = json_string_value(json_object_get(json_object_get(doc, "audio"), "path"));
	if (pp_report_page(doc, name, audio ? audio : audio_in_doc, ref, outdir, &err) < 0) {
		pp_err_print(tool, &err);
		json_decref(doc);
		return -1;
	}
	json_decref(doc);
	return 0;
}

/* Every *.json of DIR, in name order. */
static int directory(const char *dir, const json_t *ref, const char *outdir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, path[PATH_MAX];
	size_t n = 0, cap = 0;
	int bad = 0;

	if (!d) {
		pp_warn(tool, "'%s': cannot open directory", dir);
		return -1;
	}
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0)
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof(*names));
			if (!nn)
				break;
			names = nn;
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (one(path, NULL, NULL, ref, outdir) < 0)
			bad = 1; /* report it, go on with the others */
		free(names[i]);
	}
	free(names);
	return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *outdir = "report", *audio = NULL, *id = NULL;
	struct pp_err err = { "" };
	char refpath[PATH_MAX];
	json_t *ref = NULL;
	struct stat sb;
	int c, bad = 0, index_only = 0, no_index = 0;

	opterr = 0; /* our own one-line usage error */
	while ((c = getopt_long(argc, argv, "o:hV", options, NULL)) != -1) {
		switch (c) {
		case 'o': outdir = optarg; break;
		case 'a': audio = optarg; break;
		case 'i': id = optarg; break;
		case 'x': index_only = 1; break;
		case 'n': no_index = 1; break;
		case 'h': fputs(usage, stdout); return PP_EXIT_OK;
		case 'V': pp_cli_version(tool); return PP_EXIT_OK;
		default: return pp_cli_usage(tool, "unknown option or missing value: '%s'", argv[optind - 1]);
		}
	}
	if (index_only && (no_index || audio || id || optind < argc))
		return pp_cli_usage(tool, "--index takes no document and no other option");
	if (index_only) {
		if (pp_report_index(outdir, &err) < 0) {
			pp_err_print(tool, &err);
			return PP_EXIT_FAIL;
		}
		return PP_EXIT_OK;
	}
	if ((audio || id) && argc - optind > 1)
		return pp_cli_usage(tool, "--audio and --id need exactly one document");
	/* The reference band is optional: without data/ the radar has none.
	 * reference.json is plain JSON (no "pp" member). */
	if (pp_data_path("reference.json", refpath, sizeof(refpath), &err) == 0)
		ref = json_load_file(refpath, 0, NULL);
	if (optind == argc)
		bad = one(NULL, id, audio, ref, outdir) < 0;
	for (int i = optind; i < argc; i++) {
		if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode))
			bad |= directory(argv[i], ref, outdir) < 0;
		else
			bad |= one(argv[i], id, audio, ref, outdir) < 0;
	}
	/* The gallery lists every page in OUTDIR, made now or earlier. */
	if (!no_index && pp_report_index(outdir, &err) < 0) {
		pp_err_print(tool, &err);
		bad = 1;
	}
	json_decref(ref);
	return bad ? PP_EXIT_FAIL : PP_EXIT_OK;
}
