/*
 * direction_codes.c - PercePiano's reading of score directions: which
 * dynamics and tempo words are in force at each note, their word
 * embeddings (dynamic: 4 slots, tempo: 5 slots), the position of the last
 * absolute dynamic and of the last tempo change, and the tempo "sections".
 *
 * A port of pyScoreParser's xml_direction_encoding (get_dynamics,
 * get_tempos, dynamic_embedding and the two embedding tables) and of
 * xml_utils.apply_directions_to_notes / find_tempo_change. The keyword
 * lists and tables are data copied as they are, quirks included: two
 * missing commas in the relative-dynamics list glue 'dimin' to 'sotto voce'
 * and 'rf,' to 'sffz'; sf/fz/sfz dynamics end up in no list at all (they
 * are moved to the relative list, which then keeps only wedges and words);
 * relative dynamics also move the "recent tempo change" position.
 *
 * Not ported: the staff-placement rule for notes under both a crescendo
 * and a diminuendo wedge (divide_cresc_staff; our score model has no
 * placement), and the cresciuto values (no input column uses them).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "note_features_int.h"

struct emb_key {
	const char *key;
	int slot;
	float value;
};

static const struct emb_key dynamic_table[] = {
	{ "pppp", 0, -1.1f }, { "ppp", 0, -0.9f }, { "pp", 0, -0.7f },
	{ "piano", 0, -0.4f }, { "p", 0, -0.4f }, { "mp", 0, -0.2f },
	{ "mf", 0, 0.2f }, { "f", 0, 0.4f }, { "forte", 0, 0.4f },
	{ "ff", 0, 0.7f }, { "fff", 0, 0.9f },
	{ "più p", 3, -0.5f }, { "più piano", 3, -0.5f }, { "più pp", 3, -0.7f },
	{ "più f", 3, 0.5f }, { "più forte", 3, 0.5f },
	{ "più forte possibile", 0, 1 },
	{ "cresc", 1, 0.7f }, { "crescendo", 1, 0.7f }, { "allargando", 1, 0.4f },
	{ "dim", 1, -0.7f }, { "diminuendo", 1, -0.7f }, { "decresc", 1, -0.7f },
	{ "decrescendo", 1, -0.7f }, { "smorz", 1, -0.4f },
	{ "poco a poco meno f", 1, -0.2f }, { "poco cresc", 1, 0.5f },
	{ "più cresc", 1, 0.85f }, { "molto cresc", 1, 1 },
	{ "cresc molto", 1, 1 },
	{ "fz", 2, 0.3f }, { "sf", 2, 0.5f }, { "sfz", 2, 0.7f },
	{ "ffz", 2, 0.8f }, { "sffz", 2, 0.9f },
	{ "rf", 3, 0.3f }, { "rinf", 3, 0.3f }, { "rinforzando", 3, 0.3f },
	{ "rinforzando molto", 3, 0.7f }, { "rinforzando assai", 3, 0.6f },
	{ "rinforz assai", 3, 0.6f }, { "molto rin", 3, 0.5f },
	{ "con brio", 3, 0.3f }, { "con forza", 3, 0.5f },
	{ "con fuoco", 3, 0.7f }, { "con più fuoco possibile", 3, 1 },
	{ "sotto voce", 3, -0.5f }, { "mezza voce", 3, -0.3f },
	{ "appassionato", 3, 0.5f }, { "più rinforz", 3, 0.5f },
	{ NULL, 0, 0 },
};

static const struct emb_key tempo_table[] = {
	{ "scherzo", 4, 1 }, { "menuetto", 4, -1 }, { "minuetto", 4, -1 },
	{ "rit", 2, -0.5f }, { "acc", 2, 0.5f },
	{ "lent", 0, -0.9f }, { "lento", 0, -0.9f }, { "grave", 0, -0.9f },
	{ "largo", 0, -0.7f }, { "languido", 0, -0.6f },
	{ "molto languido", 0, -0.7f }, { "adagio", 0, -0.6f },
	{ "larghetto", 0, -0.6f }, { "adagietto", 0, -0.55f },
	{ "andante", 0, -0.5f }, { "andantino", 0, -0.3f }, { "mesto", 0, -0.3f },
	{ "andantino molto", 0, -0.4f }, { "maestoso", 0, -0.2f },
	{ "accarezzevole", 0, -0.4f }, { "moderato", 0, 0 },
	{ "tempo giusto", 0, 0.1f }, { "allegretto", 0, 0.3f },
	{ "allegro", 0, 0.5f }, { "allegro assai", 0, 0.6f },
	{ "vivace", 0, 0.6f }, { "vivacissimo", 0, 0.8f },
	{ "molto vivace", 0, 0.7f }, { "vivace assai", 0, 0.7f },
	{ "presto", 0, 0.8f }, { "precipitato", 0, 0.8f },
	{ "prestissimo", 0, 0.9f }, { "doppio movimento", 0, 0.6f },
	{ "molto allegro", 0, 0.6f }, { "allegro molto", 0, 0.6f },
	{ "allegro ma non troppo", 0, 0.4f }, { "più presto possibile", 0, 1 },
	{ "largo e mesto", 0, -0.8f }, { "non troppo presto", 0, 0.75f },
	{ "andante con moto", 0, -0.4f }, { "allegretto vivace", 0, 0.4f },
	{ "adagio molto", 0, -0.9f }, { "adagio ma non troppo", 0, -0.5f },
	{ "a tempo", 1, 0 }, { "im tempo", 1, 0 }, { "meno mosso", 1, -0.6f },
	{ "meno vivo", 1, -0.6f }, { "più lento", 1, -0.5f },
	{ "animato", 1, 0.5f }, { "più animato", 1, 0.6f },
	{ "molto animato", 1, 0.8f }, { "agitato", 1, 0.4f },
	{ "più mosso", 1, 0.6f }, { "stretto", 1, 0.5f },
	{ "appassionato", 1, 0.2f }, { "più moderato", 1, -0.1f },
	{ "più allegro", 1, 0.8f }, { "più allegro quasi presto", 1, 1 },
	{ "più largo", 1, -0.5f }, { "poco meno mosso", 1, -0.3f },
	{ "poco più mosso", 1, 0.3f }, { "poco più vivace", 1, 0.3f },
	{ "molto agitato", 1, 0.8f }, { "tranquillo", 1, -0.2f },
	{ "meno adagio", 1, 0.2f }, { "più adagio", 1, -0.2f },
	{ "riten", 3, -0.5f }, { "ritenuto", 3, -0.5f },
	{ "più riten", 3, -0.7f }, { "poco riten", 3, -0.3f },
	{ "poco ritenuto", 3, -0.3f },
	{ "très grave", 0, -1 }, { "très lent", 0, -1 }, { "large", 0, -0.7f },
	{ "Assez doux, mais d'une sonoritè large", 0, -0.6f },
	{ "assez vif", 0, 0.6f }, { "assez animé", 0, 0.7f },
	{ "d'un rythme souple", 0, 0 },
	{ "un peau retenu", 1, -0.3f }, { "retenez", 1, -0.5f },
	{ "en élargissant beaucoup", 2, -0.4f }, { "plus lent", 1, -0.5f },
	{ "un peu plus lent", 1, -0.3f }, { "encore plus lent", 1, -0.5f },
	{ "cédez", 1, -0.4f }, { "un peu retenu", 1, -0.2f },
	{ "Un pe moins vif", 1, -0.2f }, { "cédez légèrement", 1, -0.2f },
	{ "mesuré", 1, 0 }, { "au mouvt", 1, 0 },
	{ "reprenez le mouvement", 1, 0 }, { "Un peu plus vif", 1, 0.2f },
	{ "en accélérant", 1, 0.3f }, { "en animant", 1, 0.6f },
	{ "rapide", 1, 0.6f }, { "rapido molto", 1, 0.8f },
	{ "accélerez", 2, 0.5f }, { "sans ralentir", 2, 0.01f },
	{ "sehr langsam", 0, -0.55f }, { "sehr innig", 0, -0.5f },
	{ "innig", 0, -0.4f }, { "leicht und zart", 0, 0.2f },
	{ "sehr lebhaft", 0, 0.6f }, { "sehr aufgeregt", 0, 0.6f },
	{ "sehr rasch", 0, 0.8f },
	{ "Sehr innig und nicht zu rasch", 0, -0.8f },
	{ "lebhaftig", 0, 0.5f }, { "nicht zu geschwind", 0, -0.3f },
	{ "langsamer", 1, -0.5f }, { "etwas langsamer", 1, -0.3f },
	{ "bewegter", 1, 0.4f }, { "schneller", 1, 0.5f },
	{ "allargando", 2, -0.2f }, { "ritardando", 2, -0.5f },
	{ "rit", 2, -0.5f }, { "ritar", 2, -0.5f }, { "rallentando", 2, -0.5f },
	{ "rall", 2, -0.5f }, { "slentando", 2, -0.3f }, { "accel", 2, 0.5f },
	{ "accelerando", 2, 0.5f }, { "smorz", 2, -0.5f },
	{ "string", 2, 0.4f }, { "stringendo", 2, 0.4f },
	{ "molto stringendo", 2, 0.7f }, { "stringendo molto", 2, 0.7f },
	{ "poco rall", 2, -0.3f }, { "poco rit", 2, -0.3f },
	{ NULL, 0, 0 },
};

/* Keyword lists of xml_direction_encoding, as they are. */
static const char *const abs_tempo_keys[] = {
	"adagio", "grave", "lento", "largo", "larghetto", "andante",
	"andantino", "moderato", "allegretto", "allegro", "vivace",
	"accarezzevole", "languido", "tempo giusto", "mesto", "presto",
	"prestissimo", "maestoso", "lullaby", "doppio movimento", "agitato",
	"precipitato", "leicht und zart", "aufgeregt", "bewegt", "rasch",
	"innig", "lebhaft", "geschwind", "d'un rythme souple", "lent",
	"large", "vif", "animé", "scherzo", "menuetto", "minuetto",
	/* tempo_primo_words appended */
	"tempo i", "tempo primo", "erstes tempo", "1er mouvement",
	"1er mouvt", "au mouvtdu début", "au mouvement", "au mouvt",
	"1o tempo", NULL,
};
static const char *const tempo_primo_words[] = {
	"tempo i", "tempo primo", "erstes tempo", "1er mouvement",
	"1er mouvt", "au mouvtdu début", "au mouvement", "au mouvt",
	"1o tempo", NULL,
};
static const char *const rel_tempo_keys[] = {
	"animato", "pesante", "veloce", "agitato", "acc", "accel", "rit",
	"ritard", "ritardando", "accelerando", "rall", "rallentando",
	"ritenuto", "string", "a tempo", "im tempo", "stretto", "slentando",
	"meno mosso", "meno vivo", "più mosso", "allargando", "smorzando",
	"appassionato", "perdendo", "langsamer", "schneller", "bewegter",
	"retenu", "revenez", "cédez", "mesuré", "élargissant", "accélerez",
	"rapide", "reprenez  le  mouvement", NULL,
};
static const char *const rel_long_tempo_keys[] = {
	"meno mosso", "meno vivo", "più mosso", "animato", "langsamer",
	"schneller", "stretto", "bewegter", "tranquillo", "agitato",
	"appassionato", NULL,
};
static const char *const abs_dyn_keys[] = {
	"pppp", "ppp", "pp", "p", "piano", "mp", "mf", "f", "forte", "ff",
	"fff", "fp", "ffp", "dynamic", NULL,
};
static const char *const rel_dyn_keys[] = {
	"crescendo", "diminuendo", "cresc", "dim", "diminsotto voce",
	"mezza voce", "sf", "fz", "sfz", "rf,sffz", "rf", "rinf", "con brio",
	"con forza", "con fuoco", "smorzando", "appassionato", "perdendo",
	NULL,
};
static const char *const relative_words[] = {
	"più", "meno", "plus", "moins", "mehr", "bewegter", "langsamer", NULL,
};

/* Length in characters (UTF-8 code points), as Python's len(). */
static size_t ulen(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static int in_list(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return 1;
	return 0;
}

/* Python's s.replace(a, b) for a one-char-or-more A, into a new string. */
static char *replace_all(const char *s, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), n = 0;
	const char *p;
	char *out, *q;

	for (p = s; (p = strstr(p, a)); p += la)
		n++;
	out = malloc(strlen(s) + n * (lb > la ? lb - la : 0) + 1);
	if (!out)
		return NULL;
	for (q = out; *s;) {
		if (strncmp(s, a, la) == 0) {
			memcpy(q, b, lb);
			q += lb;
			s += la;
		} else {
			*q++ = *s++;
		}
	}
	*q = 0;
	return out;
}

/* word_regularization: ',' '.' '\n' -> ' ', drop '(' ')', '  ' -> ' '
 * (one pass), lower case (ASCII and Latin-1 capitals in UTF-8). */
static char *regularize(const char *w)
{
	char *a, *b;
	unsigned char *u;

	if (!w)
		return NULL;
	a = strdup(w);
	if (!a)
		return NULL;
	for (char *p = a; *p; p++)
		if (*p == ',' || *p == '.' || *p == '\n')
			*p = ' ';
	b = a;
	for (char *p = a; *p; p++)
		if (*p != '(' && *p != ')')
			*b++ = *p;
	*b = 0;
	b = replace_all(a, "  ", " ");
	free(a);
	if (!b)
		return NULL;
	for (u = (unsigned char *)b; *u; u++) {
		if (*u < 0x80)
			*u = (unsigned char)tolower(*u);
		else if (*u == 0xC3 && u[1] >= 0x80 && u[1] <= 0x9E &&
			 u[1] != 0x97)
			u[1] += 0x20, u++;
	}
	return b;
}

/* check_direction_by_keywords */
static int dir_matches(const struct fx_dir *d, const char *const *keys)
{
	char *w, *tok, *save, *copy;
	int hit = 0;

	if (in_list(d->type, keys))
		return 1;
	if (strcmp(d->type, "words") != 0 || !d->content)
		return 0;
	w = regularize(d->content);
	if (!w)
		return 0;
	if (in_list(w, keys))
		hit = 1;
	copy = strdup(w);
	/* split(' ') keeps empty tokens; they never match a keyword */
	for (tok = copy ? strtok_r(copy, " ", &save) : NULL; tok && !hit;
	     tok = strtok_r(NULL, " ", &save))
		hit = in_list(tok, keys);
	free(copy);
	for (const char *const *k = keys; *k && !hit; k++)
		if (ulen(*k) > 2 && strstr(w, *k))
			hit = 1;
	free(w);
	return hit;
}

/* A list of direction pointers (they are shared between lists, as the
 * Python objects are). */
struct dlist {
	struct fx_dir **v;
	size_t n, cap;
};

static int dl_push(struct dlist *l, struct fx_dir *d)
{
	if (l->n == l->cap) {
		size_t c = l->cap ? 2 * l->cap : 16;
		void *p = realloc(l->v, c * sizeof(*l->v));

		if (!p)
			return -1;
		l->v = p;
		l->cap = c;
	}
	l->v[l->n++] = d;
	return 0;
}

static int dl_insert0(struct dlist *l, struct fx_dir *d)
{
	if (dl_push(l, d) < 0)
		return -1;
	memmove(l->v + 1, l->v, (l->n - 1) * sizeof(*l->v));
	l->v[0] = d;
	return 0;
}

static int dl_has(const struct dlist *l, const struct fx_dir *d)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == d)
			return 1;
	return 0;
}

static int dl_filter(struct dlist *out, struct fx_dir *dirs, size_t nd,
		     const char *const *keys)
{
	for (size_t i = 0; i < nd; i++)
		if (dir_matches(&dirs[i], keys) && dl_push(out, &dirs[i]) < 0)
			return -1;
	return 0;
}

/* Keeps in L the elements not in OTHER. */
static void dl_minus(struct dlist *l, const struct dlist *other)
{
	size_t k = 0;

	for (size_t i = 0; i < l->n; i++)
		if (!dl_has(other, l->v[i]))
			l->v[k++] = l->v[i];
	l->n = k;
}

static void dl_sort_pos(struct dlist *l) /* stable insertion sort */
{
	for (size_t i = 1; i < l->n; i++) {
		struct fx_dir *d = l->v[i];
		size_t j = i;

		for (; j > 0 && l->v[j - 1]->pos > d->pos; j--)
			l->v[j] = l->v[j - 1];
		l->v[j] = d;
	}
}

static double *dl_pos(const struct dlist *l)
{
	double *p = malloc((l->n + 1) * sizeof(*p));

	for (size_t i = 0; p && i < l->n; i++)
		p[i] = l->v[i]->pos;
	return p;
}

/* check_relative_word_in_absolute_directions: moves the words with più,
 * meno... from ABS to REL (appended). */
static int split_relative_words(struct dlist *abs, struct dlist *rel)
{
	size_t k = 0;

	for (size_t i = 0; i < abs->n; i++) {
		char *w = regularize(abs->v[i]->content);
		int r = 0;

		for (const char *const *q = relative_words; w && *q && !r; q++)
			r = strstr(w, *q) != NULL;
		free(w);
		if (r) {
			if (dl_push(rel, abs->v[i]) < 0)
				return -1;
		} else {
			abs->v[k++] = abs->v[i];
		}
	}
	abs->n = k;
	return 0;
}

static int set_content(struct fx_dir *d, const char *s)
{
	char *c = strdup(s);

	if (!c)
		return -1;
	free(d->content);
	d->content = c;
	return 0;
}

/* merge_start_end_of_direction: ends wedges at their stops, keeps the
 * wedge starts and the words. */
static void merge_start_end(struct dlist *l)
{
	size_t k = 0;

	for (size_t i = 0; i < l->n; i++) {
		struct fx_dir *d = l->v[i];
		int wedge = !strcmp(d->type, "crescendo") ||
			    !strcmp(d->type, "diminuendo") ||
			    !strcmp(d->type, "pedal");

		if (!wedge || !d->content || strcmp(d->content, "stop"))
			continue;
		for (size_t j = i; j-- > 0;) {
			struct fx_dir *p = l->v[j];

			if (!strcmp(p->type, d->type) && p->content &&
			    !strcmp(p->content, "start") && p->staff == d->staff) {
				p->has_end = 1;
				p->end = d->pos;
				break;
			}
		}
	}
	for (size_t i = 0; i < l->n; i++) {
		struct fx_dir *d = l->v[i];
		int wedge = !strcmp(d->type, "crescendo") ||
			    !strcmp(d->type, "diminuendo") ||
			    !strcmp(d->type, "pedal");

		if ((wedge && !(d->content && !strcmp(d->content, "stop"))) ||
		    !strcmp(d->type, "words"))
			l->v[k++] = d;
	}
	l->n = k;
}

/* get_dynamics: absolute and relative dynamics; EXTRA owns the split-off
 * copies of fp/ffp/sfp. */
static int get_dynamics(struct fx_dir *dirs, size_t nd, struct dlist *absd,
			struct dlist *reld, struct fx_dir *extra, size_t *nextra)
{
	struct dlist cand = { 0 }, tmp = { 0 };
	int rc = -1;

	if (dl_filter(&cand, dirs, nd, abs_dyn_keys) < 0 ||
	    dl_filter(reld, dirs, nd, rel_dyn_keys) < 0)
		goto out;
	for (size_t i = 0; i < cand.n; i++) {
		struct fx_dir *a = cand.v[i];
		const char *c = a->content ? a->content : "";
		const char *main = NULL;

		if (!strcmp(c, "fp"))
			main = "f";
		else if (!strcmp(c, "ffp"))
			main = "ff";
		else if (!strcmp(c, "sfp"))
			main = "sf";
		if (main) {
			struct fx_dir *b = &extra[(*nextra)++];

			*b = *a;
			b->content = strdup("p");
			/* +0.1 division: below any note spacing */
			b->pos += 1e-4;
			if (!b->content || set_content(a, main) < 0 ||
			    dl_push(&tmp, b) < 0)
				goto out;
			c = a->content;
		}
		if (!strcmp(c, "sf") || !strcmp(c, "fz") || !strcmp(c, "sfz") ||
		    !strcmp(c, "sffz") || !strcmp(c, "rf") || !strcmp(c, "rfz")) {
			if (dl_push(reld, a) < 0)
				goto out;
		} else if (dl_push(&tmp, a) < 0) {
			goto out;
		}
	}
	*absd = tmp;
	tmp.v = NULL;
	if (split_relative_words(absd, reld) < 0)
		goto out;
	dl_minus(reld, absd);
	dl_sort_pos(reld);
	merge_start_end(reld);
	{
		double *ap = dl_pos(absd);

		if (!ap)
			goto out;
		for (size_t i = 0; i < reld->n; i++) {
			struct fx_dir *r = reld->v[i];
			size_t idx = absd->n ? fx_binary_index(ap, absd->n, r->pos) : 0;

			if (!r->has_end && i + 1 < reld->n) {
				r->has_end = 1;
				r->end = reld->v[i + 1]->pos;
			}
			if (absd->n && r->has_end && idx + 1 < absd->n &&
			    absd->v[idx + 1]->pos < r->end)
				r->end = ap[idx + 1];
			if (!r->has_end) {
				r->has_end = 1;
				r->end = INFINITY;
			}
		}
		free(ap);
	}
	rc = 0;
out:
	free(cand.v);
	free(tmp.v);
	return rc;
}

static int get_tempos(struct fx_dir *dirs, size_t nd, struct dlist *abst,
		      struct dlist *relt)
{
	struct dlist lng = { 0 }, tmp = { 0 };
	double *ap = NULL;
	int rc = -1;

	if (dl_filter(abst, dirs, nd, abs_tempo_keys) < 0 ||
	    dl_filter(relt, dirs, nd, rel_tempo_keys) < 0 ||
	    dl_filter(&lng, dirs, nd, rel_long_tempo_keys) < 0)
		goto out;
	if ((abst->n == 0 || abst->v[0]->pos != 0) && lng.n > 0 &&
	    lng.v[0]->pos == 0 && dl_insert0(abst, lng.v[0]) < 0)
		goto out;
	dl_minus(relt, abst);
	dl_minus(&lng, abst);
	if (split_relative_words(abst, &tmp) < 0)
		goto out;
	for (size_t i = 0; i < tmp.n; i++)
		if (dl_push(relt, tmp.v[i]) < 0 || dl_push(&lng, tmp.v[i]) < 0)
			goto out;
	dl_sort_pos(relt);
	ap = dl_pos(abst);
	if (!ap)
		goto out;
	for (size_t i = 0; i < abst->n; i++) {
		char *low = regularize(abst->v[i]->content);

		for (const char *const *w = tempo_primo_words; low && *w; w++)
			if (strstr(low, *w) && abst->v[0]->content) {
				if (set_content(abst->v[i], abst->v[0]->content) < 0) {
					free(low);
					goto out;
				}
				break;
			}
		free(low);
	}
	for (size_t i = 0; i < relt->n; i++) {
		struct fx_dir *r = relt->v[i];
		int is_long = dl_has(&lng, r);

		if (!is_long && i + 1 < relt->n) {
			r->has_end = 1;
			r->end = relt->v[i + 1]->pos;
		} else if (is_long) {
			for (size_t j = i + 1; j < relt->n; j++)
				if (dl_has(&lng, relt->v[j])) {
					r->has_end = 1;
					r->end = relt->v[j]->pos;
					break;
				}
		}
		if (abst->n) {
			size_t idx = fx_binary_index(ap, abst->n, r->pos);

			if (idx + 1 < abst->n && (!r->has_end || r->end > ap[idx + 1])) {
				r->has_end = 1;
				r->end = ap[idx + 1];
			}
		}
		if (!r->has_end) {
			r->has_end = 1;
			r->end = INFINITY;
		}
	}
	rc = 0;
out:
	free(ap);
	free(lng.v);
	free(tmp.v);
	return rc;
}

static int table_find(const struct emb_key *t, const char *w)
{
	for (int i = 0; t[i].key; i++)
		if (!strcmp(t[i].key, w))
			return i;
	return -1;
}

/* dynamic_embedding: the word's (or its parts') table entries. */
static void embed(const char *word, const struct emb_key *t, float *vec,
		  int len)
{
	char *w = regularize(word), *copy, *tok, *save;
	const char *applied[256];
	int na = 0, i;

	memset(vec, 0, (size_t)len * sizeof(*vec));
	if (!w)
		return;
	i = table_find(t, w);
	if (i >= 0) {
		vec[t[i].slot] = t[i].value;
		free(w);
		return;
	}
	copy = strdup(w);
	for (tok = copy ? strtok_r(copy, " ", &save) : NULL; tok && na < 255;
	     tok = strtok_r(NULL, " ", &save))
		if ((i = table_find(t, tok)) >= 0)
			applied[na++] = t[i].key;
	for (i = 0; t[i].key && na < 255; i++)
		if (ulen(t[i].key) > 4 && strstr(w, t[i].key))
			applied[na++] = t[i].key;
	for (int a = 0; a < na; a++) {
		int covered = 0;

		for (int b = 0; b < na && !covered; b++)
			covered = ulen(applied[a]) > 4 &&
				  strcmp(applied[a], applied[b]) &&
				  strstr(applied[b], applied[a]);
		if (!covered) {
			i = table_find(t, applied[a]);
			vec[t[i].slot] = t[i].value;
		}
	}
	free(copy);
	free(w);
}

/* direction_words_flatten: absolute word, then each relative's word (or
 * its wedge type). */
static char *flatten(const char *absolute, struct fx_dir **rel, size_t nrel)
{
	size_t len = (absolute ? strlen(absolute) : 0) + 1;
	char *s;

	for (size_t i = 0; i < nrel; i++)
		len += 2 + (rel[i]->content ? strlen(rel[i]->content) : 0) +
		       strlen(rel[i]->type);
	s = malloc(len);
	if (!s)
		return NULL;
	strcpy(s, absolute ? absolute : "");
	for (size_t i = 0; i < nrel; i++) {
		const char *w = !strcmp(rel[i]->type, "words") ? rel[i]->content
							       : rel[i]->type;
		strcat(s, " ");
		strcat(s, w ? w : "");
	}
	return s;
}

/* The relative directions in force at POS; also moves *RECENT for the
 * dynamics (MOVE). */
static size_t active(const struct dlist *l, double pos, struct fx_dir **out,
		     double *recent, int move)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++) {
		struct fx_dir *r = l->v[i];

		if (r->pos > pos)
			continue;
		if (pos < r->end) {
			out[n++] = r;
			if (move && r->pos > *recent)
				*recent = r->pos;
		}
	}
	return n;
}

static int note_directions(const struct dlist *absd, const double *adp,
			   const struct dlist *reld, const struct dlist *abst,
			   const double *atp, const struct dlist *relt,
			   double pos, struct fx_dir **buf,
			   struct fx_dir_out *o, char **tempo_words)
{
	const char *dyn_abs = NULL, *tempo_abs = NULL;
	char *words, key[64];
	size_t nr, ta = (size_t)-1;

	o->abs_dyn_pos = 0;
	o->recent_tempo_pos = 0;
	if (absd->n) {
		size_t i = fx_binary_index(adp, absd->n, pos);

		dyn_abs = absd->v[i]->content;
		o->abs_dyn_pos = absd->v[i]->pos;
	}
	if (abst->n) {
		ta = fx_binary_index(atp, abst->n, pos);
		tempo_abs = abst->v[ta]->content;
		o->recent_tempo_pos = abst->v[ta]->pos;
	}
	nr = active(reld, pos, buf, &o->recent_tempo_pos, 1);
	words = flatten(dyn_abs, buf, nr);
	if (!words)
		return -1;
	embed(words, dynamic_table, o->dynamic, 4);
	free(words);
	nr = active(relt, pos, buf, NULL, 0);
	words = flatten(tempo_abs, buf, nr);
	if (!words)
		return -1;
	embed(words, tempo_table, o->tempo, 5);
	*tempo_words = words;
	/* the section identity: which absolute tempo, which relatives */
	snprintf(key, sizeof(key), "%s|", tempo_abs ? tempo_abs : "(none)");
	o->section_key = malloc(strlen(key) + 24 * nr + 1);
	if (!o->section_key)
		return -1;
	strcpy(o->section_key, key);
	for (size_t i = 0; i < nr; i++)
		sprintf(o->section_key + strlen(o->section_key), "%p,",
			(void *)buf[i]);
	return 0;
}

int fx_directions(struct fx_dir *dirs, size_t nd, const double *note_pos,
		  const int *note_staff, size_t nn, const double *ts_pos,
		  size_t nts, struct fx_dir_out *out, float tempo_primo[2],
		  struct pp_err *err)
{
	struct dlist absd = { 0 }, reld = { 0 }, abst = { 0 }, relt = { 0 };
	struct fx_dir *extra = calloc(nd + 1, sizeof(*extra));
	struct fx_dir **buf = calloc(nd + 1, sizeof(*buf));
	double *adp = NULL, *atp = NULL;
	size_t nextra = 0;
	int rc = -1;

	(void)note_staff;
	if (!extra || !buf)
		goto out;
	if (get_dynamics(dirs, nd, &absd, &reld, extra, &nextra) < 0 ||
	    get_tempos(dirs, nd, &abst, &relt) < 0)
		goto out;
	adp = dl_pos(&absd);
	atp = dl_pos(&abst);
	if (!adp || !atp)
		goto out;
	tempo_primo[0] = tempo_primo[1] = 0;
	for (size_t i = 0; i < nn; i++) {
		char *words = NULL;

		if (note_directions(&absd, adp, &reld, &abst, atp, &relt,
				    note_pos[i], buf, &out[i], &words) < 0)
			goto out;
		out[i].tsig = nts ? (int)fx_binary_index(ts_pos, nts, note_pos[i]) : -1;
		if (i == 0 && words[0]) {
			float v[5];

			embed(words, tempo_table, v, 5);
			tempo_primo[0] = v[0];
			tempo_primo[1] = v[1];
		}
		free(words);
	}
	rc = 0;
out:
	if (rc < 0)
		pp_fail(err, "out of memory");
	for (size_t i = 0; i < nextra; i++)
		free(extra[i].content);
	free(extra);
	free(buf);
	free(adp);
	free(atp);
	free(absd.v);
	free(reld.v);
	free(abst.v);
	free(relt.v);
	return rc;
}

void fx_dir_out_release(struct fx_dir_out *out, size_t nn)
{
	for (size_t i = 0; out && i < nn; i++)
		free(out[i].section_key);
}
