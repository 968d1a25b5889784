#!/bin/bash
# Checkpoints do not depend on the width of PETSc's indices (README, Building): every index a checkpoint or output
# file stores is a fixed 64-bit integer or a double. A run checkpointed by one build resumes in the other, both
# ways, and ends bitwise as the uninterrupted run of the first: a naam run stopped by -ts_max_steps (exit 75) and a
# spiking network stopped by SIGUSR1 after its first checkpoint, resumed on another rank count. The two builds'
# uninterrupted runs are bitwise the same too.
# usage: checkpoint_builds.sh NASTRO_32 NASTRO_64 SOURCE_ROOT   (builds with -Dpetsc=PETSc and -Dpetsc=PETSc64)
set -u
source "$(dirname "$0")/lib.sh" "$1"
a=$(realpath "$1") b=$(realpath "$2")
net=$3/tests/data/net_brunel_small.yaml
same=$(dirname "$0")/same_datasets.py
for x in "$a" "$b"; do # the banner names the width: "(git ..., 64-bit indices)" with PETSc64
  "$x" -help 2>/dev/null | grep -m1 '^nastro [0-9]'
done >"$tmp/banners"
check "the two binaries are a 32-bit and a 64-bit build" test "$(grep -c '64-bit indices' "$tmp/banners")" -eq 1
sim=(-naam_N 40 -naam_K 3 -naam_cue_flip 0.2 -ts_max_time 30 -ts_rtol 1e-9 -ts_atol 1e-9 -output_final -quiet)
same_naam() { # output files: every time series and the final state equal, bitwise, and the second complete
  for d in /final /time /energy /overlaps /x; do h5diff "$1" "$2" "$d" || return 1; done
  [ "$(h5dump -a complete "$2" | grep -c '(0): 1')" -eq 1 ]
}
expect_rc() { local want=$1; shift; "$@"; local rc=$?; [ "$rc" -eq "$want" ] || { echo "exit code $rc, expected $want"; return 1; }; }
long=(-network "$net" -network_set t_stop=1500 -quiet)
slow=(-checkpoint_interval 100 -checkpoint_test_delay 0.2) # at least 3 s: the signal comes after the first checkpoint

for dir in "$a $b" "$b $a"; do
  read -r first second <<<"$dir"
  bits() { if "$1" -help 2>/dev/null | grep -m1 '^nastro [0-9]' | grep -q '64-bit'; then echo 64; else echo 32; fi; }
  w1=$(bits "$first")-bit w2=$(bits "$second")-bit
  rm -rf "$tmp"/n.h5 "$tmp"/n.ckpt "$tmp"/s.h5 "$tmp"/s.ckpt
  nastro=$first
  check "naam: the $w1 build's uninterrupted run" on_ranks 120 1 "${sim[@]}" -o "$tmp/n.ref$w1.h5"
  check "naam: the $w1 build stops at step 60 on 2 ranks with exit 75" expect_rc 75 on_ranks 120 2 "${sim[@]}" -o "$tmp/n.h5" -ts_max_steps 60
  nastro=$second
  check "naam: the $w2 build resumes it on 1 rank" expect_rc 0 on_ranks 120 1 "${sim[@]}" -restart "$tmp/n.ckpt"
  check "naam: $w1 then $w2 equals the $w1 build's uninterrupted run" same_naam "$tmp/n.ref$w1.h5" "$tmp/n.h5"

  nastro=$first
  check "network: the $w1 build's uninterrupted run (2 ranks)" on_ranks 300 2 "${long[@]}" -o "$tmp/s.ref$w1.h5"
  usr1_after_checkpoint 300 2 1 "$tmp/s.log" "${long[@]}" "${slow[@]}" -o "$tmp/s.h5"
  rc=$?
  cp "$tmp/s.log" "$tmp/log"
  check "network: the $w1 build stops on SIGUSR1 with exit 75" test $rc -eq 75
  nastro=$second
  check "network: the $w2 build resumes it on 3 ranks" on_ranks 300 3 "${long[@]}" -restart "$tmp/s.ckpt" -o "$tmp/s.h5"
  check "network: $w1 then $w2 has the uninterrupted run's spikes, traces and rates" /usr/bin/python3 "$same" "$tmp/s.ref$w1.h5" "$tmp/s.h5" spikes traces rates
done
check "naam: the two builds' uninterrupted runs are bitwise the same" same_naam "$tmp/n.ref32-bit.h5" "$tmp/n.ref64-bit.h5"
check "network: the two builds' uninterrupted runs have the same spikes, traces and rates" /usr/bin/python3 "$same" "$tmp/s.ref32-bit.h5" "$tmp/s.ref64-bit.h5" spikes traces rates
finish
