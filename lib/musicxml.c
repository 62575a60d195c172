/*
 * musicxml.c - safe MusicXML and .mxl reading (see musicxml.h).
 */
#include "musicxml.h"

#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
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

/* Parses XML text with the safe options; checks nothing about MusicXML. */
static int parse_xml(const char *buf, size_t len, const char *name,
		     xmlDocPtr *doc, struct pp_err *err)
{
	xmlParserCtxtPtr ctxt;
	const int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
			 XML_PARSE_NOCDATA | XML_PARSE_COMPACT;

	if (len > PP_MUSICXML_MAX)
		return pp_fail(err, "'%s': too large (%zu bytes, limit %zu)", name, len,
			       PP_MUSICXML_MAX);
	if (len > 0x7fffffff)
		return pp_fail(err, "'%s': too large", name);
	xmlSetExternalEntityLoader(no_entity_loader);
	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return pp_fail(err, "'%s': out of memory", name);
	*doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, NULL, opts);
	if (!*doc || !ctxt->wellFormed) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", e && e->message ? e->message : "not XML");
		chomp(msg);
		pp_fail(err, "'%s': line %d: %s", name, e ? e->line : 0, msg);
		if (*doc)
			xmlFreeDoc(*doc);
		*doc = NULL;
		xmlFreeParserCtxt(ctxt);
		return -1;
	}
	xmlFreeParserCtxt(ctxt);
	return 0;
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

int pp_musicxml_parse(const char *buf, size_t len, const char *name,
		      xmlDocPtr *doc, struct pp_err *err)
{
	char *xml = NULL;
	size_t xlen = 0;
	int rc;

	*doc = NULL;
	if (len >= 4 && !memcmp(buf, "PK\003\004", 4)) {
		if (unzip_mxl(buf, len, name, &xml, &xlen, err) < 0)
			return -1;
		rc = parse_xml(xml, xlen, name, doc, err);
		free(xml);
	} else {
		rc = parse_xml(buf, len, name, doc, err);
	}
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
