#!/bin/bash
# Multi-rank checks of the nastro binary (models.md 1.9 item 7 and the determinism rule):
#  - the same run on 1, 2, 3 and 4 ranks gives the same final state and time series (naam and dam, the
#    default adaptive stepper; the row-ordered reductions make them bitwise equal, the issue asks 1e-10);
#    on 9 ranks (naam's column sums by MPI_Reduce_scatter) to 1e-10, and a repeat there is bitwise equal;
#  - naam with the sparse coupling (-naam_T sparse: links hashed per pair of processes, each process's links
#    summed in increasing order) is bitwise the same on 1, 2, 3 and 4 ranks, links included, in both storages;
#  - an implicit stepper (bdf, matrix-free Newton) agrees across rank counts to 1e-10 relative;
#  - the same run repeated gives identical bytes in every dataset.
# usage: ranks.sh NASTRO
set -u
source "$(dirname "$0")/lib.sh" "$1"
run() { local n=$1 out=$2; shift 2; on_ranks 300 "$n" "$@" -output_final -quiet -o "$out"; } # ranks, output, options...
datasets="/time /energy /overlaps /x /final"

naam="-naam_N 37 -naam_K 4 -naam_cue_flip 0.2 -ts_max_time 8"
dam="-model dam -dam_N 41 -dam_K 5 -dam_cue_flip 0.25 -ts_max_time 8"
bdf="$naam -ts_type bdf -ts_rtol 1e-8 -ts_atol 1e-8"
for n in 1 2 3 4; do
  check "naam default stepper on $n ranks" run $n "$tmp/naam$n.h5" $naam
  check "dam default stepper on $n ranks" run $n "$tmp/dam$n.h5" $dam
done
for n in 1 3; do check "naam bdf on $n ranks" run $n "$tmp/bdf$n.h5" $bdf; done
sparse="$naam -naam_T sparse -naam_T_links 40"
for n in 1 2 3 4; do check "naam sparse T on $n ranks" run $n "$tmp/sparse$n.h5" $sparse; done
for n in 1 3; do check "naam sparse T, full storage, on $n ranks" run $n "$tmp/sfull$n.h5" $sparse -naam_storage full; done
for n in 2 3 4; do
  for d in $datasets /coupling; do
    check "naam sparse T $d on $n ranks is bitwise the 1-rank one" h5diff "$tmp/sparse1.h5" "$tmp/sparse$n.h5" $d
  done
done
for d in $datasets /coupling; do
  check "naam sparse T, full storage, $d on 3 ranks is bitwise the 1-rank one" h5diff "$tmp/sfull1.h5" "$tmp/sfull3.h5" $d
done
for n in 2 3 4; do
  for d in $datasets; do
    check "naam $d on $n ranks equals 1 rank (relative 1e-10)" h5diff --relative=1e-10 "$tmp/naam1.h5" "$tmp/naam$n.h5" $d
    check "dam $d on $n ranks equals 1 rank (relative 1e-10)" h5diff --relative=1e-10 "$tmp/dam1.h5" "$tmp/dam$n.h5" $d
  done
  check "naam /final on $n ranks is bitwise the 1-rank state" h5diff "$tmp/naam1.h5" "$tmp/naam$n.h5" /final
done
check "naam bdf /final on 3 ranks equals 1 rank (relative 1e-10)" h5diff --relative=1e-10 "$tmp/bdf1.h5" "$tmp/bdf3.h5" /final
# beyond 8 ranks the symmetric column sums go through MPI_Reduce_scatter: round-off against 1 rank, exact repeats
check "naam on 9 ranks" run 9 "$tmp/naam9.h5" $naam
check "naam repeated on 9 ranks" run 9 "$tmp/naam9b.h5" $naam
for d in $datasets; do
  check "naam $d on 9 ranks equals 1 rank (relative 1e-10)" h5diff --relative=1e-10 "$tmp/naam1.h5" "$tmp/naam9.h5" $d
  check "9-rank repeat gives identical bytes in $d" h5diff "$tmp/naam9.h5" "$tmp/naam9b.h5" $d
done
check "naam repeated on 2 ranks" run 2 "$tmp/again.h5" $naam
for d in $datasets /patterns /cue; do
  check "repeat gives identical bytes in $d" h5diff "$tmp/naam2.h5" "$tmp/again.h5" $d
done
finish
