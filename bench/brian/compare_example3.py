#!/usr/bin/python3
"""nastro's examples/networks/brian_example3_io_synapse.yaml against Brian 2's example 3
(bench/brian/example3_io_synapse.py): max differences of u_S, x_S, r_S and Gamma_S at the 16 presynaptic spikes
(nastro's /releases; Brian's values right after each spike), of C, G_A, I on the common sample times, and the
gliotransmitter release times (the steps in which G_A jumps).

  /usr/bin/python3 bench/brian/compare_example3.py NASTRO.h5 BRIAN.npz"""
import sys

import h5py
import numpy as np

KINDS = ["none", "weak", "strong"]
ASTRO = ["A_weak", "A_strong"]


def jumps(t, g):
    """times at which G_A jumps up (a release)"""
    return t[1:][np.diff(g) > 1.0]


def main(hpath, bpath):
    b = np.load(bpath)
    with h5py.File(hpath, "r") as f:
        rel = [f[f"/releases/projection_{k}"][:] for k in range(3)]
        tr = {a: {v: f[f"/traces/{a}/{v}"][:, 0] for v in ["C", "G_A", "I", "Gamma_S"]} for a in ASTRO}
        tn = f[f"/traces/{ASTRO[0]}/time"][:]
    assert np.allclose(rel[0][:, 0], b["spikes"]), "spike times differ"
    print("synapse   max|du_S|   max|dx_S|   max|dr_S|   max|dGamma_S|  (at the 16 spikes)")
    for k in range(3):
        d = [np.max(np.abs(rel[k][:, c] - b[v + "_spike"][k])) for c, v in [(3, "u_S"), (4, "x_S"), (5, "r_S"),
                                                                          (6, "Gamma_S")]]
        print(f"{KINDS[k]:8s} " + " ".join(f"{x:11.3e}" for x in d))
    tb = b["t"]
    # a row at t is the state at t in both: nastro's first sample is t = h
    ib = np.searchsorted(tb, tn)
    ok = (ib < len(tb)) & (np.abs(tb[np.minimum(ib, len(tb) - 1)] - tn) < 1e-9)
    print("astrocyte  max|dC| [uM]  max|dG_A| [uM]  max|dI| [uM]  releases nastro / Brian  (times [ms])")
    for j, a in enumerate(ASTRO):
        d = [np.max(np.abs(tr[a][v][ok] - b[v][j][ib[ok]])) for v in ["C", "G_A", "I"]]
        jn, jb = jumps(tn, tr[a]["G_A"]), jumps(tb, b["G_A"][j])
        print(f"{a:9s} " + " ".join(f"{x:12.3e}" for x in d) + f"   {len(jn)} / {len(jb)}  {jn[:4]} / {jb[:4]}")
    # where Gamma_S differs from: Brian's synapse integrates it exactly with G_A (a summed variable) held over each
    # step at its value at the step's start; the same from nastro's G_A reproduces Brian's Gamma_S
    O_G, Omega_G, h = 1.5e-3, 0.5 / 60e3, 1.0
    for j, a in enumerate(ASTRO):
        ga = np.r_[0.0, tr[a]["G_A"]]  # G_A at t = 0, 1, ... (nastro's first sample is t = h)
        gs = np.zeros(len(ga))
        for n in range(len(ga) - 1):
            r = O_G * ga[n] + Omega_G
            inf = O_G * ga[n] / r
            gs[n + 1] = inf + (gs[n] - inf) * np.exp(-r * h)
        tt = np.arange(len(ga)) * h
        m = np.searchsorted(tt, tb[tb <= tt[-1]])
        print(f"{a}: Gamma_S max|nastro - Brian| over the run {np.max(np.abs(np.r_[0.0, tr[a]['Gamma_S']][m] - b['Gamma_S'][j + 1][:len(m)])):.3e};"
              f" with G_A held over each step as Brian does: {np.max(np.abs(gs[m] - b['Gamma_S'][j + 1][:len(m)])):.3e}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
