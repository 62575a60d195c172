/*
 * check.h - the checker: is a feedback text supported by the facts?
 *
 * Three rules, applied to the built-in writer's text in the tests and to
 * every LLM answer before it is accepted (pp-feedback(1) --check applies
 * them to any text):
 *
 *  1. Every number in the text is one of the facts' numbers. Numbers are
 *     matched by what they stand for, read from the words around them:
 *       bars      "bar 12", "bars 12-14", "bars 3, 7 and 9", "m. 5":
 *                 a printed bar number of the alignment summary, exactly;
 *       percents  "94%", "94 percent": an accuracy, a pedal share, a tempo
 *                 ratio or its distance from 100, a percentile;
 *       percentiles "the 82nd percentile": a dimension's percentile;
 *       tempi     "132 qpm", "80 bpm", "= 80": a measured tempo (piece or
 *                 bar) or a practice metronome mark of a finding;
 *       others    any fact number: counts, velocities, deviations in ms,
 *                 the numbers in the title, and all of the above.
 *     Tolerant but strict: a number may be rounded or truncated at the
 *     precision it is written with (132 matches 131.6; 1.1 matches 1.14)
 *     but not more (133 does not match 131.6). Signs are ignored
 *     (deviations are reported as "early" and "late"). Numbers spelled
 *     as words ("three times") are not numbers to the checker: use them
 *     for practice counts.
 *  2. Every citation [n] (also "[1, 3]") names a passage that was given.
 *  3. The word count is within the bounds.
 *
 * Ownership: nothing is kept; the report is appended to the caller's
 * buffer.
 */
#ifndef PP_CHECK_H
#define PP_CHECK_H

#include "facts.h"
#include "textbuf.h"

/* Word bounds: the built-in writer's, and the looser ones for an LLM. */
#define PP_CHECK_MIN_WORDS 150
#define PP_CHECK_MAX_WORDS 200
#define PP_CHECK_LLM_MIN_WORDS 135
#define PP_CHECK_LLM_MAX_WORDS 220

/* Words in TEXT: whitespace-separated tokens holding a letter or a digit,
 * citations such as "[2]." not counted. */
int pp_check_words(const char *text);

/* The citation numbers in TEXT, each once, in order of first appearance;
 * writes up to CAP into OUT and returns how many there are. */
int pp_check_citations(const char *text, int *out, int cap);

/* Checks TEXT against F with the word bounds MIN_WORDS..MAX_WORDS.
 * Returns the number of problems (0: the text passes) and appends one line
 * per problem to REPORT (may be NULL), e.g.
 *     number 133 (tempo) is not in the facts
 *     bar 31 is not in the score
 *     citation [7] names no passage (5 given)
 *     212 words, more than 200 */
int pp_check_text(const char *text, const struct pp_facts *f,
		  int min_words, int max_words, struct pp_tb *report);

#endif
