#!/bin/sh
# tests/cluster/slurm-up.sh DIR - starts a private single-node Slurm (munged,
# slurmctld, slurmd) with every file under DIR, on ports chosen from the
# process id, and prints the SLURM_CONF to export. Stop it with
# slurm-down.sh DIR. Used by tests/t0730-cluster.sh; needs root (slurmd
# launches jobs as the submitting user) and Debian's slurm-wlm and munge.
set -eu
dir=$1
mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
chmod 700 "$dir/munge"
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$dir/munge/munge.key"
munged --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.sock" \
	--pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" \
	--seed-file="$dir/munge/seed" --force 2>>"$dir/log/munged.err"
base=$((20000 + ($$ % 20000)))
host=$(hostname -s)
cpus=$(nproc)
cat >"$dir/slurm.conf" <<CONF
ClusterName=pptest
SlurmctldHost=$host
SlurmctldPort=$base
SlurmdPort=$((base + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MaxArraySize=5000
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=pp Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF" 2>>"$dir/log/slurmctld.err"
slurmd -f "$SLURM_CONF" 2>>"$dir/log/slurmd.err"
# Wait for the node to come up.
i=0
while [ $i -lt 60 ]; do
	if sinfo -h -o '%T' 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'; then
		echo "$SLURM_CONF"
		exit 0
	fi
	sleep 0.5
	i=$((i + 1))
done
echo "slurm-up: the node did not come up; see $dir/log" >&2
exit 1
