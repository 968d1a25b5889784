#!/usr/bin/python3
"""An independent reference for IP3 gap junctions between astrocyte_gchi cells (models.md 3.7, Brian 2's example
5): the G-ChI equations of C, h, I written out again here (Brian's form: h not clipped; no Gamma_A, Y_S, release:
the test files give O_beta 0), for one population coupled to itself by a pairs rule. Brian's semantics of the
summed J_coupling: computed from the state at the start of each step, held over it; scipy's solve_ivp (DOP853,
rtol 1e-11, atol 1e-13) integrates each step with J_coupling and the stimulus held.

  gap_reference.py NASTRO.h5 TOL_C,TOL_h,TOL_I   the traces of the file's first population against the reference,
      max differences printed, failing above the tolerances
  gap_reference.py NASTRO.h5 flux                J_coupling as traced (the value held over the step ending at each
      sample) against the formula evaluated here on the traced I of the step's start: within 1e-15 relative
  gap_reference.py NASTRO.h5 conserve TOL        with production and degradation zeroed: total IP3 constant within
      TOL (relative to the start's), and each 2-cell population's J_coupling antisymmetric bit for bit

The network file is read from the output (/network_file): parameters (numbers, {cells: [...]}, stimulus as a
{timed: ...} table), initial values, the pairs and the gap_junction's F, I_Theta, omega_I."""
import sys

import h5py
import numpy as np
import yaml
from scipy.integrate import solve_ivp

# astrocyte_gchi's defaults that the equations of C, h, I use (ms, uM)
DEF = dict(O_P=0.9e-3, K_P=0.1, C_T=2.0, rho_A=0.18, O_C=6e-3, O_L=0.1e-3, d1=0.13, d2=1.05, O_2=0.2e-3,
           d3=0.9434, d5=0.08, O_delta=0.2e-3, kappa_delta=1.5, K_delta=0.3, O_5P=0.1e-3, K_D=0.5, K_3K=1.0,
           O_3K=4.5e-3, F_ex=0.09e-3, I_Theta=0.3, omega_I=0.05, I_bias=0.0, stimulus=1.0)


def load(path):
    with h5py.File(path, "r") as fh:
        net = fh["/network_file"][()]
        spec = yaml.safe_load(net.decode() if isinstance(net, bytes) else net)
        pop = spec["populations"][0]
        tr = {k: fh[f"/traces/{pop['name']}/{k}"][:] for k in fh[f"/traces/{pop['name']}"] if k != "node_ids"}
        others = {q["name"]: fh[f"/traces/{q['name']}/J_coupling"][:] for q in spec["populations"][1:]
                  if q["n"] == 2 and f"/traces/{q['name']}/J_coupling" in fh}
    return spec, pop, tr, others


def percell(v, n):
    return np.array(v["cells"], float) if isinstance(v, dict) and "cells" in v else np.full(n, float(v))


def flux(Ipost, Ipre, g):
    d = Ipost - Ipre
    return -g["F"] / 2 * (1 + np.tanh((np.abs(d) - g["I_Theta"]) / g["omega_I"])) * np.sign(d)


def coupling(I, pre, post, g):
    J = np.zeros_like(I)
    np.add.at(J, post, flux(I[post], I[pre], g))
    return J


def rhs(t, y, p, n, J, s):
    C, h, I = y[:n], y[n:2 * n], y[2 * n:]
    Q2 = p["d2"] * (I + p["d1"]) / (I + p["d3"])
    m = I / (I + p["d1"]) * C / (C + p["d5"])
    dC = (p["O_C"] * m**3 * h**3 + p["O_L"]) * (p["C_T"] - (1 + p["rho_A"]) * C) - p["O_P"] * C**2 / (C**2 + p["K_P"]**2)
    dh = (Q2 / (Q2 + C) - h) * p["O_2"] * (Q2 + C)
    db = I - p["I_bias"] * s
    dI = p["O_delta"] / (1 + I / p["kappa_delta"]) * C**2 / (C**2 + p["K_delta"]**2) \
        - p["O_3K"] * C**4 / (C**4 + p["K_D"]**4) * I / (I + p["K_3K"]) - p["O_5P"] * I \
        - p["F_ex"] / 2 * (1 + np.tanh((np.abs(db) - p["I_Theta"]) / p["omega_I"])) * np.sign(db) + J
    return np.concatenate([dC, dh, dI])


def gap_params(proj):
    g = dict(F=0.09e-3, I_Theta=0.3, omega_I=0.05)
    syn = proj.get("synapse")
    if isinstance(syn, dict) and syn.get("gap_junction"):
        g.update({k: float(v) for k, v in syn["gap_junction"].items()})
    return g


def pairs(proj):
    r = proj["rule"]["pairs"]
    return np.array(r["pre"]), np.array(r["post"])


def reference(spec, pop):
    n, h, t_stop = int(pop["n"]), float(spec["resolution"]), float(spec["t_stop"])
    p = {k: np.full(n, v) for k, v in DEF.items()}
    stim = None
    for k, v in (pop.get("params") or {}).items():
        if isinstance(v, dict) and "timed" in v:
            stim = v["timed"]
        elif k in p:
            p[k] = percell(v, n)
    init = dict(C=0.0, h=0.9, I=0.0)
    init.update(pop.get("init") or {})
    y = np.concatenate([percell(init[k], n) for k in ("C", "h", "I")])
    proj = [q for q in spec["projections"] if q["from"] == pop["name"] and q["to"] == pop["name"]][0]
    pre, post, g = *pairs(proj), gap_params(proj)
    steps = int(round(t_stop / h))
    out = np.empty((steps, 3 * n))
    for k in range(steps):
        s = 1.0
        if stim:
            j = int(round(k * h / float(stim["dt"]) * 1e6)) // 1000000
            vals = stim["values"]
            s = float(vals[j % len(vals)] if stim.get("repeat") else vals[min(j, len(vals) - 1)])
        J = coupling(y[2 * n:], pre, post, g)
        y = solve_ivp(rhs, (k * h, (k + 1) * h), y, method="DOP853", rtol=1e-11, atol=1e-13, args=(p, n, J, s)).y[:, -1]
        out[k] = y
    return out[:, :n], out[:, n:2 * n], out[:, 2 * n:]


if __name__ == "__main__":
    path, mode = sys.argv[1], sys.argv[2]
    spec, pop, tr, others = load(path)
    proj = [q for q in spec["projections"] if q["from"] == pop["name"] and q["to"] == pop["name"]][0]
    pre, post, g = *pairs(proj), gap_params(proj)
    n = int(pop["n"])
    if mode == "flux":
        init = (pop.get("init") or {}).get("I", 0.0)
        I0 = np.vstack([percell(init, n), tr["I"][:-1]])  # I at the start of each sampled step
        want = np.array([coupling(I, pre, post, g) for I in I0])
        err = np.abs(tr["J_coupling"] - want).max()
        scale = np.abs(want).max()
        print(f"J_coupling against the formula on the step's start: max difference {err:.2e} (max |J| {scale:.2e})")
        sys.exit(0 if scale > 0 and err <= 1e-15 * scale else 1)
    if mode == "conserve":
        tol = float(sys.argv[3])
        init = (pop.get("init") or {}).get("I", 0.0)
        total0 = percell(init, n).sum()
        drift = np.abs(tr["I"].sum(axis=1) - total0).max() / abs(total0)
        moved = np.abs(tr["I"] - percell(init, n)).max()
        print(f"total IP3 {total0:.6g} uM: max relative drift {drift:.2e} over {len(tr['I'])} samples "
              f"(cells moved by up to {moved:.3g} uM)")
        ok = drift <= tol and moved > 0.1
        for name, J in others.items():
            anti = np.all(J[:, 0] == -J[:, 1]) and np.abs(J).max() > 0
            print(f"{name}: J_coupling of its 2 cells antisymmetric bit for bit: {anti}")
            ok = ok and anti
        sys.exit(0 if ok else 1)
    tols = [float(x) for x in mode.split(",")]
    C, hh, I = reference(spec, pop)
    d = [np.abs(tr[v] - r).max() for v, r in (("C", C), ("h", hh), ("I", I))]
    print(f"max differences from the reference ({len(C)} samples, {n} cells): C {d[0]:.2e}, h {d[1]:.2e}, "
          f"I {d[2]:.2e} (tolerances {tols})")
    sys.exit(0 if all(x <= t for x, t in zip(d, tols)) else 1)
