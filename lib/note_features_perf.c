/*
 * note_features_perf.c - the performance side of the PercePiano features:
 * pedal values per performance note (midi_utils.add_pedal_inf_to_notes),
 * the clean-up of matched pairs into tempo anchors
 * (xml_midi_matching.make_available_xml_midi_positions) and the tempo
 * segments over a grid of beats, measures or sections
 * (feature_utils.cal_tempo_by_positions). Ports, quirks kept; see
 * man/pp-features.1.scd for their effect.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "note_features_int.h"

size_t fx_binary_index(const double *a, size_t n, double item)
{
	long first = 0, last = (long)n - 1, mid;

	if (n == 0 || item < a[0])
		return 0;
	while (first < last) {
		mid = (first + last) / 2;
		if (a[mid] < item) {
			if (a[mid + 1] > item)
				return (size_t)mid;
			first = mid + 1;
			if (first == last && a[last] > item)
				return (size_t)mid;
		} else if (a[mid] > item) {
			last = mid - 1;
		} else {
			if (mid + 1 == (long)n)
				return (size_t)mid;
			while (a[mid + 1] == item) {
				mid++;
				if (mid + 1 == (long)n)
					return (size_t)mid;
			}
			return (size_t)mid;
		}
	}
	return last < 0 ? 0 : (size_t)last;
}

int fx_pedal_sigmoid(double v)
{
	return (int)(127.0 / (1.0 + exp(-(v - 64.0) / 8.0)));
}

/* read_sustain_pedal: a segment per CC value > 0 (from that event to the
 * next event), after an implicit zero segment at t = 0. A value-0 event
 * closes a segment but opens none, so a released pedal still reads as the
 * last value pressed until the next press. */
static size_t segments(const double *t, const int *num, const int *val,
		       size_t ncc, int a, int b, double *start, double *value)
{
	size_t n = 0;

	start[n] = 0;
	value[n++] = 0;
	for (size_t i = 0; i < ncc; i++) {
		if (num[i] != a && num[i] != b)
			continue;
		if (val[i] > 0) {
			start[n] = t[i];
			value[n++] = val[i];
		}
	}
	return n;
}

/* The lowest segment in [I1, I2) (first one on ties). */
static size_t lowest(const double *value, size_t i1, size_t i2)
{
	size_t lo = i1;

	for (size_t i = i1 + 1; i < i2; i++)
		if (value[i] < value[lo])
			lo = i;
	return lo;
}

void fx_pedal(struct fx_perf *p, size_t np, const double *cc_time,
	      const int *cc_num, const int *cc_val, size_t ncc)
{
	double *ss = malloc((ncc + 1) * sizeof(double));
	double *sv = malloc((ncc + 1) * sizeof(double));
	double *fs = malloc((ncc + 1) * sizeof(double));
	double *fv = malloc((ncc + 1) * sizeof(double));
	size_t ns, nf;

	if (!ss || !sv || !fs || !fv)
		goto out;
	ns = segments(cc_time, cc_num, cc_val, ncc, 64, 127, ss, sv);
	nf = segments(cc_time, cc_num, cc_val, ncc, 67, 67, fs, fv);
	for (size_t k = 0; k < np; k++) {
		struct fx_perf *q = &p[k];
		size_t i1 = fx_binary_index(ss, ns, q->on);
		size_t i2 = fx_binary_index(ss, ns, q->off);
		double next = INFINITY;
		size_t c1, c2, lo;

		q->at_start = sv[i1];
		q->at_end = sv[i2];
		q->soft = fv[fx_binary_index(fs, nf, q->on)];
		q->refresh = q->at_start;
		q->refresh_time = 0;
		if (i1 != i2 && sv[lo = lowest(sv, i1, i2)] < q->at_start) {
			q->refresh = sv[lo];
			q->refresh_time = ss[lo] - q->on;
		}
		q->cut = 0;
		q->cut_time = 0;
		if (k == 0)
			continue;
		for (size_t j = k + 1; j < np; j++)
			if (p[j].on > q->off) {
				next = p[j].on;
				break;
			}
		c1 = fx_binary_index(ss, ns, q->off);
		c2 = fx_binary_index(ss, ns, next);
		q->cut = q->at_end;
		if (c1 != c2 && sv[lo = lowest(sv, c1, c2)] < q->at_end) {
			q->cut = sv[lo];
			q->cut_time = ss[lo] - q->off;
		}
	}
out:
	free(ss);
	free(sv);
	free(fs);
	free(fv);
}

struct anchor {
	double pos, time;
	int index, arpeggiate;
};

/* get_average_onset_time: drops the note farthest from the chord's mean
 * while some note is more than 0.2 s (1 s with an arpeggio) away; a pair
 * that disagrees is dropped whole. Returns the kept count; *AVG is the
 * mean of the last set averaged. */
static size_t chord_average(struct anchor *c, size_t n, double *avg)
{
	double threshold = 0.2, maxdev;
	size_t imax;

	for (;;) {
		*avg = 0;
		for (size_t i = 0; i < n; i++) {
			*avg += c[i].time;
			if (c[i].arpeggiate)
				threshold = 1;
		}
		*avg /= (double)n;
		maxdev = -1;
		imax = 0;
		for (size_t i = 0; i < n; i++)
			if (fabs(c[i].time - *avg) > maxdev) {
				maxdev = fabs(c[i].time - *avg);
				imax = i;
			}
		if (maxdev <= threshold)
			return n;
		if (n == 2)
			return 0;
		memmove(c + imax, c + imax + 1, (n - imax - 1) * sizeof(*c));
		n--;
	}
}

/* Mismatched score-note indices, applied to the pairs at the end. */
struct drops {
	int *v;
	size_t n;
};

static void unmatch(struct drops *d, int index)
{
	d->v[d->n++] = index;
}

/* Flushes the chord group CH [NCH] into the anchors (or unmatches it). */
static void flush_chord(struct anchor *ch, size_t nch, struct anchor *clean,
			size_t *ncl, struct drops *pair, struct anchor *tmp)
{
	double avg;
	size_t kept;
	struct anchor a = ch[0];

	memcpy(tmp, ch, nch * sizeof(*ch));
	kept = chord_average(tmp, nch, &avg);
	a.time = avg;
	if (*ncl == 0 || a.time > clean[*ncl - 1].time +
			 ((a.pos - clean[*ncl - 1].pos) / 600.0 * 60 + 0.01)) {
		clean[(*ncl)++] = a;
		for (size_t i = 0; i < nch; i++) {
			int in = 0;

			for (size_t j = 0; j < kept && !in; j++)
				in = tmp[j].index == ch[i].index;
			if (!in)
				unmatch(pair, ch[i].index);
		}
	} else {
		for (size_t i = 0; i < nch; i++)
			unmatch(pair, ch[i].index);
	}
}

int fx_anchors(const struct fx_note *sn, size_t nn, const struct fx_perf *p,
	       int *pair, double **apos, double **atime, size_t *na)
{
	struct anchor *in = malloc((nn + 1) * sizeof(*in));
	struct anchor *clean = malloc((nn + 1) * sizeof(*clean));
	struct anchor *chord = malloc((nn + 1) * sizeof(*chord));
	struct anchor *tmp = malloc((nn + 1) * sizeof(*tmp));
	struct drops drop = { malloc((2 * nn + 1) * sizeof(int)), 0 };
	size_t n = 0, ncl = 0, nch = 0, prev_i = 0;
	double prev_pos = -INFINITY, prev_time = -INFINITY;
	int rc = -1;

	*apos = *atime = NULL;
	if (!in || !clean || !chord || !tmp || !drop.v)
		goto out;
	for (size_t i = 0; i < nn; i++) {
		if (pair[i] < 0 || sn[i].grace != 0)
			continue;
		in[n].pos = sn[i].pos;
		in[n].time = p[pair[i]].on;
		in[n].index = (int)i;
		in[n].arpeggiate = !!(sn[i].notations & (1u << N_ARPEGGIATE));
		n++;
	}
	/* make_average_onset_cleaned_pair (the last chord is never flushed) */
	for (size_t i = 0; i < n; i++) {
		double cur = in[i].pos, t = in[i].time, minint = 0;

		if (cur > prev_pos && prev_pos >= 0)
			minint = (cur - prev_pos) / 600.0 * 60 + 0.01;
		if (cur > prev_pos && t > prev_time + minint) {
			if (nch > 0)
				flush_chord(chord, nch, clean, &ncl, &drop, tmp);
			nch = 0;
			chord[nch++] = in[i];
			prev_pos = cur;
			prev_time = t;
			prev_i = i;
		} else if (cur == prev_pos) {
			chord[nch++] = in[i];
		} else {
			unmatch(&drop, in[prev_i].index);
			unmatch(&drop, in[i].index);
		}
	}
	for (size_t i = 0; i < drop.n; i++)
		pair[drop.v[i]] = -1;
	rc = 0;
out:
	if (rc == 0) {
		*apos = malloc((ncl + 1) * sizeof(double));
		*atime = malloc((ncl + 1) * sizeof(double));
		if (!*apos || !*atime) {
			rc = -1;
		} else {
			for (size_t i = 0; i < ncl; i++) {
				(*apos)[i] = clean[i].pos;
				(*atime)[i] = clean[i].time;
			}
			*na = ncl;
		}
	}
	free(in);
	free(clean);
	free(chord);
	free(tmp);
	free(drop.v);
	return rc;
}

size_t fx_tempos(const double *grid, size_t ng, const double *apos,
		 const double *atime, size_t na, struct fx_tempo *out)
{
	double prev_end = 0;
	size_t nt = 0;

	if (na == 0)
		return 0;
	for (size_t i = 0; i + 1 < ng; i++) {
		size_t c = fx_binary_index(apos, na, grid[i]);
		size_t x = fx_binary_index(apos, na, grid[i + 1]);
		double dt;

		if (apos[c] < prev_end)
			continue;
		if (apos[x] == prev_end)
			continue;
		if (c == x)
			continue;
		dt = atime[x] - atime[c];
		if (!(dt > 0))
			continue; /* the reference divides by zero here */
		out[nt].pos = apos[c];
		out[nt].time = atime[c];
		out[nt].qpm = (apos[x] - apos[c]) / dt * 60;
		nt++;
		prev_end = apos[x];
	}
	return nt;
}

const struct fx_tempo *fx_tempo_at(const struct fx_tempo *t, size_t nt,
				   double pos)
{
	/* binary_index over the segment starts, which strictly increase */
	for (size_t i = nt; i-- > 1;)
		if (t[i].pos <= pos)
			return &t[i];
	return &t[0];
}
