#!/usr/bin/python3
"""Draw a nastro spiking-network run (its HDF5 output) to a PNG.

Usage:  /usr/bin/python3 analysis/plot_network.py RUN.h5 [-o FIG.png] [--max-cells N] [--tmin MS] [--tmax MS]
                                                  [--rate-bin MS] [--dpi DPI]
        (default output: RUN.png beside RUN.h5)

Panels, top to bottom, each drawn when the file has what it needs (docs/output-format.md), in the order of the
loop neuron -> astrocyte -> neuron:
  1. spikes: one raster of every recorded population (/spikes/<pop>), stacked in the order of the network file,
     one colour each, at most --max-cells cells of each (the first ones), labelled with the population's name,
     size and mean rate;
  2. population rates (/rates/<pop>, Hz) of the recorded populations of more than one cell, in bins of
     --rate-bin ms (default: the file's bin, widened to a multiple of it when a population is small enough for
     10 ms bins to be mostly 0 or 1 spike);
  3. astrocyte IP3 (/traces/<pop>/IP3), 4. astrocyte Ca2+ (Ca_astro) with the SIC threshold (the population's
     SIC_th as the network file sets it, else astrocyte_lr_1994's default 0.19669 uM), 5. h_IP3R when traced;
  6. the slow inward current each neuron population receives (I_SIC);
  7. the membrane potential (V_m) of each neuron population, and any other traced variable in a panel of its own.
Traces of at most 5 cells are drawn one by one (once, when they are all equal); of more, the mean over the traced
cells with a band of +- 1 sd and the first 3 cells thin; V_m of the first 3 cells only. Legends sit right of the axes, never over the data. Runs longer than 10 s are drawn
in seconds. A run whose root attribute complete is not 1 is still drawn, marked INCOMPLETE.
Needs only h5py, numpy and matplotlib (Agg backend); PyYAML, when present, reads SIC_th from /network_file.
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
COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]
ONE_BY_ONE = 5  # traces of at most this many cells are drawn one by one
UNITS = {"V_m": "mV", "I_SIC": "pA", "g_ex": "nS", "g_in": "nS", "w": "pA", "IP3": "uM", "Ca_astro": "uM",
         "h_IP3R": "1"}
LABELS = {"IP3": "IP$_3$", "Ca_astro": "Ca$^{2+}$", "h_IP3R": "h$_{IP3R}$", "V_m": "V$_m$", "I_SIC": "SIC",
          "g_ex": "g$_{ex}$", "g_in": "g$_{in}$", "w": "w"}


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def file_order(f, names):
    """names sorted as the populations of the network file (by first_global_id)."""
    pops = f.get("populations", {})
    return sorted(names, key=lambda p: int(pops[p].attrs.get("first_global_id", 0)) if p in pops else 1 << 62)


def sic_threshold(f, pop):
    """SIC_th of an astrocyte population as the network file sets it (a number), else the model default."""
    try:
        import yaml

        spec = yaml.safe_load(text(f["network_file"][()]))
        for p in spec.get("populations", []):
            if p.get("name") == pop:
                v = (p.get("params") or {}).get("SIC_th", SIC_TH)
                return float(v) if isinstance(v, (int, float)) else SIC_TH
    except Exception:
        pass
    return SIC_TH


class Plot:
    def __init__(self, f, args):
        self.f, self.args = f, args
        self.t_stop = float(f.attrs.get("t_stop", 0))
        self.sec = self.t_stop > 10000.0  # draw in seconds
        self.tscale = 1e-3 if self.sec else 1.0
        self.color = {p: COLORS[k % len(COLORS)] for k, p in enumerate(file_order(f, list(f.get("populations", {}))))}

    def window(self, t):
        keep = np.ones(len(t), bool)
        if self.args.tmin is not None:
            keep &= t >= self.args.tmin
        if self.args.tmax is not None:
            keep &= t <= self.args.tmax
        return keep

    def n_of(self, pop):
        return int(self.f["populations"][pop].attrs.get("n", 1))

    # -- what the file can fill ---------------------------------------------------------------------------------
    def panels(self):
        f, out = self.f, []
        spk = file_order(f, list(f.get("spikes", {})))
        if spk:
            out.append(("raster", spk))
        rated = [p for p in spk if "rates" in f and p in f["rates"] and self.n_of(p) > 1]
        if rated:
            out.append(("rates", rated))
        traces = file_order(f, list(f.get("traces", {})))
        for v in ASTRO_VARS:
            pops = [p for p in traces if v in f["traces"][p]]
            if pops:
                out.append(("astro", (v, pops)))
        for p in traces:
            if "I_SIC" in f["traces"][p]:
                out.append(("trace", (p, "I_SIC")))
        for p in traces:
            for v in f["traces"][p]:
                if v not in ASTRO_VARS + ("time", "node_ids", "I_SIC"):
                    out.append(("trace", (p, v)))
        return out

    # -- panels ----------------------------------------------------------------------------------------------------
    def raster(self, ax, pops):
        f, base, ticks, labels = self.f, 0, [], []
        total_rows = sum(min(self.n_of(p), self.args.max_cells) for p in pops)
        ms = float(np.clip(250.0 / max(total_rows, 1), 1.0, 12.0))
        for p in reversed(pops):  # the first population on top
            g = f["spikes"][p]
            t, ids = g["timestamps"][:], g["node_ids"][:].astype(np.int64)
            rows = min(self.n_of(p), self.args.max_cells)
            keep = self.window(t) & (ids < rows)
            rate = float(f["populations"][p].attrs.get("rate", len(t) / (self.n_of(p) * self.t_stop * 1e-3)
                                                       if self.t_stop else 0))
            ax.plot(t[keep] * self.tscale, ids[keep] + base, "|" if total_rows <= 60 else ".", ms=ms,
                    mew=1.0 if total_rows <= 60 else 0, color=self.color[p], rasterized=len(t) > 2000)
            ticks.append(base + (rows - 1) / 2)
            shown = f"{rows} of {self.n_of(p)}" if rows < self.n_of(p) else f"{rows}"
            labels.append(f"{p}\n{shown} cell{'s' if self.n_of(p) > 1 else ''}\n{rate:.2f} Hz")
            if base:
                ax.axhline(base - 0.5, color="0.8", lw=0.6)
            base += rows
        ax.set_ylim(-0.5 - 0.02 * base, base - 0.5 + 0.02 * base)
        ax.set_yticks(ticks)
        ax.set_yticklabels(labels, fontsize="small")
        for lab, p in zip(ax.get_yticklabels(), reversed(pops)):
            lab.set_color(self.color[p])
        ax.set_title("spikes" + ("" if total_rows > 1 else " (one cell)"), loc="left", fontsize="medium")

    def rate_bin(self, pops):
        b = float(self.f["rates"].attrs.get("bin", 10.0))
        if self.args.rate_bin:
            return max(b, round(self.args.rate_bin / b) * b), b
        n = min(self.n_of(p) for p in pops)
        rate = min(max(float(self.f["populations"][p].attrs.get("rate", 1.0)), 0.1) for p in pops)
        want = 20.0 / (n * rate * 1e-3)  # ms for about 20 spikes per bin
        k = int(np.clip(np.ceil(want / b), 1, max(1, int(self.t_stop / (b * 20)))))
        return k * b, b

    def rates(self, ax, pops):
        r = self.f["rates"]
        width, b = self.rate_bin(pops)
        k = int(round(width / b))
        t0 = r["time"][:]
        for p in pops:
            v = r[p][:]
            m = len(v) // k * k
            if m == 0:
                continue
            vv = v[:m].reshape(-1, k).mean(axis=1)  # equal bins: the mean of the rates is the rate
            tt = t0[:m].reshape(-1, k)[:, 0]
            keep = self.window(tt + width)
            ax.step(np.append(tt[keep], tt[keep][-1] + width) * self.tscale if keep.any() else [],
                    np.append(vv[keep], vv[keep][-1]) if keep.any() else [], where="post", lw=1.2,
                    color=self.color[p], label=f"{p} ({float(self.f['populations'][p].attrs.get('rate', 0)):.2f} Hz)")
        ax.set_ylabel("rate [Hz]")
        ax.set_ylim(bottom=0)
        ax.set_title(f"population rates ({width:g} ms bins; legend: mean over the run)", loc="left",
                     fontsize="medium")
        self.legend(ax)

    def series(self, ax, pop, var, color, label_pop, one_by_one=ONE_BY_ONE):
        """one variable of one traced population: cell by cell (at most one_by_one cells), or mean +- sd with a few
        cells (one_by_one 0: the first 3 cells only, for V_m, whose mean over cells means little)."""
        g = self.f["traces"][pop]
        t = g["time"][:]
        keep = self.window(t)
        ids = g["node_ids"][:]
        data = g[var][keep, :] if keep.any() else np.zeros((0, len(ids)))
        tt = t[keep] * self.tscale
        name = f"{pop} " if label_pop else ""
        if len(ids) <= one_by_one or not one_by_one:
            shown = len(ids) if one_by_one else min(len(ids), 3)
            if shown > 1 and data.size and np.array_equal(data[:, :shown], np.repeat(data[:, :1], shown, axis=1)):
                ax.plot(tt, data[:, 0], lw=1.0, color=color, label=f"{name}cells {ids[0]}-{ids[shown - 1]} (equal)")
                return data
            for c in range(shown):
                col = color if len(ids) == 1 else COLORS[c % len(COLORS)]
                ax.plot(tt, data[:, c], lw=1.0 if shown < 3 else 0.8, color=col,
                        label=f"{name}cell {ids[c]}" if len(ids) > 1 or label_pop else None)
        else:
            m, s = data.mean(axis=1), data.std(axis=1)
            ax.fill_between(tt, m - s, m + s, color=color, alpha=0.25, lw=0, label=f"{name}+- 1 sd")
            for c in range(3):
                ax.plot(tt, data[:, c], lw=0.5, color=color, alpha=0.6, label=f"{name}cells {ids[0]}-{ids[2]}"
                        if c == 0 else None)
            ax.plot(tt, m, lw=1.6, color=color, label=f"{name}mean of {len(ids)} cells")
        return data

    def astro(self, ax, var, pops):
        for p in pops:
            self.series(ax, p, var, self.color[p], len(pops) > 1)
        if var == "Ca_astro":
            ths = sorted({sic_threshold(self.f, p) for p in pops})
            for th in ths:
                ax.axhline(th, color="k", lw=0.9, ls="--", label=f"SIC threshold {th:g} uM")
        names = ", ".join(f"{p} ({len(self.f['traces'][p]['node_ids'])} of {self.n_of(p)})" for p in pops)
        ax.set_ylabel(f"{LABELS.get(var, var)} [{UNITS.get(var, '')}]")
        what = {"IP3": "IP$_3$", "Ca_astro": "Ca$^{2+}$", "h_IP3R": "IP3R gating h"}[var]
        ax.set_title(f"astrocyte {what}: {names}", loc="left", fontsize="medium")
        self.legend(ax)

    def trace(self, ax, pop, var):
        data = self.series(ax, pop, var, self.color[pop], False, 0 if var == "V_m" else ONE_BY_ONE)
        n = len(self.f["traces"][pop]["node_ids"])
        ax.set_ylabel(f"{LABELS.get(var, var)} [{UNITS.get(var, '')}]")
        if var == "I_SIC":
            peak = float(np.nanmax(data)) if data.size else 0.0
            ax.set_title(f"slow inward current received by {pop} ({n} of {self.n_of(pop)} cells; peak {peak:.3g} pA)",
                         loc="left", fontsize="medium")
        else:
            what = {"V_m": "membrane potential"}.get(var, var)
            drawn = f"cells 0-{min(n, 3) - 1} of the {n} traced" if var == "V_m" and n > 3 else f"{n} of {self.n_of(pop)}"
            ax.set_title(f"{pop}: {what} ({drawn}{' cells' if self.n_of(pop) > 1 else ''})", loc="left",
                         fontsize="medium")
        self.legend(ax)

    @staticmethod
    def legend(ax):
        h, lab = ax.get_legend_handles_labels()
        if h:
            ax.legend(h, lab, fontsize="x-small", loc="upper left", bbox_to_anchor=(1.005, 1.0), frameon=False,
                      borderaxespad=0.0)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run")
    ap.add_argument("-o", "--output")
    ap.add_argument("--max-cells", type=int, default=500, help="cells of each population in the raster (first ones)")
    ap.add_argument("--tmin", type=float, help="ms")
    ap.add_argument("--tmax", type=float, help="ms")
    ap.add_argument("--rate-bin", type=float, help="ms, rounded to a multiple of the file's bin (default: auto)")
    ap.add_argument("--dpi", type=int, default=100)
    args = ap.parse_args(argv)
    out = args.output or os.path.splitext(args.run)[0] + ".png"
    with h5py.File(args.run, "r") as f:
        if text(f.attrs.get("model", "")) != "network":
            sys.exit(f"plot_network.py: {args.run} is not a network run (use analysis/plot_run.py)")
        pl = Plot(f, args)
        todo = pl.panels()
        if not todo:
            sys.exit(f"plot_network.py: {args.run} records no spikes, rates or traces")
        heights = []
        for kind, what in todo:
            if kind == "raster":
                rows = sum(min(pl.n_of(p), args.max_cells) for p in what)
                heights.append(float(np.clip(0.6 + 0.35 * len(what) + rows / 150.0, 1.2, 3.2)))
            else:
                heights.append(1.55)
        fig, axes = plt.subplots(len(todo), 1, figsize=(10, 0.9 + 1.1 * sum(heights)), sharex=True, squeeze=False,
                                 gridspec_kw={"height_ratios": heights}, layout="constrained")
        for ax, (kind, what) in zip(axes[:, 0], todo):
            if kind == "raster":
                pl.raster(ax, what)
            elif kind == "rates":
                pl.rates(ax, what)
            elif kind == "astro":
                pl.astro(ax, *what)
            else:
                pl.trace(ax, *what)
            ax.grid(axis="x", color="0.92", lw=0.6)
        lo = (args.tmin if args.tmin is not None else 0.0) * pl.tscale
        hi = (args.tmax if args.tmax is not None else pl.t_stop) * pl.tscale
        axes[-1, 0].set_xlim(lo, hi)
        axes[-1, 0].set_xlabel("time [s]" if pl.sec else "time [ms]")
        name = os.path.splitext(os.path.basename(text(f.attrs.get("network", ""))))[0]
        ranks = int(f.attrs.get("mpi_ranks", 1))
        sets = text(f.attrs.get("network_set", ""))
        title = (f"{name}: {pl.t_stop * pl.tscale:g} {'s' if pl.sec else 'ms'}, seed {int(f.attrs.get('seed', 0))}, "
                 f"{ranks} rank{'s' if ranks > 1 else ''}" + (f", -network_set {sets}" if sets else ""))
        if int(f.attrs.get("complete", 0)) != 1:
            title += "  INCOMPLETE"
        fig.suptitle(title, fontsize="medium")
        fig.savefig(out, dpi=args.dpi)
    print(out)


if __name__ == "__main__":
    main(sys.argv[1:])
