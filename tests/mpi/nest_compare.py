#!/usr/bin/python3
"""Compare a nastro network run with NEST 3.10's reference output (tests/data, made as its README says).

Usage:
  nest_compare.py traces RUN.h5 NEST.csv COLUMN=POP/VAR:TOL ...   max |nastro - NEST| of each column at NEST's
                                                                 row times, against its tolerance
  nest_compare.py spikes RUN.h5 fI_spikes.json TOL                equal spike counts of the f-I runs, and
                                                                 times within TOL ms
Prints one line per quantity ("ok"/"FAIL", the error, the tolerance) and exits 1 if any fails.
"""
import json
import sys

import h5py
import numpy as np


def traces(run, csv, specs):
    ref = np.genfromtxt(csv, delimiter=",", names=True)
    bad = 0
    with h5py.File(run, "r") as f:
        assert int(f.attrs["complete"]) == 1, "the run is not complete"
        for spec in specs:
            col, rest = spec.split("=")
            path, tol = rest.split(":")
            pop, var = path.split("/")
            g = f["traces"][pop]
            t = g["time"][:]
            idx = np.searchsorted(t, ref["time_ms"] - 1e-9)
            ok = (idx < len(t)) & (np.abs(t[np.minimum(idx, len(t) - 1)] - ref["time_ms"]) < 1e-6)
            assert ok.all(), f"{pop}: nastro has no sample at {ref['time_ms'][~ok][:3]} ms"
            err = np.abs(g[var][:, 0][idx] - ref[col])
            worst = int(np.argmax(err))
            good = err[worst] <= float(tol)
            bad += not good
            print(f"{'ok' if good else 'FAIL'}: {col} ({pop}/{var}) max |nastro - NEST| = {err[worst]:.3g} at "
                  f"t = {ref['time_ms'][worst]:g} ms (tolerance {float(tol):g}; NEST range "
                  f"{ref[col].min():.4g} .. {ref[col].max():.4g})")
    return bad


def spikes(run, ref_json, tol):
    ref = json.load(open(ref_json))
    bad = 0
    with h5py.File(run, "r") as f:
        assert int(f.attrs["complete"]) == 1, "the run is not complete"
        for model, curves in ref.items():
            short = "aeif" if model.startswith("aeif") else "iaf"
            for current, times in curves.items():
                pop = f"{short}_{int(float(current))}"
                mine = f["spikes"][pop]["timestamps"][:]
                times = np.array(times)
                same = len(mine) == len(times)
                shift = np.abs(mine - times).max() if same and len(times) else 0.0
                good = same and shift <= tol
                bad += not good
                print(f"{'ok' if good else 'FAIL'}: {model} I_e = {current} pA: {len(mine)} spikes (NEST {len(times)})"
                      + (f", times within {shift:.3g} ms" if same else ""))
    return bad


if __name__ == "__main__":
    kind = sys.argv[1]
    n = traces(sys.argv[2], sys.argv[3], sys.argv[4:]) if kind == "traces" else spikes(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    sys.exit(1 if n else 0)
