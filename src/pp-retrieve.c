/*
 * pp-retrieve - find the pedagogy passages for a performance (context/1).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "envelope.h"
#include "io.h"
#include "pp.h"
#include "retrieve.h"

static const char *const tool = "pp-retrieve";

static const char usage[] =
	"usage: pp-retrieve [-o FILE] [-k N] [-q TEXT] [--build] [--index FILE] [DOCUMENT]\n"
	"\n"
	"Reads a predictions/1 document (DOCUMENT, or stdin when absent or '-'),\n"
	"builds a query from the dimensions that stand out, the composer and the\n"
	"alignment's problems, and writes it back as context/1 with the top passages.\n"
	"\n"
	"  -o, --output FILE  write to FILE (atomically) instead of stdout\n"
	"  -k, --top N        number of passages (default 5)\n"
	"  -q, --query TEXT   search for free TEXT instead of a document's profile\n"
	"      --build        build the index if missing or stale, and report\n"
	"                     (on stderr when a document is written too)\n"
	"      --rebuild      build the index even when it is fresh\n"
	"      --index FILE   the index (default $XDG_CACHE_HOME/pp/knowledge.sqlite)\n"
	"      --corpus DIR   the passages (default DATADIR/knowledge/passages)\n"
	"      --pretty       indent the JSON output\n"
	"  -h, --help         show this help\n"
	"  -V, --version      show the version\n"
	"\n"
	"Embeddings (optional): PP_EMBED_URL, PP_EMBED_MODEL, PP_EMBED_KEY,\n"
	"PP_EMBED_TIMEOUT. Exit status: 0 ok, 1 bad input, 2 usage error.\n";

enum { OPT_BUILD = 256, OPT_REBUILD, OPT_INDEX, OPT_CORPUS, OPT_PRETTY };

static const struct option options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "top", required_argument, NULL, 'k' },
	{ "query", required_argument, NULL, 'q' },
	{ "build", no_argument, NULL, OPT_BUILD },
	{ "rebuild", no_argument, NULL, OPT_REBUILD },
	{ "index", required_argument, NULL, OPT_INDEX },
	{ "corpus", required_argument, NULL, OPT_CORPUS },
	{ "pretty", no_argument, NULL, OPT_PRETTY },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const char *const accepted[] = { "predictions/1", "context/1", NULL };

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* Query, search and write; DOC is the input document or NULL for -q. */
static int run(struct pp_retriever *r, json_t *doc, const char *name,
	       const char *text, int k, const char *out, int flags, double t0,
	       struct pp_err *err)
{
	struct pp_query q;
	struct pp_result res = { 0 };
	json_t *pm, *wall;
	double t1 = now_s(), c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	int rc;

	rc = text ? pp_retrieve_query_text(r, text, &q, err)
		  : pp_retrieve_query_doc(r, doc, name, &q, err);
	if (rc == 0)
		rc = pp_retrieve_search(r, &q, k, &res, err);
	if (rc == 0)
		rc = pp_retrieve_attach(r, doc, &q, &res, k, err);
	pp_retrieve_query_release(&q);
	free(res.hits);
	if (rc < 0)
		return -1;
	pm = json_object_get(doc, "performance_metrics");
	if (!json_is_object(pm)) {
		pm = json_object();
		json_object_set_new(doc, "performance_metrics", pm);
	}
	wall = json_object();
	pp_json_set_real(wall, "wall_s", now_s() - t0);
	/* The search alone, wall and CPU time (for bench/retrieve.sh). */
	pp_json_set_real(wall, "search_s", now_s() - t1);
	pp_json_set_real(wall, "search_cpu_s", clock_s(CLOCK_PROCESS_CPUTIME_ID) - c1);
	json_object_set_new(pm, tool, wall);
	return pp_doc_save(out, doc, flags, err);
}

/* One line on FP: the index, its size, and whether it was built. */
static void report_build(FILE *fp, const struct pp_retriever *r)
{
	if (r->built)
		fprintf(fp, "index '%s': %d passages, built in %.1f ms\n",
			r->index, r->npassages, r->build_s * 1e3);
	else
		fprintf(fp, "index '%s': %d passages, up to date\n", r->index,
			r->npassages);
}

int main(int argc, char **argv)
{
	struct pp_retrieve_opts o = { 0 };
	const char *out = NULL, *text = NULL, *in;
	int c, k = 5, build = 0, flags = PP_DOC_COMPACT, rc = 0;
	struct pp_retriever r;
	struct pp_err err;
	json_t *doc = NULL;
	double t0 = now_s();
	char *end;

	pp_err_clear(&err);
	opterr = 0; /* one-line usage errors of our own */
	while ((c = getopt_long(argc, argv, "o:k:q:hV", options, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'k':
			k = (int)strtol(optarg, &end, 10);
			if (*end || k < 1 || k > 1000)
				return pp_cli_usage(tool, "-k '%s': not a number from 1 to 1000", optarg);
			break;
		case 'q': text = optarg; break;
		case OPT_BUILD: build = 1; break;
		case OPT_REBUILD: build = o.force = 1; break;
		case OPT_INDEX: o.index = optarg; break;
		case OPT_CORPUS: o.corpus = optarg; break;
		case OPT_PRETTY: flags = PP_DOC_PRETTY; break;
		case 'h': fputs(usage, stdout); return PP_EXIT_OK;
		case 'V': pp_cli_version(tool); return PP_EXIT_OK;
		default: return pp_cli_usage(tool, "unknown option or missing value: '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return pp_cli_usage(tool, "too many arguments");
	in = optind < argc ? argv[optind] : NULL;
	if (text && !*text)
		return pp_cli_usage(tool, "-q: empty query");
	if ((in || (!text && !build)) &&
	    pp_doc_read(in, accepted, &doc, &err) < 0) {
		pp_err_print(tool, &err);
		return PP_EXIT_FAIL;
	}
	if (pp_retrieve_open(&r, &o, &err) < 0) {
		pp_err_print(tool, &err);
		json_decref(doc);
		return PP_EXIT_FAIL;
	}
	if (build) /* on stderr when the document goes to stdout */
		report_build(text || doc ? stderr : stdout, &r);
	if (text || doc) {
		if (!doc)
			doc = pp_doc_new("context/1");
		rc = run(&r, doc, pp_io_name(in), text, k, out, flags, t0, &err);
	}
	if (r.warn.msg[0])
		pp_err_print(tool, &r.warn);
	if (rc < 0)
		pp_err_print(tool, &err);
	pp_retrieve_close(&r);
	json_decref(doc);
	if (build && fflush(stdout) != 0)
		return PP_EXIT_FAIL;
	return rc < 0 ? PP_EXIT_FAIL : PP_EXIT_OK;
}
