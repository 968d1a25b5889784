#!/bin/bash
# Stop signals of the rate models (docs/checkpoint.md), judged against an uninterrupted run:
#  1. SIGUSR1 to rank 1 alone of a 2-rank naam run (Slurm may signal one task): every rank stops at the same step,
#     the job exits 75 with a checkpoint, the message names the signal and the rank, and the resumed run equals
#     the uninterrupted one (/final and every time series, bitwise);
#  2. SIGHUP (a closed terminal) and SIGUSR2 to a 1-rank run: exit 75, a checkpoint, an identical resume;
#  3. a stop that falls due at the final step: the run completes;
#  4. SIGTERM and SIGINT to mpiexec itself (what `timeout` or a batch wrapper sends): Open MPI 4.1's mpiexec
#     returns 1 whatever the ranks do, but the outcome file OUTPUT.status says "exit_code: 75" with the signal
#     and the checkpoint, and the resume equals the uninterrupted run; the file says "running" during a run and
#     "exit_code: 0" after a complete one;
#  5. jobs/nastro-chain.sbatch outside Slurm, its mpirun sent SIGTERM: the script reads the outcome file and
#     treats the segment as checkpointed (75), not as a failure.
# usage: signals.sh NASTRO SOURCE_ROOT
set -u
source "$(dirname "$0")/lib.sh" "$1"
src=$(realpath "$2")

sim=(-naam_N 40 -naam_K 3 -naam_cue_flip 0.2 -ts_max_time 30 -ts_rtol 1e-11 -ts_atol 1e-11 -output_final -quiet)
slow=(-checkpoint_interval 0.25 -checkpoint_test_delay 0.02) # a checkpoint every few hundred steps, each slow enough that a run outlasts mpiexec's 1 s signal delay
same_as_ref() { # output file: every time series and the final state equal the uninterrupted run's, bitwise
  for d in /final /time /energy /overlaps /x; do h5diff "$tmp/ref.h5" "$1" "$d" || return 1; done
  [ "$(h5dump -a complete "$1" | grep -c '(0): 1')" -eq 1 ]
}
incomplete() { h5dump -a complete "$1" | grep -q '(0): 0'; }
wait_for_checkpoint() { # directory: returns once it holds a checkpoint (or after 20 s)
  for _ in $(seq 1 400); do ls "$1"/ckpt-*.h5 >/dev/null 2>&1 && return 0; sleep 0.05; done
}

check "uninterrupted reference run" on_ranks 120 1 "${sim[@]}" -o "$tmp/ref.h5"

# 1. SIGUSR1 to rank 1 only
timeout 120 mpiexec -n 2 "$nastro" "${sim[@]}" "${slow[@]}" -o "$tmp/u.h5" >"$tmp/u.log" 2>&1 &
runner=$!
wait_for_checkpoint "$tmp/u.ckpt"
sleep 0.2
pid1=$(rank_pids "$tmp/u.h5" 1)
[ -n "$pid1" ] && kill -USR1 "$pid1"
wait $runner
rc=$?
cp "$tmp/u.log" "$tmp/log"
if [ -n "$pid1" ] && [ $rc -eq 75 ]; then ok "SIGUSR1 to rank 1 (pid $pid1) alone: the 2-rank job exits 75"
else notok "SIGUSR1 to rank 1 (pid '$pid1') alone: exit code $rc, expected 75"; fi
check "  no rank is left running" bash -c "! pgrep -f '^$nastro .*-o $tmp/u.h5'"
check "  a checkpoint exists" bash -c "ls '$tmp/u.ckpt'/ckpt-*.h5"
cp "$tmp/u.log" "$tmp/log"
if grep -q "^stopped at t [0-9.e+-]*, step [0-9]* (SIGUSR1 on rank 1): checkpoint in $tmp/u.ckpt" "$tmp/u.log"; then
  ok "  the message names the signal and the rank: '$(grep '^stopped at' "$tmp/u.log")'"
else notok "  the message names the signal and the rank"; fi
check "  the output is not marked complete" incomplete "$tmp/u.h5"
check "  the resume on 2 ranks completes" on_ranks 120 2 "${sim[@]}" -restart "$tmp/u.ckpt"
check "  the resumed run equals the uninterrupted one (/final, /time, /energy, /overlaps, /x)" same_as_ref "$tmp/u.h5"

# 2. SIGHUP and SIGUSR2 to a 1-rank run, as a closed terminal or a batch system deliver them
for sig in HUP USR2; do
  rm -rf "$tmp/h.h5" "$tmp/h.ckpt"
  timeout 120 "$nastro" "${sim[@]}" "${slow[@]}" -o "$tmp/h.h5" >"$tmp/h.log" 2>&1 &
  runner=$!
  wait_for_checkpoint "$tmp/h.ckpt"
  sleep 0.2
  pkill -$sig -f -- "^$nastro .*-o $tmp/h.h5"
  wait $runner
  rc=$?
  cp "$tmp/h.log" "$tmp/log"
  if [ $rc -eq 75 ] && ls "$tmp/h.ckpt"/ckpt-*.h5 >/dev/null 2>&1 &&
     grep -q "^stopped at t .*, step .* (SIG$sig on rank 0): checkpoint in $tmp/h.ckpt" "$tmp/h.log"; then
    ok "SIG$sig: exit 75 with a checkpoint: '$(grep '^stopped at' "$tmp/h.log")'"
  else notok "SIG$sig: exit code $rc, expected 75 with a checkpoint and a message naming SIG$sig"; fi
  check "SIG$sig: the output is not marked complete" incomplete "$tmp/h.h5"
  check "SIG$sig: the resume completes" on_ranks 120 1 "${sim[@]}" -restart "$tmp/h.ckpt"
  check "SIG$sig: the resumed run equals the uninterrupted one" same_as_ref "$tmp/h.h5"
done

# 3. a stop that falls due at the final step: the run is complete, so it ends with 0 and complete = 1 (no claim of
#    a checkpoint that was never written). -walltime_limit 0.5 falls due at the first step, the only one.
rm -rf "$tmp/w.h5" "$tmp/w.ckpt"
with_options sim -ts_type euler -ts_dt 0.01 -ts_max_time 0.01 -walltime_limit 0.5 -o "$tmp/w.h5"
on_ranks 60 1 "${opts[@]}" >"$tmp/w.log" 2>&1
rc=$?
cp "$tmp/w.log" "$tmp/log"
if [ $rc -eq 0 ] && h5dump -a complete "$tmp/w.h5" | grep -q '(0): 1' && ! grep -q '^stopped at' "$tmp/w.log"; then
  ok "a stop due at the final step: the run completes (exit 0, complete = 1)"
else notok "a stop due at the final step: exit code $rc, expected 0 with complete = 1"; fi

# 4. SIGTERM and SIGINT to mpiexec itself: it sends the ranks SIGCONT, 1 s later SIGTERM and 1 s after that SIGKILL
#    (odls_base_sigkill_timeout), without waiting for their exit codes
status_of() { sed -n "s/^$2: //p" "$1" 2>/dev/null; } # outcome file, key
for sig in TERM INT; do
  rm -rf "$tmp/m.h5" "$tmp/m.ckpt" "$tmp/m.status"
  timeout 120 mpiexec -n 2 "$nastro" "${sim[@]}" "${slow[@]}" -o "$tmp/m.h5" >"$tmp/m.log" 2>&1 &
  runner=$!
  wait_for_checkpoint "$tmp/m.ckpt"
  sleep 0.2
  during=$(status_of "$tmp/m.status" exit_code)
  mpiexec_pid=$(pgrep -P $runner -x mpiexec || echo $runner) # timeout's child
  kill -$sig "$mpiexec_pid"
  wait $runner
  rc=$?
  { cat "$tmp/m.log"; echo "--- m.status:"; cat "$tmp/m.status"; } >"$tmp/log" 2>&1
  check "SIG$sig to mpiexec: the outcome file said 'running' during the run (it said '$during')" test "$during" = running
  if [ $rc -ne 0 ] && [ "$(status_of "$tmp/m.status" exit_code)" = 75 ] &&
     status_of "$tmp/m.status" status | grep -q "^stopped at t .*, step .* (SIGTERM on rank 0) with a checkpoint in $tmp/m.ckpt" &&
     [ "$(status_of "$tmp/m.status" checkpoint)" = "$tmp/m.ckpt" ] && ls "$tmp/m.ckpt"/ckpt-*.h5 >/dev/null 2>&1; then
    ok "SIG$sig to mpiexec: mpiexec returns $rc; the outcome file says exit_code 75: '$(status_of "$tmp/m.status" status)'"
  else notok "SIG$sig to mpiexec: mpiexec returned $rc, the outcome file says '$(status_of "$tmp/m.status" exit_code)'"; fi
  check "SIG$sig to mpiexec: the resume completes" on_ranks 120 2 "${sim[@]}" -restart "$tmp/m.ckpt"
  check "SIG$sig to mpiexec: the resumed run equals the uninterrupted one" same_as_ref "$tmp/m.h5"
  check "SIG$sig to mpiexec: after the resume the outcome file says exit_code 0" test "$(status_of "$tmp/m.status" exit_code)" = 0
done

# 5. the chained batch script outside Slurm: SIGTERM to its mpirun, as Slurm's scancel sends to every process
rm -rf "$tmp/c.h5" "$tmp/c.ckpt" "$tmp/c.status" "$tmp/c.failures"
echo "exit_code: 75" >"$tmp/c.status" # a stale file from an earlier segment must not be read
NASTRO=$nastro NASTRO_RANKS=2 timeout 120 bash "$src/jobs/nastro-chain.sbatch" none "$tmp/c.h5" "${sim[@]}" "${slow[@]}" >"$tmp/c.log" 2>&1 &
runner=$!
wait_for_checkpoint "$tmp/c.ckpt"
sleep 0.2
pkill -TERM -f "^mpirun -n 2 $nastro .*-o $tmp/c.h5"
wait $runner
rc=$?
cp "$tmp/c.log" "$tmp/log"
if [ $rc -eq 75 ] && grep -q "the launcher returned 1, but nastro's outcome file says exit 75" "$tmp/c.log" &&
   grep -q 'nastro stopped with a checkpoint (exit 75)' "$tmp/c.log" && [ ! -e "$tmp/c.failures" ]; then
  ok "nastro-chain.sbatch, SIGTERM to its mpirun: treated as checkpointed (exit 75, no failure counted)"
else notok "nastro-chain.sbatch, SIGTERM to its mpirun: exit $rc"; fi
check "nastro-chain.sbatch: run again, it resumes and completes" bash -c "NASTRO='$nastro' NASTRO_RANKS=2 timeout 120 bash '$src/jobs/nastro-chain.sbatch' none '$tmp/c.h5' ${sim[*]} >'$tmp/c2.log' 2>&1 && grep -q 'resuming from' '$tmp/c2.log'"
check "nastro-chain.sbatch: the chained run equals the uninterrupted one" same_as_ref "$tmp/c.h5"

finish
