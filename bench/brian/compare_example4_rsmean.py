#!/usr/bin/python3
"""Example 4's second part (example_4_rsmean.py, figure 4C: mean release against rate) against Brian 2: nastro's
runs of examples/networks/brian_example4_rsmean.yaml and Brian's (bench/brian/example4_synrel.py --rsmean), several
seeds of each. Per kind (closed loop, open loop, none) and synapse (rate logspace(-1, 2, 100) Hz) <r_S>, the mean
over every 1 ms step of r_S (the last release, held until the next spike; 0 before the first), as the example
plots it. nastro's r_S is rebuilt from /releases: a release stamped t (the spike of the step ending at t, Brian's
spike of that step's start, which its StateMonitor shows from t on) holds from t to the next one. Printed per
kind and rate band: the mean over the band's synapses of nastro's and Brian's <r_S> (each the mean over its
seeds), and z of the difference (standard errors from the spread over seeds). --png draws the figure (nastro's
first seed with the std over time as the example's error bars, Brian's first seed as grey dots).

  /usr/bin/python3 bench/brian/compare_example4_rsmean.py --nastro A.h5 ... --brian A.npz ... [--png FIG.png]"""
import argparse

import h5py
import numpy as np

KINDS = ["closed loop", "open loop", "no gliotransmission"]
BANDS = [(0.1, 1.0), (1.0, 10.0), (10.0, 30.0), (30.0, 100.01)]


def nastro_rs(path):
    """<r_S>, its std over the steps, and spikes per kind and synapse [3][n] from a run's releases"""
    with h5py.File(path, "r") as f:
        T = int(round(float(f.attrs["t_stop"]) / float(f.attrs["resolution"])))  # steps (1 ms: ms)
        rel = [f[f"/releases/projection_{k}"][:] for k in range(3)]
        n = int(f["/network/projection_0"].attrs["synapses"])
    m, sd, cnt = np.zeros((3, n)), np.zeros((3, n)), np.zeros((3, n))
    for k, r in enumerate(rel):
        for c in range(n):
            q = r[r[:, 2] == c]
            cnt[k, c] = len(q)
            if not len(q):
                continue
            t = np.r_[q[:, 0], T]
            hold = np.diff(t)  # the steps each release's r_S is shown, t_k .. t_(k+1) - 1 (0 for a step's earlier spike)
            m[k, c] = np.sum(hold * q[:, 5]) / T
            sd[k, c] = np.sqrt(max(np.sum(hold * q[:, 5] ** 2) / T - m[k, c] ** 2, 0.0))
    return m, sd, cnt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nastro", nargs="+", required=True)
    ap.add_argument("--brian", nargs="+", required=True)
    ap.add_argument("--png")
    a = ap.parse_args()
    ns = [nastro_rs(p) for p in a.nastro]
    bs = [np.load(p) for p in a.brian]
    f = bs[0]["f"]
    mn = np.array([x[0] for x in ns])  # [seeds][3][n]
    mb = np.array([b["r_mean"] for b in bs])
    cn, cb = np.array([x[2] for x in ns]), np.array([b["n"] for b in bs])
    print(f"nastro: {len(ns)} seeds, Brian: {len(bs)} seeds; <r_S> (time average of the held r_S) averaged over the "
          "band's synapses; z from the spread over seeds")
    print("| kind | band (Hz) | synapses | nastro | Brian | diff | z | spikes nastro / Brian |\n|---|---|---|---|---|---|---|---|")
    for k in range(3):
        for lo, hi in BANDS:
            sel = (f >= lo) & (f < hi)
            xn, xb = mn[:, k, sel].mean(axis=1), mb[:, k, sel].mean(axis=1)
            se = np.sqrt(xn.var(ddof=1) / len(xn) + xb.var(ddof=1) / len(xb))
            d = xn.mean() - xb.mean()
            print(f"| {KINDS[k]} | {lo:g}-{min(hi, 100):g} | {sel.sum()} | {xn.mean():.4f} | {xb.mean():.4f} | {d:+.4f} | "
                  f"{d / se:+.1f} | {cn[:, k, sel].sum(axis=1).mean():.0f} / {cb[:, k, sel].sum(axis=1).mean():.0f} |")
    if a.png:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(3, 1, figsize=(4.5, 6.0), sharex=True)
        for row, (k, c, top) in enumerate([(2, "black", 0.7), (1, "C2", 0.2), (0, "C3", 0.7)]):
            ax[row].errorbar(f, ns[0][0][k], ns[0][1][k], fmt="o", ms=3, color=c, lw=0.5,
                             label=f"{KINDS[k]} (nastro)")
            ax[row].plot(f, bs[0]["r_mean"][k], ".", color="gray", ms=3, label=f"Brian 2, seed {int(bs[0]['seed'])}")
            ax[row].set(xscale="log", xlim=(0.08, 100), ylim=(0, top), ylabel="<r_S>")
            ax[row].legend(loc="upper right", fontsize=7, frameon=False)
        ax[2].set(xlabel="input frequency (Hz)")
        fig.tight_layout()
        fig.savefig(a.png, dpi=110)
        print("wrote", a.png)


if __name__ == "__main__":
    main()
