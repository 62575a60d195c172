/*
 * align.c - performance-to-score alignment (see align.h for the method).
 */
#include "align.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"

/* Costs of the Viterbi pass, in units of "one missing note". */
#define C_MISS 1.0      /* a score note skipped */
#define C_EXTRA 1.0     /* a performance note in no event */
#define C_NEAR 1.1      /* pitch a semitone or an octave from the event's */
#define C_FAR 1.6       /* any other pitch */
#define C_JUMP 4.0      /* a far jump forward, on top of the missing notes */
#define C_BACK 8.0      /* a jump back (a repeat, a restart) */
#define W_TIME 0.35     /* weight of the timing term */
#define K_ADV 8         /* events one note may advance without a far jump */
#define BEAM_BACK 24    /* beam: states kept behind the best one */
#define BEAM_FWD 72     /* and ahead of it */

#define INF 1e30

struct events {
	int n;          /* events */
	int *first;     /* [n] first score note of the event */
	int *count;     /* [n] notes in it */
	double *q;      /* [n] onset, q */
	uint64_t (*set)[2]; /* [n] pitch set */
	double *cum;    /* [n + 1] notes in events before state k (k = event + 1) */
};

struct cell { double cost, t_ev, spb; };

static int has_pitch(const uint64_t *set, int p)
{
	return p >= 0 && p < 128 && (set[p >> 6] >> (p & 63)) & 1;
}

static int make_events(const struct pp_score *s, struct events *ev, struct pp_err *err)
{
	int n = s->n_notes;

	memset(ev, 0, sizeof(*ev));
	ev->first = malloc(((size_t)n + 1) * sizeof(int));
	ev->count = malloc(((size_t)n + 1) * sizeof(int));
	ev->q = malloc(((size_t)n + 1) * sizeof(double));
	ev->set = calloc((size_t)n + 1, sizeof(*ev->set));
	ev->cum = malloc(((size_t)n + 2) * sizeof(double));
	if (!ev->first || !ev->count || !ev->q || !ev->set || !ev->cum)
		return pp_fail(err, "out of memory");
	for (int i = 0; i < n; i++) {
		const struct pp_score_note *x = &s->notes[i];
		if (ev->n == 0 || fabs(x->onset - ev->q[ev->n - 1]) > 1e-6) {
			ev->first[ev->n] = i;
			ev->count[ev->n] = 0;
			ev->q[ev->n] = x->onset;
			ev->n++;
		}
		ev->count[ev->n - 1]++;
		ev->set[ev->n - 1][x->pitch >> 6] |= (uint64_t)1 << (x->pitch & 63);
	}
	ev->cum[0] = 0;
	for (int e = 0; e < ev->n; e++)
		ev->cum[e + 1] = ev->cum[e] + ev->count[e];
	return 0;
}

static void free_events(struct events *ev)
{
	free(ev->first);
	free(ev->count);
	free(ev->q);
	free(ev->set);
	free(ev->cum);
}

static double pitch_cost(const struct events *ev, int e, int p)
{
	const uint64_t *set = ev->set[e];

	if (has_pitch(set, p))
		return 0;
	if (has_pitch(set, p - 1) || has_pitch(set, p + 1) || has_pitch(set, p - 12) ||
	    has_pitch(set, p + 12))
		return C_NEAR;
	return C_FAR;
}

/* Timing cost of OBS seconds where EXP were expected. */
static double time_cost(double obs, double exp)
{
	double d = fabs(obs - exp) / (0.3 * exp + 0.07);

	return W_TIME * (d < 6 ? d : 6);
}

static double new_spb(double spb, double obs, double dq)
{
	if (dq < 0.05 || obs <= 0)
		return spb;
	double r = obs / dq / spb;
	if (r < 0.5 || r > 2)
		return spb;
	return spb * pow(r, 0.3);
}

/* Initial seconds per quarter: the performance's span over the score's. */
static double guess_spb(const struct events *ev, const struct pp_notes *p)
{
	double qs = ev->n ? ev->q[ev->n - 1] - ev->q[0] : 0;
	double ts = p->n_notes ? p->notes[p->n_notes - 1].onset - p->notes[0].onset : 0;
	double spb = qs > 0.5 && ts > 0 ? ts / qs : 0.5;

	return spb < 0.08 ? 0.08 : spb > 3 ? 3 : spb;
}

/* The Viterbi pass: STATE[i] = event of note i (-1 = extra). */
static int viterbi(const struct events *ev, const struct pp_notes *p, int *state,
		   double *total, struct pp_err *err)
{
	int N = (int)p->n_notes, S = ev->n + 1, W = BEAM_BACK + BEAM_FWD + 1;
	struct cell *prev = malloc((size_t)S * sizeof(*prev));
	struct cell *cur = malloc((size_t)S * sizeof(*cur));
	int32_t *bp = malloc((size_t)N * W * sizeof(int32_t));
	int *lo = malloc((size_t)N * sizeof(int));
	double spb0 = guess_spb(ev, p);
	int best = 0, plo = 0, phi = 0, rc = -1;

	if (!prev || !cur || !bp || !lo) {
		pp_fail(err, "out of memory");
		goto out;
	}
	for (int k = 0; k < S; k++)
		prev[k] = cur[k] = (struct cell){ INF, -1e9, spb0 };
	prev[0].cost = 0;
	for (int i = 0; i < N; i++) {
		double t = p->notes[i].onset;
		int pitch = p->notes[i].pitch;
		int l = best - BEAM_BACK < 0 ? 0 : best - BEAM_BACK;
		int h = best + BEAM_FWD >= S ? S - 1 : best + BEAM_FWD;
		/* prefix minimum of prev.cost - C_MISS*cum over states < k, and
		 * suffix minimum of prev.cost over states > k, for the far jumps */
		double pre = INF, suf = INF;
		int pre_k = -1, suf_k = -1;
		int32_t *b = bp + (size_t)i * W;
		double bestc = INF;

		lo[i] = l;
		for (int k = plo; k < l && k <= phi; k++)
			if (prev[k].cost - C_MISS * ev->cum[k] < pre)
				pre = prev[k].cost - C_MISS * ev->cum[k], pre_k = k;
		for (int k = l; k <= h; k++) {
			struct cell c = { INF, 0, spb0 };
			int from = -1, type = 0;
			if (k - 1 >= plo && k - 1 <= phi &&
			    prev[k - 1].cost - C_MISS * ev->cum[k - 1] < pre)
				pre = prev[k - 1].cost - C_MISS * ev->cum[k - 1], pre_k = k - 1;
			if (k >= plo && k <= phi && prev[k].cost < INF) {
				/* extra: stay, no change */
				c = prev[k];
				c.cost += C_EXTRA;
				from = k;
				type = 1;
				if (k > 0) { /* stay: another note of the same event */
					int e = k - 1;
					double ioi = e + 1 < ev->n ? (ev->q[e + 1] - ev->q[e]) * prev[k].spb : 0.5;
					double gap = t - prev[k].t_ev, allow = 0.06 + 0.25 * ioi;
					double sc = prev[k].cost + pitch_cost(ev, e, pitch) +
						    (gap > allow ? (gap - allow) / (0.05 + 0.2 * ioi) : 0);
					if (sc < c.cost) {
						c = prev[k];
						c.cost = sc;
						type = 0;
					}
				}
			}
			if (k > 0) {
				int e = k - 1;
				double lc = pitch_cost(ev, e, pitch);
				for (int j = k - 1; j >= k - K_ADV && j >= 0; j--) {
					if (j < plo || j > phi || prev[j].cost >= INF)
						continue;
					double miss = C_MISS * (ev->cum[k - 1] - ev->cum[j]);
					double tc = 0, spb = prev[j].spb;
					if (j > 0) {
						double dq = ev->q[e] - ev->q[j - 1];
						tc = time_cost(t - prev[j].t_ev, dq * spb);
						spb = new_spb(spb, t - prev[j].t_ev, dq);
					}
					double v = prev[j].cost + miss + lc + tc;
					if (v < c.cost) {
						c = (struct cell){ v, t, spb };
						from = j;
						type = 2;
					}
				}
				if (pre_k >= 0 && pre + C_MISS * ev->cum[k - 1] + C_JUMP + lc < c.cost) {
					c = (struct cell){ pre + C_MISS * ev->cum[k - 1] + C_JUMP + lc, t,
							   prev[pre_k].spb };
					from = pre_k;
					type = 2;
				}
			}
			cur[k] = c;
			b[k - l] = from < 0 ? -1 : from * 4 + type;
			if (c.cost < bestc)
				bestc = c.cost, best = k;
		}
		/* far jumps back: from any later state of the previous beam */
		for (int k = phi; k >= plo; k--) {
			if (k + 1 <= phi && prev[k + 1].cost < suf)
				suf = prev[k + 1].cost, suf_k = k + 1;
			if (k > h || k < l || k == 0 || suf_k < 0)
				continue;
			double v = suf + C_BACK + pitch_cost(ev, k - 1, pitch);
			if (v < cur[k].cost) {
				cur[k] = (struct cell){ v, t, prev[suf_k].spb };
				b[k - l] = suf_k * 4 + 2;
				if (v < bestc)
					bestc = v, best = k;
			}
		}
		for (int k = plo; k <= phi; k++)
			prev[k].cost = INF;
		for (int k = l; k <= h; k++)
			prev[k] = cur[k];
		plo = l;
		phi = h;
	}
	/* end: events after the last state are missing */
	double bc = INF;
	int k = 0;
	if (N == 0) {
		bc = C_MISS * ev->cum[ev->n];
	} else {
		for (int j = plo; j <= phi; j++) {
			double v = prev[j].cost + C_MISS * (ev->cum[ev->n] - ev->cum[j]);
			if (v < bc)
				bc = v, k = j;
		}
	}
	*total = bc;
	for (int i = N - 1; i >= 0; i--) {
		int32_t v = bp[(size_t)i * W + (k - lo[i])];
		int type = v < 0 ? 1 : v & 3;
		state[i] = type == 1 || k == 0 ? -1 : k - 1;
		k = v < 0 ? 0 : v >> 2;
	}
	rc = 0;
out:
	free(prev);
	free(cur);
	free(bp);
	free(lo);
	return rc;
}

/* ---- note-level pass ---- */

struct ctx {
	const struct pp_score *s;
	const struct pp_notes *p;
	struct events ev;
	int *state;       /* [N] event per performance note, -1 extra */
	int *owner;       /* [N] score note paired with it, -1 */
	double *et;       /* [E] event time estimate, s (NAN unknown) */
	struct pp_alignment *a;
};

static void pair(struct ctx *c, int sn, int pn, enum pp_match_status st)
{
	c->a->match[sn].status = st;
	c->a->match[sn].perf = pn;
	c->owner[pn] = sn;
}

/* Exact pitch pairs inside each event. */
static void pair_exact(struct ctx *c)
{
	int N = (int)c->p->n_notes;

	for (int i = 0; i < N; i++) {
		int e = c->state[i];
		if (e < 0)
			continue;
		for (int j = c->ev.first[e]; j < c->ev.first[e] + c->ev.count[e]; j++) {
			if (c->a->match[j].perf < 0 &&
			    c->s->notes[j].pitch == c->p->notes[i].pitch) {
				pair(c, j, i, PP_MATCHED);
				break;
			}
		}
	}
}

/* Event times from exact pairs (median of non-grace onsets), the rest
 * interpolated in q. */
static void event_times(struct ctx *c)
{
	int E = c->ev.n;
	double buf[64];

	for (int e = 0; e < E; e++) {
		int n = 0;
		for (int j = c->ev.first[e]; j < c->ev.first[e] + c->ev.count[e] && n < 64; j++)
			if (c->a->match[j].status == PP_MATCHED && !c->s->notes[j].grace)
				buf[n++] = c->p->notes[c->a->match[j].perf].onset;
		for (int x = 1; x < n; x++) /* insertion sort */
			for (int y = x; y > 0 && buf[y] < buf[y - 1]; y--) {
				double t = buf[y];
				buf[y] = buf[y - 1];
				buf[y - 1] = t;
			}
		c->et[e] = n ? buf[n / 2] : NAN;
	}
	/* drop times that go backwards against both neighbours */
	int last = -1;
	for (int e = 0; e < E; e++) {
		if (isnan(c->et[e]))
			continue;
		if (last >= 0 && c->et[e] <= c->et[last]) {
			c->et[e] = NAN;
			continue;
		}
		last = e;
	}
	/* interpolate / extrapolate */
	int prevk = -1;
	double spb = guess_spb(&c->ev, c->p);
	for (int e = 0; e < E; e++) {
		if (!isnan(c->et[e])) {
			for (int x = prevk + 1; x < e; x++)
				c->et[x] = prevk < 0 ? c->et[e] - (c->ev.q[e] - c->ev.q[x]) * spb :
					   c->et[prevk] + (c->et[e] - c->et[prevk]) *
					   (c->ev.q[x] - c->ev.q[prevk]) / (c->ev.q[e] - c->ev.q[prevk]);
			prevk = e;
		}
	}
	for (int x = prevk + 1; x < E; x++)
		c->et[x] = prevk < 0 ? (c->p->n_notes ? c->p->notes[0].onset : 0) +
			   (c->ev.q[x] - c->ev.q[0]) * spb :
			   c->et[prevk] + (c->ev.q[x] - c->ev.q[prevk]) * spb;
}

static double ioi_at(const struct ctx *c, int e)
{
	if (e + 1 < c->ev.n)
		return c->et[e + 1] - c->et[e];
	if (e > 0)
		return c->et[e] - c->et[e - 1];
	return 0.5;
}

/* Unmatched score notes take a free performance note of their pitch close
 * to where the event was played. */
static void rescue(struct ctx *c)
{
	int N = (int)c->p->n_notes;

	for (int e = 0; e < c->ev.n; e++) {
		double tol = 0.06 + 0.45 * fabs(ioi_at(c, e));
		if (tol > 0.35)
			tol = 0.35;
		for (int j = c->ev.first[e]; j < c->ev.first[e] + c->ev.count[e]; j++) {
			if (c->a->match[j].perf >= 0)
				continue;
			int best = -1;
			double bd = tol;
			/* binary search would do; the window is small */
			int lo = 0, hi = N;
			while (lo < hi) {
				int mid = (lo + hi) / 2;
				if (c->p->notes[mid].onset < c->et[e] - tol)
					lo = mid + 1;
				else
					hi = mid;
			}
			for (int i = lo; i < N && c->p->notes[i].onset <= c->et[e] + tol; i++) {
				double d = fabs(c->p->notes[i].onset - c->et[e]);
				if (c->owner[i] < 0 && c->p->notes[i].pitch == c->s->notes[j].pitch &&
				    d <= bd)
					bd = d, best = i;
			}
			if (best >= 0)
				pair(c, j, best, PP_MATCHED);
		}
	}
}

/* Performance notes placed in an event but unpaired take an unmatched score
 * note of that event (or the next one) with another pitch. */
static void pair_wrong(struct ctx *c)
{
	int N = (int)c->p->n_notes;

	for (int i = 0; i < N; i++) {
		int e = c->state[i];
		if (e < 0 || c->owner[i] >= 0)
			continue;
		int best = -1, bd = 13;
		for (int j = c->ev.first[e]; j < c->ev.first[e] + c->ev.count[e]; j++) {
			int d = abs(c->s->notes[j].pitch - c->p->notes[i].pitch);
			if (c->a->match[j].perf < 0 && d < bd)
				bd = d, best = j;
		}
		if (best >= 0)
			pair(c, best, i, PP_WRONG_PITCH);
	}
}

/* q position of time T on the event-time curve (for measures of extras). */
static double q_at_time(const struct ctx *c, double t)
{
	int E = c->ev.n, lo = 0, hi = E - 1;

	if (E == 0)
		return 0;
	if (t <= c->et[0])
		return c->ev.q[0];
	if (t >= c->et[E - 1])
		return c->ev.q[E - 1];
	while (hi - lo > 1) {
		int mid = (lo + hi) / 2;
		if (c->et[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	double dt = c->et[hi] - c->et[lo];
	return c->ev.q[lo] + (dt > 0 ? (t - c->et[lo]) / dt : 0) * (c->ev.q[hi] - c->ev.q[lo]);
}

static int is_ornament(const struct ctx *c, int i)
{
	const struct pp_note *n = &c->p->notes[i];
	const unsigned orn = PP_N_TRILL | PP_N_MORDENT | PP_N_TURN;

	for (int e = 0; e < c->ev.n; e++) {
		if (c->et[e] > n->onset + 0.1)
			break;
		for (int j = c->ev.first[e]; j < c->ev.first[e] + c->ev.count[e]; j++) {
			const struct pp_score_note *s = &c->s->notes[j];
			if (!(s->notations & orn) && !s->grace && !s->preceded_by_grace)
				continue;
			double end = c->et[e] + (s->duration > 0 ? s->duration : 0.25) *
				     (fabs(ioi_at(c, e)) / fmax(e + 1 < c->ev.n ?
				      c->ev.q[e + 1] - c->ev.q[e] : 1, 0.05)) + 0.1;
			if (n->onset >= c->et[e] - 0.25 && n->onset <= end &&
			    abs(n->pitch - s->pitch) <= 3)
				return 1;
		}
	}
	return 0;
}

static int collect_extras(struct ctx *c)
{
	int N = (int)c->p->n_notes, run = 0;
	double last_t = c->ev.n ? c->et[c->ev.n - 1] : 0;
	uint64_t all[2] = { 0, 0 };

	for (int e = 0; e < c->ev.n; e++)
		all[0] |= c->ev.set[e][0], all[1] |= c->ev.set[e][1];
	c->a->extra = calloc((size_t)N + 1, sizeof(*c->a->extra));
	if (!c->a->extra)
		return -1;
	for (int i = 0; i < N; i++) {
		if (c->owner[i] >= 0)
			continue;
		struct pp_extra *x = &c->a->extra[c->a->n_extra++];
		x->perf = i;
		x->measure = pp_score_measure_at(c->s, q_at_time(c, c->p->notes[i].onset));
		x->kind = is_ornament(c, i) ? PP_ORNAMENT : PP_EXTRA;
	}
	/* repeats: runs of >= 8 consecutive extra notes whose pitches are the
	 * score's, or extras well after the score's last event */
	for (int k = 0, i0 = 0; k <= c->a->n_extra; k++) {
		int contiguous = k < c->a->n_extra && k > 0 &&
				 c->a->extra[k].perf == c->a->extra[k - 1].perf + 1;
		if (k < c->a->n_extra && (k == 0 || !contiguous)) {
			if (k > 0 && run >= 8)
				goto mark;
			i0 = k;
			run = 1;
			continue;
		}
		if (k < c->a->n_extra) {
			run++;
			continue;
		}
mark:
		if (run >= 8) {
			int in = 0;
			for (int j = i0; j < i0 + run; j++)
				in += has_pitch(all, c->p->notes[c->a->extra[j].perf].pitch);
			if (in * 4 >= run * 3)
				for (int j = i0; j < i0 + run; j++)
					c->a->extra[j].kind = PP_REPEAT;
		}
		i0 = k;
		run = 1;
	}
	for (int k = 0; k < c->a->n_extra; k++)
		if (c->ev.n && c->p->notes[c->a->extra[k].perf].onset > last_t + 2.0 &&
		    c->a->extra[k].kind == PP_EXTRA)
			c->a->extra[k].kind = PP_REPEAT;
	return 0;
}

/* Local tempo: each note's expected time from a line fitted to the
 * neighbouring events' times (the event itself left out). */
static void deviations(struct ctx *c)
{
	int E = c->ev.n;

	for (int e = 0; e < E; e++) {
		double sw = 0, sq = 0, st = 0, sqq = 0, sqt = 0;
		for (int x = e - 4; x <= e + 4; x++) {
			if (x < 0 || x >= E || x == e)
				continue;
			double w = 1.0 / (1 + abs(x - e));
			sw += w;
			sq += w * c->ev.q[x];
			st += w * c->et[x];
			sqq += w * c->ev.q[x] * c->ev.q[x];
			sqt += w * c->ev.q[x] * c->et[x];
		}
		double pred = c->et[e];
		if (sw > 0) {
			double mq = sq / sw, mt = st / sw, vq = sqq / sw - mq * mq;
			double slope = vq > 1e-9 ? (sqt / sw - mq * mt) / vq : 0;
			pred = mt + slope * (c->ev.q[e] - mq);
		}
		for (int j = c->ev.first[e]; j < c->ev.first[e] + c->ev.count[e]; j++) {
			c->a->event_time[j] = pred;
			if (c->a->match[j].perf >= 0)
				c->a->match[j].onset_deviation =
					c->p->notes[c->a->match[j].perf].onset - pred;
		}
	}
}

int pp_align(const struct pp_score *s, const struct pp_notes *p,
	     struct pp_alignment **out, struct pp_err *err)
{
	struct ctx c;
	int N = (int)p->n_notes, rc = -1;
	struct pp_alignment *a = calloc(1, sizeof(*a));

	memset(&c, 0, sizeof(c));
	*out = NULL;
	if (!a)
		return pp_fail(err, "out of memory");
	a->score = s;
	a->perf = p;
	a->match = calloc((size_t)s->n_notes + 1, sizeof(*a->match));
	a->event_time = calloc((size_t)s->n_notes + 1, sizeof(double));
	c.state = malloc(((size_t)N + 1) * sizeof(int));
	c.owner = malloc(((size_t)N + 1) * sizeof(int));
	c.et = malloc(((size_t)s->n_notes + 1) * sizeof(double));
	c.s = s;
	c.p = p;
	c.a = a;
	if (!a->match || !a->event_time || !c.state || !c.owner || !c.et) {
		pp_fail(err, "out of memory");
		goto out;
	}
	for (int j = 0; j < s->n_notes; j++)
		a->match[j] = (struct pp_match){ PP_MISSING, -1, 0 };
	for (int i = 0; i < N; i++)
		c.owner[i] = -1;
	if (make_events(s, &c.ev, err) < 0 || viterbi(&c.ev, p, c.state, &a->cost, err) < 0)
		goto out;
	pair_exact(&c);
	event_times(&c);
	rescue(&c);
	pair_wrong(&c);
	event_times(&c);
	if (collect_extras(&c) < 0) {
		pp_fail(err, "out of memory");
		goto out;
	}
	deviations(&c);
	rc = 0;
out:
	free_events(&c.ev);
	free(c.state);
	free(c.owner);
	free(c.et);
	if (rc < 0)
		pp_alignment_free(a);
	else
		*out = a;
	return rc;
}

void pp_alignment_free(struct pp_alignment *a)
{
	if (!a)
		return;
	free(a->match);
	free(a->extra);
	free(a->event_time);
	free(a);
}

int pp_alignment_matched(const struct pp_alignment *a)
{
	int n = 0;

	for (int j = 0; j < a->score->n_notes; j++)
		n += a->match[j].status == PP_MATCHED;
	return n;
}
