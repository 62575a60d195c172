/*
 * pp-notes - convert a performance between MIDI and notes/1 JSON.
 */
#include <getopt.h>
#include <stdio.h>
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
	"The input kind is sniffed (MIDI starts with \"MThd\"); the output is\n"
	"JSON for MIDI input and MIDI for JSON input unless --to says.\n"
	"FILE \"-\" or none reads stdin.\n"
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

static int convert(const char *in, const char *out, enum kind to, int flags,
		   struct pp_err *err)
{
	struct pp_notes p;
	char *buf;
	size_t len;
	json_t *doc;
	int rc;

	pp_notes_init(&p);
	if (pp_read_all(in, &buf, &len, err) < 0)
		return -1;
	if (to == AUTO)
		to = pp_notes_is_midi(buf, len) ? JSON : MIDI;
	rc = pp_notes_parse(buf, len, pp_io_name(in), &p, err);
	free(buf);
	if (rc == 0 && to == MIDI)
		rc = pp_midi_save(out, &p, err);
	else if (rc == 0) {
		doc = pp_notes_to_json(&p);
		rc = pp_doc_save(out, doc, flags, err);
		json_decref(doc);
	}
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
