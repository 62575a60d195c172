/*
 * pp-eval-transcription - mir_eval's note-level transcription metrics of an
 * estimate against a reference (MIDI, notes/1 or mir_eval text).
 */
#include <float.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "envelope.h"
#include "io.h"
#include "mireval.h"
#include "pp.h"

#define TOOL "pp-eval-transcription"

static const char *const usage =
	"usage: pp-eval-transcription [-o FILE] [--time-offset S | --fit-offset]\n"
	"                             [--onset-tolerance S] [--offset-ratio R]\n"
	"                             [--offset-min-tolerance S] [--pedal-extend]\n"
	"                             [--pretty]\n"
	"                             REFERENCE ESTIMATE\n"
	"\n"
	"Scores a transcription (ESTIMATE) against REFERENCE with the metrics of\n"
	"mir_eval.transcription and transcription_velocity: precision, recall,\n"
	"F-measure and overlap ratio on onset+pitch+offset, on onset+pitch, on\n"
	"onsets only and offsets only, and with velocity. Inputs are MIDI files,\n"
	"notes/1 documents or mir_eval text (onset offset Hz [velocity]); \"-\"\n"
	"reads one of them from stdin. Writes one JSON object.\n"
	"\n"
	"  -o, --output FILE             write FILE (atomically) instead of stdout\n"
	"  -t, --time-offset S           add S seconds to the estimate's times\n"
	"  -f, --fit-offset              find the offset (within 2 s) that maximises\n"
	"                                the onset+pitch F-measure, and use it\n"
	"      --onset-tolerance S       onset window in seconds (default 0.05)\n"
	"      --offset-ratio R          offset window as a share of the reference\n"
	"                                duration (default 0.2)\n"
	"      --offset-min-tolerance S  smallest offset window (default 0.05)\n"
	"  -e, --pedal-extend            extend notes released under the sustain pedal\n"
	"                                to the pedal's release or the key's next onset\n"
	"  -p, --pretty                  indent the JSON\n"
	"  -h, --help                    show this help\n"
	"  -V, --version                 show the version\n";

enum { O_ONSET = 256, O_RATIO, O_OFFMIN };

static const struct option options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "time-offset", required_argument, NULL, 't' },
	{ "fit-offset", no_argument, NULL, 'f' },
	{ "onset-tolerance", required_argument, NULL, O_ONSET },
	{ "offset-ratio", required_argument, NULL, O_RATIO },
	{ "offset-min-tolerance", required_argument, NULL, O_OFFMIN },
	{ "pedal-extend", no_argument, NULL, 'e' },
	{ "pretty", no_argument, NULL, 'p' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

struct args {
	const char *ref, *est, *out;
	double shift;
	int fit, flags, pedal;
	struct pp_mir_opts o;
};

static void put(json_t *obj, const char *prefix, const char *suffix,
		const struct pp_mir_prf *s, int with_overlap)
{
	static const char *const names[] = {"Precision", "Recall", "F-measure", "Average_Overlap_Ratio"};
	const double v[] = {s->precision, s->recall, s->f, s->overlap};
	char key[96];

	for (int i = 0; i < (with_overlap ? 4 : 3); i++) {
		snprintf(key, sizeof key, "%s%s%s", prefix, names[i], suffix);
		json_object_set_new(obj, key, json_real(v[i]));
	}
}

static json_t *report(const struct pp_mir_scores *s, int velocity, size_t nr,
		      size_t ne, double shift)
{
	json_t *doc = json_object(), *t = json_object(), *v;

	put(t, "", "", &s->notes, 1);
	put(t, "", "_no_offset", &s->notes_no_offset, 1);
	put(t, "Onset_", "", &s->onset, 0);
	put(t, "Offset_", "", &s->offset, 0);
	json_object_set_new(doc, "transcription", t);
	if (velocity) {
		v = json_object();
		put(v, "", "", &s->vel, 1);
		put(v, "", "_no_offset", &s->vel_no_offset, 1);
		json_object_set_new(doc, "transcription_velocity", v);
	}
	json_object_set_new(doc, "n_reference", json_integer((json_int_t)nr));
	json_object_set_new(doc, "n_estimate", json_integer((json_int_t)ne));
	json_object_set_new(doc, "time_offset", json_real(shift));
	return doc;
}

static int run(struct args *a, struct pp_err *err)
{
	struct pp_mir_note *ref = NULL, *est = NULL;
	struct pp_mir_scores s;
	size_t nr, ne;
	int vr, ve, rc = -1;
	json_t *doc;

	if (pp_mir_load(a->ref, a->pedal, &ref, &nr, &vr, err) < 0 ||
	    pp_mir_load(a->est, a->pedal, &est, &ne, &ve, err) < 0)
		goto out;
	if (a->fit && pp_mir_fit_offset(ref, nr, est, ne, &a->o, 2.0, &a->shift, err) < 0)
		goto out;
	pp_mir_shift(est, ne, a->shift);
	if (pp_mir_evaluate(ref, nr, est, ne, &a->o, &s, err) < 0)
		goto out;
	doc = report(&s, vr && ve, nr, ne, a->shift);
	rc = pp_doc_save(a->out, doc, a->flags, err);
	json_decref(doc);
out:
	free(ref);
	free(est);
	return rc;
}

int main(int argc, char **argv)
{
	struct args a = {0};
	struct pp_err err;
	double v;
	int c;

	pp_mir_opts_default(&a.o);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:t:fephV", options, NULL)) != -1) {
		switch (c) {
		case 'o': a.out = optarg; break;
		case 't': case O_ONSET: case O_RATIO: case O_OFFMIN:
			if (pp_cli_number(optarg, -DBL_MAX, DBL_MAX, &v) < 0 || (c != 't' && v < 0))
				return pp_cli_usage(TOOL, "%s: '%s' is not a valid number",
						    argv[optind - 1], optarg);
			if (c == 't') a.shift = v;
			else if (c == O_ONSET) a.o.onset_tol = v;
			else if (c == O_RATIO) a.o.offset_ratio = v;
			else a.o.offset_min = v;
			break;
		case 'f': a.fit = 1; break;
		case 'e': a.pedal = 1; break;
		case 'p': a.flags = PP_DOC_PRETTY; break;
		case 'h': fputs(usage, stdout); return PP_EXIT_OK;
		case 'V': pp_cli_version(TOOL); return PP_EXIT_OK;
		case ':':
			return pp_cli_usage(TOOL, "option '%s' needs a value", argv[optind - 1]);
		default:
			return pp_cli_usage(TOOL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		return pp_cli_usage(TOOL, "need REFERENCE and ESTIMATE");
	a.ref = argv[optind];
	a.est = argv[optind + 1];
	if (pp_io_is_std(a.ref) && pp_io_is_std(a.est))
		return pp_cli_usage(TOOL, "only one input can be stdin");
	pp_err_clear(&err);
	if (run(&a, &err) < 0) {
		pp_err_print(TOOL, &err);
		return PP_EXIT_FAIL;
	}
	return PP_EXIT_OK;
}
