#!/usr/bin/python3
"""The transformer limit of naam (docs/models.md, `-naam_f transformer`; [KSK] App. C).

  transformer_limit.py input IN.h5 [--N 5] [--M 7] [--seed 0]
      writes a -naam_input file: c [N][M] uniform in [-1, 1), p0 [N][M] uniform in [0.2, 2.2), I [M] uniform
      in [-1, 1) (numpy's default_rng(seed)).
  transformer_limit.py plot RUN.h5 [-o OUT.png]
      from a nastro run: the relative change of sum p, the spread max p - min p against
      spread(0) exp(-N M t / tau_p) (App. C), and max|s - c/p*| / max|c/p*|, against time.
"""
import argparse
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import h5py


def make_input(a):
    rng = np.random.default_rng(a.seed)
    with h5py.File(a.path, "w") as f:
        f["c"] = rng.uniform(-1, 1, (a.N, a.M))
        f["p0"] = rng.uniform(0.2, 2.2, (a.N, a.M))
        f["I"] = rng.uniform(-1, 1, a.M)


def plot(a):
    with h5py.File(a.run, "r") as f:
        t, psum, spread = f["time"][()], f["p_sum"][()], f["p_spread"][()]
        serr = f["s_error"][()] if "s_error" in f else None
        N, M, tau_p, gamma = int(f.attrs["N"]), int(f.attrs["M"]), float(f.attrs["tau_p"]), float(f.attrs["gamma"])
    rate = N * M / tau_p
    keep = spread > 1e-12 * spread[0]  # above the round-off floor
    fit = -np.polyfit(t[keep], np.log(spread[keep]), 1)[0]
    fig, ax = plt.subplots(1, 3 if serr is not None else 2, figsize=(11, 3.2))
    ax[0].plot(t, (psum - psum[0]) / psum[0], "k.-", ms=3)
    ax[0].set_title("sum p: relative change (max %.1e)" % np.max(np.abs(psum - psum[0]) / psum[0]), fontsize=10)
    ax[0].set_xlabel("t")
    ax[0].ticklabel_format(axis="y", style="sci", scilimits=(0, 0))
    ax[1].semilogy(t[spread > 0], spread[spread > 0], "o", color="tab:red", ms=3, label="max p - min p (nastro)")
    ax[1].semilogy(t, spread[0] * np.exp(-rate * t), "k-", lw=1, label="spread(0) exp(-N M t / tau_p)")
    ax[1].set_ylim(max(1e-17, 0.1 * spread[spread > 0].min()), 2 * spread[0])
    ax[1].set_title("N M / tau_p = %g, fitted %.8g" % (rate, fit), fontsize=10)
    ax[1].set_xlabel("t")
    ax[1].legend(fontsize=8)
    if serr is not None:
        ax[2].semilogy(t[serr > 0], serr[serr > 0], "b.-", ms=3)
        ax[2].set_title("max|s - c/p*| / max|c/p*| (final %.1e)" % serr[-1], fontsize=10)
        ax[2].set_xlabel("t")
    fig.suptitle("naam -naam_f transformer: N = %d outputs, M = %d inputs, gamma = %g, tau_p = %g" %
                 (N, M, gamma, tau_p), fontsize=10)
    fig.tight_layout()
    fig.savefig(a.output, dpi=90)
    print("%s: sum p max relative change %.3g; spread rate fitted %.10g vs N M / tau_p %g (relative error %.3g)%s" %
          (a.output, np.max(np.abs(psum - psum[0]) / psum[0]), fit, rate, abs(fit - rate) / rate,
           "; s error final %.3g" % serr[-1] if serr is not None else ""))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    i = sub.add_parser("input")
    i.add_argument("path")
    i.add_argument("--N", type=int, default=5)
    i.add_argument("--M", type=int, default=7)
    i.add_argument("--seed", type=int, default=0)
    q = sub.add_parser("plot")
    q.add_argument("run")
    q.add_argument("-o", "--output", default="transformer-limit.png")
    a = p.parse_args()
    make_input(a) if a.cmd == "input" else plot(a)


if __name__ == "__main__":
    main()
