#!/bin/bash
# Cost of the attention circuit: the discrete write-then-read (O(L m (D + dv))) against L and m, beside exact
# softmax attention computed directly (O(L^2 (D + dv))), on 1 and 2 ranks. Both are timed inside the run's
# set-up (root attributes time_discrete_circuit, time_exact_attention; best of 3 runs). Exact attention is
# computed redundantly on every rank (it is the reference, not distributed). Prints CSV lines:
#   ranks,L,m,circuit_s,exact_s
# usage: bench/attention_bench.sh   (NASTRO=path overrides build/nastro)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
nastro=${NASTRO:-$top/build/nastro}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
one() { # ranks L m
  local best_c=1e9 best_e=1e9 c e
  for rep in 1 2 3; do
    mpiexec -n "$1" "$nastro" -model attention -attention_form discrete -attention_L "$2" -attention_m "$3" -quiet -o "$tmp/b.h5" > /dev/null
    read -r c e < <(/usr/bin/python3 -c "import h5py; a = h5py.File('$tmp/b.h5', 'r').attrs; print(a['time_discrete_circuit'], a['time_exact_attention'])")
    best_c=$(/usr/bin/python3 -c "print(min($best_c, $c))"); best_e=$(/usr/bin/python3 -c "print(min($best_e, $e))")
  done
  echo "$1,$2,$3,$best_c,$best_e"
}
echo "ranks,L,m,circuit_s,exact_s"
for ranks in 1 2; do
  for L in 256 512 1024 2048 4096 8192; do one $ranks $L 1000; done
  for m in 1000 10000 100000; do one $ranks 512 $m; done
done
