#!/bin/bash
# A/B comparison of two nastro builds, or of two option sets, on the same problem: runs A and B alternately
# REPS times in one invocation (this VM's speed drifts by 10-20 % over minutes, so only interleaved runs
# compare) and prints, per run and as medians, ms per step and per right-hand side from /timing.
#   [A=build] [B=build] [A_OPTS=...] [B_OPTS=...] [RANKS=1] [REPS=5] bench/naam_ab.sh NASTRO_OPTIONS...
# e.g. A=build B=build-x RANKS=2 bench/naam_ab.sh -naam_N 2000 -ts_max_time 2
#      A_OPTS="-ts_type euler -ts_dt 0.05" B_OPTS="-ts_type bs3ls -ts_adapt_type none -ts_dt 0.05" bench/naam_ab.sh -naam_N 500
# Definitions as bench/naam_bench.sh: per RHS = (rhs_compute + communication) / rhs_evaluations, per step =
# (rhs_compute + communication + ts_overhead) / steps (setup and output left out), max over ranks.
set -euo pipefail
A=${A:-build}
B=${B:-build}
A_OPTS=${A_OPTS:-}
B_OPTS=${B_OPTS:-}
RANKS=${RANKS:-1}
REPS=${REPS:-5}
WORK=${WORK:-/tmp/naam-ab}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
[ -x "$A/nastro" ] && [ -x "$B/nastro" ] || { echo "naam_ab.sh: need $A/nastro and $B/nastro" >&2; exit 1; }
mkdir -p "$WORK"
rm -f "$WORK/runs.txt"
echo "A: $A/nastro $A_OPTS; B: $B/nastro $B_OPTS; common: $*; $RANKS rank(s), $REPS alternating runs each"
for rep in $(seq 1 "$REPS"); do
  for side in A B; do
    if [ $side = A ]; then dir=$A opts=$A_OPTS; else dir=$B opts=$B_OPTS; fi
    # shellcheck disable=SC2086 # the option strings are word lists
    mpiexec -n "$RANKS" --oversubscribe "$dir/nastro" -quiet -output_interval 1e9 "$@" $opts -o "$WORK/$side.h5" >"$WORK/$side.log" 2>&1 ||
      { echo "naam_ab.sh: run $side failed:" >&2; tail -3 "$WORK/$side.log" >&2; exit 1; }
    /usr/bin/python3 - "$WORK/$side.h5" "$side" >>"$WORK/runs.txt" <<'PY'
import h5py, sys
t = h5py.File(sys.argv[1], "r")["timing"].attrs
rhs = t["rhs_compute_max"] + t["communication_max"]
step = rhs + t["ts_overhead_max"]
print(sys.argv[2], t["steps"], 1e3 * step / t["steps"], 1e3 * rhs / t["rhs_evaluations"])
PY
  done
done
/usr/bin/python3 - "$WORK/runs.txt" <<'PY'
import statistics, sys
runs = [l.split() for l in open(sys.argv[1])]
med = {}
for side in "AB":
    r = [x for x in runs if x[0] == side]
    step = [float(x[2]) for x in r]
    rhs = [float(x[3]) for x in r]
    print(f"{side}: {r[0][1]} steps; ms per step " + " ".join(f"{v:.2f}" for v in step) + f" (median {statistics.median(step):.2f});"
          f" per RHS " + " ".join(f"{v:.2f}" for v in rhs) + f" (median {statistics.median(rhs):.2f})")
    med[side] = (statistics.median(step), statistics.median(rhs))
print(f"B / A: per step {med['B'][0] / med['A'][0]:.3f}, per RHS {med['B'][1] / med['A'][1]:.3f}")
PY
