#!/usr/bin/python3
"""The figure of Brian 2's neuron-glia example 2 (Stimberg et al. 2019, Fig. 2: Gamma_A, I, C, h of a G-ChI
astrocyte driven by synaptic glutamate) from a nastro run of examples/networks/brian_example2_gchi.yaml, with,
optionally, Brian's own run of the example (bench/brian/example2_gchi.py): its deterministic astrocyte dashed,
its stochastic one in grey.

  /usr/bin/python3 analysis/plot_brian_example2.py RUN.h5 [--brian BRIAN.npz] [-o OUT.png]"""
import argparse
import os

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("run")
ap.add_argument("--brian", default=None)
ap.add_argument("-o", "--out", default=None)
a = ap.parse_args()
out = a.out or os.path.splitext(a.run)[0] + ".png"

with h5py.File(a.run, "r") as f:
    t = f["/traces/astro/time"][:] / 1e3
    x = {v: f["/traces/astro/" + v][:, 0] for v in ["Gamma_A", "I", "C", "h", "G_A"]}
b = np.load(a.brian) if a.brian else None

rows = [("Gamma_A", r"$\Gamma_A$", (-0.05, 1.02)), ("I", r"$I$ ($\mu$M)", (-0.1, 5.0)),
        ("C", r"$C$ ($\mu$M)", (-0.1, 1.3)), ("h", r"$h$", (0.4, 1.02))]
fig, ax = plt.subplots(4, 1, figsize=(6.3, 4.6), sharex=True)
for k, (v, label, lim) in enumerate(rows):
    if b is not None and np.atleast_2d(b[v]).shape[0] > 1:
        ax[k].plot(b["t"] / 1e3, np.atleast_2d(b[v])[1], color="0.7", lw=0.8, label="Brian 2, stochastic")
    ax[k].plot(t, x[v], color="C0", lw=1.2, label="nastro (RK4, 1 ms)")
    if b is not None:
        ax[k].plot(b["t"] / 1e3, np.atleast_2d(b[v])[0], "--", color="C3", lw=0.9,
                   label=f"Brian 2, deterministic ({b['method']}, {float(b['dt']):g} ms)")
    ax[k].set(ylabel=label, ylim=lim, xlim=(0, t[-1]))
    for s in ("top", "right"):
        ax[k].spines[s].set_visible(False)
rel = np.nonzero(np.diff(np.r_[0.0, x["G_A"]]) > 0)[0]
for r in rel:
    ax[2].axvline(t[r], color="C2", lw=0.5, alpha=0.6)
ax[2].axhline(0.5, color="C2", lw=0.5, ls=":")
ax[1].legend(loc="upper left", fontsize=7, frameon=False)
ax[3].set_xlabel("time (s)")
fig.suptitle(f"Brian 2's example 2: a G-ChI astrocyte under synaptic glutamate\n{len(rel)} gliotransmitter "
             "releases (green: C crosses C_Theta = 0.5 uM upwards on the grid)", fontsize=8)
fig.tight_layout()
fig.savefig(out, dpi=130)
print(out)
