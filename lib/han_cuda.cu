/*
 * han_cuda.cu - the HAN forward pass on an NVIDIA GPU: cuDNN's RNN forward
 * (v8 API, cudnnRNNForward in inference mode) for every BiLSTM, cuBLAS
 * GEMMs for the projections, and small kernels for the attention pooling,
 * GELU and sigmoid. One launcher per layer of han_cpu.c, with the same
 * argument order and a _gpu suffix; kernels first, launchers below.
 *
 * Errors of CUDA, cuBLAS and cuDNN come back as -1 with a message in the
 * pp_err, never an exit. The weights are copied to the device once per
 * model (m->gpu) and released by pp_han_gpu_release.
 */
#include <cuda_runtime.h>
#include <cublas_v2.h>
#include <cudnn.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define _Noreturn __attribute__((noreturn))
extern "C" {
#include "han.h"
}

#define CUDA_OK(call, err) do { cudaError_t e_ = (call); if (e_ != cudaSuccess) \
	return pp_fail(err, "CUDA: %s (%s:%d)", cudaGetErrorString(e_), __FILE__, __LINE__); } while (0)
#define BLAS_OK(call, err) do { cublasStatus_t e_ = (call); if (e_ != CUBLAS_STATUS_SUCCESS) \
	return pp_fail(err, "cuBLAS: status %d (%s:%d)", (int)e_, __FILE__, __LINE__); } while (0)
#define DNN_OK(call, err) do { cudnnStatus_t e_ = (call); if (e_ != CUDNN_STATUS_SUCCESS) \
	return pp_fail(err, "cuDNN: %s (%s:%d)", cudnnGetErrorString(e_), __FILE__, __LINE__); } while (0)

/* ------------------------------------------------------------ kernels */

__global__ void fill_rows_kernel(float *out, const float *b, int n, int o)
{
	size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
	if (i < (size_t)n * o)
		out[i] = b[i % o];
}

__global__ void gather_rows_kernel(float *out, const float *in, const int *rows, int n, int w)
{
	size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
	if (i < (size_t)n * w)
		out[i] = in[(size_t)rows[i / w] * w + i % w];
}

/* out[rows[r], off + j] = in[r, j], out row stride ostride */
__global__ void scatter_rows_kernel(float *out, int ostride, int off, const float *in,
				    const int *rows, int n, int w)
{
	size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
	if (i < (size_t)n * w)
		out[(size_t)rows[i / w] * ostride + off + i % w] = in[i];
}

/* score[r, k] = tanh(t[r, k-slice]) . ctx[k]; -1e10 for zero rows when masking */
__global__ void attn_score_kernel(float *sc, const float *t, const float *x, const float *ctx,
				  int R, int S, int mask)
{
	int r = blockIdx.x * blockDim.x + threadIdx.x;
	if (r >= R * PP_HAN_HEADS)
		return;
	int k = r % PP_HAN_HEADS, d = S / PP_HAN_HEADS;
	r /= PP_HAN_HEADS;
	float s = 0;
	for (int j = 0; j < d; j++)
		s += tanhf(t[(size_t)r * S + k * d + j]) * ctx[k * d + j];
	if (mask) {
		float sum = 0;
		for (int j = 0; j < S; j++)
			sum += x[(size_t)r * S + j];
		if (sum == 0.0f)
			s = -1e10f;
	}
	sc[r * PP_HAN_HEADS + k] = s;
}

/* block (group g, head k), thread j of the head's slice: softmax over the
 * group's rows [start[g], start[g+1]) and the weighted sum */
__global__ void attn_pool_kernel(float *out, const float *x, const float *sc,
				 const int *start, int S)
{
	int g = blockIdx.x, k = blockIdx.y, j = threadIdx.x, d = S / PP_HAN_HEADS;
	int r0 = start[g], r1 = start[g + 1];
	float mx = -INFINITY, den = 0, acc = 0;
	for (int r = r0; r < r1; r++)
		mx = fmaxf(mx, sc[r * PP_HAN_HEADS + k]);
	for (int r = r0; r < r1; r++)
		den += expf(sc[r * PP_HAN_HEADS + k] - mx);
	for (int r = r0; r < r1; r++)
		acc += expf(sc[r * PP_HAN_HEADS + k] - mx) / den * x[(size_t)r * S + k * d + j];
	out[(size_t)g * S + k * d + j] = acc;
}

__global__ void gelu_kernel(float *x, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		x[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678118654752f));
}

__global__ void sigmoid_kernel(float *y, const float *x, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		y[i] = 1.0f / (1.0f + expf(-x[i]));
}

/* ------------------------------------------------------------ device model */

struct gpu_lstm {
	cudnnRNNDescriptor_t rnn;
	cudnnDropoutDescriptor_t drop;
	void *w;        /* cuDNN weight space */
	size_t wsize;
	int input, hidden, layers;
};

struct gpu_model {
	cublasHandle_t blas;
	cudnnHandle_t dnn;
	float *arena;   /* device copy of m->arena */
	struct gpu_lstm note, voice, beat, measure;
	int ready;
};

/* Scratch allocations of one forward pass, freed together. */
struct scratch {
	void *p[96];
	int n;
};

static int salloc(struct scratch *s, void **p, size_t bytes, struct pp_err *err)
{
	if (s->n == 96)
		return pp_fail(err, "GPU: too many scratch buffers");
	CUDA_OK(cudaMalloc(p, bytes ? bytes : 4), err);
	s->p[s->n++] = *p;
	return 0;
}

static void sfree(struct scratch *s)
{
	for (int i = 0; i < s->n; i++)
		cudaFree(s->p[i]);
	s->n = 0;
}

static const float *dev(const struct pp_han *m, const float *host)
{
	return ((struct gpu_model *)m->gpu)->arena + (host - m->arena);
}

/* Copies PyTorch's per-gate matrices and biases into cuDNN's weight space. */
static int lstm_setup(struct gpu_model *g, struct gpu_lstm *l, const struct pp_han *m,
		      const struct pp_lstm *p, struct pp_err *err)
{
	int H = p->hidden;
	l->input = p->input; l->hidden = H; l->layers = p->layers;
	DNN_OK(cudnnCreateDropoutDescriptor(&l->drop), err);
	DNN_OK(cudnnSetDropoutDescriptor(l->drop, g->dnn, 0.0f, NULL, 0, 0), err);
	DNN_OK(cudnnCreateRNNDescriptor(&l->rnn), err);
	DNN_OK(cudnnSetRNNDescriptor_v8(l->rnn, CUDNN_RNN_ALGO_STANDARD, CUDNN_LSTM,
		CUDNN_RNN_DOUBLE_BIAS, CUDNN_BIDIRECTIONAL, CUDNN_LINEAR_INPUT,
		CUDNN_DATA_FLOAT, CUDNN_DATA_FLOAT, CUDNN_FMA_MATH, p->input, H, H,
		p->layers, l->drop, 0), err);
	DNN_OK(cudnnGetRNNWeightSpaceSize(g->dnn, l->rnn, &l->wsize), err);
	CUDA_OK(cudaMalloc(&l->w, l->wsize), err);
	cudnnTensorDescriptor_t md, bd;
	DNN_OK(cudnnCreateTensorDescriptor(&md), err);
	DNN_OK(cudnnCreateTensorDescriptor(&bd), err);
	int rc = 0;
	for (int k = 0; k < p->layers && !rc; k++)
		for (int d = 0; d < 2 && !rc; d++)
			for (int id = 0; id < 8 && !rc; id++) {
				float *ma = NULL, *ba = NULL;
				cudnnStatus_t st = cudnnGetRNNWeightParams(g->dnn, l->rnn, 2 * k + d,
					l->wsize, l->w, id, md, (void **)&ma, bd, (void **)&ba);
				if (st != CUDNN_STATUS_SUCCESS) {
					rc = pp_fail(err, "cuDNN: weight params: %s", cudnnGetErrorString(st));
					break;
				}
				int gate = id % 4, in = k ? 2 * H : p->input;
				const float *w = id < 4 ? p->w_ih[k][d] + (size_t)gate * H * in
							: p->w_hh[k][d] + (size_t)gate * H * H;
				const float *b = (id < 4 ? p->b_ih[k][d] : p->b_hh[k][d]) + gate * H;
				size_t wn = (size_t)H * (id < 4 ? in : H);
				if (ma && cudaMemcpy(ma, dev(m, w), wn * 4, cudaMemcpyDeviceToDevice) != cudaSuccess)
					rc = pp_fail(err, "CUDA: copying LSTM weights");
				if (ba && cudaMemcpy(ba, dev(m, b), H * 4, cudaMemcpyDeviceToDevice) != cudaSuccess)
					rc = pp_fail(err, "CUDA: copying LSTM biases");
			}
	cudnnDestroyTensorDescriptor(md);
	cudnnDestroyTensorDescriptor(bd);
	return rc;
}

static int model_setup(struct pp_han *m, struct pp_err *err)
{
	struct gpu_model *g = (struct gpu_model *)calloc(1, sizeof *g);
	if (!g)
		return pp_fail(err, "out of memory");
	m->gpu = g;
	BLAS_OK(cublasCreate(&g->blas), err);
	DNN_OK(cudnnCreate(&g->dnn), err);
	CUDA_OK(cudaMalloc(&g->arena, m->nparams * sizeof(float)), err);
	CUDA_OK(cudaMemcpy(g->arena, m->arena, m->nparams * sizeof(float), cudaMemcpyHostToDevice), err);
	if (lstm_setup(g, &g->note, m, &m->p.note, err) || lstm_setup(g, &g->voice, m, &m->p.voice, err) ||
	    lstm_setup(g, &g->beat, m, &m->p.beat, err) || lstm_setup(g, &g->measure, m, &m->p.measure, err))
		return -1;
	g->ready = 1;
	return 0;
}

/* ------------------------------------------------------------ launchers */

static int blocks(size_t n) { return (int)((n + 255) / 256); }

/* out[n, o] = in[n, i] . W[o, i]^T + b (row-major; column-major view) */
static int linear_gpu(struct gpu_model *g, float *out, const float *in, const float *w,
		      const float *b, int n, int i, int o, struct pp_err *err)
{
	const float one = 1.0f;
	fill_rows_kernel<<<blocks((size_t)n * o), 256>>>(out, b, n, o);
	BLAS_OK(cublasSgemm(g->blas, CUBLAS_OP_T, CUBLAS_OP_N, o, n, i, &one, w, i, in, i,
			    &one, out, o), err);
	return 0;
}

/* in[T, I] -> out[T, 2H], h0 = c0 = 0, one sequence */
static int bilstm_gpu(struct gpu_model *g, float *out, const float *in, int T,
		      struct gpu_lstm *l, struct pp_err *err)
{
	struct scratch s = { {0}, 0 };
	cudnnRNNDataDescriptor_t xd = NULL, yd = NULL;
	cudnnTensorDescriptor_t hd = NULL;
	int seq = T, rc = 0, *dseq;
	size_t ws = 0, rs = 0;
	void *work = NULL, *reserve = NULL;
	int dims[3] = { 2 * l->layers, 1, l->hidden }, strides[3] = { l->hidden, l->hidden, 1 };
	DNN_OK(cudnnCreateRNNDataDescriptor(&xd), err);
	DNN_OK(cudnnCreateRNNDataDescriptor(&yd), err);
	DNN_OK(cudnnCreateTensorDescriptor(&hd), err);
	if (cudnnSetRNNDataDescriptor(xd, CUDNN_DATA_FLOAT, CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_PACKED,
				      T, 1, l->input, &seq, NULL) ||
	    cudnnSetRNNDataDescriptor(yd, CUDNN_DATA_FLOAT, CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_PACKED,
				      T, 1, 2 * l->hidden, &seq, NULL) ||
	    cudnnSetTensorNdDescriptor(hd, CUDNN_DATA_FLOAT, 3, dims, strides))
		rc = pp_fail(err, "cuDNN: RNN descriptors");
	if (!rc) {
		cudnnStatus_t st = cudnnGetRNNTempSpaceSizes(g->dnn, l->rnn, CUDNN_FWD_MODE_INFERENCE,
							     xd, &ws, &rs);
		if (st != CUDNN_STATUS_SUCCESS)
			rc = pp_fail(err, "cuDNN: temp space: %s", cudnnGetErrorString(st));
	}
	if (!rc)
		rc = salloc(&s, (void **)&dseq, sizeof(int), err) ||
		     salloc(&s, &work, ws, err) || salloc(&s, &reserve, rs, err) ? -1 : 0;
	if (!rc && cudaMemcpy(dseq, &seq, sizeof seq, cudaMemcpyHostToDevice) != cudaSuccess)
		rc = pp_fail(err, "CUDA: sequence length copy");
	if (!rc) {
		cudnnStatus_t st = cudnnRNNForward(g->dnn, l->rnn, CUDNN_FWD_MODE_INFERENCE, dseq,
			xd, in, yd, out, hd, NULL, NULL, hd, NULL, NULL, l->wsize, l->w,
			ws, work, rs, reserve);
		if (st != CUDNN_STATUS_SUCCESS)
			rc = pp_fail(err, "cuDNN: RNN forward: %s", cudnnGetErrorString(st));
	}
	if (!rc && cudaDeviceSynchronize() != cudaSuccess)
		rc = pp_fail(err, "CUDA: %s", cudaGetErrorString(cudaGetLastError()));
	cudnnDestroyRNNDataDescriptor(xd);
	cudnnDestroyRNNDataDescriptor(yd);
	cudnnDestroyTensorDescriptor(hd);
	sfree(&s);
	return rc;
}

/* x[R, S] in contiguous groups grp (host, non-decreasing) -> out[G, S] */
static int attention_gpu(struct gpu_model *g, const struct pp_han *m, float *out,
			 const float *x, const int *grp, int R, int G,
			 const struct pp_attn *a, int mask, struct pp_err *err)
{
	struct scratch s = { {0}, 0 };
	int S = a->size, rc = 0, *dstart;
	float *t, *sc;
	int *start = (int *)malloc((G + 1) * sizeof(int));
	if (!start)
		return pp_fail(err, "out of memory");
	for (int r = 0, k = 0; k <= G; k++) {
		while (r < R && grp[r] < k)
			r++;
		start[k] = k == G ? R : r;
	}
	if (salloc(&s, (void **)&t, (size_t)R * S * 4, err) || salloc(&s, (void **)&sc, (size_t)R * 8 * 4, err) ||
	    salloc(&s, (void **)&dstart, (G + 1) * sizeof(int), err) ||
	    linear_gpu(g, t, x, dev(m, a->w), dev(m, a->b), R, S, S, err))
		rc = -1;
	if (!rc && cudaMemcpy(dstart, start, (G + 1) * sizeof(int), cudaMemcpyHostToDevice) != cudaSuccess)
		rc = pp_fail(err, "CUDA: group copy");
	if (!rc) {
		attn_score_kernel<<<blocks((size_t)R * 8), 256>>>(sc, t, x, dev(m, a->context), R, S, mask);
		attn_pool_kernel<<<dim3(G, PP_HAN_HEADS), S / PP_HAN_HEADS>>>(out, x, sc, dstart, S);
		if (cudaDeviceSynchronize() != cudaSuccess)
			rc = pp_fail(err, "CUDA: attention: %s", cudaGetErrorString(cudaGetLastError()));
	}
	free(start);
	sfree(&s);
	return rc;
}

/* each voice >= 1 alone through the voice LSTM; u[N, 2H] zero elsewhere */
static int voice_lstm_gpu(struct gpu_model *g, float *u, const float *e, const int32_t *voice,
			  int N, struct gpu_lstm *l, struct pp_err *err)
{
	struct scratch s = { {0}, 0 };
	int H = l->input, O = 2 * l->hidden, maxv = 0, rc = 0, *drows;
	float *xs, *ys;
	int *rows = (int *)malloc(N * sizeof(int));
	if (!rows)
		return pp_fail(err, "out of memory");
	for (int i = 0; i < N; i++)
		maxv = voice[i] > maxv ? voice[i] : maxv;
	if (cudaMemset(u, 0, (size_t)N * O * 4) != cudaSuccess ||
	    salloc(&s, (void **)&drows, N * sizeof(int), err) || salloc(&s, (void **)&xs, (size_t)N * H * 4, err) ||
	    salloc(&s, (void **)&ys, (size_t)N * O * 4, err))
		rc = pp_fail(err, "CUDA: voice buffers");
	for (int v = 1; v <= maxv && !rc; v++) {
		int n = 0;
		for (int i = 0; i < N; i++)
			if (voice[i] == v)
				rows[n++] = i;
		if (!n)
			continue;
		if (cudaMemcpy(drows, rows, n * sizeof(int), cudaMemcpyHostToDevice) != cudaSuccess) {
			rc = pp_fail(err, "CUDA: voice rows copy");
			break;
		}
		gather_rows_kernel<<<blocks((size_t)n * H), 256>>>(xs, e, drows, n, H);
		rc = bilstm_gpu(g, ys, xs, n, l, err);
		if (!rc)
			scatter_rows_kernel<<<blocks((size_t)n * O), 256>>>(u, O, 0, ys, drows, n, O);
	}
	free(rows);
	if (!rc && cudaDeviceSynchronize() != cudaSuccess)
		rc = pp_fail(err, "CUDA: voice LSTM: %s", cudaGetErrorString(cudaGetLastError()));
	sfree(&s);
	return rc;
}

/* ------------------------------------------------------------ entry points */

extern "C" int pp_han_gpu_available(struct pp_err *err)
{
	int n = 0;
	cudaError_t e = cudaGetDeviceCount(&n);
	if (e != cudaSuccess || n == 0) {
		pp_fail(err, "%s", e != cudaSuccess ? cudaGetErrorString(e) : "no CUDA device");
		return 0;
	}
	return 1;
}

static int copy_back(float **host, const float *d, size_t n, struct pp_err *err)
{
	*host = (float *)malloc((n ? n : 1) * sizeof(float));
	if (!*host)
		return pp_fail(err, "out of memory");
	CUDA_OK(cudaMemcpy(*host, d, n * sizeof(float), cudaMemcpyDeviceToHost), err);
	return 0;
}

extern "C" int pp_han_forward_gpu(struct pp_han *m, const struct pp_han_input *in,
				  struct pp_han_levels *lv, struct pp_err *err)
{
	if (!m->gpu && model_setup(m, err) < 0)
		return -1;
	struct gpu_model *g = (struct gpu_model *)m->gpu;
	if (!g->ready)
		return pp_fail(err, "GPU: model setup failed earlier");
	const struct pp_han_params *p = &m->p;
	int N = in->n, H = m->cfg.hidden, L = m->cfg.labels, M, rc = 0;
	struct scratch s = { {0}, 0 };
	int *bg = (int *)malloc(N * sizeof(int)), *mg = (int *)malloc(N * sizeof(int)), *top = NULL;
	float *x, *e, *n2, *u, *hc, *b0, *bh, *m0, *mh, *z, *f1, *lg, *out;
	memset(lv, 0, sizeof *lv);
	if (!bg || !mg) {
		free(bg); free(mg);
		return pp_fail(err, "out of memory");
	}
	int B = pp_han_groups(in, bg, mg, &M);
	top = (int *)calloc(M, sizeof(int));
	lv->n = N; lv->beats = B; lv->measures = M;
	if (!top || salloc(&s, (void **)&x, (size_t)N * in->f * 4, err) ||
	    salloc(&s, (void **)&e, (size_t)N * H * 4, err) || salloc(&s, (void **)&n2, (size_t)N * 2 * H * 4, err) ||
	    salloc(&s, (void **)&u, (size_t)N * 2 * H * 4, err) || salloc(&s, (void **)&hc, (size_t)N * 4 * H * 4, err) ||
	    salloc(&s, (void **)&b0, (size_t)B * 4 * H * 4, err) || salloc(&s, (void **)&bh, (size_t)B * 2 * H * 4, err) ||
	    salloc(&s, (void **)&m0, (size_t)M * 2 * H * 4, err) || salloc(&s, (void **)&mh, (size_t)M * 2 * H * 4, err) ||
	    salloc(&s, (void **)&z, 2 * H * 4, err) || salloc(&s, (void **)&f1, 2 * H * 4, err) ||
	    salloc(&s, (void **)&lg, L * 4, err) || salloc(&s, (void **)&out, L * 4, err))
		rc = -1;
	if (!rc && cudaMemcpy(x, in->x, (size_t)N * in->f * 4, cudaMemcpyHostToDevice) != cudaSuccess)
		rc = pp_fail(err, "CUDA: input copy");
	if (!rc)
		rc = linear_gpu(g, e, x, dev(m, p->embed_w), dev(m, p->embed_b), N, in->f, H, err);
	if (!rc)
		rc = bilstm_gpu(g, n2, e, N, &g->note, err);
	if (!rc)
		rc = voice_lstm_gpu(g, u, e, in->voice, N, &g->voice, err);
	if (!rc && (cudaMemcpy2D(hc, 4 * H * 4, n2, 2 * H * 4, 2 * H * 4, N, cudaMemcpyDeviceToDevice) ||
		    cudaMemcpy2D(hc + 2 * H, 4 * H * 4, u, 2 * H * 4, 2 * H * 4, N, cudaMemcpyDeviceToDevice)))
		rc = pp_fail(err, "CUDA: concatenation");
	if (!rc)
		rc = attention_gpu(g, m, b0, hc, bg, N, B, &p->beat_attn, 0, err);
	if (!rc)
		rc = bilstm_gpu(g, bh, b0, B, &g->beat, err);
	if (!rc)
		rc = attention_gpu(g, m, m0, bh, mg, B, M, &p->measure_attn, 0, err);
	if (!rc)
		rc = bilstm_gpu(g, mh, m0, M, &g->measure, err);
	if (!rc)
		rc = attention_gpu(g, m, z, mh, top, M, 1, &p->top_attn, 1, err);
	if (!rc)
		rc = linear_gpu(g, f1, z, dev(m, p->fc1_w), dev(m, p->fc1_b), 1, 2 * H, 2 * H, err);
	if (!rc) {
		gelu_kernel<<<blocks(2 * H), 256>>>(f1, 2 * H);
		rc = linear_gpu(g, lg, f1, dev(m, p->fc2_w), dev(m, p->fc2_b), 1, 2 * H, L, err);
	}
	if (!rc) {
		sigmoid_kernel<<<1, 32>>>(out, lg, L);
		if (cudaDeviceSynchronize() != cudaSuccess)
			rc = pp_fail(err, "CUDA: head: %s", cudaGetErrorString(cudaGetLastError()));
	}
	if (!rc && (copy_back(&lv->embedding, e, (size_t)N * H, err) ||
		    copy_back(&lv->note_lstm, n2, (size_t)N * 2 * H, err) ||
		    copy_back(&lv->voice_lstm, u, (size_t)N * 2 * H, err) ||
		    copy_back(&lv->beat_attention, b0, (size_t)B * 4 * H, err) ||
		    copy_back(&lv->beat_lstm, bh, (size_t)B * 2 * H, err) ||
		    copy_back(&lv->measure_attention, m0, (size_t)M * 2 * H, err) ||
		    copy_back(&lv->measure_lstm, mh, (size_t)M * 2 * H, err) ||
		    copy_back(&lv->top_attention, z, 2 * H, err) ||
		    copy_back(&lv->logits, lg, L, err) || copy_back(&lv->output, out, L, err)))
		rc = -1;
	free(bg); free(mg); free(top);
	sfree(&s);
	if (rc)
		pp_han_levels_free(lv);
	return rc;
}

static void lstm_release(struct gpu_lstm *l)
{
	if (l->rnn) cudnnDestroyRNNDescriptor(l->rnn);
	if (l->drop) cudnnDestroyDropoutDescriptor(l->drop);
	cudaFree(l->w);
}

extern "C" void pp_han_gpu_release(struct pp_han *m)
{
	struct gpu_model *g = (struct gpu_model *)m->gpu;
	if (!g)
		return;
	lstm_release(&g->note); lstm_release(&g->voice);
	lstm_release(&g->beat); lstm_release(&g->measure);
	cudaFree(g->arena);
	if (g->blas) cublasDestroy(g->blas);
	if (g->dnn) cudnnDestroy(g->dnn);
	free(g);
	m->gpu = NULL;
}
