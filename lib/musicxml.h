/*
 * musicxml.h - reading MusicXML files safely, streamed.
 *
 * This module only gets trustworthy XML out of a file: plain MusicXML
 * (.musicxml, .xml) or compressed MusicXML (.mxl, a zip whose
 * META-INF/container.xml names the root file), streamed one measure at a
 * time as light element trees (pp_musicxml_stream; what score.h builds the
 * score model from). It does not interpret the music.
 *
 * Safety: scores come from the internet, so the parser never touches the
 * network (XML_PARSE_NONET), never loads the DTD (no XML_PARSE_DTDLOAD),
 * never substitutes entities (no XML_PARSE_NOENT) and refuses any external
 * entity load outright. An input over PP_MUSICXML_MAX bytes (also after
 * unzipping) is refused before parsing.
 *
 * Errors name the file and, for XML errors, the line:
 *     'x.musicxml': line 12: Opening and ending tag mismatch: note and pitch
 *     'x.musicxml': not MusicXML (root element <html>)
 *
 * Ownership: streamed elements belong to the stream.
 */
#ifndef PP_MUSICXML_H
#define PP_MUSICXML_H

#include <stddef.h>

#include "error.h"

/* Largest MusicXML text accepted (bytes), compressed or not. */
#define PP_MUSICXML_MAX ((size_t)64 << 20)

/*
 * Streaming. pp_musicxml_stream reads a score (plain, or an .mxl container,
 * recognized by its zip signature whatever its name) with the safety and
 * limits above, and builds no libxml2 tree. The root must be
 * <score-partwise>; <score-timewise> is refused with a message. Instead,
 * the parser's SAX events make a light tree of each complete child element
 * of the root (<work>, <identification>, <part-list>...) and of each <part>
 * (its measures) in turn, hand it to a visitor, and drop it, so that time
 * and memory stay those of one measure whatever the score's length.
 *
 * An element of the light tree has its local name, its attributes (values
 * with character references decoded; other entity references dropped, as
 * they are in text), its own text (text and CDATA children, concatenated,
 * as read: pp_xml_el_text trims it) and its child elements in order.
 * Comments, processing instructions and entity contents are not in it.
 */
struct pp_xml_el {
	const char *name;               /* local name (no namespace prefix) */
	const char *const *attr;        /* name, value, name, value..., NULL */
	const char *text;               /* its own text, "" if none */
	const struct pp_xml_el *child;  /* first child element, or NULL */
	const struct pp_xml_el *next;   /* next sibling element, or NULL */
	int line;                       /* line of its start tag */
};

/* A visitor of pp_musicxml_stream: gets one complete element and its depth
 * (1: a child of <score-partwise>; 2: a child of a <part>, such as a
 * <measure>); a <part> comes at its end, at depth 1, without its children.
 * Returns 0, or -1 with a message in ERR to stop the visits. The element
 * and everything in it are valid during the call only. */
typedef int (*pp_musicxml_visit)(void *ctx, const struct pp_xml_el *el, int depth,
				 struct pp_err *err);

/* Streams the score in BUF (plain or .mxl) to VISIT, in document order;
 * nothing is visited unless the root is <score-partwise>. An XML error
 * wins over the root check, which wins over the visitor's error, as with a
 * whole parse. Returns 0, or -1 with a message. */
int pp_musicxml_stream(const char *buf, size_t len, const char *name,
		       pp_musicxml_visit visit, void *ctx, struct pp_err *err);

/* The first child of EL named NAME, or NULL. */
const struct pp_xml_el *pp_xml_el_child(const struct pp_xml_el *el, const char *name);

/* The value of attribute NAME of EL, or NULL. */
const char *pp_xml_el_attr(const struct pp_xml_el *el, const char *name);

/* EL's text without leading and trailing white space, copied into OUT
 * (CAP bytes, cut to fit); "" when EL is NULL. Returns OUT. */
const char *pp_xml_el_text(const struct pp_xml_el *el, char *out, size_t cap);

#endif
