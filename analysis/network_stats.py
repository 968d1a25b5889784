#!/usr/bin/python3
"""Statistics of a nastro spiking-network run over a time window, as bench/nest/brunel_rates.py computes NEST's.

Usage:  /usr/bin/python3 analysis/network_stats.py RUN.h5 [--from MS] [--to MS] [--json]
        (default window: the whole run, 0 .. t_stop)

For every neuron population with recorded spikes (/spikes/<pop>):
  rate   spikes with from < t <= to, divided by (n x (to - from) / 1000 s), n all cells of the population
         (/populations/<pop> attribute n), as brunel_rates.py divides by len(pop) x T;
  cv     mean over the cells with >= 3 spikes in the window of std(ISI) / mean(ISI) (numpy std, ddof 0),
         and cv_n, the number of those cells.
For every traced population with Ca_astro (/traces/<pop>), over the samples with from < t <= to:
  ca_mean, ca_std        Ca_astro over all traced cells and all samples together (uM);
  ca_std_across_astro    std across the traced cells of each one's time-mean Ca;
  ca_max, ip3_mean       the largest Ca sample, and IP3 averaged like ca_mean (if IP3 is traced).
  traced / n             how many cells of the population are traced (brunel_rates.py traces all of them;
                         for a nastro run, -network_set record.traces.0.cells=all when the file traces a few).
The window is half-open on the left, (from, to], as NEST's recorders with start = from record: a spike_recorder
or multimeter with start 100 ms keeps events with t > 100 ms, and nastro stamps a spike and a sample with the end
of the step, as NEST does. One difference remains: NEST's multimeter takes no sample at the end of the last
Simulate call, so brunel_rates.py's Ca statistics end at 1099 ms (999 samples), these at --to (1000 samples);
for the Brunel network at scale 0.25 that moves Ca mean by 2e-4 uM (0.1 %), a tenth of the spread between seeds.
--json prints one JSON object (for scripts); otherwise a small table.
Needs only h5py and numpy.
"""
import argparse
import json
import sys

import h5py
import numpy as np


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def cv_stats(senders, times):
    """Per-cell CV of ISIs over cells with >= 3 spikes; mean and count (bench/nest/brunel_rates.py uses this too)."""
    order = np.lexsort((times, senders))
    s, t = senders[order], times[order]
    cvs = []
    bounds = np.flatnonzero(np.diff(s)) + 1
    for seg in np.split(np.arange(len(s)), bounds):
        if len(seg) >= 3:
            isi = np.diff(t[seg])
            m = isi.mean()
            if m > 0:
                cvs.append(isi.std() / m)
    cvs = np.array(cvs)
    return (float(cvs.mean()) if len(cvs) else float("nan")), len(cvs)


def in_window(t, t0, t1):
    return (t > t0) & (t <= t1)


def stats(f, t0, t1):
    T = (t1 - t0) / 1000.0
    out = {"file_complete": int(f.attrs.get("complete", 0)), "from_ms": t0, "to_ms": t1,
           "mpi_ranks": int(f.attrs.get("mpi_ranks", 1)), "seed": int(f.attrs.get("seed", -1)),
           "network_set": text(f.attrs.get("network_set", "")), "populations": {}, "astrocytes": {}}
    for pop in f.get("spikes", {}):
        g = f["spikes"][pop]
        t, ids = g["timestamps"][:], g["node_ids"][:].astype(np.int64)
        keep = in_window(t, t0, t1)
        n = int(f["populations"][pop].attrs["n"])
        cv, ncv = cv_stats(ids[keep], t[keep])
        out["populations"][pop] = {"n": n, "spikes": int(keep.sum()), "rate": float(keep.sum()) / (n * T) if T > 0
                                   else float("nan"), "cv": cv, "cv_n": ncv}
    for pop in f.get("traces", {}):
        g = f["traces"][pop]
        if "Ca_astro" not in g:
            continue
        keep = in_window(g["time"][:], t0, t1)
        if not keep.any():
            continue
        ca = g["Ca_astro"][keep, :]
        r = {"n": int(f["populations"][pop].attrs["n"]), "traced": int(ca.shape[1]), "samples": int(ca.shape[0]),
             "ca_mean": float(ca.mean()), "ca_std": float(ca.std()),
             "ca_std_across_astro": float(ca.mean(axis=0).std()), "ca_max": float(ca.max())}
        if "IP3" in g:
            r["ip3_mean"] = float(g["IP3"][keep, :].mean())
        out["astrocytes"][pop] = r
    if "timing" in f:
        out["timing"] = {k: (float(v) if np.ndim(v) == 0 and not isinstance(v, bytes) else text(v))
                         for k, v in f["timing"].attrs.items() if k != "description"}
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run")
    ap.add_argument("--from", dest="t0", type=float, default=0.0, help="window start [ms], exclusive (default 0)")
    ap.add_argument("--to", dest="t1", type=float, default=None, help="window end [ms], inclusive (default t_stop)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    with h5py.File(args.run, "r") as f:
        if text(f.attrs.get("model", "")) != "network":
            sys.exit(f"network_stats.py: {args.run} is not a network run")
        t1 = args.t1 if args.t1 is not None else float(f.attrs["t_stop"])
        if not t1 > args.t0:
            sys.exit(f"network_stats.py: --to {t1:g} must exceed --from {args.t0:g}")
        if t1 > float(f.attrs["t_stop"]) + 1e-9:
            sys.exit(f"network_stats.py: --to {t1:g} is past the run's t_stop {float(f.attrs['t_stop']):g}")
        s = stats(f, args.t0, t1)
    if args.json:
        print(json.dumps(s))
        return
    print(f"{args.run}: window ({args.t0:g}, {t1:g}] ms, {s['mpi_ranks']} rank(s), seed {s['seed']}"
          + ("" if s["file_complete"] == 1 else "  INCOMPLETE"))
    for pop, r in s["populations"].items():
        print(f"  {pop:>12}: rate {r['rate']:.3f} Hz ({r['spikes']} spikes, {r['n']} cells), "
              f"CV ISI {r['cv']:.3f} over {r['cv_n']} cells with >= 3 spikes")
    for pop, r in s["astrocytes"].items():
        ip3 = f", IP3 mean {r['ip3_mean']:.4f}" if "ip3_mean" in r else ""
        print(f"  {pop:>12}: Ca mean {r['ca_mean']:.5f} std {r['ca_std']:.5f} (across cells {r['ca_std_across_astro']:.5f})"
              f", max {r['ca_max']:.4f} uM{ip3}; {r['traced']} of {r['n']} cells traced, {r['samples']} samples")


if __name__ == "__main__":
    main(sys.argv[1:])
