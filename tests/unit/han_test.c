/*
 * han_test.c - the CPU forward pass (lib/han_cpu.c) against PyTorch's, level
 * by level, on the committed test vectors (tests/fixtures/han/NAME.levels.
 * safetensors, made by train/export.py vectors from
 * data/models/han/composition-f0.safetensors).
 *
 * Tolerance: 1e-4 absolute on every element. Both sides compute in float32
 * from the same F16-rounded weights, so the only differences are summation
 * order (BLAS blocking vs. PyTorch's kernels) and libm's expf/tanhf against
 * PyTorch's vectorised ones: ~1e-6 per operation, growing through the LSTM
 * recurrences (up to ~230 steps here) to a few 1e-6. 1e-4 leaves room for
 * other BLAS builds while still catching any wrong gate, index or layer.
 */
#include <stdlib.h>
#include <string.h>
#include "datadir.h"
#include "han.h"
#include "tap.h"

static const char *cases[] = {
	"Schubert_D960_mv3_8bars_1_34",
	"Beethoven_WoO80_var23_8bars_11_13",
};

static void compare(const struct pp_st *ref, const char *name, const float *got,
		    size_t n, const char *cname)
{
	const struct pp_tensor *t = pp_st_find(ref, name);
	if (!ok(t && t->dtype == PP_DT_F32 && t->count == n, "%s: %s has %zu values", cname, name, n)) {
		printf("#   reference has %zu\n", t ? t->count : 0);
		return;
	}
	const float *want = t->data;
	double md = 0;
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		double d = fabs((double)got[i] - want[i]);
		if (!(d <= md)) { md = d; at = i; }
	}
	printf("# %s %-17s first %+.6f %+.6f %+.6f  ref %+.6f %+.6f %+.6f  max|diff| %.2e at %zu\n",
	       cname, name, got[0], n > 1 ? got[1] : 0, n > 2 ? got[2] : 0,
	       want[0], n > 1 ? want[1] : 0, n > 2 ? want[2] : 0, md, at);
	ok(md <= 1e-4, "%s: %s within 1e-4 (max %.2e)", cname, name, md);
}

static void run_case(const struct pp_han *m, const char *dir, const char *cname)
{
	char path[1024];
	struct pp_err err;
	struct pp_st in, ref;
	struct pp_han_input x;
	struct pp_han_levels lv;
	pp_err_clear(&err);
	snprintf(path, sizeof path, "%s/%s.safetensors", dir, cname);
	if (!ok(pp_st_load(path, &in, &err) == 0, "load %s", cname)) {
		printf("#   %s\n", err.msg);
		return;
	}
	snprintf(path, sizeof path, "%s/%s.levels.safetensors", dir, cname);
	if (!ok(pp_st_load(path, &ref, &err) == 0, "load levels of %s", cname)) {
		pp_st_free(&in);
		return;
	}
	ok(pp_han_input_from_st(m, &in, cname, &x, &err) == 0, "%s: input accepted %s", cname, err.msg);
	if (pp_han_forward(m, &x, &lv, &err) == 0) {
		int H = m->cfg.hidden;
		compare(&ref, "embedding", lv.embedding, (size_t)lv.n * H, cname);
		compare(&ref, "note_lstm", lv.note_lstm, (size_t)lv.n * 2 * H, cname);
		compare(&ref, "voice_lstm", lv.voice_lstm, (size_t)lv.n * 2 * H, cname);
		compare(&ref, "beat_attention", lv.beat_attention, (size_t)lv.beats * 4 * H, cname);
		compare(&ref, "beat_lstm", lv.beat_lstm, (size_t)lv.beats * 2 * H, cname);
		compare(&ref, "measure_attention", lv.measure_attention, (size_t)lv.measures * 2 * H, cname);
		compare(&ref, "measure_lstm", lv.measure_lstm, (size_t)lv.measures * 2 * H, cname);
		compare(&ref, "top_attention", lv.top_attention, 2 * H, cname);
		compare(&ref, "logits", lv.logits, m->cfg.labels, cname);
		compare(&ref, "output", lv.output, m->cfg.labels, cname);
		pp_han_levels_free(&lv);
	} else {
		ok(0, "%s: forward: %s", cname, err.msg);
	}
	pp_st_free(&in);
	pp_st_free(&ref);
}

static void test_refusals(const struct pp_han *m, const char *dir)
{
	char path[1024];
	struct pp_err err;
	struct pp_st in;
	struct pp_han_input x;
	snprintf(path, sizeof path, "%s/%s.safetensors", dir, cases[0]);
	pp_err_clear(&err);
	if (pp_st_load(path, &in, &err) < 0)
		return;
	/* a discontinuous beat index is refused with a message */
	int32_t *beat = (int32_t *)pp_st_find(&in, "beat")->data;
	int32_t keep = beat[3];
	beat[3] = beat[2] + 2;
	ok(pp_han_input_from_st(m, &in, "a", &x, &err) < 0 &&
	   strstr(err.msg, "not continuous"), "beat jump refused: %s", err.msg);
	beat[3] = keep;
	pp_err_clear(&err);
	float *xf = (float *)pp_st_find(&in, "x")->data;
	xf[5] = NAN;
	ok(pp_han_input_from_st(m, &in, "a", &x, &err) < 0 &&
	   strstr(err.msg, "not a finite number"), "NaN refused: %s", err.msg);
	pp_st_free(&in);
}

/* han_test --compare A B TOL: every tensor of levels file A against B
 * (the GPU test: pp-infer --device cuda --dump-levels vs --device cpu). */
static int compare_files(const char *a, const char *b, double tol)
{
	struct pp_st sa, sb;
	struct pp_err err;
	pp_err_clear(&err);
	if (pp_st_load(a, &sa, &err) < 0 || pp_st_load(b, &sb, &err) < 0) {
		printf("Bail out! %s\n", err.msg);
		return 1;
	}
	for (size_t i = 0; i < sa.ntensors; i++) {
		const struct pp_tensor *t = &sa.tensors[i], *u = pp_st_find(&sb, t->name);
		if (!ok(u && u->count == t->count, "%s present with %zu values", t->name, t->count))
			continue;
		const float *x = t->data, *y = u->data;
		double md = 0;
		for (size_t k = 0; k < t->count; k++)
			if (!(fabs((double)x[k] - y[k]) <= md))
				md = fabs((double)x[k] - y[k]);
		printf("# %-17s first %+.6f %+.6f  vs %+.6f %+.6f  max|diff| %.2e\n", t->name,
		       x[0], t->count > 1 ? x[1] : 0, y[0], u->count > 1 ? y[1] : 0, md);
		ok(md <= tol, "%s within %g (max %.2e)", t->name, tol, md);
	}
	pp_st_free(&sa);
	pp_st_free(&sb);
	return tap_done();
}

/* The sanitizer build's tests sit in build/asan/tests, one level deeper
 * than pp_datadir looks: try the tree's data/ above the executable. */
static int tree_data(const char *argv0, char *out, size_t cap)
{
	const char *up[] = { "/../..", "/../../.." };
	char dir[1024], marker[1200];
	snprintf(dir, sizeof dir, "%s", argv0);
	char *slash = strrchr(dir, '/');
	if (!slash)
		return 0;
	*slash = 0;
	for (int i = 0; i < 2; i++) {
		snprintf(marker, sizeof marker, "%s%s/data/pp-data", dir, up[i]);
		FILE *fp = fopen(marker, "r");
		if (fp) {
			fclose(fp);
			snprintf(out, cap, "%s%s/data", dir, up[i]);
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "--compare"))
		return compare_files(argv[2], argv[3], atof(argv[4]));
	char data[1024], dir[1200], model[1200];
	struct pp_err err;
	struct pp_han m;
	pp_err_clear(&err);
	if (pp_datadir(data, sizeof data, &err) < 0 && !tree_data(argv[0], data, sizeof data)) {
		printf("1..0 # skip no data directory: %s\n", err.msg);
		return 0;
	}
	snprintf(dir, sizeof dir, "%s/../tests/fixtures/han", data);
	snprintf(model, sizeof model, "%s/models/han/composition-f0.safetensors", data);
	if (!ok(pp_han_load(&m, model, &err) == 0, "load model %s", err.msg))
		return tap_done();
	is_int(m.nparams, 12914195, "parameter count");
	is_str(m.norm_id, "percepiano-comp-train", "norm id from the metadata");
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		run_case(&m, dir, cases[i]);
	test_refusals(&m, dir);
	pp_han_free(&m);
	/* a file that is no model */
	snprintf(model, sizeof model, "%s/%s.safetensors", dir, cases[0]);
	pp_err_clear(&err);
	ok(pp_han_load(&m, model, &err) < 0 && strstr(err.msg, "not a pp model"),
	   "features file refused as a model: %s", err.msg);
	return tap_done();
}
