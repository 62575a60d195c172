/*
 * kb_test.c - the knowledge-base loader (kb.h) on the fixture corpus, and
 * the embeddings configuration (embed.h). Run from the repository root.
 */
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "kb.h"
#include "tap.h"

#define CORPUS "tests/fixtures/retrieve/passages"

static void test_load(const struct pp_kb_dims *dims)
{
	struct pp_err err;
	struct pp_kb kb;
	const struct pp_passage *p;
	uint64_t h = 0;
	char stamp[4096];

	pp_err_clear(&err);
	is_int(pp_kb_load(&kb, CORPUS, dims, &err), 0, "fixture corpus loads");
	is_str(err.msg, "", "no message");
	is_int(kb.n, 6, "six passages (blank line skipped)");
	is_int(kb.nfiles, 2, "two files");
	is_str(kb.files[0], "pedal.jsonl", "files sorted");
	p = pp_kb_find(&kb, "fx-ped-003");
	ok(p != NULL, "find by id");
	if (p) {
		is_int(p->line, 4, "line number counts the blank line");
		is_int(p->npoles, 2, "two poles");
		is_int(p->poles[0].dim, pp_kb_dim_find(dims, "pedal_amount"), "first pole's dimension");
		is_int(p->poles[0].high, 1, "first pole is high");
		is_str(p->kind, "history", "kind");
	}
	ok(pp_kb_find(&kb, "nope") == NULL, "unknown id");
	is_int(pp_kb_hash(CORPUS, &h, &err), 0, "hash");
	ok(h == kb.hash, "pp_kb_hash equals the hash taken while loading");
	is_int(pp_kb_stamp(CORPUS, stamp, sizeof(stamp), &err), 0, "stamp");
	ok(strstr(stamp, "|pedal.jsonl:") && strstr(stamp, "|timing.jsonl:"), "stamp names the files");
	pp_kb_release(&kb);
	is_int(pp_kb_load(&kb, "tests/fixtures/retrieve/nowhere", dims, &err), -1, "missing corpus fails");
	ok(strstr(err.msg, "nowhere': No such file or directory") != NULL, "and says so: %s", err.msg);
}

static void test_embed_env(void)
{
	struct pp_embed e;
	struct pp_err err;

	pp_err_clear(&err);
	unsetenv("PP_EMBED_URL");
	is_int(pp_embed_from_env(&e, &err), 0, "no URL: not configured");
	setenv("PP_EMBED_URL", "http://127.0.0.1:8080/v1/", 1);
	unsetenv("PP_EMBED_MODEL");
	unsetenv("PP_EMBED_TIMEOUT");
	is_int(pp_embed_from_env(&e, &err), 1, "base URL: configured");
	is_str(e.url, "http://127.0.0.1:8080/v1/embeddings", "/embeddings appended, slash dropped");
	is_str(e.model, "text-embedding-3-small", "default model");
	is_int(e.timeout_ms, 30000, "default timeout");
	pp_embed_release(&e);
	setenv("PP_EMBED_URL", "http://h/x/embeddings", 1);
	setenv("PP_EMBED_MODEL", "m", 1);
	setenv("PP_EMBED_TIMEOUT", "2.5", 1);
	is_int(pp_embed_from_env(&e, &err), 1, "full URL");
	is_str(e.url, "http://h/x/embeddings", "full URL kept");
	is_str(e.model, "m", "model from the environment");
	is_int(e.timeout_ms, 2500, "timeout in seconds");
	pp_embed_release(&e);
	setenv("PP_EMBED_TIMEOUT", "-1", 1);
	is_int(pp_embed_from_env(&e, &err), -1, "negative timeout refused");
	pp_embed_release(&e);
	unsetenv("PP_EMBED_URL");
	unsetenv("PP_EMBED_MODEL");
	unsetenv("PP_EMBED_TIMEOUT");
}

int main(void)
{
	struct pp_kb_dims dims;
	struct pp_err err;

	pp_err_clear(&err);
	is_int(pp_kb_dims_load(&dims, "data/dimensions.json", &err), 0, "dimensions load");
	is_int(dims.n, 19, "19 dimensions");
	is_str(dims.v[4].name, "pedal_clarity", "label order");
	is_str(dims.v[4].high, "blurred", "high pole wording");
	test_load(&dims);
	pp_kb_dims_release(&dims);
	test_embed_env();
	return tap_done();
}
