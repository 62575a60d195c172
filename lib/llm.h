/*
 * llm.h - feedback from any OpenAI-compatible chat-completions endpoint
 * (Cloudflare Workers AI, OpenAI, a llama.cpp server, Ollama, vLLM), over
 * lib/http.
 *
 * Configuration, later sources overriding earlier ones:
 *   1. a configuration file: --config FILE, else ~/.config/pp/llm.conf
 *      (or $XDG_CONFIG_HOME/pp/llm.conf) when it exists. Lines "name =
 *      value", '#' comments; names url, model, key, timeout, retries.
 *      A file that holds a key must not be readable by group or others.
 *   2. the environment: PP_LLM_URL, PP_LLM_MODEL, PP_LLM_KEY,
 *      PP_LLM_TIMEOUT (seconds).
 * The key is never taken from the command line. url may name the
 * endpoint itself or its base (".../v1"); "/chat/completions" is added
 * when missing. LLM mode is configured when a url is known.
 *
 * The prompt carries the facts (facts.h, pp_facts_text), the passages
 * with their citation numbers, the meaning of the two-sided scales, the
 * tone (a teacher: encouraging, specific) and the length (150-200 words).
 * The answer is the assistant message's text; the caller checks it
 * (check.h) and may ask again with the problems found.
 *
 * Ownership: struct pp_llm is plain data (no release). *text is malloc'd.
 */
#ifndef PP_LLM_H
#define PP_LLM_H

#include "error.h"
#include "facts.h"

struct pp_llm {
	char url[1024];         /* chat completions endpoint, "" if none */
	char model[256];        /* model name sent in the request */
	char key[512];          /* key from the config file, "" if none */
	const char *key_env;    /* environment variable with the key */
	double timeout;         /* seconds per attempt (default 60) */
	int retries;            /* HTTP retries on 429/5xx (default 2) */
	char source[1100];      /* where the settings came from, for messages */
};

/* Loads the configuration: PATH is --config (NULL: the default file, if
 * any). Returns 1 when an endpoint is configured, 0 when none is, -1 with
 * err set when PATH cannot be read or is malformed. */
int pp_llm_config(struct pp_llm *c, const char *path, struct pp_err *err);

/* Asks for feedback on F. PROBLEMS (or NULL) are the checker's findings
 * on an earlier answer, sent back so that the model can correct them.
 * Returns 0 and *text, or -1 with a one-line err (HTTP failure, timeout,
 * malformed reply, empty answer). */
int pp_llm_write(const struct pp_llm *c, const struct pp_facts *f,
		 const char *problems, char **text, struct pp_err *err);

#endif
