/*
 * pp-eval-alignment - score an alignment against a ground truth (run as
 * `pp-eval alignment TRUTH EST`).
 */
#include <getopt.h>
#include <stdio.h>

#include "align_eval.h"
#include "cli.h"
#include "pp.h"

static const char *const usage =
	"usage: pp-eval-alignment [--json] TRUTH ESTIMATE\n"
	"       pp-eval alignment [--json] TRUTH ESTIMATE\n"
	"\n"
	"Scores ESTIMATE against TRUTH, each an alignment/1 document or a .match\n"
	"file: precision, recall and F of match pairs, insertions and deletions\n"
	"(an element counts only when both files agree on it, as parangonar's\n"
	"fscore_alignments).\n"
	"\n"
	"  -j, --json      print one JSON object instead of the table\n"
	"  -h, --help      show this help\n"
	"  -V, --version   show the version\n";

static const struct option options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const char *const tool = "pp-eval-alignment";

static void print(const struct pp_prf r[3], int json)
{
	static const char *const names[3] = { "match", "insertion", "deletion" };

	for (int i = 0; i < 3; i++) {
		if (json)
			printf("%s\"%s\": {\"precision\": %.6f, \"recall\": %.6f, \"f\": %.6f, "
			       "\"truth\": %d, \"estimate\": %d}", i ? ", " : "{", names[i],
			       r[i].precision, r[i].recall, r[i].f, r[i].n_truth, r[i].n_est);
		else
			printf("%-9s precision %.4f recall %.4f f %.4f (truth %d, estimate %d)\n",
			       names[i], r[i].precision, r[i].recall, r[i].f, r[i].n_truth,
			       r[i].n_est);
	}
	if (json)
		printf("}\n");
}

int main(int argc, char **argv)
{
	int c, json = 0, rc = PP_EXIT_OK;
	struct pp_err err;
	struct pp_align_sets t, e;
	struct pp_prf r[3];

	opterr = 0;
	while ((c = getopt_long(argc, argv, "jhV", options, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'h': fputs(usage, stdout); return PP_EXIT_OK;
		case 'V': pp_cli_version(tool); return PP_EXIT_OK;
		default:
			return pp_cli_usage(tool, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		return pp_cli_usage(tool, "expected TRUTH and ESTIMATE");
	pp_err_clear(&err);
	if (pp_align_sets_read(argv[optind], &t, &err) < 0) {
		pp_err_print(tool, &err);
		return PP_EXIT_FAIL;
	}
	if (pp_align_sets_read(argv[optind + 1], &e, &err) < 0) {
		pp_err_print(tool, &err);
		pp_align_sets_free(&t);
		return PP_EXIT_FAIL;
	}
	pp_align_score(&t, &e, r);
	print(r, json);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		pp_warn(tool, "cannot write '<stdout>'");
		rc = PP_EXIT_FAIL;
	}
	pp_align_sets_free(&t);
	pp_align_sets_free(&e);
	return rc;
}
