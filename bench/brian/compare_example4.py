#!/usr/bin/python3
"""Example 4 (release statistics with closed- and open-loop gliotransmission) against Brian 2: nastro's runs of
examples/networks/brian_example4_synrel.yaml (several seeds) and Brian's (bench/brian/example4_synrel.py,
several seeds). Both are random (Poisson sources), so the comparison is statistical: for each kind (closed
loop, open loop, none) and rate epoch (0.011, 0.11, 1.1, 11 Hz, 5 s each) the spikes, the mean r_S per spike,
the mean and quantiles of Y_S (uM; the example's 10 ms samples of all 500 synapses), the mean Gamma_S and the
astrocytes' gliotransmitter releases, each as mean +- standard deviation over the seeds of either simulator,
and z = (nastro's mean - Brian's) / sqrt(sd_n^2 / N_n + sd_B^2 / N_B). "in" says whether nastro's mean over
its seeds lies within Brian's mean +- 2 sd (Brian's spread over seeds).

nastro's release of a spike in step n (rate of time n h) is stamped t = (n + 1) h, so its epoch is that of
t - h; Brian's spike at t has the rate of t. nastro's astrocyte releases are the drops of x_A between its 10 ms
samples (a release takes U_A = 60 % of x_A; recovery adds 0.6 % per 10 ms at most).

  /usr/bin/python3 bench/brian/compare_example4.py --nastro A.h5 B.h5 ... --brian A.npz B.npz ... [--md]"""
import argparse
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "analysis"))
from plot_brian_example4 import glutamate  # noqa: E402

KINDS = ["closed", "open", "none"]
QS = [5, 25, 50, 75, 95]
N, EP = 500, 5000.0
# example 4's (ms, uM): presynaptic receptors, gliotransmitter release, synapse
O_G, OMEGA_G, O_E, O_A, U_A, G_JUMP = 1.5e-3, 0.5 / 60e3, 60e-3, 0.6e-3, 0.6, 6.5e-4 * 200e3 * 0.6
U_0, OMEGA_F, OMEGA_D = 0.6, 3.33e-3, 2.0e-3


def nastro_stats(path):
    s = {}
    with h5py.File(path, "r") as f:
        rel = [f[f"/releases/projection_{k}"][:] for k in range(3)]
        tr = {p: {v: f[f"/traces/{p}/{v}"][:] for v in f[f"/traces/{p}"] if v != "time"} for p in ["A_closed", "A_open"]}
        tt = f["/traces/A_closed/time"][:]
        t_stop = float(tt[-1])
    s["spikes"] = np.zeros((3, 4))
    s["r_mean"] = np.zeros((3, 4))
    s["Y_m"], s["Y_sd"], s["Y_q"] = np.zeros((3, 4)), np.zeros((3, 4)), np.zeros((3, 4, len(QS)))
    t = np.arange(0.0, t_stop, 10.0)
    ep_t = np.floor(t / EP).astype(int)
    for k in range(3):
        r = rel[k]
        ep = np.floor((r[:, 0] - 1.0) / EP).astype(int)
        Y = glutamate(r, N, t_stop, per_synapse=True)
        for e in range(4):
            m = ep == e
            s["spikes"][k, e] = m.sum()
            s["r_mean"][k, e] = r[m, 5].mean() if m.any() else np.nan
            y = Y[:, ep_t == e]
            s["Y_m"][k, e], s["Y_sd"][k, e], s["Y_q"][k, e] = y.mean(), y.std(), np.percentile(y, QS)
    s["Gamma"] = np.zeros((3, 4))
    s["releases"] = np.zeros((3, 4))
    # nastro's samples are at 10, ..., t_stop; with the initial state (Gamma_S 0, x_A 1: the file's) at 0 they are
    # Brian's grid 0, 10, ..., t_stop - 10 and one more
    tg = np.r_[0.0, tt]
    ep_g = np.floor(tg / EP).astype(int)
    for k, p in enumerate(["A_closed", "A_open"]):
        G = np.vstack([np.zeros((1, N)), tr[p]["Gamma_S"]])
        xa = np.vstack([np.ones((1, N)), tr[p]["x_A"]])
        drop = np.r_[np.zeros((1, N), bool), np.diff(xa, axis=0) < -1e-3]  # a release in (t - 10, t]
        for e in range(4):
            s["Gamma"][k, e] = G[ep_g == e].mean()
            s["releases"][k, e] = drop[np.floor((tg - 1e-9) / EP).astype(int) == e].sum()
        s[f"rel_times_{p}"] = tg[np.nonzero(drop[:, 0])[0]]
        s[f"Gamma_{p}"] = G[:len(t)]
    s["rel_open"] = rel[1]
    # spikes in the same step of the same synapse (a Poisson count above 1; Brian's PoissonGroup has at most one)
    s["same_step"] = sum(len(r) - len(np.unique(r[:, [0, 2]], axis=0)) for r in rel)
    s["n_spikes"] = sum(len(r) for r in rel)
    return s


def brian_stats(path):
    b = np.load(path)
    s = {}
    n, r = b["n"], b["r"]  # [3][4][500]
    s["spikes"] = n.sum(axis=2)
    with np.errstate(invalid="ignore"):
        s["r_mean"] = r.sum(axis=2) / n.sum(axis=2)
    s["Y_m"], s["Y_sd"], s["Y_q"] = b["Y_m"], b["Y_sd"], b["Y_q"]
    t = b["t"]
    s["Gamma"] = np.zeros((3, 4))
    s["releases"] = np.zeros((3, 4))
    for e in range(4):
        m = (t >= EP * e) & (t < EP * (e + 1))
        s["Gamma"][:, e] = b["Gamma_mean"][:, m].mean(axis=1)
        for k, (lo, hi) in enumerate([(0, N), (N, 2 * N)]):
            s["releases"][k, e] = np.sum((b["rel_i"] >= lo) & (b["rel_i"] < hi) & (b["rel_t"] >= EP * e)
                                         & (b["rel_t"] < EP * (e + 1)))
    s["path"] = path
    s["rel_times_A_open"] = b["rel_t"][b["rel_i"] == N]
    s["rel_times_A_closed"] = b["rel_t"][b["rel_i"] == 0]
    return s


def gamma_replay(rel_t, held, t_stop=20000):
    """Gamma_S of an open-loop synapse [t_stop] (1 ms grid) from its astrocyte's release times rel_t (Brian's
    spike times: the jump G_A += rho_e G_T U_A x_A is in the state from t + 1 ms, in Brian and in nastro): held,
    Brian's scheme (exact over each step with G_A held at its value at the step's start); else G_A decaying
    within the step (RK4 on 20 substeps: what nastro's RK4 on (G_A, Gamma_S) approximates)."""
    rel = set(int(round(t)) for t in rel_t)
    g, G, x, out = 0.0, 0.0, 1.0, np.zeros(t_stop + 1)
    for n in range(t_stop + 1):
        out[n] = g
        if held:
            k = O_G * G + OMEGA_G
            gi = O_G * G / k
            g = gi + (g - gi) * np.exp(-k)
        else:
            hs = 1.0 / 20
            f = lambda s, y: O_G * G * np.exp(-O_E * s) * (1 - y) - OMEGA_G * y  # noqa: E731
            for j in range(20):
                s = j * hs
                k1 = f(s, g)
                k2 = f(s + hs / 2, g + hs / 2 * k1)
                k3 = f(s + hs / 2, g + hs / 2 * k2)
                k4 = f(s + hs, g + hs * k3)
                g += hs / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        G *= np.exp(-O_E)
        x = 1 - (1 - x) * np.exp(-O_A)
        if n in rel:
            G += G_JUMP * x
            x -= U_A * x
    return out


def release_steps(tt, xa):
    """the steps (ms) of an astrocyte population's releases [n][cell] (bool) from its x_A at the 10 ms samples tt
    (x_A 1 at 0): for each drop, the step t_r in (t - 10, t] whose release (x_A -= U_A x_A at t_r, recovery
    dx_A/dt = O_A (1 - x_A) around it) best gives the sample at t"""
    tg, xg = np.r_[0.0, tt], np.vstack([np.ones((1, xa.shape[1])), xa])
    steps = np.zeros((int(tg[-1]) + 1, xa.shape[1]), bool)
    for q, c in zip(*np.nonzero(np.diff(xg, axis=0) < -1e-3)):
        t0, t1, x0 = tg[q], tg[q + 1], xg[q, c]
        cand = np.arange(t0 + 1, t1 + 1)
        pre = 1 - (1 - x0) * np.exp(-O_A * (cand - t0))
        pred = 1 - (1 - (1 - U_A) * pre) * np.exp(-O_A * (t1 - cand))
        steps[int(cand[np.argmin(np.abs(pred - xg[q + 1, c]))]), c] = True
    return steps


def gamma_cells(steps, held):
    """Gamma_S [n][cell] on the 1 ms grid from release steps [n][cell] (G_A's jump in the state at that time, as
    x_A's drop): Brian's scheme (held), or one RK4 step
    on (G_A, Gamma_S) together (nastro's)"""
    n, m = steps.shape
    g, G, x, out = np.zeros(m), np.zeros(m), np.ones(m), np.zeros((n, m))
    for k in range(n):
        out[k] = g
        if held:
            r = O_G * G + OMEGA_G
            gi = O_G * G / r
            g = gi + (g - gi) * np.exp(-r)
            G = G * np.exp(-O_E)
        else:
            f = lambda G_, y: (-O_E * G_, O_G * G_ * (1 - y) - OMEGA_G * y)  # noqa: E731
            a1, b1 = f(G, g)
            a2, b2 = f(G + a1 / 2, g + b1 / 2)
            a3, b3 = f(G + a2 / 2, g + b2 / 2)
            a4, b4 = f(G + a3, g + b3)
            G, g = G + (a1 + 2 * a2 + 2 * a3 + a4) / 6, g + (b1 + 2 * b2 + 2 * b3 + b4) / 6
        x = 1 - (1 - x) * np.exp(-O_A)
        rel = steps[min(k + 1, n - 1)]  # a release at t_r is in the state at t_r
        G = np.where(rel, G + G_JUMP * x, G)
        x = np.where(rel, x - U_A * x, x)
    return out


def tm_replay(rel, gamma):
    """r_S of every release of rel [R][7] (nastro's, time order) recomputed from its synapse's spike times with
    Gamma_S = gamma[t] (1 ms grid) at each spike: tm_glio_synapse's update, independent of nastro's code"""
    u, x, last = np.zeros(N), np.ones(N), np.zeros(N)
    r = np.zeros(len(rel))
    for q, (t, tgt) in enumerate(zip(rel[:, 0], rel[:, 2].astype(int))):
        dt = t - last[tgt]
        uu = u[tgt] * np.exp(-OMEGA_F * dt)
        xx = 1 - (1 - x[tgt]) * np.exp(-OMEGA_D * dt)
        gm = gamma[int(round(t))] if gamma.ndim == 1 else gamma[int(round(t)), tgt]
        uu += (1 - gm) * U_0 * (1 - uu)
        r[q] = uu * xx
        u[tgt], x[tgt], last[tgt] = uu, xx - r[q], t
    return r


def open_loop_replay(ns, bs):
    """The open loop is deterministic in Gamma_S (every astrocyte the same, no input): its difference is the
    scheme of Gamma_S, shown by replaying it both ways from Brian's release times, and the r_S difference is
    that of Gamma_S, shown by recomputing nastro's releases with Brian's Gamma_S"""
    b0 = np.load(bs[0]["path"])
    rt = b0["rel_t"][b0["rel_i"] == N]
    held, cont = gamma_replay(rt, True), gamma_replay(rt, False)
    gb, gn = b0["Gamma_mean"][1], ns[0]["Gamma_A_open"][:, 0]
    print(f"\nopen loop, Gamma_S replayed from Brian's releases at {np.round(rt, 1).tolist()} ms:")
    print(f"  Brian's scheme (G_A held over the step): max |diff| {np.abs(held[::10][:len(gb)] - gb).max():.1e} "
          f"from Brian's, {np.abs(held[::10][:len(gn)] - gn).max():.1e} from nastro's")
    print(f"  G_A decaying in the step:               max |diff| {np.abs(cont[::10][:len(gb)] - gb).max():.1e} "
          f"from Brian's, {np.abs(cont[::10][:len(gn)] - gn).max():.1e} from nastro's")
    rates = ["0.011 Hz", "0.11 Hz", "1.1 Hz", "11 Hz"]
    again = [tm_replay(s["rel_open"], cont) for s in ns]
    print("  replaying nastro's open-loop releases with its own (continuous) Gamma_S: max |r_S diff| "
          f"{max(np.abs(a - s['rel_open'][:, 5]).max() for a, s in zip(again, ns)):.1e}")
    print("  <r_S> per spike with Brian's Gamma_S on nastro's trains, against Brian's runs:")
    print("| epoch | nastro | nastro's trains, Brian's Gamma_S | Brian | z |\n|---|---|---|---|---|")
    rb = [tm_replay(s["rel_open"], held) for s in ns]
    for e in range(4):
        xs = [r[np.floor((s["rel_open"][:, 0] - 1.0) / EP).astype(int) == e].mean() for r, s in zip(rb, ns)]
        line, _, _ = row(rates[e], xs, [s["r_mean"][1, e] for s in bs], ".4f")
        orig = np.mean([s["r_mean"][1, e] for s in ns])
        cells = line.split(" | ")
        print(f"| {rates[e]} | {orig:.4f} | {cells[1]} | {cells[2]} | {cells[3]} |")


def closed_loop_replay(paths, bs):
    """The closed loop's Gamma_S again, Brian's way, from each nastro run's own astrocyte releases (x_A's drops,
    located to the step), and its releases' r_S with it: the scheme's part of the difference (the loop's
    feedback on the releases left out: they are nastro's)"""
    rates = ["0.011 Hz", "0.11 Hz", "1.1 Hz", "11 Hz"]
    own, brian_way, check = [], [], 0.0
    for p in paths:
        with h5py.File(p, "r") as f:
            rel, tt, xa = f["/releases/projection_0"][:], f["/traces/A_closed/time"][:], f["/traces/A_closed/x_A"][:]
        steps = release_steps(tt, xa)
        ep = np.floor((rel[:, 0] - 1.0) / EP).astype(int)
        mine = tm_replay(rel, gamma_cells(steps, False))
        check = max(check, np.abs(mine - rel[:, 5]).max())
        hb = tm_replay(rel, gamma_cells(steps, True))
        own.append([rel[ep == e, 5].mean() for e in range(4)])
        brian_way.append([hb[ep == e].mean() for e in range(4)])
    print(f"\nclosed loop, Gamma_S replayed from nastro's own releases: with nastro's scheme its r_S again to "
          f"{check:.1e}; <r_S> per spike with Brian's scheme:")
    print("| epoch | nastro | nastro's releases, Brian's Gamma_S | Brian | z |\n|---|---|---|---|---|")
    for e in range(4):
        line, _, _ = row(rates[e], [b[e] for b in brian_way], [s["r_mean"][0, e] for s in bs], ".4f")
        cells = line.split(" | ")
        print(f"| {rates[e]} | {np.mean([o[e] for o in own]):.4f} | {cells[1]} | {cells[2]} | {cells[3]} |")


def row(name, xs, ys, fmt):
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    mn, sn, mb, sb = xs.mean(), xs.std(ddof=1), ys.mean(), ys.std(ddof=1)
    se = np.sqrt(sn ** 2 / len(xs) + sb ** 2 / len(ys))
    z = (mn - mb) / se if se > 1e-12 * max(abs(mb), 1.0) else (0.0 if mn == mb else np.nan)  # nan: deterministic
    inside = abs(mn - mb) <= 2 * sb + 1e-12
    zs = "(det.)" if np.isnan(z) else f"{z:+.1f}"
    return (f"| {name} | {mn:{fmt}} +- {sn:{fmt}} | {mb:{fmt}} +- {sb:{fmt}} | {zs} | {'yes' if inside else 'NO'} |",
            inside, z)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nastro", nargs="+", required=True)
    ap.add_argument("--brian", nargs="+", required=True)
    a = ap.parse_args()
    ns = [nastro_stats(p) for p in a.nastro]
    bs = [brian_stats(p) for p in a.brian]
    print(f"nastro: {len(ns)} seeds, Brian: {len(bs)} seeds; mean +- sd over seeds; z of the means; "
          "'in': nastro's mean within Brian's mean +- 2 sd")
    rates = ["0.011 Hz", "0.11 Hz", "1.1 Hz", "11 Hz"]
    items = [("spikes", "spikes", ".0f", range(3)), ("r_mean", "<r_S> per spike", ".4f", range(3)),
             ("Y_m", "<Y_S> (uM)", ".2f", range(3)), ("Y_sd", "sd Y_S (uM)", ".2f", range(3)),
             ("Gamma", "<Gamma_S>", ".4f", range(2)), ("releases", "astrocyte releases", ".1f", range(2))]
    worst, outside = 0.0, 0
    for key, label, fmt, kinds in items:
        print(f"\n{label}\n| kind, epoch | nastro | Brian | z | in |\n|---|---|---|---|---|")
        for k in kinds:
            for e in range(4):
                line, inside, z = row(f"{KINDS[k]}, {rates[e]}", [s[key][k, e] for s in ns],
                                      [s[key][k, e] for s in bs], fmt)
                print(line)
                outside += not inside
                if np.isfinite(z):
                    worst = max(worst, abs(z))
    print("\nY_S quantiles 5/25/50/75/95 % (uM), mean over seeds")
    for k in range(3):
        for e in range(4):
            qn = np.mean([s["Y_q"][k, e] for s in ns], axis=0)
            qb = np.mean([s["Y_q"][k, e] for s in bs], axis=0)
            print(f"| {KINDS[k]}, {rates[e]} | " + " ".join(f"{v:.1f}" for v in qn) + " | "
                  + " ".join(f"{v:.1f}" for v in qb) + " |")
    tn, tb = ns[0]["rel_times_A_open"], bs[0]["rel_times_A_open"]
    print(f"\nopen-loop astrocyte 0 (deterministic: no input, I_bias 1 uM) releases: nastro (10 ms samples) "
          f"{np.round(tn).tolist()} ms, Brian {np.round(tb, 1).tolist()} ms")
    print(f"\nnastro's spikes in the step of another spike of the same synapse: "
          f"{sum(s['same_step'] for s in ns)} of {sum(s['n_spikes'] for s in ns)}")
    open_loop_replay(ns, bs)
    closed_loop_replay(a.nastro, bs)
    print(f"\n{outside} values outside Brian's mean +- 2 sd; largest |z| {worst:.1f}")


if __name__ == "__main__":
    main()
