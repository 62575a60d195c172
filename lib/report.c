/*
 * report.c - static HTML report and JSON API (see report.h).
 *
 * The page is assembled from whatever the document holds: predictions
 * (dimensions), the alignment (score, performance, match, extra, summary),
 * retrieval (passages) and feedback. Missing parts are left out with a short
 * note, never invented.
 */
#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic.h"
#include "envelope.h"
#include "svg.h"

static int mkdirs(const char *dir, struct pp_err *err)
{
	char p[4096];
	size_t n = strlen(dir);

	if (n >= sizeof(p))
		return pp_fail(err, "'%s': path too long", dir);
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST)
			return pp_fail(err, "'%s': cannot create directory: %s", p, strerror(errno));
		p[i] = dir[i];
	}
	return 0;
}

void pp_report_id(const char *name, char *out, size_t cap)
{
	const char *base = strrchr(name, '/');
	size_t n = 0;

	base = base ? base + 1 : name;
	for (; *base && n + 1 < cap; base++) {
		char c = *base;

		if (c == '.' && strchr(base + 1, '.') == NULL)
			break; /* drop the last extension */
		out[n++] = (char)((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				  (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ? c : '_');
	}
	if (n == 0)
		out[n++] = 'x';
	out[n] = '\0';
}

void pp_wave_free(struct pp_wave *w)
{
	free(w->mins);
	free(w->maxs);
	memset(w, 0, sizeof(*w));
}

int pp_wave_load(const char *audio, int ncols, struct pp_wave *w,
		 struct pp_err *err)
{
	SF_INFO info = { 0 };
	SNDFILE *sf = sf_open(audio, SFM_READ, &info);
	float buf[4096];
	sf_count_t per, col = 0, got, k = 0;

	memset(w, 0, sizeof(*w));
	if (!sf)
		return pp_fail(err, "'%s': not an audio file: %s", audio, sf_strerror(NULL));
	if (info.frames <= 0 || info.channels <= 0) {
		sf_close(sf);
		return pp_fail(err, "'%s': no audio frames", audio);
	}
	w->mins = calloc((size_t)ncols, sizeof(float));
	w->maxs = calloc((size_t)ncols, sizeof(float));
	if (!w->mins || !w->maxs) {
		sf_close(sf);
		pp_wave_free(w);
		return pp_fail(err, "'%s': out of memory", audio);
	}
	w->ncols = ncols;
	w->seconds = (double)info.frames / info.samplerate;
	per = (info.frames + ncols - 1) / ncols;
	while ((got = sf_readf_float(sf, buf, (sf_count_t)(sizeof(buf) / sizeof(buf[0])) / info.channels)) > 0) {
		for (sf_count_t f = 0; f < got; f++, k++) {
			float v = 0;

			for (int c = 0; c < info.channels; c++)
				v += buf[f * info.channels + c];
			v /= (float)info.channels;
			col = k / per;
			if (col >= ncols)
				col = ncols - 1;
			if (v < w->mins[col])
				w->mins[col] = v;
			if (v > w->maxs[col])
				w->maxs[col] = v;
		}
	}
	sf_close(sf);
	return 0;
}

/* Copies SRC to DST atomically. */
static int copy_file(const char *src, const char *dst, struct pp_err *err)
{
	FILE *in = fopen(src, "rb");
	struct pp_out out;
	char buf[65536];
	size_t n;

	if (!in)
		return pp_fail(err, "'%s': cannot open: %s", src, strerror(errno));
	if (pp_out_open(&out, dst, err) < 0) {
		fclose(in);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out.fp);
	if (ferror(in)) {
		fclose(in);
		pp_out_abort(&out);
		return pp_fail(err, "'%s': read error", src);
	}
	fclose(in);
	return pp_out_commit(&out, err);
}

static const char *str(const json_t *o, const char *k)
{
	const json_t *v = json_is_object(o) ? json_object_get(o, k) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static double num(const json_t *o, const char *k)
{
	const json_t *v = json_is_object(o) ? json_object_get(o, k) : NULL;

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Score position (quarters) to seconds through the tempo curve BEATS
 * ([{onset, time}]), linear between beats and extrapolated at the ends. */
static double q_to_s(const json_t *beats, double q)
{
	size_t n = json_array_size(beats), i;
	double q0, q1, t0, t1;

	if (n < 2)
		return NAN;
	for (i = 1; i + 1 < n; i++)
		if (num(json_array_get(beats, i), "onset") > q)
			break;
	q0 = num(json_array_get(beats, i - 1), "onset");
	q1 = num(json_array_get(beats, i), "onset");
	t0 = num(json_array_get(beats, i - 1), "time");
	t1 = num(json_array_get(beats, i), "time");
	if (!(q1 > q0))
		return t0;
	return t0 + (q - q0) * (t1 - t0) / (q1 - q0);
}

/* The document's title line: composer, title or the id. */
static void identity(const json_t *doc, const char *id, const char **composer,
		     const char **title, const char **performer)
{
	const json_t *meta = json_object_get(doc, "meta");
	const json_t *score = json_object_get(doc, "score");

	*composer = str(meta, "composer") ? str(meta, "composer") : str(score, "composer");
	*title = str(meta, "piece") ? str(meta, "piece") : str(score, "title");
	*performer = str(meta, "performer");
	if (!*title)
		*title = id;
}

static void page_head(FILE *fp, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", fp);
	svg_text(fp, title);
	fputs("</title>\n<style>\n"
	      "body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}\n"
	      "h1{font-size:1.5em;margin-bottom:0}.sub{color:#666;margin-top:.2em}\n"
	      "section{margin:1.5em 0}h2{font-size:1.1em;border-bottom:1px solid #ddd}\n"
	      ".grid{display:flex;flex-wrap:wrap;gap:1em}.card{border:1px solid #ddd;padding:.5em;width:300px}\n"
	      ".legend span{display:inline-block;margin-right:1em}.sw{display:inline-block;width:1em;height:.8em;margin-right:.3em}\n"
	      "table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #eee;text-align:left}\n"
	      ".feedback{font-size:1.05em;line-height:1.5;background:#f8f8f4;padding:1em}\n"
	      "</style></head><body>\n", fp);
}

static void radar_section(FILE *fp, const json_t *doc, const json_t *reference)
{
	const json_t *dims = json_object_get(doc, "dimensions"), *d;
	const json_t *rdims = json_object_get(reference, "dimensions");
	struct svg_axis ax[64];
	size_t i, n = 0;

	fputs("<section id=\"dimensions\"><h2>The 19 perceptual dimensions</h2>\n", fp);
	if (!json_is_array(dims) || json_array_size(dims) == 0) {
		fputs("<p>No predictions in this document.</p></section>\n", fp);
		return;
	}
	json_array_foreach(dims, i, d) {
		const json_t *r = json_array_get(rdims, i);
		const json_t *pc = json_object_get(r, "percentiles");

		if (n == 64)
			break;
		ax[n].label = str(d, "group") ? str(d, "group") : str(d, "name");
		ax[n].low = str(d, "low") ? str(d, "low") : "low";
		ax[n].high = str(d, "high") ? str(d, "high") : "high";
		ax[n].value = num(d, "value");
		ax[n].ref_lo = json_array_size(pc) > 15 ? json_number_value(json_array_get(pc, 5)) : NAN;
		ax[n].ref_hi = json_array_size(pc) > 15 ? json_number_value(json_array_get(pc, 15)) : NAN;
		if (isnan(ax[n].ref_lo))
			ax[n].ref_lo = ax[n].ref_hi = 1.0 / 7;
		n++;
	}
	svg_radar(fp, ax, (int)n, 620);
	fputs("<p class=\"legend\"><span><i class=\"sw\" style=\"background:#e8eef8\"></i>middle half of the PercePiano ratings (25th-75th percentile)</span>"
	      "<span><i class=\"sw\" style=\"background:#c85028\"></i>this performance</span></p>\n<table><tr><th>dimension</th><th>low pole</th><th>high pole</th><th>value</th><th>percentile</th></tr>\n", fp);
	json_array_foreach(dims, i, d) {
		fputs("<tr><td>", fp);
		svg_text(fp, str(d, "group"));
		fputs(" <small>", fp);
		svg_text(fp, str(d, "name"));
		fputs("</small></td><td>", fp);
		svg_text(fp, str(d, "low"));
		fputs("</td><td>", fp);
		svg_text(fp, str(d, "high"));
		fprintf(fp, "</td><td>%.3f</td><td>", num(d, "value"));
		if (!isnan(num(d, "percentile")))
			fprintf(fp, "%.0f", num(d, "percentile"));
		if (json_is_true(json_object_get(d, "uncertain")))
			fputs(" <em>(uncertain)</em>", fp);
		if (json_is_false(json_object_get(d, "reliable"))) {
			double r2 = round(num(d, "held_out_r2") * 100) / 100;
			fprintf(fp, " <em>(weakly predicted: held-out R<sup>2</sup> %.2f)</em>",
				r2 == 0 ? 0 : r2); /* no "-0.00" */
		}
		fputs("</td></tr>\n", fp);
	}
	fputs("</table></section>\n", fp);
}

/* Collects roll bars: performance notes coloured by match status, missing
 * score notes outlined at their expected time. */
static int roll_notes(const json_t *doc, struct svg_roll_note **out)
{
	const json_t *perf = json_object_get(json_object_get(doc, "performance"), "notes");
	const json_t *match = json_object_get(doc, "match");
	const json_t *score = json_object_get(json_object_get(doc, "score"), "notes");
	const json_t *beats = json_object_get(json_object_get(doc, "summary"), "beats");
	size_t np = json_array_size(perf), nm = json_array_size(match), i;
	struct svg_roll_note *r = calloc(np + nm + 1, sizeof(*r));
	int *kind = calloc(np + 1, sizeof(int)), n = 0;
	const json_t *m;

	if (!r || !kind) {
		free(r);
		free(kind);
		*out = NULL;
		return 0;
	}
	for (i = 0; i < np; i++)
		kind[i] = nm ? SVG_ROLL_EXTRA : SVG_ROLL_MATCHED;
	json_array_foreach(match, i, m) {
		const json_t *p = json_object_get(m, "perf");
		const char *st = str(m, "status");

		if (json_is_integer(p) && json_integer_value(p) >= 0 && (size_t)json_integer_value(p) < np)
			kind[json_integer_value(p)] = st && strcmp(st, "wrong_pitch") == 0 ? SVG_ROLL_WRONG : SVG_ROLL_MATCHED;
		else if (st && strcmp(st, "missing") == 0) {
			const json_t *s = json_array_get(score, i);
			double t0 = q_to_s(beats, num(s, "onset"));
			double t1 = q_to_s(beats, num(s, "onset") + num(s, "duration"));

			if (!isnan(t0) && !isnan(num(s, "pitch"))) {
				r[n].t0 = t0;
				r[n].t1 = t1 > t0 ? t1 : t0 + 0.1;
				r[n].pitch = (int)num(s, "pitch");
				r[n].kind = SVG_ROLL_MISSING;
				r[n++].title = "missing note";
			}
		}
	}
	for (i = 0; i < np; i++) {
		const json_t *p = json_array_get(perf, i);

		r[n].t0 = num(p, "onset");
		r[n].t1 = num(p, "offset");
		r[n].pitch = (int)num(p, "pitch");
		r[n].kind = kind[i];
		r[n].title = kind[i] == SVG_ROLL_WRONG ? "wrong pitch" : kind[i] == SVG_ROLL_EXTRA ? "extra note" : NULL;
		if (!isnan(r[n].t0) && !isnan(r[n].t1))
			n++;
	}
	free(kind);
	*out = r;
	return n;
}

static void roll_section(FILE *fp, const json_t *doc)
{
	const json_t *summary = json_object_get(doc, "summary");
	const json_t *measures = json_object_get(json_object_get(doc, "score"), "measures");
	const json_t *beats = json_object_get(summary, "beats"), *m;
	struct svg_roll_note *notes;
	size_t nb = json_array_size(measures), i;
	double *bars = calloc(nb + 1, sizeof(double));
	const char **labels = calloc(nb + 1, sizeof(char *));
	int n = roll_notes(doc, &notes), k = 0;

	fputs("<section id=\"roll\"><h2>Piano roll</h2>\n", fp);
	if (n == 0 || !bars || !labels) {
		fputs("<p>No performance notes in this document.</p></section>\n", fp);
		free(notes);
		free(bars);
		free(labels);
		return;
	}
	json_array_foreach(measures, i, m) {
		double t = q_to_s(beats, num(m, "onset"));

		if (!isnan(t)) {
			bars[k] = t;
			labels[k++] = str(m, "number");
		}
	}
	svg_roll(fp, notes, n, bars, labels, k, 1000, 320);
	fputs("<p class=\"legend\"><span><i class=\"sw\" style=\"background:#3b6fb6\"></i>played as written</span>"
	      "<span><i class=\"sw\" style=\"background:#e08a00\"></i>wrong pitch</span>"
	      "<span><i class=\"sw\" style=\"background:#d03030\"></i>extra note</span>"
	      "<span><i class=\"sw\" style=\"border:1px dashed #d03030\"></i>missing note (where the score expected it)</span></p>\n</section>\n", fp);
	free(notes);
	free(bars);
	free(labels);
}

static void bars_section(FILE *fp, const json_t *doc)
{
	const json_t *summary = json_object_get(doc, "summary");
	const json_t *ms = json_object_get(summary, "measures"), *m;
	size_t n = json_array_size(ms), i;
	double *tempo, *loud;
	const char **labels;

	fputs("<section id=\"bars\"><h2>Tempo and loudness per bar</h2>\n", fp);
	if (n == 0) {
		fputs("<p>No alignment summary in this document.</p></section>\n", fp);
		return;
	}
	tempo = calloc(n, sizeof(double));
	loud = calloc(n, sizeof(double));
	labels = calloc(n, sizeof(char *));
	if (!tempo || !loud || !labels)
		goto out;
	json_array_foreach(ms, i, m) {
		tempo[i] = num(m, "qpm");
		loud[i] = num(m, "velocity_mean");
		labels[i] = str(m, "number");
	}
	fputs("<h3>Tempo (quarter notes per minute; dashed: the mean)</h3>\n", fp);
	svg_bars(fp, tempo, labels, (int)n, num(json_object_get(summary, "tempo_qpm"), "mean"), "qpm", "#3b6fb6", 1000, 160);
	fputs("<h3>Loudness (mean MIDI velocity)</h3>\n", fp);
	svg_bars(fp, loud, labels, (int)n, NAN, "velocity", "#6a9a3b", 1000, 160);
	fprintf(fp, "<p>Notes expected %.0f, played %.0f; pitch accuracy %.1f %%, rhythm accuracy %.1f %%.</p>\n",
		num(summary, "notes_expected"), num(summary, "notes_played"),
		100 * num(summary, "pitch_accuracy"), 100 * num(summary, "rhythm_accuracy"));
out:
	fputs("</section>\n", fp);
	free(tempo);
	free(loud);
	free(labels);
}

static void audio_section(FILE *fp, const struct pp_wave *w, const char *href)
{
	if (!w || !w->ncols)
		return;
	fputs("<section id=\"audio\"><h2>Recording</h2>\n", fp);
	svg_wave(fp, w->mins, w->maxs, w->ncols, 1000, 100);
	if (href) {
		fputs("<audio controls preload=\"none\" src=\"", fp);
		svg_text(fp, href);
		fputs("\"></audio>\n", fp);
	}
	fputs("</section>\n", fp);
}

static void feedback_section(FILE *fp, const json_t *doc)
{
	const json_t *fb = json_object_get(doc, "feedback");
	const json_t *passages = json_object_get(doc, "passages"), *p;
	size_t i;

	fputs("<section id=\"feedback\"><h2>Feedback</h2>\n", fp);
	if (!str(fb, "text"))
		fputs("<p>No feedback in this document.</p>\n", fp);
	else {
		fputs("<div class=\"feedback\">", fp);
		svg_text(fp, str(fb, "text"));
		fprintf(fp, "</div><p class=\"sub\">written by the %s writer</p>\n",
			str(fb, "source") ? str(fb, "source") : "unknown");
	}
	if (json_array_size(passages)) {
		fputs("<h3>Sources cited</h3><ol>\n", fp);
		json_array_foreach(passages, i, p) {
			const json_t *src = json_object_get(p, "source");

			fprintf(fp, "<li value=\"%.0f\"><b>", isnan(num(p, "n")) ? (double)i + 1 : num(p, "n"));
			svg_text(fp, str(p, "title"));
			fputs("</b>", fp);
			if (str(src, "title")) {
				fputs(" &mdash; after <i>", fp);
				svg_text(fp, str(src, "title"));
				fputs("</i>, ", fp);
				svg_text(fp, str(src, "author"));
			} else if (json_is_string(src)) {
				fputs(" &mdash; ", fp);
				svg_text(fp, json_string_value(src));
			}
			fputs("<br><small>", fp);
			svg_text(fp, str(p, "text"));
			fputs("</small></li>\n", fp);
		}
		fputs("</ol>\n", fp);
	}
	fputs("</section>\n", fp);
}

static void metrics_section(FILE *fp, const json_t *doc)
{
	const json_t *pm = json_object_get(doc, "performance_metrics"), *v;
	const char *k;

	if (!json_object_size(pm))
		return;
	fputs("<section id=\"metrics\"><h2>Processing time</h2><table>\n", fp);
	json_object_foreach((json_t *)pm, k, v) {
		fputs("<tr><td>", fp);
		svg_text(fp, k);
		fprintf(fp, "</td><td>%.3f s</td></tr>\n", num(v, "wall_s"));
	}
	fputs("</table></section>\n", fp);
}

static int write_page(const json_t *doc, const char *id, const struct pp_wave *w,
		      const char *href, const json_t *reference, const char *path,
		      struct pp_err *err)
{
	struct pp_out out;
	const char *composer, *title, *performer;
	FILE *fp;

	identity(doc, id, &composer, &title, &performer);
	if (pp_out_open(&out, path, err) < 0)
		return -1;
	fp = out.fp;
	page_head(fp, title);
	fputs("<p><a href=\"index.html\">&larr; all performances</a></p>\n<h1>", fp);
	svg_text(fp, title);
	fputs("</h1><p class=\"sub\">", fp);
	svg_text(fp, composer ? composer : "");
	if (performer) {
		fputs(" &middot; played by ", fp);
		svg_text(fp, performer);
	}
	fputs(" &middot; ", fp);
	svg_text(fp, id);
	fputs("</p>\n", fp);
	feedback_section(fp, doc);
	radar_section(fp, doc, reference);
	roll_section(fp, doc);
	bars_section(fp, doc);
	audio_section(fp, w, href);
	metrics_section(fp, doc);
	fputs("</body></html>\n", fp);
	return pp_out_commit(&out, err);
}

/* The summary without its per-beat and per-measure arrays. */
static json_t *short_summary(const json_t *doc)
{
	json_t *s = json_deep_copy(json_object_get(doc, "summary"));

	if (s) {
		json_object_del(s, "beats");
		json_object_del(s, "measures");
	}
	return s ? s : json_null();
}

int pp_report_page(const json_t *doc, const char *id, const char *audio,
		   const json_t *reference, const char *outdir, struct pp_err *err)
{
	char path[4096], href[1024], dir[4096];
	const char *composer, *title, *performer, *ext;
	struct pp_wave w = { 0 };
	json_t *perf, *ana;
	int rc = -1;

	identity(doc, id, &composer, &title, &performer);
	snprintf(dir, sizeof(dir), "%s/api/performances", outdir);
	if (mkdirs(dir, err) < 0)
		return -1;
	snprintf(dir, sizeof(dir), "%s/api/analysis", outdir);
	if (mkdirs(dir, err) < 0)
		return -1;
	href[0] = '\0';
	if (audio) {
		if (pp_wave_load(audio, 800, &w, err) < 0)
			return -1;
		ext = strrchr(audio, '.');
		snprintf(href, sizeof(href), "audio/%s%s", id, ext && !strchr(ext, '/') ? ext : "");
		snprintf(dir, sizeof(dir), "%s/audio", outdir);
		snprintf(path, sizeof(path), "%s/%s", outdir, href);
		if (mkdirs(dir, err) < 0 || copy_file(audio, path, err) < 0)
			goto out;
	}
	snprintf(path, sizeof(path), "%s/%s.html", outdir, id);
	if (write_page(doc, id, audio ? &w : NULL, audio ? href : NULL, reference, path, err) < 0)
		goto out;
	perf = json_pack("{s:s, s:s?, s:s?, s:s?, s:O?, s:s?, s:f}", "id", id, "title", title,
			 "composer", composer, "performer", performer,
			 "source", json_object_get(json_object_get(doc, "performance"), "source"),
			 "audio", audio ? href : NULL,
			 "duration", isnan(num(json_object_get(doc, "performance"), "duration")) ? 0.0 :
				     num(json_object_get(doc, "performance"), "duration"));
	ana = json_pack("{s:s, s:O?, s:o, s:O?, s:O?, s:O?}", "id", id,
			"dimensions", json_object_get(doc, "dimensions"),
			"summary", short_summary(doc),
			"feedback", json_object_get(doc, "feedback"),
			"passages", json_object_get(doc, "passages"),
			"performance_metrics", json_object_get(doc, "performance_metrics"));
	if (json_object_get(json_object_get(doc, "summary"), "pitch_accuracy"))
		json_object_set(perf, "pitch_accuracy", json_object_get(json_object_get(doc, "summary"), "pitch_accuracy"));
	json_object_set_new(perf, "has_feedback", json_boolean(json_object_get(doc, "feedback") != NULL));
	/* Analysis first: the gallery lists what has a performance file. */
	snprintf(path, sizeof(path), "%s/api/analysis/%s.json", outdir, id);
	rc = pp_doc_save(path, ana, PP_DOC_PRETTY, err);
	snprintf(path, sizeof(path), "%s/api/performances/%s.json", outdir, id);
	if (rc == 0)
		rc = pp_doc_save(path, perf, PP_DOC_PRETTY, err);
	json_decref(ana);
	json_decref(perf);
out:
	pp_wave_free(&w);
	return rc;
}

static int cmp_entry(const void *a, const void *b)
{
	const char *x = str(*(json_t *const *)a, "id"), *y = str(*(json_t *const *)b, "id");

	return strcmp(x ? x : "", y ? y : "");
}

/* Reads every OUTDIR/api/performances/ID.json into a sorted array. */
static json_t *load_entries(const char *outdir)
{
	char dir[4096], path[4400];
	json_t *arr = json_array(), **v;
	struct dirent *e;
	size_t n;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/api/performances", outdir);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		json_t *j;

		if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		j = json_load_file(path, 0, NULL);
		if (json_is_object(j))
			json_array_append(arr, j);
		json_decref(j);
	}
	if (d)
		closedir(d);
	n = json_array_size(arr);
	v = malloc((n + 1) * sizeof(*v));
	if (v) {
		json_t *sorted = json_array();

		for (size_t i = 0; i < n; i++)
			v[i] = json_array_get(arr, i);
		qsort(v, n, sizeof(*v), cmp_entry);
		for (size_t i = 0; i < n; i++)
			json_array_append(sorted, v[i]);
		free(v);
		json_decref(arr);
		arr = sorted;
	}
	return arr;
}

int pp_report_index(const char *outdir, struct pp_err *err)
{
	char path[4096];
	struct pp_out out;
	const json_t *e;
	json_t *api, *entries = load_entries(outdir);
	size_t i;
	int rc;

	api = json_pack("{s:o}", "performances", entries);
	snprintf(path, sizeof(path), "%s/api/performances.json", outdir);
	if (pp_doc_save(path, api, PP_DOC_PRETTY, err) < 0) {
		json_decref(api);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/index.html", outdir);
	if (pp_out_open(&out, path, err) < 0) {
		json_decref(api);
		return -1;
	}
	page_head(out.fp, "pp: performances");
	fprintf(out.fp, "<h1>Performances</h1><p class=\"sub\">%zu analysed with pp</p>\n<div class=\"grid\">\n",
		json_array_size(entries));
	json_array_foreach(entries, i, e) {
		fputs("<div class=\"card\"><a href=\"", out.fp);
		svg_text(out.fp, str(e, "id"));
		fputs(".html\"><b>", out.fp);
		svg_text(out.fp, str(e, "title"));
		fputs("</b></a><br>", out.fp);
		svg_text(out.fp, str(e, "composer") ? str(e, "composer") : "");
		if (str(e, "performer")) {
			fputs(" &middot; ", out.fp);
			svg_text(out.fp, str(e, "performer"));
		}
		if (!isnan(num(e, "pitch_accuracy")))
			fprintf(out.fp, "<br>pitch accuracy %.1f %%", 100 * num(e, "pitch_accuracy"));
		fputs("</div>\n", out.fp);
	}
	fputs("</div></body></html>\n", out.fp);
	rc = pp_out_commit(&out, err);
	json_decref(api);
	return rc;
}
