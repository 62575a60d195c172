/*
 * mireval.c - mir_eval's transcription metrics (see mireval.h).
 */
#include "mireval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void pp_mir_opts_default(struct pp_mir_opts *o)
{
	o->onset_tol = 0.05;
	o->pitch_tol = 50.0;
	o->offset_ratio = 0.2;
	o->offset_min = 0.05;
	o->velocity_tol = 0.1;
	o->beta = 1.0;
	o->strict = 0;
}

double pp_mir_midi_to_hz(double midi)
{
	return 440.0 * pow(2.0, (midi - 69.0) / 12.0);
}

/* np.around(x, 4): scale, round half to even, unscale. */
static double around4(double x)
{
	return nearbyint(x * 10000.0) / 10000.0;
}

static int hit(double d, double tol, int strict)
{
	return strict ? d < tol : d <= tol;
}

static int edge(const struct pp_mir_note *r, const struct pp_mir_note *e,
		const struct pp_mir_opts *o, enum pp_mir_match_kind kind)
{
	if (kind != PP_MIR_OFFSETS &&
	    !hit(around4(fabs(r->onset - e->onset)), o->onset_tol, o->strict))
		return 0;
	if (kind == PP_MIR_NOTES &&
	    !hit(fabs(1200.0 * (log2(r->hz) - log2(e->hz))), o->pitch_tol, o->strict))
		return 0;
	if (kind == PP_MIR_OFFSETS || (kind == PP_MIR_NOTES && o->offset_ratio > 0)) {
		double tol = o->offset_ratio * fabs(r->offset - r->onset);
		if (tol < o->offset_min)
			tol = o->offset_min;
		if (!hit(around4(fabs(r->offset - e->offset)), tol, o->strict))
			return 0;
	}
	return 1;
}

/*
 * The graph in mir_eval's shape: left vertices are estimates (keys in the
 * order np.where meets them scanning [ref][est] row by row), each with its
 * reference neighbours in ascending order.
 */
struct graph {
	int nu, nv;       /* estimates, references */
	int *keys;        /* [nk] estimates that have an edge, in dict order */
	int nk;
	int *adj_start;   /* [nu + 1] into adj */
	int *adj;         /* reference neighbours of each estimate */
};

/* Hopcroft-Karp state, mirroring the Python dicts. */
#define ABSENT (-2)
#define UNMATCHED (-1)

struct hk {
	const struct graph *g;
	int *match;      /* [nv] estimate matched to reference v, or -1 */
	int *pred;       /* [nu] ABSENT, UNMATCHED, or a reference */
	int *preds_n;    /* [nv] -1 = absent, else the length of its list */
	int **preds;     /* [nv] lists of estimates */
	int *preds_cap;
};

static int list_add(struct hk *h, int v, int u)
{
	if (h->preds_n[v] == h->preds_cap[v]) {
		int cap = h->preds_cap[v] ? 2 * h->preds_cap[v] : 4;
		int *p = realloc(h->preds[v], sizeof *p * cap);
		if (!p)
			return -1;
		h->preds[v] = p;
		h->preds_cap[v] = cap;
	}
	h->preds[v][h->preds_n[v]++] = u;
	return 0;
}

static int recurse(struct hk *h, int v)
{
	if (h->preds_n[v] < 0)
		return 0;
	int n = h->preds_n[v];
	h->preds_n[v] = -1; /* del preds[v]; the list stays readable */
	for (int i = 0; i < n; i++) {
		int u = h->preds[v][i];
		if (h->pred[u] == ABSENT)
			continue;
		int pu = h->pred[u];
		h->pred[u] = ABSENT;
		if (pu == UNMATCHED || recurse(h, pu)) {
			h->match[v] = u;
			return 1;
		}
	}
	return 0;
}

/* One phase. Returns 1 if it found augmenting paths, 0 if done, -1 on
 * out of memory. new_layer of the Python is kept in nl_* arrays: the
 * references in discovery order, each with its list of estimates. */
static int phase(struct hk *h, int *layer, int *nl_order, int **nl, int *nl_n,
		 int *nl_cap, int *unmatched)
{
	const struct graph *g = h->g;
	int nlayer = 0, nun = 0;

	for (int i = 0; i < g->nk; i++)
		h->pred[g->keys[i]] = UNMATCHED;
	for (int v = 0; v < g->nv; v++) {
		if (h->match[v] >= 0)
			h->pred[h->match[v]] = ABSENT;
		h->preds_n[v] = -1;
	}
	for (int i = 0; i < g->nk; i++)
		if (h->pred[g->keys[i]] == UNMATCHED)
			layer[nlayer++] = g->keys[i];
	while (nlayer > 0 && nun == 0) {
		int norder = 0;
		for (int i = 0; i < nlayer; i++) {
			int u = layer[i];
			for (int a = g->adj_start[u]; a < g->adj_start[u + 1]; a++) {
				int v = g->adj[a];
				if (h->preds_n[v] >= 0)
					continue;
				if (nl_n[v] == 0)
					nl_order[norder++] = v;
				if (nl_n[v] == nl_cap[v]) {
					int cap = nl_cap[v] ? 2 * nl_cap[v] : 4;
					int *p = realloc(nl[v], sizeof *p * cap);
					if (!p)
						return -1;
					nl[v] = p;
					nl_cap[v] = cap;
				}
				nl[v][nl_n[v]++] = u;
			}
		}
		nlayer = 0;
		for (int i = 0; i < norder; i++) {
			int v = nl_order[i];
			h->preds_n[v] = 0;
			for (int j = 0; j < nl_n[v]; j++)
				if (list_add(h, v, nl[v][j]) < 0)
					return -1;
			nl_n[v] = 0;
			if (h->match[v] >= 0) {
				layer[nlayer++] = h->match[v];
				h->pred[h->match[v]] = v;
			} else {
				unmatched[nun++] = v;
			}
		}
	}
	if (nun == 0)
		return 0;
	for (int i = 0; i < nun; i++)
		recurse(h, unmatched[i]);
	return 1;
}

static int bipartite_match(const struct graph *g, int *match)
{
	struct hk h = {g, match, NULL, NULL, NULL, NULL};
	int nu = g->nu ? g->nu : 1, nv = g->nv ? g->nv : 1;
	int *layer = malloc(sizeof *layer * nu), *order = malloc(sizeof *order * nv);
	int *unm = malloc(sizeof *unm * nv), *nl_n = calloc(nv, sizeof *nl_n);
	int *nl_cap = calloc(nv, sizeof *nl_cap), **nl = calloc(nv, sizeof *nl);
	int rc = -1;

	h.pred = malloc(sizeof *h.pred * nu);
	h.preds_n = malloc(sizeof *h.preds_n * nv);
	h.preds = calloc(nv, sizeof *h.preds);
	h.preds_cap = calloc(nv, sizeof *h.preds_cap);
	if (!layer || !order || !unm || !nl_n || !nl_cap || !nl || !h.pred ||
	    !h.preds_n || !h.preds || !h.preds_cap)
		goto out;
	for (int v = 0; v < g->nv; v++)
		match[v] = -1;
	/* greedy start */
	for (int i = 0; i < g->nk; i++) {
		int u = g->keys[i];
		for (int a = g->adj_start[u]; a < g->adj_start[u + 1]; a++)
			if (match[g->adj[a]] < 0) {
				match[g->adj[a]] = u;
				break;
			}
	}
	for (;;) {
		for (int u = 0; u < g->nu; u++)
			h.pred[u] = ABSENT;
		for (int v = 0; v < g->nv; v++)
			h.preds_n[v] = -1;
		int r = phase(&h, layer, order, nl, nl_n, nl_cap, unm);
		if (r < 0)
			goto out;
		if (r == 0)
			break;
	}
	rc = 0;
out:
	for (int v = 0; v < g->nv && h.preds; v++)
		free(h.preds[v]);
	for (int v = 0; v < g->nv && nl; v++)
		free(nl[v]);
	free(layer);
	free(order);
	free(unm);
	free(nl_n);
	free(nl_cap);
	free(nl);
	free(h.pred);
	free(h.preds_n);
	free(h.preds);
	free(h.preds_cap);
	return rc;
}

int pp_mir_match(const struct pp_mir_note *ref, size_t nr,
		 const struct pp_mir_note *est, size_t ne,
		 const struct pp_mir_opts *o, enum pp_mir_match_kind kind,
		 int **pairs, size_t *n, struct pp_err *err)
{
	struct graph g = {(int)ne, (int)nr, NULL, 0, NULL, NULL};
	int *first = malloc(sizeof *first * (ne ? ne : 1));
	int *deg = calloc(ne + 1, sizeof *deg), *match = malloc(sizeof *match * (nr ? nr : 1));
	size_t nedges = 0, k = 0;
	int rc = -1;

	*pairs = NULL;
	*n = 0;
	g.keys = malloc(sizeof *g.keys * (ne ? ne : 1));
	g.adj_start = calloc(ne + 1, sizeof *g.adj_start);
	if (!first || !deg || !match || !g.keys || !g.adj_start)
		goto out;
	for (size_t j = 0; j < ne; j++)
		first[j] = -1;
	/* Pass 1: degrees and key order (first row where each estimate hits). */
	for (size_t i = 0; i < nr; i++)
		for (size_t j = 0; j < ne; j++)
			if (edge(&ref[i], &est[j], o, kind)) {
				if (first[j] < 0) {
					first[j] = (int)i;
					g.keys[g.nk++] = (int)j;
				}
				deg[j]++;
				nedges++;
			}
	for (size_t j = 0; j < ne; j++)
		g.adj_start[j + 1] = g.adj_start[j] + deg[j];
	g.adj = malloc(sizeof *g.adj * (nedges ? nedges : 1));
	if (!g.adj)
		goto out;
	memset(deg, 0, sizeof *deg * (ne + 1));
	for (size_t i = 0; i < nr; i++)
		for (size_t j = 0; j < ne; j++)
			if (edge(&ref[i], &est[j], o, kind))
				g.adj[g.adj_start[j] + deg[j]++] = (int)i;
	if (bipartite_match(&g, match) < 0)
		goto out;
	*pairs = malloc(sizeof **pairs * 2 * (nr ? nr : 1));
	if (!*pairs)
		goto out;
	for (size_t v = 0; v < nr; v++)
		if (match[v] >= 0) {
			(*pairs)[2 * k] = (int)v;
			(*pairs)[2 * k + 1] = match[v];
			k++;
		}
	*n = k;
	rc = 0;
out:
	free(first);
	free(deg);
	free(match);
	free(g.keys);
	free(g.adj_start);
	free(g.adj);
	if (rc < 0)
		return pp_fail(err, "out of memory");
	return 0;
}

static double fmeasure(double p, double r, double beta)
{
	if (p == 0 && r == 0)
		return 0.0;
	return (1 + beta * beta) * p * r / (beta * beta * p + r);
}

static double overlap(const struct pp_mir_note *ref, const struct pp_mir_note *est,
		      const int *pairs, size_t n)
{
	double s = 0;
	for (size_t k = 0; k < n; k++) {
		const struct pp_mir_note *r = &ref[pairs[2 * k]], *e = &est[pairs[2 * k + 1]];
		double hi = fmin(r->offset, e->offset) - fmax(r->onset, e->onset);
		double span = fmax(r->offset, e->offset) - fmin(r->onset, e->onset);
		s += hi / span;
	}
	return n ? s / (double)n : 0.0;
}

static void prf(struct pp_mir_prf *out, size_t n, size_t nr, size_t ne, double beta)
{
	out->precision = ne ? (double)n / (double)ne : 0;
	out->recall = nr ? (double)n / (double)nr : 0;
	out->f = fmeasure(out->precision, out->recall, beta);
}

/* Keeps the pairs whose fitted velocity is within tolerance. */
static size_t velocity_filter(const struct pp_mir_note *ref, size_t nr,
			      const struct pp_mir_note *est, int *pairs, size_t n,
			      double tol)
{
	double lo = ref[0].velocity, hi = ref[0].velocity;
	double me = 0, mr = 0, see = 0, ser = 0, slope, icpt;
	size_t k = 0;

	for (size_t i = 1; i < nr; i++) {
		lo = fmin(lo, ref[i].velocity);
		hi = fmax(hi, ref[i].velocity);
	}
	double range = fmax(1.0, hi - lo);
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		me += est[pairs[2 * i + 1]].velocity;
		mr += (ref[pairs[2 * i]].velocity - lo) / range;
	}
	me /= (double)n;
	mr /= (double)n;
	for (size_t i = 0; i < n; i++) {
		double e = est[pairs[2 * i + 1]].velocity - me;
		double r = (ref[pairs[2 * i]].velocity - lo) / range - mr;
		see += e * e;
		ser += e * r;
	}
	if (see > 0) {
		slope = ser / see;
		icpt = mr - slope * me;
	} else {
		/* rank-deficient: numpy's lstsq gives the minimum-norm
		 * solution of c slope + intercept = mean(ref). */
		slope = mr * me / (me * me + 1);
		icpt = mr / (me * me + 1);
	}
	for (size_t i = 0; i < n; i++) {
		double r = (ref[pairs[2 * i]].velocity - lo) / range;
		double e = slope * est[pairs[2 * i + 1]].velocity + icpt;
		if (fabs(e - r) < tol) {
			pairs[2 * k] = pairs[2 * i];
			pairs[2 * k + 1] = pairs[2 * i + 1];
			k++;
		}
	}
	return k;
}

/* One notes score set (with or without offsets), and optionally its
 * velocity counterpart. */
static int notes_scores(const struct pp_mir_note *ref, size_t nr,
			const struct pp_mir_note *est, size_t ne,
			const struct pp_mir_opts *o, struct pp_mir_prf *plain,
			struct pp_mir_prf *vel, struct pp_err *err)
{
	int *pairs;
	size_t n;

	if (pp_mir_match(ref, nr, est, ne, o, PP_MIR_NOTES, &pairs, &n, err) < 0)
		return -1;
	prf(plain, n, nr, ne, o->beta);
	plain->overlap = overlap(ref, est, pairs, n);
	n = velocity_filter(ref, nr, est, pairs, n, o->velocity_tol);
	prf(vel, n, nr, ne, o->beta);
	vel->overlap = overlap(ref, est, pairs, n);
	free(pairs);
	return 0;
}

int pp_mir_evaluate(const struct pp_mir_note *ref, size_t nr,
		    const struct pp_mir_note *est, size_t ne,
		    const struct pp_mir_opts *o, struct pp_mir_scores *s,
		    struct pp_err *err)
{
	struct pp_mir_opts no = *o;
	int *pairs;
	size_t n;

	memset(s, 0, sizeof *s);
	if (nr == 0 || ne == 0)
		return 0;
	if (notes_scores(ref, nr, est, ne, o, &s->notes, &s->vel, err) < 0)
		return -1;
	no.offset_ratio = 0;
	if (notes_scores(ref, nr, est, ne, &no, &s->notes_no_offset,
			 &s->vel_no_offset, err) < 0)
		return -1;
	if (pp_mir_match(ref, nr, est, ne, o, PP_MIR_ONSETS, &pairs, &n, err) < 0)
		return -1;
	prf(&s->onset, n, nr, ne, o->beta);
	free(pairs);
	if (pp_mir_match(ref, nr, est, ne, o, PP_MIR_OFFSETS, &pairs, &n, err) < 0)
		return -1;
	prf(&s->offset, n, nr, ne, o->beta);
	free(pairs);
	return 0;
}

/* ---- input ---- */

#include <ctype.h>
#include <stdio.h>
#include "io.h"
#include "notes.h"

static int load_text(const char *buf, const char *name, struct pp_mir_note **out,
		     size_t *n, int *has_vel, struct pp_err *err)
{
	size_t cap = 64, line = 0;
	const char *p = buf;
	int cols = -1;

	*out = malloc(sizeof **out * cap);
	*n = 0;
	if (!*out)
		return pp_fail(err, "out of memory");
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char tmp[512];
		double v[4];
		int k = 0, used;
		line++;
		if (len >= sizeof tmp)
			return pp_fail(err, "'%s': line %zu: too long", name, line);
		memcpy(tmp, p, len);
		tmp[len] = 0;
		p = eol ? eol + 1 : p + len;
		char *s = tmp;
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '#' || *s == 0)
			continue;
		while (k < 4 && sscanf(s, " %lf%n", &v[k], &used) == 1) {
			s += used;
			k++;
			while (*s == ',' || isspace((unsigned char)*s))
				s++;
		}
		if (*s || k < 3 || (cols >= 0 && k != cols))
			return pp_fail(err, "'%s': line %zu: expected onset offset "
				       "frequency [velocity]", name, line);
		cols = k;
		if (!(v[1] >= v[0]) || !(v[2] > 0) || !isfinite(v[0]) || !isfinite(v[1]))
			return pp_fail(err, "'%s': line %zu: offset before onset or "
				       "frequency not positive", name, line);
		if (*n == cap) {
			struct pp_mir_note *q = realloc(*out, sizeof *q * (cap *= 2));
			if (!q)
				return pp_fail(err, "out of memory");
			*out = q;
		}
		(*out)[(*n)++] = (struct pp_mir_note){v[0], v[1], v[2], k == 4 ? v[3] : 0};
	}
	*has_vel = cols == 4;
	return 0;
}

/* The pedal-extended offset of note I of P (notes sorted by onset). */
static double extended(const struct pp_notes *p, size_t i)
{
	const struct pp_note *nt = &p->notes[i];
	double off = nt->offset;

	for (size_t k = 0; k < p->n_pedal; k++)
		if (p->pedal[k].onset <= off && off < p->pedal[k].offset) {
			off = p->pedal[k].offset;
			break;
		}
	for (size_t j = i + 1; j < p->n_notes && p->notes[j].onset < off; j++)
		if (p->notes[j].pitch == nt->pitch && p->notes[j].onset >= nt->onset) {
			off = p->notes[j].onset;
			break;
		}
	return off > nt->offset ? off : nt->offset;
}

int pp_mir_load(const char *path, int pedal_extend, struct pp_mir_note **notes,
		size_t *n, int *has_velocity, struct pp_err *err)
{
	const char *name = pp_io_name(path);
	char *buf;
	size_t len, i = 0;
	struct pp_notes p;
	int rc;

	*notes = NULL;
	*n = 0;
	if (pp_read_all(path, &buf, &len, err) < 0)
		return -1;
	while (i < len && isspace((unsigned char)buf[i]))
		i++;
	if (!pp_notes_is_midi(buf, len) && (i == len || buf[i] != '{')) {
		rc = load_text(buf, name, notes, n, has_velocity, err);
		free(buf);
		if (rc < 0) {
			free(*notes);
			*notes = NULL;
			*n = 0;
		}
		return rc;
	}
	pp_notes_init(&p);
	rc = pp_notes_parse(buf, len, name, &p, err);
	free(buf);
	if (rc < 0)
		return -1;
	*notes = malloc(sizeof **notes * (p.n_notes ? p.n_notes : 1));
	if (!*notes) {
		pp_notes_free(&p);
		return pp_fail(err, "out of memory");
	}
	for (size_t k = 0; k < p.n_notes; k++)
		(*notes)[k] = (struct pp_mir_note){p.notes[k].onset,
			pedal_extend ? extended(&p, k) : p.notes[k].offset,
			pp_mir_midi_to_hz(p.notes[k].pitch), p.notes[k].velocity};
	*n = p.n_notes;
	*has_velocity = 1;
	pp_notes_free(&p);
	return 0;
}

void pp_mir_shift(struct pp_mir_note *notes, size_t n, double seconds)
{
	for (size_t i = 0; i < n; i++) {
		notes[i].onset += seconds;
		notes[i].offset += seconds;
	}
}

static int onset_f(const struct pp_mir_note *ref, size_t nr,
		   const struct pp_mir_note *est, size_t ne,
		   const struct pp_mir_opts *o, double shift, struct pp_mir_note *tmp,
		   double *f, struct pp_err *err)
{
	struct pp_mir_opts no = *o;
	struct pp_mir_prf s;
	int *pairs;
	size_t n;

	memcpy(tmp, est, sizeof *tmp * ne);
	pp_mir_shift(tmp, ne, shift);
	no.offset_ratio = 0;
	if (pp_mir_match(ref, nr, tmp, ne, &no, PP_MIR_NOTES, &pairs, &n, err) < 0)
		return -1;
	free(pairs);
	prf(&s, n, nr, ne, o->beta);
	*f = s.f;
	return 0;
}

/* Scans COUNT offsets CENTRE + k STEP (k = LO..); returns in *BEST the
 * middle of the first run of offsets that reach the highest F-measure. */
static int scan(const struct pp_mir_note *ref, size_t nr,
		const struct pp_mir_note *est, size_t ne, const struct pp_mir_opts *o,
		double centre, double step, long lo, long hi, struct pp_mir_note *tmp,
		double *best, struct pp_err *err)
{
	double bf = -1, f;
	long run0 = lo, run1 = lo;
	int in_run = 0;

	for (long k = lo; k <= hi; k++) {
		if (onset_f(ref, nr, est, ne, o, centre + k * step, tmp, &f, err) < 0)
			return -1;
		if (f > bf + 1e-12) {
			bf = f;
			run0 = run1 = k;
			in_run = 1;
		} else if (in_run && f >= bf - 1e-12) {
			run1 = k;
		} else {
			in_run = 0;
		}
	}
	*best = centre + 0.5 * (run0 + run1) * step;
	return 0;
}

int pp_mir_fit_offset(const struct pp_mir_note *ref, size_t nr,
		      const struct pp_mir_note *est, size_t ne,
		      const struct pp_mir_opts *o, double range, double *best,
		      struct pp_err *err)
{
	struct pp_mir_note *tmp = malloc(sizeof *tmp * (ne ? ne : 1));
	long steps = lround(range / 0.01);
	int rc;

	*best = 0;
	if (!tmp)
		return pp_fail(err, "out of memory");
	rc = scan(ref, nr, est, ne, o, 0.0, 0.01, -steps, steps, tmp, best, err);
	if (rc == 0)
		rc = scan(ref, nr, est, ne, o, *best, 0.001, -10, 10, tmp, best, err);
	free(tmp);
	return rc;
}
