#!/bin/sh
# device-run.sh - train several runs at once for a bounded time, resumably,
# and hand back what fits: the way to use a lent GPU machine (`run` tool:
# at most 10 minutes a command, 15 minutes of device time a task, 64 MiB
# each way a call; the tracked models alone are 103 MB, so move them out
# of the tree for the call, as README's "GPU checks" shows).
#
#   train/device-run.sh [-s SECONDS] [-r RUNS] [-o OUT] [-e] PACK SPEC... [-- TRAIN_ARGS]
#
# SPEC is SPLIT:FOLD[:MODEL], e.g. composition:0 performer:3:bilstm.
# Every SPEC runs as its own train.py process, all at once (a GPU takes a
# dozen such runs; on a CPU give each a core), with recipe B (lr 5e-5,
# --standardize; TRAIN_ARGS are appended and may add --cpu --threads 1,
# --limit N, --lr ..., or --lr 2e-4 --ema 0.995 --ema-warmup --weight-decay 0
# --epochs 14, as the shipped models (model version 6) were trained: a later
# --lr wins). Each run stops after the epoch that crosses SECONDS (default
# 480, so that export fits in a 10-minute command) and resumes from
# RUNS/SPLIT-MODEL-fFOLD/last.pt when that exists: call it again, on the
# same warm machine, to train on, with the same TRAIN_ARGS (train.py
# refuses a resume with other options; only --epochs may change). RUNS
# defaults to build/runs (ignored by git, kept between calls while the
# machine stays warm).
# Under OUT (default $OUT, else build/device-out): logs/NAME/{log.jsonl,
# summary.json} and run.txt (each run's last line); with -e also
# models/SPLIT-fFOLD.safetensors (F16, export.py models --pack; HAN runs
# only; 25 MiB each, so at most two fit in one call's 64 MiB).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
PY=${PYTHON:-/usr/bin/python3}
SECONDS_MAX=480
RUNS=$here/../build/runs
OUTDIR=${OUT:-$here/../build/device-out}
EXPORT=0
while getopts s:r:o:eh o; do
	case $o in
	s) SECONDS_MAX=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	o) OUTDIR=$OPTARG ;;
	e) EXPORT=1 ;;
	h) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || { echo "device-run.sh: need PACK and at least one SPEC (-h for help)" >&2; exit 2; }
PACK=$1; shift
[ -f "$PACK" ] || { echo "device-run.sh: '$PACK': no such pack" >&2; exit 1; }
specs=
while [ $# -gt 0 ] && [ "$1" != -- ]; do specs="$specs $1"; shift; done
[ "${1-}" = -- ] && shift
mkdir -p "$RUNS" "$OUTDIR/logs"

# spec SPEC: sets split, fold, model and name (the run's folder) from SPEC
spec() {
	split=${1%%:*}
	rest=${1#"$split"}; rest=${rest#:}
	fold=${rest%%:*}
	model=${rest#"$fold"}; model=${model#:}; model=${model:-han}
	case $fold in [0-3]) ;; *) echo "device-run.sh: '$1': fold must be 0-3" >&2; exit 2 ;; esac
	name=$split-$model-f$fold
}

for s in $specs; do spec "$s"; done  # refuse a bad SPEC before any run starts
pids=
for s in $specs; do
	spec "$s"
	"$PY" "$here/train.py" train --pack "$PACK" --split "$split" --fold "$fold" \
		--model "$model" --lr 5e-5 --standardize --resume \
		--max-seconds "$SECONDS_MAX" --out "$RUNS/$name" "$@" \
		>"$RUNS/$name.out" 2>&1 &
	pids="$pids $!"
done
fail=0
for p in $pids; do wait "$p" || fail=1; done

: >"$OUTDIR/run.txt"
set --  # the trainings are done: "$@" now collects the HAN runs' best.pt
for s in $specs; do
	spec "$s"
	mkdir -p "$OUTDIR/logs/$name"
	cp "$RUNS/$name/log.jsonl" "$RUNS/$name/summary.json" "$OUTDIR/logs/$name/" 2>/dev/null || fail=1
	printf '%s: %s\n' "$name" "$(grep '"epoch"' "$RUNS/$name.out" | tail -1)" >>"$OUTDIR/run.txt"
	if [ "$model" = han ] && [ -f "$RUNS/$name/best.pt" ]; then
		set -- "$@" "$RUNS/$name/best.pt"
	fi
done
# one export.py for all runs: it reads the pack once
if [ "$EXPORT" = 1 ] && [ $# -gt 0 ]; then
	"$PY" "$here/export.py" models --pack "$PACK" --runs "$@" \
		--out "$OUTDIR/models" >>"$OUTDIR/run.txt" 2>&1 || fail=1
fi
cat "$OUTDIR/run.txt"
exit $fail
