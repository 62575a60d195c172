#!/bin/sh
# gpu-bundle.sh - packs what tools/gpu-check.sh needs on a lent GPU machine
# (the `run` tool) into build/gpu-bundle, built here, so that no time of
# the GPU lease goes to building. That machine runs another image (CUDA
# 13, cuDNN 9, PyTorch; no jansson, no OpenBLAS, perhaps no jq) and can
# fetch nothing, so:
#   bin/pp-infer, tests/han_test  CUDA build; jansson, the reference BLAS
#                (netlib, 0.9 MB where a static OpenBLAS is 25 MB: the CPU
#                side only has to be right there, not fast) and the CUDA
#                runtime linked in statically; cuDNN and cuBLAS come from
#                the machine (gpu-check.sh finds them)
#   xbin/jq, lib/  jq and its libraries, for t0301's batch test
#   models/        composition-f0, the model t0301 and the benchmark use
# About 27 MB. A `run` sends the working tree too, at most 64 MiB with the
# carried paths, and the four tracked models alone are 103 MB: move them
# out of the tree for the call (README, "GPU checks").
set -eu
cd "$(dirname "$0")/.."
B=build/gpu-bundle
O=build/gpu-obj
BLASDIR=/usr/lib/x86_64-linux-gnu/blas
[ -f "$BLASDIR/libblas.a" ] || { echo "gpu-bundle.sh: $BLASDIR/libblas.a missing (apt-get install libblas-dev)" >&2; exit 1; }
command -v nvcc >/dev/null || { echo "gpu-bundle.sh: nvcc not found: the bundle needs the CUDA build" >&2; exit 1; }
make -s BUILD=$O BINDIR=$O/bin CUDA=1 \
	LDLIBS="-Wl,-Bstatic -ljansson -L$BLASDIR -lblas -lgfortran -lquadmath -Wl,-Bdynamic -lm -lpthread" \
	CUDA_LIBS="-L/usr/local/cuda/lib64 -lcudnn -lcublas -lcudart_static -ldl -lrt" \
	$O/bin/pp-infer $O/tests/han_test
rm -rf $B
mkdir -p $B/bin $B/tests $B/xbin $B/lib $B/models
strip -o $B/bin/pp-infer $O/bin/pp-infer
strip -o $B/tests/han_test $O/tests/han_test
cp /usr/bin/jq $B/xbin/
for l in $(ldd /usr/bin/jq | awk '/=> \// && $1 !~ /^lib(c|m)\.so/ {print $3}'); do cp -L "$l" $B/lib/; done
cp data/models/han/composition-f0.safetensors $B/models/
echo "gpu-bundle.sh: $B, $(du -sm $B | cut -f1) MB"
