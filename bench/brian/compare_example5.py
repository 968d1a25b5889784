#!/usr/bin/python3
"""Example 5 (the ring of 50 astrocytes) from nastro and Brian 2: the wave's arrival time at each cell and the
mirror symmetry about the driven cell 25.

Arrival time of period k at cell i: the first sample time t in [50 k s, 50 (k + 1) s) (the k-th stimulus onset
to the next) at which C rises above THETA = 0.6 uM (the sample before at or below it); none if C stays below.
Mirror symmetry: cells 25 + j and 25 - j (mod 50) against each other, C and arrival times.

  /usr/bin/python3 bench/brian/compare_example5.py NASTRO.h5 [BRIAN.npz ...] [--nastro OTHER.h5 ...]

Rows are matched by time (nastro samples the end of each step, t = (n + 1) h; Brian's StateMonitor the state at
t = n h): the common times. Prints, per pair, the max difference of C over time windows, the periods whose
arrival times agree exactly (to the sample) and the first that does not, and each run's mirror asymmetry."""
import argparse

import h5py
import numpy as np

THETA, PERIOD = 0.6, 50000.0  # uM, ms

ap = argparse.ArgumentParser()
ap.add_argument("nastro")
ap.add_argument("brian", nargs="*")
ap.add_argument("--nastro", dest="others", action="append", default=[])
a = ap.parse_args()


def load_nastro(p):
    with h5py.File(p, "r") as f:
        return f["/traces/astro/time"][:], f["/traces/astro/C"][:]


def load_brian(p):
    d = np.load(p)
    return d["t"], d["C"].T


def arrivals(t, C):
    nper = int(round(t[-1] / PERIOD))
    out = np.full((nper, C.shape[1]), np.nan)
    up = (C[1:] > THETA) & (C[:-1] <= THETA)
    tt = np.round(t[1:], 6)  # Brian: k dt in float seconds, to the ns
    for k in range(nper):
        sel = (tt >= k * PERIOD) & (tt < (k + 1) * PERIOD)
        for i in range(C.shape[1]):
            hit = np.nonzero(up[sel, i])[0]
            if len(hit):
                out[k, i] = tt[sel][hit[0]]
    return out


def common(ta, tb):
    ib = {int(round(x * 1e3)): k for k, x in enumerate(tb)}
    pairs = [(k, ib[int(round(x * 1e3))]) for k, x in enumerate(ta) if int(round(x * 1e3)) in ib]
    return np.array(pairs).T


def mirror(C):
    N = C.shape[1]
    j = np.arange(1, N // 2)
    return (N // 2 + j) % N, (N // 2 - j) % N


def report(name, t, C):
    p, m = mirror(C)
    A = arrivals(t, C)
    dA = np.nanmax(np.abs(A[:, p] - A[:, m])) if np.isfinite(A).any() else np.nan
    same_nan = np.array_equal(np.isnan(A[:, p]), np.isnan(A[:, m]))
    print(f"{name}: {C.shape[0]} samples; mirror: max |C(25+j) - C(25-j)| {np.abs(C[:, p] - C[:, m]).max():.2e} uM, "
          f"arrival times {dA:.3g} ms apart at most (same cells reached: {same_nan}); "
          f"{int(np.isfinite(A).sum())} arrivals in {A.shape[0]} periods")
    return A


def pair(na, ta, Ca, Aa, nb, tb, Cb, Ab):
    ka, kb = common(ta, tb)
    D = np.abs(Ca[ka] - Cb[kb]).max(axis=1)
    tt = ta[ka]
    wins = [(0, 20e3), (20e3, 100e3), (100e3, 300e3), (300e3, 500e3), (500e3, 4e6)]
    print(f"{na} vs {nb} ({len(ka)} common samples): max |dC| " +
          ", ".join(f"{lo / 1e3:g}-{hi / 1e3:g} s {D[(tt > lo) & (tt <= hi)].max():.1e}" for lo, hi in wins
                    if ((tt > lo) & (tt <= hi)).any()))
    for th in (1e-12, 1e-6, 1e-2):
        k = np.argmax(D > th)
        print(f"  |dC| first above {th:g} uM at t = {tt[k] / 1e3:g} s" if D.max() > th else f"  |dC| never above {th:g}")
    n = min(len(Aa), len(Ab))
    diff = np.abs(Aa[:n] - Ab[:n])
    agree = [np.array_equal(np.isnan(Aa[k]), np.isnan(Ab[k])) and np.nanmax(np.r_[diff[k], 0]) == 0 for k in range(n)]
    first = next((k for k in range(n) if not agree[k]), None)
    print(f"  arrival times: {sum(agree)} of {n} periods identical (every cell to the sample)"
          + (f"; the first that differs is period {first} ({first * PERIOD / 1e3:g} s): max |dt| "
             f"{np.nanmax(np.r_[diff[first], 0]):.0f} ms, cells reached {int(np.isfinite(Aa[first]).sum())} vs "
             f"{int(np.isfinite(Ab[first]).sum())}" if first is not None else ""))
    if first is not None and first > 0:
        print(f"  before it (periods 0-{first - 1}): {int(np.isfinite(Aa[:first]).sum())} arrivals, all equal")


tn, Cn = load_nastro(a.nastro)
An = report(a.nastro, tn, Cn)
for p in a.others:
    t2, C2 = load_nastro(p)
    pair(a.nastro, tn, Cn, An, p, t2, C2, report(p, t2, C2))
for p in a.brian:
    tb, Cb = load_brian(p)
    pair(a.nastro, tn, Cn, An, p, tb, Cb, report(p, tb, Cb))
