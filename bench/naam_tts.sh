#!/bin/bash
# Time to solution at equal accuracy, tutorial problem (N = 500, K = 10, T = 50; issue 3): the NumPy peer
# (explicit Euler, dt 0.05) against nastro's default adaptive stepper (naam: bs3ls; STEPPER to choose) at a
# list of tolerances, both measured against a tight-tolerance nastro reference over the whole trajectory
# (x at every sample time), not only at T = 50 where every run has relaxed onto the same fixed point.
#   bench/naam_tts.sh BUILD_DIR [on|off]      (second argument: run the NumPy peer, default on)
# Env: TOLS (nastro tolerances, rtol = atol, default "1e-1 1e-2 1e-3 1e-4 1e-5 1e-6"), REF_TOL (default 1e-10;
# a check run at 10x REF_TOL estimates the reference's own error), RANKS (default 2), OUT_DT (sample
# interval, default 0.5), WORK (scratch, default /tmp/naam-tts), STEPPER (options of the runs under test, e.g.
# "-ts_type rk"; default: nastro's default stepper; the reference and its check always use rk 5dp), PEER_BLAS
# (a directory with another libblas.so.3 for the peer, e.g. OpenBLAS's, as in bench/naam_bench.sh). Accuracy measure: bench/naam_tts.py.
set -euo pipefail
BUILD=${1:?usage: bench/naam_tts.sh BUILD_DIR [on|off]}
PEER=${2:-on}
TOLS=${TOLS:-"1e-1 1e-2 1e-3 1e-4 1e-5 1e-6"}
REF_TOL=${REF_TOL:-1e-10}
RANKS=${RANKS:-2}
OUT_DT=${OUT_DT:-0.5}
WORK=${WORK:-/tmp/naam-tts}
STEPPER=${STEPPER:-}
PEER_BLAS=${PEER_BLAS:-}
NAME=$(echo "${STEPPER:-default}" | sed 's/-ts_type //; s/-ts_rk_type //; s/ //g')
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$WORK"
M="$WORK/manifest"
: >"$M"
now() { date +%s.%N; }
since() { $PY -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$(now)"; }

echo "# naam_tts $(date -u +%FT%TZ) on $(hostname): $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg);" \
  "scripts git $(git -C "$HERE" describe --always --dirty), $BUILD/nastro, $RANKS ranks, samples every $OUT_DT"

# one nastro run of the tutorial problem (defaults: rk 5dp, max norm) at rtol = atol = $3
nastro() { # kind label tol
  local f="$WORK/$2.h5" t0
  t0=$(now)
  local extra="-ts_type rk -ts_rk_type 5dp" # reference and check: Dormand-Prince 5(4), whatever the default
  [ "$1" = nastro ] && extra="$STEPPER"
  # shellcheck disable=SC2086
  mpiexec -n "$RANKS" "$BUILD/nastro" -quiet -ts_rtol "$3" -ts_atol "$3" -output_final -output_interval "$OUT_DT" $extra \
    -o "$f" >"$WORK/$2.log" 2>&1 || { cat "$WORK/$2.log"; exit 1; }
  echo "$1 $2 $f $(since "$t0") $3" >>"$M"
  echo "  ran $2: $(tail -1 "$M" | cut -d' ' -f4) s"
}

nastro ref "rk5dp-ref-$REF_TOL" "$REF_TOL"
CHECK=$($PY -c "print(f'{10 * float(\"$REF_TOL\"):g}')")
nastro check "rk5dp-check-$CHECK" "$CHECK"
if [ "$PEER" = on ]; then
  t0=$(now)
  # the peer with numpy's default kernels, 1 thread (as bench/naam_bench.sh runs it), on PEER_BLAS if given
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
    LD_LIBRARY_PATH="${PEER_BLAS:+$PEER_BLAS${LD_LIBRARY_PATH:+:}}${LD_LIBRARY_PATH:-}" \
    $PY "$HERE/naam_tts.py" numpy "$WORK/rk5dp-ref-$REF_TOL.h5" "$WORK/numpy.npz" -dt 0.05 -steps 1000 \
    -every "$($PY -c "print(round($OUT_DT / 0.05))")"
  echo "numpy numpy-euler-dt0.05 $WORK/numpy.npz $(since "$t0")" >>"$M"
fi
for tol in $TOLS; do nastro nastro "$NAME-$tol" "$tol"; done
$PY "$HERE/naam_tts.py" table "$M"
