#!/usr/bin/python3
"""Example 2's stochastic astrocytes, nastro against Brian 2, as statistics over many cells (the paths cannot be
the same: other random numbers). NASTRO.h5: examples/networks/brian_example2_gchi_noise.yaml with many cells in
population noisy (traces every 100 ms); BRIAN.npz: example2_gchi.py --noisy N --record-dt 100 (cell 0 is the
deterministic one). Prints, for C and h: the mean and sd over cells and over the sample times in [T0, 30] s, and
the ensemble means at each sample time compared by their standard errors (the largest |z| and the fraction of
times with |z| > 2, about 5 % for samples of one distribution).

  /usr/bin/python3 bench/brian/compare_example2_noise.py NASTRO.h5 BRIAN.npz [--t0 S]"""
import argparse

import h5py
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("nastro")
ap.add_argument("brian")
ap.add_argument("--t0", type=float, default=2.0, help="start of the window [s] (the first glutamate jump)")
a = ap.parse_args()

f = h5py.File(a.nastro, "r")
b = np.load(a.brian)
tn = f["/traces/noisy/time"][:]
tb = b["t"]
common = np.intersect1d(np.round(tn, 6), np.round(tb, 6))
common = common[common >= a.t0 * 1e3]
kn = np.searchsorted(np.round(tn, 6), common)
kb = np.searchsorted(np.round(tb, 6), common)
print(f"{len(common)} common sample times in [{common[0] / 1e3:g}, {common[-1] / 1e3:g}] s; "
      f"nastro {f['/traces/noisy/h'].shape[1]} cells, Brian {b['h'].shape[0] - 1} cells")
for v in ("C", "h"):
    xn = f["/traces/noisy/" + v][:][kn, :]  # [time, cell]
    xb = b[v][1:, :].T[kb, :]                # Brian: [cell, time]; cell 0 is the deterministic one
    z = (xn.mean(1) - xb.mean(1)) / np.sqrt(xn.var(1, ddof=1) / xn.shape[1] + xb.var(1, ddof=1) / xb.shape[1])
    print(f"{v}: mean over cells and times nastro {xn.mean():.4f}, Brian {xb.mean():.4f}; "
          f"sd over cells (time-averaged) nastro {xn.std(1, ddof=1).mean():.4f}, Brian {xb.std(1, ddof=1).mean():.4f}; "
          f"ensemble means: max |z| {np.abs(z).max():.2f}, |z| > 2 at {np.mean(np.abs(z) > 2) * 100:.1f} % of times")
