/*
 * pp-features - PercePiano's per-note input features from an alignment.
 */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "datadir.h"
#include "envelope.h"
#include "note_features.h"
#include "io.h"
#include "pp.h"
#include "safetensors.h"

#define TOOL "pp-features"

static const char usage[] =
"usage: pp-features [-o FILE] [--raw] [--norm FILE] [--json] [ALIGNMENT]\n"
"       pp-features --names\n"
"       pp-features --stats [-o FILE] [--id ID] FEATURES...\n"
"\n"
"Reads an alignment/1 document (ALIGNMENT, or stdin when absent or \"-\")\n"
"and writes PercePiano's 101 features per row as a safetensors file.\n"
"\n"
"  -o, --output FILE  write to FILE (atomically) instead of stdout\n"
"      --raw          no normalization (norm_id \"raw\")\n"
"      --norm FILE    normalization statistics to apply (default:\n"
"                     data/norm/" PP_NORM_DEFAULT ".json)\n"
"      --json         write the same data as JSON\n"
"      --names        list the columns with their groups, then exit\n"
"      --stats        compute normalization statistics (norm/1 JSON) over\n"
"                     raw features files\n"
"      --id ID        the statistics' id (default: -o's base name)\n"
"  -h, --help         show this help\n"
"  -V, --version      show the version\n";

static const struct option options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "raw", no_argument, NULL, 'r' },
	{ "norm", required_argument, NULL, 'n' },
	{ "json", no_argument, NULL, 'j' },
	{ "names", no_argument, NULL, 'N' },
	{ "stats", no_argument, NULL, 'S' },
	{ "id", required_argument, NULL, 'i' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static json_t *names_json(void)
{
	json_t *a = json_array();

	for (int i = 0; i < PP_FEAT_DIM; i++)
		json_array_append_new(a, json_string(pp_feature_name(i)));
	return a;
}

static int print_names(void)
{
	for (int i = 0; i < PP_FEAT_DIM; i++)
		printf("%d\t%s\t%s\t%s\n", i, pp_feature_name(i),
		       pp_feature_group(i), pp_feature_zscored(i) ? "z" : "raw");
	return fflush(stdout) || ferror(stdout) ? PP_EXIT_FAIL : PP_EXIT_OK;
}

/* The upstream document without its bulky arrays, plus our wall time. */
static json_t *slim_document(const json_t *doc, double wall)
{
	json_t *d = json_deep_copy(doc), *pm, *t;

	json_object_del(json_object_get(d, "score"), "notes");
	json_object_del(json_object_get(d, "performance"), "notes");
	json_object_del(json_object_get(d, "performance"), "controls");
	json_object_del(d, "match");
	json_object_del(d, "extra");
	pm = json_object_get(d, "performance_metrics");
	if (!json_is_object(pm)) {
		pm = json_object();
		json_object_set_new(d, "performance_metrics", pm);
	}
	t = json_object();
	pp_json_set_real(t, "wall_s", wall);
	json_object_set_new(pm, TOOL, t);
	return d;
}

static json_t *source_of(const json_t *doc)
{
	json_t *s = json_object();
	json_t *sc = json_object_get(json_object_get(doc, "score"), "source");
	json_t *pf = json_object_get(json_object_get(doc, "performance"), "source");

	json_object_set(s, "score", sc ? sc : json_null());
	json_object_set(s, "performance", pf ? pf : json_null());
	return s;
}

static json_t *ints(const int32_t *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	return a;
}

static int write_json(const char *out, const struct pp_features *f,
		      const char *norm_id, json_t *source, json_t *doc,
		      struct pp_err *err)
{
	json_t *o = pp_doc_new("features/1"), *x = json_array();
	int rc;

	json_object_set_new(o, "feature_names", names_json());
	json_object_set_new(o, "norm_id", json_string(norm_id));
	json_object_set(o, "source", source);
	json_object_set(o, "document", doc);
	for (size_t r = 0; r < f->n; r++) {
		json_t *row = json_array();

		for (int i = 0; i < PP_FEAT_DIM; i++)
			json_array_append_new(row, json_real(f->x[r * PP_FEAT_DIM + i]));
		json_array_append_new(x, row);
	}
	json_object_set_new(o, "x", x);
	json_object_set_new(o, "note_index", ints(f->note_index, f->n));
	json_object_set_new(o, "voice", ints(f->voice, f->n));
	json_object_set_new(o, "beat", ints(f->beat, f->n));
	json_object_set_new(o, "measure", ints(f->measure, f->n));
	rc = pp_doc_save(out, o, PP_DOC_COMPACT, err);
	json_decref(o);
	return rc;
}

static int write_st(const char *out, const struct pp_features *f,
		    const char *norm_id, json_t *source, json_t *doc,
		    struct pp_err *err)
{
	struct pp_st_writer w;
	int64_t sx[2] = { (int64_t)f->n, PP_FEAT_DIM }, si[1] = { (int64_t)f->n };
	json_t *nj = names_json();
	char *names = json_dumps(nj, JSON_COMPACT);
	char *src = json_dumps(source, JSON_COMPACT);
	char *d = json_dumps(doc, JSON_COMPACT);
	int rc = -1;

	json_decref(nj);
	pp_st_writer_init(&w);
	if (!names || !src || !d) {
		pp_fail(err, "out of memory");
		goto out;
	}
	if (pp_st_writer_add(&w, "x", PP_DT_F32, 2, sx, f->x, err) < 0 ||
	    pp_st_writer_add(&w, "note_index", PP_DT_I32, 1, si, f->note_index, err) < 0 ||
	    pp_st_writer_add(&w, "voice", PP_DT_I32, 1, si, f->voice, err) < 0 ||
	    pp_st_writer_add(&w, "beat", PP_DT_I32, 1, si, f->beat, err) < 0 ||
	    pp_st_writer_add(&w, "measure", PP_DT_I32, 1, si, f->measure, err) < 0)
		goto out;
	pp_st_writer_meta(&w, "pp", "features/1");
	pp_st_writer_meta(&w, "feature_names", names);
	pp_st_writer_meta(&w, "norm_id", norm_id);
	pp_st_writer_meta(&w, "source", src);
	pp_st_writer_meta(&w, "document", d);
	rc = pp_st_writer_save(&w, out, err);
out:
	pp_st_writer_release(&w);
	free(names);
	free(src);
	free(d);
	return rc;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int features(const char *in, const char *out, int raw,
		    const char *norm_path, int as_json, struct pp_err *err)
{
	static const char *const fmt[] = { "alignment/1", NULL };
	double t0 = now();
	struct pp_features f;
	struct pp_norm norm;
	char path[4096];
	json_t *doc, *slim = NULL, *src = NULL;
	int rc = -1;

	if (!raw) {
		if (!norm_path) {
			if (pp_data_path("norm/" PP_NORM_DEFAULT ".json", path,
					 sizeof(path), err) < 0)
				return -1;
			norm_path = path;
		}
		if (pp_norm_load(norm_path, &norm, err) < 0)
			return -1;
	}
	if (pp_doc_read(in, fmt, &doc, err) < 0)
		return -1;
	if (pp_features_extract(doc, pp_io_name(in), &f, err) < 0)
		goto out;
	if (!raw)
		pp_features_normalize(&f, &norm);
	slim = slim_document(doc, now() - t0);
	src = source_of(doc);
	rc = as_json ? write_json(out, &f, raw ? "raw" : norm.id, src, slim, err)
		     : write_st(out, &f, raw ? "raw" : norm.id, src, slim, err);
	pp_features_release(&f);
out:
	json_decref(slim);
	json_decref(src);
	json_decref(doc);
	return rc;
}

/* Statistics over raw features files (norm_id "raw"). */
static int stats(char **files, int nfiles, const char *out, const char *id,
		 struct pp_err *err)
{
	struct pp_norm_acc acc;
	struct pp_norm norm;
	json_t *sources = json_array();
	char idbuf[128];
	int rc = -1;

	if (!id) {
		char *copy = strdup(out ? out : "stats");
		char *base = basename(copy), *dot = strrchr(base, '.');

		if (dot && !strcmp(dot, ".json"))
			*dot = 0;
		snprintf(idbuf, sizeof(idbuf), "%s", base);
		free(copy);
		id = idbuf;
	}
	pp_norm_acc_init(&acc);
	for (int i = 0; i < nfiles; i++) {
		static const int64_t shape[2] = { -1, PP_FEAT_DIM };
		const struct pp_tensor *x;
		const char *nid;
		struct pp_st st;

		if (pp_st_load(files[i], &st, err) < 0)
			goto out;
		nid = pp_st_meta(&st, "norm_id");
		if (!nid || strcmp(nid, "raw")) {
			pp_fail(err, "'%s': not a raw features file (norm_id %s)",
				files[i], nid ? nid : "missing");
			pp_st_free(&st);
			goto out;
		}
		if (pp_st_get(&st, "x", PP_DT_F32, 2, shape, &x, files[i], err) < 0) {
			pp_st_free(&st);
			goto out;
		}
		pp_norm_acc_add(&acc, x->data, (size_t)x->shape[0]);
		json_array_append_new(sources, json_string(basename(files[i])));
		pp_st_free(&st);
	}
	pp_norm_acc_finish(&acc, id, &norm);
	rc = pp_norm_save(out, &norm, sources, err);
out:
	json_decref(sources);
	return rc;
}

int main(int argc, char **argv)
{
	const char *out = NULL, *norm = NULL, *id = NULL;
	int raw = 0, as_json = 0, names = 0, do_stats = 0, c;
	struct pp_err err;

	pp_err_clear(&err);
	opterr = 0; /* one-line usage errors of our own */
	while ((c = getopt_long(argc, argv, "o:hV", options, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'r': raw = 1; break;
		case 'n': norm = optarg; break;
		case 'j': as_json = 1; break;
		case 'N': names = 1; break;
		case 'S': do_stats = 1; break;
		case 'i': id = optarg; break;
		case 'h': fputs(usage, stdout); return PP_EXIT_OK;
		case 'V': pp_cli_version(TOOL); return PP_EXIT_OK;
		default: return pp_cli_usage(TOOL, "unknown option or missing value: '%s'", argv[optind - 1]);
		}
	}
	if (names)
		return print_names();
	if (do_stats) {
		if (optind >= argc)
			return pp_cli_usage(TOOL, "--stats needs FEATURES files");
		if (stats(argv + optind, argc - optind, out, id, &err) < 0) {
			pp_err_print(TOOL, &err);
			return PP_EXIT_FAIL;
		}
		return PP_EXIT_OK;
	}
	if (raw && norm)
		return pp_cli_usage(TOOL, "--raw and --norm exclude each other");
	if (argc - optind > 1)
		return pp_cli_usage(TOOL, "too many arguments");
	if (features(optind < argc ? argv[optind] : NULL, out, raw, norm,
		     as_json, &err) < 0) {
		pp_err_print(TOOL, &err);
		return PP_EXIT_FAIL;
	}
	return PP_EXIT_OK;
}
