/*
 * kb.c - loading and checking the knowledge base (see kb.h).
 */
#include "kb.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "envelope.h"
#include "io.h"

static const char *const kinds[] = {
	"technique", "practice", "history", "judging", "drill", NULL,
};

/* ---- dimensions ---- */

static char *dup_member(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

int pp_kb_dims_load(struct pp_kb_dims *dims, const char *path,
		    struct pp_err *err)
{
	json_error_t je;
	json_t *root, *arr;
	size_t i;

	memset(dims, 0, sizeof(*dims));
	root = json_load_file(path, 0, &je);
	if (!root)
		return pp_fail(err, "'%s': line %d: %s", path, je.line, je.text);
	arr = json_object_get(root, "dimensions");
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		json_decref(root);
		return pp_fail(err, "'%s': no \"dimensions\" array", path);
	}
	dims->v = calloc(json_array_size(arr), sizeof(*dims->v));
	for (i = 0; i < json_array_size(arr); i++) {
		const json_t *d = json_array_get(arr, i);
		struct pp_kb_dim *x = &dims->v[dims->n++];

		x->name = dup_member(d, "name");
		x->group = dup_member(d, "group");
		x->low = dup_member(d, "low");
		x->high = dup_member(d, "high");
		if (!x->name || !x->group || !x->low || !x->high) {
			json_decref(root);
			pp_kb_dims_release(dims);
			return pp_fail(err, "'%s': dimensions[%zu]: needs name, group, low and high strings",
				       path, i);
		}
	}
	json_decref(root);
	return 0;
}

void pp_kb_dims_release(struct pp_kb_dims *dims)
{
	for (int i = 0; i < dims->n; i++) {
		free(dims->v[i].name);
		free(dims->v[i].group);
		free(dims->v[i].low);
		free(dims->v[i].high);
	}
	free(dims->v);
	memset(dims, 0, sizeof(*dims));
}

int pp_kb_dim_find(const struct pp_kb_dims *dims, const char *name)
{
	for (int i = 0; i < dims->n; i++)
		if (strcmp(dims->v[i].name, name) == 0)
			return i;
	return -1;
}

/* ---- files ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_jsonl(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 6 && strcmp(name + n - 6, ".jsonl") == 0;
}

static void free_list(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Lists DIR's *.jsonl names, sorted. */
static int list_files(const char *dir, char ***out, int *n, struct pp_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	int cap = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return pp_fail(err, "'%s': %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		if (!is_jsonl(e->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			v = realloc(v, cap * sizeof(*v));
		}
		v[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), cmp_str);
	*out = v;
	return 0;
}

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= FNV_PRIME;
	}
	return h;
}

/* Adds one file (name, then contents, each with a terminator) to H. */
static uint64_t hash_file(uint64_t h, const char *name, const char *buf,
			  size_t len)
{
	h = fnv(h, name, strlen(name) + 1);
	h = fnv(h, buf, len);
	return fnv(h, "\n\0", 2);
}

int pp_kb_stamp(const char *dir, char *out, size_t cap, struct pp_err *err)
{
	char **files, path[PATH_MAX];
	size_t used = 0;
	int n;

	if (list_files(dir, &files, &n, err) < 0)
		return -1;
	used = snprintf(out, cap, "%s", dir);
	for (int i = 0; i < n && used < cap; i++) {
		struct stat sb;

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (stat(path, &sb) != 0) {
			free_list(files, n);
			return pp_fail(err, "'%s': %s", path, strerror(errno));
		}
		used += snprintf(out + used, cap - used, "|%s:%lld:%lld.%09ld",
				 files[i], (long long)sb.st_size,
				 (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec);
	}
	free_list(files, n);
	if (used >= cap)
		return pp_fail(err, "'%s': too many files", dir);
	return 0;
}

int pp_kb_hash(const char *dir, uint64_t *hash, struct pp_err *err)
{
	char **files, path[PATH_MAX], *buf;
	size_t len;
	uint64_t h = FNV_OFFSET;
	int n;

	if (list_files(dir, &files, &n, err) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (pp_read_all(path, &buf, &len, err) < 0) {
			free_list(files, n);
			return -1;
		}
		h = hash_file(h, files[i], buf, len);
		free(buf);
	}
	free_list(files, n);
	*hash = h;
	return 0;
}

/* ---- passages ---- */

/* Reads OBJ[KEY] as a non-empty string into *OUT. */
static int need_string(const json_t *obj, const char *key, const char **out,
		       const char *where, struct pp_err *err)
{
	const json_t *v = json_object_get(obj, key);

	if (!v)
		return pp_fail(err, "%s: missing member '%s'", where, key);
	if (!json_is_string(v) || json_string_length(v) == 0)
		return pp_fail(err, "%s: member '%s' is not a non-empty string",
			       where, key);
	*out = json_string_value(v);
	return 0;
}

/* OBJ[KEY] must be an array of non-empty strings (it may be empty). */
static int need_strings(const json_t *obj, const char *key, const char *where,
			struct pp_err *err)
{
	const json_t *a = json_object_get(obj, key), *v;
	size_t i;

	if (!a)
		return pp_fail(err, "%s: missing member '%s'", where, key);
	if (!json_is_array(a))
		return pp_fail(err, "%s: member '%s' is not an array", where, key);
	json_array_foreach(a, i, v)
		if (!json_is_string(v) || json_string_length(v) == 0)
			return pp_fail(err, "%s: %s[%zu] is not a non-empty string",
				       where, key, i);
	return 0;
}

static int check_kind(const char *kind, const char *where, struct pp_err *err)
{
	for (int i = 0; kinds[i]; i++)
		if (strcmp(kind, kinds[i]) == 0)
			return 0;
	return pp_fail(err, "%s: unknown kind '%s' (technique, practice, history, judging or drill)",
		       where, kind);
}

static int parse_poles(struct pp_passage *p, const struct pp_kb_dims *dims,
		       const char *where, struct pp_err *err)
{
	const json_t *a = json_object_get(p->obj, "dimensions"), *d;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) == 0)
		return pp_fail(err, "%s: member 'dimensions' must be a non-empty array",
			       where);
	p->poles = calloc(json_array_size(a), sizeof(*p->poles));
	json_array_foreach(a, i, d) {
		const char *name, *pole;
		int k;

		if (!json_is_object(d))
			return pp_fail(err, "%s: dimensions[%zu] is not an object",
				       where, i);
		if (need_string(d, "name", &name, where, err) < 0 ||
		    need_string(d, "pole", &pole, where, err) < 0)
			return -1;
		k = pp_kb_dim_find(dims, name);
		if (k < 0)
			return pp_fail(err, "%s: unknown dimension '%s'", where, name);
		if (strcmp(pole, "low") && strcmp(pole, "high"))
			return pp_fail(err, "%s: dimension '%s': pole must be \"low\" or \"high\", not '%s'",
				       where, name, pole);
		p->poles[p->npoles].dim = k;
		p->poles[p->npoles++].high = strcmp(pole, "high") == 0;
	}
	return 0;
}

static int check_source(const json_t *obj, const char *where, struct pp_err *err)
{
	const json_t *s = json_object_get(obj, "source");
	const char *t;

	if (!json_is_object(s))
		return pp_fail(err, "%s: member 'source' must be an object {title, author}",
			       where);
	if (need_string(s, "title", &t, where, err) < 0 ||
	    need_string(s, "author", &t, where, err) < 0)
		return pp_fail_wrap(err, "source");
	return 0;
}

/* Fills P from its object; WHERE already names file and line. */
static int parse_passage(struct pp_passage *p, const struct pp_kb_dims *dims,
			 const char *where, struct pp_err *err)
{
	char w[PATH_MAX + 128];

	if (!json_is_object(p->obj))
		return pp_fail(err, "%s: not a JSON object", where);
	if (need_string(p->obj, "id", &p->id, where, err) < 0)
		return -1;
	snprintf(w, sizeof(w), "%s: passage '%s'", where, p->id);
	if (need_string(p->obj, "title", &p->title, w, err) < 0 ||
	    need_string(p->obj, "text", &p->text, w, err) < 0 ||
	    need_string(p->obj, "topic", &p->topic, w, err) < 0 ||
	    need_string(p->obj, "level", &p->level, w, err) < 0 ||
	    need_string(p->obj, "kind", &p->kind, w, err) < 0 ||
	    check_kind(p->kind, w, err) < 0 ||
	    need_strings(p->obj, "composers", w, err) < 0 ||
	    need_strings(p->obj, "eras", w, err) < 0 ||
	    check_source(p->obj, w, err) < 0 ||
	    parse_poles(p, dims, w, err) < 0)
		return -1;
	return 0;
}

static struct pp_passage *add_passage(struct pp_kb *kb, int *cap)
{
	if (kb->n == *cap) {
		*cap = *cap ? 2 * *cap : 256;
		kb->p = realloc(kb->p, *cap * sizeof(*kb->p));
	}
	memset(&kb->p[kb->n], 0, sizeof(kb->p[0]));
	return &kb->p[kb->n++];
}

static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/* Parses the lines of one file (BUF, LEN) named PATH into KB. */
static int load_lines(struct pp_kb *kb, int *cap, const char *file,
		      const char *path, const char *buf, size_t len,
		      const struct pp_kb_dims *dims, struct pp_err *err)
{
	size_t pos = 0;
	int line = 0;

	while (pos < len) {
		const char *s = buf + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		char where[PATH_MAX + 32];
		struct pp_passage *p;
		json_error_t je;

		pos += n + 1;
		line++;
		if (blank(s, n))
			continue;
		snprintf(where, sizeof(where), "'%s': line %d", path, line);
		p = add_passage(kb, cap);
		p->file = file;
		p->line = line;
		p->obj = json_loadb(s, n, JSON_REJECT_DUPLICATES, &je);
		if (!p->obj)
			return pp_fail(err, "%s: invalid JSON: column %d: %s",
				       where, je.column, je.text);
		if (parse_passage(p, dims, where, err) < 0)
			return -1;
	}
	return 0;
}

static int cmp_passage_id(const void *a, const void *b)
{
	const struct pp_passage *x = *(const struct pp_passage *const *)a;
	const struct pp_passage *y = *(const struct pp_passage *const *)b;

	return strcmp(x->id, y->id);
}

/* Ids must be unique over the corpus. */
static int check_unique(const struct pp_kb *kb, const char *dir,
			struct pp_err *err)
{
	const struct pp_passage **v = malloc(kb->n * sizeof(*v));
	int rc = 0;

	for (int i = 0; i < kb->n; i++)
		v[i] = &kb->p[i];
	qsort(v, kb->n, sizeof(*v), cmp_passage_id);
	for (int i = 1; i < kb->n && rc == 0; i++)
		if (strcmp(v[i]->id, v[i - 1]->id) == 0) {
			const struct pp_passage *a = v[i - 1], *b = v[i];

			if (strcmp(a->file, b->file) > 0 ||
			    (a->file == b->file && a->line > b->line)) {
				const struct pp_passage *t = a;
				a = b;
				b = t;
			}
			rc = pp_fail(err, "'%s/%s': line %d: duplicate id '%s' (first at %s line %d)",
				     dir, b->file, b->line, b->id, a->file, a->line);
		}
	free(v);
	return rc;
}

int pp_kb_load(struct pp_kb *kb, const char *dir, const struct pp_kb_dims *dims,
	       struct pp_err *err)
{
	char path[PATH_MAX], *buf;
	size_t len;
	int cap = 0;

	memset(kb, 0, sizeof(*kb));
	kb->hash = FNV_OFFSET;
	if (list_files(dir, &kb->files, &kb->nfiles, err) < 0)
		return -1;
	for (int i = 0; i < kb->nfiles; i++) {
		int rc;

		snprintf(path, sizeof(path), "%s/%s", dir, kb->files[i]);
		if (pp_read_all(path, &buf, &len, err) < 0)
			goto fail;
		kb->hash = hash_file(kb->hash, kb->files[i], buf, len);
		rc = load_lines(kb, &cap, kb->files[i], path, buf, len, dims, err);
		free(buf);
		if (rc < 0)
			goto fail;
	}
	if (kb->n == 0) {
		pp_fail(err, "'%s': no passages (no *.jsonl file with a passage)", dir);
		goto fail;
	}
	if (check_unique(kb, dir, err) < 0)
		goto fail;
	return 0;
fail:
	pp_kb_release(kb);
	return -1;
}

void pp_kb_release(struct pp_kb *kb)
{
	for (int i = 0; i < kb->n; i++) {
		json_decref(kb->p[i].obj);
		free(kb->p[i].poles);
	}
	free(kb->p);
	free_list(kb->files, kb->nfiles);
	memset(kb, 0, sizeof(*kb));
}

const struct pp_passage *pp_kb_find(const struct pp_kb *kb, const char *id)
{
	for (int i = 0; i < kb->n; i++)
		if (strcmp(kb->p[i].id, id) == 0)
			return &kb->p[i];
	return NULL;
}
