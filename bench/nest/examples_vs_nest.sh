#!/bin/bash
# nastro's examples/networks/astrocyte_{single,interaction,small_network}.yaml against NEST 3.10's own examples
# (bench/nest/examples_nest.py runs them as the files are), results in bench/nest/examples_vs_nest.md:
#   * astrocyte_single, astrocyte_interaction (Poisson input, which cannot be the same trains in both): SEEDS
#     seeds of each (nastro -network_set seed=N; NEST rng_seed: its default 143202461, the example's, then
#     1, 2, ...), statistics of each seed by examples_vs_nest.py stats, mean +- sd over the seeds;
#   * astrocyte_small_network (deterministic: I_e 1000 pA, p 1, block pools): one run each, spike counts and times
#     per neuron and the traces compared sample by sample (examples_vs_nest.py small).
# nastro runs twice each: with NEST-equivalent stepping (the nestlike options of tests/mpi/network_nest.sh:
# Dormand-Prince 5(4) per population, tolerance 1e-8 in the max-norm, as NEST's per-cell rkf45 at 1e-6) and with
# the default stepper (classic RK4, one step of the 0.1 ms resolution). On 1 rank (RANKS to change).
#   bench/nest/examples_vs_nest.sh [NASTRO [WORK]]        (defaults build/nastro, /tmp/examples-vs-nest)
# Env: SEEDS (10), RANKS (1), NEST_PYTHONPATH (/opt/nest/lib/python3.11/site-packages).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$(dirname "$HERE")")
NASTRO=$(realpath "${1:-build/nastro}")
WORK=${2:-/tmp/examples-vs-nest}
SEEDS=${SEEDS:-10}
RANKS=${RANKS:-1}
PY=/usr/bin/python3
NET=$ROOT/examples/networks
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
nestlike=(-network_ts_type rk -network_ts_rk_type 5dp -network_ts_adapt_type basic -network_ts_rtol 1e-8
  -network_ts_atol 1e-8 -network_ts_adapt_wnormtype infinity)
mkdir -p "$WORK"
nastro() { # example seed tag options...
  local ex=$1 s=$2 tag=$3
  shift 3
  mpiexec --oversubscribe -n "$RANKS" "$NASTRO" -network "$NET/$ex.yaml" -network_set "seed=$s" \
    -o "$WORK/${ex}_${tag}_s$s.h5" -quiet "$@" >"$WORK/${ex}_${tag}_s$s.log" 2>&1 ||
    { echo "nastro $ex seed $s ($tag) failed"; tail "$WORK/${ex}_${tag}_s$s.log"; exit 1; }
}
nest() { # example seed
  $PY "$HERE/examples_nest.py" "$1" --seed "$2" --out "$WORK/${1}_nest_s$2.h5" >"$WORK/${1}_nest_s$2.log" 2>&1 ||
    { echo "NEST $1 seed $2 failed"; tail "$WORK/${1}_nest_s$2.log"; exit 1; }
}
nest_seeds="143202461 $(seq 1 $((SEEDS - 1)) | tr '\n' ' ')"
echo "# bench/nest/examples_vs_nest.sh $NASTRO $WORK (SEEDS=$SEEDS RANKS=$RANKS); $(date -u +%Y-%m-%dT%H:%M:%SZ)"
for ex in astrocyte_single astrocyte_interaction; do
  t0=$(date +%s.%N)
  for s in $(seq 1 "$SEEDS"); do nastro "$ex" "$s" nestlike "${nestlike[@]}"; done
  t1=$(date +%s.%N)
  for s in $(seq 1 "$SEEDS"); do nastro "$ex" "$s" rk4; done
  t2=$(date +%s.%N)
  for s in $nest_seeds; do nest "$ex" "$s"; done
  t3=$(date +%s.%N)
  echo
  echo "$ex: process wall per run, nastro nestlike $(echo "$t0 $t1 $SEEDS" | awk '{printf "%.2f", ($2-$1)/$3}') s," \
    "nastro default $(echo "$t1 $t2 $SEEDS" | awk '{printf "%.2f", ($2-$1)/$3}') s," \
    "NEST $(echo "$t2 $t3 $SEEDS" | awk '{printf "%.2f", ($2-$1)/$3}') s (python start-up and import included)"
  list() { local out=() s; for s in "$@"; do out+=("$WORK/${ex}_${tag}_s$s.h5"); done; local IFS=,; echo "${out[*]}"; }
  tag=nestlike; a=$(list $(seq 1 "$SEEDS"))
  tag=rk4; b=$(list $(seq 1 "$SEEDS"))
  # shellcheck disable=SC2086
  tag=nest; c=$(list $nest_seeds)
  tag=nestlike; a1=$(list 1)
  tag=rk4; b1=$(list 1)
  tag=nest; c1=$(list 143202461)
  echo
  $PY "$HERE/examples_vs_nest.py" stats "$ex" "nastro, NEST-like stepping=$a" "nastro, default stepper (RK4)=$b" \
    "NEST 3.10=$c" "nastro NEST-like, seed 1=$a1" "nastro RK4, seed 1=$b1" "NEST, seed 143202461 (the example)=$c1"
done
ex=astrocyte_small_network
nastro $ex 1 nestlike "${nestlike[@]}"
nastro $ex 1 rk4
nest $ex 143202461
echo
$PY "$HERE/examples_vs_nest.py" small "$WORK/${ex}_nestlike_s1.h5" "$WORK/${ex}_nest_s143202461.h5" \
  "$ex, nastro NEST-like stepping"
echo
$PY "$HERE/examples_vs_nest.py" small "$WORK/${ex}_rk4_s1.h5" "$WORK/${ex}_nest_s143202461.h5" \
  "$ex, nastro default stepper (RK4)"
echo
echo "NEST connections: $($PY -c "import h5py,sys; a=h5py.File(sys.argv[1],'r').attrs; \
print(', '.join(f'{k[12:]} {a[k]}' for k in a if k.startswith('connections_')))" "$WORK/${ex}_nest_s143202461.h5");" \
  "nastro: $($PY -c "import h5py,sys; n=h5py.File(sys.argv[1],'r')['network']; \
print(', '.join(f\"{n[g].attrs['role'].decode()} {n[g].attrs['synapses']}\" for g in n))" "$WORK/${ex}_nestlike_s1.h5")"
