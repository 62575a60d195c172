/*
 * han.h - the PercePiano hierarchical attention network (HAN): model
 * loading, input checks and the forward pass, CPU and GPU.
 *
 * The model (docs/percepiano-model.md §4, train/han.py): a features file's
 * rows x [N, F] are embedded (Linear F->256), run through a 2-layer BiLSTM
 * over all notes and a second 2-layer BiLSTM over each voice's notes alone,
 * concatenated [N, 1024], pooled by 8-head context attention into beats,
 * a 2-layer BiLSTM over beats, pooled into measures, a 1-layer BiLSTM over
 * measures, pooled into one vector, and an MLP head (Linear, exact GELU,
 * Linear) gives 19 logits; the outputs are their sigmoids, in PercePiano
 * label order.
 *
 * What it is not: training (train/train.py does that), nor feature
 * extraction (pp-features). The weights are train/export.py's safetensors
 * (F16 or F32, widened to F32 on load) with "__metadata__" pinning the
 * architecture, the normalization id the inputs must carry, and the labels.
 *
 * Backends: lib/han_cpu.c is the readable reference (OpenBLAS); lib/han_cuda.cu
 * mirrors it on a GPU; lib/han_cuda_nocuda.c gives the stubs when pp is
 * built without CUDA. Both must equal train/han.py on tests/fixtures/han.
 *
 * Ownership: the caller owns a struct pp_han (pp_han_load / pp_han_free),
 * the input it passes and the levels it gets back (pp_han_levels_free).
 * Inputs borrow from the caller's pp_st.
 */
#ifndef PP_HAN_H
#define PP_HAN_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "safetensors.h"

#define PP_HAN_HEADS 8

struct pp_han_config {
	int input_size; /* F, features per row (101) */
	int hidden;     /* LSTM hidden size per direction (256) */
	int labels;     /* outputs (19) */
};

/* One bidirectional LSTM: per layer l and direction d (0 forward, 1
 * reverse), PyTorch's tensors with gate rows in the order i, f, g, o. */
struct pp_lstm {
	int input, hidden, layers;
	const float *w_ih[2][2]; /* [layer][dir] [4H, in_l], in_l = input or 2H */
	const float *w_hh[2][2]; /* [4H, H] */
	const float *b_ih[2][2]; /* [4H] */
	const float *b_hh[2][2]; /* [4H] */
};

/* Context attention of width S with 8 heads of S/8. */
struct pp_attn {
	int size;
	const float *w;       /* [S, S] */
	const float *b;       /* [S] */
	const float *context; /* [8, S/8] */
};

struct pp_han_params {
	const float *embed_w;  /* [H, F] */
	const float *embed_b;  /* [H] */
	struct pp_lstm note;   /* H -> 2H, 2 layers */
	struct pp_lstm voice;  /* H -> 2H, 2 layers */
	struct pp_attn beat_attn;    /* 4H */
	struct pp_lstm beat;         /* 4H -> 2H, 2 layers */
	struct pp_attn measure_attn; /* 2H */
	struct pp_lstm measure;      /* 2H -> 2H, 1 layer */
	struct pp_attn top_attn;     /* 2H */
	const float *fc1_w, *fc1_b;  /* [2H, 2H], [2H] */
	const float *fc2_w, *fc2_b;  /* [labels, 2H], [labels] */
};

#define PP_HAN_MAX_LABELS 32

struct pp_han {
	struct pp_han_config cfg;
	struct pp_han_params p; /* pointers into arena */
	float *arena;           /* every parameter, one allocation */
	size_t nparams;         /* floats in arena */
	char model_id[128];     /* metadata "model_id" */
	char version[32];       /* metadata "version" */
	char norm_id[128];      /* normalization the inputs must carry */
	int has_dim_r2;         /* metadata "dimension_r2" was present */
	double dim_r2[PP_HAN_MAX_LABELS]; /* per-label R2 on held-out segments */
	char path[512];         /* the file it came from */
	void *gpu;              /* device copy (han_cuda.cu), NULL until used */
};

/* Loads a model file. Checks the metadata (pp = "model/1", arch = "han"),
 * every tensor's name, dtype (F16/F32) and shape. Returns 0, or -1 with
 * "'FILE': ..." (and m holds nothing to free). */
int pp_han_load(struct pp_han *m, const char *path, struct pp_err *err);

/* Releases the parameters. A GPU copy is released by pp_han_gpu_release,
 * which the caller calls first (so that libpp.a alone links without CUDA). */
void pp_han_free(struct pp_han *m);

/* One segment's input, checked: rows, features, hierarchy indices. */
struct pp_han_input {
	int n;                 /* rows N */
	int f;                 /* features F */
	const float *x;        /* [N, F] */
	const int32_t *voice;  /* [N], 0 = no voice (inserted rows) */
	const int32_t *beat;   /* [N], continuous: steps of 0 or 1 */
	const int32_t *measure;/* [N], continuous */
};

/* Takes the input from a loaded features file (NAME for messages) and
 * checks it against the model: width F, metadata norm_id, finite values,
 * N >= 1, voice >= 0, continuous beat and measure indices. Returns 0, or
 * -1 with one line ("'a.safetensors': 9 features per row, the model
 * expects 101"). */
int pp_han_input_from_st(const struct pp_han *m, const struct pp_st *st,
			 const char *name, struct pp_han_input *in,
			 struct pp_err *err);

/* Every level of one forward pass (row-major float arrays, malloc'd). */
struct pp_han_levels {
	int n, beats, measures;  /* N rows, B beats, M measures */
	float *embedding;        /* [N, H] */
	float *note_lstm;        /* [N, 2H] */
	float *voice_lstm;       /* [N, 2H], zeros on voice-0 rows */
	float *beat_attention;   /* [B, 4H] */
	float *beat_lstm;        /* [B, 2H] */
	float *measure_attention;/* [M, 2H] */
	float *measure_lstm;     /* [M, 2H] */
	float *top_attention;    /* [2H] */
	float *logits;           /* [labels] */
	float *output;           /* [labels], sigmoid(logits) */
};

/* Beat group of each row and measure group of each beat, as PercePiano's
 * find_boundaries: a beat starts where beat[t] - beat[t-1] == 1; measures
 * start at the rows where measure steps by 1, in beat space beat[row] -
 * beat[0]. BG gets N entries; MG gets at least B entries (size N is
 * enough). Returns B and sets *nmeasures. */
int pp_han_groups(const struct pp_han_input *in, int *bg, int *mg,
		  int *nmeasures);

/* The CPU forward pass (lib/han_cpu.c). Fills LV (release with
 * pp_han_levels_free). Returns 0, or -1 (out of memory). */
int pp_han_forward(const struct pp_han *m, const struct pp_han_input *in,
		   struct pp_han_levels *lv, struct pp_err *err);

void pp_han_levels_free(struct pp_han_levels *lv);

/* GPU (lib/han_cuda.cu, or stubs in lib/han_cuda_nocuda.c that fail with
 * "built without CUDA"). pp_han_gpu_available returns 1 when a usable GPU
 * is present, else 0 with the reason in err. pp_han_forward_gpu computes the
 * same levels as pp_han_forward, copying the weights to the device on first
 * use (m->gpu); CUDA, cuBLAS and cuDNN errors come back as -1 with a
 * message, never an exit. */
int pp_han_gpu_available(struct pp_err *err);
int pp_han_forward_gpu(struct pp_han *m, const struct pp_han_input *in,
		       struct pp_han_levels *lv, struct pp_err *err);
void pp_han_gpu_release(struct pp_han *m);

#endif
