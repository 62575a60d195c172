/*
 * svg.c - inline SVG charts for the report (see svg.h).
 */
#include "svg.h"

#include <math.h>

void svg_text(FILE *fp, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&#39;", fp); break;
		default: fputc(*s, fp);
		}
	}
}

/* Radius fraction of a label value in [1/7, 1]. */
static double radial(double v)
{
	double r = (v - 1.0 / 7) / (1 - 1.0 / 7);

	return r < 0 ? 0 : r > 1 ? 1 : r;
}

static void polygon(FILE *fp, const struct svg_axis *ax, int n, double cx,
		    double cy, double rad, int which, const char *style)
{
	fprintf(fp, "<polygon style=\"%s\" points=\"", style);
	for (int i = 0; i < n; i++) {
		double v = which == 0 ? ax[i].value : which == 1 ? ax[i].ref_lo : ax[i].ref_hi;
		double a = -M_PI / 2 + 2 * M_PI * i / n, r = rad * radial(isnan(v) ? 1.0 / 7 : v);

		fprintf(fp, "%.1f,%.1f ", cx + r * cos(a), cy + r * sin(a));
	}
	fputs("\"/>\n", fp);
}

void svg_radar(FILE *fp, const struct svg_axis *ax, int n, int size)
{
	/* Pole labels reach far sideways: the picture is wider than tall. */
	int w = size * 5 / 4;
	double cx = w / 2.0, cy = size / 2.0, rad = size * 0.32;

	fprintf(fp, "<svg class=\"radar\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"radar chart of %d dimensions\">\n",
		w, size, w, size, n);
	for (int ring = 1; ring <= 3; ring++)
		fprintf(fp, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" style=\"fill:none;stroke:#ddd\"/>\n",
			cx, cy, rad * ring / 3);
	/* Reference band: outer polygon filled, inner one punched in white. */
	polygon(fp, ax, n, cx, cy, rad, 2, "fill:#e8eef8;stroke:none");
	polygon(fp, ax, n, cx, cy, rad, 1, "fill:#fff;stroke:none");
	for (int i = 0; i < n; i++) {
		double a = -M_PI / 2 + 2 * M_PI * i / n;
		double x = cx + (rad + 8) * cos(a), y = cy + (rad + 8) * sin(a);
		const char *anchor = fabs(cos(a)) < 0.05 ? "middle" : cos(a) > 0 ? "start" : "end";

		fprintf(fp, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" style=\"stroke:#ccc\"/>\n",
			cx, cy, cx + rad * cos(a), cy + rad * sin(a));
		fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"10\"><tspan font-weight=\"bold\">",
			x, y, anchor);
		svg_text(fp, ax[i].label);
		fprintf(fp, "</tspan><tspan x=\"%.1f\" dy=\"11\" fill=\"#555\">", x);
		svg_text(fp, ax[i].low);
		fputs(" \xe2\x86\x92 ", fp);
		svg_text(fp, ax[i].high);
		fputs("</tspan></text>\n", fp);
	}
	polygon(fp, ax, n, cx, cy, rad, 0, "fill:rgba(200,80,40,0.25);stroke:#c85028;stroke-width:2");
	for (int i = 0; i < n; i++) {
		double a = -M_PI / 2 + 2 * M_PI * i / n, r;

		if (isnan(ax[i].value))
			continue;
		r = rad * radial(ax[i].value);
		fprintf(fp, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" style=\"fill:#c85028\"><title>",
			cx + r * cos(a), cy + r * sin(a));
		svg_text(fp, ax[i].label);
		fprintf(fp, " (%s \xe2\x86\x92 %s): %.2f</title></circle>\n", ax[i].low, ax[i].high, ax[i].value);
	}
	fputs("</svg>\n", fp);
}

static const char *roll_style[] = {
	[SVG_ROLL_MATCHED] = "fill:#3b6fb6",
	[SVG_ROLL_WRONG] = "fill:#e08a00",
	[SVG_ROLL_EXTRA] = "fill:#d03030",
	[SVG_ROLL_MISSING] = "fill:none;stroke:#d03030;stroke-dasharray:3,2",
	[SVG_ROLL_SCORE] = "fill:#cfd8e6",
};

void svg_roll(FILE *fp, const struct svg_roll_note *notes, int n,
	      const double *bars, const char *const *barlabels, int nbars,
	      int width, int height)
{
	double tmax = 1e-3;
	int lo = 127, hi = 0;
	double ph, sx;

	for (int i = 0; i < n; i++) {
		if (notes[i].t1 > tmax)
			tmax = notes[i].t1;
		if (notes[i].pitch < lo)
			lo = notes[i].pitch;
		if (notes[i].pitch > hi)
			hi = notes[i].pitch;
	}
	if (lo > hi)
		lo = 48, hi = 72;
	lo -= 2, hi += 2;
	ph = (double)(height - 20) / (hi - lo + 1);
	sx = (width - 40) / tmax;
	fprintf(fp, "<svg class=\"roll\" viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" aria-label=\"piano roll\">\n",
		width, height);
	for (int p = lo; p <= hi; p++)
		if (p % 12 == 0)
			fprintf(fp, "<line x1=\"40\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" style=\"stroke:#eee\"/><text x=\"2\" y=\"%.1f\" font-size=\"9\">C%d</text>\n",
				width, height - 20 - (p - lo + 1) * ph, height - 20 - (p - lo + 1) * ph,
				height - 20 - (p - lo) * ph, p / 12 - 1);
	for (int b = 0; b < nbars; b++) {
		double x = 40 + bars[b] * sx;

		fprintf(fp, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"0\" y2=\"%d\" style=\"stroke:#bbb\"/>", x, x, height - 20);
		if (barlabels && barlabels[b]) {
			fprintf(fp, "<text x=\"%.1f\" y=\"%d\" font-size=\"9\">", x + 2, height - 6);
			svg_text(fp, barlabels[b]);
			fputs("</text>", fp);
		}
		fputc('\n', fp);
	}
	for (int i = 0; i < n; i++) {
		const struct svg_roll_note *m = &notes[i];
		double w = (m->t1 - m->t0) * sx;

		fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" style=\"%s\">",
			40 + m->t0 * sx, height - 20 - (m->pitch - lo + 1) * ph, w < 1 ? 1 : w,
			ph < 1 ? 1 : ph, roll_style[m->kind]);
		if (m->title) {
			fputs("<title>", fp);
			svg_text(fp, m->title);
			fputs("</title>", fp);
		}
		fputs("</rect>\n", fp);
	}
	fputs("</svg>\n", fp);
}

void svg_bars(FILE *fp, const double *v, const char *const *labels, int n,
	      double ref, const char *unit, const char *color, int width,
	      int height)
{
	double vmax = 1e-9, vmin = INFINITY, base, bw;

	for (int i = 0; i < n; i++) {
		if (!isnan(v[i]) && v[i] > vmax)
			vmax = v[i];
		if (!isnan(v[i]) && v[i] < vmin)
			vmin = v[i];
	}
	if (!isnan(ref) && ref > vmax)
		vmax = ref;
	/* Bars start at 80 % of the smallest value, so that differences of a
	 * few percent (tempo, loudness) are visible; the axis says so. */
	base = isfinite(vmin) && vmin > 0 ? 0.8 * vmin : 0;
	vmax = vmax * 1.05 - base;
	bw = n ? (double)(width - 30) / n : 1;
	fprintf(fp, "<svg class=\"bars\" viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\">\n", width, height);
	for (int i = 0; i < n; i++) {
		double h = isnan(v[i]) ? 0 : (v[i] - base) / vmax * (height - 20);

		fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" style=\"fill:%s\"><title>",
			30 + i * bw + 1, height - 20 - h, bw > 3 ? bw - 2 : 1, h, color);
		if (labels && labels[i]) {
			fputs("bar ", fp);
			svg_text(fp, labels[i]);
			fputs(": ", fp);
		}
		if (isnan(v[i]))
			fputs("n/a", fp);
		else
			fprintf(fp, "%.1f", v[i]);
		fputc(' ', fp);
		svg_text(fp, unit);
		fputs("</title></rect>\n", fp);
		if (labels && labels[i] && (n <= 24 || i % (n / 24 + 1) == 0)) {
			fprintf(fp, "<text x=\"%.1f\" y=\"%d\" font-size=\"9\" text-anchor=\"middle\">",
				30 + (i + 0.5) * bw, height - 6);
			svg_text(fp, labels[i]);
			fputs("</text>\n", fp);
		}
	}
	if (!isnan(ref)) {
		double y = height - 20 - (ref - base) / vmax * (height - 20);

		fprintf(fp, "<line x1=\"30\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" style=\"stroke:#555;stroke-dasharray:4,3\"/>\n",
			width, y, y);
		fprintf(fp, "<text x=\"0\" y=\"%.1f\" font-size=\"9\">%.0f</text>\n", y + 3, ref);
	}
	fprintf(fp, "<text x=\"0\" y=\"%d\" font-size=\"9\">%.0f</text>\n", height - 20, base);
	fputs("</svg>\n", fp);
}

void svg_wave(FILE *fp, const float *mins, const float *maxs, int n,
	      int width, int height)
{
	double mid = height / 2.0, xs = n ? (double)width / n : 1;

	fprintf(fp, "<svg class=\"wave\" viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" aria-label=\"waveform\">\n<path style=\"stroke:#3b6fb6;fill:none\" d=\"",
		width, height);
	for (int i = 0; i < n; i++)
		fprintf(fp, "M%.1f %.1fV%.1f", i * xs, mid - maxs[i] * mid, mid - mins[i] * mid);
	fputs("\"/>\n</svg>\n", fp);
}
