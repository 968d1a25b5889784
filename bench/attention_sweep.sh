#!/bin/bash
# Sweep of the attention circuit over m (discrete algorithm; the ODE agrees with it to the stepper tolerance):
# relative error of a_t vs Z_t and of y_t vs softmax attention for m = 10^2 .. 10^5 and several feature seeds
# (the inputs stay those of -attention_seed 1), then the log-log figure with the m^-1/2 line.
# usage: bench/attention_sweep.sh [OUTDIR] [SEEDS] [extra nastro options]   (default out/attention-sweep, 5)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-out/attention-sweep}; seeds=${2:-5}; shift $(( $# > 2 ? 2 : $# )) || true
nastro=${NASTRO:-$top/build/nastro}
mkdir -p "$out"
csv=$out/sweep.csv
echo "m,seed,relerr_calcium_Z,relerr_y,corr_calcium_Z" > "$csv"
for m in 100 300 1000 3000 10000 30000 100000; do
  for s in $(seq 1 "$seeds"); do
    "$nastro" -model attention -attention_form discrete -attention_m $m -attention_feature_seed $s "$@" -quiet -o "$out/run.h5" > /dev/null
    /usr/bin/python3 -c "
import h5py; f = h5py.File('$out/run.h5', 'r'); a = f.attrs
print('$m,$s,%.10g,%.10g,%.10g' % (a['relerr_calcium_Z'], a['relerr_y'], a['corr_calcium_Z']))" >> "$csv"
  done
done
rm -f "$out/run.h5"
/usr/bin/python3 "$top/analysis/attention_plot.py" sweep "$csv" -o "$out/attention-sweep.png"
