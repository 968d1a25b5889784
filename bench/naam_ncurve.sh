#!/bin/bash
# Time per right-hand side of naam against N (K = 10, default symmetric storage) on 1 and 2 ranks, with the
# K N^2 law fitted to the largest N and the tanh floor (N (N + 1) + N vectorised tanh / cores: g and psi of the
# stored i <= j pairs, phi), into a table and bench/naam-ncurve.png.
#   bench/naam_ncurve.sh [BUILD_DIR]      Env: SIZES (default "500 1000 2000 4000 7000 10000"), STEPS (default 3)
set -euo pipefail
BUILD=${1:-build}
SIZES=${SIZES:-"500 1000 2000 4000 7000 10000"}
STEPS=${STEPS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tanh_ns=$("$BUILD/bench/tanh_throughput" | sed -n '1s/.*tanh_ns: reference=[^ ]* new=\([0-9.]*\).*/\1/p')
echo "# $(date -u +%FT%TZ) $(nproc) cores; vectorised tanh $tanh_ns ns/element; Euler, $STEPS steps, K = 10"
echo "ranks N rhs_ms rhs_over_floor"
for r in 1 2; do
  for N in $SIZES; do
    mpiexec -n $r "$BUILD/nastro" -naam_N "$N" -ts_type euler -ts_dt 0.01 -ts_max_time "$(awk "BEGIN { print $STEPS * 0.01 }")" \
      -output_interval 1e9 -quiet -o "$WORK/run.h5" >/dev/null
    /usr/bin/python3 -c "
import h5py; t = h5py.File('$WORK/run.h5')['timing'].attrs
ms = 1e3 * (t['rhs_compute_max'] + t['communication_max']) / t['rhs_evaluations']
print($r, $N, round(ms, 3), round(ms / ((N := $N) * (N + 1) + N) / $tanh_ns * 1e6 * $r, 2))"
  done
done | tee "$WORK/table.txt"
/usr/bin/python3 - "$WORK/table.txt" "$tanh_ns" "$HERE/naam-ncurve.png" <<'PY'
import sys, numpy as np, matplotlib
matplotlib.use("Agg"); import matplotlib.pyplot as plt
rows = np.loadtxt(sys.argv[1], ndmin=2); tanh_ns = float(sys.argv[2])
fig, ax = plt.subplots(figsize=(6.5, 4.5))
for r, c in ((1, "tab:blue"), (2, "tab:red")):
    d = rows[rows[:, 0] == r]; N, ms = d[:, 1], d[:, 2]
    ax.loglog(N, ms, "o-", color=c, label=f"nastro RHS, {r} rank(s)")
    k = ms[-1] / N[-1] ** 2
    ax.loglog(N, k * N ** 2, ":", color=c, label=f"c N^2 through N={int(N[-1])}")
    ax.loglog(N, (N * (N + 1) + N) * tanh_ns * 1e-6 / r, "--", color=c, alpha=0.6, label=f"tanh floor, {r} core(s)")
ax.set_xlabel("neurons N"); ax.set_ylabel("time per right-hand side (ms)"); ax.grid(True, which="both", alpha=0.3)
ax.set_title(f"naam, K = 10, symmetric storage: RHS time vs N (tanh {tanh_ns:.2f} ns)"); ax.legend(fontsize=7)
fig.tight_layout(); fig.savefig(sys.argv[3], dpi=120); print("wrote", sys.argv[3])
PY
