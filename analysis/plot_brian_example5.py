#!/usr/bin/python3
"""The figure of Brian 2's neuron-glia example 5 (Stimberg et al. 2019, Fig. 5: a calcium wave in a ring of 50
G-ChI astrocytes coupled by IP3 gap junctions; C/C_max of every cell stacked, offset by cell index, the driven
cell's neighbour 24 in colour as the example draws it) from a nastro run of
examples/networks/brian_example5_ring.yaml; with --brian, Brian's own run (bench/brian/example5_ring.py) in a
second panel.

  /usr/bin/python3 analysis/plot_brian_example5.py RUN.h5 [--brian BRIAN.npz] [-o OUT.png]"""
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
    C = f["/traces/astro/C"][:]  # [sample][cell]
runs = [("nastro (RK4, 50 ms)", t, C)]
if a.brian:
    b = np.load(a.brian)
    runs.append((f"Brian 2 (rk4, {float(b['dt']):g} ms)", b["t"] / 1e3, b["C"].T))

N, scaling = C.shape[1], 1.2
fig, axes = plt.subplots(1, len(runs), figsize=(6.27 * len(runs), 6.27 * 0.66), squeeze=False)
for ax, (name, tt, CC) in zip(axes[0], runs):
    y = CC / CC.max() + np.arange(N) * scaling
    ax.plot(tt, np.delete(y, N // 2 - 1, axis=1), color="black", lw=0.4)
    ax.plot(tt, y[:, N // 2 - 1], color="C0", lw=0.6)
    ax.set(xlim=(0, tt[-1]), ylim=(0, (N + 1.5) * scaling), xlabel="time (s)", title=name,
           yticks=np.arange(0.5 * scaling, (N + 1.5) * scaling, 10 * scaling),
           yticklabels=[str(k) for k in range(0, N + 1, 10)], ylabel=r"$C/C_{max}$ (cell index)")
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
fig.tight_layout()
fig.savefig(out, dpi=100)
print(out)
