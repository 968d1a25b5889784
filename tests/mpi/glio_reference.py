#!/usr/bin/python3
"""An independent reference for tm_glio_synapse (docs/networks.md, glia; Brian 2's examples 3 and 4) in
tests/data/net_glio.yaml, projections 0-2: the G-ChI astrocyte with its presynaptic receptors Gamma_S written
out again here and integrated by scipy's solve_ivp (DOP853, rtol 1e-11, atol 1e-13) step by step of the grid;
after each step the closed loop's glutamate due then, the release rule, then the spikes of that time through the
synapse (exact decay of u_S, x_S between spikes; U_0 from Gamma_S at the spike's time); the glutamate
rho_c Y_T r_S reaches the astrocyte with the delay.

  glio_reference.py NASTRO.h5 TOL   max |difference| of u_S, x_S, r_S, Gamma_S at every spike of the three
      synapses (nastro's /releases) and of C of both astrocytes; fails above TOL, or without a release of either
      astrocyte before the spikes end (the modulation must be exercised)."""
import sys

import h5py
import numpy as np
import yaml
from scipy.integrate import solve_ivp

BASE = dict(O_P=0.9e-3, K_P=0.1, C_T=2.0, rho_A=0.18, O_C=6e-3, O_L=0.1e-3, d1=0.13, d2=1.05, O_2=0.2e-3,
            d3=0.9434, d5=0.08, O_beta=5e-3, O_N=0.3e-3, Omega_N=0.5e-3, K_KC=0.5, zeta=10.0, O_delta=0.2e-3,
            kappa_delta=1.5, K_delta=0.3, O_5P=0.1e-3, K_D=0.5, K_3K=1.0, O_3K=4.5e-3, F_ex=0.09e-3, I_Theta=0.3,
            omega_I=0.05, I_bias=0.0, Omega_c=40e-3, C_Theta=0.5, O_A=0.6e-3, U_A=0.6, G_T=200e3, rho_e=6.5e-4,
            O_e=60e-3, O_G=1.5e-3, Omega_G=0.5 / 60e3)
SYN = dict(U_0_star=0.6, Omega_f=3.33e-3, Omega_d=2.0e-3, alpha=0.0, rho_c=0.005, Y_T=500e3)


def rhs(t, y, p):
    C, h, I, GA, Y, xA, G, GS = y
    Q2 = p["d2"] * (I + p["d1"]) / (I + p["d3"])
    minf = I / (I + p["d1"]) * C / (C + p["d5"])
    dC = (p["O_C"] * minf**3 * h**3 + p["O_L"]) * (p["C_T"] - (1 + p["rho_A"]) * C) \
        - p["O_P"] * C**2 / (C**2 + p["K_P"]**2)
    dh = p["O_2"] * (Q2 - (Q2 + C) * h)
    d = I - p["I_bias"]
    Jex = -p["F_ex"] / 2 * (1 + np.tanh((abs(d) - p["I_Theta"]) / p["omega_I"])) * np.sign(d)
    dI = p["O_beta"] * GA + p["O_delta"] / (1 + I / p["kappa_delta"]) * C**2 / (C**2 + p["K_delta"]**2) \
        - p["O_3K"] * C**4 / (C**4 + p["K_D"]**4) * I / (I + p["K_3K"]) - p["O_5P"] * I + Jex
    dGA = p["O_N"] * Y * (1 - GA) - p["Omega_N"] * (1 + p["zeta"] * C / (C + p["K_KC"])) * GA
    return [dC, dh, dI, dGA, -p["Omega_c"] * Y, p["O_A"] * (1 - xA), -p["O_e"] * G,
            p["O_G"] * G * (1 - GS) - p["Omega_G"] * GS]


def run(p, y0, syn, spikes, delay, closed, h, t_stop, with_astro=True):
    """the synapse's (u_S, x_S, r_S, Gamma_S) after each spike, and C on the grid"""
    y = np.array(y0, float)
    armed = True
    u, x, tl = 0.0, 1.0, 0.0
    due = {}
    out, Cs = [], []
    sp = {int(round(t / h)): 0 for t in spikes}
    for t in spikes:
        sp[int(round(t / h))] += 1
    for n in range(int(round(t_stop / h))):
        t1 = (n + 1) * h
        if with_astro:
            y = solve_ivp(rhs, (n * h, t1), y, method="DOP853", rtol=1e-11, atol=1e-13, args=(p,)).y[:, -1].copy()
            y[4] += due.pop(n + 1, 0.0)
            above = y[0] > p["C_Theta"]
            if armed and above:
                y[6] += p["rho_e"] * p["G_T"] * p["U_A"] * y[5]
                y[5] -= p["U_A"] * y[5]
                armed = False
            if not above:
                armed = True
            Cs.append(y[0])
        for _ in range(sp.get(n + 1, 0)):
            G = y[7] if with_astro else 0.0
            u *= np.exp(-syn["Omega_f"] * (t1 - tl))
            x = 1 - (1 - x) * np.exp(-syn["Omega_d"] * (t1 - tl))
            tl = t1
            u += ((1 - G) * syn["U_0_star"] + syn["alpha"] * G) * (1 - u)
            r = u * x
            x -= r
            out.append((u, x, r, G))
            if closed:
                k = n + 1 + int(round(delay / h))
                due[k] = due.get(k, 0.0) + syn["rho_c"] * syn["Y_T"] * r
    return np.array(out), np.array(Cs)


def main(path, tol):
    with h5py.File(path, "r") as f:
        net = yaml.safe_load(f["network_file"][()].decode() if "network_file" in f else open(sys.argv[3]).read())
        rel = [f[f"/releases/projection_{k}"][:] for k in range(3)]
        Cn = {a: f[f"/traces/{a}/C"][:, 0] for a in ["A_open", "A_closed"]}
        Gn = {a: f[f"/traces/{a}/G_A"][:, 0] for a in ["A_open", "A_closed"]}
    pops = {q["name"]: q for q in net["populations"]}
    h, t_stop = net["resolution"], net["t_stop"]
    spikes = pops["source"]["params"]["spike_times"]
    worst = 0.0
    for k, (astro, closed) in enumerate([("A_open", False), ("A_closed", True), (None, False)]):
        pr = net["projections"][k]
        syn = dict(SYN)
        if isinstance(pr["synapse"], dict):
            syn.update(pr["synapse"]["tm_glio_synapse"])
        p, y0 = dict(BASE), [0, 0.9, 0, 0, 0, 1, 0, 0]
        if astro:
            p.update(pops[astro].get("params", {}))
            for i, v in enumerate(["C", "h", "I", "Gamma_A", "Y_S", "x_A", "G_A", "Gamma_S"]):
                y0[i] = pops[astro].get("init", {}).get(v, 0.9 if v == "h" else 1.0 if v == "x_A" else 0.0)
        ref, C = run(p, y0, syn, spikes, pr["delay"], closed, h, t_stop, with_astro=astro is not None)
        d = np.max(np.abs(rel[k][:, 3:7] - ref), axis=0)
        line = f"projection {k} ({astro or 'no astrocyte'}): max |d| u_S {d[0]:.2e} x_S {d[1]:.2e} r_S {d[2]:.2e} " \
               f"Gamma_S {d[3]:.2e}"
        worst = max(worst, d.max())
        if astro:
            dc = np.max(np.abs(Cn[astro] - C))
            nrel = int((np.diff(Gn[astro]) > 1).sum())
            line += f"; C {dc:.2e} uM; {nrel} release(s)"
            worst = max(worst, dc)
            if nrel < 1 or ref[:, 3].max() <= 0.1:
                print(line + ": no release before the last spike, the modulation is not exercised")
                return 1
        print(line)
    print(f"worst {worst:.2e} (tolerance {tol:g})")
    return 0 if worst <= tol else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], float(sys.argv[2])))
