/*
 * musicxml.c - safe MusicXML and .mxl reading (see musicxml.h).
 */
#include "musicxml.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <zip.h>

/* Every external entity or DTD load is refused, whatever the options. */
static xmlParserInputPtr no_entity_loader(const char *url, const char *id,
					  xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

/* The first element child of NODE named NAME, or NULL. */
static xmlNodePtr xml_child(xmlNodePtr node, const char *name)
{
	for (xmlNodePtr c = node ? node->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name))
			return c;
	return NULL;
}

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

static const int parse_opts = XML_PARSE_NONET | XML_PARSE_NOERROR |
			      XML_PARSE_NOWARNING | XML_PARSE_NOCDATA | XML_PARSE_COMPACT;

/* A parser context on BUF with the safe options, or NULL (message in ERR). */
static xmlParserCtxtPtr new_ctxt(const char *buf, size_t len, const char *name,
				 int opts, struct pp_err *err)
{
	xmlParserCtxtPtr ctxt;

	if (len > PP_MUSICXML_MAX)
		return pp_fail(err, "'%s': too large (%zu bytes, limit %zu)", name, len,
			       PP_MUSICXML_MAX), NULL;
	if (len > 0x7fffffff)
		return pp_fail(err, "'%s': too large", name), NULL;
	if (len == 0) /* libxml2 makes no context for it; its own words */
		return pp_fail(err, "'%s': line 1: Document is empty", name), NULL;
	xmlSetExternalEntityLoader(no_entity_loader);
	ctxt = xmlCreateMemoryParserCtxt(buf, (int)len);
	if (!ctxt)
		return pp_fail(err, "'%s': out of memory", name), NULL;
	xmlCtxtUseOptions(ctxt, opts);
	return ctxt;
}

/* Runs the parser on CTXT; on success moves the document to *DOC, else
 * fails with the parser's last message and line. Frees CTXT either way. */
static int run_parser(xmlParserCtxtPtr ctxt, const char *name, xmlDocPtr *doc,
		      struct pp_err *err)
{
	int ok;

	xmlParseDocument(ctxt);
	ok = ctxt->wellFormed && ctxt->myDoc;
	if (!ok) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", e && e->message ? e->message : "not XML");
		chomp(msg);
		pp_fail(err, "'%s': line %d: %s", name, e ? e->line : 0, msg);
		if (ctxt->myDoc)
			xmlFreeDoc(ctxt->myDoc);
	} else {
		*doc = ctxt->myDoc;
	}
	ctxt->myDoc = NULL;
	xmlFreeParserCtxt(ctxt);
	return ok ? 0 : -1;
}

/* Parses XML text with the safe options; checks nothing about MusicXML. */
static int parse_xml(const char *buf, size_t len, const char *name,
		     xmlDocPtr *doc, struct pp_err *err)
{
	xmlParserCtxtPtr ctxt = new_ctxt(buf, len, name, parse_opts, err);

	*doc = NULL;
	return ctxt ? run_parser(ctxt, name, doc, err) : -1;
}

/* Reads member NAME of an open zip whole, within the size limit. */
static int zip_member(zip_t *z, const char *member, const char *name,
		      char **data, size_t *len, struct pp_err *err)
{
	zip_stat_t st;
	zip_file_t *f;
	zip_int64_t got;

	zip_stat_init(&st);
	if (zip_stat(z, member, 0, &st) < 0)
		return pp_fail(err, "'%s': .mxl has no member '%s'", name, member);
	if (!(st.valid & ZIP_STAT_SIZE) || st.size > PP_MUSICXML_MAX)
		return pp_fail(err, "'%s': .mxl member '%s' too large", name, member);
	f = zip_fopen(z, member, 0);
	if (!f)
		return pp_fail(err, "'%s': cannot open .mxl member '%s': %s", name,
			       member, zip_strerror(z));
	*data = malloc(st.size + 1);
	if (!*data) {
		zip_fclose(f);
		return pp_fail(err, "'%s': out of memory", name);
	}
	got = zip_fread(f, *data, st.size);
	zip_fclose(f);
	if (got < 0 || (zip_uint64_t)got != st.size) {
		free(*data);
		*data = NULL;
		return pp_fail(err, "'%s': cannot read .mxl member '%s'", name, member);
	}
	(*data)[st.size] = '\0';
	*len = st.size;
	return 0;
}

/* Finds the root file's path in META-INF/container.xml (first rootfile;
 * falls back to the first *.xml or *.musicxml member outside META-INF). */
static int mxl_rootfile(zip_t *z, const char *name, char *out, size_t cap,
			struct pp_err *err)
{
	char *buf = NULL;
	size_t len;
	xmlDocPtr cdoc = NULL;

	out[0] = '\0';
	if (zip_name_locate(z, "META-INF/container.xml", 0) >= 0) {
		if (zip_member(z, "META-INF/container.xml", name, &buf, &len, err) < 0)
			return -1;
		if (parse_xml(buf, len, name, &cdoc, err) < 0) {
			free(buf);
			return pp_fail_wrap(err, "META-INF/container.xml");
		}
		free(buf);
		xmlNodePtr root = xmlDocGetRootElement(cdoc);
		xmlNodePtr rfs = xml_child(root, "rootfiles");
		for (xmlNodePtr r = rfs ? rfs->children : NULL; r; r = r->next) {
			if (r->type != XML_ELEMENT_NODE ||
			    strcmp((const char *)r->name, "rootfile"))
				continue;
			xmlChar *p = xmlGetProp(r, (const xmlChar *)"full-path");
			if (p) {
				snprintf(out, cap, "%s", (const char *)p);
				xmlFree(p);
				break;
			}
		}
		xmlFreeDoc(cdoc);
		if (out[0])
			return 0;
	}
	zip_int64_t n = zip_get_num_entries(z, 0);
	for (zip_int64_t i = 0; i < n; i++) {
		const char *m = zip_get_name(z, (zip_uint64_t)i, 0);
		size_t l = m ? strlen(m) : 0;
		if (!m || !strncmp(m, "META-INF/", 9))
			continue;
		if ((l > 4 && !strcmp(m + l - 4, ".xml")) ||
		    (l > 9 && !strcmp(m + l - 9, ".musicxml"))) {
			snprintf(out, cap, "%s", m);
			return 0;
		}
	}
	return pp_fail(err, "'%s': .mxl names no root file", name);
}

/* Unzips an .mxl held in BUF into *xml. */
static int unzip_mxl(const char *buf, size_t len, const char *name, char **xml,
		     size_t *xlen, struct pp_err *err)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *z;
	char root[1024];
	int rc;

	zip_error_init(&ze);
	src = zip_source_buffer_create(buf, len, 0, &ze);
	if (!src) {
		zip_error_fini(&ze);
		return pp_fail(err, "'%s': out of memory", name);
	}
	z = zip_open_from_source(src, ZIP_RDONLY, &ze);
	if (!z) {
		pp_fail(err, "'%s': not a valid .mxl (zip): %s", name, zip_error_strerror(&ze));
		zip_source_free(src);
		zip_error_fini(&ze);
		return -1;
	}
	zip_error_fini(&ze);
	rc = mxl_rootfile(z, name, root, sizeof(root), err);
	if (rc == 0)
		rc = zip_member(z, root, name, xml, xlen, err);
	zip_discard(z);
	return rc;
}

/* The XML text of BUF: BUF itself, or the unzipped root file of an .mxl
 * (then *OWNED is set and the caller frees it). */
static int xml_text(const char *buf, size_t len, const char *name, const char **xml,
		    size_t *xlen, char **owned, struct pp_err *err)
{
	*owned = NULL;
	*xml = buf;
	*xlen = len;
	if (len >= 4 && !memcmp(buf, "PK\003\004", 4)) {
		if (unzip_mxl(buf, len, name, owned, xlen, err) < 0)
			return -1;
		*xml = *owned;
	}
	return 0;
}

/* ---- streaming ---- */

/* The light trees live in an arena of chunks, emptied after each visit. */
struct chunk {
	struct chunk *next;
	size_t used, cap;
	max_align_t data[]; /* cap bytes */
};

struct arena { struct chunk *head, *cur; };

static void *arena_alloc(struct arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	while (a->cur && a->cur->used + n > a->cur->cap)
		a->cur = a->cur->next;
	if (!a->cur) {
		size_t cap = n > 60000 ? n : 60000;
		struct chunk *c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = a->cur = c;
	}
	void *p = (char *)a->cur->data + a->cur->used;
	a->cur->used += n;
	return p;
}

static void arena_reset(struct arena *a)
{
	for (struct chunk *c = a->head; c; c = c->next)
		c->used = 0;
	a->cur = a->head;
}

static void arena_free(struct arena *a)
{
	while (a->head) {
		struct chunk *c = a->head;
		a->head = c->next;
		free(c);
	}
	a->cur = NULL;
}

#define MAX_NEST 32 /* elements nested deeper inside a measure are left out */

/* An element being built: its text grows in the arena. */
struct frame {
	struct pp_xml_el *el;
	struct pp_xml_el *last;         /* last child so far */
	char *text;
	size_t len, cap;
};

/* State of a streaming parse, hung on the parser context's _private. */
struct stream {
	xmlParserCtxtPtr main;  /* the document's parser (entity contents get their own) */
	pp_musicxml_visit visit;
	void *ctx;
	char root[64];          /* the root element's name, "" before it */
	int deliver;            /* the root is <score-partwise> */
	int failed;             /* out of memory, or VISIT failed: message in verr */
	struct pp_err verr;
	int depth;              /* open elements, the root included */
	int in_part;            /* the open child of the root is a <part> */
	struct frame stack[MAX_NEST]; int top; /* the tree being built */
	int skip;               /* open elements left out (too deep) */
	struct arena arena;
};

static const char *const no_attr[] = { NULL };

static struct stream *stream_of(void *c)
{
	xmlParserCtxtPtr ctxt = c;
	struct stream *st = ctxt->_private;

	return st && st->main == ctxt ? st : NULL;
}

static void out_of_memory(struct stream *st)
{
	if (!st->failed)
		pp_fail(&st->verr, "out of memory");
	st->failed = 1;
}

/* Appends code point CP to OUT as UTF-8; returns the bytes written. */
static size_t utf8(unsigned long cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* An attribute value as libxml2 hands it over without entity substitution:
 * character references are left in it (&#38; for an escaped '&') and so are
 * references to declared entities. The first are decoded; the others are
 * dropped, as entity references are in text. */
static char *attr_value(struct arena *a, const xmlChar *v, const xmlChar *end)
{
	size_t n = (size_t)(end - v);
	char *out = arena_alloc(a, n + 1), *o = out;

	if (!out)
		return NULL;
	for (const xmlChar *p = v; p < end;) {
		const xmlChar *semi = memchr(p, ';', (size_t)(end - p));
		if (*p != '&' || !semi) {
			*o++ = (char)*p++;
			continue;
		}
		if (p[1] == '#') {
			char *e;
			int hex = p[2] == 'x';
			unsigned long cp = strtoul((const char *)p + 2 + hex, &e, hex ? 16 : 10);
			if ((const xmlChar *)e == semi && cp > 0 && cp < 0x110000) {
				/* a reference is never shorter than its UTF-8 */
				o += utf8(cp, o);
				p = semi + 1;
				continue;
			}
			*o++ = (char)*p++;
			continue;
		}
		p = semi + 1; /* &name; */
	}
	*o = '\0';
	return out;
}

/* Opens an element of the tree being built, under the open one. */
static void open_el(struct stream *st, xmlParserCtxtPtr ctxt, const xmlChar *name,
		    int nattr, const xmlChar **attrs)
{
	struct frame *f = &st->stack[st->top];
	struct pp_xml_el *el = arena_alloc(&st->arena, sizeof(*el));
	const char **attr = nattr ? arena_alloc(&st->arena,
						(2 * (size_t)nattr + 1) * sizeof(char *)) : NULL;

	if (!el || (nattr && !attr)) {
		out_of_memory(st);
		return;
	}
	memset(el, 0, sizeof(*el));
	el->name = (const char *)name; /* the parser's dictionary keeps it */
	el->line = xmlSAX2GetLineNumber(ctxt);
	for (int i = 0; i < nattr; i++) {
		attr[2 * i] = (const char *)attrs[5 * i];
		if (!(attr[2 * i + 1] = attr_value(&st->arena, attrs[5 * i + 3], attrs[5 * i + 4]))) {
			out_of_memory(st);
			return;
		}
	}
	if (attr)
		attr[2 * nattr] = NULL;
	el->attr = attr ? attr : no_attr;
	el->text = "";
	if (st->top) {
		struct frame *up = &st->stack[st->top - 1];
		if (up->last)
			up->last->next = el;
		else
			up->el->child = el;
		up->last = el;
	}
	*f = (struct frame){ .el = el };
	st->top++;
}

static void start_element(void *c, const xmlChar *local, const xmlChar *prefix,
			  const xmlChar *uri, int nns, const xmlChar **ns, int nattr,
			  int ndefaulted, const xmlChar **attrs)
{
	struct stream *st = stream_of(c);
	int depth;

	if (!st) { /* an entity's content: libxml2 builds it as usual */
		xmlSAX2StartElementNs(c, local, prefix, uri, nns, ns, nattr, ndefaulted, attrs);
		return;
	}
	depth = st->depth++;
	if (depth == 0) {
		snprintf(st->root, sizeof(st->root), "%s", (const char *)local);
		st->deliver = !strcmp(st->root, "score-partwise");
	}
	if (!st->deliver || st->failed || depth == 0)
		return;
	if (st->skip || (st->top && st->top == MAX_NEST)) {
		st->skip++;
		return;
	}
	if (!st->top) {
		if (depth == 1 && !strcmp((const char *)local, "part")) {
			st->in_part = 1;
			return;
		}
		if (depth > 2 || (depth == 2 && !st->in_part))
			return;
	}
	/* attributes that only a DTD gives are left out, as libxml2's tree
	 * leaves them out without XML_PARSE_DTDATTR */
	open_el(st, c, local, nattr - ndefaulted, attrs);
}

static int visit_el(struct stream *st, const struct pp_xml_el *el, int depth)
{
	if (st->visit(st->ctx, el, depth, &st->verr) < 0)
		st->failed = 1;
	arena_reset(&st->arena);
	return 0;
}

static void end_element(void *c, const xmlChar *local, const xmlChar *prefix,
			const xmlChar *uri)
{
	struct stream *st = stream_of(c);
	int depth;

	if (!st) {
		xmlSAX2EndElementNs(c, local, prefix, uri);
		return;
	}
	depth = --st->depth;
	if (!st->deliver || st->failed)
		return;
	if (st->skip) {
		st->skip--;
		return;
	}
	if (st->top) {
		struct frame *f = &st->stack[--st->top];
		if (f->text)
			f->el->text = f->text;
		if (!st->top)
			visit_el(st, f->el, depth);
	} else if (depth == 1 && st->in_part) {
		static const struct pp_xml_el part = { "part", no_attr, "", NULL, NULL, 0 };
		st->in_part = 0;
		visit_el(st, &part, 1);
	}
}

static void characters(void *c, const xmlChar *ch, int len)
{
	struct stream *st = stream_of(c);
	struct frame *f;

	if (!st) {
		xmlSAX2Characters(c, ch, len);
		return;
	}
	if (!st->top || st->skip || st->failed || len <= 0)
		return;
	f = &st->stack[st->top - 1];
	if (f->len + (size_t)len + 1 > f->cap) {
		size_t cap = 2 * (f->len + (size_t)len + 1);
		char *t = arena_alloc(&st->arena, cap);
		if (!t) {
			out_of_memory(st);
			return;
		}
		if (f->len)
			memcpy(t, f->text, f->len);
		f->text = t;
		f->cap = cap;
	}
	memcpy(f->text + f->len, ch, (size_t)len);
	f->len += (size_t)len;
	f->text[f->len] = '\0';
}

/* Entity references, comments and processing instructions: dropped from
 * the document, built as usual inside an entity's content, so that libxml2
 * keeps that content and parses it once, not at every reference. */
static void reference(void *c, const xmlChar *name)
{
	if (!stream_of(c))
		xmlSAX2Reference(c, name);
}

static void comment(void *c, const xmlChar *text)
{
	if (!stream_of(c))
		xmlSAX2Comment(c, text);
}

static void instruction(void *c, const xmlChar *target, const xmlChar *data)
{
	if (!stream_of(c))
		xmlSAX2ProcessingInstruction(c, target, data);
}

int pp_musicxml_stream(const char *buf, size_t len, const char *name,
		       pp_musicxml_visit visit, void *ctx, struct pp_err *err)
{
	const char *xml;
	char *owned;
	size_t xlen = 0;
	struct stream *st;
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc = NULL;
	int rc;

	if (xml_text(buf, len, name, &xml, &xlen, &owned, err) < 0)
		return -1;
	st = calloc(1, sizeof(*st));
	ctxt = st ? new_ctxt(xml, xlen, name, parse_opts, err) : NULL;
	if (!ctxt) {
		if (!st)
			pp_fail(err, "'%s': out of memory", name);
		free(st);
		free(owned);
		return -1;
	}
	pp_err_clear(&st->verr);
	st->visit = visit;
	st->ctx = ctx;
	st->main = ctxt;
	ctxt->_private = st;
	/* libxml2 keeps the document level (the DTD and its entities: what
	 * makes a document well formed); the document's elements and text
	 * come here and make no libxml2 tree */
	ctxt->sax->startElementNs = start_element;
	ctxt->sax->endElementNs = end_element;
	ctxt->sax->characters = characters;
	ctxt->sax->ignorableWhitespace = characters;
	ctxt->sax->cdataBlock = NULL;
	ctxt->sax->reference = reference;
	ctxt->sax->comment = comment;
	ctxt->sax->processingInstruction = instruction;
	rc = run_parser(ctxt, name, &doc, err);
	free(owned);
	if (rc == 0 && !st->deliver)
		rc = st->root[0] && !strcmp(st->root, "score-timewise") ?
		     pp_fail(err, "'%s': score-timewise MusicXML is not supported "
			     "(convert it to score-partwise)", name) :
		     pp_fail(err, "'%s': not MusicXML (root element <%s>)", name,
			     st->root[0] ? st->root : "(none)");
	if (rc == 0 && st->failed)
		rc = pp_fail(err, "%s", st->verr.msg);
	xmlFreeDoc(doc);
	arena_free(&st->arena);
	free(st);
	return rc;
}

const struct pp_xml_el *pp_xml_el_child(const struct pp_xml_el *el, const char *name)
{
	for (const struct pp_xml_el *c = el ? el->child : NULL; c; c = c->next)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

const char *pp_xml_el_attr(const struct pp_xml_el *el, const char *name)
{
	for (const char *const *a = el ? el->attr : no_attr; *a; a += 2)
		if (!strcmp(a[0], name))
			return a[1];
	return NULL;
}

const char *pp_xml_el_text(const struct pp_xml_el *el, char *out, size_t cap)
{
	const char *s = el ? el->text : "";
	size_t n = strlen(s), k = 0;

	/* cut first, then trim */
	if (n >= cap)
		n = cap - 1;
	while (k < n && (s[k] == ' ' || s[k] == '\n' || s[k] == '\t' || s[k] == '\r'))
		k++;
	while (n > k && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t' ||
			 s[n - 1] == '\r'))
		n--;
	memcpy(out, s + k, n - k);
	out[n - k] = '\0';
	return out;
}
