#!/usr/bin/python3
"""Draw a nastro spiking-network run (its HDF5 output) to a PNG.

Usage:  /usr/bin/python3 analysis/plot_network.py RUN.h5 [-o FIG.png] [--max-cells N] [--tmin MS] [--tmax MS]
        (default output: RUN.png beside RUN.h5)

Panels, each drawn when the file has what it needs (docs/output-format.md):
  * a raster of every recorded population (/spikes/<pop>/{timestamps,node_ids}), at most --max-cells cells each;
  * the population rates (/rates/<pop>, Hz, bins of the run's -rate_bin);
  * the astrocyte traces (/traces/<pop>/IP3, Ca_astro, h_IP3R), the calcium with the SIC threshold drawn in;
  * the neuron traces (V_m, g_ex, I_SIC ...) of at most a few cells.
A run whose root attribute complete is not 1 is still drawn, marked INCOMPLETE.
Needs only h5py, numpy and matplotlib (Agg backend).
"""
import argparse
import os
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ASTRO_VARS = ("IP3", "Ca_astro", "h_IP3R")
SIC_TH = 0.19669  # uM, astrocyte_lr_1994's default SIC_th


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def panels(f):
    """The list of (kind, population) panels this file can fill."""
    out = []
    if "spikes" in f:
        out += [("raster", p) for p in f["spikes"]]
    if "rates" in f and any(k != "time" for k in f["rates"]):
        out.append(("rates", None))
    for p in f.get("traces", {}):
        g = f["traces"][p]
        if any(v in g for v in ASTRO_VARS):
            out.append(("astro", p))
        if any(v not in ASTRO_VARS + ("time", "node_ids") for v in g):
            out.append(("neuron", p))
    return out


def window(t, tmin, tmax):
    keep = np.ones(len(t), bool)
    if tmin is not None:
        keep &= t >= tmin
    if tmax is not None:
        keep &= t <= tmax
    return keep


def draw_raster(ax, f, pop, args):
    g = f["spikes"][pop]
    t, ids = g["timestamps"][:], g["node_ids"][:]
    keep = window(t, args.tmin, args.tmax) & (ids < args.max_cells)
    ax.plot(t[keep], ids[keep], "|", ms=2, color="k")
    n = f["populations"][pop].attrs.get("n", ids.max() + 1 if len(ids) else 1)
    ax.set_ylabel(f"{pop} cell")
    ax.set_title(f"spikes of {pop}: {len(t)} from {n} cells")


def draw_rates(ax, f, args):
    r = f["rates"]
    t = r["time"][:] + 0.5 * r.attrs.get("bin", 0)
    keep = window(t, args.tmin, args.tmax)
    for p in r:
        if p != "time":
            ax.plot(t[keep], r[p][:][keep], label=f"{p} ({r[p][:].mean():.2f} Hz)")
    ax.set_ylabel("rate [Hz]")
    ax.legend(fontsize="small")
    ax.set_title(f"population rates ({r.attrs.get('bin', 0):g} ms bins)")


def draw_astro(ax, f, pop, args):
    g = f["traces"][pop]
    t = g["time"][:]
    keep = window(t, args.tmin, args.tmax)
    ids = g["node_ids"][:]
    ncells = min(len(ids), 5)
    for v, style in zip(ASTRO_VARS, ("-", "-", ":")):
        if v not in g:
            continue
        data = g[v]
        for c in range(ncells):
            ax.plot(t[keep], data[:, c][keep], style, lw=1, label=f"{v} cell {ids[c]}" if ncells > 1 else v)
    if "Ca_astro" in g:
        ax.axhline(SIC_TH, color="grey", lw=0.8, ls="--", label="SIC threshold (default)")
    ax.set_ylabel("uM (h: 1)")
    ax.legend(fontsize="x-small", ncol=2)
    ax.set_title(f"astrocytes {pop}")


def draw_neuron(ax, f, pop, args):
    g = f["traces"][pop]
    t = g["time"][:]
    keep = window(t, args.tmin, args.tmax)
    ids = g["node_ids"][:]
    names = [v for v in g if v not in ASTRO_VARS + ("time", "node_ids")]
    twin = None
    for v in names:
        data = g[v]
        target = ax if v == "V_m" or len(names) == 1 else (twin or ax.twinx())
        if target is not ax:
            twin = target
        for c in range(min(len(ids), 3)):
            target.plot(t[keep], data[:, c][keep], lw=1, label=f"{v} cell {ids[c]}")
    ax.set_ylabel(names[0] if "V_m" not in names else "V_m [mV]")
    lines = ax.get_legend_handles_labels()
    if twin is not None:
        more = twin.get_legend_handles_labels()
        lines = (lines[0] + more[0], lines[1] + more[1])
    ax.legend(*lines, fontsize="x-small")
    ax.set_title(f"neurons {pop}")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run")
    ap.add_argument("-o", "--output")
    ap.add_argument("--max-cells", type=int, default=500)
    ap.add_argument("--tmin", type=float)
    ap.add_argument("--tmax", type=float)
    args = ap.parse_args(argv)
    out = args.output or os.path.splitext(args.run)[0] + ".png"
    with h5py.File(args.run, "r") as f:
        if text(f.attrs.get("model", "")) != "network":
            sys.exit(f"plot_network.py: {args.run} is not a network run (use analysis/plot_run.py)")
        todo = panels(f)
        if not todo:
            sys.exit(f"plot_network.py: {args.run} records no spikes, rates or traces")
        fig, axes = plt.subplots(len(todo), 1, figsize=(10, 2.6 * len(todo)), sharex=True, squeeze=False)
        for ax, (kind, pop) in zip(axes[:, 0], todo):
            {"raster": lambda: draw_raster(ax, f, pop, args), "rates": lambda: draw_rates(ax, f, args),
             "astro": lambda: draw_astro(ax, f, pop, args), "neuron": lambda: draw_neuron(ax, f, pop, args)}[kind]()
        axes[-1, 0].set_xlabel("time [ms]")
        title = f"{text(f.attrs.get('network', ''))} on {int(f.attrs.get('mpi_ranks', 1))} rank(s)"
        if int(f.attrs.get("complete", 0)) != 1:
            title += "  INCOMPLETE"
        fig.suptitle(title)
        fig.tight_layout()
        fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main(sys.argv[1:])
