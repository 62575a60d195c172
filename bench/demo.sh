#!/bin/sh
# bench/demo.sh - regenerates the fixture demo (examples/demo, fixtures.tsv)
# from scratch with make -j2 and reports the wall time, and the time of each
# stage summed over the performances (from the .time files the demo writes).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -R "$root/examples/demo" "$tmp/demo"
rm -rf "$tmp/demo/out" "$tmp/demo/gen"
t0=$(date +%s.%N)
if ! make -s -C "$tmp/demo" BIN="$root/bin" -j2 demo >"$tmp/log" 2>&1; then
	echo "demo: regeneration failed:"; tail -5 "$tmp/log"; exit 0
fi
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "demo: fixture manifest, make -j2, from scratch: %.2f s wall\n", b - a }'
cat "$tmp"/demo/out/*/*.time | awk '{ s[$1] += $2; n[$1]++ } END { for (k in s) printf "demo:   %-14s %8.3f s total over %d performances\n", k, s[k], n[k] }' | sort
t0=$(date +%s.%N)
make -s -C "$tmp/demo" BIN="$root/bin" -j2 demo >/dev/null 2>&1 || true
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "demo: second run (nothing to do): %.2f s wall\n", b - a }'
