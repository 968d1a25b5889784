#!/usr/bin/python3
"""Figure 3 of Stimberg et al. 2019 (Brian 2's example 3) from nastro's run of
examples/networks/brian_example3_io_synapse.yaml: the astrocytes' C and G_A over the transient, and per synapse
u_S, x_S and Y_S over the last 600 ms (u_S, x_S between spikes from their exact decay after each release, Y_S
as the sum of rho_c Y_T r_S exp(-Omega_c (t - t_k)) over the releases); Brian's traces dashed with --brian.

  /usr/bin/python3 analysis/plot_brian_example3.py OUT.h5 [--brian BRIAN.npz] [--png docs/figures/brian_example3.png]"""
import argparse

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("h5")
ap.add_argument("--brian")
ap.add_argument("--png", default="docs/figures/brian_example3.png")
a = ap.parse_args()
T0, Of, Od, Oc, rY = 16500.0, 3.33e-3, 2.0e-3, 40e-3, 0.005 * 500e3
b = np.load(a.brian) if a.brian else None
with h5py.File(a.h5, "r") as f:
    tr = {p: (f[f"/traces/{p}/time"][:], f[f"/traces/{p}/C"][:, 0], f[f"/traces/{p}/G_A"][:, 0])
          for p in ["A_weak", "A_strong"]}
    rel = [f[f"/releases/projection_{k}"][:] for k in range(3)]
fig, ax = plt.subplots(5, 1, figsize=(6.3, 8), gridspec_kw={"height_ratios": [3, 2, 3, 3, 3]})
for j, (p, c) in enumerate([("A_weak", "C2"), ("A_strong", "C3")]):
    t, C, G = tr[p]
    ax[0].plot((t - T0) / 1e3, C, color=c)
    ax[1].plot((t - T0) / 1e3, G, color=c)
    if b is not None:
        ax[0].plot((b["t"] - T0) / 1e3, b["C"][j], "k:", lw=0.6)
ax[0].axhline(0.5, color="gray", ls=":")
ax[0].set(xlim=(-T0 / 1e3, 0), ylabel="C (uM)")
ax[1].set(xlim=(-T0 / 1e3, 0), ylabel="G_A (uM)", xlabel="time (s)")
tt = np.arange(0.0, 601.0)
for k, c in enumerate(["k", "C2", "C3"]):
    r = rel[k]
    ts = r[:, 0] - T0
    u, x, Y = np.zeros_like(tt), np.ones_like(tt), np.zeros_like(tt)
    for i, t in enumerate(tt):
        m = np.nonzero(ts <= t)[0]
        if len(m):
            q = m[-1]
            u[i] = r[q, 3] * np.exp(-Of * (t - ts[q]))
            x[i] = 1 - (1 - r[q, 4]) * np.exp(-Od * (t - ts[q]))
            Y[i] = np.sum(rY * r[m, 5] * np.exp(-Oc * (t - ts[m])))
    ax[2].plot(tt, u, color=c)
    ax[3].plot(tt, x, color=c)
    ax[4].plot(tt, Y, color=c, label=["no gliotransmission", "weak", "stronger"][k])
    if b is not None:
        ax[2].plot(b["t"] - T0, b["u_S"][k], ":", color=c, lw=0.6)
for i, lab in zip([2, 3, 4], ["u_S", "x_S", "Y_S (uM)"]):
    ax[i].set(xlim=(0, 600), ylabel=lab)
ax[4].set(xlabel="time (ms)")
ax[4].legend(loc="upper right", fontsize=7)
fig.tight_layout()
fig.savefig(a.png, dpi=110)
print("wrote", a.png)
