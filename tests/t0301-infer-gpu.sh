#!/bin/sh
# The CUDA backend equals the CPU backend within 1e-3 (max abs) at every
# level of the forward pass, and PyTorch's test vectors. Needs a GPU.
. "$(dirname "$0")/lib.sh"

F=$FIXTURES/han
M0=$PP_DATADIR/models/han/composition-f0.safetensors

for c in Schubert_D960_mv3_8bars_1_34 Beethoven_WoO80_var23_8bars_11_13; do
	test_expect_success GPU "$c: GPU equals CPU at every level (1e-3)" "
		pp-infer --model '$M0' --device cpu --dump-levels cpu.st '$F/$c.safetensors' &&
		pp-infer --model '$M0' --device cuda --dump-levels gpu.st '$F/$c.safetensors' &&
		'$PP_UNIT/han_test' --compare gpu.st cpu.st 1e-3 >cmp &&
		! grep -q '^not ok' cmp &&
		'$PP_UNIT/han_test' --compare gpu.st '$F/$c.levels.safetensors' 1e-3 >cmp2 &&
		! grep -q '^not ok' cmp2
	"
done

test_expect_success GPU 'batch on the GPU gives the CPU values (1e-3)' '
	set -- "$F"/Schubert_D960_mv3_8bars_1_34.safetensors \
		"$F"/Beethoven_WoO80_var23_8bars_11_13.safetensors &&
	pp-infer --model "$M0" --device cuda --batch "$@" >g.jsonl &&
	pp-infer --model "$M0" --device cpu --batch "$@" >c.jsonl &&
	test "$(jq -n --slurpfile g g.jsonl --slurpfile c c.jsonl "
		[range(0; \$c | length) as \$i | \$c[\$i].dimensions | keys[] as \$d |
		 (\$g[\$i].dimensions[\$d].value - \$c[\$i].dimensions[\$d].value) | fabs] |
		length == 38 and max < 1e-3")" = true
'

test_done
