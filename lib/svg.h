/*
 * svg.h - the charts of pp's HTML report, written as inline SVG.
 *
 * Each function draws one self-contained <svg> element to a FILE, reading
 * only plain arrays, so that the report module decides what to show and this
 * one only how. No scripts, no external resources: the page renders the
 * same offline, in a browser or printed.
 *
 * Text passed in is escaped here (svg_text); callers pass raw strings.
 */
#ifndef PP_SVG_H
#define PP_SVG_H

#include <stdio.h>

/* Writes S with &, <, >, " and ' escaped for HTML/SVG text. */
void svg_text(FILE *fp, const char *s);

/* One axis of the radar chart. */
struct svg_axis {
	const char *label;   /* dimension group, e.g. "Pedal" */
	const char *low;     /* pole name at the centre end */
	const char *high;    /* pole name at the outer end */
	double value;        /* 0..1, NaN when not predicted */
	double ref_lo;       /* reference band (e.g. 25th percentile), 0..1 */
	double ref_hi;       /* reference band (e.g. 75th percentile) */
};

/* Radar chart of N axes; SIZE is the square's side in px. Values are drawn
 * on a 1/7..1 scale (the labels' range). */
void svg_radar(FILE *fp, const struct svg_axis *ax, int n, int size);

/* One bar of a piano roll. */
struct svg_roll_note {
	double t0, t1;  /* seconds */
	int pitch;      /* MIDI */
	int kind;       /* SVG_ROLL_* */
	const char *title; /* tooltip, may be NULL */
};

enum {
	SVG_ROLL_MATCHED, SVG_ROLL_WRONG, SVG_ROLL_EXTRA, SVG_ROLL_MISSING,
	SVG_ROLL_SCORE,
};

/* Piano roll (time on x, pitch on y) with measure lines at BARS (seconds,
 * NBARS of them, labelled with BARLABELS when not NULL). */
void svg_roll(FILE *fp, const struct svg_roll_note *notes, int n,
	      const double *bars, const char *const *barlabels, int nbars,
	      int width, int height);

/* Bar chart of N values with labels, a reference line at REF (NaN: none),
 * UNIT appended to the tooltips. */
void svg_bars(FILE *fp, const double *v, const char *const *labels, int n,
	      double ref, const char *unit, const char *color, int width,
	      int height);

/* Waveform envelope: N columns of min/max in [-1, 1]. */
void svg_wave(FILE *fp, const float *mins, const float *maxs, int n,
	      int width, int height);

#endif
