/*
 * musicxml.c - safe MusicXML and .mxl reading (see musicxml.h).
 */
#include "musicxml.h"

#include <stdlib.h>
#include <string.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <zip.h>

#include "io.h"

/* Every external entity or DTD load is refused, whatever the options. */
static xmlParserInputPtr no_entity_loader(const char *url, const char *id,
					  xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

xmlNodePtr pp_xml_child(xmlNodePtr node, const char *name)
{
	for (xmlNodePtr c = node ? node->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name))
			return c;
	return NULL;
}

const char *pp_xml_text(xmlNodePtr node, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	for (xmlNodePtr c = node ? node->children : NULL; c; c = c->next) {
		if ((c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) ||
		    !c->content)
			continue;
		size_t l = strlen((const char *)c->content);
		if (n + l >= cap)
			l = cap - 1 - n;
		memcpy(out + n, c->content, l);
		n += l;
		out[n] = '\0';
	}
	/* trim */
	char *s = out;
	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	memmove(out, s, strlen(s) + 1);
	n = strlen(out);
	while (n && (out[n - 1] == ' ' || out[n - 1] == '\n' ||
		     out[n - 1] == '\t' || out[n - 1] == '\r'))
		out[--n] = '\0';
	return out;
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
		xmlNodePtr rfs = pp_xml_child(root, "rootfiles");
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

static int check_root(xmlDocPtr doc, const char *name, struct pp_err *err)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	const char *r = root ? (const char *)root->name : "(none)";

	if (!strcmp(r, "score-partwise"))
		return 0;
	if (!strcmp(r, "score-timewise"))
		return pp_fail(err, "'%s': score-timewise MusicXML is not supported "
			       "(convert it to score-partwise)", name);
	return pp_fail(err, "'%s': not MusicXML (root element <%s>)", name, r);
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

int pp_musicxml_parse(const char *buf, size_t len, const char *name,
		      xmlDocPtr *doc, struct pp_err *err)
{
	const char *xml;
	char *owned;
	size_t xlen = 0;
	int rc;

	*doc = NULL;
	if (xml_text(buf, len, name, &xml, &xlen, &owned, err) < 0)
		return -1;
	rc = parse_xml(xml, xlen, name, doc, err);
	free(owned);
	if (rc == 0 && check_root(*doc, name, err) < 0) {
		xmlFreeDoc(*doc);
		*doc = NULL;
		rc = -1;
	}
	return rc;
}

int pp_musicxml_read(const char *path, xmlDocPtr *doc, struct pp_err *err)
{
	char *buf;
	size_t len;
	int rc;

	*doc = NULL;
	if (pp_read_all(path, &buf, &len, err) < 0)
		return -1;
	rc = pp_musicxml_parse(buf, len, pp_io_name(path), doc, err);
	free(buf);
	return rc;
}

/* ---- streaming ---- */

/* State of a streaming parse, hung on the parser context's _private. */
struct stream {
	xmlParserCtxtPtr main;  /* the document's parser (entity contents get their own) */
	pp_musicxml_visit visit;
	void *ctx;
	int root_checked, deliver; /* the root was seen; it is <score-partwise> */
	int failed;             /* VISIT failed: its message is in verr */
	struct pp_err verr;
};

/* Frees every child of NODE (all of them delivered or blank by now).
 * Emptying the parent whole, not just unlinking the delivered element,
 * matters: libxml2 appends following text to the parent's last child
 * using lengths it kept from the last text node it made, which would be
 * gone. With no children left it starts a fresh text node. */
static void free_children(xmlNodePtr node)
{
	xmlNodePtr c = node->children;

	node->children = node->last = NULL;
	xmlFreeNodeList(c);
}

static int named(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* The SAX end of an element: libxml2 finishes the node, then a complete
 * child of the root, or of a <part>, goes to the visitor and is freed. */
static void end_element(void *c, const xmlChar *local, const xmlChar *prefix,
			const xmlChar *uri)
{
	xmlParserCtxtPtr ctxt = c;
	struct stream *st = ctxt->_private;
	int depth = ctxt->nodeNr - 1; /* of the element ending; the root is 0 */
	xmlNodePtr cur = ctxt->node, parent;

	xmlSAX2EndElementNs(c, local, prefix, uri);
	if (!st || ctxt != st->main || !cur || depth < 1 || depth > 2 || !(parent = cur->parent))
		return;
	if (!st->root_checked) {
		st->root_checked = 1;
		st->deliver = named(ctxt->nodeTab[0], "score-partwise");
	}
	if (depth == 2 && !(named(parent, "part") && parent->parent == ctxt->nodeTab[0]))
		return; /* inside <work>, <identification>...: delivered whole */
	if (st->deliver && !st->failed && st->visit(st->ctx, cur, depth, &st->verr) < 0)
		st->failed = 1;
	free_children(parent);
}

int pp_musicxml_stream(const char *buf, size_t len, const char *name,
		       pp_musicxml_visit visit, void *ctx, struct pp_err *err)
{
	const char *xml;
	char *owned;
	size_t xlen = 0;
	struct stream st = { .visit = visit, .ctx = ctx };
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc = NULL;
	int rc;

	pp_err_clear(&st.verr);
	if (xml_text(buf, len, name, &xml, &xlen, &owned, err) < 0)
		return -1;
	/* Blank text between elements is never read: not building it saves
	 * a node for each indented line. */
	ctxt = new_ctxt(xml, xlen, name, parse_opts | XML_PARSE_NOBLANKS, err);
	if (!ctxt) {
		free(owned);
		return -1;
	}
	st.main = ctxt;
	ctxt->_private = &st;
	ctxt->sax->endElementNs = end_element;
	rc = run_parser(ctxt, name, &doc, err);
	free(owned);
	if (rc == 0)
		rc = check_root(doc, name, err);
	if (rc == 0 && st.failed)
		rc = pp_fail(err, "%s", st.verr.msg);
	xmlFreeDoc(doc);
	return rc;
}
