#!/bin/bash
# naam kernel benchmark (issues 3 and 13): nastro (1 and 2 ranks, symmetric and full storage) side by side with the
# NumPy peer (bench/naam_numpy.py) and the machine's limits, in one invocation; writes bench/naam-ratio.png.
#   bench/naam_bench.sh [BUILD_DIR]        (default build; needs BUILD_DIR/nastro and BUILD_DIR/bench/{limits,tanh_throughput})
# Env: REPEAT (best-of count, default 3), SIZES (default "500 2000"), STORAGES (default "symmetric full"),
# STEPS500/STEPS2000 (Euler steps per run, default 200/40: per-step figures are steady state, as the peer's), WORK (scratch dir, default /tmp/naam-bench),
# PEER_BLAS (a directory holding another libblas.so.3 for NumPy, e.g. OpenBLAS's, which Debian installs as
# /usr/lib/x86_64-linux-gnu/openblas-pthread: the peer is then also timed with it, on 1 and 2 threads).
# Time to solution at equal accuracy is bench/naam_tts.sh.
#
# The peer: first `naam_numpy.py check` (the fast peer's Euler trajectory against the first, einsum peer's: must
# agree to round-off, else the benchmark stops), then the einsum peer and the fast peer timed with NumPy's BLAS
# (1 thread) and, with PEER_BLAS, with that BLAS on 1 and 2 threads. Ratios: 1-rank nastro against the fastest
# 1-thread peer, 2-rank nastro against the fastest peer on 1 or 2 threads (numpy's own ufuncs, tanh included,
# run on one thread whatever the BLAS).
#
# Definitions (all from the run's /timing group, max over ranks, best of REPEAT runs):
#   per RHS  = (rhs_compute + communication) / rhs_evaluations
#   per step = (wall - setup - output) / steps          (Euler: one RHS and one update U += dt F per step)
#   overhead outside the kernel = 1 - (rhs_compute + communication) / (wall - setup - output)
#   floor of one RHS on C cores = max(t_mem, t_tanh) with t_tanh = (2 P + N) c_tanh / C, P the stored synapse
#   pairs (N(N+1)/2 symmetric, N^2 full), c_tanh the vectorised tanh (bench/tanh_throughput), and t_mem = the
#   state read once and the RHS written once, 16 (N + 2P) bytes / triad bandwidth with C threads (bench/limits).
set -euo pipefail
BUILD=${1:-build}
REPEAT=${REPEAT:-3}
SIZES=${SIZES:-"500 2000"}
STORAGES=${STORAGES:-"symmetric full"}
STEPS500=${STEPS500:-200}
STEPS2000=${STEPS2000:-40}
WORK=${WORK:-/tmp/naam-bench}
HERE=$(cd "$(dirname "$0")" && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
PY=/usr/bin/python3
PEER_BLAS=${PEER_BLAS:-}
# the peer: numpy with its default kernels (OPENBLAS_CORETYPE/L2_SIZE unset for this command only), THREADS
# BLAS threads (default 1), with PEER_BLAS's libblas.so.3 when BLAS=peer
peer() {
  local lib=${LD_LIBRARY_PATH:-}
  [ "${BLAS:-}" = peer ] && lib=$PEER_BLAS${lib:+:$lib}
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="${THREADS:-1}" OMP_NUM_THREADS="${THREADS:-1}" \
    LD_LIBRARY_PATH="$lib" $PY "$HERE/naam_numpy.py" "$@"
}
mkdir -p "$WORK"
T="$WORK/table.txt"

# key=value from an output file's /timing group
attrs() {
  $PY - "$1" <<'EOF'
import sys, h5py
t = h5py.File(sys.argv[1], 'r')['timing'].attrs
ev, st = t['rhs_evaluations'], t['steps']
rhs = t['rhs_compute_max'] + t['communication_max']
run = t['wall_max'] - t['setup_max'] - t['output_max']
print(f"rhs_s={rhs / ev:.6e} step_s={run / st:.6e} overhead={1 - rhs / run:.4f} comm_s={t['communication_max'] / ev:.6e}")
EOF
}
kv() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
minf() { $PY -c "import sys; print(min(float(a) for a in sys.argv[1:]))" "$@"; }

echo "# naam_bench $(date -u +%FT%TZ) on $(hostname): $(nproc) cores,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)," \
  "load $(cut -d' ' -f1-3 /proc/loadavg); nastro git $(git -C "$HERE" describe --always --dirty), REPEAT=$REPEAT"

echo "## limits"
TANH=$("$BUILD/bench/tanh_throughput")
echo "tanh_throughput: $TANH"
CT=$(sed -n '1s/.*tanh_ns: reference=[^ ]* new=\([0-9.]*\).*/\1/p' <<<"$TANH")
"$BUILD/bench/limits" -threads 2 -repeat 5 | tee "$WORK/limits.txt"
BW1=$(sed -n 's/^bw_1thread_GBs=//p' "$WORK/limits.txt")
BW2=$(sed -n 's/^bw_2threads_GBs=//p' "$WORK/limits.txt")
echo "vectorised tanh $CT ns/element; triad $BW1 GB/s (1 thread), $BW2 GB/s (2 threads)"

echo "## the peer: fast against einsum, Euler dt 0.05 from the stationary start"
peer check -N 500 -K 10 -steps 200
[ -n "$PEER_BLAS" ] && BLAS=peer peer check -N 500 -K 10 -steps 200

echo "## per RHS and per step: Euler, K = 10, best of $REPEAT (nastro) / 15 (numpy)"
echo "(peer rows: code numpy-VARIANT/BLAS/THREADS; nastro ratios against the fastest peer for its rank count)"
echo "N storage code ranks rhs_ms step_ms comm_ms overhead floor_ms rhs_over_floor rhs_ratio step_ratio" | tee "$T"
for N in $SIZES; do
  S=$([ "$N" -le 500 ] && echo "$STEPS500" || echo "$STEPS2000")
  # peers: name rhs step threads
  peers=()
  P=$(peer time -N "$N" -K 10 -repeat 15 -peer einsum); peers+=("numpy-einsum/default/1t $(kv "$P" rhs_s) $(kv "$P" step_s) 1")
  P=$(peer time -N "$N" -K 10 -repeat 15); peers+=("numpy-fast/default/1t $(kv "$P" rhs_s) $(kv "$P" step_s) 1")
  echo "# peer BLAS (default): $(kv "$P" blas)"
  if [ -n "$PEER_BLAS" ]; then
    for th in 1 2; do
      P=$(BLAS=peer THREADS=$th peer time -N "$N" -K 10 -repeat 15)
      peers+=("numpy-fast/peer/${th}t $(kv "$P" rhs_s) $(kv "$P" step_s) $th")
    done
    echo "# peer BLAS (PEER_BLAS): $(kv "$P" blas)"
  fi
  for pr in "${peers[@]}"; do
    read -r name r s th <<<"$pr"
    echo "$N full $name $th $($PY -c "print(f'{$r*1e3:.3f} {$s*1e3:.3f}')") - - - - - -" | tee -a "$T"
  done
  # the fastest peer on 1 thread, and on 1 or 2 threads (RHS and step each)
  best() { printf '%s\n' "${peers[@]}" | awk -v col="$1" -v maxth="$2" '$4 <= maxth && (m == "" || $col < m) {m = $col} END {print m}'; }
  NPR1=$(best 2 1); NPS1=$(best 3 1); NPR2=$(best 2 2); NPS2=$(best 3 2)
  for st in $STORAGES; do
    for r in 1 2; do
      rs=(); ss=(); cs=(); os=()
      for k in $(seq "$REPEAT"); do
        mpiexec -n $r "$BUILD/nastro" -quiet -naam_N "$N" -naam_K 10 -naam_storage "$st" -ts_type euler -ts_dt 0.05 \
          -ts_max_time "$($PY -c "print($S * 0.05)")" -output_interval 1000 -o "$WORK/step.h5" >/dev/null
        A=$(attrs "$WORK/step.h5")
        rs+=("$(kv "$A" rhs_s)"); ss+=("$(kv "$A" step_s)"); cs+=("$(kv "$A" comm_s)"); os+=("$(kv "$A" overhead)")
      done
      R=$(minf "${rs[@]}"); SS=$(minf "${ss[@]}"); CS=$(minf "${cs[@]}"); OV=$(minf "${os[@]}")
      BW=$([ $r = 1 ] && echo "$BW1" || echo "$BW2")
      NPR=$([ $r = 1 ] && echo "$NPR1" || echo "$NPR2"); NPS=$([ $r = 1 ] && echo "$NPS1" || echo "$NPS2")
      $PY - "$N" "$st" "$r" "$R" "$SS" "$CS" "$OV" "$CT" "$BW" "$NPR" "$NPS" <<'EOF' | tee -a "$T"
import sys
N, st, r = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
rhs, step, comm, ov, ct, bw, npr, nps = map(float, sys.argv[4:])
pairs = N * (N + 1) / 2 if st == "symmetric" else N * N
floor = max((2 * pairs + N) * ct * 1e-9 / r, 16 * (N + 2 * pairs) / (bw * 1e9))
print(f"{N} {st} nastro {r} {rhs*1e3:.3f} {step*1e3:.3f} {comm*1e3:.3f} {ov:.3f} {floor*1e3:.3f} {rhs/floor:.2f} "
      f"{npr/rhs:.1f} {nps/step:.1f}")
EOF
    done
  done
done

$PY - "$T" "$HERE/naam-ratio.png" <<'EOF'
import sys, numpy as np, matplotlib
matplotlib.use("Agg"); import matplotlib.pyplot as plt
rows = [l.split() for l in open(sys.argv[1]).read().splitlines()[1:] if l.split()[2] == "nastro"]
Ns = sorted({int(r[0]) for r in rows})
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, col, what, targets in ((axes[0], 11, "per step", {1: 10, 2: 18}), (axes[1], 10, "per RHS", {})):
    labels, vals, colors = [], [], []
    for N in Ns:
        for r in rows:
            if int(r[0]) == N:
                labels.append(f"N={N}\n{r[1][:3]}, {r[3]}r"); vals.append(float(r[col]))
                colors.append("tab:blue" if r[3] == "1" else "tab:red")
    ax.bar(range(len(vals)), vals, color=colors)
    for i, v in enumerate(vals): ax.text(i, v, f"{v:.1f}", ha="center", va="bottom", fontsize=7)
    for rk, tv in targets.items():
        ax.axhline(tv, color="tab:blue" if rk == 1 else "tab:red", ls="--", lw=1, label=f"target {rk} rank(s): {tv}x")
    ax.set_xticks(range(len(vals))); ax.set_xticklabels(labels, fontsize=6); ax.set_ylim(0, max([1.3 * max(vals)] + [1.1 * t for t in targets.values()]))
    ax.set_ylabel("fastest NumPy peer time / nastro time"); ax.set_title(f"naam, K = 10, Euler: speed-up over NumPy {what}")
    if targets: ax.legend(fontsize=7)
fig.tight_layout(); fig.savefig(sys.argv[2], dpi=120); print("wrote", sys.argv[2])
EOF
