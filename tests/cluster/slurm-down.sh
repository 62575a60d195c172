#!/bin/sh
# tests/cluster/slurm-down.sh DIR - stops what slurm-up.sh DIR started.
dir=$1
for p in slurmd slurmctld; do
	[ -f "$dir/$p.pid" ] && kill "$(cat "$dir/$p.pid")" 2>/dev/null
done
[ -f "$dir/munge/munged.pid" ] && kill "$(cat "$dir/munge/munged.pid")" 2>/dev/null
sleep 0.5
for p in slurmd slurmctld; do
	[ -f "$dir/$p.pid" ] && kill -9 "$(cat "$dir/$p.pid")" 2>/dev/null
done
exit 0
