/*
 * llm.c - feedback from an OpenAI-compatible chat endpoint (see llm.h).
 */
#include "llm.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "http.h"
#include "io.h"
#include "textbuf.h"

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int set(struct pp_llm *c, const char *name, const char *v,
	       const char *where, struct pp_err *err)
{
	char *end;

	if (!strcmp(name, "url"))
		snprintf(c->url, sizeof(c->url), "%s", v);
	else if (!strcmp(name, "model"))
		snprintf(c->model, sizeof(c->model), "%s", v);
	else if (!strcmp(name, "key"))
		snprintf(c->key, sizeof(c->key), "%s", v);
	else if (!strcmp(name, "timeout")) {
		c->timeout = strtod(v, &end);
		if (end == v || *end || c->timeout <= 0)
			return pp_fail(err, "%s: timeout '%s' is not a positive number", where, v);
	} else if (!strcmp(name, "retries")) {
		c->retries = (int)strtol(v, &end, 10);
		if (end == v || *end || c->retries < 0 || c->retries > 10)
			return pp_fail(err, "%s: retries '%s' is not 0..10", where, v);
	} else
		return pp_fail(err, "%s: unknown setting '%s'", where, name);
	return 0;
}

static int read_file(struct pp_llm *c, const char *path, struct pp_err *err)
{
	char *data, *line, *save = NULL, *eq, where[1100];
	size_t len;
	int n = 0, rc = 0;
	struct stat st;

	if (pp_read_all(path, &data, &len, err) < 0)
		return -1;
	for (line = strtok_r(data, "\n", &save); line && !rc;
	     line = strtok_r(NULL, "\n", &save)) {
		char *l = trim(line);
		n++;
		if (!*l || *l == '#')
			continue;
		snprintf(where, sizeof(where), "'%s': line %d", path, n);
		if (!(eq = strchr(l, '='))) {
			rc = pp_fail(err, "%s: expected 'name = value'", where);
			break;
		}
		*eq = '\0';
		rc = set(c, trim(l), trim(eq + 1), where, err);
	}
	free(data);
	if (!rc && c->key[0] && stat(path, &st) == 0 && (st.st_mode & 077))
		rc = pp_fail(err, "'%s': holds a key but others can read it (chmod 600)", path);
	snprintf(c->source, sizeof(c->source), "'%s'", path);
	return rc;
}

static void default_path(char *out, size_t cap)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");

	if (x && *x)
		snprintf(out, cap, "%s/pp/llm.conf", x);
	else if (h && *h)
		snprintf(out, cap, "%s/.config/pp/llm.conf", h);
	else
		out[0] = '\0';
}

int pp_llm_config(struct pp_llm *c, const char *path, struct pp_err *err)
{
	char def[1024];
	const char *v;
	size_t n;

	memset(c, 0, sizeof(*c));
	c->key_env = "PP_LLM_KEY";
	c->timeout = 60;
	c->retries = 2;
	snprintf(c->source, sizeof(c->source), "the environment");
	if (!path) {
		default_path(def, sizeof(def));
		if (def[0] && access(def, F_OK) == 0)
			path = def;
	}
	if (path && read_file(c, path, err) < 0)
		return -1;
	if ((v = getenv("PP_LLM_URL")) && *v)
		snprintf(c->url, sizeof(c->url), "%s", v);
	if ((v = getenv("PP_LLM_MODEL")) && *v)
		snprintf(c->model, sizeof(c->model), "%s", v);
	if ((v = getenv("PP_LLM_TIMEOUT")) && *v &&
	    set(c, "timeout", v, "PP_LLM_TIMEOUT", err) < 0)
		return -1;
	if (!c->url[0])
		return 0;
	n = strlen(c->url);
	while (n && c->url[n - 1] == '/')
		c->url[--n] = '\0';
	if (n < 17 || strcmp(c->url + n - 17, "/chat/completions"))
		snprintf(c->url + n, sizeof(c->url) - n, "/chat/completions");
	return 1;
}

static const char system_prompt[] =
	"You are an experienced piano teacher writing feedback on a student's "
	"recorded performance. Write 150 to 200 words of plain prose in English, "
	"no headings, no lists, no markdown. Be warm, specific and honest, as a "
	"teacher who would sign the text.\n"
	"Structure: name one real strength; then one or two priorities, each with "
	"a concrete practice assignment: which bars, what metronome mark, which "
	"hand, how many repetitions. Write repetition counts in words (\"three "
	"times\"), never in digits.\n"
	"Facts: use only the facts given. Every number you write (bar numbers, "
	"tempi, percentages, percentiles, counts) must appear in the facts; "
	"round at most to whole numbers. If a part of the facts is missing, say "
	"less; never invent bars, notes or tempi.\n"
	"Scales: the perceptual dimensions are two-sided scales between two "
	"named poles, and a percentile says where the performance lies against "
	"reference recordings. For most of them neither pole is a fault: "
	"\"dark\", \"slow-paced\", \"soft\" or \"bright\" describe character, and "
	"a teacher discusses whether that character fits the music. Only where "
	"the facts say the aim is usually one pole is the other pole a weakness. "
	"Name poles with their exact names.\n"
	"Citations: support each practice assignment with one of the passages, "
	"cited inline as [n] with its number. Cite only the numbers given.\n";

static void user_prompt(const struct pp_facts *f, const char *problems,
			struct pp_tb *b)
{
	char *facts = pp_facts_text(f);
	int i;

	pp_tb_printf(b, "FACTS\n%s\n", facts ? facts : "");
	free(facts);
	pp_tb_puts(b, "PASSAGES (cite as [n])\n");
	for (i = 0; i < f->npassages; i++) {
		const struct pp_fact_passage *p = &f->passages[i];
		pp_tb_printf(b, "[%d] %s%s%s%s: %s\n", p->n, p->title ? p->title : "",
			     p->source ? " (" : "", p->source ? p->source : "",
			     p->source ? ")" : "", p->text);
	}
	if (!f->npassages)
		pp_tb_puts(b, "(none: write no citations)\n");
	if (problems && *problems)
		pp_tb_printf(b, "\nYour previous answer was rejected by the fact checker:\n%s"
			     "Write the feedback again, fixing these problems.\n", problems);
	pp_tb_puts(b, "\nWrite the feedback now.");
}

static json_t *request(const struct pp_llm *c, const struct pp_facts *f,
		       const char *problems)
{
	struct pp_tb u = PP_TB_INIT;
	json_t *body;

	user_prompt(f, problems, &u);
	if (u.failed) {
		pp_tb_release(&u);
		return NULL;
	}
	body = json_pack("{s:s, s:[{s:s, s:s}, {s:s, s:s}], s:f, s:i}",
			 "model", c->model[0] ? c->model : "default",
			 "messages", "role", "system", "content", system_prompt,
			 "role", "user", "content", pp_tb_str(&u),
			 "temperature", 0.3, "max_tokens", 600);
	pp_tb_release(&u);
	return body;
}

/* The assistant's text, without a reasoning model's <think> block. */
static int answer(const json_t *reply, const char *url, char **text,
		  struct pp_err *err)
{
	const json_t *msg = json_object_get(json_array_get(json_object_get(reply, "choices"), 0),
					    "message");
	const char *s = json_string_value(json_object_get(msg, "content")), *t;
	char *out;

	if (!s)
		return pp_fail(err, "'%s': reply has no choices[0].message.content", url);
	if ((t = strstr(s, "</think>")))
		s = t + 8;
	if (!(out = strdup(s)))
		return pp_fail(err, "out of memory");
	t = trim(out);
	memmove(out, t, strlen(t) + 1);
	if (!*out) {
		free(out);
		return pp_fail(err, "'%s': the answer is empty", url);
	}
	*text = out;
	return 0;
}

int pp_llm_write(const struct pp_llm *c, const struct pp_facts *f,
		 const char *problems, char **text, struct pp_err *err)
{
	struct pp_http_opts o = PP_HTTP_OPTS_INIT;
	json_t *body, *reply;
	int rc;

	*text = NULL;
	if (!c->url[0])
		return pp_fail(err, "no LLM endpoint configured (PP_LLM_URL)");
	if (!(body = request(c, f, problems)))
		return pp_fail(err, "out of memory");
	o.url = c->url;
	o.key_env = c->key_env;
	o.key = c->key[0] ? c->key : NULL;
	o.timeout = c->timeout;
	o.connect_timeout = c->timeout < 10 ? c->timeout : 10;
	o.retries = c->retries;
	rc = pp_http_post_json(&o, body, &reply, err);
	json_decref(body);
	if (rc < 0)
		return -1;
	rc = answer(reply, c->url, text, err);
	json_decref(reply);
	return rc;
}
