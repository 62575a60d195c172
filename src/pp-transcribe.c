/*
 * pp-transcribe - audio to notes (notes/1 JSON or MIDI) with Basic Pitch.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "envelope.h"
#include "io.h"
#include "midi.h"
#include "notes.h"
#include "pp.h"
#include "transcribe.h"

#define TOOL "pp-transcribe"

static const char *const usage =
	"usage: pp-transcribe [-o FILE] [--format json|midi] [--onset-threshold X]\n"
	"                     [--frame-threshold X] [--min-note-ms X]\n"
	"                     [--melodia|--no-melodia] [--min-freq HZ] [--max-freq HZ]\n"
	"                     [--posteriors FILE] [--progress] [AUDIO]\n"
	"\n"
	"Transcribes a recording (WAV, FLAC, OGG, MP3...; mono mix, resampled to\n"
	"22050 Hz) into notes with Basic Pitch: notes/1 JSON, or MIDI. AUDIO \"-\"\n"
	"or none reads stdin. Velocities are the model's confidence, not loudness;\n"
	"there is no pedal.\n"
	"\n"
	"  -o, --output FILE        write FILE (atomically) instead of stdout\n"
	"  -f, --format KIND        json (notes/1, default) or midi\n"
	"      --onset-threshold X  onset peak threshold, 0-1 (default 0.5)\n"
	"      --frame-threshold X  note-on threshold, 0-1 (default 0.3)\n"
	"      --min-note-ms X      drop notes not longer than this (default 127.7)\n"
	"      --melodia            add notes without an onset peak (default)\n"
	"      --no-melodia         onset-driven notes only\n"
	"      --min-freq HZ        ignore pitches below HZ\n"
	"      --max-freq HZ        ignore pitches at or above HZ\n"
	"      --posteriors FILE    also write the note, onset and contour\n"
	"                           posteriorgrams as safetensors\n"
	"      --progress           report progress on stderr\n"
	"  -p, --pretty             indent the JSON\n"
	"  -h, --help               show this help\n"
	"  -V, --version            show the version\n";

enum { O_ONSET = 256, O_FRAME, O_MINMS, O_MEL, O_NOMEL, O_MINF, O_MAXF,
       O_POST, O_PROG };

static const struct option options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, 'f' },
	{ "onset-threshold", required_argument, NULL, O_ONSET },
	{ "frame-threshold", required_argument, NULL, O_FRAME },
	{ "min-note-ms", required_argument, NULL, O_MINMS },
	{ "melodia", no_argument, NULL, O_MEL },
	{ "no-melodia", no_argument, NULL, O_NOMEL },
	{ "min-freq", required_argument, NULL, O_MINF },
	{ "max-freq", required_argument, NULL, O_MAXF },
	{ "posteriors", required_argument, NULL, O_POST },
	{ "progress", no_argument, NULL, O_PROG },
	{ "pretty", no_argument, NULL, 'p' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

struct args {
	const char *in, *out, *post;
	int midi, flags, progress;
	double max_segment;      /* frames, -1: the model's default */
	struct bp_note_params p;
};

static void progress(double done, double total)
{
	if (total > 0)
		pp_progress("%.0f / %.0f s", done, total);
	else
		pp_progress("%.0f s", done);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int save(const struct args *a, struct pp_notes *p, double wall,
		struct pp_err *err)
{
	json_t *doc, *m;
	int rc;

	if (a->midi)
		return pp_midi_save(a->out, p, err);
	doc = pp_notes_to_json(p);
	m = json_pack("{s:{s:f}}", TOOL, "wall_s", wall);
	json_object_set_new(doc, "performance_metrics", m);
	rc = doc && m ? pp_doc_save(a->out, doc, a->flags, err) : pp_fail(err, "out of memory");
	json_decref(doc);
	return rc;
}

static int run(const struct args *a, struct pp_err *err)
{
	struct pp_transcriber t;
	struct pp_tr_note *notes = NULL;
	struct pp_notes p;
	size_t n = 0;
	double t0 = now();
	int rc = -1;

	pp_notes_init(&p);
	if (pp_tr_open(&t, PP_TR_BASIC_PITCH, a->post != NULL, err) < 0)
		return -1;
	if (a->max_segment >= 0)
		t.max_segment = (size_t)a->max_segment;
	if (pp_transcribe_audio(&t, a->in, progress, err) < 0)
		goto out;
	pp_progress_done();
	if (pp_tr_notes(&t, &a->p, &notes, &n, err) < 0)
		goto out;
	pp_progress("note creation: %zu segments, %zu forced cuts",
		    t.stats.segments, t.stats.forced_cuts);
	pp_progress_done();
	if (pp_tr_notes_fill(notes, n, pp_io_name(a->in),
			     (double)t.n_samples / t.sample_rate, &p, err) < 0)
		goto out;
	if (a->post && pp_posteriors_save(&t, a->post, pp_io_name(a->in), err) < 0)
		goto out;
	rc = save(a, &p, now() - t0, err);
out:
	free(notes);
	pp_notes_free(&p);
	pp_tr_free(&t);
	return rc;
}

int main(int argc, char **argv)
{
	struct args a = {0};
	struct pp_err err;
	double v;
	int c;

	bp_note_params_default(&a.p);
	a.progress = -1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:f:phV", options, NULL)) != -1) {
		switch (c) {
		case 'o': a.out = optarg; break;
		case 'f':
			if (strcmp(optarg, "json") && strcmp(optarg, "midi"))
				return pp_cli_usage(TOOL, "--format: unknown kind '%s' (json or midi)", optarg);
			a.midi = strcmp(optarg, "midi") == 0;
			break;
		case O_ONSET: case O_FRAME:
			if (pp_cli_number(optarg, 0, 1, &v) < 0)
				return pp_cli_usage(TOOL, "%s: '%s' is not a number in 0-1",
						    argv[optind - 1], optarg);
			*(c == O_ONSET ? &a.p.onset_threshold : &a.p.frame_threshold) = v;
			break;
		case O_MINMS:
			if (pp_cli_number(optarg, 0, 1e6, &v) < 0)
				return pp_cli_usage(TOOL, "--min-note-ms: '%s' is not a duration", optarg);
			a.p.min_frames = bp_min_frames(v);
			break;
		case O_MEL: a.p.melodia = 1; break;
		case O_NOMEL: a.p.melodia = 0; break;
		case O_MINF: case O_MAXF:
			if (pp_cli_number(optarg, 1, 1e5, &v) < 0)
				return pp_cli_usage(TOOL, "%s: '%s' is not a frequency in Hz",
						    argv[optind - 1], optarg);
			*(c == O_MINF ? &a.p.min_freq : &a.p.max_freq) = v;
			break;
		case O_POST: a.post = optarg; break;
		case O_PROG: a.progress = 1; break;
		case 'p': a.flags = PP_DOC_PRETTY; break;
		case 'h': fputs(usage, stdout); return PP_EXIT_OK;
		case 'V': pp_cli_version(TOOL); return PP_EXIT_OK;
		case ':':
			return pp_cli_usage(TOOL, "option '%s' needs a value", argv[optind - 1]);
		default:
			return pp_cli_usage(TOOL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return pp_cli_usage(TOOL, "too many arguments");
	/* For tests: the segment bound of note creation, in frames. */
	a.max_segment = -1;
	if (getenv("PP_TRANSCRIBE_MAX_SEGMENT") &&
	    pp_cli_number(getenv("PP_TRANSCRIBE_MAX_SEGMENT"), 0, 1e12, &a.max_segment) < 0)
		return pp_cli_usage(TOOL, "PP_TRANSCRIBE_MAX_SEGMENT: '%s' is not a number of frames",
				    getenv("PP_TRANSCRIBE_MAX_SEGMENT"));
	a.in = optind < argc ? argv[optind] : NULL;
	pp_progress_init(TOOL, a.progress);
	pp_err_clear(&err);
	if (run(&a, &err) < 0) {
		pp_progress_done();
		pp_err_print(TOOL, &err);
		return PP_EXIT_FAIL;
	}
	return PP_EXIT_OK;
}
