#!/usr/bin/python3
"""The figure of Brian 2's neuron-glia example 6 (Stimberg et al. 2019, figure 6) from a nastro run of
examples/networks/brian_example6_coba.yaml: the input current, a raster of a quarter of the E and I neurons and of
the astrocytes' gliotransmitter releases, and the neurons' population rate in 1 ms bins. With --brian, the same
panels from bench/brian/example6_coba.py's output beside it.

  /usr/bin/python3 analysis/plot_brian_example6.py RUN.h5 [--brian BRIAN.npz] [-o OUT.png]"""
import argparse
import os

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("run")
ap.add_argument("--brian", help="bench/brian/example6_coba.py's .npz, drawn beside")
ap.add_argument("-o", "--out", help="PNG (default: RUN with .png)")
a = ap.parse_args()
NE, NI, NA = 3200, 800, 3200


def nastro_data(path):
    with h5py.File(path, "r") as f:
        s = {p: (f["spikes"][p]["timestamps"][:] / 1000, f["spikes"][p]["node_ids"][:]) for p in ("E", "I", "A")}
        t_stop = float(f.attrs["t_stop"]) / 1000
    return s, t_stop, "nastro (%s)" % os.path.basename(path)


def brian_data(path):
    z = np.load(path)
    s = {"E": (z["e_t"], z["e_i"]), "I": (z["i_t"], z["i_i"]), "A": (z["a_t"], z["a_i"])}
    return s, float(z["duration"]), "Brian 2 (seed %d)" % int(z["seed"])


cols = [nastro_data(a.run)] + ([brian_data(a.brian)] if a.brian else [])
fig, ax = plt.subplots(3, len(cols), sharex=True, figsize=(6.3 * len(cols), 5.0), squeeze=False,
                       gridspec_kw={"height_ratios": [1, 6, 2]})
for c, (s, t_stop, title) in enumerate(cols):
    t = np.linspace(0, t_stop, int(t_stop * 100))
    ax[0, c].plot(t, 100 * np.where((t >= 2) & (t < 4), 1.2, 1.0), "k")
    ax[0, c].set(ylim=(98, 122), yticks=[100, 120], ylabel="$I_{ex}$ (pA)", title=title)
    frac = 4
    for k, (p, off, n, col) in enumerate((("E", 0, NE, "C0"), ("I", NE // frac, NI, "C1"),
                                          ("A", (NE + NI) // frac, NA, "C2"))):
        tt, ii = s[p]
        sel = ii <= n // frac
        ax[1, c].plot(tt[sel], ii[sel] + off, "|", color=col, ms=2)
    ax[1, c].set(ylim=(0, (NE + NI + NA) // frac), ylabel="cell index (E, I, releases of A)")
    allt = np.r_[s["E"][0], s["I"][0]]
    cnt, edges = np.histogram(allt, int(round(t_stop / 1e-3)), range=(0, t_stop))
    rate = np.maximum(cnt / (NE + NI) / 1e-3, 1e-3)
    ax[2, c].semilogy(edges[:-1], rate, "k-", lw=0.5)
    ax[2, c].set(xlim=(0, t_stop), ylim=(0.1, 150), xlabel="time (s)", ylabel="rate (Hz)")
fig.tight_layout()
out = a.out or os.path.splitext(a.run)[0] + ".png"
fig.savefig(out, dpi=110)
print("wrote", out)
