/*
 * pp-infer - predicts the 19 PercePiano dimensions from a features file with
 * the HAN (lib/han.h, lib/infer.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "atomic.h"
#include "cli.h"
#include "datadir.h"
#include "envelope.h"
#include "infer.h"
#include "io.h"
#include "pp.h"

static const char usage[] =
	"usage: pp-infer [-o FILE] [--device auto|cpu|cuda] [--model FILE|DIR] [--batch] [--dump-levels F] [FEATURES...]\n"
	"\n"
	"Reads a features file (pp-features; stdin when none or '-') and writes a\n"
	"predictions/1 document: the 19 dimensions with value, poles, percentile and,\n"
	"with several fold models, their spread.\n"
	"\n"
	"  -o, --output FILE   write to FILE (atomically) instead of stdout\n"
	"      --device DEV    auto (GPU if usable, else CPU), cpu or cuda\n"
	"      --model PATH    a model file, or a directory of fold models\n"
	"                      (default: DATADIR/models/han)\n"
	"      --batch         many FEATURES, one model load; one JSON line each\n"
	"      --dump-levels F write the first model's activations at every level\n"
	"                      to F (safetensors), for backend checks\n"
	"  -h, --help          this help\n"
	"  -V, --version       version\n";

static const struct option opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "device", required_argument, NULL, 'd' },
	{ "model", required_argument, NULL, 'm' },
	{ "batch", no_argument, NULL, 'b' },
	{ "dump-levels", required_argument, NULL, 'L' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* One features file to one document. */
static int infer_one(struct pp_infer_set *s, const char *path, json_t **doc,
		     struct pp_err *err)
{
	struct pp_st st;
	double t0 = now();
	if (pp_st_load(path, &st, err) < 0)
		return -1;
	int rc = pp_infer_run(s, &st, pp_io_name(path), doc, err);
	pp_st_free(&st);
	if (rc == 0) {
		json_t *pm = json_object_get(*doc, "performance_metrics");
		if (!json_is_object(pm)) {
			pm = json_object();
			json_object_set_new(*doc, "performance_metrics", pm);
		}
		json_t *w = json_object();
		pp_json_set_real(w, "wall_s", now() - t0);
		json_object_set_new(pm, "pp-infer", w);
	}
	return rc;
}

static int pick_device(struct pp_infer_set *s, const char *dev, struct pp_err *err)
{
	struct pp_err why;
	pp_err_clear(&why);
	if (!strcmp(dev, "cpu"))
		return 0;
	if (pp_han_gpu_available(&why)) {
		s->gpu = 1;
		return 0;
	}
	if (!strcmp(dev, "cuda"))
		return pp_fail(err, "--device cuda: %s", why.msg);
	pp_warn("pp-infer", "no usable GPU (%s); using the CPU", why.msg);
	return 0;
}

static int run_batch(struct pp_infer_set *s, const char *out_path, char **files,
		     int n, struct pp_err *err)
{
	struct pp_out out;
	if (pp_out_open(&out, out_path, err) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		json_t *doc;
		if (infer_one(s, files[i], &doc, err) < 0 ||
		    pp_doc_write(out.fp, pp_out_name(&out), doc, PP_DOC_COMPACT, err) < 0) {
			pp_out_abort(&out);
			return -1;
		}
		json_decref(doc);
	}
	return pp_out_commit(&out, err);
}

int main(int argc, char **argv)
{
	const char *out = NULL, *dev = "auto", *model = NULL, *dump = NULL;
	char defmodel[2048];
	int batch = 0, c, rc = PP_EXIT_OK;
	struct pp_err err;
	struct pp_infer_set s;
	pp_err_clear(&err);
	opterr = 0; /* one-line usage errors of our own */
	while ((c = getopt_long(argc, argv, "o:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'd': dev = optarg; break;
		case 'm': model = optarg; break;
		case 'b': batch = 1; break;
		case 'L': dump = optarg; break;
		case 'h': fputs(usage, stdout); return PP_EXIT_OK;
		case 'V': pp_cli_version("pp-infer"); return PP_EXIT_OK;
		default: return pp_cli_usage("pp-infer", "unknown option or missing value: '%s'", argv[optind - 1]);
		}
	}
	if (strcmp(dev, "auto") && strcmp(dev, "cpu") && strcmp(dev, "cuda"))
		return pp_cli_usage("pp-infer", "--device must be auto, cpu or cuda, not '%s'", dev);
	if (!batch && argc - optind > 1)
		return pp_cli_usage("pp-infer", "one features file at a time (or --batch)");
	if (!model) {
		if (pp_data_path("models/han", defmodel, sizeof defmodel, &err) < 0) {
			pp_err_print("pp-infer", &err);
			return PP_EXIT_FAIL;
		}
		model = defmodel;
	}
	if (pp_infer_open(&s, model, &err) < 0 || pick_device(&s, dev, &err) < 0) {
		pp_err_print("pp-infer", &err);
		pp_infer_set_free(&s);
		return PP_EXIT_FAIL;
	}
	if (dump) {
		struct pp_st st;
		const char *f = optind < argc ? argv[optind] : NULL;
		if (pp_st_load(f, &st, &err) < 0)
			rc = PP_EXIT_FAIL;
		else {
			if (pp_infer_dump(&s, &st, pp_io_name(f), dump, &err) < 0)
				rc = PP_EXIT_FAIL;
			pp_st_free(&st);
		}
	} else if (batch) {
		char *std_in[] = { "-" };
		int n = argc - optind;
		if (run_batch(&s, out, n ? argv + optind : std_in, n ? n : 1, &err) < 0)
			rc = PP_EXIT_FAIL;
	} else {
		json_t *doc = NULL;
		if (infer_one(&s, optind < argc ? argv[optind] : NULL, &doc, &err) < 0 ||
		    pp_doc_save(out, doc, PP_DOC_PRETTY, &err) < 0)
			rc = PP_EXIT_FAIL;
		json_decref(doc);
	}
	if (rc)
		pp_err_print("pp-infer", &err);
	pp_infer_set_free(&s);
	return rc;
}
