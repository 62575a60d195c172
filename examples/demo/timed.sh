#!/bin/sh
# timed.sh STAGE TIMEFILE CMD... - runs CMD and, when it succeeds, writes
# "STAGE SECONDS" to TIMEFILE (atomically). The demo's final rule gathers
# these into performance_metrics; bench/demo.sh sums them per stage.
set -u
stage=$1 file=$2
shift 2
t0=$(date +%s.%N)
"$@" || exit $?
t1=$(date +%s.%N)
awk -v s="$stage" -v a="$t0" -v b="$t1" 'BEGIN { printf "%s %.6f\n", s, b - a }' >"$file.tmp" &&
	mv "$file.tmp" "$file"
