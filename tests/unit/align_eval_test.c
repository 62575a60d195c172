/*
 * align_eval_test.c - the sets that the alignment scorer (align_eval.h)
 * reads from the hand-made .match fixtures of each format generation and
 * from an alignment/1 document, element by element, and its P/R/F on them
 * (worked out by hand; see tests/t0600-eval-alignment.sh). Run from the
 * repository root.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "align_eval.h"
#include "tap.h"

#define M "tests/fixtures/match/"

/* The set V of N as one sorted, space-joined line ("a|b|c"). */
static const char *joined(char **v, int n)
{
	static char out[1024];
	size_t k = 0;
	char **c = malloc(((size_t)n + 1) * sizeof(*c));

	memcpy(c, v, (size_t)n * sizeof(*c));
	for (int i = 1; i < n; i++) /* insertion sort: a handful of keys */
		for (int j = i; j > 0 && strcmp(c[j - 1], c[j]) > 0; j--) {
			char *t = c[j];
			c[j] = c[j - 1];
			c[j - 1] = t;
		}
	out[0] = '\0';
	for (int i = 0; i < n; i++)
		k += (size_t)snprintf(out + k, sizeof(out) - k, "%s%s", i ? "|" : "", c[i]);
	free(c);
	return out;
}

static void check_sets(const char *file, const char *match, const char *ins,
		       const char *del)
{
	struct pp_align_sets s;
	struct pp_err err;

	pp_err_clear(&err);
	if (!ok(pp_align_sets_read(file, &s, &err) == 0, "%s reads", file)) {
		printf("#   %s\n", err.msg);
		return;
	}
	is_str(joined(s.match, s.n_match), match, "%s: match pairs", file);
	is_str(joined(s.insertion, s.n_insertion), ins, "%s: insertions", file);
	is_str(joined(s.deletion, s.n_deletion), del, "%s: deletions", file);
	pp_align_sets_free(&s);
}

/* The three results of TRUTH against EST. */
static void check_prf(const char *truth, const char *est, const double want[3][3])
{
	static const char *const set[3] = { "match", "insertion", "deletion" };
	struct pp_align_sets t, e;
	struct pp_prf r[3];
	struct pp_err err;

	pp_err_clear(&err);
	if (pp_align_sets_read(truth, &t, &err) < 0 || pp_align_sets_read(est, &e, &err) < 0) {
		ok(0, "%s and %s read: %s", truth, est, err.msg);
		return;
	}
	pp_align_score(&t, &e, r);
	for (int k = 0; k < 3; k++) {
		is_num(r[k].precision, want[k][0], 1e-12, "%s vs %s: %s precision", truth, est, set[k]);
		is_num(r[k].recall, want[k][1], 1e-12, "%s vs %s: %s recall", truth, est, set[k]);
		is_num(r[k].f, want[k][2], 1e-12, "%s vs %s: %s F", truth, est, set[k]);
	}
	pp_align_sets_free(&t);
	pp_align_sets_free(&e);
}

/* Spellings: numeric modifiers, x, ##, bb; notes numbered by onset, then
 * pitch, then line. */
static void check_spellings(void)
{
	char path[] = "/tmp/pp-align-eval-XXXXXX";
	int fd = mkstemp(path);
	FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;
	struct pp_align_sets s;
	struct pp_err err;

	if (!ok(fp != NULL, "temporary file"))
		return;
	fputs("snote(a,[c,1],4,1:1,0,1/4,0,1,[])-note(x1,[c,1],4,100,200,200,50).\n"
	      "snote(b,[d,bb],4,1:1,0,1/4,0,1,[])-note(x2,[C,x],4,100,200,200,50).\n"
	      "snote(c,[e,##],4,1:1,0,1/4,0,1,[])-note(x3,[f,-1],4,100,200,200,50).\n"
	      "insertion-note(x4,[b,#],3,100,150,150,20).\n", fp);
	fclose(fp);
	pp_err_clear(&err);
	is_int(pp_align_sets_read(path, &s, &err), 0, "spellings read");
	/* onsets all 100: pitch B#3 = 60, C#4 = 61, Cx4 = 62, Fb4 = 64 */
	is_str(joined(s.match, s.n_match), "a p1|b p2|c p3", "pairs numbered by pitch");
	is_str(joined(s.insertion, s.n_insertion), "p0", "B#3 is the lowest");
	pp_align_sets_free(&s);
	unlink(path);
}

int main(void)
{
	static const double v5_v1[3][3] = {
		{ 0.8, 0.8, 0.8 }, { 1.0 / 3, 0.5, 0.4 }, { 0.5, 0.5, 0.5 },
	};
	static const double v5_json[3][3] = {
		{ 1, 0.8, 8.0 / 9 }, { 2.0 / 3, 1, 0.8 }, { 2.0 / 3, 1, 0.8 },
	};
	static const double ones[3][3] = { { 1, 1, 1 }, { 1, 1, 1 }, { 1, 1, 1 } };
	struct pp_align_sets none = { 0 };
	struct pp_prf r[3];

	check_sets(M "vienna-v5.match", "n1 p0|n2 p1|n4 p3|n5 p5|n7 p4", "p2|p8", "n3|n6");
	check_sets(M "asap-v1.match", "n1 p0|n3 p2|n4 p3|n5 p5|n7 p4", "p1|p7|p8", "n2|n6");
	check_sets(M "old-v2.match", "n1 p0|n2 p1|n4 p3|n5 p5|n7 p4", "p2|p8", "n3|n6");
	check_sets(M "estimate.alignment.json", "n1 p0|n4 p3|n5 p5|n7 p4", "p1|p2|p8",
		   "n2|n3|n6");
	check_prf(M "vienna-v5.match", M "asap-v1.match", v5_v1);
	check_prf(M "vienna-v5.match", M "estimate.alignment.json", v5_json);
	check_prf(M "vienna-v5.match", M "old-v2.match", ones);
	check_spellings();
	pp_align_score(&none, &none, r);
	is_num(r[0].f + r[1].f + r[2].f, 3, 0, "empty sets on both sides score 1");
	return tap_done();
}
