#!/bin/sh
# examples/cluster: the demo's per-performance commands as a Slurm job array
# on a private single-node Slurm started here, and through GNU parallel.
. "$(dirname "$0")/lib.sh"

# The whole chain must be built (every stage of the pipeline).
test_lazy_prereq CHAIN 'for t in pp-notes pp-synth pp-transcribe pp-align pp-features pp-infer pp-retrieve pp-feedback pp-report; do test -x "$PP_BIN/$t" || exit 1; done'

test_lazy_prereq ROOTUSER 'test "$(id -u)" = 0'
test_lazy_prereq SLURM 'command -v slurmctld && command -v slurmd && command -v munged && command -v sbatch'
test_lazy_prereq PARALLEL 'parallel --version'

test_expect_success 'setup: a copy of the demo' '
	cp -R "$ROOT/examples/demo" "$TRASH/demo" &&
	rm -rf "$TRASH/demo/out" "$TRASH/demo/gen" &&
	cp "$ROOT/examples/cluster/"* "$TRASH/" &&
	awk -F"\t" "NR == 1 || \$2 ~ /json\$/" "$TRASH/demo/fixtures.tsv" >"$TRASH/demo/small.tsv"
'

if _check_prereq ROOTUSER && _check_prereq SLURM &&
	SLURM_CONF=$("$TESTS_DIR/cluster/slurm-up.sh" "$TRASH/slurm" 2>"$TRASH/slurm-up.err"); then
	export SLURM_CONF
	trap '"$TESTS_DIR/cluster/slurm-down.sh" "$TRASH/slurm"; cd /; rm -rf "$TRASH"' EXIT
	test_lazy_prereq SLURMUP 'true'
else
	echo "# Slurm could not start here: $(cat "$TRASH/slurm-up.err" 2>/dev/null | head -1)"
	test_lazy_prereq SLURMUP 'false'
fi

test_expect_success SLURMUP,CHAIN 'the job array builds every performance of the manifest' '
	n=$(($(wc -l <"$TRASH/demo/small.tsv") - 1)) &&
	test $n = 2 &&
	cd "$TRASH" &&
	PATH=$PP_BIN:$PATH sbatch --wait --array=1-$n -o "$TRASH/pp-%a.log" \
		"$TRASH/pp-array.sbatch" "$TRASH/demo" small.tsv out >submit.out &&
	grep -q "Submitted batch job" submit.out &&
	test -f demo/out/site/scale-played.html &&
	test -f demo/out/site/scale-deadpan.html &&
	make -s -C demo BIN="$PP_BIN" MANIFEST=small.tsv index &&
	test "$(jq ".performances | length" demo/out/site/api/performances.json)" = 2
'

test_expect_success PARALLEL,CHAIN 'GNU parallel runs the same commands' '
	cd "$TRASH" &&
	PATH=$PP_BIN:$PATH ./pp-parallel.sh demo small.tsv out-par >par.log 2>&1 &&
	test -f demo/out-par/site/scale-played.html &&
	test -f demo/out-par/site/index.html
'

test_done
