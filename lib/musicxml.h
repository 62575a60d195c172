/*
 * musicxml.h - reading MusicXML files safely into a libxml2 tree.
 *
 * This module only gets a trustworthy XML tree out of a file: plain
 * MusicXML (.musicxml, .xml) or compressed MusicXML (.mxl, a zip whose
 * META-INF/container.xml names the root file). It does not interpret the
 * music; score.h builds the score model from the tree.
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
 * Ownership: the caller frees the document with xmlFreeDoc.
 */
#ifndef PP_MUSICXML_H
#define PP_MUSICXML_H

#include <stddef.h>
#include <libxml/tree.h>

#include "error.h"

/* Largest MusicXML text accepted (bytes), compressed or not. */
#define PP_MUSICXML_MAX ((size_t)64 << 20)

/* Reads PATH (NULL or "-" = stdin), unzipping it when it is an .mxl
 * container (recognized by its zip signature, whatever its name). The root
 * must be <score-partwise>; <score-timewise> is refused with a message.
 * Returns 0 and *doc, or -1 with a message. */
int pp_musicxml_read(const char *path, xmlDocPtr *doc, struct pp_err *err);

/* The same on a buffer; NAME is used in messages. */
int pp_musicxml_parse(const char *buf, size_t len, const char *name,
		      xmlDocPtr *doc, struct pp_err *err);

/* A visitor of pp_musicxml_stream: gets one complete element and its depth
 * (1: a child of <score-partwise>; 2: a child of a <part>, a <measure>);
 * returns 0, or -1 with a message in ERR to stop the visits. */
typedef int (*pp_musicxml_visit)(void *ctx, xmlNodePtr el, int depth,
				 struct pp_err *err);

/* Reads a score as pp_musicxml_parse does (same safety, limits, root check
 * and messages) but without keeping the tree: each complete child element
 * of the root (<work>, <identification>, <part-list>...) and of each <part>
 * (its measures) goes to VISIT as soon as it is parsed, in document order,
 * and is freed after, so that memory stays that of one measure whatever
 * the score's length. A <part> itself comes at its end (depth 1), without
 * its measures. The nodes are valid during the call only; nothing is
 * visited unless the root is <score-partwise>. An XML error wins over the
 * root check, which wins over the visitor's error, as with a whole parse.
 * Returns 0, or -1 with a message. */
int pp_musicxml_stream(const char *buf, size_t len, const char *name,
		       pp_musicxml_visit visit, void *ctx, struct pp_err *err);

/* Helpers for walking the tree (used by score.c): the first element child
 * named NAME (or NULL), and an element's text (text and CDATA children
 * only; entity references are not expanded), copied into OUT (CAP bytes). */
xmlNodePtr pp_xml_child(xmlNodePtr node, const char *name);
const char *pp_xml_text(xmlNodePtr node, char *out, size_t cap);

#endif
