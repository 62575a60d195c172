/*
 * midi.c - Standard MIDI Files through libsmf (see midi.h).
 * (Stub: reading and writing land in the next commit.)
 */
#include "midi.h"

#include <stdlib.h>

#include "atomic.h"
#include "io.h"

int pp_midi_parse(const char *buf, size_t len, const char *name,
		  struct pp_notes *out, struct pp_err *err)
{
	(void)buf;
	(void)len;
	pp_notes_free(out);
	return pp_fail(err, "'%s': MIDI reading not implemented yet", name);
}

int pp_midi_read(const char *path, struct pp_notes *out, struct pp_err *err)
{
	char *buf;
	size_t len;
	int rc;

	pp_notes_free(out);
	if (pp_read_all(path, &buf, &len, err) < 0)
		return -1;
	rc = pp_midi_parse(buf, len, pp_io_name(path), out, err);
	free(buf);
	return rc;
}

int pp_midi_encode(const struct pp_notes *p, char **buf, size_t *len,
		   struct pp_err *err)
{
	(void)p;
	*buf = NULL;
	*len = 0;
	return pp_fail(err, "MIDI writing not implemented yet");
}

int pp_midi_write(FILE *fp, const char *name, const struct pp_notes *p,
		  struct pp_err *err)
{
	char *buf;
	size_t len;

	if (pp_midi_encode(p, &buf, &len, err) < 0 || !buf)
		return -1;
	if (fwrite(buf, 1, len, fp) != len) {
		free(buf);
		return pp_fail(err, "'%s': write error", name);
	}
	free(buf);
	return 0;
}

int pp_midi_save(const char *path, const struct pp_notes *p,
		 struct pp_err *err)
{
	struct pp_out out;

	if (pp_out_open(&out, path, err) < 0)
		return -1;
	if (pp_midi_write(out.fp, pp_out_name(&out), p, err) < 0) {
		pp_out_abort(&out);
		return -1;
	}
	return pp_out_commit(&out, err);
}
