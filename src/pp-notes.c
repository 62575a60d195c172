/*
 * pp-notes - convert a performance between MIDI and notes/1 JSON.
 */
#include <getopt.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "envelope.h"
#include "io.h"
#include "midi.h"
#include "notes.h"
#include "pp.h"

static const char *const usage =
	"usage: pp-notes [-o FILE] [--to json|midi] [--pretty] [FILE]\n"
	"\n"
	"Converts a performance between a Standard MIDI File and notes/1 JSON.\n"
	"The input kind is sniffed (MIDI starts with \"MThd\"). The output kind\n"
	"is --to, else the -o extension (.mid, .midi or .json), else the other\n"
	"kind than the input. FILE \"-\" or none reads stdin.\n"
	"\n"
	"  -o, --output FILE  write FILE (atomically) instead of stdout\n"
	"  -t, --to KIND      output kind: json or midi\n"
	"  -p, --pretty       indent the JSON\n"
	"  -h, --help         show this help\n"
	"  -V, --version      show the version\n";

static const struct option options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "to", required_argument, NULL, 't' },
	{ "pretty", no_argument, NULL, 'p' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

enum kind { AUTO, JSON, MIDI };

/* The kind an output file name asks for, AUTO if it says nothing. */
static enum kind kind_of(const char *path)
{
	const char *dot = path ? strrchr(path, '.') : NULL;

	if (!dot || strchr(dot, '/'))
		return AUTO;
	if (strcasecmp(dot, ".mid") == 0 || strcasecmp(dot, ".midi") == 0)
		return MIDI;
	return strcasecmp(dot, ".json") == 0 ? JSON : AUTO;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Adds performance_metrics["pp-notes"] = {wall_s} (pp-formats(5)). */
static void add_wall(json_t *doc, double seconds)
{
	json_t *pm = json_object_get(doc, "performance_metrics"), *w;

	if (!json_is_object(pm)) {
		pm = json_object();
		json_object_set_new(doc, "performance_metrics", pm);
	}
	w = json_object();
	pp_json_set_real(w, "wall_s", seconds);
	json_object_set_new(pm, "pp-notes", w);
}

/* JSON output: the input document with our members replaced (a notes/1
 * input keeps its other members), or a new document for MIDI input. */
static int save_json(const char *out, const struct pp_notes *p,
		     const char *buf, size_t len, const char *name, int flags,
		     double t0, struct pp_err *err)
{
	json_t *doc = NULL;
	int rc;

	if (!pp_notes_is_midi(buf, len) &&
	    pp_doc_parse(buf, len, name, NULL, &doc, err) < 0)
		return -1;
	if (!doc)
		doc = pp_notes_to_json(p);
	else
		pp_notes_update_json(doc, p);
	add_wall(doc, now() - t0);
	rc = pp_doc_save(out, doc, flags, err);
	json_decref(doc);
	return rc;
}

static int convert(const char *in, const char *out, enum kind to, int flags,
		   struct pp_err *err)
{
	struct pp_notes p;
	double t0 = now();
	char *buf;
	size_t len;
	int rc;

	pp_notes_init(&p);
	if (pp_read_all(in, &buf, &len, err) < 0)
		return -1;
	if (to == AUTO)
		to = kind_of(out);
	if (to == AUTO)
		to = pp_notes_is_midi(buf, len) ? JSON : MIDI;
	rc = pp_notes_parse(buf, len, pp_io_name(in), &p, err);
	if (rc == 0 && to == MIDI)
		rc = pp_midi_save(out, &p, err);
	else if (rc == 0)
		rc = save_json(out, &p, buf, len, pp_io_name(in), flags, t0,
			       err);
	free(buf);
	pp_notes_free(&p);
	return rc;
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	enum kind to = AUTO;
	int c, flags = PP_DOC_COMPACT;
	struct pp_err err;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:t:phV", options, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 't':
			if (strcmp(optarg, "json") == 0)
				to = JSON;
			else if (strcmp(optarg, "midi") == 0)
				to = MIDI;
			else
				return pp_cli_usage("pp-notes", "--to: unknown "
						    "kind '%s' (json or midi)",
						    optarg);
			break;
		case 'p': flags = PP_DOC_PRETTY; break;
		case 'h': fputs(usage, stdout); return PP_EXIT_OK;
		case 'V': pp_cli_version("pp-notes"); return PP_EXIT_OK;
		case ':':
			return pp_cli_usage("pp-notes", "option '%s' needs a "
					    "value", argv[optind - 1]);
		default:
			if (optopt)
				return pp_cli_usage("pp-notes", "unknown option "
						    "'-%c'", optopt);
			return pp_cli_usage("pp-notes", "unknown option '%s'",
					    argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return pp_cli_usage("pp-notes", "too many arguments");
	pp_err_clear(&err);
	if (convert(optind < argc ? argv[optind] : NULL, out, to, flags,
		    &err) < 0) {
		pp_err_print("pp-notes", &err);
		return PP_EXIT_FAIL;
	}
	return PP_EXIT_OK;
}
