#!/usr/bin/python3
"""Figures of the attention circuit (models.md 2.4).

  attention_plot.py trace RUN_SMALL.h5 RUN_LARGE.h5 [--labels INPUT.h5] [-o OUT.png]
      astrocyte calcium a_t and the softmax normaliser Z_t against token index (head 0), one panel per run
      (e.g. m = 10^3 and m = 10^5), with the token strings of INPUT.h5 (dataset `tokens`) on the x axis.
  attention_plot.py sweep SWEEP.csv [-o OUT.png]
      relative error of a vs Z and of y vs softmax attention against m on log-log axes, mean over seeds
      with the individual runs, the least-squares slope, and the m^-1/2 line. SWEEP.csv: columns
      m,seed,relerr_calcium_Z,relerr_y,corr_calcium_Z (bench/attention_sweep.sh writes it).
"""
import argparse, sys
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import h5py


def trace(a):
    labels = None
    if a.labels:
        with h5py.File(a.labels, "r") as f:
            labels = [t.decode() if isinstance(t, bytes) else str(t) for t in f["tokens"][()]]
    fig, axes = plt.subplots(len(a.runs), 1, figsize=(max(8, 0.14 * (len(labels) if labels else 40)), 3.2 * len(a.runs)), squeeze=False)
    for ax, path in zip(axes[:, 0], a.runs):
        with h5py.File(path, "r") as f:
            c, Z = f["calcium"][0], f["Z"][0]
            m, form = int(f.attrs["attention_m"]), f.attrs["attention_form"]
            form = form.decode() if isinstance(form, bytes) else form
            corr, err = f.attrs["corr_calcium_Z"], f.attrs["relerr_calcium_Z"]
        t = np.arange(len(Z))
        ax.plot(t, Z, "k-", lw=1.5, label="softmax normaliser $Z_t$")
        ax.plot(t, c, "o-", color="tab:red", ms=3, lw=0.8, label="astrocyte calcium $a_t$")
        ax.set_title("m = %d (%s): Pearson r = %.3f, relative error %.3g" % (m, form, corr, err), fontsize=10)
        ax.set_ylabel("$a_t$, $Z_t$")
        if labels and len(labels) == len(Z):
            ax.set_xticks(t)
            ax.set_xticklabels(labels, rotation=90, fontsize=7)
        else:
            ax.set_xlabel("token index t")
        ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    fig.savefig(a.o or "attention_trace.png", dpi=130)
    print(a.o or "attention_trace.png")


def sweep(a):
    d = np.genfromtxt(a.csv, delimiter=",", names=True)
    ms = np.unique(d["m"])
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for col, name, color in (("relerr_calcium_Z", "calcium $a_t$ vs $Z_t$", "tab:red"), ("relerr_y", "output $y_t$ vs softmax", "tab:blue")):
        mean = np.array([d[col][d["m"] == m].mean() for m in ms])
        slope = np.polyfit(np.log(ms), np.log(mean), 1)[0]
        ax.loglog(d["m"], d[col], ".", color=color, alpha=0.35)
        ax.loglog(ms, mean, "o-", color=color, label="%s (slope %.3f)" % (name, slope))
        print("%s: slope %.3f; " % (col, slope) + ", ".join("m %d: %.4g" % (m, e) for m, e in zip(ms, mean)))
    ref = d["relerr_calcium_Z"][d["m"] == ms[0]].mean() * (ms / ms[0]) ** -0.5
    ax.loglog(ms, ref, "k--", label="$m^{-1/2}$")
    ax.set_xlabel("hidden neurons m")
    ax.set_ylabel("relative error")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(a.o or "attention_sweep.png", dpi=130)
    print(a.o or "attention_sweep.png")


ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
sub = ap.add_subparsers(dest="cmd", required=True)
p = sub.add_parser("trace"); p.add_argument("runs", nargs="+"); p.add_argument("--labels"); p.add_argument("-o")
p = sub.add_parser("sweep"); p.add_argument("csv"); p.add_argument("-o")
a = ap.parse_args()
{"trace": trace, "sweep": sweep}[a.cmd](a)
