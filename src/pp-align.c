/*
 * pp-align - join a performance to its score, note by note (alignment/1).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "align.h"
#include "cli.h"
#include "envelope.h"
#include "heap.h"
#include "pp.h"

static const char *const usage =
	"usage: pp-align -s SCORE [-o FILE] [--unfold auto|yes|no] [--tremolo yes|no] "
	"[--pretty] [PERFORMANCE]\n"
	"\n"
	"Aligns a performance (MIDI or notes/1 JSON) to its score (MusicXML or\n"
	"compressed .mxl) note by note and writes an alignment/1 document: each\n"
	"score note matched, played with a wrong pitch or missing, each extra\n"
	"note, and a summary (accuracy, timing, tempo, loudness, pedal per\n"
	"measure). PERFORMANCE \"-\" or none reads stdin.\n"
	"\n"
	"  -s, --score FILE     the score (required)\n"
	"  -o, --output FILE    write FILE (atomically) instead of stdout\n"
	"  -u, --unfold MODE    repeats: auto (try both, keep the better), yes, no\n"
	"  -t, --tremolo MODE   yes: play measured tremolos out in strokes (default);\n"
	"                       no: each tremolo note once, as written\n"
	"  -p, --pretty         indent the JSON\n"
	"  -h, --help           show this help\n"
	"  -V, --version        show the version\n";

static const struct option options[] = {
	{ "score", required_argument, NULL, 's' },
	{ "output", required_argument, NULL, 'o' },
	{ "unfold", required_argument, NULL, 'u' },
	{ "tremolo", required_argument, NULL, 't' },
	{ "pretty", no_argument, NULL, 'p' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	const char *score = NULL, *out = NULL;
	enum pp_unfold unfold = PP_UNFOLD_AUTO;
	int c, flags = PP_DOC_COMPACT, score_flags = PP_SCORE_TREMOLO;
	struct pp_err err;
	json_t *doc;

	pp_heap_reserve((size_t)64 << 20);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:o:u:t:phV", options, NULL)) != -1) {
		switch (c) {
		case 's': score = optarg; break;
		case 'o': out = optarg; break;
		case 'u':
			if (!strcmp(optarg, "auto")) unfold = PP_UNFOLD_AUTO;
			else if (!strcmp(optarg, "yes")) unfold = PP_UNFOLD_YES;
			else if (!strcmp(optarg, "no")) unfold = PP_UNFOLD_NO;
			else
				return pp_cli_usage("pp-align", "--unfold: unknown mode '%s' "
						    "(auto, yes or no)", optarg);
			break;
		case 't':
			if (!strcmp(optarg, "yes")) score_flags |= PP_SCORE_TREMOLO;
			else if (!strcmp(optarg, "no")) score_flags &= ~PP_SCORE_TREMOLO;
			else
				return pp_cli_usage("pp-align", "--tremolo: unknown mode '%s' "
						    "(yes or no)", optarg);
			break;
		case 'p': flags = PP_DOC_PRETTY; break;
		case 'h': fputs(usage, stdout); return PP_EXIT_OK;
		case 'V': pp_cli_version("pp-align"); return PP_EXIT_OK;
		case ':':
			return pp_cli_usage("pp-align", "option '%s' needs a value",
					    argv[optind - 1]);
		default:
			if (optopt)
				return pp_cli_usage("pp-align", "unknown option '-%c'", optopt);
			return pp_cli_usage("pp-align", "unknown option '%s'",
					    argv[optind - 1]);
		}
	}
	if (!score)
		return pp_cli_usage("pp-align", "missing -s SCORE");
	if (argc - optind > 1)
		return pp_cli_usage("pp-align", "too many arguments");
	pp_err_clear(&err);
	if (pp_align_document(score, optind < argc ? argv[optind] : NULL, unfold,
			      score_flags, &doc, &err) < 0 ||
	    pp_doc_save(out, doc, flags, &err) < 0) {
		pp_err_print("pp-align", &err);
		return PP_EXIT_FAIL;
	}
	json_decref(doc);
	return PP_EXIT_OK;
}
