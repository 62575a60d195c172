/*
 * kb.h - the knowledge base: pedagogy passages on disk, loaded and checked.
 *
 * The corpus is a directory of JSON Lines files (data/knowledge/passages/
 * TOPIC.jsonl), one passage per line:
 *
 *     {"id": "ped-001", "title": "...", "text": "...",
 *      "dimensions": [{"name": "pedal_clarity", "pole": "high"}],
 *      "topic": "pedal", "composers": ["Chopin"], "eras": ["romantic"],
 *      "level": "intermediate", "kind": "drill",
 *      "source": {"title": "...", "author": "..."}}
 *
 * Dimension names are those of data/dimensions.json; the pole ("low" or
 * "high") says which end of the two-sided scale the passage addresses. Kind
 * is one of technique, practice, history, judging, drill. Blank lines are
 * allowed; anything else that is not a valid passage is an error naming the
 * file and the line:
 *
 *     'passages/pedal.jsonl': line 12: passage 'ped-012': unknown dimension 'pedl'
 *
 * This module only reads and checks; indexing and search are retrieve.h.
 * It also fingerprints the corpus (file names and contents) so that an
 * index can tell whether it is stale without rereading every passage.
 *
 * Ownership: pp_kb_dims_load and pp_kb_load fill caller-provided structs
 * that the caller releases with the matching _release; strings inside a
 * passage are borrowed from its JSON object (passage.obj), which the kb owns.
 */
#ifndef PP_KB_H
#define PP_KB_H

#include <stdint.h>
#include <jansson.h>
#include "error.h"

/* One of the 19 PercePiano dimensions (data/dimensions.json). */
struct pp_kb_dim {
	char *name;  /* pp identifier, "pedal_clarity" */
	char *group; /* PercePiano group, "Pedal" */
	char *low;   /* low pole wording, "clean" */
	char *high;  /* high pole wording, "blurred" */
};

struct pp_kb_dims {
	struct pp_kb_dim *v; /* [n] in PercePiano label order */
	int n;
};

/* Loads PATH (data/dimensions.json). Returns 0, or -1 naming the file. */
int pp_kb_dims_load(struct pp_kb_dims *dims, const char *path,
		    struct pp_err *err);
void pp_kb_dims_release(struct pp_kb_dims *dims);

/* The index of dimension NAME, or -1. */
int pp_kb_dim_find(const struct pp_kb_dims *dims, const char *name);

/* A dimension and pole a passage addresses. */
struct pp_kb_pole {
	int dim;  /* index into pp_kb_dims */
	int high; /* 1: the high pole, 0: the low pole */
};

struct pp_passage {
	json_t *obj;           /* the line's object, owned by the kb */
	const char *id;        /* unique over the corpus */
	const char *title;
	const char *text;
	const char *topic;
	const char *level;
	const char *kind;      /* technique, practice, history, judging, drill */
	struct pp_kb_pole *poles; /* [npoles], owned */
	int npoles;
	const char *file;      /* file name (no directory), owned by the kb */
	int line;              /* 1-based line in that file */
};

struct pp_kb {
	struct pp_passage *p; /* [n], in file-name order, then line order */
	int n;
	char **files;         /* [nfiles] file names, sorted */
	int nfiles;
	uint64_t hash;        /* FNV-1a over names and contents (pp_kb_hash) */
};

/* Loads and checks every *.jsonl file of DIR against DIMS. Returns 0, or -1
 * with "'DIR/FILE': line N: what is wrong" (the first error). An empty
 * corpus (no file, or no passage) is an error. */
int pp_kb_load(struct pp_kb *kb, const char *dir, const struct pp_kb_dims *dims,
	       struct pp_err *err);
void pp_kb_release(struct pp_kb *kb);

/* The passage with ID, or NULL. */
const struct pp_passage *pp_kb_find(const struct pp_kb *kb, const char *id);

/*
 * Cheap and exact fingerprints of DIR's *.jsonl files. pp_kb_stamp writes
 * into OUT (CAP bytes) a string of every file's name, size and modification
 * time: equal stamps mean an unchanged corpus without reading it.
 * pp_kb_hash reads the files and hashes names and contents, for when the
 * stamps differ (a fresh checkout changes times, not contents). Both return
 * 0, or -1 naming DIR.
 */
int pp_kb_stamp(const char *dir, char *out, size_t cap, struct pp_err *err);
int pp_kb_hash(const char *dir, uint64_t *hash, struct pp_err *err);

#endif
