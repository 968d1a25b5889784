#!/bin/bash
# nastro's batch of cue draws (-dam_cues, the capacity study's unit of work) against its NumPy peer, side by side
# in one invocation: the time of one right-hand side of M = 100 draws, N = 256, K = 20000, n = 4 (4 M K N =
# 2.05 GFlop in two matrix products), on one core. nastro: TSFunctionEval's time over its count in -log_view of a
# run to t = 1 (1 rank); the peer: bench/dam_batch_peer.py on the default BLAS and, with PEER_BLAS (a directory
# holding another libblas.so.3, e.g. OpenBLAS's), on that BLAS with 1 thread. Three rounds, alternating;
# prints each measurement and the best of each.
# usage: bench/dam_batch_bench.sh [NASTRO]        (default build/nastro)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
nastro=${1:-$top/build/nastro}
N=256 K=20000 M=100
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gflop=$(awk -v m=$M -v k=$K -v n=$N 'BEGIN { print 4e-9 * m * k * n }')
nastro_rhs() {
  "$nastro" -model dam -dam_order 4 -dam_N $N -dam_K $K -dam_cues $M -ts_max_time 1 -quiet \
    -o "$tmp/b.h5" -log_view 2>&1 | awk -v g="$gflop" '$1 == "TSFunctionEval" { t = $4 / $2; printf "nastro %.6f s %.2f GFlop/s\n", t, g / t }'
}
peer() { /usr/bin/python3 "$top/bench/dam_batch_peer.py" --N $N --K $K --M $M --repeat 5; }
echo "machine: $(nproc --all) cores, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg)"
for round in 1 2 3; do
  nastro_rhs | tee -a "$tmp/nastro"
  peer | sed 's/^peer/numpy (default BLAS)/' | tee -a "$tmp/default"
  if [ -n "${PEER_BLAS:-}" ]; then
    LD_LIBRARY_PATH=$PEER_BLAS peer | sed 's/^peer/numpy (PEER_BLAS, 1 thread)/' | tee -a "$tmp/peer"
  fi
done
n=$(awk '{ print $2 }' "$tmp/nastro" | sort -n | head -1)
echo "best: nastro $n s per right-hand side"
for f in default peer; do
  [ -s "$tmp/$f" ] || continue
  p=$(awk '{ print $(NF-3) }' "$tmp/$f" | sort -n | head -1)
  awk -v n="$n" -v p="$p" -v f="$f" 'BEGIN { printf "best: numpy (%s) %s s: nastro is %.1fx faster\n", f, p, p / n }'
done
