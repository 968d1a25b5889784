#!/usr/bin/env bash
# Checkpoint and restart of spiking networks (docs/checkpoint.md): a run stopped by SIGUSR1, by its wall-time
# limit, or killed with kill -9 at random moments, and resumed on another rank count, gives the same spikes,
# traces and rates, bit for bit, as the uninterrupted run; a checkpoint of another network is refused.
# usage: network_checkpoint.sh NASTRO SOURCE_ROOT
set -u
source "$(dirname "$0")/lib.sh" "$1"
net=$2/tests/data/net_brunel_small.yaml
same=$(dirname "$0")/same_datasets.py
PY=/usr/bin/python3
long=(-network "$net" -network_set t_stop=1500 -quiet)
complete() { $PY -c "import h5py,sys; print(int(h5py.File(sys.argv[1],'r').attrs['complete']))" "$1" 2>/dev/null || echo none; }

check "the uninterrupted run (2 ranks)" on_ranks 300 2 "${long[@]}" -o "$tmp/ref.h5"

# Runs that are to be interrupted take at least 3 s on any machine: each of their 15 checkpoints (every
# 100 ms of 1500) sleeps 0.2 s (-checkpoint_test_delay), which changes nothing in what they compute.
slow=(-checkpoint_interval 100 -checkpoint_test_delay 0.2)

# SIGUSR1 to one rank after the first checkpoint: checkpoint at the end of the slice, exit 75, output
# incomplete; resume on 3 ranks
on_ranks 300 2 "${long[@]}" "${slow[@]}" -o "$tmp/usr1.h5" >"$tmp/usr1.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do ls "$tmp"/usr1.ckpt/ckpt-*.h5 >/dev/null 2>&1 && break; sleep 0.05; done
# to rank 1 alone (Slurm may signal one task; rank 0 must still stop every rank and name the signal)
for p in $(rank_pids "$tmp/usr1.h5" 1); do kill -USR1 "$p"; done
wait $pid
rc=$?
check "SIGUSR1 stops the run with exit code 75" test $rc -eq 75
check "  and says why (the signal and the rank it reached), where the checkpoint is" grep -q "stopped at t = .* ms (SIGUSR1 on rank 1): checkpoint in $tmp/usr1.ckpt" "$tmp/usr1.log"
check "  the output stays incomplete" test "$(complete "$tmp/usr1.h5")" = 0
check "  resumed on 3 ranks, the run completes" on_ranks 300 3 "${long[@]}" -restart "$tmp/usr1.ckpt" -o "$tmp/usr1.h5"
check "  spikes, traces and rates equal the uninterrupted run's" $PY "$same" "$tmp/ref.h5" "$tmp/usr1.h5" spikes traces rates

# the same with the exchange overlapped with the next slice (-exchange_overlap 1): the signal comes with the headers,
# acted on a slice later, after the slice in flight is finished; resumed on 1 rank without the overlap
on_ranks 300 2 "${long[@]}" "${slow[@]}" -exchange_overlap 1 -o "$tmp/ovl.h5" >"$tmp/ovl.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do ls "$tmp"/ovl.ckpt/ckpt-*.h5 >/dev/null 2>&1 && break; sleep 0.05; done
for p in $(rank_pids "$tmp/ovl.h5" 1); do kill -USR1 "$p"; done
wait $pid
check "-exchange_overlap 1: SIGUSR1 stops the run with exit code 75, naming the signal" \
  bash -c "test $? -eq 75 && grep -q 'stopped at t = .* ms (SIGUSR1 on rank 1)' '$tmp/ovl.log'"
check "  resumed on 1 rank (not overlapped), equal to the uninterrupted run" \
  bash -c "$(printf '%q ' timeout 300 "$nastro" "${long[@]}" -restart "$tmp/ovl.ckpt" -o "$tmp/ovl.h5") && $PY '$same' '$tmp/ref.h5' '$tmp/ovl.h5' spikes traces rates"

# a checkpoint between two d_min slices: taken at 100.5 ms (step 1005) in -exchange_overlap's half slices, with the
# astrocytes stepped every 10 steps (one SIC value per slice, and none sent in a half slice where they do not
# step), resumed without the overlap: its slices end at multiples of d_min again, so a slice never spans a step
# of the astrocytes it sends one value for (before 2026-12-03 the resumed run's slices started at 1005)
astro10=(-network "$net" -A_step_multiple 10 -quiet)
check "astrocytes every 10 steps: the uninterrupted run (1 rank)" on_ranks 300 1 "${astro10[@]}" -o "$tmp/a10.h5"
check "  overlapped on 2 ranks with a checkpoint at 100.5 ms" \
  on_ranks 300 2 "${astro10[@]}" -exchange_overlap 1 -checkpoint_interval 100.5 -o "$tmp/a10o.h5"
check "  resumed from it on 1 rank without the overlap: the same spikes and traces" \
  bash -c "test -e '$tmp/a10o.ckpt/ckpt-0000001005.h5' && $(printf '%q ' timeout 300 "$nastro" "${astro10[@]}" -restart "$tmp/a10o.ckpt" -o "$tmp/a10o.h5") && $PY '$same' '$tmp/a10.h5' '$tmp/a10o.h5' spikes traces"

# the wall-time limit
on_ranks 300 1 "${long[@]}" "${slow[@]}" -o "$tmp/wall.h5" -walltime_limit 1.2 >"$tmp/log" 2>&1
check "-walltime_limit stops with 75 before the end" test $? -eq 75
check "  resumed on 2 ranks, equal to the uninterrupted run" \
  bash -c "'$nastro' '${long[0]}' '${long[1]}' '${long[2]}' '${long[3]}' -quiet -restart '$tmp/wall.ckpt' -o '$tmp/wall.h5' >/dev/null && $PY '$same' '$tmp/ref.h5' '$tmp/wall.h5' spikes traces rates"

# a changed t_stop (docs/checkpoint.md): a complete run to 600 ms resumed from its last checkpoint (500 ms) with
# t_stop 1500 extends it to the uninterrupted run's output; an earlier t_stop than the checkpoint is refused
short=(-network "$net" -network_set t_stop=600 -quiet)
check "t_stop changed: a complete run to 600 ms with checkpoints (1 rank)" on_ranks 300 1 "${short[@]}" -checkpoint_interval 100 -o "$tmp/ext.h5"
check "  resumed on 2 ranks with t_stop 1500, it completes" on_ranks 300 2 "${long[@]}" -restart "$tmp/ext.ckpt" -o "$tmp/ext.h5"
check "  spikes, traces and rates equal the uninterrupted 1500 ms run's" $PY "$same" "$tmp/ref.h5" "$tmp/ext.h5" spikes traces rates
cp "$tmp/ext.h5" "$tmp/ext-keep.h5"
on_ranks 300 1 -network "$net" -network_set t_stop=300 -quiet -restart "$tmp/ext.ckpt" -o "$tmp/ext.h5" >"$tmp/early.log" 2>&1
check "  t_stop 300, before every checkpoint, is refused naming the checkpoints' times" \
  grep -q "^nastro: error: -restart $tmp/ext.ckpt: no valid checkpoint in the directory: checkpoint .*ckpt-0000005000.h5: taken at t = 500 ms, past this run's t_stop 300 ms" "$tmp/early.log"
check "  and leaves the output alone" cmp -s "$tmp/ext.h5" "$tmp/ext-keep.h5"

# kill -9 at random moments (three times, each while the ranks are running), resumed each time on another rank
# count, and then left to complete
RANDOM=42
for trial in 1 2 3; do
  out=$tmp/kill$trial.h5 ck=$tmp/kill$trial.ckpt ranks=$((1 + trial % 3)) kills=0 alive=1
  rm -rf "$out" "$ck"
  opts=(-o "$out" "${slow[@]}")
  attempts=0 rcs=""
  while [ "$(complete "$out")" != 1 ] && [ $attempts -lt 8 ]; do
    attempts=$((attempts + 1))
    restart=()
    [ -e "$ck/latest" ] && restart=(-restart "$ck")
    on_ranks 300 $ranks "${long[@]}" "${opts[@]}" "${restart[@]}" >"$tmp/log" 2>&1 &
    pid=$!
    sleep "0.$((3 + RANDOM % 7))"
    if [ $kills -lt 3 ] && pgrep -f "^$nastro .*$out" >/dev/null; then # alive: kill every rank (of this test)
      pkill -9 -f "^$nastro .*$out"
      kills=$((kills + 1))
    fi
    wait $pid 2>/dev/null
    rc=$?
    rcs="$rcs $ranks:$rc"
    [ $rc -eq 0 ] || [ $rc -eq 137 ] || { echo "#   trial $trial attempt $attempts on $ranks rank(s): exit $rc"; tail -n 3 "$tmp/log" | sed 's/^/#     /'; }
    ranks=$((1 + ranks % 3)) # 1 -> 2 -> 3 -> 1: every resume on another rank count
  done
  echo "#   trial $trial: ranks:exit status of each attempt:$rcs"
  check "kill -9 trial $trial: $kills kills, then complete" test "$(complete "$out")" = 1
  check "  killed at least once while running" test $kills -ge 1
  check "  spikes, traces and rates equal the uninterrupted run's" $PY "$same" "$tmp/ref.h5" "$out" spikes traces rates
done

# a checkpoint of another network is refused with one line, and the output is left alone
cp "$tmp/usr1.h5" "$tmp/keep.h5"
with_options long -network_set t_stop=1500,seed=8 -restart "$tmp/kill1.ckpt" -o "$tmp/keep.h5"
on_ranks 60 1 "${opts[@]}" >"$tmp/other.log" 2>&1
check "a checkpoint of another network is refused" test $? -ne 0
check "  with one line naming it" grep -q "^nastro: error: -restart $tmp/kill1.ckpt: no valid checkpoint in the directory: checkpoint .*: its network differs" "$tmp/other.log"
check "  the output is untouched" cmp -s "$tmp/usr1.h5" "$tmp/keep.h5"

# Brian 2's example 6 (tm_glio_synapse with its per-synapse state, Gamma_S, the closed loop, gap junctions, G-ChI
# releases as events, astrocytes on a 10 ms step), its first 2.4 s (the first releases come at 2.27 s, 0.27 s into
# the input step): stopped by SIGUSR1 on 2 ranks and resumed on 3, equal to the uninterrupted run
ex6=(-network "$2/examples/networks/brian_example6_coba.yaml" -quiet -network_set t_stop=2400)
check "example 6 (2.4 s), uninterrupted on 2 ranks" on_ranks 300 2 "${ex6[@]}" -o "$tmp/ex6ref.h5"
usr1_after_checkpoint 300 2 0 "$tmp/ex6.log" "${ex6[@]}" -checkpoint_interval 400 -checkpoint_test_delay 0.3 \
  -o "$tmp/ex6.h5"
check "  stopped by SIGUSR1 with exit 75" test $? -eq 75
check "  resumed on 3 ranks, it completes" on_ranks 300 3 "${ex6[@]}" -restart "$tmp/ex6.ckpt" -o "$tmp/ex6.h5"
check "  spikes (E, I and the releases of A), traces and rates equal the uninterrupted run's" \
  $PY "$same" "$tmp/ex6ref.h5" "$tmp/ex6.h5" spikes traces rates
check "  the run had releases and spikes to compare" $PY -c "
import h5py, sys
f = h5py.File(sys.argv[1], 'r')
sys.exit(0 if len(f['spikes/A/timestamps']) > 10 and len(f['spikes/E/timestamps']) > 100 else 1)" "$tmp/ex6ref.h5"

# a change of the exchange's node layout across a restart: stopped by SIGUSR1 on 4 ranks in 2 pseudo-nodes of 2
# (two-level exchange), resumed on 3 ranks in 3 nodes of 1, equal to the uninterrupted run (2 ranks, one node)
on_ranks 300 4 "${long[@]}" "${slow[@]}" -exchange_node_ranks 2 -o "$tmp/xnode.h5" >"$tmp/xnode.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do ls "$tmp"/xnode.ckpt/ckpt-*.h5 >/dev/null 2>&1 && break; sleep 0.05; done
for p in $(rank_pids "$tmp/xnode.h5" 3); do kill -USR1 "$p"; done
wait $pid
check "4 ranks in pseudo-nodes of 2, stopped by SIGUSR1 with exit 75" test $? -eq 75
check "  resumed on 3 ranks in nodes of 1, the run completes" \
  on_ranks 300 3 "${long[@]}" -exchange_node_ranks 1 -restart "$tmp/xnode.ckpt" -o "$tmp/xnode.h5"
check "  spikes, traces and rates equal the uninterrupted run's" $PY "$same" "$tmp/ref.h5" "$tmp/xnode.h5" spikes traces rates
finish
