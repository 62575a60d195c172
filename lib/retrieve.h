/*
 * retrieve.h - finding the pedagogy passages a teacher would reach for.
 *
 * Three steps, one function each:
 *
 *   1. pp_retrieve_open: opens the index, an SQLite file holding the
 *      passages, an FTS5 full-text table and, optionally, one dense vector
 *      per passage. The index is (re)built from the corpus (kb.h) when it is
 *      missing or stale: a stamp of the corpus files' names, sizes and
 *      times says "unchanged" cheaply; when the stamp differs, a hash of the
 *      contents decides, so a fresh checkout does not cause a rebuild.
 *      Builds go to a temporary file renamed over the index, so concurrent
 *      runs never see half an index.
 *   2. pp_retrieve_query_doc / pp_retrieve_query_text: turn a predictions/1
 *      document (or free text) into a query: the dimensions that stand out
 *      against the reference distribution (data/reference.json) with their
 *      pole, the composer and piece, the alignment summary's strongest
 *      problems (wrong or missing notes by bar, rushing and dragging by
 *      tempo_ratio, pedal held through unmarked bars).
 *   3. pp_retrieve_search: BM25 over the FTS5 table with field weights,
 *      plus a bonus for the focus dimensions and poles and the composer
 *      (FTS5 column weights saturate, a bonus does not); with an alignment
 *      problem, its best accuracy passage takes the last of k >= 3 places;
 *      when an embeddings endpoint is configured (embed.h) and answers, the
 *      BM25 ranking and the cosine ranking are fused by reciprocal rank
 *      fusion ("hybrid"). Any embeddings failure leaves a warning and the
 *      BM25 result.
 *
 * Then pp_retrieve_attach writes the context/1 members (retrieval and
 * passages, pp-formats(5)) into a document.
 *
 * Where the index lives: --index PATH, else $XDG_CACHE_HOME/pp/
 * knowledge.sqlite, else $HOME/.cache/pp/knowledge.sqlite. When the default
 * location cannot be written (no HOME, read-only home) the index is built
 * in memory for the run, with a warning: a clean checkout and an installed,
 * read-only data directory both work.
 *
 * Field weights of BM25 (title, text, dimension/pole terms, composers and
 * eras, topic/kind/level) are PP_RETRIEVE_W_* below.
 *
 * Warnings (degraded service, never failures) collect in r->warn; libpp
 * does not print, so the main prints them. Ownership: the retriever owns
 * everything it opens; pp_retrieve_close releases it. A query's problems
 * array is owned by the query (pp_retrieve_query_release).
 */
#ifndef PP_RETRIEVE_H
#define PP_RETRIEVE_H

#include <limits.h>
#include <jansson.h>
#include "embed.h"
#include "error.h"
#include "kb.h"

#define PP_RETRIEVE_W_TITLE 3.0
#define PP_RETRIEVE_W_TEXT 1.0
#define PP_RETRIEVE_W_DIMS 6.0
#define PP_RETRIEVE_W_COMPOSERS 4.0
#define PP_RETRIEVE_W_TOPIC 2.0

/* Added to the BM25 score of a passage for each focus dimension and pole
 * it addresses (see bonus_fn in retrieve.c). */
#define PP_RETRIEVE_FOCUS_BONUS 20.0
/* Added for a passage about a composer the query names. */
#define PP_RETRIEVE_COMPOSER_BONUS 5.0

/* A dimension stands out when its percentile is at least this far from 50. */
#define PP_RETRIEVE_FOCUS_DISTANCE 25.0
/* At most this many focus dimensions per query. */
#define PP_RETRIEVE_MAX_FOCUS 3
/* At most this many phrases in a query's expression. */
#define PP_RETRIEVE_MAX_PHRASES 128
/* Reciprocal rank fusion constant (Cormack et al. 2009). */
#define PP_RETRIEVE_RRF_K 60.0

struct pp_retrieve_opts {
	const char *index;  /* index file, NULL: the default location */
	const char *corpus; /* passages directory, NULL: DATADIR/knowledge/passages */
	int force;          /* 1: rebuild even when fresh */
};

struct sqlite3;

struct pp_retriever {
	struct sqlite3 *db;
	char index[PATH_MAX];   /* index path, ":memory:" when in memory */
	char corpus[PATH_MAX];  /* canonical corpus directory */
	struct pp_kb_dims dims; /* data/dimensions.json */
	double (*pct)[21];      /* [dims.n][21] reference values at 0,5..100 % */
	int npassages;
	int built;              /* 1 when this open (re)built the index */
	double build_s;         /* seconds spent building, 0 when fresh */
	struct pp_embed embed;  /* endpoint, when have_embed */
	int have_embed;
	float *vecs;            /* [nvecs, vec_dim] unit vectors, or NULL */
	long long *vec_rows;    /* [nvecs] passage rowids */
	int nvecs, vec_dim;
	struct pp_err warn;     /* first warning, "" when none */
	const double *cur_bonus; /* [ncur] bonus per phrase of the expression */
	int ncur;                /* being searched (pp_bonus) */
};

/* Opens (building when needed) the index. Returns 0, or -1 with a message
 * naming the corpus file and line, or the index path. */
int pp_retrieve_open(struct pp_retriever *r, const struct pp_retrieve_opts *o,
		     struct pp_err *err);
void pp_retrieve_close(struct pp_retriever *r);

/* A dimension and pole the query is about. */
struct pp_focus {
	int dim;           /* index into r->dims */
	int high;          /* 1: high pole */
	double percentile; /* 0..100, or -1 when it came from free text */
};

struct pp_query {
	char text[2048];    /* human-readable query (also what is embedded) */
	char expr[8192];    /* the FTS5 MATCH expression */
	struct pp_focus focus[PP_RETRIEVE_MAX_FOCUS + 16];
	int nfocus;
	double bonus[PP_RETRIEVE_MAX_PHRASES]; /* per phrase of expr, in order */
	unsigned char filter[PP_RETRIEVE_MAX_PHRASES]; /* 1: a focus phrase */
	int nphrases;
	json_t *problems;   /* [{kind, measures[], ...}] from the alignment, or NULL */
	const char *problem_kind; /* the strongest problem (static), or NULL */
	char problem_expr[512];   /* its own search (accuracy passages) */
};

/* Builds the query for a predictions/1 (or context/1) document named NAME.
 * Returns 0, or -1 when the document lacks usable dimensions. */
int pp_retrieve_query_doc(struct pp_retriever *r, const json_t *doc,
			  const char *name, struct pp_query *q,
			  struct pp_err *err);

/* Builds the query for free TEXT. Returns 0, or -1 when TEXT has no word to
 * search for. */
int pp_retrieve_query_text(struct pp_retriever *r, const char *text,
			   struct pp_query *q, struct pp_err *err);
void pp_retrieve_query_release(struct pp_query *q);

struct pp_hit {
	long long row; /* passage rowid in the index */
	double score;  /* BM25 (higher is better) or fused RRF score */
};

struct pp_result {
	struct pp_hit *hits; /* [n], best first; free() */
	int n;
	const char *mode;    /* "bm25" or "hybrid" (static) */
	int problem_at;      /* index of the passage given to the strongest
				problem, -1 when none */
	const char *problem_kind; /* that problem's kind (static) */
};

/* Returns the top K passages for Q. No match is not an error (n = 0). */
int pp_retrieve_search(struct pp_retriever *r, const struct pp_query *q, int k,
		       struct pp_result *res, struct pp_err *err);

/* Sets DOC's retrieval and passages members (context/1) and its format. */
int pp_retrieve_attach(struct pp_retriever *r, json_t *doc,
		       const struct pp_query *q, const struct pp_result *res,
		       int k, struct pp_err *err);

/* The percentile (0..100) of VALUE on dimension DIM of the reference. */
double pp_retrieve_percentile(const struct pp_retriever *r, int dim,
			      double value);

#endif
