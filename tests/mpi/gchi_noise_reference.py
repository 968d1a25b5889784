#!/usr/bin/python3
"""An independent check of astrocyte_gchi's noise (Brian 2's example 2: dh = f dt + g dW, Ito, with
f = (h_inf - hc)/tau_h, g = noise (h_inf - hc)/sqrt(tau_h)), for tests/data/net_gchi_relax.yaml (no input; every
cell from the same state; h relaxes towards h_inf with multiplicative noise, a geometric Brownian motion of
h_inf - h while C and I barely move).

The reference integrator is not nastro's scheme: stochastic Heun on the Stratonovich form of the same SDE (drift
of h f - g g_h / 2 = f (1 + noise^2 / 2)), a derivative-free predictor-corrector of strong order 1 for scalar
noise and deterministic order 2, at a fine step, all state variables together (no splitting).

  gchi_noise_reference.py strong A.h5 B.h5 ... SLOPE_MIN SLOPE_MAX
      A.h5, ... : runs of the file at step_multiple K (given by the run's attribute-free file name: ..._K.h5).
      nastro's normal draws are reproduced here (NaRngSeedKeyed3 and NaRngNormal of src/private/netspec.h and
      rng.h): dW of cell i in the step starting at step n is sqrt(H) xi(seed, population, i, n). The fine path is
      a Brownian bridge within each of nastro's steps (fine increments summing to nastro's dW), so the reference
      is driven by the same Brownian path. Prints the mean |h_K(T) - h_ref(T)| for each H and the least-squares
      slope of log error against log H; fails unless SLOPE_MIN <= slope <= SLOPE_MAX.
  gchi_noise_reference.py weak A.h5 NSIGMA
      the mean and variance of h at T over A.h5's cells against the reference's over 4000 cells with other
      (numpy) normals: fails unless each is within NSIGMA standard errors (of the difference of the two samples)."""
import os
import re
import sys

import h5py
import numpy as np
import yaml

P = dict(O_P=0.9e-3, K_P=0.1, C_T=2.0, rho_A=0.18, O_C=6e-3, O_L=0.1e-3, d1=0.13, d2=1.05, O_2=0.2e-3, d3=0.9434,
         d5=0.08, O_beta=5e-3, O_N=0.3e-3, Omega_N=0.5e-3, K_KC=0.5, zeta=10.0, O_delta=0.2e-3, kappa_delta=1.5,
         K_delta=0.3, O_5P=0.1e-3, K_D=0.5, K_3K=1.0, O_3K=4.5e-3, F_ex=0.09e-3, I_Theta=0.3, omega_I=0.05)
NETWORK = os.path.realpath(__file__).rsplit("/", 3)[0] + "/tests/data/net_gchi_relax.yaml"
DT_FINE = 0.5  # ms
M64 = np.uint64(0xFFFFFFFFFFFFFFFF)
NA_STREAM_NOISE = 9  # src/private/netspec.h's enum


def mix64(z):
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def nastro_normals(seed, pop, cells, n):
    """xi[k, i]: NaRngNormal of NaRngSeedKeyed3(seed, NA_STREAM_NOISE, pop, cell i, step n[k])"""
    with np.errstate(over="ignore"):
        c, s = np.meshgrid(np.asarray(n, np.uint64), np.arange(cells, dtype=np.uint64), indexing="ij")
        st = mix64(mix64(mix64(mix64(mix64(np.full_like(c, seed)) ^ np.uint64(NA_STREAM_NOISE)) ^ np.uint64(pop))
                         ^ s) ^ c)
        x1 = mix64(st)
        x2 = mix64(st + np.uint64(0x9E3779B97F4A7C15))
    u1 = 1.0 - (x1 >> np.uint64(11)).astype(np.float64) * 2.0**-53
    u2 = (x2 >> np.uint64(11)).astype(np.float64) * 2.0**-53
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(6.283185307179586477 * u2)


def drift_and_g(y, noise, strat):
    """Stratonovich drift (all variables) and g (of h) of the G-ChI astrocyte without input (Y_S = Gamma_A = 0):
    the model's own drift when it is read as Stratonovich's (strat 1), f - g g_h / 2 when as Ito's (strat 0)"""
    C, h, I = y
    hc = np.clip(h, 0.0, 1.0)
    Q2 = P["d2"] * (I + P["d1"]) / (I + P["d3"])
    h_inf, rtau = Q2 / (Q2 + C), P["O_2"] * (Q2 + C)
    m = I / (I + P["d1"]) * C / (C + P["d5"])
    dC = (P["O_C"] * (m * hc)**3 + P["O_L"]) * (P["C_T"] - (1 + P["rho_A"]) * C) - P["O_P"] * C**2 / (C**2 + P["K_P"]**2)
    d = I
    dI = P["O_delta"] / (1 + I / P["kappa_delta"]) * C**2 / (C**2 + P["K_delta"]**2) \
        - P["O_3K"] * C**4 / (C**4 + P["K_D"]**4) * I / (I + P["K_3K"]) - P["O_5P"] * I \
        - P["F_ex"] / 2 * (1 + np.tanh((abs(d) - P["I_Theta"]) / P["omega_I"])) * np.sign(d)
    f = (h_inf - hc) * rtau
    g = noise * (h_inf - hc) * np.sqrt(rtau)
    inside = (h >= 0) & (h <= 1)
    g_h = np.where(inside, -noise * np.sqrt(rtau), 0.0)
    return np.array([dC, f - (1 - strat) * 0.5 * g * g_h, dI]), g


def heun(y, noise, strat, dW, dt):
    """y [3, cells]; dW [steps, cells]: stochastic Heun (Stratonovich) over the steps"""
    for w in dW:
        F0, G0 = drift_and_g(y, noise, strat)
        yp = y + F0 * dt
        yp[1] += G0 * w
        F1, G1 = drift_and_g(yp, noise, strat)
        y = y + 0.5 * (F0 + F1) * dt
        y[1] += 0.5 * (G0 + G1) * w
    return y


def network():
    spec = yaml.safe_load(open(NETWORK))
    pop = spec["populations"][0]
    y0 = [pop["init"].get(k, d) for k, d in (("C", 0.0), ("h", 0.9), ("I", 0.0))]
    return spec, pop, np.array(y0, float)


def reading(path, pop):
    """1 (Stratonovich) or 0 (Ito): the run's stratonovich, from its -network_set or the file (default 1)"""
    over = h5py.File(path, "r").attrs.get("network_set", b"")
    over = over.decode() if isinstance(over, bytes) else str(over)
    m = re.search(r"populations\.relax\.params\.stratonovich=([01])", over)
    return float(m.group(1)) if m else float(pop.get("params", {}).get("stratonovich", 1))


def final_h(path):
    f = h5py.File(path, "r")
    t = f["/traces/relax/time"][:]
    return t[-1], f["/traces/relax/h"][-1, :]


def strong(paths, lo, hi):
    spec, pop, y0 = network()
    rng = np.random.default_rng(7)
    Hs, runs = [], []
    for path in paths:
        K = int(re.search(r"_(\d+)\.h5$", path).group(1))
        T, hK = final_h(path)
        H = K * spec["resolution"]
        steps, m = int(round(T / H)), int(round(H / DT_FINE))
        ncell = hK.size
        xi = nastro_normals(spec["seed"], 0, ncell, K * np.arange(steps))  # [steps, cells]
        dW = np.sqrt(H) * xi
        z = rng.standard_normal((steps, m, ncell))  # a Brownian bridge within each step
        fine = dW[:, None, :] / m + np.sqrt(DT_FINE) * (z - z.mean(axis=1, keepdims=True))
        Hs.append(H)
        runs.append((hK, fine.reshape(steps * m, ncell)))
    # one integration of all runs' cells side by side
    allW = np.concatenate([w for _, w in runs], axis=1)
    strat = reading(paths[0], pop)
    y = heun(np.repeat(y0[:, None], allW.shape[1], axis=1), float(pop["params"]["noise"]), strat, allW, DT_FINE)
    errs, at = [], 0
    for H, (hK, w) in zip(Hs, runs):
        ref = y[1, at:at + hK.size]
        at += hK.size
        errs.append(np.mean(np.abs(hK - ref)))
        print(f"H = {H:6g} ms: mean |h - h_ref| at T = {errs[-1]:.3e}  (h_ref mean {ref.mean():.4f}, sd {ref.std():.4f})")
    slope = np.polyfit(np.log(Hs), np.log(errs), 1)[0]
    print(f"strong order (slope of log error vs log H): {slope:.3f}, want [{lo}, {hi}]")
    return lo <= slope <= hi


def weak(path, nsig):
    spec, pop, y0 = network()
    T, hK = final_h(path)
    nref, steps = 4000, int(round(T / DT_FINE))
    rng = np.random.default_rng(11)
    dW = np.sqrt(DT_FINE) * rng.standard_normal((steps, nref))
    strat = reading(path, pop)
    print(f"{path}: the noise read as {'Stratonovich' if strat else 'Ito'}'s")
    href = heun(np.repeat(y0[:, None], nref, axis=1), float(pop["params"]["noise"]), strat, dW, DT_FINE)[1]
    ok = True
    for name, a, b in (("mean", hK, href), ("variance", None, None)):
        if name == "mean":
            d, se = hK.mean() - href.mean(), np.sqrt(hK.var(ddof=1) / hK.size + href.var(ddof=1) / nref)
            print(f"mean of h at T = {T:g} ms: nastro {hK.mean():.5f} ({hK.size} cells), reference {href.mean():.5f} "
                  f"({nref}): {d / se:+.2f} standard errors")
        else:  # the standard error of a sample variance: sqrt((m4 - s^4) / n)
            def se_var(x):
                c = x - x.mean()
                return np.sqrt((np.mean(c**4) - np.mean(c**2)**2) / x.size)
            d, se = hK.var(ddof=1) - href.var(ddof=1), np.hypot(se_var(hK), se_var(href))
            print(f"variance of h at T: nastro {hK.var(ddof=1):.5f}, reference {href.var(ddof=1):.5f}: "
                  f"{d / se:+.2f} standard errors")
        ok &= abs(d) <= nsig * se
    return ok


if __name__ == "__main__":
    if sys.argv[1] == "strong":
        sys.exit(0 if strong(sys.argv[2:-2], float(sys.argv[-2]), float(sys.argv[-1])) else 1)
    sys.exit(0 if weak(sys.argv[2], float(sys.argv[3])) else 1)
