#!/bin/sh
# pp-demo-cron.sh [MAKE ARGS...] - regenerates the demo results from cron.
#
# A lock file keeps two runs from overlapping (a run that finds the lock
# held logs one line and exits 0); every line of output is logged with a
# timestamp. Environment: PP_DEMO_DIR (default: this directory),
# PP_DEMO_LOG (default: $PP_DEMO_DIR/cron.log), PP_DEMO_LOCK (default:
# $PP_DEMO_DIR/.cron.lock), PP_DEMO_JOBS (default: 2).
set -u
dir=${PP_DEMO_DIR:-$(cd "$(dirname "$0")" && pwd)}
log=${PP_DEMO_LOG:-$dir/cron.log}
lock=${PP_DEMO_LOCK:-$dir/.cron.lock}
jobs=${PP_DEMO_JOBS:-2}

stamp() {
	while IFS= read -r line; do
		printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$line"
	done
}

exec 9>"$lock" || { echo "pp-demo-cron: '$lock': cannot open" >&2; exit 1; }
if ! flock -n 9; then
	echo "another run holds $lock; skipping" | stamp >>"$log"
	exit 0
fi
{
	echo "start: make -C $dir -j$jobs demo $*"
	rc=0
	make -C "$dir" -j"$jobs" demo "$@" 2>&1 || rc=$?
	echo "end: exit $rc"
} | stamp >>"$log"
