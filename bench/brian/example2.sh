#!/usr/bin/env bash
# Brian 2's neuron-glia example 2 side by side with nastro (bench/brian/README.md): Brian's example as written
# (milstein, i.e. forward Euler on the deterministic cell, dt 1 ms), with rk4 at 1 ms and at 0.01 ms; nastro's
# examples/networks/brian_example2_gchi.yaml with its default RK4 at the resolution and with Dormand-Prince 5(4)
# at rtol 1e-10; the max differences of C, h, I, Gamma_A; the figure to docs/figures/brian_example2_gchi.png.
# Needs Debian's python3-brian (2.5.1) and g++ (Brian's cpp_standalone). Takes about 2 minutes.
# usage: bench/brian/example2.sh [BUILD_DIR] [OUT_DIR]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build} out=${2:-$root/out/brian}
PY=/usr/bin/python3
mkdir -p "$out"
$PY -c "import brian2" 2>/dev/null || { echo "Brian 2 is not installed (apt-get install -y python3-brian)"; exit 1; }
for v in "milstein 1" "rk4 1" "rk4 0.01"; do
  set -- $v
  $PY "$root/bench/brian/example2_gchi.py" "$out/brian_$1_$2.npz" --method "$1" --dt "$2" 2>/dev/null | tail -1
done
ex=$root/examples/networks/brian_example2_gchi.yaml
"$build/nastro" -network "$ex" -quiet -o "$out/nastro_rk4.h5" >/dev/null
"$build/nastro" -network "$ex" -quiet -o "$out/nastro_dp.h5" -network_ts_type rk -network_ts_rk_type 5dp \
  -network_ts_adapt_type basic -network_ts_rtol 1e-10 -network_ts_atol 1e-12 -network_ts_adapt_wnormtype infinity >/dev/null
$PY "$root/bench/brian/compare_example2.py" "$out/nastro_rk4.h5,$out/nastro_dp.h5" \
  "$out/brian_milstein_1.npz,$out/brian_rk4_1.npz,$out/brian_rk4_0.01.npz"
$PY "$root/tests/mpi/gchi_reference.py" "$out/nastro_rk4.h5" 1,1,1
$PY "$root/tests/mpi/gchi_reference.py" "$out/nastro_dp.h5" 1,1,1
$PY "$root/analysis/plot_brian_example2.py" "$out/nastro_rk4.h5" --brian "$out/brian_milstein_1.npz" \
  -o "$root/docs/figures/brian_example2_gchi.png"
