#!/usr/bin/env bash
# Starts a single-node Slurm cluster on localhost from Debian packages, for
# scripts/test-slurm.sh: no systemd, no cgroups, no accounting. Run as root.
# Installs slurmctld, slurmd, slurm-client and munge when sbatch is missing,
# writes /etc/slurm/slurm.conf from `slurmd -C`, starts munged, slurmctld and
# slurmd (each daemonizes) and waits until the node is up.
#   scripts/start-slurm.sh          # install if needed, start
#   scripts/start-slurm.sh stop     # stop the daemons by their PID files
set -euo pipefail

if [ "${1:-}" = stop ]; then
  # By PID file, never by process name; the PID file is removed once the
  # process is gone (a stale /run/slurmctld.pid makes the package's prerm fail).
  for f in /run/slurmd.pid /run/slurmctld.pid /run/munge/munged.pid; do
    [ -s "$f" ] || continue
    pid=$(cat "$f"); kill "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null || rm -f "$f"
  done
  exit 0
fi

if ! command -v sbatch >/dev/null 2>&1 || ! command -v slurmctld >/dev/null 2>&1; then
  t0=$EPOCHREALTIME
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The minimal set (the slurm-wlm metapackage pulls every plugin and -dev package).
  apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
  echo "start-slurm: installed in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}') s"
fi

t0=$EPOCHREALTIME
HOST=$(hostname -s)

# munge: Debian's postinst creates the key; recreate only if missing.
[ -s /etc/munge/munge.key ] || mungekey --create --force
chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key
install -d -o munge -g munge -m 0755 /run/munge
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged
munge -n | unmunge >/dev/null            # abort early if munge is broken

# slurm.conf; the node line comes from `slurmd -C` (real CPUs/memory)
NODELINE=$(slurmd -C | sed -n 1p)
install -d -o slurm -g slurm /var/spool/slurmctld /var/log/slurm
install -d /var/spool/slurmd
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=local
SlurmctldHost=${HOST}
SlurmUser=slurm
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
${NODELINE} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

# daemons fork into the background themselves; -c = ignore saved state
pgrep -x slurmctld >/dev/null || slurmctld -c
pgrep -x slurmd    >/dev/null || slurmd -c
for i in $(seq 1 30); do
  grep -qE '^(idle|mixed|allocated)' <(sinfo -h -o '%T' 2>/dev/null) && break
  sleep 1
done
sinfo
echo "start-slurm: started in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}') s"
