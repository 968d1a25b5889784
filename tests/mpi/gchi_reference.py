#!/usr/bin/python3
"""An independent reference for astrocyte_gchi (models.md 3.7, Brian 2's example 2): the G-ChI equations written
out again here, integrated by scipy's solve_ivp (DOP853, rtol 1e-10, atol 1e-12) between the glutamate jumps
(500 uM at t_s + delay for each source spike t_s), sampled on the grid; the release rule applied on those
samples (release at a grid time where C > C_Theta after a grid value <= C_Theta, or the start).

  gchi_reference.py NASTRO.h5 TOL_C,TOL_h,TOL_I [--cells K]   compare traces of population astro (every cell
      sees the same input), print the max differences, fail above the tolerances; and check that the releases
      (G_A rising on the grid) are the reference's upward crossings, one each, and that there are some."""
import sys

import h5py
import numpy as np
from scipy.integrate import solve_ivp

# example 2's parameters in ms and uM (Brian's per-second rates / 1000)
P = dict(O_P=0.9e-3, K_P=0.1, C_T=2.0, rho_A=0.18, O_C=6e-3, O_L=0.1e-3, d1=0.13, d2=1.05, O_2=0.2e-3, d3=0.9434,
         d5=0.08, O_beta=5e-3, O_N=0.3e-3, Omega_N=0.5e-3, K_KC=0.5, zeta=10.0, O_delta=0.2e-3, kappa_delta=1.5,
         K_delta=0.3, O_5P=0.1e-3, K_D=0.5, K_3K=1.0, O_3K=4.5e-3, F_ex=0.09e-3, I_Theta=0.3, omega_I=0.05,
         I_bias=0.0, Omega_c=40e-3, C_Theta=0.5, O_A=0.6e-3, U_A=0.6, G_T=200e3, rho_e=6.5e-4, O_e=60e-3)


def f(t, y, p):
    C, h, I, G, Y = y
    Q2 = p["d2"] * (I + p["d1"]) / (I + p["d3"])
    minf = I / (I + p["d1"]) * C / (C + p["d5"])
    dC = (p["O_C"] * minf**3 * h**3 + p["O_L"]) * (p["C_T"] - (1 + p["rho_A"]) * C) \
        - p["O_P"] * C**2 / (C**2 + p["K_P"]**2)
    dh = p["O_2"] * (Q2 - (Q2 + C) * h)  # (h_inf - h) / tau_h multiplied out
    d = I - p["I_bias"]
    dI = p["O_beta"] * G + p["O_delta"] * p["kappa_delta"] / (p["kappa_delta"] + I) * C**2 / (C**2 + p["K_delta"]**2) \
        - p["O_3K"] * C**4 / (C**4 + p["K_D"]**4) * I / (I + p["K_3K"]) - p["O_5P"] * I \
        - p["F_ex"] / 2 * (1 + np.tanh((abs(d) - p["I_Theta"]) / p["omega_I"])) * np.sign(d)
    dG = p["O_N"] * Y * (1 - G) - p["Omega_N"] * (1 + p["zeta"] * C / (C + p["K_KC"])) * G
    return [dC, dh, dI, dG, -p["Omega_c"] * Y]


def reference(t_stop, h, spikes, delay, jump, y0, p=P):
    """samples at h, 2h, ..., t_stop of C, h, I, Gamma_A, Y_S"""
    grid = h * np.arange(1, int(round(t_stop / h)) + 1)
    cuts = sorted(t + delay for t in spikes if t + delay < t_stop)
    edges = [0.0] + cuts + [t_stop]
    y = np.array(y0, float)
    out = np.empty((len(grid), 5))
    for a, b in zip(edges[:-1], edges[1:]):
        sel = (grid > a + 1e-9) & (grid <= b + 1e-9)
        s = solve_ivp(f, (a, b), y, method="DOP853", rtol=1e-10, atol=1e-12, t_eval=grid[sel], args=(p,))
        out[sel] = s.y.T
        y = s.y[:, -1] if s.t[-1] == b else solve_ivp(f, (a, b), y, method="DOP853", rtol=1e-10, atol=1e-12,
                                                      args=(p,)).y[:, -1]
        y = y.copy()
        if b < t_stop:
            y[4] += jump
    return grid, out


def upward_crossings(C, theta, C0):
    prev = np.r_[C0, C[:-1]]
    armed, n, at = True, 0, []
    for k, c in enumerate(C):  # the rule on the grid: arm at or below, fire above when armed
        if armed and c > theta:
            n, armed = n + 1, False
            at.append(k)
        if not c > theta:
            armed = True
    return at


if __name__ == "__main__":
    path, tols = sys.argv[1], [float(x) for x in sys.argv[2].split(",")]
    with h5py.File(path, "r") as fh:
        net = fh["/network_file"][()].decode() if isinstance(fh["/network_file"][()], bytes) else fh["/network_file"][()]
        import yaml  # python3-yaml (scripts/setup.sh)
        spec = yaml.safe_load(net)
        src = [q for q in spec["populations"] if q["name"] == "source"][0]["params"]["spike_times"]
        proj = [q for q in spec["projections"] if q["to"] == "astro"][0]
        tr = {v: fh["/traces/astro/" + v][:] for v in ["C", "h", "I", "Gamma_A", "G_A", "x_A"]}
        t = fh["/traces/astro/time"][:]
        res, t_stop = float(spec["resolution"]), float(spec["t_stop"])
    grid, ref = reference(t_stop, res, src, float(proj.get("delay", 1.0)), float(proj["weight"]),
                          [0.0, 0.9, 0.0, 0.0, 0.0])
    assert np.allclose(grid, t), "sample times"
    names = ["C", "h", "I"]
    worst = {v: float(np.max(np.abs(tr[v] - ref[:, j][:, None]))) for j, v in enumerate(names)}
    print(f"{path}: max |nastro - reference| " + ", ".join(f"{v} {worst[v]:.2e}" for v in names)
          + f" (tolerances {sys.argv[2]})")
    bad = [v for v, tol in zip(names, tols) if not worst[v] <= tol]
    # releases: G_A rises only at a release (it decays otherwise)
    ref_at = upward_crossings(ref[:, 0], P["C_Theta"], 0.0)
    for i in range(tr["G_A"].shape[1]):
        G = np.r_[0.0, tr["G_A"][:, i]]
        at = list(np.nonzero(np.diff(G) > 0)[0])
        print(f"cell {i}: {len(at)} releases, the reference's upward crossings on the grid: {len(ref_at)}")
        if at != ref_at or not at:
            bad.append(f"releases of cell {i} at steps {at[:20]} != {ref_at[:20]}")
        # each release takes U_A of x_A: x_A just after = (1 - U_A) x just before (up to one step's recovery)
        x = tr["x_A"][:, i]
        for k in at[1:]:
            if not abs(x[k] - (1 - P["U_A"]) * x[k - 1]) < 1e-3:
                bad.append(f"x_A of cell {i} at step {k}: {x[k]} after {x[k - 1]}")
                break
    if bad:
        print("FAIL: " + "; ".join(bad))
        sys.exit(1)
