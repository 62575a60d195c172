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
#define C_HIT (-1.0)    /* the pitch of an untaken note of the event: refunds its charge */
#define C_NEAR 0.3      /* a semitone or an octave from one of the event's pitches */
#define C_FAR 1.0       /* any other pitch, or one already taken */
#define C_JUMP 4.0      /* a far jump forward, on top of the missing notes */
#define C_BACK 8.0      /* a jump back (a repeat, a restart) */
#define C_STEP_BACK 1.5 /* a step back by one or two events */
#define W_TIME 0.35     /* weight of the timing term */
#define K_ADV 8         /* events one note may advance without a far jump */
#define BEAM_BACK 32    /* states a move may land behind the best one */
#define BEAM_FWD 96     /* and ahead of it */

/* Search: what the pass keeps of its hypotheses. */
#define PRUNE 6.0       /* ordinary ones this much dearer than the best are dropped */
#define PRUNE_LAG 3.0   /* those behind the best state that passed the note as extra */
#define K_HYP 3         /* hypotheses kept per state */
#define T_SAME 0.05     /* s: paths that took the same notes this close are one */
#define MAX_HYP 1024    /* hypotheses per note, at most */
#define LOOK 6          /* notes that must fit after a far move */
#define N_FAR 32        /* far hypotheses kept, at most */
#define PRUNE_FAR 100.0 /* far ones this much dearer than the best are dropped */
#define GAIN 0.25       /* a far one must gain this much a note on the best, */
#define SLACK 3.0       /* give or take this */

#define INF 1e30

enum { T_STAY, T_EXTRA, T_ENTER };

struct events {
	int n;          /* events */
	int *first;     /* [n] first score note of the event */
	int *count;     /* [n] notes in it */
	double *q;      /* [n] onset, q */
	char *grace;    /* [n] 1: the grace notes before a main note */
	uint64_t (*set)[2];  /* [n] pitch set */
	uint64_t (*near)[2]; /* [n] pitches a semitone or an octave from the set */
	double *cum;    /* [n + 1] notes in events before state k (k = event + 1) */
	unsigned char *pitch; /* [score notes] each score note's pitch */
	int *by_pitch;  /* the events holding each pitch, ascending, pitch after pitch */
	int pstart[129]; /* by_pitch[pstart[p] .. pstart[p + 1]) hold pitch p */
};

/*
 * One hypothesis of the Viterbi pass after a given performance note: a
 * state (an event, or 0 = before the first) and the best path into it.
 * Besides its cost a path carries what the timing and pitch terms need:
 * the event's time, the local tempo, and which of the event's score notes
 * it has taken. Paths in one state that took different notes, or that
 * disagree on the event's time, are kept apart (up to K_HYP a state): the
 * one that is cheaper now is not always the one that is right, and keeping
 * only it let whole passages shift by a beat in regular textures.
 *
 * A far hypothesis comes from a move too dear for the PRUNE margin (a far
 * jump, a start later in the score): it lives while it gains on the best.
 */
struct hyp {
	double cost;    /* missing-note units */
	float t0;       /* s: onset of the first note placed in the event */
	float t_ev;     /* s: mean onset of its exact-pitch notes (t0 before one) */
	float spb;      /* local tempo, s per quarter */
	float rel0;     /* a far one: its pruning key over the best's when made */
	uint32_t used;  /* the event's notes taken, bit j = note first + j */
	int state;      /* 0: before the first event; k: event k - 1 */
	int back;       /* lattice node of the previous note's hypothesis, -1 none */
	int node;       /* this one's lattice node */
	int jumped;     /* a far one: the note of its far move; -1: ordinary */
	short hits;     /* exact-pitch notes placed in the event */
	unsigned char move; /* T_STAY, T_EXTRA or T_ENTER: how the note got here */
};

/* The lattice keeps, for each note, its surviving hypotheses' states and
 * back pointers: what the trace back needs, nothing more. */
struct node { int state, back, move; };

/* The cost of a note joining an event none of whose notes is taken yet,
 * found once per note and event. */
struct join { int note; float cost; uint32_t take; };

static int has_pitch(const uint64_t *set, int p)
{
	return p >= 0 && p < 128 && (set[p >> 6] >> (p & 63)) & 1;
}

static void add_pitch(uint64_t *set, int p)
{
	if (p >= 0 && p < 128)
		set[p >> 6] |= (uint64_t)1 << (p & 63);
}

/* The events holding each pitch, for far jumps to events of the note's pitch. */
static int index_pitches(struct events *ev)
{
	int fill[128] = { 0 };

	memset(ev->pstart, 0, sizeof(ev->pstart));
	for (int e = 0; e < ev->n; e++)
		for (int w = 0; w < 2; w++)
			for (uint64_t b = ev->set[e][w]; b; b &= b - 1)
				ev->pstart[w * 64 + __builtin_ctzll(b) + 1]++;
	for (int p = 0; p < 128; p++)
		ev->pstart[p + 1] += ev->pstart[p];
	ev->by_pitch = malloc(((size_t)ev->pstart[128] + 1) * sizeof(int));
	if (!ev->by_pitch)
		return -1;
	for (int e = 0; e < ev->n; e++) /* ascending events within each pitch */
		for (int w = 0; w < 2; w++)
			for (uint64_t b = ev->set[e][w]; b; b &= b - 1) {
				int p = w * 64 + __builtin_ctzll(b);
				ev->by_pitch[ev->pstart[p] + fill[p]++] = e;
			}
	return 0;
}

static int make_events(const struct pp_score *s, struct events *ev, struct pp_err *err)
{
	size_t n = (size_t)s->n_notes + 1;

	memset(ev, 0, sizeof(*ev));
	ev->first = malloc(n * sizeof(int));
	ev->count = malloc(n * sizeof(int));
	ev->q = malloc(n * sizeof(double));
	ev->grace = malloc(n);
	ev->set = calloc(n, sizeof(*ev->set));
	ev->near = calloc(n, sizeof(*ev->near));
	ev->cum = malloc((n + 1) * sizeof(double));
	ev->pitch = malloc(n);
	if (!ev->first || !ev->count || !ev->q || !ev->grace || !ev->set || !ev->near ||
	    !ev->cum || !ev->pitch)
		return pp_fail(err, "out of memory");
	for (int i = 0; i < s->n_notes; i++) {
		const struct pp_score_note *x = &s->notes[i];
		if (ev->n == 0 || fabs(x->onset - ev->q[ev->n - 1]) > 1e-6 ||
		    (x->grace != 0) != ev->grace[ev->n - 1]) {
			ev->grace[ev->n] = x->grace != 0;
			ev->first[ev->n] = i;
			ev->count[ev->n] = 0;
			ev->q[ev->n] = x->onset;
			ev->n++;
		}
		int e = ev->n - 1;
		ev->count[e]++;
		add_pitch(ev->set[e], x->pitch);
		add_pitch(ev->near[e], x->pitch - 12);
		add_pitch(ev->near[e], x->pitch - 1);
		add_pitch(ev->near[e], x->pitch + 1);
		add_pitch(ev->near[e], x->pitch + 12);
		ev->pitch[i] = (unsigned char)x->pitch;
	}
	ev->cum[0] = 0;
	for (int e = 0; e < ev->n; e++)
		ev->cum[e + 1] = ev->cum[e] + ev->count[e];
	if (index_pitches(ev) < 0)
		return pp_fail(err, "out of memory");
	return 0;
}

static void free_events(struct events *ev)
{
	free(ev->first);
	free(ev->count);
	free(ev->q);
	free(ev->grace);
	free(ev->set);
	free(ev->near);
	free(ev->cum);
	free(ev->pitch);
	free(ev->by_pitch);
}

/* Cost of a note of pitch P joining event E whose notes USED are taken;
 * *TAKE gets the bit of the score note it takes (0: none). Notes past an
 * event's 32nd are never marked taken. */
static double join_cost(const struct events *ev, int e, uint32_t used, int p, uint32_t *take)
{
	const unsigned char *pc = ev->pitch + ev->first[e];
	int n = ev->count[e];

	*take = 0;
	if (has_pitch(ev->set[e], p))
		for (int j = 0; j < n; j++) {
			uint32_t bit = j < 32 ? (uint32_t)1 << j : 0;
			if (pc[j] == p && !(used & bit)) {
				*take = bit;
				return C_HIT;
			}
		}
	return has_pitch(ev->near[e], p) ? C_NEAR : C_FAR;
}

/* log2(x) for x > 0, to about 1e-4: enough for costs, without a libm call
 * in the inner loop. */
static double fast_log2(double x)
{
	union { double d; uint64_t u; } v = { x };
	int e = (int)((v.u >> 52) & 0x7ff) - 1023;

	v.u = (v.u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL; /* [1, 2) */
	double m = v.d, y = (m - 1) / (m + 1), y2 = y * y;
	/* log2(m) = 2/ln2 * atanh(y), series to y^7 (|y| <= 1/3) */
	return e + 2.8853900817779268 * y * (1 + y2 * (1.0 / 3 + y2 * (0.2 + y2 / 7)));
}

/* Timing cost of an IOI where EXP seconds were expected; LOBS is log2 of the
 * observed IOI (at least 0) + 0.05. */
static double time_cost(double lobs, double exp)
{
	/* log ratio, softened near zero: 1 per factor 1.5 off */
	double d = fabs(lobs - fast_log2(exp + 0.05)) * 1.7095112913514547; /* 1/log2(1.5) */

	return W_TIME * (d < 8 ? d : 8);
}

/* The tempo after an IOI of OBS seconds over DQ quarters: a slow geometric
 * follow; IOIs off by more than a factor 2 are not believed. */
static double new_spb(double spb, double obs, double dq)
{
	if (dq < 0.05 || obs <= 0)
		return spb;
	double r = obs / dq / spb;
	if (r < 0.5 || r > 2)
		return spb;
	return spb * (1 + 0.15 * 0.6931471805599453 * fast_log2(r));
}

/* Initial seconds per quarter: the performance's span over the score's. */
static double guess_spb(const struct events *ev, const struct pp_notes *p)
{
	double qs = ev->n ? ev->q[ev->n - 1] - ev->q[0] : 0;
	double ts = p->n_notes ? p->notes[p->n_notes - 1].onset - p->notes[0].onset : 0;
	double spb = qs > 0.5 && ts > 0 ? ts / qs : 0.5;

	return spb < 0.08 ? 0.08 : spb > 3 ? 3 : spb;
}

/*
 * The Viterbi pass, one performance note at a time: each hypothesis of the
 * previous note (PREV) offers its moves to the states of the current one
 * (CUR), whose hypotheses are found through SLOT. The beam [l, h] around
 * the previous best state bounds where moves land.
 */
struct pass {
	const struct events *ev;
	const struct pp_notes *p;
	int S;             /* states: events + 1 */
	struct hyp *prev, *cur; /* [MAX_HYP] */
	int n_prev, n_cur;
	int *slot;         /* [S * K_HYP] index into cur, -1 free */
	int *touched, n_touched; /* [MAX_HYP] states with a hypothesis in cur */
	double *lag;       /* [MAX_HYP] scratch: how far each far one lags */
	struct join *join; /* [S] the current note's cost in each event */
	struct node *lat;  /* the lattice, [n_lat] of cap_lat */
	size_t n_lat, cap_lat;
	int best;          /* the previous note's best state */
	double bound;      /* pruning key above which an ordinary hypothesis is dropped */
	double bound_far;  /* and a far one */
	int far_ok;        /* 1 while far moves are looked for */
};

/* Cost less the refunds its event may still give: what pruning compares (a
 * path that has just entered a big chord is not worse yet). */
static double prune_key(const struct events *ev, const struct hyp *c)
{
	return c->state == 0 ? c->cost : c->cost - C_MISS * (ev->count[c->state - 1] - c->hits);
}

/* Note I's cost in event E with nothing taken (cached for the note). */
static const struct join *join0(struct pass *v, int i, int e)
{
	struct join *j = &v->join[e];

	if (j->note != i) {
		j->note = i;
		j->cost = (float)join_cost(v->ev, e, 0, v->p->notes[i].pitch, &j->take);
	}
	return j;
}

/* Where in CUR a path into STATE that took the notes USED, with the event
 * at T_EV, at COST goes: over a hypothesis that took the same notes at
 * about the same time if cheaper, else in a free slot, else over the
 * dearest one if cheaper. NULL: nowhere. The caller fills it. */
static struct hyp *place(struct pass *v, int state, uint32_t used, float t_ev, double cost)
{
	int *sl = v->slot + (size_t)state * K_HYP, worst = -1;
	double wc = -INF;

	for (int s = 0; s < K_HYP; s++) {
		if (sl[s] < 0) {
			if (v->n_cur == MAX_HYP)
				break;
			if (s == 0)
				v->touched[v->n_touched++] = state;
			sl[s] = v->n_cur;
			return &v->cur[v->n_cur++];
		}
		struct hyp *h = &v->cur[sl[s]];
		if (h->used == used && fabsf(h->t_ev - t_ev) < T_SAME)
			return cost < h->cost ? h : NULL;
		if (h->cost > wc)
			wc = h->cost, worst = s;
	}
	return worst >= 0 && cost < wc ? &v->cur[sl[worst]] : NULL;
}

/* Offers CAND, of pruning key KEY, to CUR. */
static void offer(struct pass *v, const struct hyp *cand, double key)
{
	struct hyp *h;

	if (key <= (cand->jumped < 0 ? v->bound : v->bound_far) &&
	    (h = place(v, cand->state, cand->used, cand->t_ev, cand->cost)))
		*h = *cand;
}

/* The moves that keep C's state: note I as an extra note, or as another
 * note of the same event (a chord, an arpeggio; a late one pays for the
 * gap). */
static void moves_stay(struct pass *v, int i, const struct hyp *c)
{
	const struct events *ev = v->ev;
	double t = v->p->notes[i].onset;
	struct hyp x = *c;

	x.back = c->node;
	x.move = T_EXTRA;
	x.cost += C_EXTRA;
	offer(v, &x, prune_key(ev, &x));
	if (c->state == 0)
		return;
	int e = c->state - 1;
	uint32_t take;
	double ioi = ev->grace[e] ? 0.4 : e + 1 < ev->n ? (ev->q[e + 1] - ev->q[e]) * c->spb : 0.5;
	double gap = t - c->t0, allow = 0.06 + 0.25 * ioi;
	x.move = T_STAY;
	x.cost = c->cost + join_cost(ev, e, c->used, v->p->notes[i].pitch, &take) +
		 (gap > allow ? (gap - allow) / (0.05 + 0.2 * ioi) : 0);
	if (take) {
		x.used |= take;
		x.t_ev = x.hits ? x.t_ev + ((float)t - x.t_ev) / (x.hits + 1) : (float)t;
		x.hits++;
	}
	offer(v, &x, prune_key(ev, &x));
}

/* Whether the notes after I fit the score from event E on: of the next LOOK
 * notes at most one is in none of the three events from the last that
 * fitted. A far move is made only where they do. */
static int fits_ahead(const struct events *ev, const struct pp_notes *p, int i, int e)
{
	int miss = 0;

	for (int x = i + 1; x < (int)p->n_notes && x <= i + LOOK; x++) {
		int q = p->notes[x].pitch, d = 0;
		while (d <= 2 && e + d < ev->n && !has_pitch(ev->set[e + d], q))
			d++;
		if (d <= 2 && e + d < ev->n)
			e += d;
		else if (++miss > 1)
			return 0;
	}
	return 1;
}

/* Note I enters event K - 1 from hypothesis C at cost COST, taking the
 * score note TAKE; the tempo follows an IOI of OBS seconds over DQ quarters
 * (none if DQ < 0). A move too dear for an ordinary hypothesis makes a far
 * one while far moves are looked for, if the notes after it fit. */
static void enter(struct pass *v, int i, int k, const struct hyp *c, double cost,
		  uint32_t take, double obs, double dq)
{
	float t = (float)v->p->notes[i].onset;
	int hits = take != 0, jumped = c->jumped;
	double key = cost - C_MISS * (v->ev->count[k - 1] - hits);
	struct hyp *h;

	if (jumped < 0 && key > v->bound) {
		if (!v->far_ok || key > v->bound_far || !fits_ahead(v->ev, v->p, i, k - 1))
			return;
		jumped = i;
	} else if (key > (jumped < 0 ? v->bound : v->bound_far)) {
		return;
	}
	if (!(h = place(v, k, take, t, cost)))
		return;
	*h = (struct hyp){ cost, t, t, dq < 0 ? c->spb : (float)new_spb(c->spb, obs, dq),
			   c->rel0, take, k, c->node, -1, jumped, (short)hits, T_ENTER };
}

/* Advancing by one to K_ADV events (the ones between are missing), and
 * stepping back one or two (a slip), as far as BOUND allows. Only the next
 * event is entered with an unrelated pitch (a wrong note where one was
 * due): entering a later one so is never better than an extra note. */
static void moves_advance(struct pass *v, int i, int l, int h, const struct hyp *c,
			  double bound)
{
	const struct events *ev = v->ev;
	double t = v->p->notes[i].onset, obs = t - c->t_ev, lobs = 0;
	int have_lobs = 0;
	int pitch = v->p->notes[i].pitch, j = c->state;

	for (int k = j + 1 > l ? j + 1 : l; k <= j + K_ADV && k <= h; k++) {
		int e = k - 1;
		double base = c->cost + C_MISS * (ev->cum[e] - ev->cum[j]);
		if (base > bound)
			break;
		if (k > j + 1 && !has_pitch(ev->set[e], pitch) && !has_pitch(ev->near[e], pitch))
			continue;
		const struct join *jn = join0(v, i, e);
		if (base + (jn->take ? 0 : jn->cost) > bound)
			continue;
		double cost = base + C_MISS * ev->count[e] + jn->cost, dq = -1;
		if (j > 0 && !ev->grace[e] && !ev->grace[j - 1]) {
			dq = ev->q[e] - ev->q[j - 1];
			if (!have_lobs)
				lobs = fast_log2(fmax(obs, 0) + 0.05), have_lobs = 1;
			cost += time_cost(lobs, dq * c->spb);
		}
		enter(v, i, k, c, cost, jn->take, obs, dq);
	}
	for (int k = j - 1; k >= j - 2 && k >= 1 && k >= l; k--)
		if (has_pitch(ev->set[k - 1], pitch)) {
			const struct join *jn = join0(v, i, k - 1);
			enter(v, i, k, c, c->cost + C_STEP_BACK + C_MISS * ev->count[k - 1] +
			      jn->cost, jn->take, 0, -1);
		}
}

/* Far jumps, to events in the beam that hold the note's pitch: forward from
 * any earlier hypothesis beyond K_ADV (the events between are missing), back
 * from any later one at a fixed price (a repeat, a restart). PREV is in
 * state order. */
static void moves_jump(struct pass *v, int i, int l, int h)
{
	const struct events *ev = v->ev;
	int pitch = v->p->notes[i].pitch;
	int a = ev->pstart[pitch], b = ev->pstart[pitch + 1], x = 0;
	const struct hyp *pre = NULL, *suf = NULL;

	while (a < b) { /* the first event of the pitch in the beam */
		int mid = (a + b) / 2;
		if (ev->by_pitch[mid] + 1 < l)
			a = mid + 1;
		else
			b = mid;
	}
	b = ev->pstart[pitch + 1];
	for (int m = a; m < b && ev->by_pitch[m] + 1 <= h; m++) {
		int k = ev->by_pitch[m] + 1;
		for (; x < v->n_prev && v->prev[x].state < k; x++)
			if (!pre || v->prev[x].cost - C_MISS * ev->cum[v->prev[x].state] <
				    pre->cost - C_MISS * ev->cum[pre->state])
				pre = &v->prev[x];
		if (pre && pre->state < k - K_ADV) {
			const struct join *jn = join0(v, i, k - 1);
			enter(v, i, k, pre, pre->cost + C_MISS * (ev->cum[k] - ev->cum[pre->state]) +
			      C_JUMP + jn->cost, jn->take, 0, -1);
		}
	}
	x = v->n_prev - 1;
	for (int m = b - 1; m >= a; m--) {
		int k = ev->by_pitch[m] + 1;
		if (k > h)
			continue;
		for (; x >= 0 && v->prev[x].state > k; x--)
			if (!suf || v->prev[x].cost < suf->cost)
				suf = &v->prev[x];
		if (suf) {
			const struct join *jn = join0(v, i, k - 1);
			enter(v, i, k, suf, suf->cost + C_BACK + C_MISS * ev->count[k - 1] +
			      jn->cost, jn->take, 0, -1);
		}
	}
}

/* Whether CUR[X] stays, at note I: an ordinary hypothesis within PRUNE of
 * the best key BK (PRUNE_LAG for one that waits behind the best state,
 * passing notes as extras: most of them are that), or a far one that keeps
 * gaining on the best; V->LAG[X] is how far a far one is behind its due
 * gain. */
static int survives(struct pass *v, int x, double bk, int i)
{
	struct hyp *c = &v->cur[x];
	double rel = prune_key(v->ev, c) - bk;

	if (rel <= (c->move == T_EXTRA && c->state < v->best ? PRUNE_LAG : PRUNE)) {
		c->jumped = -1;
		return 1;
	}
	if (c->jumped < 0 || rel > PRUNE_FAR)
		return 0;
	if (c->jumped == i)
		c->rel0 = (float)rel;
	v->lag[x] = rel - (c->rel0 - GAIN * (i - c->jumped));
	return v->lag[x] <= SLACK;
}

/* Ascending order of the N states in S (a few dozen: insertion sort). */
static void sort_states(int *s, int n)
{
	for (int x = 1; x < n; x++)
		for (int y = x; y > 0 && s[y] < s[y - 1]; y--) {
			int t = s[y];
			s[y] = s[y - 1];
			s[y - 1] = t;
		}
}

/* The surviving hypotheses of CUR (note I) become PREV, in state order, each
 * with its lattice node; of the far ones, the N_FAR that lag least. Returns
 * -1 when the lattice cannot grow. */
static int keep(struct pass *v, int i)
{
	double bk = INF, far[N_FAR + 1];
	int n_far = 0;

	for (int x = 0; x < v->n_cur; x++)
		if (prune_key(v->ev, &v->cur[x]) < bk)
			bk = prune_key(v->ev, &v->cur[x]), v->best = v->cur[x].state;
	for (int x = 0; x < v->n_cur; x++) {
		struct hyp *c = &v->cur[x];
		c->node = survives(v, x, bk, i) ? 0 : -1;
		if (c->node == 0 && c->jumped >= 0) { /* far[]: the N_FAR least lags */
			int y = n_far < N_FAR ? n_far++ : N_FAR;
			for (; y > 0 && far[y - 1] > v->lag[x]; y--)
				far[y] = far[y - 1];
			far[y] = v->lag[x];
		}
	}
	if (v->n_lat + (size_t)v->n_cur > v->cap_lat) {
		size_t cap = 2 * v->cap_lat + (size_t)v->n_cur;
		struct node *lat = realloc(v->lat, cap * sizeof(*lat));
		if (!lat)
			return -1;
		v->lat = lat;
		v->cap_lat = cap;
	}
	sort_states(v->touched, v->n_touched);
	v->n_prev = 0;
	for (int s = 0; s < v->n_touched; s++) {
		int *sl = v->slot + (size_t)v->touched[s] * K_HYP;
		for (int z = 0; z < K_HYP && sl[z] >= 0; z++) {
			int x = sl[z];
			struct hyp *c = &v->cur[x];
			sl[z] = -1;
			if (c->node < 0 || (c->jumped >= 0 && v->lag[x] > far[n_far - 1]))
				continue;
			c->node = (int)v->n_lat;
			v->lat[v->n_lat++] = (struct node){ c->state, c->back, c->move };
			v->prev[v->n_prev++] = *c;
		}
	}
	v->n_touched = 0;
	v->n_cur = 0;
	v->bound = bk + C_EXTRA + PRUNE;
	v->bound_far = bk + C_EXTRA + PRUNE_FAR;
	return 0;
}

/* One performance note. Far moves (jumps, and advances from the best state
 * too dear for an ordinary hypothesis: a skip, a start later in the score)
 * are looked for only at the start and where no ordinary move places the
 * note without a charge. */
static int step(struct pass *v, int i)
{
	int l = v->best - BEAM_BACK < 0 ? 0 : v->best - BEAM_BACK;
	int h = v->best + BEAM_FWD >= v->S ? v->S - 1 : v->best + BEAM_FWD;
	double bk = INF, bk_prev = v->bound - C_EXTRA - PRUNE;

	for (int x = 0; x < v->n_prev; x++) {
		const struct hyp *c = &v->prev[x];
		if (c->state >= l && c->state <= h)
			moves_stay(v, i, c);
		moves_advance(v, i, l, h, c, c->jumped < 0 ? v->bound : v->bound_far);
	}
	for (int x = 0; x < v->n_cur; x++)
		if (prune_key(v->ev, &v->cur[x]) < bk)
			bk = prune_key(v->ev, &v->cur[x]);
	if (bk > bk_prev + 0.5 || v->best == 0) {
		v->far_ok = 1;
		for (int x = 0; x < v->n_prev; x++)
			if (v->prev[x].state == v->best && v->prev[x].jumped < 0)
				moves_advance(v, i, l, h, &v->prev[x], v->bound_far);
		moves_jump(v, i, l, h);
		v->far_ok = 0;
	}
	return keep(v, i);
}

/* Follows the back pointers from the cheapest end: STATE[i] = event of note
 * i (-1 = extra); *TOTAL = the path's cost with the events after its last
 * one missing. */
static void trace_back(struct pass *v, int *state, double *total)
{
	const struct events *ev = v->ev;
	int N = (int)v->p->n_notes, node = -1;
	double bc = INF;

	if (N == 0) {
		*total = C_MISS * ev->cum[ev->n];
		return;
	}
	for (int x = 0; x < v->n_prev; x++) {
		double c = v->prev[x].cost + C_MISS * (ev->cum[ev->n] - ev->cum[v->prev[x].state]);
		if (c < bc)
			bc = c, node = v->prev[x].node;
	}
	*total = bc;
	for (int i = N - 1; i >= 0; i--) {
		const struct node *n = &v->lat[node];
		state[i] = n->move == T_EXTRA || n->state == 0 ? -1 : n->state - 1;
		node = n->back;
	}
}

/* The Viterbi pass: STATE[i] = event of note i (-1 = extra). */
static int viterbi(const struct events *ev, const struct pp_notes *p, int *state,
		   double *total, struct pp_err *err)
{
	struct pass v = { .ev = ev, .p = p, .S = ev->n + 1 };
	int N = (int)p->n_notes, rc = -1;

	v.prev = malloc(MAX_HYP * sizeof(*v.prev));
	v.cur = malloc(MAX_HYP * sizeof(*v.cur));
	v.touched = malloc(MAX_HYP * sizeof(int));
	v.lag = malloc(MAX_HYP * sizeof(double));
	v.slot = malloc((size_t)v.S * K_HYP * sizeof(int));
	v.join = malloc((size_t)v.S * sizeof(*v.join));
	if (!v.prev || !v.cur || !v.touched || !v.lag || !v.slot || !v.join) {
		pp_fail(err, "out of memory");
		goto out;
	}
	for (size_t k = 0; k < (size_t)v.S * K_HYP; k++)
		v.slot[k] = -1;
	for (int e = 0; e < v.S; e++)
		v.join[e].note = -1;
	v.prev[0] = (struct hyp){ 0, -1e9f, -1e9f, (float)guess_spb(ev, p), 0, 0, 0, -1, -1,
				  -1, 0, T_EXTRA };
	v.n_prev = 1;
	v.bound = C_EXTRA + PRUNE;
	v.bound_far = C_EXTRA + PRUNE_FAR;
	for (int i = 0; i < N; i++)
		if (step(&v, i) < 0) {
			pp_fail(err, "out of memory");
			goto out;
		}
	trace_back(&v, state, total);
	rc = 0;
out:
	free(v.prev);
	free(v.cur);
	free(v.touched);
	free(v.lag);
	free(v.slot);
	free(v.join);
	free(v.lat);
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
	int *orn, n_orn;  /* [n_orn] events with a note marked trill, mordent or turn,
			   * or a grace note, or one that grace notes lead into */
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

	/* an unmarked trill or turn: a short note within two semitones of a
	 * matched note that still sounds, played just after it */
	for (int k = i - 1; k >= 0 && k >= i - 12; k--) {
		const struct pp_note *m = &c->p->notes[k];
		if (n->onset - m->onset > 0.4)
			break;
		if (c->owner[k] >= 0 && n->offset - n->onset < 0.12 &&
		    abs(m->pitch - n->pitch) <= 2 && n->onset < m->offset + 0.05)
			return 1;
	}

	for (int k = 0; k < c->n_orn; k++) {
		int e = c->orn[k];
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
	c->orn = malloc(((size_t)c->ev.n + 1) * sizeof(int));
	if (!c->a->extra || !c->orn)
		return -1;
	for (int e = 0; e < c->ev.n; e++)
		for (int j = c->ev.first[e]; j < c->ev.first[e] + c->ev.count[e]; j++) {
			const struct pp_score_note *x = &c->s->notes[j];
			if ((x->notations & (PP_N_TRILL | PP_N_MORDENT | PP_N_TURN)) ||
			    x->grace || x->preceded_by_grace) {
				c->orn[c->n_orn++] = e;
				break;
			}
		}
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
	free(c.orn);
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
