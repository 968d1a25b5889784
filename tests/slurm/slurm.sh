#!/bin/bash
# jobs/ against a real Slurm: a private one-machine cluster (tests/slurm/cluster.sh: munged, slurmctld,
# slurmd, installed with apt if missing), then
#  1. jobs/nastro.sbatch: the job completes and its output has complete = 1;
#  2. jobs/nastro-chain.sbatch: a run signalled (scancel --signal=USR1 --batch, as --signal=B:USR1 delivers
#     it) after its first checkpoint: the trap forwards it, nastro exits 75, the job requeues itself,
#     resumes from the checkpoint directory and completes; its /final equals a direct run's (h5diff);
#     a run that fails every time stops after NASTRO_MAX_FAILURES attempts with a message;
#  3. jobs/sweep.sh: a 1- and 2-rank strong-scaling study, then analysis/scaling_report.py: table and
#     figures exist, and its walls, speed-up, efficiency and communication share match the /timing records;
#  4. jobs/sweep.sh --network: a 1- and 2-rank weak study of a small network (scale grown with the ranks), then
#     analysis/scaling_report.py: its wall per biological second, efficiency, exchange share and spikes per
#     slice match the /timing records;
#  5. jobs/capacity.sbatch: two points of the capacity study as an array job, then analysis/capacity.py report;
#  6. the daemons are stopped by pid on exit, whatever happened (trap EXIT).
# SKIPs (exit 77) only when Slurm cannot run here at all (not root, or no packages to be had).
# usage: slurm.sh NASTRO SOURCE_DIR
set -u
nastro=$(realpath "$1")
src=$(realpath "$2")
export NASTRO=$nastro
tmp=$(mktemp -d /tmp/nastro-slurm.XXXXXX)
chmod 755 "$tmp"
cluster=$tmp/cluster
cleanup() {
  "$src/tests/slurm/cluster.sh" stop "$cluster"
  if [ $fail -ne 0 ] && [ -d "$cluster/log" ]; then echo "    (slurmctld log tail)"; tail -5 "$cluster/log/slurmctld.log" | sed 's/^/    /'; fi
  rm -rf "$tmp"
}
pass=0 fail=0
trap cleanup EXIT
ok() { pass=$((pass + 1)); echo "ok - $1"; }
notok() { fail=$((fail + 1)); echo "not ok - $1"; [ -f "$tmp/log" ] && sed 's/^/    /' "$tmp/log" | tail -25; }
check() { local what=$1; shift; if "$@" >"$tmp/log" 2>&1; then ok "$what"; else notok "$what"; fi; }
py=/usr/bin/python3

start=$(date +%s)
"$src/tests/slurm/cluster.sh" start "$cluster" >"$tmp/log" 2>&1; rc=$?
if [ $rc -eq 2 ]; then echo "ok - slurm # SKIP $(grep '^SKIP:' "$tmp/log" | sed 's/^SKIP: //')"; exit 77; fi
if [ $rc -ne 0 ]; then notok "one-machine Slurm cluster starts"; echo "$pass passed, $fail failed"; exit 1; fi
export SLURM_CONF=$cluster/slurm.conf
ok "one-machine Slurm cluster starts ($(sinfo -V 2>&1), node idle after $(($(date +%s) - start)) s)"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cd "$tmp"

state() { scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2; }
wait_job() { # job id, seconds: waits until the job has finished for good; prints its state
  local s
  for _ in $(seq 1 $((2 * $2))); do
    s=$(state "$1")
    case $s in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE) echo "$s"; return 0 ;; esac
    sleep 0.5
  done
  echo "still $s after $2 s"; return 1
}
attr() { $py -c "import h5py,sys; print(h5py.File(sys.argv[1],'r').attrs[sys.argv[2]])" "$1" "$2" 2>/dev/null; }
exitcode() { scontrol show job "$1" | grep -o ' ExitCode=[0-9:]*' | cut -d= -f2; }

# 1. one run
sim=(-naam_N 60 -naam_K 3 -quiet)
printf '%s\n' "-naam_cue_flip 0.2" "-output_final" >"$tmp/opts.txt"
j1=$(sbatch --parsable -n 2 -t 5 -o "$tmp/single.log" "$src/jobs/nastro.sbatch" "$tmp/opts.txt" "$tmp/single.h5" "${sim[@]}")
s1=$(wait_job "$j1" 120)
if [ "$s1" = COMPLETED ] && [ "$(exitcode "$j1")" = 0:0 ] && [ "$(attr "$tmp/single.h5" complete)" = 1 ] &&
   [ "$(attr "$tmp/single.h5" mpi_ranks)" = 2 ] && grep -q 'srun --mpi=pmix' "$tmp/single.log"; then
  ok "nastro.sbatch: job $j1 $s1 on 2 ranks through srun --mpi=pmix, output complete = 1"
else cp "$tmp/single.log" "$tmp/log" 2>/dev/null; notok "nastro.sbatch: job $j1 state '$s1', exit $(exitcode "$j1"), complete '$(attr "$tmp/single.h5" complete)'"; fi
check "nastro.sbatch: the options file reached nastro (-output_final gave /final)" h5ls "$tmp/single.h5/final"

# 2. the checkpointed chain: a signal after the first checkpoint, requeue, resume, completion. The run must
#    outlast its first checkpoint by seconds on any machine: each of its 20 checkpoints sleeps 0.4 s
#    (-checkpoint_test_delay), so it takes at least 8 s however fast the machine computes.
chain=(-naam_N 100 -naam_K 3 -ts_type rk -ts_adapt_type none -ts_dt 0.01 -ts_max_time 40 -output_final -quiet)
timeout 300 mpirun -n 2 "$nastro" "${chain[@]}" -o "$tmp/direct.h5" >"$tmp/direct.log" 2>&1
check "direct run of the chain's problem completes" test "$(attr "$tmp/direct.h5" complete)" = 1
j2=$(sbatch --parsable -n 2 -t 10 -o "$tmp/chain.log" "$src/jobs/nastro-chain.sbatch" none "$tmp/chain.h5" "${chain[@]}" -checkpoint_interval 2 -checkpoint_test_delay 0.4)
for _ in $(seq 1 240); do ls "$tmp"/chain.ckpt/ckpt-*.h5 >/dev/null 2>&1 && break; sleep 0.25; done
sleep 1
scancel --signal=USR1 --batch "$j2"
signalled_at=$(date +%s)
s2=$(wait_job "$j2" 240)
restarts=$(scontrol show job "$j2" | grep -o 'Restarts=[0-9]*' | cut -d= -f2)
cp "$tmp/chain.log" "$tmp/log"
if grep -q 'got SIGUSR1, forwarding' "$tmp/chain.log" && grep -q 'stopped with a checkpoint (exit 75)' "$tmp/chain.log"; then
  ok "chain: job $j2 signalled, the trap forwarded SIGUSR1, nastro checkpointed and exited with 75"
else notok "chain: signal forwarded and exit 75"; fi
if grep -q "requeueing job $j2" "$tmp/chain.log" && [ "${restarts:-0}" -ge 1 ] && grep -q 'segment 2: resuming from' "$tmp/chain.log" &&
   grep -q '^resuming at t ' "$tmp/chain.log"; then
  ok "chain: requeued ($restarts restart(s)) and resumed from the newest checkpoint ($(grep -m1 '^resuming at t ' "$tmp/chain.log" | cut -d' ' -f1-6))"
else notok "chain: requeue and resume (restarts '$restarts')"; fi
if [ "$s2" = COMPLETED ] && grep -q 'chain finished' "$tmp/chain.log" && [ "$(attr "$tmp/chain.h5" complete)" = 1 ]; then
  ok "chain: completed by itself $(($(date +%s) - signalled_at)) s after the signal, output complete = 1"
else notok "chain: completes (state '$s2')"; fi
check "chain: final state equals the direct run's (h5diff /final)" h5diff "$tmp/direct.h5" "$tmp/chain.h5" /final
check "chain: time series equal the direct run's (h5diff /time /x)" bash -c "h5diff '$tmp/direct.h5' '$tmp/chain.h5' /time && h5diff '$tmp/direct.h5' '$tmp/chain.h5' /x"

# the same chain for a spiking network, given as its network file: signalled after its first checkpoint,
# requeued, resumed, and bitwise equal to the direct run (15 checkpoints of 0.4 s each: at least 6 s)
netchain=(-network_set t_stop=1500 -quiet)
timeout 300 mpirun -n 2 "$nastro" -network "$src/tests/data/net_brunel_small.yaml" "${netchain[@]}" -o "$tmp/netdirect.h5" >"$tmp/netdirect.log" 2>&1
j4=$(sbatch --parsable -n 2 -t 10 -o "$tmp/netchain.log" "$src/jobs/nastro-chain.sbatch" "$src/tests/data/net_brunel_small.yaml" "$tmp/netchain.h5" "${netchain[@]}" -checkpoint_interval 100 -checkpoint_test_delay 0.4)
for _ in $(seq 1 240); do ls "$tmp"/netchain.ckpt/ckpt-*.h5 >/dev/null 2>&1 && break; sleep 0.25; done
sleep 1
scancel --signal=USR1 --batch "$j4"
s4=$(wait_job "$j4" 240)
cp "$tmp/netchain.log" "$tmp/log"
if [ "$s4" = COMPLETED ] && grep -q 'stopped with a checkpoint (exit 75)' "$tmp/netchain.log" &&
   grep -q 'segment 2: resuming from' "$tmp/netchain.log" && [ "$(attr "$tmp/netchain.h5" complete)" = 1 ]; then
  ok "network chain: job $j4 checkpointed on the signal (exit 75), was requeued, resumed and completed"
else notok "network chain: checkpoint, requeue, resume, completion (state '$s4')"; fi
check "network chain: spikes, traces and rates equal the direct run's" \
  $py "$src/tests/mpi/same_datasets.py" "$tmp/netdirect.h5" "$tmp/netchain.h5" spikes traces rates

# a run that fails every time (bad input: exit 1) stops after NASTRO_MAX_FAILURES attempts. Its time limit
# stays above the script's --signal margin (300 s, and Slurm may signal up to 60 s early): with -t 5 the
# warning signal could come at once and stop a segment before nastro failed (exit 138, seen once)
j3=$(NASTRO_MAX_FAILURES=2 sbatch --parsable -n 1 -t 10 -o "$tmp/fail.log" "$src/jobs/nastro-chain.sbatch" none "$tmp/fail.h5" -naam_N 60 -naam_cue_flip 1.5)
s3=$(wait_job "$j3" 120)
r3=$(scontrol show job "$j3" | grep -o 'Restarts=[0-9]*' | cut -d= -f2)
cp "$tmp/fail.log" "$tmp/log" 2>/dev/null
# (srun may lose a failed task's last line when it kills the step, so the error line is required once, not twice)
if [ "$s3" = FAILED ] && [ "${r3:-0}" -eq 1 ] && grep -q 'nastro: error: -naam_cue_flip 1.5' "$tmp/fail.log" &&
   grep -q 'nastro failed with exit status 1, 2 times in a row .*giving up, not requeueing' "$tmp/fail.log"; then
  ok "chain: a run failing each time stops after 2 attempts with '$(grep -o 'nastro failed with exit status [0-9]*, [0-9]* times in a row' "$tmp/fail.log")'"
else notok "chain: repeated failures stop the chain (state '$s3', restarts '$r3', $(grep -c 'nastro: error: -naam_cue_flip 1.5' "$tmp/fail.log") error lines, $(grep -c 'giving up' "$tmp/fail.log") giving-up lines)"; fi

# 3. a strong-scaling sweep on 1 and 2 ranks and its report
if timeout 240 "$src/jobs/sweep.sh" "$tmp/study" --type strong --ranks "1 2" --N 120 --wait >"$tmp/log" 2>&1; then
  ok "sweep.sh: 1- and 2-rank strong study submitted as dependent jobs, both outputs complete"
else notok "sweep.sh: strong study"; fi
check "sweep.sh: manifest lists both runs" bash -c "[ \$(tail -n +2 '$tmp/study/manifest.tsv' | grep -c '^strong	[12]	120	strong-p000[12]-N120.h5	[0-9]') -eq 2 ]"
$py "$src/analysis/scaling_report.py" "$tmp/study" >"$tmp/report.txt" 2>&1; rc=$?
cp "$tmp/report.txt" "$tmp/log"
if [ $rc -eq 0 ] && grep -q 'speedup' "$tmp/report.txt" && [ "$(grep -c '^ *strong' "$tmp/report.txt")" -eq 2 ] &&
   [ -s "$tmp/study/scaling-strong.png" ] && file "$tmp/study/scaling-strong.png" | grep -q 'PNG image'; then
  ok "scaling_report.py: table with 2 runs and scaling-strong.png"
else notok "scaling_report.py: table and figure (exit $rc)"; fi
# the report's numbers against the runs' own /timing records, read independently with h5dump
h5attr() { h5dump -m %.17g -a "/timing/$2" "$1" | sed -n 's/^ *(0): //p'; }
consistent() {
  local w1 w2 c2 tsv=$tmp/study/scaling.tsv
  w1=$(h5attr "$tmp/study/strong-p0001-N120.h5" wall_max); w2=$(h5attr "$tmp/study/strong-p0002-N120.h5" wall_max)
  c2=$(h5attr "$tmp/study/strong-p0002-N120.h5" communication_max)
  echo "h5dump: wall 1 rank $w1, 2 ranks $w2, communication 2 ranks $c2"; cat "$tsv"
  awk -F'\t' -v w1="$w1" -v w2="$w2" -v c2="$c2" '
    function near(a, b) { return (a - b) ^ 2 <= (1e-9 * (b < 0 ? -b : b) + 1e-12) ^ 2 }
    NR > 1 && $2 == 1 { n++; if (!near($6, w1) || !near($7, 1) || !near($8, 1)) bad = bad " p=1" }
    NR > 1 && $2 == 2 { n++; if (!near($6, w2) || !near($7, w1 / w2) || !near($8, w1 / w2 / 2) || !near($9, c2 / w2)) bad = bad " p=2" }
    END { if (bad != "" || n != 2) { print "mismatch:" bad, "rows", n; exit 1 } }' "$tsv"
}
check "scaling_report.py: wall, speed-up, efficiency and communication share agree with /timing" consistent
# and the printed table shows the same speed-up, rounded
check "scaling_report.py: printed speed-up is the record's ratio" bash -c "w1=\$(h5dump -m %.17g -a /timing/wall_max '$tmp/study/strong-p0001-N120.h5' | sed -n 's/^ *(0): //p'); w2=\$(h5dump -m %.17g -a /timing/wall_max '$tmp/study/strong-p0002-N120.h5' | sed -n 's/^ *(0): //p'); want=\$(awk -v a=\$w1 -v b=\$w2 'BEGIN{printf \"%.2f\", a/b}'); awk '\$1==\"strong\" && \$2==2 {print \$7}' '$tmp/report.txt' | grep -qx \"\$want\""

# 4. a network weak-scaling sweep (scale grown with the ranks, as Jiang et al. grow the benchmark) on 1 and 2
#    ranks, its report, and the report's numbers against the runs' /timing
if timeout 240 "$src/jobs/sweep.sh" "$tmp/netstudy" --network "$src/tests/data/net_brunel_small.yaml" --type weak \
     --weak-scale 1 --ranks "1 2" --t-stop 50 --wait >"$tmp/log" 2>&1; then
  ok "sweep.sh --network: 1- and 2-rank weak study (scale 1, 2) submitted, both outputs complete"
else notok "sweep.sh --network: weak study"; fi
check "sweep.sh --network: manifest lists both runs with their scale" bash -c "[ \$(tail -n +2 '$tmp/netstudy/manifest.tsv' | grep -cE '^weak	(1	-	weak-p0001-s1.h5	[0-9]+	1|2	-	weak-p0002-s2.h5	[0-9]+	2)\$') -eq 2 ]"
netargs() { # each run its own scale and the study's t_stop, in one -network_set, on its ranks
  local set='import h5py, sys; v = h5py.File(sys.argv[1], "r").attrs["network_set"]; print(v.decode() if isinstance(v, bytes) else v)'
  [ "$($py -c "$set" "$tmp/netstudy/weak-p0001-s1.h5")" = scale=1,t_stop=50 ] &&
    [ "$($py -c "$set" "$tmp/netstudy/weak-p0002-s2.h5")" = scale=2,t_stop=50 ] &&
    [ "$(attr "$tmp/netstudy/weak-p0002-s2.h5" mpi_ranks)" = 2 ] && [ "$(h5attr "$tmp/netstudy/weak-p0002-s2.h5" ranks)" = 2 ]
}
check "sweep.sh --network: the runs got their scale and t_stop (one -network_set) and their ranks" netargs
$py "$src/analysis/scaling_report.py" "$tmp/netstudy" >"$tmp/report.txt" 2>&1; rc=$?
cp "$tmp/report.txt" "$tmp/log"
if [ $rc -eq 0 ] && grep -q 'spikes/slice' "$tmp/report.txt" && [ "$(grep -c '^ *weak ' "$tmp/report.txt")" -eq 2 ] &&
   file "$tmp/netstudy/scaling-network-weak.png" | grep -q 'PNG image'; then
  ok "scaling_report.py: network table with 2 runs and scaling-network-weak.png"
else notok "scaling_report.py: network table and figure (exit $rc)"; fi
netconsistent() { # wall per biological second, weak efficiency T(1)/T(2), exchange share and spikes per slice
  local r1 r2 x2 s2 n2 tsv=$tmp/netstudy/scaling_network.tsv
  r1=$(h5attr "$tmp/netstudy/weak-p0001-s1.h5" run); r2=$(h5attr "$tmp/netstudy/weak-p0002-s2.h5" run)
  x2=$(h5attr "$tmp/netstudy/weak-p0002-s2.h5" exchange); s2=$(h5attr "$tmp/netstudy/weak-p0002-s2.h5" spikes)
  n2=$(h5attr "$tmp/netstudy/weak-p0002-s2.h5" slices)
  echo "h5dump: run 1 rank $r1, 2 ranks $r2; 2 ranks: exchange $x2, spikes $s2, slices $n2"; cat "$tsv"
  awk -F'\t' -v r1="$r1" -v r2="$r2" -v x2="$x2" -v s2="$s2" -v n2="$n2" '
    function near(a, b) { return (a - b) ^ 2 <= (1e-9 * (b < 0 ? -b : b) + 1e-12) ^ 2 }
    NR > 1 && $2 == 1 { n++; if (!near($6, r1 / 0.05) || !near($8, 1)) bad = bad " p=1" }
    NR > 1 && $2 == 2 { n++; if (!near($6, r2 / 0.05) || !near($8, r1 / r2) || !near($7, 2 * r1 / r2) || !near($10, x2 / r2) ||
                              !near($13, s2 / n2)) bad = bad " p=2" }
    END { if (bad != "" || n != 2) { print "mismatch:" bad, "rows", n; exit 1 } }' "$tsv"
}
check "scaling_report.py: network wall per biological s, efficiency, exchange share, spikes per slice agree with /timing" netconsistent

# 5. jobs/capacity.sbatch: the first two searches of the capacity study's quick plan as a 2-task array on 2
#    ranks each, then analysis/capacity.py report: both points exist and the table holds their K_max
plan=$($py "$src/analysis/capacity.py" plan --quick --parts dam | head -2)
ja=$(NASTRO_TOP=$src sbatch --parsable --array=0-1 -n 2 -t 10 -o "$tmp/capacity-%a.log" "$src/jobs/capacity.sbatch" "$tmp/capacity" --quick --parts dam)
sa=$(wait_job "${ja}_0" 240)/$(wait_job "${ja}_1" 240) # an array's tasks one by one
cat "$tmp"/capacity-*.log >"$tmp/log" 2>/dev/null
points() {
  local f
  for f in dam_n2_N16_f0.1 dam_n2_N23_f0.1; do [ -s "$tmp/capacity/points/$f.json" ] || { echo "no $f.json"; return 1; }; done
  $py "$src/analysis/capacity.py" report --out "$tmp/capacity" --csv "$tmp/capacity/capacity.csv" --figures "$tmp/capacity" || return 1
  # the table's rows against the points' own K_max, read independently
  $py - "$tmp/capacity" <<'PYEOF'
import csv, json, sys
d = sys.argv[1]
rows = {(r["model"], int(r["n"]), int(r["N"]), float(r["flip"])): int(r["K_max"]) for r in csv.DictReader(open(d + "/capacity.csv"))}
for N in (16, 23):
    p = json.load(open("%s/points/dam_n2_N%d_f0.1.json" % (d, N)))
    assert p["K_max"] >= 1 and rows[("dam", 2, N, 0.1)] == p["K_max"], (N, p["K_max"], rows)
print("capacity.csv rows", rows)
PYEOF
}
if [ "$sa" = COMPLETED/COMPLETED ] && grep -q 'capacity.sbatch: task 1: point --model dam --order 2 --N 23' "$tmp/log"; then
  ok "capacity.sbatch: array job $ja ran the plan's points 0 and 1 ($(tr '\n' ';' <<<"$plan"))"
else notok "capacity.sbatch: array job $ja state '$sa'"; fi
check "capacity.py report: both searches' K_max in capacity.csv" points

echo "slurm test took $(($(date +%s) - start)) s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
