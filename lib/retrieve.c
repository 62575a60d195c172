/*
 * retrieve.c - the knowledge index, query building and search (see
 * retrieve.h).
 */
#include "retrieve.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "datadir.h"
#include "envelope.h"

/* Bump when the tables change: an index of another schema is rebuilt. */
#define SCHEMA "pp-knowledge/1"

/* BM25 candidates fused with the dense ranking in hybrid mode. */
#define FUSE_DEPTH 50

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- reference distribution ---- */

static int load_reference(struct pp_retriever *r, struct pp_err *err)
{
	char path[PATH_MAX];
	json_error_t je;
	json_t *root, *arr;

	if (pp_data_path("reference.json", path, sizeof(path), err) < 0)
		return -1;
	root = json_load_file(path, 0, &je);
	if (!root)
		return pp_fail(err, "'%s': line %d: %s", path, je.line, je.text);
	arr = json_object_get(root, "dimensions");
	r->pct = calloc(r->dims.n, sizeof(*r->pct));
	for (int i = 0; i < r->dims.n; i++) {
		const json_t *d = json_array_get(arr, i), *p;

		p = json_object_get(d, "percentiles");
		if (!json_is_array(p) || json_array_size(p) != 21 ||
		    !json_is_string(json_object_get(d, "name")) ||
		    strcmp(json_string_value(json_object_get(d, "name")),
			   r->dims.v[i].name) != 0) {
			json_decref(root);
			return pp_fail(err, "'%s': dimensions[%d]: expected '%s' with 21 percentiles",
				       path, i, r->dims.v[i].name);
		}
		for (int j = 0; j < 21; j++)
			r->pct[i][j] = json_number_value(json_array_get(p, j));
	}
	json_decref(root);
	return 0;
}

double pp_retrieve_percentile(const struct pp_retriever *r, int dim,
			      double value)
{
	const double *p = r->pct[dim];

	if (value <= p[0])
		return 0;
	if (value >= p[20])
		return 100;
	for (int i = 0; i < 20; i++)
		if (value < p[i + 1]) {
			double w = p[i + 1] - p[i];

			return 5.0 * (i + (w > 0 ? (value - p[i]) / w : 0));
		}
	return 100;
}

/* ---- index location ---- */

static int mkdir_p(const char *dir)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (char *s = tmp + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
				return -1;
			*s = '/';
		}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return -1;
	return access(tmp, W_OK);
}

/* Writes the default index path into OUT; -1 when no usable location. */
static int default_index(char *out, size_t cap)
{
	const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
	char dir[PATH_MAX];

	if (x && x[0] == '/')
		snprintf(dir, sizeof(dir), "%s/pp", x);
	else if (h && h[0] == '/')
		snprintf(dir, sizeof(dir), "%s/.cache/pp", h);
	else
		return -1;
	if (mkdir_p(dir) != 0)
		return -1;
	if ((size_t)snprintf(out, cap, "%s/knowledge.sqlite", dir) >= cap)
		return -1;
	return 0;
}

/* ---- small SQLite helpers ---- */

static int db_fail(sqlite3 *db, const char *path, const char *what,
		   struct pp_err *err)
{
	return pp_fail(err, "'%s': %s: %s", path, what,
		       db ? sqlite3_errmsg(db) : "out of memory");
}

static int exec(sqlite3 *db, const char *sql, const char *path,
		struct pp_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		pp_fail(err, "'%s': %s", path, msg ? msg : "SQLite error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Reads meta KEY into OUT; returns 0, or -1 when absent. */
static int meta_get(sqlite3 *db, const char *key, char *out, size_t cap)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?1", -1,
			       &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
		snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

static int meta_set(sqlite3 *db, const char *key, const char *value)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta VALUES (?1, ?2)",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

/* ---- building ---- */

static const char schema_sql[] =
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
	"CREATE TABLE passages (rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, json TEXT);"
	"CREATE TABLE vectors (rowid INTEGER PRIMARY KEY, v BLOB);"
	"CREATE VIRTUAL TABLE fts USING fts5(title, text, dims, composers, topic,"
	" tokenize = \"porter unicode61 tokenchars '_'\");";

/* Appends S (and a space) to the fixed buffer B of CAP bytes. */
static void cat(char *b, size_t cap, const char *s)
{
	size_t n = strlen(b);

	snprintf(b + n, cap - n, "%s%s", n ? " " : "", s);
}

static void cat_strings(char *b, size_t cap, const json_t *arr)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		cat(b, cap, json_string_value(v));
}

/* The dims column: "pedal_clarity_high pedal_clarity" per pole. */
static void dims_terms(const struct pp_retriever *r, const struct pp_passage *p,
		       char *b, size_t cap)
{
	char t[160];

	b[0] = '\0';
	for (int i = 0; i < p->npoles; i++) {
		const char *name = r->dims.v[p->poles[i].dim].name;

		snprintf(t, sizeof(t), "%s_%s %s", name,
			 p->poles[i].high ? "high" : "low", name);
		cat(b, cap, t);
	}
}

static int insert_passage(struct pp_retriever *r, sqlite3_stmt *sp,
			  sqlite3_stmt *sf, const struct pp_passage *p,
			  long long row)
{
	char dims[2048], comp[1024] = "", topic[512] = "";
	char *js = json_dumps(p->obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	int rc = 0;

	dims_terms(r, p, dims, sizeof(dims));
	cat_strings(comp, sizeof(comp), json_object_get(p->obj, "composers"));
	cat_strings(comp, sizeof(comp), json_object_get(p->obj, "eras"));
	snprintf(topic, sizeof(topic), "%s %s %s", p->topic, p->kind, p->level);
	sqlite3_bind_int64(sp, 1, row);
	sqlite3_bind_text(sp, 2, p->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(sp, 3, js, -1, SQLITE_STATIC);
	sqlite3_bind_int64(sf, 1, row);
	sqlite3_bind_text(sf, 2, p->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(sf, 3, p->text, -1, SQLITE_STATIC);
	sqlite3_bind_text(sf, 4, dims, -1, SQLITE_STATIC);
	sqlite3_bind_text(sf, 5, comp, -1, SQLITE_STATIC);
	sqlite3_bind_text(sf, 6, topic, -1, SQLITE_STATIC);
	if (sqlite3_step(sp) != SQLITE_DONE || sqlite3_step(sf) != SQLITE_DONE)
		rc = -1;
	sqlite3_reset(sp);
	sqlite3_reset(sf);
	free(js);
	return rc;
}

/* The distinct composers of the corpus, as a JSON array text. */
static char *corpus_composers(const struct pp_kb *kb)
{
	json_t *set = json_object(), *arr = json_array(), *v;
	const char *key;
	char *s;

	for (int i = 0; i < kb->n; i++) {
		size_t j;

		json_array_foreach(json_object_get(kb->p[i].obj, "composers"), j, v)
			json_object_set_new(set, json_string_value(v), json_true());
	}
	json_object_foreach(set, key, v)
		json_array_append_new(arr, json_string(key));
	s = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	json_decref(set);
	return s;
}

static int fill(struct pp_retriever *r, sqlite3 *db, const char *path,
		const struct pp_kb *kb, const char *stamp, struct pp_err *err)
{
	sqlite3_stmt *sp = NULL, *sf = NULL;
	char hash[32], count[32], *comp;
	int rc = -1;

	if (exec(db, schema_sql, path, err) < 0 ||
	    exec(db, "BEGIN", path, err) < 0)
		return -1;
	if (sqlite3_prepare_v2(db, "INSERT INTO passages VALUES (?1, ?2, ?3)",
			       -1, &sp, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO fts (rowid, title, text, dims, composers, topic)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &sf, NULL) != SQLITE_OK) {
		db_fail(db, path, "cannot prepare", err);
		goto out;
	}
	for (int i = 0; i < kb->n; i++)
		if (insert_passage(r, sp, sf, &kb->p[i], i + 1) < 0) {
			db_fail(db, path, "cannot insert", err);
			goto out;
		}
	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)kb->hash);
	snprintf(count, sizeof(count), "%d", kb->n);
	comp = corpus_composers(kb);
	rc = meta_set(db, "schema", SCHEMA) | meta_set(db, "corpus", r->corpus) |
	     meta_set(db, "stamp", stamp) | meta_set(db, "hash", hash) |
	     meta_set(db, "count", count) | meta_set(db, "composers", comp);
	free(comp);
	if (rc < 0)
		db_fail(db, path, "cannot write", err);
	else
		rc = exec(db, "COMMIT", path, err);
out:
	sqlite3_finalize(sp);
	sqlite3_finalize(sf);
	return rc;
}

/* Builds the index from the corpus into PATH (":memory:" or a file, via a
 * temporary file and a rename) and leaves it open in r->db. */
static int build(struct pp_retriever *r, const char *path, struct pp_err *err)
{
	char stamp[16384], tmp[PATH_MAX + 32];
	int mem = strcmp(path, ":memory:") == 0;
	double t0 = now_s();
	struct pp_kb kb;
	sqlite3 *db = NULL;

	if (pp_kb_stamp(r->corpus, stamp, sizeof(stamp), err) < 0 ||
	    pp_kb_load(&kb, r->corpus, &r->dims, err) < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), mem ? "%s" : "%s.tmp.%ld", path, (long)getpid());
	if (!mem)
		unlink(tmp);
	if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		pp_fail(err, "'%s': cannot create the index: %s", path,
			db ? sqlite3_errmsg(db) : "out of memory");
		goto fail;
	}
	if (exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF",
		 path, err) < 0 ||
	    fill(r, db, path, &kb, stamp, err) < 0)
		goto fail;
	if (!mem) {
		sqlite3_close(db);
		db = NULL;
		if (rename(tmp, path) != 0) {
			pp_fail(err, "'%s': cannot rename the new index: %s", path,
				strerror(errno));
			goto fail;
		}
		if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
			db_fail(db, path, "cannot open", err);
			goto fail;
		}
	}
	r->db = db;
	r->npassages = kb.n;
	r->built = 1;
	r->build_s = now_s() - t0;
	pp_kb_release(&kb);
	return 0;
fail:
	sqlite3_close(db);
	if (!mem)
		unlink(tmp);
	pp_kb_release(&kb);
	return -1;
}

/* ---- freshness ---- */

enum { STALE = 0, FRESH = 1, FOREIGN = -1 };

/* Opens PATH if it is a fresh index of r->corpus (r->db set). */
static int check_fresh(struct pp_retriever *r, const char *path,
		       struct pp_err *err)
{
	char v[16384], stamp[16384], hash[32];
	uint64_t h;
	sqlite3 *db = NULL;
	int rw = access(path, W_OK) == 0;

	if (access(path, F_OK) != 0)
		return STALE;
	if (sqlite3_open_v2(path, &db, rw ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY,
			    NULL) != SQLITE_OK || meta_get(db, "schema", v, sizeof(v)) < 0) {
		sqlite3_close(db);
		pp_fail(err, "'%s': not a pp knowledge index (remove it, or choose another --index)",
			path);
		return FOREIGN;
	}
	if (strcmp(v, SCHEMA) != 0 || meta_get(db, "corpus", v, sizeof(v)) < 0 ||
	    strcmp(v, r->corpus) != 0 ||
	    pp_kb_stamp(r->corpus, stamp, sizeof(stamp), err) < 0 ||
	    meta_get(db, "stamp", v, sizeof(v)) < 0)
		goto stale;
	if (strcmp(v, stamp) != 0) {
		/* Times or sizes changed: the contents decide. */
		if (pp_kb_hash(r->corpus, &h, err) < 0 ||
		    meta_get(db, "hash", v, sizeof(v)) < 0)
			goto stale;
		snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)h);
		if (strcmp(v, hash) != 0)
			goto stale;
		if (rw)
			meta_set(db, "stamp", stamp); /* best effort */
	}
	if (meta_get(db, "count", v, sizeof(v)) < 0)
		goto stale;
	r->npassages = atoi(v);
	r->db = db;
	return FRESH;
stale:
	sqlite3_close(db);
	return STALE;
}

static int open_index(struct pp_retriever *r, const struct pp_retrieve_opts *o,
		      struct pp_err *err)
{
	int f;

	if (o->index) {
		snprintf(r->index, sizeof(r->index), "%s", o->index);
	} else if (default_index(r->index, sizeof(r->index)) < 0) {
		pp_fail(&r->warn, "no writable cache directory for the index (set XDG_CACHE_HOME or use --index); building it in memory");
		snprintf(r->index, sizeof(r->index), ":memory:");
	}
	if (strcmp(r->index, ":memory:") == 0)
		return build(r, r->index, err);
	f = o->force ? STALE : check_fresh(r, r->index, err);
	if (f == FOREIGN)
		return -1;
	pp_err_clear(err);
	if (f == FRESH)
		return 0;
	if (build(r, r->index, err) == 0)
		return 0;
	if (o->index || r->db)
		return -1;
	/* The default location failed: fall back to memory, say so. */
	pp_fail(&r->warn, "%s; building the index in memory", err->msg);
	pp_err_clear(err);
	snprintf(r->index, sizeof(r->index), ":memory:");
	return build(r, r->index, err);
}

/* ---- dense vectors ---- */

static int load_vectors(struct pp_retriever *r)
{
	sqlite3_stmt *st;
	int n = 0;

	if (sqlite3_prepare_v2(r->db, "SELECT rowid, v FROM vectors ORDER BY rowid",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	r->vecs = malloc(sizeof(float) * (size_t)r->npassages * r->vec_dim);
	r->vec_rows = malloc(sizeof(long long) * (size_t)r->npassages);
	while (sqlite3_step(st) == SQLITE_ROW && n < r->npassages) {
		if (sqlite3_column_bytes(st, 1) != (int)sizeof(float) * r->vec_dim)
			break;
		r->vec_rows[n] = sqlite3_column_int64(st, 0);
		memcpy(r->vecs + (size_t)n * r->vec_dim, sqlite3_column_blob(st, 1),
		       sizeof(float) * r->vec_dim);
		n++;
	}
	sqlite3_finalize(st);
	r->nvecs = n;
	return n == r->npassages ? 0 : -1;
}

/* Best effort: the index may be read-only. */
static void store_vectors(struct pp_retriever *r)
{
	sqlite3_stmt *st;
	char dim[32];

	if (sqlite3_db_readonly(r->db, "main") == 1 ||
	    sqlite3_exec(r->db, "BEGIN; DELETE FROM vectors", NULL, NULL, NULL) != SQLITE_OK)
		return;
	if (sqlite3_prepare_v2(r->db, "INSERT INTO vectors VALUES (?1, ?2)", -1,
			       &st, NULL) == SQLITE_OK) {
		for (int i = 0; i < r->nvecs; i++) {
			sqlite3_bind_int64(st, 1, r->vec_rows[i]);
			sqlite3_bind_blob(st, 2, r->vecs + (size_t)i * r->vec_dim,
					  sizeof(float) * r->vec_dim, SQLITE_STATIC);
			sqlite3_step(st);
			sqlite3_reset(st);
		}
		sqlite3_finalize(st);
	}
	snprintf(dim, sizeof(dim), "%d", r->vec_dim);
	meta_set(r->db, "embed_model", r->embed.model);
	meta_set(r->db, "embed_dim", dim);
	sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
}

/* Embeds every passage (title and text). */
static int compute_vectors(struct pp_retriever *r, struct pp_err *err)
{
	sqlite3_stmt *st;
	char **texts = calloc(r->npassages, sizeof(char *));
	int n = 0, rc;

	r->vec_rows = malloc(sizeof(long long) * (size_t)r->npassages);
	if (sqlite3_prepare_v2(r->db, "SELECT rowid, json FROM passages ORDER BY rowid",
			       -1, &st, NULL) != SQLITE_OK) {
		free(texts);
		return db_fail(r->db, r->index, "cannot read", err);
	}
	while (sqlite3_step(st) == SQLITE_ROW && n < r->npassages) {
		json_t *o = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
		const char *t = json_string_value(json_object_get(o, "title"));
		const char *x = json_string_value(json_object_get(o, "text"));

		size_t len = strlen(t ? t : "") + strlen(x ? x : "") + 3;

		r->vec_rows[n] = sqlite3_column_int64(st, 0);
		texts[n] = malloc(len);
		snprintf(texts[n], len, "%s. %s", t ? t : "", x ? x : "");
		json_decref(o);
		n++;
	}
	sqlite3_finalize(st);
	rc = pp_embed_texts(&r->embed, (const char *const *)texts, n, &r->vecs,
			    &r->vec_dim, err);
	for (int i = 0; i < n; i++)
		free(texts[i]);
	free(texts);
	if (rc < 0)
		return -1;
	r->nvecs = n;
	store_vectors(r);
	return 0;
}

/* Makes r->vecs hold one vector per passage for the configured model. */
static int ensure_vectors(struct pp_retriever *r, struct pp_err *err)
{
	char model[512], dim[32];

	if (r->vecs)
		return 0;
	if (meta_get(r->db, "embed_model", model, sizeof(model)) == 0 &&
	    strcmp(model, r->embed.model) == 0 &&
	    meta_get(r->db, "embed_dim", dim, sizeof(dim)) == 0) {
		r->vec_dim = atoi(dim);
		if (r->vec_dim > 0 && load_vectors(r) == 0)
			return 0;
	}
	free(r->vecs);
	free(r->vec_rows);
	r->vecs = NULL;
	r->vec_rows = NULL;
	r->nvecs = r->vec_dim = 0;
	return compute_vectors(r, err);
}

/* ---- open, close ---- */

int pp_retrieve_open(struct pp_retriever *r, const struct pp_retrieve_opts *o,
		     struct pp_err *err)
{
	char path[PATH_MAX];
	struct pp_err e;
	int rc;

	memset(r, 0, sizeof(*r));
	if (pp_data_path("dimensions.json", path, sizeof(path), err) < 0 ||
	    pp_kb_dims_load(&r->dims, path, err) < 0 ||
	    load_reference(r, err) < 0)
		goto fail;
	if (o->corpus)
		snprintf(path, sizeof(path), "%s", o->corpus);
	else if (pp_data_path("knowledge/passages", path, sizeof(path), err) < 0)
		goto fail;
	if (!realpath(path, r->corpus)) {
		pp_fail(err, "'%s': %s", path, strerror(errno));
		goto fail;
	}
	pp_err_clear(&e);
	rc = pp_embed_from_env(&r->embed, &e);
	if (rc < 0)
		pp_fail(&r->warn, "embeddings off: %s", e.msg);
	r->have_embed = rc == 1;
	if (open_index(r, o, err) < 0)
		goto fail;
	if (r->built && r->have_embed) {
		pp_err_clear(&e);
		if (ensure_vectors(r, &e) < 0) {
			pp_fail(&r->warn, "embeddings unavailable, BM25 only: %s", e.msg);
			r->have_embed = 0;
		}
	}
	return 0;
fail:
	pp_retrieve_close(r);
	return -1;
}

void pp_retrieve_close(struct pp_retriever *r)
{
	sqlite3_close(r->db);
	r->db = NULL;
	pp_kb_dims_release(&r->dims);
	free(r->pct);
	r->pct = NULL;
	pp_embed_release(&r->embed);
	free(r->vecs);
	free(r->vec_rows);
	r->vecs = NULL;
	r->vec_rows = NULL;
}

/* ---- query building ---- */

static const char *const stopwords[] = {
	"a", "about", "an", "and", "are", "as", "at", "be", "but", "by", "do",
	"does", "for", "from", "how", "i", "in", "is", "it", "its", "me", "my",
	"no", "nr", "of", "on", "op", "or", "so", "that", "the", "their",
	"this", "to", "too", "very", "what", "when", "why", "with", "you",
	"your", "bar", "bars", "measure", "measures", "piece", "major", "minor",
	"sharp", "flat", "bwv", "hob", "kv", NULL,
};

static int stopword(const char *w)
{
	for (int i = 0; stopwords[i]; i++)
		if (strcmp(w, stopwords[i]) == 0)
			return 1;
	return 0;
}

/* Adds COL:"WORD" (or "WORD" when COL is NULL) to the expression, once,
 * with BONUS for a passage that matches it (see bonus_fn). */
static void add_term(struct pp_query *q, const char *col, const char *word,
		     double bonus)
{
	char t[256];
	size_t n = strlen(q->expr);

	if (!*word || strchr(word, '"') || q->nphrases == PP_RETRIEVE_MAX_PHRASES)
		return;
	snprintf(t, sizeof(t), "%s%s\"%s\"", col ? col : "", col ? ":" : "", word);
	if (strstr(q->expr, t) || n + strlen(t) + 5 >= sizeof(q->expr))
		return;
	snprintf(q->expr + n, sizeof(q->expr) - n, "%s%s", n ? " OR " : "", t);
	q->filter[q->nphrases] = col && strcmp(col, "dims") == 0;
	q->bonus[q->nphrases++] = bonus;
}

/* Calls add_term for each searchable word of S (lowercased; UTF-8 kept). */
static void add_words(struct pp_query *q, const char *s)
{
	char w[128];
	size_t n = 0;

	for (;; s++) {
		unsigned char c = (unsigned char)*s;

		if (c && (isalnum(c) || c >= 0x80 || c == '\'')) {
			if (n + 1 < sizeof(w) && c != '\'')
				w[n++] = (char)tolower(c);
			continue;
		}
		w[n] = '\0';
		if (n > 1 && !stopword(w) && strspn(w, "0123456789") != n)
			add_term(q, NULL, w, 0);
		n = 0;
		if (!c)
			break;
	}
}

static void add_text(struct pp_query *q, const char *s)
{
	size_t n = strlen(q->text);

	snprintf(q->text + n, sizeof(q->text) - n, "%s%s", n ? "; " : "", s);
}

/* Adds a focus dimension: the dims-column term, the pole and name words. */
static void add_focus(struct pp_retriever *r, struct pp_query *q, int dim,
		      int high, double pct)
{
	const struct pp_kb_dim *d = &r->dims.v[dim];
	char t[256], name[128];

	for (int i = 0; i < q->nfocus; i++)
		if (q->focus[i].dim == dim && q->focus[i].high == high)
			return;
	if (q->nfocus == (int)(sizeof(q->focus) / sizeof(q->focus[0])))
		return;
	snprintf(t, sizeof(t), "%s_%s", d->name, high ? "high" : "low");
	add_term(q, "dims", t, PP_RETRIEVE_FOCUS_BONUS * (1.0 - 0.1 * q->nfocus));
	q->focus[q->nfocus++] = (struct pp_focus){ dim, high, pct };
	snprintf(name, sizeof(name), "%s", d->name);
	for (char *s = name; *s; s++)
		if (*s == '_')
			*s = ' ';
	add_words(q, high ? d->high : d->low);
	add_words(q, name);
	if (pct >= 0) {
		snprintf(t, sizeof(t), "%s %s (percentile %.0f)",
			 high ? d->high : d->low, name, pct);
		add_text(q, t);
	}
}

struct cand {
	int dim;
	double pct;
	int uncertain;  /* fold models disagree, or "reliable": false */
};

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	double dx = fabs(x->pct - 50), dy = fabs(y->pct - 50);

	if (x->uncertain != y->uncertain)
		return x->uncertain - y->uncertain;
	return dx < dy ? 1 : dx > dy ? -1 : x->dim - y->dim;
}

/* Reads one dimension entry (array element or object member). */
static int read_dim(struct pp_retriever *r, const char *dname,
		    const json_t *v, struct cand *c, const char *where,
		    struct pp_err *err)
{
	double value, pct = -1;

	c->dim = pp_kb_dim_find(&r->dims, dname);
	if (c->dim < 0)
		return pp_fail(err, "%s: unknown dimension '%s'", where, dname);
	c->uncertain = 0;
	if (json_is_number(v)) {
		value = json_number_value(v);
	} else {
		if (pp_json_number(v, "value", &value, where, err) < 0 ||
		    pp_json_number_or(v, "percentile", -1, &pct, where, err) < 0)
			return -1;
		/* fold disagreement and a poorly predicted dimension alike
		 * make a dimension a weak basis for a query */
		c->uncertain = json_is_true(json_object_get(v, "uncertain")) ||
			       json_is_false(json_object_get(v, "reliable"));
	}
	if (!isfinite(value))
		return pp_fail(err, "%s: value is not finite", where);
	c->pct = pct >= 0 && pct <= 100 ? pct : pp_retrieve_percentile(r, c->dim, value);
	return 0;
}

static int read_dims(struct pp_retriever *r, const json_t *doc, const char *name,
		     struct cand *c, int *n, struct pp_err *err)
{
	const json_t *dims = json_object_get(doc, "dimensions"), *v;
	char where[PATH_MAX + 64];
	const char *key;
	size_t i;

	*n = 0;
	if (!dims)
		return pp_fail(err, "'%s': missing member 'dimensions'", name);
	if (json_is_array(dims)) {
		json_array_foreach(dims, i, v) {
			const char *dn;

			snprintf(where, sizeof(where), "'%s': dimensions[%zu]", name, i);
			if (*n == r->dims.n)
				return pp_fail(err, "%s: more than %d dimensions", where, r->dims.n);
			if (pp_json_string(v, "name", &dn, where, err) < 0 ||
			    read_dim(r, dn, v, &c[*n], where, err) < 0)
				return -1;
			(*n)++;
		}
	} else if (json_is_object(dims)) {
		json_object_foreach((json_t *)dims, key, v) {
			snprintf(where, sizeof(where), "'%s': dimensions.%s", name, key);
			if (*n == r->dims.n)
				return pp_fail(err, "%s: more than %d dimensions", where, r->dims.n);
			if (read_dim(r, key, v, &c[*n], where, err) < 0)
				return -1;
			(*n)++;
		}
	} else {
		return pp_fail(err, "'%s': member 'dimensions' is not an array", name);
	}
	if (*n == 0)
		return pp_fail(err, "'%s': 'dimensions' is empty", name);
	return 0;
}

/* Picks the dimensions that stand out; at least one, at most MAX_FOCUS. */
static void choose_focus(struct pp_retriever *r, struct pp_query *q,
			 struct cand *c, int n)
{
	qsort(c, n, sizeof(*c), cmp_cand);
	for (int i = 0; i < n && q->nfocus < PP_RETRIEVE_MAX_FOCUS; i++) {
		if (i > 0 && (c[i].uncertain ||
			      fabs(c[i].pct - 50) < PP_RETRIEVE_FOCUS_DISTANCE))
			break;
		add_focus(r, q, c[i].dim, c[i].pct > 50, c[i].pct);
	}
}

/* Case-insensitive search for NEEDLE as a whole word in HAY. */
static int has_word(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (!n)
		return 0;
	for (const char *s = hay; *s; s++)
		if (strncasecmp(s, needle, n) == 0 &&
		    (s == hay || !isalpha((unsigned char)s[-1])) &&
		    !isalpha((unsigned char)s[n]))
			return 1;
	return 0;
}

static const char *str_at(const json_t *doc, const char *a, const char *b)
{
	const json_t *v = json_object_get(doc, a);

	if (b)
		v = json_object_get(v, b);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Records composer C for the composer bonus and searches for its name. */
static void add_composer(struct pp_query *q, const char *c)
{
	char w[64];
	size_t i;

	for (i = 0; c[i] && i + 1 < sizeof(w); i++)
		w[i] = (char)tolower((unsigned char)c[i]);
	w[i] = '\0';
	add_term(q, "composers", w, PP_RETRIEVE_COMPOSER_BONUS);
	add_words(q, c);
}

/* Calls add_composer for each corpus composer named in TEXT. */
static void text_composers(struct pp_retriever *r, struct pp_query *q,
			   const char *text)
{
	char comp[8192];
	json_t *arr, *v;
	size_t i;

	if (meta_get(r->db, "composers", comp, sizeof(comp)) < 0 ||
	    !(arr = json_loads(comp, 0, NULL)))
		return;
	json_array_foreach(arr, i, v)
		if (has_word(text, json_string_value(v)))
			add_composer(q, json_string_value(v));
	json_decref(arr);
}

/* Finds a corpus composer named in the document's identity strings. */
static void add_identity(struct pp_retriever *r, const json_t *doc,
			 struct pp_query *q)
{
	const char *hay[] = {
		str_at(doc, "score", "composer"), str_at(doc, "composer", NULL),
		str_at(doc, "score", "title"), str_at(doc, "title", NULL),
		str_at(doc, "id", NULL), str_at(doc, "source", NULL),
		str_at(doc, "score", "source"), str_at(doc, "performance", "source"),
	};
	const char *title = hay[2] ? hay[2] : hay[3];
	char comp[8192];
	json_t *arr, *v;
	size_t i;

	if (meta_get(r->db, "composers", comp, sizeof(comp)) == 0 &&
	    (arr = json_loads(comp, 0, NULL))) {
		json_array_foreach(arr, i, v) {
			const char *c = json_string_value(v);

			for (size_t j = 0; j < sizeof(hay) / sizeof(hay[0]); j++)
				if (hay[j] && c && has_word(hay[j], c)) {
					add_composer(q, c);
					add_text(q, c);
					break;
				}
		}
		json_decref(arr);
	}
	if (title) {
		add_text(q, title);
		add_words(q, title);
	}
}

struct bar {
	const char *number; /* printed measure number */
	double v;           /* how strong the problem is there */
};

static int cmp_bar(const void *a, const void *b)
{
	double x = ((const struct bar *)a)->v, y = ((const struct bar *)b)->v;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* The first (strongest) problem's own search: the knowledge base's accuracy
 * passages (topic "accuracy") that share a word with TERMS. */
static void problem_expr(struct pp_query *q, const char *kind, const char *terms)
{
	char w[64];
	size_t used;
	int n = 0;

	q->problem_kind = kind;
	used = (size_t)snprintf(q->problem_expr, sizeof(q->problem_expr),
				"topic:\"accuracy\" AND (");
	while (*terms && sscanf(terms, "%63s", w) == 1) {
		terms += strspn(terms, " ");
		terms += strlen(w);
		if (used + strlen(w) + 8 < sizeof(q->problem_expr))
			used += snprintf(q->problem_expr + used,
					 sizeof(q->problem_expr) - used, "%s\"%s\"",
					 n++ ? " OR " : "", w);
	}
	snprintf(q->problem_expr + used, sizeof(q->problem_expr) - used, ")");
}

/* Adds a problem from bars B[N] (strongest first, at most 5 kept). */
static void add_problem(struct pp_query *q, const char *kind, const char *what,
			const char *terms, struct bar *b, int n)
{
	json_t *p, *ms;
	char t[512];
	size_t len;

	if (n == 0)
		return;
	qsort(b, n, sizeof(*b), cmp_bar);
	if (n > 5)
		n = 5;
	ms = json_array();
	len = (size_t)snprintf(t, sizeof(t), "%s in bar%s", what, n > 1 ? "s" : "");
	for (int i = 0; i < n; i++) {
		json_array_append_new(ms, json_string(b[i].number));
		if (len < sizeof(t))
			len += snprintf(t + len, sizeof(t) - len, "%s %s",
					i ? "," : "", b[i].number);
	}
	p = json_object();
	json_object_set_new(p, "kind", json_string(kind));
	json_object_set_new(p, "measures", ms);
	if (!q->problems)
		q->problems = json_array();
	json_array_append_new(q->problems, p);
	add_text(q, t);
	add_words(q, terms);
	if (!q->problem_kind)
		problem_expr(q, kind, terms);
}

/* Wrong or missing notes, rushing, dragging and pedal held through bars. */
static void add_problems(struct pp_query *q, const json_t *doc)
{
	const json_t *ms = json_object_get(json_object_get(doc, "summary"), "measures");
	size_t n = json_array_size(ms), i;
	struct bar *wrong, *rush, *drag, *ped;
	int nw = 0, nr = 0, nd = 0, np = 0;
	char (*num)[24];
	json_t *m;

	if (!json_is_array(ms) || n == 0)
		return;
	num = calloc(n, sizeof(*num));
	wrong = calloc(n, sizeof(*wrong));
	rush = calloc(n, sizeof(*rush));
	drag = calloc(n, sizeof(*drag));
	ped = calloc(n, sizeof(*ped));
	json_array_foreach(ms, i, m) {
		const char *no = str_at(m, "number", NULL);
		double w = json_number_value(json_object_get(m, "wrong_pitch")) +
			   json_number_value(json_object_get(m, "missing"));
		const json_t *tr = json_object_get(m, "tempo_ratio");
		double pd = json_number_value(json_object_get(m, "pedal_down"));

		if (!no) { /* no printed number: count from 1 */
			snprintf(num[i], sizeof(num[i]), "%zu", i + 1);
			no = num[i];
		}
		if (w > 0)
			wrong[nw++] = (struct bar){ no, w };
		if (json_is_number(tr) && json_number_value(tr) > 1.1)
			rush[nr++] = (struct bar){ no, json_number_value(tr) };
		if (json_is_number(tr) && json_number_value(tr) > 0 &&
		    json_number_value(tr) < 0.9)
			drag[nd++] = (struct bar){ no, 1 / json_number_value(tr) };
		if (pd > 0.95 && !json_is_true(json_object_get(m, "pedal_marked")))
			ped[np++] = (struct bar){ no, pd };
	}
	add_problem(q, "wrong_notes", "wrong or missing notes",
		    "wrong notes accuracy", wrong, nw);
	add_problem(q, "rushing", "rushing", "rushing tempo pulse", rush, nr);
	add_problem(q, "dragging", "dragging", "dragging tempo pulse", drag, nd);
	add_problem(q, "pedal_held", "pedal held through", "pedal changes",
		    ped, np);
	free(num);
	free(wrong);
	free(rush);
	free(drag);
	free(ped);
}

int pp_retrieve_query_doc(struct pp_retriever *r, const json_t *doc,
			  const char *name, struct pp_query *q,
			  struct pp_err *err)
{
	struct cand *c = calloc(r->dims.n, sizeof(*c));
	int n;

	memset(q, 0, sizeof(*q));
	if (read_dims(r, doc, name, c, &n, err) < 0) {
		free(c);
		return -1;
	}
	choose_focus(r, q, c, n);
	free(c);
	add_identity(r, doc, q);
	add_problems(q, doc);
	return 0;
}

/*
 * Words a pianist or teacher uses for one pole of a dimension. A cue with a
 * context applies only when the context word is also in the text, and then
 * wins over later cues with the same words ("soft" with "touch" is the
 * touch, "soft" alone the loudness).
 */
static const struct cue {
	const char *words;   /* a word or a phrase, matched as whole words */
	const char *context; /* another word that must be present, or NULL */
	const char *dim;
	int high;
} cues[] = {
	{ "blurred", NULL, "pedal_clarity", 1 }, { "blurry", NULL, "pedal_clarity", 1 },
	{ "muddy", NULL, "pedal_clarity", 1 }, { "smeared", NULL, "pedal_clarity", 1 },
	{ "murky", NULL, "pedal_clarity", 1 }, { "clean", "pedal", "pedal_clarity", 0 },
	{ "clear", "pedal", "pedal_clarity", 0 },
	{ "too much pedal", NULL, "pedal_amount", 1 }, { "saturated", NULL, "pedal_amount", 1 },
	{ "wet", NULL, "pedal_amount", 1 }, { "drenched", NULL, "pedal_amount", 1 },
	{ "dry", NULL, "pedal_amount", 0 }, { "no pedal", NULL, "pedal_amount", 0 },
	{ "without pedal", NULL, "pedal_amount", 0 }, { "little pedal", NULL, "pedal_amount", 0 },
	{ "no resonance", NULL, "pedal_amount", 0 },
	{ "soft", "touch", "articulation_touch", 0 }, { "cushioned", NULL, "articulation_touch", 0 },
	{ "gentle", "touch", "articulation_touch", 0 },
	{ "hard", NULL, "articulation_touch", 1 }, { "percussive", NULL, "articulation_touch", 1 },
	{ "hammered", NULL, "articulation_touch", 1 }, { "harsh", "touch", "articulation_touch", 1 },
	{ "harsh", NULL, "timbre_brightness", 0 }, { "bright", NULL, "timbre_brightness", 0 },
	{ "brilliant", NULL, "timbre_brightness", 0 }, { "shrill", NULL, "timbre_brightness", 0 },
	{ "brittle", NULL, "timbre_brightness", 0 }, { "metallic", NULL, "timbre_brightness", 0 },
	{ "dark", "mood", "mood_valence", 1 }, { "dark", NULL, "timbre_brightness", 1 },
	{ "dull", NULL, "timbre_brightness", 1 }, { "veiled", NULL, "timbre_brightness", 1 },
	{ "gloomy", NULL, "mood_valence", 1 }, { "sad", NULL, "mood_valence", 1 },
	{ "melancholy", NULL, "mood_valence", 1 }, { "cheerful", NULL, "mood_valence", 0 },
	{ "pleasant", NULL, "mood_valence", 0 }, { "optimistic", NULL, "mood_valence", 0 },
	{ "happy", NULL, "mood_valence", 0 },
	{ "soft", NULL, "timbre_loudness", 0 }, { "timid", NULL, "timbre_loudness", 0 },
	{ "quiet", NULL, "timbre_loudness", 0 }, { "weak", NULL, "timbre_loudness", 0 },
	{ "loud", NULL, "timbre_loudness", 1 }, { "forceful", NULL, "timbre_loudness", 1 },
	{ "banging", NULL, "timbre_loudness", 1 },
	{ "unsteady", NULL, "timing", 1 }, { "unstable", NULL, "timing", 1 },
	{ "wavering", NULL, "timing", 1 }, { "erratic", NULL, "timing", 1 },
	{ "rushing", NULL, "timing", 1 }, { "rushes", NULL, "timing", 1 },
	{ "fluctuating", NULL, "timing", 1 }, { "rigid", NULL, "timing", 0 },
	{ "metronomic", NULL, "timing", 0 }, { "mechanical", NULL, "timing", 0 },
	{ "no rubato", NULL, "timing", 0 }, { "without rubato", NULL, "timing", 0 },
	{ "rubato", NULL, "timing", 1 },
	{ "clipped", NULL, "articulation_length", 0 }, { "staccato", NULL, "articulation_length", 0 },
	{ "detached", NULL, "articulation_length", 0 }, { "too short", NULL, "articulation_length", 0 },
	{ "legato", NULL, "articulation_length", 1 }, { "overlap", NULL, "articulation_length", 1 },
	{ "overlapping", NULL, "articulation_length", 1 }, { "too long", NULL, "articulation_length", 1 },
	{ "flat", "dynamic", "dynamic_range", 0 }, { "little dynamic range", NULL, "dynamic_range", 0 },
	{ "no dynamic range", NULL, "dynamic_range", 0 }, { "mezzo forte", NULL, "dynamic_range", 0 },
	{ "too large", "dynamic", "dynamic_range", 1 }, { "extreme contrasts", NULL, "dynamic_range", 1 },
	{ "exaggerated", "dynamic", "dynamic_range", 1 },
	{ "crude", NULL, "dynamic_sophistication", 1 }, { "raw", NULL, "dynamic_sophistication", 1 },
	{ "sudden accents", NULL, "dynamic_sophistication", 1 }, { "abrupt", NULL, "dynamic_sophistication", 1 },
	{ "refined", NULL, "dynamic_sophistication", 0 }, { "subtle", NULL, "dynamic_sophistication", 0 },
	{ "mellow", NULL, "dynamic_sophistication", 0 },
	{ "slow", NULL, "pace", 1 }, { "dragging", NULL, "pace", 1 }, { "sluggish", NULL, "pace", 1 },
	{ "hurried", NULL, "pace", 0 }, { "fast-paced", NULL, "pace", 0 }, { "too fast", NULL, "pace", 0 },
	{ "rushed", NULL, "pace", 0 }, { "hasty", NULL, "pace", 0 },
	{ "buried", NULL, "balance", 0 }, { "drowned", NULL, "balance", 0 },
	{ "covered", NULL, "balance", 0 }, { "unbalanced", NULL, "balance", 0 },
	{ "unconvincing", NULL, "interpretation", 0 }, { "doubtful", NULL, "interpretation", 0 },
	{ "unsatisfactory", NULL, "interpretation", 0 },
	{ "flat", NULL, "space", 0 }, { "no space", NULL, "space", 0 },
	{ "without space", NULL, "space", 0 }, { "spacious", NULL, "space", 1 },
	{ "same", "colour", "timbre_variety", 0 }, { "same", "color", "timbre_variety", 0 },
	{ "monochrome", NULL, "timbre_variety", 0 }, { "monotonous", "tone", "timbre_variety", 0 },
	{ "colourful", NULL, "timbre_variety", 1 }, { "colorful", NULL, "timbre_variety", 1 },
	{ "shallow", NULL, "timbre_depth", 0 }, { "thin", NULL, "timbre_depth", 0 },
	{ "rich", NULL, "timbre_depth", 1 },
	{ "low energy", NULL, "mood_energy", 0 }, { "lacks drive", NULL, "mood_energy", 0 },
	{ "listless", NULL, "mood_energy", 0 }, { "lethargic", NULL, "mood_energy", 0 },
	{ "high energy", NULL, "mood_energy", 1 }, { "energetic", NULL, "mood_energy", 1 },
	{ "dramatic", NULL, "drama", 1 }, { "theatrical", NULL, "drama", 1 },
	{ "exaggerated", "expression", "drama", 1 }, { "restrained", NULL, "drama", 0 },
	{ "literal", NULL, "mood_imagination", 0 }, { "lacks imagination", NULL, "mood_imagination", 0 },
	{ "unimaginative", NULL, "mood_imagination", 0 }, { "imaginative", NULL, "mood_imagination", 1 },
	{ "fanciful", NULL, "mood_imagination", 1 },
};

/* Free text: the dimension and pole that the text names, by the cues above
 * or by a pole word of dimensions.json together with its dimension's name
 * or group ("clean" and "pedal"). */
static void text_focus(struct pp_retriever *r, struct pp_query *q,
		       const char *text)
{
	const char *used[sizeof(cues) / sizeof(cues[0])];
	int nused = 0;

	for (size_t i = 0; i < sizeof(cues) / sizeof(cues[0]); i++) {
		const struct cue *c = &cues[i];
		int d = pp_kb_dim_find(&r->dims, c->dim), skip = 0;

		/* A cue used already, or the end of one ("no rubato"), is spent. */
		for (int j = 0; j < nused; j++) {
			size_t lu = strlen(used[j]), lw = strlen(c->words);

			skip |= strcmp(used[j], c->words) == 0 ||
				(lu > lw && used[j][lu - lw - 1] == ' ' &&
				 strcmp(used[j] + lu - lw, c->words) == 0);
		}
		if (skip || d < 0 || !has_word(text, c->words) ||
		    (c->context && !has_word(text, c->context)))
			continue;
		used[nused++] = c->words;
		add_focus(r, q, d, c->high, -1);
	}
	for (int d = 0; d < r->dims.n; d++) {
		const struct pp_kb_dim *x = &r->dims.v[d];
		char name[128], *tok, *save;
		int named = 0;

		snprintf(name, sizeof(name), "%s", x->name);
		for (tok = strtok_r(name, "_", &save); tok; tok = strtok_r(NULL, "_", &save))
			named |= has_word(text, tok);
		named |= has_word(text, x->group);
		for (int high = 0; high <= 1; high++) {
			char pole[128];

			snprintf(pole, sizeof(pole), "%s", high ? x->high : x->low);
			for (tok = strtok_r(pole, "/", &save); tok;
			     tok = strtok_r(NULL, "/", &save))
				if (named && has_word(text, tok)) {
					add_focus(r, q, d, high, -1);
					break;
				}
		}
	}
}

int pp_retrieve_query_text(struct pp_retriever *r, const char *text,
			   struct pp_query *q, struct pp_err *err)
{
	memset(q, 0, sizeof(*q));
	snprintf(q->text, sizeof(q->text), "%s", text);
	text_focus(r, q, text);
	text_composers(r, q, text);
	add_words(q, text);
	if (!q->expr[0])
		return pp_fail(err, "query '%s' has no word to search for", text);
	return 0;
}

void pp_retrieve_query_release(struct pp_query *q)
{
	json_decref(q->problems);
	q->problems = NULL;
}

/* ---- search ---- */

/*
 * FTS5 auxiliary function pp_bonus(fts): the bonus of the current row for
 * the query's phrases that carry one (a focus dimension and pole in the
 * dims column, a composer in the composers column). FTS5 column weights
 * scale term frequencies, which BM25 saturates, so no weight can make "this
 * passage is about blurred pedalling" outrank "this passage says pedal five
 * times"; a bonus added to the BM25 score can. It reads only the row's
 * phrase matches from the index, never the stored text, so it costs about
 * what bm25() does.
 */
static void bonus_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
		     sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct pp_retriever *r = api->xUserData(fts);
	int n = api->xPhraseCount(fts);
	double bonus = 0;

	(void)argc;
	(void)argv;
	for (int i = 0; i < n && i < r->ncur; i++) {
		Fts5PhraseIter it;
		int col, off;

		if (r->cur_bonus[i] == 0)
			continue;
		if (api->xPhraseFirst(fts, i, &it, &col, &off) == SQLITE_OK && col >= 0)
			bonus += r->cur_bonus[i];
	}
	sqlite3_result_double(ctx, bonus);
}

/* Registers pp_bonus with the connection's FTS5. */
static int register_bonus(struct pp_retriever *r, struct pp_err *err)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(r->db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
		return db_fail(r->db, r->index, "no FTS5", err);
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (!api || api->xCreateFunction(api, "pp_bonus", r, bonus_fn, NULL) != SQLITE_OK)
		return db_fail(r->db, r->index, "cannot register pp_bonus", err);
	return 0;
}

/* Runs EXPR, whose phrases carry the bonuses BONUS[NPHR], for the top
 * LIMIT rows by BM25 plus bonus. */
static int run_match(struct pp_retriever *r, const char *expr,
		     const double *bonus, int nphr, int limit,
		     struct pp_hit **hits, int *n, struct pp_err *err)
{
	static const char sql[] =
		"SELECT rowid, bm25(fts, ?3, ?4, ?5, ?6, ?7) - pp_bonus(fts) AS s"
		" FROM fts WHERE fts MATCH ?1 ORDER BY s LIMIT ?2";
	static const double w[] = {
		PP_RETRIEVE_W_TITLE, PP_RETRIEVE_W_TEXT, PP_RETRIEVE_W_DIMS,
		PP_RETRIEVE_W_COMPOSERS, PP_RETRIEVE_W_TOPIC,
	};
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	*hits = calloc(limit > 0 ? limit : 1, sizeof(**hits));
	r->cur_bonus = bonus;
	r->ncur = nphr;
	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(r->db, r->index, "cannot search", err);
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, limit);
	for (int i = 0; i < 5; i++)
		sqlite3_bind_double(st, 3 + i, w[i]);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < limit) {
		(*hits)[*n].row = sqlite3_column_int64(st, 0);
		(*hits)[(*n)++].score = -sqlite3_column_double(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(r->db, r->index, "search failed", err);
	return 0;
}

/* Appends the phrases of Q whose filter flag is WANT to OUT, joined by OR,
 * and their bonuses to BONUS (from *NB on). */
static void phrases(const struct pp_query *q, int want, char *out, size_t cap,
		    double *bonus, int *nb)
{
	const char *s = q->expr;
	size_t used = strlen(out);

	for (int i = 0; i < q->nphrases; i++) {
		const char *e = strstr(s, " OR ");
		size_t len = e ? (size_t)(e - s) : strlen(s);

		if (q->filter[i] == want && used + len + 8 < cap) {
			used += snprintf(out + used, cap - used, "%s%.*s",
					 bonus && *nb && out[used - 1] != '(' ? " OR " : "",
					 (int)len, s);
			bonus[(*nb)++] = q->bonus[i];
		}
		s = e ? e + 4 : s + len;
	}
}

/*
 * BM25 plus bonus, top LIMIT. When the query has focus dimensions, the
 * search first ranks only the passages that address one of them and share
 * a word with the rest of the query, "(focus) AND (other words)": the same
 * scores as the whole expression for those rows, at a fraction of the
 * cost on a large corpus, since the focus bonus puts them first anyway.
 * When that finds fewer than LIMIT rows, the whole expression runs.
 */
static int bm25(struct pp_retriever *r, const struct pp_query *q, int limit,
		struct pp_hit **hits, int *n, struct pp_err *err)
{
	char e[sizeof(q->expr) + 16];
	double bonus[PP_RETRIEVE_MAX_PHRASES];
	int nb = 0, nf;

	snprintf(e, sizeof(e), "(");
	phrases(q, 1, e, sizeof(e), bonus, &nb);
	nf = nb;
	if (nf > 0 && nf < q->nphrases) {
		strcat(e, ") AND (");
		phrases(q, 0, e, sizeof(e), bonus, &nb);
		strcat(e, ")");
		if (run_match(r, e, bonus, nb, limit, hits, n, err) < 0)
			return -1;
		if (*n >= limit)
			return 0;
		free(*hits);
		*hits = NULL;
	}
	return run_match(r, q->expr, q->bonus, q->nphrases, limit, hits, n, err);
}

static int cmp_hit(const void *a, const void *b)
{
	const struct pp_hit *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/* Dense ranking of every passage against the query text. */
static int dense(struct pp_retriever *r, const char *text, struct pp_hit **hits,
		 struct pp_err *err)
{
	float *qv;
	int dim;

	if (ensure_vectors(r, err) < 0 ||
	    pp_embed_texts(&r->embed, &text, 1, &qv, &dim, err) < 0)
		return -1;
	if (dim != r->vec_dim) {
		free(qv);
		return pp_fail(err, "'%s': query embedding has %d dimensions, the index %d",
			       r->embed.url, dim, r->vec_dim);
	}
	*hits = malloc(sizeof(**hits) * r->nvecs);
	for (int i = 0; i < r->nvecs; i++) {
		(*hits)[i].row = r->vec_rows[i];
		(*hits)[i].score = pp_embed_dot(qv, r->vecs + (size_t)i * dim, dim);
	}
	free(qv);
	qsort(*hits, r->nvecs, sizeof(**hits), cmp_hit);
	return 0;
}

/* Adds 1/(K + rank) of each list to a passage's fused score. */
static void fuse(struct pp_hit *out, int *n, const struct pp_hit *h, int nh)
{
	for (int i = 0; i < nh; i++) {
		int j;

		for (j = 0; j < *n && out[j].row != h[i].row; j++)
			;
		if (j == *n)
			out[(*n)++] = (struct pp_hit){ h[i].row, 0 };
		out[j].score += 1.0 / (PP_RETRIEVE_RRF_K + i + 1);
	}
}

/*
 * A teacher who hears wrong notes in bars 12 and 14 says so first, whatever
 * else stands out: with k >= 3 and an alignment problem, the best accuracy
 * passage for the strongest problem takes the last place unless it is among
 * the results already.
 */
static int problem_slot(struct pp_retriever *r, const struct pp_query *q,
			int k, struct pp_result *res, struct pp_err *err)
{
	struct pp_hit *h;
	double zero[PP_RETRIEVE_MAX_PHRASES] = { 0 };
	int n, at;

	if (!q->problem_kind || k < 3)
		return 0;
	if (run_match(r, q->problem_expr, zero, PP_RETRIEVE_MAX_PHRASES, 1, &h,
		      &n, err) < 0) {
		free(h);
		return -1;
	}
	for (at = 0; n == 1 && at < res->n && res->hits[at].row != h[0].row; at++)
		;
	if (n == 1 && at == res->n) {
		if (res->n < k) {
			res->hits = realloc(res->hits, (res->n + 1) * sizeof(*h));
			at = res->n++;
		} else {
			at = k - 1;
		}
		res->hits[at] = h[0];
	}
	if (n == 1) {
		res->problem_at = at;
		res->problem_kind = q->problem_kind;
	}
	free(h);
	return 0;
}

int pp_retrieve_search(struct pp_retriever *r, const struct pp_query *q, int k,
		       struct pp_result *res, struct pp_err *err)
{
	struct pp_hit *b, *d = NULL;
	struct pp_err e;
	int nb;

	memset(res, 0, sizeof(*res));
	res->mode = "bm25";
	if (register_bonus(r, err) < 0)
		return -1;
	if (bm25(r, q, r->have_embed ? FUSE_DEPTH : k, &b, &nb, err) < 0) {
		free(b);
		return -1;
	}
	pp_err_clear(&e);
	if (r->have_embed && dense(r, q->text, &d, &e) < 0) {
		pp_fail(&r->warn, "embeddings unavailable, BM25 only: %s", e.msg);
		r->have_embed = 0;
	}
	if (d) {
		int depth = r->nvecs < FUSE_DEPTH ? r->nvecs : FUSE_DEPTH, n = 0;
		struct pp_hit *f = calloc(nb + depth, sizeof(*f));

		fuse(f, &n, b, nb);
		fuse(f, &n, d, depth);
		qsort(f, n, sizeof(*f), cmp_hit);
		free(b);
		free(d);
		b = f;
		nb = n;
		res->mode = "hybrid";
	}
	res->hits = b;
	res->n = nb < k ? nb : k;
	res->problem_at = -1;
	return problem_slot(r, q, k, res, err);
}

/* ---- output ---- */

static json_t *passage_out(struct pp_retriever *r, const struct pp_hit *h,
			   int n, struct pp_err *err)
{
	static const char *const keep[] = {
		"id", "title", "text", "source", "dimensions", "kind", "topic",
		"composers", NULL,
	};
	sqlite3_stmt *st;
	json_t *o = NULL, *out;

	if (sqlite3_prepare_v2(r->db, "SELECT json FROM passages WHERE rowid = ?1",
			       -1, &st, NULL) != SQLITE_OK) {
		db_fail(r->db, r->index, "cannot read", err);
		return NULL;
	}
	sqlite3_bind_int64(st, 1, h->row);
	if (sqlite3_step(st) == SQLITE_ROW)
		o = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
	sqlite3_finalize(st);
	if (!o) {
		pp_fail(err, "'%s': passage %lld is missing or damaged", r->index, h->row);
		return NULL;
	}
	out = json_object();
	json_object_set_new(out, "n", json_integer(n));
	for (int i = 0; keep[i]; i++)
		if (json_object_get(o, keep[i]))
			json_object_set(out, keep[i], json_object_get(o, keep[i]));
	pp_json_set_real(out, "score", round(h->score * 1e6) / 1e6);
	json_decref(o);
	return out;
}

static json_t *focus_out(struct pp_retriever *r, const struct pp_query *q)
{
	json_t *a = json_array();

	for (int i = 0; i < q->nfocus; i++) {
		const struct pp_focus *f = &q->focus[i];
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(r->dims.v[f->dim].name));
		json_object_set_new(o, "pole", json_string(f->high ? "high" : "low"));
		if (f->percentile >= 0)
			pp_json_set_real(o, "percentile",
					 round(f->percentile * 10) / 10);
		else
			json_object_set_new(o, "percentile", json_null());
		json_array_append_new(a, o);
	}
	return a;
}

int pp_retrieve_attach(struct pp_retriever *r, json_t *doc,
		       const struct pp_query *q, const struct pp_result *res,
		       int k, struct pp_err *err)
{
	json_t *ret = json_object(), *ps = json_array();

	json_object_set_new(ret, "query", json_string(q->text));
	json_object_set_new(ret, "expression", json_string(q->expr));
	json_object_set_new(ret, "focus", focus_out(r, q));
	if (q->problems)
		json_object_set(ret, "problems", q->problems);
	json_object_set_new(ret, "mode", json_string(res->mode));
	json_object_set_new(ret, "k", json_integer(k));
	for (int i = 0; i < res->n; i++) {
		json_t *p = passage_out(r, &res->hits[i], i + 1, err);

		if (!p) {
			json_decref(ret);
			json_decref(ps);
			return -1;
		}
		if (i == res->problem_at)
			json_object_set_new(p, "problem", json_string(res->problem_kind));
		json_array_append_new(ps, p);
	}
	json_object_set_new(doc, "retrieval", ret);
	json_object_set_new(doc, "passages", ps);
	pp_doc_set_format(doc, "context/1");
	return 0;
}
