/* synth_test.c - in-memory rendering (synth.c); the file output and the
 * command line are tested by tests/t0040-synth.sh. */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "synth.h"
#include "tap.h"

int main(void)
{
	struct pp_synth_opts o;
	struct pp_notes p;
	struct pp_err err;
	float *x;
	size_t n;
	double early = 0, late = 0;

	pp_synth_opts_init(&o);
	if (access(pp_synth_soundfont(&o), R_OK) != 0) {
		printf("1..0 # skip no SoundFont at %s\n", pp_synth_soundfont(&o));
		return 0;
	}
	pp_notes_init(&p);
	pp_err_clear(&err);
	pp_notes_add(&p, 69, 0.25, 0.75, 100, &err);
	ok(pp_notes_finish(&p, &err) == 0, "a one-note performance");
	o.rate = 16000;
	o.channels = 1;
	o.tail = 0.5;
	ok(pp_synth_render(&p, &o, &x, &n, &err) == 0, "renders (%s)", err.msg);
	is_int(n, 20000, "0.75 s + 0.5 s tail at 16 kHz");
	for (size_t i = 0; i < 4000; i++)       /* 0 - 0.25 s: before */
		early = fmax(early, fabs(x[i]));
	for (size_t i = 4400; i < 8000; i++)    /* 0.275 - 0.5 s: sounding */
		late = fmax(late, fabs(x[i]));
	ok(early == 0, "silent before the onset (peak %g)", early);
	ok(late > 0.01, "sounding after the onset (peak %g)", late);
	free(x);

	o.channels = 3;
	ok(pp_synth_render(&p, &o, &x, &n, &err) < 0, "3 channels refused");
	is_str(err.msg, "channels must be 1 or 2, not 3", "message");
	pp_err_clear(&err);
	o.channels = 1;
	o.soundfont = "/nonexistent.sf2";
	ok(pp_synth_render(&p, &o, &x, &n, &err) < 0, "missing SoundFont");
	is_str(err.msg, "'/nonexistent.sf2': cannot open: No such file or "
	       "directory", "message");
	pp_notes_free(&p);
	return tap_done();
}
