#!/bin/sh
# tools/bench.sh - runs every stage's benchmark (bench/*.sh) in turn and
# prints their reports. `make bench` calls this. Benchmarks measure; they
# never fail on a slow machine.
set -eu
cd "$(dirname "$0")/.."
found=0
for b in bench/*.sh; do
	[ -f "$b" ] || continue
	found=1
	echo "== $b"
	sh "$b"
done
[ $found = 1 ] || echo "bench: no benchmarks yet"
