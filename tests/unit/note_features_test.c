/* note_features_test.c - the PercePiano ports with known answers:
 * binary_index, direction embeddings, pedal segments, tempo anchors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "note_features_int.h"
#include "tap.h"

static void test_binary_index(void)
{
	double a[4] = { 0, 1, 2, 3 }, d[4] = { 0, 1, 1, 2 };

	is_int(fx_binary_index(a, 4, 2), 2, "binary_index: exact");
	is_int(fx_binary_index(a, 4, 2.5), 2, "binary_index: between");
	is_int(fx_binary_index(a, 4, -1), 0, "binary_index: before the first");
	is_int(fx_binary_index(a, 4, 9), 3, "binary_index: after the last");
	is_int(fx_binary_index(d, 4, 1), 2, "binary_index: last of equals");
}

static void dir(struct fx_dir *d, double pos, const char *type,
		const char *content)
{
	memset(d, 0, sizeof(*d));
	d->pos = pos;
	d->staff = 1;
	strcpy(d->type, type);
	d->content = strdup(content);
	d->end = INFINITY;
}

static void test_directions(void)
{
	struct fx_dir d[5];
	double pos[5] = { 0, 1, 2, 3, 4 }, ts = 0;
	int staff[5] = { 1, 1, 1, 1, 1 };
	struct fx_dir_out o[5];
	float primo[2];
	struct pp_err err;

	dir(&d[0], 0, "dynamic", "p");
	dir(&d[1], 0, "words", "Andante");
	dir(&d[2], 1, "words", "cresc.");
	dir(&d[3], 2, "dynamic", "sf");
	dir(&d[4], 3, "words", "poco rit.");
	memset(o, 0, sizeof(o));
	ok(fx_directions(d, 5, pos, staff, 5, &ts, 1, o, primo, &err) == 0,
	   "directions: processed");
	is_num(o[0].dynamic[0], -0.4, 1e-6, "p: absolute -0.4");
	is_num(o[0].tempo[0], -0.5, 1e-6, "Andante: absolute tempo -0.5");
	is_num(primo[0], -0.5, 1e-6, "tempo_primo from the first note");
	is_num(o[1].dynamic[1], 0.7, 1e-6, "cresc.: slot 1 +0.7");
	is_num(o[1].dynamic[0], -0.4, 1e-6, "cresc.: p still in force");
	is_num(o[2].dynamic[2], 0, 1e-6, "sf never reaches a note (quirk)");
	is_num(o[4].recent_tempo_pos, 1, 1e-9,
	       "a relative dynamic moves the recent tempo position (quirk)");
	is_num(o[3].tempo[2], -0.3, 1e-6, "poco rit.: the longer key wins");
	is_num(o[3].tempo[0], -0.5, 1e-6, "poco rit.: Andante kept");
	ok(strcmp(o[2].section_key, o[3].section_key) != 0 &&
	   strcmp(o[3].section_key, o[4].section_key) == 0,
	   "a new tempo section where the tempo words change");
	fx_dir_out_release(o, 5);
	for (int i = 0; i < 5; i++)
		free(d[i].content);
}

static void test_pedal(void)
{
	struct fx_perf p[2];
	double t1[3] = { 0, 1.0, 2.0 };
	int n1[3] = { 64, 64, 64 }, v1[3] = { 127, 0, 127 };
	double t2[6] = { 0, 1.0, 1.1, 1.2, 1.3, 1.4 };
	int n2[6] = { 64, 64, 64, 64, 64, 64 }, v2[6] = { 100, 30, 5, 0, 60, 127 };

	memset(p, 0, sizeof(p));
	p[0].on = 0.1, p[0].off = 0.2;
	p[1].on = 0.5, p[1].off = 1.5;
	fx_pedal(p, 2, t1, n1, v1, 3);
	is_num(p[1].at_start, 127, 0, "pedal at start");
	is_num(p[1].at_end, 127, 0, "a released 127/0 pedal still reads 127 (quirk)");
	is_num(p[1].refresh_time, 0, 0, "and its release is no refresh");
	is_num(p[0].cut, 0, 0, "the first note has no cut");
	p[1].off = 2.0;
	fx_pedal(p, 2, t2, n2, v2, 6);
	is_num(p[1].refresh, 5, 0, "continuous pedal: refresh at the lowest value");
	is_num(p[1].refresh_time, 0.6, 1e-9, "refresh time from note on");
	is_int(fx_pedal_sigmoid(127), 126, "warp 127");
	is_int(fx_pedal_sigmoid(64), 63, "warp 64");
	is_int(fx_pedal_sigmoid(0), 0, "warp 0");
}

static void test_anchors(void)
{
	struct fx_note n[5];
	struct fx_perf p[5];
	int pair[5] = { 0, 1, 2, 3, 4 };
	double t[5] = { 0.0, 0.5, 1.0, 2.0, 3.0 }, q[5] = { 0, 0, 1, 2, 3 };
	double *apos, *atime;
	size_t na;

	memset(n, 0, sizeof(n));
	memset(p, 0, sizeof(p));
	for (int i = 0; i < 5; i++) {
		n[i].pos = q[i];
		p[i].on = t[i];
	}
	ok(fx_anchors(n, 5, p, pair, &apos, &atime, &na) == 0, "anchors made");
	is_int(na, 3, "three anchors (the last group is never one)");
	is_num(atime[0], 0.25, 1e-12, "a spread chord still gives its mean");
	is_int(pair[0], -1, "its notes are unmatched");
	is_int(pair[1], -1, "both of them");
	is_int(pair[2], 2, "others stay matched");
	is_num(apos[2], 2, 0, "anchor positions");
	free(apos);
	free(atime);
}

int main(void)
{
	test_binary_index();
	test_directions();
	test_pedal();
	test_anchors();
	return tap_done();
}
