/*
 * pp-synth - render a performance (notes/1 or MIDI) to WAV or FLAC with
 * FluidSynth.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "notes.h"
#include "pp.h"
#include "synth.h"

static const char *const usage =
	"usage: pp-synth [-o FILE] [--format wav|flac] [-r RATE] [OPTIONS] [FILE]\n"
	"\n"
	"Renders a performance (notes/1 JSON or a MIDI file) to 16-bit audio\n"
	"with FluidSynth and a General MIDI SoundFont, offline and\n"
	"deterministically. FILE \"-\" or none reads stdin; the output goes to\n"
	"stdout unless -o is given. The format follows the -o extension\n"
	"(.flac: FLAC, else WAV) unless --format says.\n"
	"\n"
	"  -o, --output FILE     write FILE (atomically)\n"
	"  -f, --format KIND     wav or flac\n"
	"  -r, --rate HZ         sample rate (default 44100)\n"
	"  -s, --soundfont SF2   SoundFont (default $PP_SOUNDFONT, else\n"
	"                        " PP_SYNTH_SOUNDFONT ")\n"
	"  -m, --mono            one channel instead of two\n"
	"      --reverb          add FluidSynth's reverb\n"
	"  -g, --gain G          master gain (default 0.8)\n"
	"  -t, --tail SECONDS    silence rendered after the end (default 1)\n"
	"  -h, --help            show this help\n"
	"  -V, --version         show the version\n";

static const struct option options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, 'f' },
	{ "rate", required_argument, NULL, 'r' },
	{ "soundfont", required_argument, NULL, 's' },
	{ "mono", no_argument, NULL, 'm' },
	{ "reverb", no_argument, NULL, 'R' },
	{ "gain", required_argument, NULL, 'g' },
	{ "tail", required_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	struct pp_synth_opts o;
	struct pp_notes p;
	struct pp_err err;
	const char *out = NULL, *format = NULL;
	double v;
	int c, rc;

	pp_synth_opts_init(&o);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:f:r:s:mg:t:hV", options,
				NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'f':
			if (strcmp(optarg, "wav") && strcmp(optarg, "flac"))
				return pp_cli_usage("pp-synth", "--format: "
						    "unknown '%s' (wav or "
						    "flac)", optarg);
			format = optarg;
			break;
		case 'r':
			if (pp_cli_number(optarg, 8000, 192000, &v) < 0 || v != (int)v)
				return pp_cli_usage("pp-synth", "--rate: '%s' "
						    "is not a rate in 8000-192000",
						    optarg);
			o.rate = (int)v;
			break;
		case 's': o.soundfont = optarg; break;
		case 'm': o.channels = 1; break;
		case 'R': o.reverb = 1; break;
		case 'g':
			if (pp_cli_number(optarg, 0, 10, &v) < 0)
				return pp_cli_usage("pp-synth", "--gain: '%s' "
						    "is not in 0-10", optarg);
			o.gain = v;
			break;
		case 't':
			if (pp_cli_number(optarg, 0, 600, &v) < 0)
				return pp_cli_usage("pp-synth", "--tail: '%s' "
						    "is not in 0-600", optarg);
			o.tail = v;
			break;
		case 'h': fputs(usage, stdout); return PP_EXIT_OK;
		case 'V': pp_cli_version("pp-synth"); return PP_EXIT_OK;
		case ':':
			return pp_cli_usage("pp-synth", "option '%s' needs a "
					    "value", argv[optind - 1]);
		default:
			if (optopt)
				return pp_cli_usage("pp-synth", "unknown option "
						    "'-%c'", optopt);
			return pp_cli_usage("pp-synth", "unknown option '%s'",
					    argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return pp_cli_usage("pp-synth", "too many arguments");
	pp_err_clear(&err);
	pp_notes_init(&p);
	rc = pp_notes_load(optind < argc ? argv[optind] : NULL, &p, &err);
	if (rc == 0)
		rc = pp_synth_save(out, format ? (strcmp(format, "flac") == 0 ?
					    PP_SYNTH_FLAC : PP_SYNTH_WAV) :
				   pp_synth_format_of(out), &p, &o, &err);
	pp_notes_free(&p);
	if (rc < 0) {
		pp_err_print("pp-synth", &err);
		return PP_EXIT_FAIL;
	}
	return PP_EXIT_OK;
}
