#!/bin/sh
# Starts a single-node Slurm (munged + slurmctld + slurmd) with every file in DIR, for the
# future SlurmLauncher tests; nothing in /etc is used. Needs root and the Debian packages
# slurm-wlm and munge (install-engines.sh slurm). Usage: slurm-single-node.sh DIR [PORT_BASE]
# Then: SLURM_CONF=DIR/slurm.conf srun -N1 -n1 echo hello. Stop: kill the pids in DIR/*.pid.
# Verified on Debian 12 (Slurm 22.05.8, munge 0.5.15) in a container without systemd.
set -eu
d=$1
base=${2:-26817}
host=$(hostname)
mkdir -p "$d/state" "$d/spool" "$d/munge"
chmod 700 "$d/munge"
[ -f "$d/munge/munge.key" ] || { dd if=/dev/urandom of="$d/munge/munge.key" bs=1024 count=1 2>/dev/null; chmod 600 "$d/munge/munge.key"; }
munged -f --key-file="$d/munge/munge.key" --socket="$d/munge/munge.sock" --pid-file="$d/munge/munged.pid" \
  --log-file="$d/munge/munged.log" --seed-file="$d/munge/seed"
cat > "$d/slurm.conf" <<CONF
ClusterName=sp4j
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$base
SlurmdPort=$((base + 1))
AuthType=auth/munge
AuthInfo=socket=$d/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd.log
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1024 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$d/slurm.conf"
slurmctld -i
slurmd
i=0
until sinfo -h -o %t 2>/dev/null | grep -q idle; do
  i=$((i + 1)); [ $i -lt 100 ] || { echo "slurm-single-node.sh: the node did not become idle" >&2; exit 1; }
  sleep 0.1
done
echo "slurm-single-node.sh: SLURM_CONF=$d/slurm.conf"
