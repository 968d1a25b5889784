#!/bin/bash
# Failures on one rank and outputs nastro cannot write (issue 11), each must end the whole job with its message:
#  1. an injected failure on rank 1 alone (NASTRO_TEST_FAULT), and on rank 0 alone, during sampling of a 2-rank run:
#     the job exits non-zero within the grace time plus a margin (it used to hang with the other rank in a
#     collective), the message names the rank and the cause, no rank is left running, the output is not complete
#     and the outcome file says exit_code 1 with the message; nothing is left next to the output but the output and
#     the outcome file (an abort left Open MPI's OUTPUT.h5.data.N / .metadata.N and the run's locks); the same for a
#     spiking network whose rank 1 fails while rank 0 waits in the exchange (flat and two-level);
#  2. the output filling a small tmpfs on 2 ranks: the same (it hung on 2 ranks);
#  3. -o /dev/null, /dev/full (segfaulted after the error) and a directory: one error line naming the path;
#  4. an output path of about 250 characters on 2 ranks (Open MPI's sharedfp overflowed a buffer and aborted) runs;
#     a path of 4090 characters is refused with its length (it reported "no such checkpoint");
#  5. a second writer of the same output or checkpoint directory is refused (they interleaved samples), a failing
#     run over a complete output keeps it as OUTPUT.previous.h5 (it was overwritten), a stale lock is taken over.
# usage: failures.sh NASTRO SOURCE_ROOT
set -u
source "$(dirname "$0")/lib.sh" "$1"
src=$2
cleanup_extra() { if mountpoint -q "$tmp/full" 2>/dev/null; then umount "$tmp/full"; fi; }
export NASTRO_ERROR_GRACE=3
sim=(-model dam -dam_N 200 -dam_K 4 -quiet)
not_complete() { ! h5dump -a complete "$1" 2>/dev/null | grep -q '(0): 1'; } # 0, or unreadable after the abort
none_left() { ! pgrep -f "^$nastro .*-o $1"; }

# 1. one rank fails
for r in 1 0; do
  out="$tmp/fault$r.h5"
  start=$(date +%s)
  NASTRO_TEST_FAULT="sample $r 5" timeout 60 mpiexec -n 2 "$nastro" "${sim[@]}" -o "$out" >"$tmp/f$r.log" 2>&1
  rc=$? took=$(($(date +%s) - start))
  cp "$tmp/f$r.log" "$tmp/log"
  if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $took -le 20 ]; then ok "a failure on rank $r alone ends the 2-rank job (exit $rc, ${took} s)"
  else notok "a failure on rank $r alone: exit $rc after ${took} s (124: it hung)"; fi
  if [ $r -eq 1 ]; then want="^nastro: error on rank 1: NASTRO_TEST_FAULT: an injected failure at sample 5 on rank 1$"
  else want="^nastro: error: NASTRO_TEST_FAULT: an injected failure at sample 5 on rank 0$"; fi
  check "  its message names rank $r and the cause, once" test "$(grep -c "$want" "$tmp/f$r.log")" -eq 1
  check "  and says that all ranks were stopped" grep -q "^nastro: rank $r failed and the others did not within 3 s: stopping all 2 ranks" "$tmp/f$r.log"
  check "  no rank is left running" none_left "$out"
  check "  the output is not marked complete" not_complete "$out"
  check "  the outcome file says exit_code 1 and why" bash -c "grep -qx 'exit_code: 1' '${out%.h5}.status' && grep -q 'injected failure at sample 5 on rank $r' '${out%.h5}.status'"
  left=$(cd "$tmp" && ls -d "fault$r".* | grep -vx "fault$r.h5\|fault$r.status" | tr '\n' ' ')
  check "  nothing else is left next to the output (left: ${left:-nothing})" test -z "$left"
done
# the same in a spiking network, with each exchange: rank 1 fails at its 5th slice while rank 0 waits in the exchange
# (an all-gather, or the node's shared-window fence)
for x in node flat; do
  out="$tmp/netfault-$x.h5"
  start=$(date +%s)
  NASTRO_TEST_FAULT="slice 1 5" timeout 60 mpiexec -n 2 "$nastro" -network "$src/tests/data/net_brunel_small.yaml" \
    -network_set t_stop=200 -exchange $x -quiet -o "$out" >"$tmp/nf-$x.log" 2>&1
  rc=$? took=$(($(date +%s) - start))
  cp "$tmp/nf-$x.log" "$tmp/log"
  if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $took -le 20 ]; then ok "network, -exchange $x: a failure on rank 1 alone ends the job (exit $rc, ${took} s)"
  else notok "network, -exchange $x: a failure on rank 1 alone: exit $rc after ${took} s (124: it hung)"; fi
  check "  its message names rank 1 and the cause" grep -q "^nastro: error on rank 1: NASTRO_TEST_FAULT: an injected failure at slice 5 on rank 1$" "$tmp/nf-$x.log"
  check "  no rank is left running" none_left "$out"
  check "  the output is not marked complete" not_complete "$out"
  check "  the outcome file says exit_code 1" grep -qx 'exit_code: 1' "${out%.h5}.status"
  left=$(cd "$tmp" && ls -d "netfault-$x".* | grep -vx "netfault-$x.h5\|netfault-$x.status" | tr '\n' ' ')
  check "  nothing else is left next to the output (left: ${left:-nothing})" test -z "$left"
done
check "an error every rank meets is still one line and no abort" bash -c "! timeout 60 mpiexec -n 2 '$nastro' -model dam -dam_N 200 -dam_K 0 -quiet -o '$tmp/k0.h5' >'$tmp/k0.log' 2>&1; [ \$(grep -c 'nastro: error' '$tmp/k0.log') -eq 1 ] && ! grep -q MPI_ABORT '$tmp/k0.log'"

# 2. the output fills the disk
mkdir -p "$tmp/full"
if mount -t tmpfs -o size=300k tmpfs "$tmp/full" 2>/dev/null; then
  start=$(date +%s)
  timeout 60 mpiexec -n 2 "$nastro" -model dam -dam_N 2000 -output_interval 0.05 -quiet -o "$tmp/full/o.h5" >"$tmp/log" 2>&1
  rc=$? took=$(($(date +%s) - start))
  if [ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q "^nastro: error: HDF5 call failed" "$tmp/log"; then ok "an output filling the disk ends the 2-rank job (exit $rc, ${took} s): '$(grep -m1 'nastro: error' "$tmp/log")'"
  else notok "an output filling the disk on 2 ranks: exit $rc after ${took} s (124: it hung)"; fi
  check "  no rank is left running" none_left "$tmp/full/o.h5"
else
  echo "ok - full disk # SKIP this machine forbids mounting a tmpfs (mount failed)"
fi

# 3. outputs that are not files
for o in /dev/null /dev/full "$tmp"; do
  what="is a device or special file"; [ -d "$o" ] && what="is a directory"
  timeout 60 mpiexec -n 2 "$nastro" "${sim[@]}" -o "$o" >"$tmp/log" 2>&1
  rc=$?
  if [ $rc -ne 0 ] && [ $rc -lt 124 ] && [ "$(grep -c 'nastro: error' "$tmp/log")" -eq 1 ] && grep -q "^nastro: error: -o $o: $what, not a file" "$tmp/log"; then
    ok "-o $o: '$(grep 'nastro: error' "$tmp/log")'"
  else notok "-o $o: exit $rc"; fi
done

# 4. long paths
long="$tmp/$(printf 'd%.0s' $(seq 1 240))"
mkdir -p "$long"
check "an output path of $((${#long} + 7)) characters on 2 ranks" on_ranks 60 2 "${sim[@]}" -o "$long/out.h5"
check "  its output is complete" bash -c "h5dump -a complete '$long/out.h5' | grep -q '(0): 1'"
huge="$tmp/$(printf 'e%.0s' $(seq 1 4090))"
on_ranks 60 2 "${sim[@]}" -o "$huge" >"$tmp/log" 2>&1
rc=$?
if [ $rc -ne 0 ] && [ "$(grep -c 'nastro: error' "$tmp/log")" -eq 1 ] && grep -q "^nastro: error: -o $tmp/e*\.\.\.: too long (4110 characters, at most 4095)" "$tmp/log"; then
  ok "a path of $((${#huge})) characters: '$(grep 'nastro: error' "$tmp/log" | cut -c1-60)...'"
else notok "a path of ${#huge} characters: exit $rc"; fi

# 5. one writer per output and per checkpoint directory; a complete output is never lost to a failed run
slowrun=(-model naam -naam_N 40 -checkpoint_interval 1 -checkpoint_test_delay 0.1 -quiet) # about 5 s
timeout 60 "$nastro" "${slowrun[@]}" -o "$tmp/w.h5" >"$tmp/w1.log" 2>&1 &
first=$!
for _ in $(seq 1 200); do [ -f "$tmp/w.h5.lock" ] && break; sleep 0.05; done
timeout 60 "$nastro" "${sim[@]}" -o "$tmp/w.h5" >"$tmp/log" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q "^nastro: error: -o $tmp/w.h5: another run (pid [0-9]* on .*) is writing it: $tmp/w.h5.lock" "$tmp/log"; then
  ok "a second writer of the same -o is refused: '$(grep 'nastro: error' "$tmp/log" | cut -c1-90)...'"
else notok "a second writer of the same -o: exit $rc"; fi
timeout 60 "$nastro" "${sim[@]}" -o "$tmp/w2.h5" -checkpoint_dir "$tmp/w.ckpt" >"$tmp/log" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q "^nastro: error: -checkpoint_dir $tmp/w.ckpt: another run" "$tmp/log"; then
  ok "a second run on the same checkpoint directory is refused"
else notok "a second run on the same checkpoint directory: exit $rc"; fi
wait $first
rc=$?
check "  the first run completes undisturbed (exit $rc)" bash -c "[ $rc -eq 0 ] && h5dump -a complete '$tmp/w.h5' | grep -q '(0): 1'"
check "  and leaves no lock" bash -c "! ls '$tmp'/w.h5.lock '$tmp'/w.ckpt.lock 2>/dev/null"
sum=$(sha256sum "$tmp/w.h5" | cut -d' ' -f1)
NASTRO_TEST_FAULT="sample 0 3" timeout 60 "$nastro" "${slowrun[@]}" -o "$tmp/w.h5" >"$tmp/log" 2>&1
cp "$tmp/log" "$tmp/log.keep"
if [ "$(sha256sum "$tmp/w.previous.h5" 2>/dev/null | cut -d' ' -f1)" = "$sum" ] &&
   grep -q "the previous complete output is kept as $tmp/w.previous.h5" "$tmp/log.keep"; then
  ok "a failing run over a complete output keeps it as w.previous.h5, unchanged"
else notok "a failing run over a complete output keeps it as w.previous.h5, unchanged"; fi
check "  the failed output is not complete" not_complete "$tmp/w.h5"
check "  the next complete run removes the set-aside file" bash -c "timeout 60 '$nastro' ${sim[*]} -o '$tmp/w.h5' >/dev/null && ! [ -e '$tmp/w.previous.h5' ]"
timeout 60 "$nastro" "${slowrun[@]}" -o "$tmp/k.h5" >/dev/null 2>&1 &
for _ in $(seq 1 200); do [ -f "$tmp/k.h5.lock" ] && break; sleep 0.05; done
pkill -9 -f -- "-o $tmp/k.h5"
sleep 0.2
check "a lock left by a killed run is stale: a fresh run takes it over" bash -c "[ -f '$tmp/k.h5.lock' ] && timeout 60 '$nastro' ${sim[*]} -o '$tmp/k.h5' >/dev/null && ! [ -e '$tmp/k.h5.lock' ]"
finish
