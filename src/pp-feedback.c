/*
 * pp-feedback - write a teacher's feedback from predictions, the alignment
 * summary and retrieved passages (pp-feedback(1)).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "check.h"
#include "cli.h"
#include "datadir.h"
#include "envelope.h"
#include "facts.h"
#include "io.h"
#include "atomic.h"
#include "llm.h"
#include "pp.h"
#include "writer.h"

static const char *tool = "pp-feedback";

static const char usage[] =
	"usage: pp-feedback [-o FILE] [--text] [--llm | --builtin] [--config FILE] [DOCUMENT]\n"
	"       pp-feedback --check DOCUMENT [TEXT]\n"
	"\n"
	"Writes 150-200 words of feedback from a context/1 document (also\n"
	"predictions/1 or alignment/1, saying less) and appends it as feedback/1.\n"
	"DOCUMENT '-' or none: stdin. The built-in writer is the default; an\n"
	"OpenAI-compatible LLM is used when PP_LLM_URL or a config file names one.\n"
	"\n"
	"  -o, --output FILE  write to FILE (atomically) instead of stdout\n"
	"      --text         write the feedback as plain text, not the document\n"
	"      --llm          ask the configured LLM (the built-in writer answers\n"
	"                     if it fails or none is configured)\n"
	"      --builtin      use the built-in writer even if an LLM is configured\n"
	"      --config FILE  LLM settings (default ~/.config/pp/llm.conf)\n"
	"      --check        check the feedback in DOCUMENT, or the text file TEXT,\n"
	"                     against DOCUMENT's facts; problems on stderr, exit 1\n"
	"  -h, --help         show this help\n"
	"      --version      show the version\n";

enum { OPT_TEXT = 256, OPT_LLM, OPT_BUILTIN, OPT_CONFIG, OPT_CHECK, OPT_VERSION };
static const struct option options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "text", no_argument, NULL, OPT_TEXT },
	{ "llm", no_argument, NULL, OPT_LLM },
	{ "builtin", no_argument, NULL, OPT_BUILTIN },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static const char *const accepted[] = {
	"context/1", "predictions/1", "alignment/1", "feedback/1", NULL,
};

struct args {
	const char *out, *config, *in, *text_file;
	int text, llm, builtin, check;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* data/reference.json, or NULL (the predictions then need percentiles). */
static json_t *load_reference(void)
{
	char path[4096];
	struct pp_err err;

	pp_err_clear(&err);
	if (pp_data_path("reference.json", path, sizeof(path), &err) < 0)
		return NULL;
	return json_load_file(path, 0, NULL);
}

static int llm_text(const struct args *a, const struct pp_facts *f, char **text,
		    char *model, size_t cap)
{
	struct pp_llm c;
	struct pp_err err;
	struct pp_tb problems = PP_TB_INIT;
	int rc, try;

	pp_err_clear(&err);
	rc = pp_llm_config(&c, a->config, &err);
	if (rc <= 0) {
		if (rc < 0 || a->llm)
			pp_warn(tool, "%s; using the built-in writer",
				rc < 0 ? err.msg : "no LLM configured (PP_LLM_URL or --config)");
		return -1;
	}
	for (try = 0; try < 2; try++) {
		pp_err_clear(&err);
		rc = pp_llm_write(&c, f, try ? pp_tb_str(&problems) : NULL, text, &err);
		pp_tb_release(&problems);
		if (rc < 0) {
			pp_warn(tool, "%s; using the built-in writer", err.msg);
			return -1;
		}
		if (!pp_check_text(*text, f, PP_CHECK_LLM_MIN_WORDS,
				   PP_CHECK_LLM_MAX_WORDS, &problems)) {
			snprintf(model, cap, "%s", c.model[0] ? c.model : "default");
			return 0;
		}
		free(*text);
		*text = NULL;
	}
	pp_warn(tool, "the LLM's answer failed the checker twice (%.*s); using the built-in writer",
		(int)strcspn(pp_tb_str(&problems), "\n"), pp_tb_str(&problems));
	pp_tb_release(&problems);
	return -1;
}

/* Adds feedback/1 to DOC. */
static void attach(json_t *doc, const struct pp_facts *f, const char *text,
		   const char *model, double wall)
{
	json_t *fb, *cites = json_array(), *pm;
	int n[64], k, i, j;

	k = pp_check_citations(text, n, 64);
	for (i = 0; i < k && i < 64; i++)
		for (j = 0; j < f->npassages; j++)
			if (f->passages[j].n == n[i])
				json_array_append_new(cites, f->passages[j].id ?
						      json_string(f->passages[j].id) :
						      json_integer(n[i]));
	fb = json_pack("{s:s, s:i, s:s, s:o, s:o}", "text", text,
		       "words", pp_check_words(text), "source", model ? "llm" : "builtin",
		       "model", model ? json_string(model) : json_null(),
		       "citations", cites);
	json_object_set_new(doc, "feedback", fb);
	pp_doc_set_format(doc, "feedback/1");
	if (!json_is_object(pm = json_object_get(doc, "performance_metrics"))) {
		pm = json_object();
		json_object_set_new(doc, "performance_metrics", pm);
	}
	json_object_set_new(pm, tool, json_object());
	pp_json_set_real(json_object_get(pm, tool), "wall_s", wall);
}

static int write_text(const char *path, const char *text, struct pp_err *err)
{
	struct pp_out out;

	if (pp_out_open(&out, path, err) < 0)
		return -1;
	fprintf(out.fp, "%s\n", text);
	return pp_out_commit(&out, err);
}

static int run(const struct args *a, json_t *doc, const struct pp_facts *f,
	       double t0, struct pp_err *err)
{
	char *text = NULL, model[256];
	struct pp_llm probe;
	int rc, llm;

	/* LLM mode: asked for, or configured (a broken default file counts,
	 * so that its error is reported rather than ignored). */
	llm = !a->builtin && (a->llm || a->config || pp_llm_config(&probe, NULL, err) != 0);

	pp_err_clear(err);
	if (!(llm && llm_text(a, f, &text, model, sizeof(model)) == 0)) {
		model[0] = '\0';
		if (pp_writer_write(f, &text, err) < 0)
			return -1;
	}
	if (a->text) {
		rc = write_text(a->out, text, err);
	} else {
		attach(doc, f, text, model[0] ? model : NULL, now() - t0);
		rc = pp_doc_save(a->out, doc, PP_DOC_PRETTY, err);
	}
	free(text);
	return rc;
}

static int check(const struct args *a, json_t *doc, const struct pp_facts *f,
		 struct pp_err *err)
{
	struct pp_tb report = PP_TB_INIT;
	char *data = NULL;
	const char *text, *src;
	size_t len;
	int llm, n;

	if (a->text_file) {
		if (pp_read_all(a->text_file, &data, &len, err) < 0)
			return -1;
		text = data;
		llm = 0;
	} else {
		json_t *fb = json_object_get(doc, "feedback");
		if (!(text = json_string_value(json_object_get(fb, "text"))))
			return pp_fail(err, "'%s': no feedback.text to check", pp_io_name(a->in));
		src = json_string_value(json_object_get(fb, "source"));
		llm = src && !strcmp(src, "llm");
	}
	n = pp_check_text(text, f, llm ? PP_CHECK_LLM_MIN_WORDS : PP_CHECK_MIN_WORDS,
			  llm ? PP_CHECK_LLM_MAX_WORDS : PP_CHECK_MAX_WORDS, &report);
	for (char *p = report.s, *e; n && p && *p; p = e + 1) {
		e = strchr(p, '\n');
		*e = '\0';
		pp_warn(tool, "'%s': %s", pp_io_name(a->text_file ? a->text_file : a->in), p);
	}
	pp_tb_release(&report);
	free(data);
	return n ? -1 : 0; /* the problems are printed; err stays empty */
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	struct pp_err err;
	struct pp_facts f;
	json_t *doc, *ref;
	double t0 = now();
	int c, rc;

	opterr = 0; /* one-line usage errors of our own */
	while ((c = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
		switch (c) {
		case 'o': a.out = optarg; break;
		case OPT_TEXT: a.text = 1; break;
		case OPT_LLM: a.llm = 1; break;
		case OPT_BUILTIN: a.builtin = 1; break;
		case OPT_CONFIG: a.config = optarg; break;
		case OPT_CHECK: a.check = 1; break;
		case 'h': fputs(usage, stdout); return PP_EXIT_OK;
		case OPT_VERSION: pp_cli_version(tool); return PP_EXIT_OK;
		default: return pp_cli_usage(tool, "unknown option or missing value: '%s'", argv[optind - 1]);
		}
	}
	if (a.llm && a.builtin)
		return pp_cli_usage(tool, "--llm and --builtin exclude each other");
	if (argc - optind > (a.check ? 2 : 1))
		return pp_cli_usage(tool, "too many arguments");
	if (a.check && argc - optind < 1)
		return pp_cli_usage(tool, "--check needs a DOCUMENT");
	a.in = optind < argc ? argv[optind] : NULL;
	a.text_file = a.check && optind + 1 < argc ? argv[optind + 1] : NULL;

	pp_err_clear(&err);
	if (pp_doc_read(a.in, accepted, &doc, &err) < 0) {
		pp_err_print(tool, &err);
		return PP_EXIT_FAIL;
	}
	ref = load_reference();
	if (pp_facts_extract(doc, ref, &f, &err) < 0) {
		pp_fail_wrap(&err, "'%s'", pp_io_name(a.in));
		rc = -1;
	} else {
		rc = a.check ? check(&a, doc, &f, &err) : run(&a, doc, &f, t0, &err);
		pp_facts_release(&f);
	}
	if (rc < 0 && err.msg[0])
		pp_err_print(tool, &err);
	json_decref(ref);
	json_decref(doc);
	return rc < 0 ? PP_EXIT_FAIL : PP_EXIT_OK;
}
