/* audio_test.c - audio input of every format and rate (audio.c).
 *
 * Fixtures are made at test time with sox (and lame for MP3): a 1 s sine
 * of 440 Hz at amplitude 0.5. After loading at another rate we check the
 * length, the frequency (Goertzel power at 440 Hz against 5 neighbours)
 * and the level (RMS of a 0.5 sine = 0.354). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio.h"
#include "tap.h"

static char dir[] = "/tmp/pp-audio-XXXXXX";

static int sh(const char *fmt, const char *a, const char *b)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, a, b);
	return system(cmd);
}

/* Power of frequency F in X (N samples at RATE) by the Goertzel filter. */
static double goertzel(const float *x, size_t n, double f, int rate)
{
	double w = 2 * M_PI * f / rate, c = 2 * cos(w), s1 = 0, s2 = 0;

	for (size_t i = 0; i < n; i++) {
		double s = x[i] + c * s1 - s2;

		s2 = s1;
		s1 = s;
	}
	return (s1 * s1 + s2 * s2 - c * s1 * s2) / ((double)n * n);
}

static double rms(const float *x, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += (double)x[i] * x[i];
	return n ? sqrt(s / n) : 0;
}

/* Loads PATH at RATE and checks a 1 s sine of 440 Hz at LEVEL rms. */
static void check_sine(const char *label, const char *path, int rate,
		       double len_tol, double level, double level_tol)
{
	struct pp_err err;
	float *x;
	size_t n;
	int native = 0;

	pp_err_clear(&err);
	if (!ok(pp_audio_load(path, rate, &x, &n, &native, &err) == 0,
		"%s at %d Hz: loads", label, rate)) {
		printf("#   %s\n", err.msg);
		return;
	}
	is_num((double)n / rate, 1.0, len_tol, "%s at %d Hz: 1 s long", label,
	       rate);
	/* Skip the edges (MP3 priming, resampler ramp-up). */
	size_t a = n / 10, m = n - 2 * (n / 10);
	double p440 = goertzel(x + a, m, 440, rate), other = 0;

	for (int k = 1; k <= 5; k++)
		other = fmax(other, goertzel(x + a, m, 440 * (1 + 0.25 * k) + 7,
					     rate));
	ok(p440 > 1000 * other, "%s at %d Hz: 440 Hz dominates (%.3g vs %.3g)",
	   label, rate, p440, other);
	is_num(rms(x + a, m), level, level * level_tol, "%s at %d Hz: level", label,
	       rate);
	free(x);
}

int main(void)
{
	static const char *const fmts[][2] = {
		{ "wav16", "-b 16 -e signed-integer %s.wav" },
		{ "wav24", "-b 24 -e signed-integer %s.wav" },
		{ "wavf", "-b 32 -e floating-point %s.wav" },
		{ "flac", "-b 16 %s.flac" },
		{ "ogg", "%s.ogg" },
	};
	static const int in_rates[] = { 22050, 44100, 48000 };
	static const int out_rates[] = { 16000, 22050, 44100 };
	char base[256], path[300], gen[512];
	struct pp_err err;
	struct pp_audio *a;
	struct pp_audio_info info;
	float *x;
	size_t n;

	if (!mkdtemp(dir) || system("command -v sox >/dev/null") != 0) {
		printf("1..0 # skip no sox or no temporary directory\n");
		return 0;
	}
	for (size_t r = 0; r < 3; r++) {
		for (size_t f = 0; f < 5; f++) {
			snprintf(base, sizeof(base), "%s/%s-%d", dir, fmts[f][0],
				 in_rates[r]);
			snprintf(gen, sizeof(gen), "sox -n -r %d -c 1 %s synth 1 "
				 "sine 440 vol 0.5 2>/dev/null", in_rates[r],
				 fmts[f][1]);
			ok(sh(gen, base, NULL) == 0, "sox makes %s at %d Hz",
			   fmts[f][0], in_rates[r]);
			snprintf(path, sizeof(path), "%s%s", base,
				 strrchr(fmts[f][1], '.'));
			check_sine(fmts[f][0], path, out_rates[r], 0.002,
				   0.3536, 0.01);
		}
		/* MP3: lame from a WAV; priming and padding lengthen it. */
		snprintf(base, sizeof(base), "%s/mp3-%d", dir, in_rates[r]);
		snprintf(gen, sizeof(gen), "sox -n -r %d -c 1 %s.wav synth 1 "
			 "sine 440 vol 0.5 && lame --quiet -b 192 %s.wav "
			 "%s.mp3", in_rates[r], base, base, base);
		ok(system(gen) == 0, "lame makes mp3 at %d Hz", in_rates[r]);
		snprintf(path, sizeof(path), "%s.mp3", base);
		/* MP3 (lossy, low-passed) keeps the level within 8 %. */
		check_sine("mp3", path, out_rates[r], 0.08, 0.3536, 0.08);
	}

	/* Stereo: left 440 Hz at 0.5, right silent: the mean halves it. */
	snprintf(path, sizeof(path), "%s/stereo.wav", dir);
	ok(sh("sox -n -r 44100 -c 2 %s synth 1 sine 440 vol 0.5 remix 1 0 "
	      "2>/dev/null", path, NULL) == 0, "sox makes a stereo file");
	check_sine("stereo (one channel)", path, 22050, 0.002, 0.1768, 0.01);

	/* No resampling at rate 0: samples pass through. */
	snprintf(path, sizeof(path), "%s/wav16-44100.wav", dir);
	pp_err_clear(&err);
	ok(pp_audio_load(path, 0, &x, &n, NULL, &err) == 0, "rate 0 loads");
	is_int(n, 44100, "rate 0 keeps the file's frames");
	free(x);

	/* Streaming in small pieces gives the same length as whole-file. */
	ok(pp_audio_open(&a, path, 16000, &err) == 0, "open a stream");
	pp_audio_info(a, &info);
	is_int(info.native_rate, 44100, "info: native rate");
	is_int(info.channels, 1, "info: channels");
	is_int(info.frames, 44100, "info: frames");
	{
		float buf[333];
		long got, total = 0;

		while ((got = pp_audio_read(a, buf, 333, &err)) > 0)
			total += got;
		ok(got == 0, "stream ends cleanly");
		is_num(total, 16000, 2, "stream length at 16 kHz");
	}
	pp_audio_close(a);

	/* stdin. */
	ok(freopen(path, "rb", stdin) != NULL, "stdin from a file");
	ok(pp_audio_load("-", 22050, &x, &n, NULL, &err) == 0,
	   "stdin loads");
	is_num(n, 22050, 2, "stdin length");
	free(x);

	/* Bad inputs: one line each. */
	snprintf(path, sizeof(path), "%s/x.wav", dir);
	ok(sh("echo 'not audio at all' > %s", path, NULL) == 0, "text file");
	pp_err_clear(&err);
	ok(pp_audio_load(path, 22050, &x, &n, NULL, &err) < 0,
	   "a text file named .wav fails");
	like(err.msg, "x.wav': not an audio file", "... as not an audio file");
	ok(!strchr(err.msg, '\n'), "... in one line");
	pp_err_clear(&err);
	snprintf(path, sizeof(path), "%s/missing.wav", dir);
	ok(pp_audio_load(path, 22050, &x, &n, NULL, &err) < 0,
	   "a missing file fails");
	like(err.msg, "cannot open: No such file", "... saying so");
	snprintf(path, sizeof(path), "%s/wav16-44100.wav", dir);
	pp_err_clear(&err);
	ok(pp_audio_load(path, 9000000, &x, &n, NULL, &err) < 0,
	   "an absurd rate fails");
	like(err.msg, "out of range", "... saying so");

	sh("rm -rf %s", dir, NULL);
	return tap_done();
}
