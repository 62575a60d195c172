/*
 * transcribe.h - the audio-to-notes pipeline of pp-transcribe, on top of
 * transcriber.h (the model), audio.h (decoding and resampling, streamed)
 * and notes.h (the notes/1 record).
 *
 * pp_transcribe_audio streams the input through the model in blocks, so
 * memory for the audio stays bounded whatever its length. pp_tr_notes_fill
 * turns decoded notes into a notes/1 record with velocity = round(127 x
 * amplitude): the model's mean note posterior, a confidence and not a
 * loudness measurement. There is no pedal. pp_posteriors_save writes the
 * frame-level outputs as safetensors for debugging and research.
 *
 * Ownership: as in the headers it builds on; nothing here keeps pointers.
 */
#ifndef PP_TRANSCRIBE_H
#define PP_TRANSCRIBE_H

#include "notes.h"
#include "transcriber.h"

/* Feeds all of PATH (NULL or "-" = stdin) to T (resampled to its rate,
 * mono) and finishes it. PROGRESS (may be NULL) is called after each block
 * with the seconds of audio read and the input's duration (0 if unknown).
 * Returns 0 or -1. */
int pp_transcribe_audio(struct pp_transcriber *t, const char *path,
			void (*progress)(double done_s, double total_s),
			struct pp_err *err);

/* Appends NOTES (N of them) to OUT, sets its source and a duration of at
 * least DURATION seconds, and finishes it. Returns 0 or -1. */
int pp_tr_notes_fill(const struct pp_tr_note *notes, size_t n,
		     const char *source, double duration,
		     struct pp_notes *out, struct pp_err *err);

/* Writes the posteriors of T as safetensors to PATH (atomically; "-" =
 * stdout): "note" and "onset" F32 [frames, 88], "contour" F32 [frames, 264]
 * when kept, "frame_time" F64 [frames] (seconds), and metadata (model, fps,
 * source). Returns 0 or -1. */
int pp_posteriors_save(const struct pp_transcriber *t, const char *path,
		       const char *source, struct pp_err *err);

#endif
