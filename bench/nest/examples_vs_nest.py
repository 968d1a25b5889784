#!/usr/bin/env python3
"""nastro's runs of examples/networks/astrocyte_{single,interaction,small_network}.yaml against NEST 3.10's
(bench/nest/examples_nest.py), as markdown tables. Both files have nastro's layout.

Usage:
  examples_vs_nest.py stats EXAMPLE LABEL=RUN.h5[,RUN.h5...] ...
      statistics of each run over the samples both simulators have, t in (0, T_END] (NEST's multimeter has
      no sample at t_stop), one row per LABEL: mean +- sd over its runs (the Poisson inputs of nastro and NEST
      cannot be the same trains, so each side is a set of seeds);
  examples_vs_nest.py small NASTRO.h5 NEST.h5 [LABEL]
      astrocyte_small_network, whose input is deterministic: spike counts and times per neuron, and the
      largest |nastro - NEST| of every trace at the common sample times.

Statistics (stats):
  inputs      IP3 jumps of more than 0.1 uM between two 1 ms samples (each arriving spike adds delta_IP3 x
              weight = 0.2 uM; IP3 decays by less than 1e-3 uM per ms): the Poisson spikes that reached the
              astrocyte (astrocyte_single), the pre neuron's spikes that reached it (astrocyte_interaction);
  IP3, Ca     min, mean, max over the samples; Ca > th: the fraction of samples above SIC_th (0.19669 uM);
  spikes      of pre_neuron and post_neuron (astrocyte_interaction); SIC: mean and max of post_neuron's I_SIC;
  V_m pre     mean and sd of the pre neuron's membrane potential.
"""
import sys

import h5py
import numpy as np

SIC_TH = 0.19669


def window(t, t_end):
    return (t > 0) & (t <= t_end + 1e-9)


def one_stats(path, example, t_end):
    r = {}
    with h5py.File(path, "r") as f:
        g = f["traces"]["astrocyte"]
        k = window(g["time"][:], t_end)
        ip3, ca = g["IP3"][k, 0], g["Ca_astro"][k, 0]
        r["inputs"] = int((np.diff(ip3) > 0.1).sum())
        r["IP3 min"], r["IP3 mean"], r["IP3 max"] = ip3.min(), ip3.mean(), ip3.max()
        r["Ca min"], r["Ca mean"], r["Ca max"] = ca.min(), ca.mean(), ca.max()
        r["Ca > th"] = float((ca > SIC_TH).mean())
        if example == "astrocyte_interaction":
            for p in ("pre_neuron", "post_neuron"):
                t = f["spikes"][p]["timestamps"][:]
                r[f"spikes {p.split('_')[0]}"] = int(window(t, t_end).sum())
            gp = f["traces"]["post_neuron"]
            kp = window(gp["time"][:], t_end)
            sic = gp["I_SIC"][kp, 0]
            r["SIC mean"], r["SIC max"] = sic.mean(), sic.max()
            gv = f["traces"]["pre_neuron"]
            kv = window(gv["time"][:], t_end)
            v = gv["V_m"][kv, 0]
            r["V_m pre mean"], r["V_m pre sd"] = v.mean(), v.std()
    return r


def stats(example, groups):
    t_end = {"astrocyte_single": 59999.0, "astrocyte_interaction": 59999.0}[example]
    rows = []
    for grp in groups:
        label, files = grp.split("=", 1)
        runs = [one_stats(p, example, t_end) for p in files.split(",")]
        rows.append((label, len(runs), runs))
    keys = list(rows[0][2][0])
    print(f"| {example}, t in (0, {t_end:g}] ms | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 1) + "|")
    for label, n, runs in rows:
        cells = []
        for k in keys:
            v = np.array([r[k] for r in runs], float)
            fmt = (lambda x: f"{x:.0f}") if k.startswith(("inputs", "spikes")) else (
                (lambda x: f"{x:.3f}") if k == "Ca > th" else (lambda x: f"{x:.4g}"))
            sd = v.std(ddof=1) if n > 1 else 0.0
            cells.append(fmt(v.mean()) + ("" if n == 1 else f" +- {sd:.2g}" if sd > 1e-12 * max(1.0, abs(v.mean()))
                                          else " +- 0"))
        print(f"| {label} ({n} run{'s' if n > 1 else ''}) | " + " | ".join(cells) + " |")


def small(a, b, label):
    fa, fb = h5py.File(a, "r"), h5py.File(b, "r")
    print(f"| {label}: population | spikes nastro | spikes NEST | neurons with equal counts | "
          "max abs(t nastro - t NEST) (ms) | first spikes nastro (ms) | first spikes NEST (ms) |")
    print("|---|---|---|---|---|---|---|")
    for p in ("pre_neurons", "post_neurons"):
        ta, ia = fa["spikes"][p]["timestamps"][:], fa["spikes"][p]["node_ids"][:]
        tb, ib = fb["spikes"][p]["timestamps"][:], fb["spikes"][p]["node_ids"][:]
        n = int(fa["populations"][p].attrs["n"])
        equal, worst = 0, 0.0
        for c in range(n):
            xa, xb = np.sort(ta[ia == c]), np.sort(tb[ib == c])
            if len(xa) == len(xb):
                equal += 1
                if len(xa):
                    worst = max(worst, float(np.abs(xa - xb).max()))
            else:
                m = min(len(xa), len(xb))
                if m:
                    worst = max(worst, float(np.abs(xa[:m] - xb[:m]).max()))
        first_a = ", ".join(f"{x:g}" for x in np.sort(ta[ia == 0])[:4])
        first_b = ", ".join(f"{x:g}" for x in np.sort(tb[ib == 0])[:4])
        print(f"| {p} | {len(ta)} | {len(tb)} | {equal} of {n} | {worst:.3g} | cell 0: {first_a} | cell 0: {first_b} |")
    print()
    print(f"| {label}: trace | max abs(nastro - NEST) | at t (ms) | NEST range | max over cells of the spread "
          "between cells, NEST |")
    print("|---|---|---|---|---|")
    for p, var in (("pre_neurons", "V_m"), ("post_neurons", "V_m"), ("post_neurons", "I_SIC"),
                   ("astrocytes", "IP3"), ("astrocytes", "Ca_astro")):
        ga, gb = fa["traces"][p], fb["traces"][p]
        tA, tB = ga["time"][:], gb["time"][:]
        common, ia_, ib_ = np.intersect1d(np.round(tA, 6), np.round(tB, 6), return_indices=True)
        xa, xb = ga[var][ia_, :], gb[var][ib_, :]
        d = np.abs(xa - xb)
        w = np.unravel_index(np.argmax(d), d.shape)
        spread = float((xb.max(axis=1) - xb.min(axis=1)).max())
        print(f"| {p}/{var} | {d.max():.3g} | {common[w[0]]:g} | {xb.min():.4g} .. {xb.max():.4g} | {spread:.3g} |")


def main(argv):
    if len(argv) >= 3 and argv[0] == "stats":
        stats(argv[1], argv[2:])
    elif len(argv) >= 3 and argv[0] == "small":
        small(argv[1], argv[2], argv[3] if len(argv) > 3 else "astrocyte_small_network")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
