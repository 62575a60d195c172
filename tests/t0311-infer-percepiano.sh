#!/bin/sh
# The shipped HAN ensemble on the features today's code makes (SHARED): all
# labelled PercePiano segments through pp-align and pp-features
# (tools/make-features.sh, as for training), then pp-infer --batch over the
# composition split's 187 test segments, scored against the labels by
# train.py score (tools/score-ensemble.sh). Guards the model figures in
# README and train/RESULTS.md against drift in the aligner or the features, which the models never see
# coming (the third session's figure, 0.365, could not be reproduced from
# a clean checkout: 0.358 here; the model version 3 set, trained on these
# features, scores 0.368 and 0.271; version 4, at lr 2e-4, 0.386 and 0.296;
# version 5, without weight decay, 0.444 and 0.353; version 6, 14 epochs,
# 0.460 and 0.374).
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
test_lazy_prereq NUMPY '$PY -c "import numpy"'

test_expect_success SHARED,NUMPY,NOTSAN 'ensemble on the composition test set: R2 >= 0.455, within-segment R2 >= 0.37' '
	"$ROOT/tools/make-features.sh" -j 2 -b "$PP_BIN" feat >/dev/null &&
	"$ROOT/tools/score-ensemble.sh" -b "$PP_BIN" -o pred.jsonl feat >score 2>err &&
	cat score &&
	r2=$(sed -n "s/.*: R2 \([0-9.]*\) .*/\1/p" score) &&
	w=$(sed -n "s/.*within-segment R2 \([0-9.-]*\) .*/\1/p" score) &&
	echo "# ensemble R2 $r2, within-segment R2 $w" &&
	awk -v r2="$r2" -v w="$w" "BEGIN { exit !(r2 >= 0.455 && w >= 0.37) }"
'

test_expect_success SHARED,NUMPY,NOTSAN 'score-ensemble.sh -s DIR scores the test list of another split file' '
	mkdir sub &&
	jq ".test |= .[:12]" "$ROOT/data/splits/composition.json" >sub/composition.json &&
	"$ROOT/tools/score-ensemble.sh" -b "$PP_BIN" -s sub -o pred2.jsonl feat >score2 &&
	test $(wc -l <pred2.jsonl) = 12 &&
	grep "^composition test, 12 segments: R2 -\{0,1\}[0-9.]*  MSE" score2
'

test_done
