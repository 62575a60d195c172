#!/bin/sh
# gpu-check.sh - every GPU check of pp-infer in one command, for a lent GPU
# machine (the `run` tool; 15 minutes of device time a task, starts
# included), from the bundle tools/gpu-bundle.sh made:
#   1. han_test (CPU forward pass against PyTorch's test vectors, 1e-4)
#   2. tests/t0301-infer-gpu.sh (GPU against CPU at every level, 1e-3,
#      and the batch mode), the test make runs, with the bundle's tools
#   3. throughput: pp-infer --device cuda --batch over 200 segments with
#      one model, less a one-segment call (so that process start, model
#      load and CUDA start drop out). No CPU figure: the bundle's CPU side
#      runs on the reference BLAS; the CPU benchmark is bench/infer.sh.
# Prints everything and writes it to $OUT/gpu-check.txt (or build/).
# Exit status: non-zero when a check failed.
set -u
cd "$(dirname "$0")/.."
B=$PWD/build/gpu-bundle
[ -x "$B/bin/pp-infer" ] || { echo "gpu-check.sh: no $B: run tools/gpu-bundle.sh here and carry build/gpu-bundle" >&2; exit 1; }
LOG=${OUT:-$PWD/build}/gpu-check.txt
mkdir -p "$(dirname "$LOG")"
# cuDNN 9 and cuBLAS 13 where that image keeps them (pip wheels or /usr/local/cuda)
libdirs=$(find /usr /opt /lib -xdev \( -name 'libcudnn.so.9' -o -name 'libcublas.so.13' -o -name 'libcublasLt.so.13' \) \
	2>/dev/null | xargs -r -n1 dirname | sort -u | tr '\n' ':')
export LD_LIBRARY_PATH="$B/lib:$libdirs${LD_LIBRARY_PATH:-}"
command -v jq >/dev/null 2>&1 || PATH=$B/xbin:$PATH
export PATH PP_BIN=$B/bin PP_UNIT=$B/tests PP_DATADIR=$PWD/data
M0=data/models/han/composition-f0.safetensors
[ -f "$M0" ] || { mkdir -p data/models/han && cp "$B/models/composition-f0.safetensors" "$M0"; }
F=tests/fixtures/han/Beethoven_WoO80_var23_8bars_11_13.safetensors
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail=0
{
	date -u
	nvidia-smi -L || fail=1
	echo "libraries: $libdirs"
	ldd "$B/bin/pp-infer" | grep -E 'cudnn|cublas|not found'
	echo "== 1. han_test"
	"$B/tests/han_test" >"$T/u" 2>&1 || fail=1
	grep -c '^ok' "$T/u" | sed 's/$/ ok/'; grep '^not ok' "$T/u"
	echo "== 2. t0301"
	sh tests/t0301-infer-gpu.sh >"$T/g" 2>&1 || fail=1
	cat "$T/g"
	! grep -q '# skip' "$T/g" || fail=1  # skipped: no usable GPU, not a pass
	echo "== 3. throughput, 1 model, the fixture of 228 rows"
	for i in $(seq 100 299); do ln -s "$PWD/$F" "$T/s$i.safetensors"; done
	# the one-segment call times process start, model load, CUDA start and
	# one segment; the difference times the other 199
	a=$(date +%s.%N) &&
	"$B/bin/pp-infer" --device cuda --model "$M0" --batch "$T"/s100.safetensors >/dev/null &&
	b=$(date +%s.%N) &&
	"$B/bin/pp-infer" --device cuda --model "$M0" --batch "$T"/s*.safetensors >"$T/g.jsonl" &&
	c=$(date +%s.%N) &&
	awk -v a="$a" -v b="$b" -v c="$c" 'BEGIN{printf "cuda: start, load and 1 segment %.2f s; 200 segments %.2f s; %.1f segments/s after load\n", b-a, c-b, 199/((c-b)-(b-a))}' ||
	fail=1
	echo "exit: $fail"
} 2>&1 | tee "$LOG"
grep -q '^exit: 0$' "$LOG"
