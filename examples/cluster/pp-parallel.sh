#!/bin/sh
# pp-parallel.sh DEMO MANIFEST OUT [SSHLOGINFILE] - the demo's per-performance
# commands over GNU parallel: on this machine, or over ssh on the hosts of
# SSHLOGINFILE (each host needs the same pp checkout at the same path and a
# shared file system for OUT). Ends with the gallery.
set -eu
demo=$(cd "${1:?demo directory}" && pwd)
manifest=${2:-fixtures.tsv}
out=${3:-out}
logins=${4:-}
ids=$(awk -F'\t' 'NR > 1 && $1 != "" && $1 !~ /^#/ { print $1 }' "$demo/$manifest")
if [ -n "$logins" ]; then
	remote="--sshloginfile $logins --workdir $demo"
else
	remote=
fi
rc=0
# shellcheck disable=SC2086
echo "$ids" | parallel --halt never $remote \
	make -C "$demo" MANIFEST="$manifest" OUT="$out" "$out/site/{}.html" || rc=$?
make -C "$demo" MANIFEST="$manifest" OUT="$out" index
exit $rc
