#!/bin/bash
# The capacity study's batch of cue draws (-dam_cues, docs/capacity.md):
#  - the same batch on 1, 2, 3 and 4 ranks gives the same bits in /retrieval and /final/x (cues dealt out by rank,
#    each cue's sums in a fixed order);
#  - a Hopfield memory (n = 2) retrieves at K = 0.05 N, far below its capacity (about 0.14 N for error-free
#    patterns, less from a cue with 10 % of the signs flipped), and fails at K = 0.5 N, far above it: a model that
#    stored nothing fails the first, one that reported every cue retrieved fails the second;
#  - the batch's count matches the single-cue runs of the same draws (-dam_cue_draw), an independent path.
# usage: capacity.sh NASTRO
set -u
source "$(dirname "$0")/lib.sh" "$1"
PY=/usr/bin/python3
run() { local n=$1 out=$2; shift 2; on_ranks 300 "$n" "$@" -output_final -quiet -o "$out"; } # ranks, output, options...
# the attribute /retrieval/retrieved of FILE
retrieved() { "$PY" -c 'import sys, h5py; print(int(h5py.File(sys.argv[1], "r")["retrieval"].attrs["retrieved"]))' "$1"; }
# passes when the retrieved count of FILE lies in [lo, hi]
count_in() { local c; c=$(retrieved "$1") || return 1; echo "retrieved $c (want $2..$3)"; [ "$c" -ge "$2" ] && [ "$c" -le "$3" ]; }

batch="-model dam -dam_order 4 -dam_N 45 -dam_K 300 -dam_cues 21 -dam_cue_flip 0.2 -ts_max_time 10"
for n in 1 2 3 4; do check "dam batch of 21 cue draws on $n ranks" run $n "$tmp/b$n.h5" $batch; done
for n in 2 3 4; do
  for d in /retrieval /final/x; do
    check "batch $d on $n ranks is bitwise the 1-rank result" h5diff "$tmp/b1.h5" "$tmp/b$n.h5" $d
  done
done

hop="-model dam -dam_order 2 -dam_N 200 -dam_cues 100 -dam_cue_flip 0.1 -ts_max_time 20"
check "Hopfield K = 10 = 0.05 N, 100 cue draws" run 2 "$tmp/low.h5" $hop -dam_K 10
check "Hopfield K = 0.05 N retrieves at least 95 of 100 cue draws" count_in "$tmp/low.h5" 95 100
check "Hopfield K = 100 = 0.5 N, 100 cue draws" run 2 "$tmp/high.h5" $hop -dam_K 100
check "Hopfield K = 0.5 N retrieves at most 5 of 100 cue draws" count_in "$tmp/high.h5" 0 5

# the first 12 draws of a batch near capacity, one single-cue run each: the same verdict per draw
near="-model dam -dam_order 2 -dam_N 200 -dam_K 24 -dam_cue_flip 0.1 -ts_max_time 20"
check "Hopfield K = 24, 12 cue draws in one batch" run 1 "$tmp/near.h5" $near -dam_cues 12
singles() {
  local c h want
  for c in $(seq 0 11); do
    on_ranks 60 1 $near -dam_cue_draw $c -quiet -o "$tmp/s.h5" || return 1
    # the single run's distance to the cued pattern itself (hamming_sign -1: the distance is to -xi)
    h=$("$PY" -c 'import sys, h5py; a = h5py.File(sys.argv[1], "r").attrs; h = int(a["hamming_distance"]); print(h if a["hamming_sign"] > 0 else int(a["N"]) - h)' "$tmp/s.h5")
    want=$("$PY" -c 'import sys, h5py; print(int(h5py.File(sys.argv[1], "r")["retrieval/hamming"][int(sys.argv[2])]))' \
      "$tmp/near.h5" $c)
    echo "draw $c: single run Hamming $h, batch $want"
    [ $((h == 0)) -eq $((want == 0)) ] || return 1
  done
}
check "each draw's verdict in the batch equals its single-cue run (-dam_cue_draw)" singles
# -steady_state_tol: a batch that has settled ends there, complete, marked steady_state = 1, with the verdicts
# of the same batch run on to the horizon; a threshold it cannot reach runs to the horizon, marked 0
attrs() { "$PY" -c 'import sys, h5py; f = h5py.File(sys.argv[1], "r"); print(*[f.attrs[a] for a in sys.argv[2:]])' "$@"; }
settle="-model dam -dam_order 4 -dam_N 64 -dam_K 1100 -dam_cues 40 -dam_cue_flip 0.1 -ts_max_time 300 -ts_rtol 1e-3 -ts_atol 1e-3"
check "a batch with -steady_state_tol 1e-2" run 2 "$tmp/settled.h5" $settle -steady_state_tol 1e-2
check "the same batch to t = 300" run 2 "$tmp/horizon.h5" $settle
check "a batch with -steady_state_tol 1e-12 (not reachable)" run 2 "$tmp/unsettled.h5" $settle -steady_state_tol 1e-12
early() {
  read -r t s c <<<"$(attrs "$tmp/settled.h5" final_time steady_state complete)" || return 1
  echo "settled run: final_time $t, steady_state $s, complete $c"
  awk -v t="$t" 'BEGIN { exit !(t > 1 && t < 300) }' && [ "$s" = 1.0 ] && [ "$c" = 1 ]
}
check "the settled batch ended before the horizon, complete, steady_state 1" early
check "it gives the verdicts of the run to the horizon" h5diff "$tmp/settled.h5" "$tmp/horizon.h5" /retrieval/hamming
unsettled() {
  read -r t s <<<"$(attrs "$tmp/unsettled.h5" final_time steady_state)" || return 1
  echo "unsettled run: final_time $t, steady_state $s"; [ "$t" = 300.0 ] && [ "$s" = 0.0 ]
}
check "an unreachable threshold runs to the horizon, steady_state 0" unsettled
finish
