#!/bin/bash
# naam kernel benchmark (issue 3, measurements only): nastro (1 and 2 ranks) side by side with the NumPy
# peer (bench/naam_numpy.py) and the machine's limits (bench/limits.c), in one invocation.
#   bench/naam_bench.sh [BUILD_DIR]        (default build; needs BUILD_DIR/nastro and BUILD_DIR/bench/limits)
# Env: REPEAT (best-of count, default 3), SIZES (default "500 2000"), TOLS (tolerances tried for the
# tutorial, loosest first, default "1e-5 1e-6 1e-7 1e-8"), WORK (scratch dir, default /tmp/naam-bench).
set -euo pipefail
BUILD=${1:-build}
REPEAT=${REPEAT:-3}
SIZES=${SIZES:-"500 2000"}
TOLS=${TOLS:-"1e-5 1e-6 1e-7 1e-8"}
WORK=${WORK:-/tmp/naam-bench}
HERE=$(cd "$(dirname "$0")" && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
PY=/usr/bin/python3
# the peer: numpy with its default kernels (OPENBLAS_CORETYPE/L2_SIZE unset for this command only), 1 thread
peer() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $PY "$HERE/naam_numpy.py" "$@"; }
mkdir -p "$WORK"

# key=value from an output file's /timing group and root attributes
attrs() {
  $PY - "$1" <<'EOF'
import sys, h5py
f = h5py.File(sys.argv[1], 'r'); t = f['timing'].attrs
ev, st = t['rhs_evaluations'], t['steps']
rhs = (t['rhs_compute_max'] + t['communication_max']) / ev
step = (t['wall_max'] - t['setup_max'] - t['output_max']) / st
kern = t['rhs_compute_max'] / st
print(f"rhs_s={rhs:.6e} step_s={step:.6e} kernel_per_step_s={kern:.6e} comm_per_step_s={t['communication_max']/st:.6e} "
      f"tsover_per_step_s={t['ts_overhead_max']/st:.6e} steps={st} evals={ev} wall_s={t['wall_max']:.4f} "
      f"hamming={int(f.attrs['hamming_distance'])}")
EOF
}
kv() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
minf() { $PY -c "import sys; print(min(float(a) for a in sys.argv[1:]))" "$@"; }
ratio() { $PY -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):.2f}')" "$1" "$2"; }

echo "# naam_bench $(date -u +%FT%TZ) on $(hostname): $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
echo "# nastro git $(git -C "$HERE" describe --always --dirty) REPEAT=$REPEAT"

echo "## limits (bench/limits.c)"
for c in 1 2; do "$BUILD/bench/limits" -N 2000 -K 10 -cores $c -repeat 10 | tee "$WORK/limits$c.txt"; done
FLOOR1=$(sed -n 's/.*floor_s=\([^ ]*\).*/\1/p' "$WORK/limits1.txt")
FLOOR2=$(sed -n 's/.*floor_s=\([^ ]*\).*/\1/p' "$WORK/limits2.txt")

echo "## per RHS and per step: Euler, K = 10, best of $REPEAT (nastro) / 7 (numpy)"
printf '%-6s %-6s %12s %12s %12s %12s %10s %10s %10s\n' N code rhs_ms step_ms kernel_ms comm_ms tsover_ms rhs_ratio step_ratio
declare -A RHS STEP
for N in $SIZES; do
  S=$(( N <= 500 ? 40 : 8 ))
  P=$(peer time -N $N -K 10 -repeat 7)
  RHS[np$N]=$(kv "$P" rhs_s); STEP[np$N]=$(kv "$P" step_s)
  printf '%-6s %-6s %12.3f %12.3f\n' $N numpy $($PY -c "print(${RHS[np$N]}*1e3, ${STEP[np$N]}*1e3)")
  for r in 1 2; do
    rs=(); ss=(); ks=(); cs=(); ts=()
    for k in $(seq $REPEAT); do
      mpiexec -n $r "$BUILD/nastro" -quiet -naam_N $N -naam_K 10 -ts_type euler -ts_dt 0.05 -ts_max_time $($PY -c "print($S*0.05)") \
        -output_interval 1000 -o "$WORK/step_${N}_$r.h5" >/dev/null
      A=$(attrs "$WORK/step_${N}_$r.h5")
      rs+=($(kv "$A" rhs_s)); ss+=($(kv "$A" step_s)); ks+=($(kv "$A" kernel_per_step_s))
      cs+=($(kv "$A" comm_per_step_s)); ts+=($(kv "$A" tsover_per_step_s))
    done
    RHS[$r$N]=$(minf "${rs[@]}"); STEP[$r$N]=$(minf "${ss[@]}")
    printf '%-6s %-6s %12.3f %12.3f %12.3f %12.3f %12.3f %10s %10s\n' $N "nastro-$r" \
      $($PY -c "print(${RHS[$r$N]}*1e3, ${STEP[$r$N]}*1e3, $(minf "${ks[@]}")*1e3, $(minf "${cs[@]}")*1e3, $(minf "${ts[@]}")*1e3)") \
      "$(ratio ${RHS[np$N]} ${RHS[$r$N]})" "$(ratio ${STEP[np$N]} ${STEP[$r$N]})"
    if [ "$N" = 2000 ]; then
      K1=$(minf "${ks[@]}")
      echo "   N=2000 ranks=$r: overhead outside kernel = 1 - kernel/step = $($PY -c "print(f'{100*(1-$K1/${STEP[$r$N]}):.1f} %')");" \
        "floor/RHS = $($PY -c "f=$([ $r = 1 ] && echo $FLOOR1 || echo $FLOOR2); print(f'{f:.4e} s / ${RHS[$r$N]} s = {f/${RHS[$r$N]}:.2f} of floor (RHS is {${RHS[$r$N]}/f:.2f}x the floor)')")"
    fi
  done
done

echo "## time to solution, tutorial problem (N=500, K=10, T=50)"
mpiexec -n 2 "$BUILD/nastro" -quiet -ts_rtol 1e-10 -ts_atol 1e-10 -output_final -output_interval 1000 -o "$WORK/ref.h5" >/dev/null
echo "reference: nastro 2 ranks rk 5dp rtol=atol=1e-10: $(attrs "$WORK/ref.h5")"
P=$(peer tutorial -from "$WORK/ref.h5" -ref "$WORK/ref.h5" -dt 0.05 -steps 1000)
echo "numpy Euler dt=0.05: $P"
ERR=$(kv "$P" err_x_max); TNP=$(kv "$P" wall_s)
errx() { $PY -c "
import sys, h5py, numpy as np
a = h5py.File(sys.argv[1]); b = h5py.File(sys.argv[2])
print(f\"{np.max(np.abs(a['final/x'][...]-b['final/x'][...])):.3e}\")" "$1" "$WORK/ref.h5"; }
CHOSEN=
for tol in $TOLS; do
  mpiexec -n 2 "$BUILD/nastro" -quiet -ts_rtol $tol -ts_atol $tol -output_final -output_interval 1000 -o "$WORK/tol.h5" >/dev/null
  E=$(errx "$WORK/tol.h5")
  echo "nastro 2 ranks rk 5dp tol=$tol: err_x_max=$E $(attrs "$WORK/tol.h5")"
  if $PY -c "import sys; sys.exit(0 if $E <= $ERR else 1)"; then CHOSEN=$tol; break; fi
done
if [ -z "$CHOSEN" ]; then echo "no tolerance in '$TOLS' reached the numpy error $ERR"; exit 0; fi
for r in 1 2; do
  ws=()
  for k in $(seq $REPEAT); do
    mpiexec -n $r "$BUILD/nastro" -quiet -ts_rtol $CHOSEN -ts_atol $CHOSEN -output_final -output_interval 1000 -o "$WORK/tts_$r.h5" >/dev/null
    A=$(attrs "$WORK/tts_$r.h5"); ws+=($(kv "$A" wall_s))
  done
  W=$(minf "${ws[@]}")
  echo "time to solution: nastro $r rank(s) tol=$CHOSEN wall_max ${W} s (best of $REPEAT; err_x_max=$(errx "$WORK/tts_$r.h5")," \
    "hamming $(kv "$A" hamming)) vs numpy Euler ${TNP} s (err_x_max=$ERR): numpy/nastro = $(ratio $TNP $W)"
done
