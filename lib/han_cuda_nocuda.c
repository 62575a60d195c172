/*
 * han_cuda_nocuda.c - the GPU entry points of han.h when pp is built
 * without CUDA (no nvcc or no cudnn.h at build time): they fail cleanly.
 */
#include "han.h"

int pp_han_gpu_available(struct pp_err *err)
{
	pp_fail(err, "built without CUDA");
	return 0;
}

int pp_han_forward_gpu(struct pp_han *m, const struct pp_han_input *in,
		       struct pp_han_levels *lv, struct pp_err *err)
{
	(void)m; (void)in; (void)lv;
	return pp_fail(err, "built without CUDA");
}

void pp_han_gpu_release(struct pp_han *m)
{
	(void)m;
}
