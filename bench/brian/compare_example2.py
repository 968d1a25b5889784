#!/usr/bin/python3
"""Max differences of C, h, I (and Gamma_A) between nastro runs of examples/networks/brian_example2_gchi.yaml and
Brian 2 runs of bench/brian/example2_gchi.py, on the common sample times (a row at t is the state at t in both).

  /usr/bin/python3 bench/brian/compare_example2.py NASTRO.h5[,NASTRO2.h5...] BRIAN.npz[,BRIAN2.npz...]

Prints one line per pair; for Brian, the deterministic cell (row 0)."""
import sys

import h5py
import numpy as np

VARS = ["C", "h", "I", "Gamma_A"]


def nastro(path):
    with h5py.File(path, "r") as f:
        t = f["/traces/astro/time"][:]
        return t, {v: f["/traces/astro/" + v][:, 0] for v in VARS}


def brian(path):
    d = np.load(path)
    return d["t"], {v: np.atleast_2d(d[v])[0] for v in VARS}, f"{d['method']} dt {float(d['dt']):g} ms"


def maxdiff(ta, a, tb, b):
    """max |a - b| over the times both have (times in ms, matched to 1e-9 ms)"""
    ib = {int(round(x * 1e6)): k for k, x in enumerate(tb)}
    pairs = [(k, ib[int(round(x * 1e6))]) for k, x in enumerate(ta) if int(round(x * 1e6)) in ib]
    ka, kb = np.array(pairs).T
    return {v: float(np.max(np.abs(a[v][ka] - b[v][kb]))) for v in VARS}, len(ka)


if __name__ == "__main__":
    for n in sys.argv[1].split(","):
        tn, xn = nastro(n)
        for b in sys.argv[2].split(","):
            tb, xb, what = brian(b)
            d, m = maxdiff(tn, xn, tb, xb)
            print(f"{n} vs Brian {what} ({m} samples): " + ", ".join(f"{v} {d[v]:.2e}" for v in VARS))
