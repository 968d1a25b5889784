#!/usr/bin/python3
"""Figure 4B of Stimberg et al. 2019 (Brian 2's example 4, example_4_synrel.py) from nastro's run of
examples/networks/brian_example4_synrel.yaml: the presynaptic rate, and the synaptic glutamate <Y_S> averaged
over the 500 synapses of each kind (no gliotransmission, open loop, closed loop) every 10 ms, as the example
draws it. nastro's synapses keep no Y_S; it is their releases' glutamate, Y_S(t) = sum over the releases t_k
<= t of rho_c Y_T r_S exp(-Omega_c (t - t_k)) (Brian integrates the same exactly; its sample at t holds the
jumps of the spikes before t). With --brian, Brian's <Y_S> (bench/brian/example4_synrel.py) thin on top.

  /usr/bin/python3 analysis/plot_brian_example4.py OUT.h5 [--brian BRIAN.npz] [--png docs/figures/brian_example4_synrel.png]"""
import argparse

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

OMEGA_C, RHO_Y = 40e-3, 0.005 * 500e3  # 1/ms; rho_c Y_T in uM
RATES, EPOCH = [0.011, 0.11, 1.1, 11.0], 5000.0  # Hz, ms
KINDS = ["closed loop", "open loop", "no gliotransmission"]  # projections 0, 1, 2 (Brian's synapse order)


def glutamate(rel, n_syn, t_stop, h=1.0, every=10.0, per_synapse=False):
    """Y_S (uM) on the grid 0, every, ..., t_stop - every (Brian's StateMonitor times) from releases [R][7]
    (columns t, source, target, u_S, x_S, r_S, Gamma_S): the mean over the n_syn synapses, or [n_syn][T] per
    synapse (per_synapse)."""
    from scipy.signal import lfilter
    steps = int(round(t_stop / h))
    n = np.rint(rel[:, 0] / h).astype(np.int64)  # the step boundary at which the jump is in Y_S
    rows = rel[:, 2].astype(np.int64) if per_synapse else np.zeros(len(rel), dtype=np.int64)
    jump = np.zeros((n_syn if per_synapse else 1, steps + 1))
    np.add.at(jump, (rows, n), RHO_Y * rel[:, 5])
    Y = lfilter([1.0], [1.0, -np.exp(-OMEGA_C * h)], jump, axis=1)  # exact decay from grid point to grid point
    Y = Y[:, ::int(round(every / h))][:, :int(round(t_stop / every))]
    return Y if per_synapse else Y[0] / n_syn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("h5")
    ap.add_argument("--brian")
    ap.add_argument("--png", default="docs/figures/brian_example4_synrel.png")
    a = ap.parse_args()
    with h5py.File(a.h5, "r") as f:
        rel = [f[f"/releases/projection_{k}"][:] for k in range(3)]
        n_syn = int(f["/network/projection_0"].attrs["synapses"])
        t_stop = float(f["/traces/A_closed/time"][-1])
    t = np.arange(0.0, t_stop, 10.0)
    Y = [glutamate(r, n_syn, t_stop) for r in rel]
    b = np.load(a.brian) if a.brian else None
    fig, ax = plt.subplots(4, 1, figsize=(4.5, 6.0), sharex=True, gridspec_kw={"height_ratios": [1, 3, 3, 3]})
    ax[0].semilogy(t / 1e3, np.asarray(RATES)[np.minimum((t // EPOCH).astype(int), 3)], "k-")
    ax[0].set(ylim=(0.01, 12), yticks=[0.01, 0.1, 1, 10], yticklabels=["0.01", "0.1", "1", "10"],
              ylabel="nu_in (Hz)")
    for row, (kind, c, top) in enumerate([(2, "black", 260), (1, "C2", 150), (0, "C3", 150)], start=1):
        ax[row].plot(t / 1e3, Y[kind], "-", color=c, lw=0.8, label=f"{KINDS[kind]} (nastro)")
        if b is not None:
            ax[row].plot(b["t"] / 1e3, b["Y_mean"][kind], "-", color="gray", lw=0.4, alpha=0.8,
                         label=f"Brian 2, seed {int(b['seed'])}")
        ax[row].set(ylim=(-5, top), ylabel="<Y_S> (uM)")
        ax[row].legend(loc="upper left", fontsize=7, frameon=False)
    ax[3].set(xlim=(0, t_stop / 1e3), xticks=np.arange(0, t_stop / 1e3 + 1, 5), xlabel="time (s)")
    fig.tight_layout()
    fig.savefig(a.png, dpi=110)
    print("wrote", a.png)


if __name__ == "__main__":
    main()
