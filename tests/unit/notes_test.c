/* notes_test.c - the notes/1 record and its JSON contract (notes.c). */
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "notes.h"
#include "tap.h"

static int from(const char *text, struct pp_notes *p, struct pp_err *err)
{
	json_error_t je;
	json_t *doc = json_loads(text, 0, &je);
	int rc;

	pp_err_clear(err);
	if (!doc) {
		snprintf(err->msg, sizeof(err->msg), "test JSON: %s", je.text);
		return -2;
	}
	rc = pp_notes_from_json(doc, "x.json", p, err);
	json_decref(doc);
	return rc;
}

#define NOTE "{\"pitch\": 60, \"onset\": 0.5, \"offset\": 1.0, \"velocity\": 64}"

static void bad(const char *text, const char *msg)
{
	struct pp_notes p;
	struct pp_err err;

	pp_notes_init(&p);
	ok(from(text, &p, &err) == -1, "refused: %s", msg);
	is_str(err.msg, msg, "message");
	ok(p.n_notes == 0 && !p.notes && !p.source, "record left empty");
}

static void contract_errors(void)
{
	bad("{\"pp\": \"alignment/1\", \"notes\": []}",
	    "'x.json': expected notes/1, got alignment/1");
	bad("{\"pp\": \"notes/2\", \"notes\": []}",
	    "'x.json': unsupported version notes/2 (this pp reads notes/1)");
	bad("{\"notes\": []}", "'x.json': not a pp document (no \"pp\" member)");
	bad("[1, 2]", "'x.json': not a pp document (not a JSON object)");
	bad("{\"pp\": \"notes/1\"}", "'x.json': missing member 'notes'");
	bad("{\"pp\": \"notes/1\", \"notes\": {}}",
	    "'x.json': member 'notes' is not an array");
	bad("{\"pp\": \"notes/1\", \"notes\": [" NOTE ", {\"pitch\": 60, "
	    "\"onset\": 1, \"offset\": 2}]}",
	    "'x.json': notes[1]: missing member 'velocity'");
	bad("{\"pp\": \"notes/1\", \"notes\": [{\"pitch\": 130, \"onset\": 1, "
	    "\"offset\": 2, \"velocity\": 3}]}",
	    "'x.json': notes[0]: pitch 130 out of range 0-127");
	bad("{\"pp\": \"notes/1\", \"notes\": [{\"pitch\": 60.5, \"onset\": 1, "
	    "\"offset\": 2, \"velocity\": 3}]}",
	    "'x.json': notes[0]: pitch 60.5 is not an integer");
	bad("{\"pp\": \"notes/1\", \"notes\": [{\"pitch\": \"C4\", \"onset\": 1, "
	    "\"offset\": 2, \"velocity\": 3}]}",
	    "'x.json': notes[0]: member 'pitch' is not a number");
	bad("{\"pp\": \"notes/1\", \"notes\": [{\"pitch\": 60, \"onset\": 1, "
	    "\"offset\": 2, \"velocity\": -1}]}",
	    "'x.json': notes[0]: velocity -1 out of range 0-127");
	bad("{\"pp\": \"notes/1\", \"notes\": [{\"pitch\": 60, \"onset\": 2, "
	    "\"offset\": 1, \"velocity\": 3}]}",
	    "'x.json': notes[0]: offset 1 before onset 2");
	bad("{\"pp\": \"notes/1\", \"notes\": [{\"pitch\": 60, \"onset\": -1, "
	    "\"offset\": 1, \"velocity\": 3}]}",
	    "'x.json': notes[0]: onset -1 is not a time >= 0");
	bad("{\"pp\": \"notes/1\", \"notes\": [1]}",
	    "'x.json': notes[0]: not an object");
	bad("{\"pp\": \"notes/1\", \"notes\": [], \"pedal\": [{\"onset\": 3, "
	    "\"offset\": 2}]}",
	    "'x.json': pedal[0]: offset 2 before onset 3");
	bad("{\"pp\": \"notes/1\", \"notes\": [], \"soft\": [{\"onset\": 3}]}",
	    "'x.json': soft[0]: missing member 'offset'");
	bad("{\"pp\": \"notes/1\", \"notes\": [], \"controls\": [{\"time\": 1, "
	    "\"number\": 64, \"value\": 128}]}",
	    "'x.json': controls[0]: value 128 out of range 0-127");
	bad("{\"pp\": \"notes/1\", \"notes\": [], \"duration\": -2}",
	    "'x.json': duration -2 is not a time >= 0");
	bad("{\"pp\": \"notes/1\", \"notes\": [], \"source\": 3}",
	    "'x.json': member 'source' is not a string");
	bad("{\"pp\": \"notes/1\", \"notes\": [], \"ticks_per_quarter\": 1.5}",
	    "'x.json': ticks_per_quarter is not an integer in 0-32767");
}

static void reading(void)
{
	struct pp_notes p;
	struct pp_err err;

	pp_notes_init(&p);
	ok(from("{\"pp\": \"notes/1\", \"source\": \"e.mid\", \"extra\": 1, "
		"\"notes\": [{\"pitch\": 64, \"onset\": 0.5, \"offset\": 0.7, "
		"\"velocity\": 80.0}, " NOTE ", {\"pitch\": 48, \"onset\": 0, "
		"\"offset\": 3, \"velocity\": 1}],"
		"\"controls\": [{\"time\": 2, \"number\": 64, \"value\": 0},"
		"{\"time\": 1, \"number\": 64, \"value\": 100},"
		"{\"time\": 1.5, \"number\": 67, \"value\": 70},"
		"{\"time\": 2.5, \"number\": 64, \"value\": 64}]}", &p, &err) == 0,
	   "a document with controls reads (%s)", err.msg);
	is_str(p.source, "e.mid", "source kept");
	is_int(p.n_notes, 3, "three notes");
	is_int(p.notes[0].pitch, 48, "sorted by onset");
	is_int(p.notes[1].pitch, 60, "then by pitch");
	is_int(p.notes[2].velocity, 80, "an integral real velocity is taken");
	is_num(p.controls[0].time, 1, 0, "controls sorted by time");
	is_int(p.n_pedal, 2, "pedal derived from controls");
	is_num(p.pedal[0].onset, 1, 0, "pedal 1 down");
	is_num(p.pedal[0].offset, 2, 0, "pedal 1 up");
	is_num(p.pedal[1].onset, 2.5, 0, "pedal 2 (value 64 is down)");
	is_num(p.pedal[1].offset, 3, 0, "pedal 2 held to the end");
	is_int(p.n_soft, 1, "soft derived");
	is_num(p.soft[0].offset, 3, 0, "soft held to the end");
	is_num(p.duration, 3, 0, "duration: the last note's end");
	pp_notes_free(&p);

	ok(from("{\"pp\": \"notes/1\", \"notes\": [], \"duration\": 4,"
		"\"pedal\": [{\"onset\": 1, \"offset\": 2}]}", &p, &err) == 0,
	   "given pedal, no controls");
	is_int(p.n_pedal, 1, "given pedal kept");
	is_num(p.duration, 4, 0, "given duration kept");
	is_str(p.source, "x.json", "source defaults to the name");
	pp_notes_free(&p);
}

static void writing(void)
{
	struct pp_notes p, q;
	struct pp_err err;
	json_t *doc;
	char *text;

	pp_notes_init(&p);
	pp_notes_init(&q);
	pp_err_clear(&err);
	ok(pp_notes_add(&p, 128, 0, 1, 1, &err) < 0, "add: pitch checked");
	is_str(err.msg, "pitch 128 out of range 0-127", "add: message");
	pp_err_clear(&err);
	ok(pp_notes_add(&p, 60, 1, 0.5, 1, &err) < 0, "add: order checked");
	pp_err_clear(&err);
	ok(pp_notes_add_control(&p, -1, 64, 1, &err) < 0,
	   "add control: time checked");
	pp_err_clear(&err);
	pp_notes_set_source(&p, "perf.wav", &err);
	pp_notes_add(&p, 62, 1.25, 2, 90, &err);
	pp_notes_add(&p, 60, 0.125, 0.5, 70, &err);
	pp_notes_add_control(&p, 0.25, 64, 127, &err);
	pp_notes_add_control(&p, 1.75, 64, 0, &err);
	p.ticks_per_quarter = 384;
	ok(pp_notes_finish(&p, &err) == 0, "finish");
	doc = pp_notes_to_json(&p);
	text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	is_str(text, "{\"pp\":\"notes/1\",\"source\":\"perf.wav\","
	       "\"duration\":2.0,\"notes\":[{\"pitch\":60,\"onset\":0.125,"
	       "\"offset\":0.5,\"velocity\":70},{\"pitch\":62,\"onset\":1.25,"
	       "\"offset\":2.0,\"velocity\":90}],\"pedal\":[{\"onset\":0.25,"
	       "\"offset\":1.75}],\"soft\":[],\"controls\":[{\"time\":0.25,"
	       "\"number\":64,\"value\":127},{\"time\":1.75,\"number\":64,"
	       "\"value\":0}],\"ticks_per_quarter\":384}",
	       "to_json: the whole document");
	free(text);
	ok(pp_notes_from_json(doc, "p.json", &q, &err) == 0,
	   "to_json reads back");
	is_int(q.n_notes, 2, "read back: notes");
	is_int(q.n_pedal, 1, "read back: pedal");
	is_int(q.ticks_per_quarter, 384, "read back: resolution");
	json_decref(doc);
	pp_notes_free(&p);
	pp_notes_free(&q);

	/* Updating a document keeps the members it does not own. */
	doc = json_pack("{s:s, s:i, s:[]}", "pp", "transcription/0", "keep",
			7, "notes");
	pp_notes_add(&p, 60, 0, 1, 64, &err);
	ok(pp_notes_update_json(doc, &p) == 0, "update_json");
	is_str(pp_doc_format(doc), "notes/1", "update_json: format set");
	is_int(json_integer_value(json_object_get(doc, "keep")), 7,
	       "update_json: other members kept");
	is_int(json_array_size(json_object_get(doc, "notes")), 1,
	       "update_json: notes replaced");
	json_decref(doc);
	pp_notes_free(&p);

	/* Sniffing. */
	ok(pp_notes_parse("  hello", 7, "h.txt", &p, &err) < 0,
	   "neither MIDI nor JSON refused");
	is_str(err.msg, "'h.txt': neither a MIDI file nor a notes/1 JSON "
	       "document", "sniff message");
}

int main(void)
{
	contract_errors();
	reading();
	writing();
	return tap_done();
}
