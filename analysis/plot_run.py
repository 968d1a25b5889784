#!/usr/bin/python3
"""Draw one nastro run (its HDF5 output) to a PNG with four panels.

Usage:  /usr/bin/python3 analysis/plot_run.py RUN.h5 [-o FIG.png]
        (default output: RUN.png beside RUN.h5)

Reads the root attributes model, N, K, mpi_ranks, complete and, when present,
hamming_distance and nastro_version; the datasets /time [T], /energy [T],
/overlaps [T][K], /x [T][N], /patterns [K][N] and /cue [N] (attribute
cued_pattern, -1 when the cue is not a stored pattern); and /final/x if the run
wrote it (otherwise the last row of /x is the final state).

Panels: (1) energy vs time; (2) the overlap m_mu(t) of every stored pattern,
the cued one highlighted; (3) the pattern, the cue and sign(x_final) as images,
cells that differ from the pattern in red (without a stored cue: the pattern of
largest final |m|); (4) a raster of x_i(t) (at most 2000 neurons).
A run whose attribute complete is not 1 is still drawn, marked INCOMPLETE.
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
from matplotlib.patches import Patch  # noqa: E402

REQUIRED = ("time", "energy", "overlaps", "x", "patterns", "cue")
MAX_ROWS = 2000  # neurons in the raster, and its largest number of time columns


class RunError(Exception):
    pass


def text(v):
    """A string attribute as str, whether h5py gives str or bytes."""
    return v.decode() if isinstance(v, bytes) else str(v)


def sign(x):
    """+1 where x >= 0 (nastro's rule), -1 below, NaN where x is not finite."""
    return np.where(np.isfinite(x), np.where(x >= 0, 1.0, -1.0), np.nan)


def no_data_note(ax, y):
    if not np.isfinite(y).any():
        ax.text(0.5, 0.5, "no finite values", transform=ax.transAxes, ha="center", color="C3")


def load(path):
    """Everything the figure needs, read from the run file."""
    if not os.path.isfile(path):
        raise RunError(f"{path}: no such file")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise RunError(f"{path}: cannot read it as HDF5 ({e})") from None
    with f:
        missing = [f"/{d}" for d in REQUIRED if d not in f]
        if missing:
            raise RunError(f"{path}: not a nastro run file (missing {', '.join(missing)})")
        a = f.attrs
        # a crashed run may stop between appends: use the samples all datasets hold
        T = min(len(f[d]) for d in ("time", "energy", "overlaps", "x"))
        if T == 0:
            raise RunError(f"{path}: the run recorded no samples")
        N = f["x"].shape[1]
        r = dict(
            name=os.path.basename(path),
            model=text(a.get("model", "?")), N=N, K=f["patterns"].shape[0],
            ranks=int(a.get("mpi_ranks", 1)), complete=int(a.get("complete", 0)) == 1,
            version=text(a.get("nastro_version", "?")), hamming=a.get("hamming_distance"),
            hamming_sign=int(a.get("hamming_sign", 1)),
            t=f["time"][:T], E=f["energy"][:T], m=f["overlaps"][:T],
            patterns=f["patterns"][()], cue=f["cue"][()],
            cued=int(f["cue"].attrs.get("cued_pattern", -1)),
            x_final=f["final/x"][()] if "final/x" in f else f["x"][T - 1],
        )
        # raster: at most MAX_ROWS neurons, resampled on a uniform time grid
        # (nastro's samples need not be evenly spaced) of at most MAX_ROWS columns
        t = r["t"]
        r["grid"] = np.linspace(t[0], t[-1], min(T, MAX_ROWS))
        idx = np.clip(np.searchsorted((t[1:] + t[:-1]) / 2, r["grid"]), 0, T - 1)
        rows, inverse = np.unique(idx, return_inverse=True)
        r["raster"] = f["x"][rows.tolist(), : min(N, MAX_ROWS)][inverse].T
    return r


def panel_energy(ax, r):
    t, E = r["t"], r["E"]
    ax.plot(t, E, color="C0", lw=1.5)
    ax.plot(t[0], E[0], "o", color="C2", label=f"E(0) = {E[0]:.6g}")
    ax.plot(t[-1], E[-1], "s", color="C3", label=f"E(end) = {E[-1]:.6g}")
    a = np.abs(E[np.isfinite(E) & (E != 0)])
    same_sign = np.all(E[np.isfinite(E)] >= 0) or np.all(E[np.isfinite(E)] <= 0)
    if a.size and same_sign and a.max() > 1e3 * a.min():  # many decades: log-like axis
        ax.set_yscale("symlog", linthresh=a.min())
    ax.set(title="energy", xlabel="time", ylabel="E", xlim=(t[0], t[-1]) if t[-1] > t[0] else None)
    no_data_note(ax, E)
    ax.legend(loc="best", fontsize=9)
    ax.grid(alpha=0.3)


def panel_overlaps(ax, r, mu, why):
    t, m = r["t"], r["m"]
    others = [k for k in range(m.shape[1]) if k != mu]
    if others:
        lines = ax.plot(t, m[:, others], color="0.6", lw=0.7, alpha=0.7)
        lines[0].set_label(f"other patterns ({len(others)})")
    ax.plot(t, m[:, mu], color="C3", lw=2.5, label=f"pattern {mu} ({why})")
    ax.axhline(0, color="k", lw=0.5)
    ax.set(title=r"overlaps $m_\mu = \xi^\mu\cdot\phi(x)/N$", xlabel="time",
           ylabel=r"$m_\mu$", ylim=(-1.05, 1.05), xlim=(t[0], t[-1]) if t[-1] > t[0] else None)
    no_data_note(ax, m)
    ax.legend(loc="best", fontsize=9)
    ax.grid(alpha=0.3)


def grid_shape(N):
    """(rows, cols) of a near-square grid for N cells, or None if N factors badly."""
    rows = max(d for d in range(1, int(np.sqrt(N)) + 1) if N % d == 0)
    return (rows, N // rows) if N // rows <= 3 * rows else None


def panel_states(ax, r, mu, why, hd, sgn):
    xi = sgn * r["patterns"][mu]  # the nearer of +xi and -xi, as nastro reports it (hamming_sign)
    images = [("%spattern %d" % ("-" if sgn < 0 else "", mu), xi), ("cue x(0)", r["cue"]),
              ("sign x(end)", sign(r["x_final"]))]
    shape = grid_shape(r["N"])
    colors = {1: (0.15, 0.15, 0.15), -1: (0.88, 0.88, 0.88)}
    tiles = []
    for _, v in images:
        rgb = np.where((v > 0)[:, None], colors[1], colors[-1])
        rgb[v != xi] = (0.84, 0.15, 0.16)  # differs from the pattern
        tiles.append(rgb.reshape(*shape, 3) if shape else np.repeat(rgb[None], 4, axis=0))
    gap = np.ones_like(tiles[0][:, :1] if shape else tiles[0][:1])  # white separator
    axis = 1 if shape else 0  # grids side by side, or strips stacked
    img = np.concatenate([tiles[0], gap, tiles[1], gap, tiles[2]], axis=axis)
    ax.imshow(img, aspect="equal" if shape else "auto", interpolation="nearest")
    step = tiles[0].shape[axis] + 1
    centres = [k * step + (step - 2) / 2 for k in range(3)]
    labels = [name for name, _ in images]
    ax.set_xticks(centres if shape else [], labels if shape else [])
    ax.set_yticks([] if shape else centres, [] if shape else labels)
    ax.tick_params(length=0)
    ax.set_title(f"final state vs {'-' if sgn < 0 else ''}pattern {mu} ({why})\nHamming distance {hd}")
    ax.legend(handles=[Patch(color=colors[1], label="+1"), Patch(color=colors[-1], label="-1"),
                       Patch(color=(0.84, 0.15, 0.16), label="differs from pattern")],
              loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3, fontsize=9, frameon=False)


def panel_raster(fig, ax, r):
    x, g = r["raster"], r["grid"]
    n = x.shape[0]
    dt = (g[-1] - g[0]) / (len(g) - 1) if len(g) > 1 else 1.0
    v = np.nanmax(np.abs(x)) if np.isfinite(x).any() else 1.0
    cmap = matplotlib.colormaps["RdBu_r"].with_extremes(bad="k")  # NaN/Inf in black
    im = ax.imshow(x, aspect="auto", origin="lower", cmap=cmap, vmin=-(v or 1), vmax=v or 1,
                   interpolation="nearest", extent=(g[0] - dt / 2, g[-1] + dt / 2, -0.5, n - 0.5))
    fig.colorbar(im, ax=ax, label="$x_i$", pad=0.01)
    which = f"first {n} of {r['N']} neurons" if n < r["N"] else f"{n} neurons"
    if not np.isfinite(x).all():
        which += "; black: NaN/Inf"
    ax.set(title=f"neuron states ({which})", xlabel="time", ylabel="neuron i")


def plot(r, out):
    if r["cued"] >= 0:
        mu, why = r["cued"], "cued"
    else:
        mu, why = int(np.argmax(np.nan_to_num(np.abs(r["m"][-1])))), "largest |m|, cue not stored"
    hd, sgn = r["hamming"], r["hamming_sign"]
    if hd is None:  # a run that did not finish: the nearer of +xi and -xi, as nastro would report it
        hd = int(np.sum(sign(r["x_final"]) != r["patterns"][mu]))
        sgn = -1 if r["N"] - hd < hd else 1
        hd = min(hd, r["N"] - hd)
    hd = int(hd)

    fig, axes = plt.subplots(2, 2, figsize=(12, 8), layout="constrained")
    panel_energy(axes[0, 0], r)
    panel_overlaps(axes[0, 1], r, mu, why)
    panel_states(axes[1, 0], r, mu, why, hd, sgn)
    panel_raster(fig, axes[1, 1], r)
    title = f"nastro {r['model']}: N = {r['N']}, K = {r['K']}, {r['ranks']} rank(s), Hamming distance {hd}"
    if sgn < 0:
        title += f" to -pattern {mu}"
    if not r["complete"]:
        title += "  (INCOMPLETE RUN)"
    fig.suptitle(title, fontsize=14, fontweight="bold", color="k" if r["complete"] else "C3")
    fig.text(0.995, 0.002, f"{r['name']} - nastro {r['version']}", ha="right", va="bottom",
             fontsize=7, color="0.5")
    fig.savefig(out, dpi=100)
    plt.close(fig)


def main():
    p = argparse.ArgumentParser(prog="plot_run", description="Draw a nastro run (HDF5) to a PNG.")
    p.add_argument("run", metavar="RUN.h5", help="the run's output file")
    p.add_argument("-o", dest="out", metavar="FIG.png", help="output PNG (default: RUN.png beside RUN.h5)")
    args = p.parse_args()
    out = args.out or os.path.splitext(args.run)[0] + ".png"
    try:
        r = load(args.run)
        if not r["complete"]:
            print(f"plot_run: warning: {args.run}: the run did not finish (complete != 1)", file=sys.stderr)
        plot(r, out)
    except (RunError, OSError, KeyError, ValueError) as e:
        print(f"plot_run: error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
