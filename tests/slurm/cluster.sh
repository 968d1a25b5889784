#!/bin/bash
# A private one-machine Slurm cluster (munged, slurmctld, slurmd) for tests and local scaling studies.
# usage: tests/slurm/cluster.sh start DIR     installs slurm/munge if missing (apt, as root), writes
#                                             DIR/slurm.conf, starts the daemons, waits for the node to be
#                                             idle; prints "export SLURM_CONF=DIR/slurm.conf"
#        tests/slurm/cluster.sh stop DIR      stops the daemons it started (pids in DIR/pids), by pid
# Everything (state, spool, logs, munge socket and pid files) lives under DIR; the ports are chosen free,
# and munged gets its own socket, so this never touches a system Slurm or munge. Configuration as in
# /work/shared/docs/toolchain.md: proctrack/linuxproc, task/none, select/cons_tres with CR_Core,
# SlurmUser=root, auth/munge, JobRequeue=1, MpiDefault=pmix, the node line from `slurmd -C`.
# Exit status: 0 started; 2 Slurm cannot run here (reason on stderr, for a SKIP); 1 other failure.
set -u
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 1; }

stop() {
  [ -f "$dir/pids" ] || return 0
  local pid name
  # slurmd first (it kills its job steps), then slurmctld, then munged
  for name in slurmd slurmctld munged; do
    pid=$(awk -v n=$name '$1 == n {print $2}' "$dir/pids")
    [ -n "$pid" ] || continue
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    echo "stopped $name (pid $pid)" >&2
  done
  rm -f "$dir/pids"
}
if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 1; }

skip() { echo "SKIP: $*" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || skip "the one-machine cluster needs root (slurmd runs jobs as root)"
need=()
for p in slurmctld slurmd slurm-client munge; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "cluster: installing ${need[*]}" >&2
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"; } >"$dir.apt.log" 2>&1 ||
    skip "apt-get install ${need[*]} failed (no package repository reachable?): $(tail -1 "$dir.apt.log")"
fi
for b in slurmctld slurmd munged sbatch srun scontrol sinfo; do command -v $b >/dev/null || skip "$b not found after installing"; done

mkdir -p "$dir"/{state,spool,log,munge,munge-key}
chmod 755 "$dir"
free_port() { # a TCP port nobody listens on, from a range picked by our pid
  local p
  for p in $(seq $((20000 + ($$ % 400) * 50)) 2 $((20000 + ($$ % 400) * 50 + 48))); do
    ss -ltn 2>/dev/null | awk '{print $4}' | grep -q ":$p\$" || ss -ltn 2>/dev/null | awk '{print $4}' | grep -q ":$((p + 1))\$" || { echo $p; return; }
  done
  echo 20000
}
port=$(free_port)

# munged as the munge user, with a socket and key of its own
chown munge:munge "$dir/munge" "$dir/munge-key"; chmod 755 "$dir/munge"; chmod 700 "$dir/munge-key"
key=$dir/munge-key/munge.key
if [ -r /etc/munge/munge.key ]; then cp /etc/munge/munge.key "$key"; else dd if=/dev/urandom of="$key" bs=128 count=1 2>/dev/null; fi
chown munge:munge "$key"; chmod 400 "$key"
sock=$dir/munge/munge.socket
setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged --foreground --socket="$sock" --key-file="$key" \
  --log-file="$dir/munge/munged.log" --pid-file="$dir/munge/munged.pid" --seed-file="$dir/munge/munged.seed" 2>>"$dir/log/munged.out" &
echo "munged $!" >>"$dir/pids"
for _ in $(seq 1 50); do [ -S "$sock" ] && break; sleep 0.1; done
munge --socket="$sock" -n | unmunge --socket="$sock" >/dev/null 2>&1 ||
  { echo "munged did not start:" >&2; tail -5 "$dir/munge/munged.log" >&2; stop; exit 1; }

node=$(slurmd -C | head -1)
nodename=$(echo "$node" | sed 's/^NodeName=\([^ ]*\).*/\1/')
cat >"$dir/slurm.conf" <<EOF
# one-machine cluster written by tests/slurm/cluster.sh
ClusterName=nastro-test
SlurmctldHost=$nodename(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock,cred_expire=10
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
JobRequeue=1
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
KillWait=10
MinJobAge=600
SchedulerParameters=sched_interval=1
$node
PartitionName=debug Nodes=$nodename Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$dir/slurm.conf
/usr/sbin/slurmctld -D -c -f "$SLURM_CONF" >"$dir/log/slurmctld.out" 2>&1 &
echo "slurmctld $!" >>"$dir/pids"
for _ in $(seq 1 100); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.1; done
/usr/sbin/slurmd -D -f "$SLURM_CONF" >"$dir/log/slurmd.out" 2>&1 &
echo "slurmd $!" >>"$dir/pids"
for _ in $(seq 1 300); do
  [ "$(sinfo -h -n "$nodename" -o %t 2>/dev/null)" = idle ] && { echo "export SLURM_CONF=$SLURM_CONF"; exit 0; }
  sleep 0.1
done
echo "the node did not become idle within 30 s: $(sinfo -h -o '%t %E' 2>&1)" >&2
tail -5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2
stop
exit 1
