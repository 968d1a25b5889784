#!/usr/bin/python3
"""Communication/compute model of nastro's naam right-hand side, fitted to measured runs, projected to
thousands of ranks (docs/scaling.md states the assumptions).

usage: /usr/bin/python3 analysis/scaling_model.py STUDY_DIR [STUDY_DIR...] [--figure PNG]
         [--alpha S] [--rank-bandwidth B/S] [--node-bandwidth B/S] [--ranks-per-node R] [--mem-per-rank BYTES] [--K K]

Model, per right-hand-side (RHS) evaluation on P ranks (N neurons, K patterns):
  compute   t_c = c N^2 / P                   c: seconds per synapse (one s_ij and its p_ij) per RHS,
                                                fitted from (rhs_compute + ts_overhead) / (RHS evaluations N^2 / P);
                                                it includes the stepper's vector work, which also scales as N^2 / P
  gather    t_g = a ceil(log2 P) + M b_eff    one MPI_Allgatherv in which every rank receives M = 8 (K+1) N bytes
                                                b_eff = 1 / B_rank while P <= R ranks share one node; past one
                                                node b_eff = max(1 / B_rank, R / B_node): the node's R ranks all
                                                pull M bytes through one network link of B_node bytes/s
  columns   t_s = a ceil(log2 P) + S b_eff    symmetric storage: the transposed half of the neuron drive; the
                                                busiest (last) rank receives S = 8 x 64 (1 - 1/sqrt P) N/sqrt P
                                                bytes up to 8 ranks (fixed blocks), S = 8 N beyond (reduce-scatter)
  reduce    t_r = a ceil(log2 P) / r          one tiny MPI_Allreduce per step, r RHS evaluations per step
  efficiency E(P) = t_c(1) / (P (t_c + t_g + t_s + t_r))
c is fitted on the measured runs (this machine's cores). The collectives' latency a and per-byte cost b are
also fitted (printed, and used to check the model against the measured runs), but a small shared machine
says little about a cluster, so the projection uses assumed cluster values: a = --alpha (default 2e-6 s),
B_rank = --rank-bandwidth (default 5e9 B/s into one rank within a node), B_node = --node-bandwidth (default
2.5e10 B/s, 200 Gb/s InfiniBand HDR), R = --ranks-per-node (default 64). Memory: the naam state is N^2 + 2 N doubles (symmetric storage), and the default stepper (bs3ls) keeps
5 such vectors (the driver borrows one of them), so a rank needs about 40 N^2 / P bytes: projections flag P below --mem-per-rank
(default 2e9 B). P is at most N (a rank owns whole rows).
"""
import argparse
import csv
import math
import os
import sys

import h5py
import numpy as np

KEYS = ["wall_max", "rhs_compute_max", "ts_overhead_max", "communication_max", "steps", "rhs_evaluations",
        "comm_bytes_per_step", "ranks", "N"]


def load(folders):
    runs = []
    for d in folders:
        with open(os.path.join(d, "manifest.tsv")) as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                try:
                    with h5py.File(os.path.join(d, row["file"]), "r") as f:
                        if int(f.attrs.get("complete", 0)) != 1 or "timing" not in f:
                            continue
                        r = {k: float(f["timing"].attrs[k]) for k in KEYS}
                        r["K"] = int(f.attrs["K"])
                        r["file"] = os.path.join(d, row["file"])
                        runs.append(r)
                except (OSError, KeyError):
                    continue
    return runs


def fit(runs):
    c = np.array([(r["rhs_compute_max"] + r["ts_overhead_max"]) / (r["rhs_evaluations"] * r["N"] ** 2 / r["ranks"])
                  for r in runs])
    c_fit = float(np.median(c))
    multi = [r for r in runs if r["ranks"] > 1]
    a_fit, b_fit = 1e-6, 1e-10
    if multi:
        y = np.array([r["communication_max"] / r["rhs_evaluations"] for r in multi])
        m = np.array([8.0 * (r["K"] + 1) * r["N"] for r in multi])
        lg = np.array([math.ceil(math.log2(r["ranks"])) * (1 + r["steps"] / r["rhs_evaluations"]) for r in multi])
        if len({(r["ranks"], r["N"]) for r in multi}) >= 2:
            A = np.vstack([lg, m]).T
            sol, *_ = np.linalg.lstsq(A, y, rcond=None)
            a_fit, b_fit = float(sol[0]), float(sol[1])
        if a_fit <= 0 or b_fit <= 0:  # fall back: all gather time as bandwidth, latency from the smallest message
            b_fit = float(np.median(y / m))
            a_fit = max(1e-7, float(np.min(y - b_fit * m)) / max(1.0, float(np.min(lg))))
    rhs_per_step = float(np.median([r["rhs_evaluations"] / max(1, r["steps"]) for r in runs]))
    return c_fit, a_fit, b_fit, rhs_per_step, c


def model(P, N, K, c, a, b, r, Bnode=None, R=None):
    """per-RHS compute and communication seconds and the efficiency; b is 1/B_rank; with Bnode and R,
    ranks past one node share the node's link"""
    P = np.asarray(P, dtype=float)
    lg = np.ceil(np.log2(np.maximum(P, 1)))
    M = 8.0 * (K + 1) * N
    S = np.where(P <= 8, 8.0 * 64 * (1 - 1 / np.sqrt(P)) * N / np.sqrt(P), 8.0 * N)
    lat = a
    beff = b if Bnode is None else np.where(P <= R, b, max(b, R / Bnode))
    tg = np.where(P > 1, 2 * lat * lg + (M + S) * beff, 0.0)
    tr = np.where(P > 1, lat * lg / r, 0.0)
    tc = c * N ** 2 / P
    return tc, tg + tr, (c * N ** 2) / (P * (tc + tg + tr))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("studies", nargs="+")
    ap.add_argument("--figure")
    ap.add_argument("--alpha", type=float, default=2e-6)
    ap.add_argument("--rank-bandwidth", type=float, default=5e9)
    ap.add_argument("--node-bandwidth", type=float, default=2.5e10)
    ap.add_argument("--ranks-per-node", type=int, default=64)
    ap.add_argument("--mem-per-rank", type=float, default=2e9)
    ap.add_argument("--K", type=int, default=None, help="patterns for the projection (default: the measured K)")
    a = ap.parse_args()
    runs = load(a.studies)
    if not runs:
        print("scaling_model: no complete run with /timing in " + " ".join(a.studies), file=sys.stderr)
        return 1
    c, lat, b, r, cs = fit(runs)
    K = a.K if a.K is not None else runs[0]["K"]
    print(f"fitted on {len(runs)} runs (K = {runs[0]['K']}, {r:.1f} RHS evaluations per step):")
    print(f"  compute c = {c:.3e} s per synapse per RHS (runs: {', '.join(f'{x:.2e}' for x in cs)})")
    print(f"  collectives on this machine: latency a = {lat:.2e} s, per byte b = {b:.2e} s/B ({1 / b / 1e9:.3f} GB/s)")
    print(f"projection assumes: latency {a.alpha:.1e} s, {a.rank_bandwidth / 1e9:.1f} GB/s into a rank within a node, "
          f"{a.ranks_per_node} ranks per node sharing {a.node_bandwidth / 1e9:.1f} GB/s")
    print("check against the measured runs (model vs measured wall per RHS, ms):")
    for x in sorted(runs, key=lambda x: (x["N"], x["ranks"])):
        tc, tg, _ = model(x["ranks"], x["N"], x["K"], c, lat, b, r)
        meas = (x["rhs_compute_max"] + x["ts_overhead_max"] + x["communication_max"]) / x["rhs_evaluations"]
        print(f"  N {x['N']:6.0f}  P {x['ranks']:3.0f}  model {1e3 * (tc + tg):8.3f}  measured {1e3 * meas:8.3f}")
    Ps = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]
    Ns = [1000, 3000, 10000, 30000, 100000]
    print(f"\nprojected parallel efficiency, K = {K} ('-': P > N; '*': state does not fit in {a.mem_per_rank / 1e9:.0f} GB per rank)")
    print("      N " + "".join(f"{p:>7d}" for p in Ps) + "   E>=0.5 up to")
    curves = {}
    for N in Ns:
        proj = (c, a.alpha, 1.0 / a.rank_bandwidth, r, a.node_bandwidth, a.ranks_per_node)
        _, _, E = model(Ps, N, K, *proj)
        cells = []
        for p, e in zip(Ps, E):
            if p > N:
                cells.append(f"{'-':>7}")
            else:
                cells.append(f"{e:6.2f}" + ("*" if 40.0 * N ** 2 / p > a.mem_per_rank else " "))
        Pfine = np.unique(np.round(np.logspace(0, math.log2(min(N, 1 << 20)), 400, base=2)))
        _, _, Ef = model(Pfine, N, K, *proj)
        half = Pfine[Ef >= 0.5].max() if np.any(Ef >= 0.5) else 1
        curves[N] = (Pfine, Ef)
        print(f"{N:7d} " + "".join(cells) + f"   {half:.0f}")
    if a.figure:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for N, (P, E) in curves.items():
            ax.plot(P, E, label=f"N = {N}")
        ax.axhline(1, color="k", ls="--", lw=0.8, label="ideal")
        ax.axhline(0.5, color="gray", ls=":", lw=0.8)
        ax.axvline(a.ranks_per_node, color="gray", ls="-.", lw=0.8, label=f"one node ({a.ranks_per_node} ranks)")
        ax.set_xscale("log", base=2)
        ax.set_xlim(1, 4096)
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("MPI ranks")
        ax.set_ylabel("projected parallel efficiency")
        ax.set_title(f"naam, K = {K}: compute fitted here, assumed cluster network")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(a.figure, dpi=110)
        print(f"figure: {a.figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
