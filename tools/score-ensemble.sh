#!/bin/sh
# score-ensemble.sh - pp-infer --batch over the composition split's 187 test
# segments, scored against the PercePiano labels by train.py score: the
# figure README and train/RESULTS.md give for the ensemble pp-infer runs.
#
#   tools/score-ensemble.sh [-b BINDIR] [-m MODEL] [-o PRED.jsonl] [-s SPLITDIR] FEATDIR
#
# FEATDIR is tools/make-features.sh's output (its norm/ files are read).
# -m is pp-infer's --model (a file or a directory of fold models; default:
# the shipped ensemble). Prints train.py score's line; the predictions go
# to PRED.jsonl (default FEATDIR/ensemble.jsonl). Labels from
# $PP_SHARED/percepiano (default ../shared/data beside the repository).
# -s takes the test list from SPLITDIR/composition.json instead of
# data/splits (a redraw of train/splits.py --seed, for models trained on it).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/bin
MODEL=
PRED=
SPLITS=
usage="usage: score-ensemble.sh [-b BINDIR] [-m MODEL] [-o PRED.jsonl] [-s SPLITDIR] FEATDIR"
while getopts b:m:o:s: o; do
	case $o in
	b) BIN=$OPTARG ;;
	m) MODEL=$OPTARG ;;
	o) PRED=$OPTARG ;;
	s) SPLITS=$OPTARG ;;
	*) echo "$usage" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { echo "$usage" >&2; exit 2; }
FEAT=$1
PRED=${PRED:-$FEAT/ensemble.jsonl}
SHARED=${PP_SHARED:-$ROOT/../shared/data}
list=$(mktemp); trap 'rm -f "$list"' EXIT
split=${SPLITS:-$ROOT/data/splits}/composition.json
jq -r ".test[]" "$split" | sed "s|^|$FEAT/norm/|; s|\$|.safetensors|" >"$list"
[ -n "$SPLITS" ] || [ "$(wc -l <"$list")" = 187 ] || { echo "score-ensemble.sh: $split: not 187 test segments" >&2; exit 1; }
xargs "$BIN/pp-infer" --device cpu --batch ${MODEL:+--model "$MODEL"} <"$list" >"$PRED"
/usr/bin/python3 "$ROOT/train/train.py" score --split composition --splits "$(dirname "$split")" \
	--labels "$SHARED/percepiano/labels/label_2round_mean_reg_19_with0_rm_highstd0.json" "$PRED"
