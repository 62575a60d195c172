/*
 * check_test.c - the checker's number rules (check.h) on a small document:
 * bar contexts and lists, rounding and truncation at the written
 * precision, percents, percentiles, tempi, citations, word counts; and the
 * facts' findings for that document.
 */
#include <stdlib.h>
#include "check.h"
#include "envelope.h"
#include "tap.h"
#include "writer.h"

static const char doc_text[] =
	"{\"pp\": \"context/1\", \"score\": {\"title\": \"Sonatina Op. 36 No. 1\", \"composer\": \"Muzio Clementi\"},"
	" \"summary\": {\"notes_expected\": 40, \"notes_played\": 39, \"wrong_pitch\": 2, \"missing\": 1, \"extra\": 0,"
	"  \"pitch_accuracy\": 0.925, \"rhythm_accuracy\": 0.9, \"tempo_qpm\": {\"mean\": 131.6, \"min\": 110, \"max\": 150.4},"
	"  \"measures\": ["
	"   {\"index\": 0, \"number\": \"1\", \"expected\": 10, \"tempo_ratio\": 1.0, \"qpm\": 131.6, \"velocity_mean\": 50, \"dynamic\": \"p\"},"
	"   {\"index\": 1, \"number\": \"2\", \"expected\": 10, \"wrong_pitch\": 2, \"missing\": 1, \"tempo_ratio\": 1.143, \"qpm\": 150.4, \"velocity_mean\": 52, \"dynamic\": \"p\"},"
	"   {\"index\": 2, \"number\": \"3\", \"expected\": 10, \"tempo_ratio\": 0.836, \"qpm\": 110, \"velocity_mean\": 56, \"dynamic\": \"f\"},"
	"   {\"index\": 3, \"number\": \"4\", \"expected\": 10, \"tempo_ratio\": 1.0, \"qpm\": 131.6, \"velocity_mean\": 58, \"dynamic\": \"f\"}]},"
	" \"passages\": [{\"n\": 1, \"id\": \"a\", \"text\": \"Use a metronome.\", \"dimensions\": [{\"name\": \"timing\", \"pole\": \"unstable\"}]},"
	"                {\"n\": 2, \"id\": \"b\", \"text\": \"Isolate the wrong note.\"}]}";

static int bad(const struct pp_facts *f, const char *text)
{
	return pp_check_text(text, f, 0, 1000, NULL);
}

int main(void)
{
	struct pp_err err;
	struct pp_facts f;
	json_t *doc;
	char *text;
	int cites[8];

	pp_err_clear(&err);
	if (!ok(pp_doc_parse(doc_text, sizeof(doc_text) - 1, "t", NULL, &doc, &err) == 0, "parse") ||
	    !ok(pp_facts_extract(doc, NULL, &f, &err) == 0, "extract: %s", err.msg))
		return tap_done();

	is_int(f.have_alignment, 1, "alignment present");
	is_int(f.have_predictions, 0, "no predictions");
	is_int(f.nbars, 4, "four bars");
	is_int(f.nfindings, 4, "notes, rush, drag, dynamics");
	is_int(f.findings[0].kind, PP_FIND_NOTES, "notes first");
	is_int(f.findings[0].count, 3, "three wrong or missing");
	is_int(f.findings[0].practice_qpm, 76, "practice mark 60%% of 131.6, down to a Maelzel mark");
	is_int(pp_facts_metronome(112.3), 112, "metronome 112.3 -> 112");
	is_int(pp_facts_metronome(20), 40, "metronome floor 40");

	is_int(bad(&f, "Bar 2 and bars 3-4, also bars 1, 2 and 4."), 0, "bar lists and ranges");
	is_int(bad(&f, "bars 3\xe2\x80\x93" "4"), 0, "en-dash range");
	is_int(bad(&f, "bars 3-5"), 1, "range end not a bar");
	is_int(bad(&f, "in bar 7 the notes"), 1, "unknown bar");
	is_int(bad(&f, "The average was 132 qpm, or 131 qpm, or 131.6 qpm."), 0, "round, truncate, exact");
	is_int(bad(&f, "The average was 133 qpm."), 1, "off by more than rounding");
	is_int(bad(&f, "The average was 131.7 qpm."), 1, "one decimal is held to one decimal");
	is_int(bad(&f, "92% of the notes, 93 percent, 7% wrong"), 0, "percents: accuracy, its complement");
	is_int(bad(&f, "95% of the notes"), 1, "a percent not in the facts");
	is_int(bad(&f, "14% fast"), 0, "tempo ratio distance as percent");
	is_int(bad(&f, "the 14th percentile"), 1, "no percentiles without predictions");
	is_int(bad(&f, "at \xe2\x99\xa9 = 76"), 0, "practice mark after =");
	is_int(bad(&f, "at \xe2\x99\xa9 = 77"), 1, "unknown mark after =");
	is_int(bad(&f, "Clementi's Sonatina Op. 36 No. 1, 40 notes, 3 slips"), 0, "title numbers and counts");
	is_int(bad(&f, "velocity 56 against 51"), 0, "velocities and the mean of the p bars");
	is_int(bad(&f, "See [1] and [2], or [1, 2]."), 0, "citations given");
	is_int(bad(&f, "See [3]."), 1, "citation not given");
	is_int(pp_check_citations("a [2] b [1, 2] c [1]", cites, 8), 2, "distinct citations");
	is_int(cites[0] * 10 + cites[1], 21, "in order of first appearance");
	is_int(pp_check_words("Play bars 2-3 [1]. \xe2\x99\xa9 = 76 , now"), 6, "word count skips citations and bare signs");
	is_int(pp_check_text("one two three", &f, 5, 10, NULL), 1, "too short");

	ok(pp_writer_write(&f, &text, &err) == 0, "writer runs");
	{
		struct pp_tb r = PP_TB_INIT;
		int n = pp_check_text(text, &f, PP_CHECK_MIN_WORDS, PP_CHECK_MAX_WORDS, &r);
		if (!ok(n == 0, "the writer's text passes the checker"))
			printf("# %s\n# %s", text, pp_tb_str(&r));
		pp_tb_release(&r);
	}
	ok(strstr(text, "bar 2") != NULL, "the writer names bar 2");
	free(text);
	pp_facts_release(&f);
	json_decref(doc);
	return tap_done();
}
