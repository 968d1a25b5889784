#!/usr/bin/python3
"""THE PEER (issue 3): a straightforward NumPy implementation of the energy-based naam
equations, docs/models.md 1.3 with the Hebbian T in low-rank form (1.4), written the way the
model's authors write it (phi = tanh(beta x), full N x N arrays, explicit Euler).
It is the reference nastro is measured against, not part of nastro.

  naam_numpy.py time  -N 500 -K 10 [-repeat 7]        best-of time of one RHS and one Euler step
  naam_numpy.py tutorial [-from RUN.h5] [-dt 0.05 -steps 1000] [-ref REF.h5]
        the tutorial problem (models.md 1.8); patterns and cue are taken from a nastro output file
        (/patterns, /cue) so both codes solve the same problem; prints wall time, Hamming distance,
        and with -ref the max-norm error of x(T) against /final/x of a reference nastro run.
Output: one line of key=value pairs per mode (parsed by bench/naam_bench.sh).
"""
import sys
import time

import numpy as np


def make_problem(N, K, seed=1, flip=0.1, beta=5.0):
    rng = np.random.default_rng(seed)
    xi = rng.choice([-1.0, 1.0], size=(K, N))
    cue = xi[0].copy()
    idx = rng.choice(N, size=int(round(flip * N)), replace=False)
    cue[idx] *= -1
    return xi, cue


class NAAM:
    """tau_n dx/dt = -lam x + g phi;  tau_s ds/dt = -alpha s + phi phi' + psi;
    tau_p dp/dt = -gamma p + T psi + g;  T_ijkl = c_T sum_mu xi_i xi_j xi_k xi_l (low rank)."""

    def __init__(self, xi, beta=5.0, lam=1.0, alpha=1.0, gamma=1.0, tau_n=1.0, tau_s=1.0, tau_p=1.0):
        self.xi = xi
        self.K, self.N = xi.shape
        self.cT = 1.0 / self.N ** 3
        self.beta, self.lam, self.alpha, self.gamma = beta, lam, alpha, gamma
        self.tau_n, self.tau_s, self.tau_p = tau_n, tau_s, tau_p

    def act(self, z):
        return np.tanh(self.beta * z)

    def inv_act(self, y):
        y = np.clip(y, -1 + 1e-12, 1 - 1e-12)
        return np.arctanh(y) / self.beta

    def T_apply(self, psi):
        q = np.einsum('mi,ij,mj->m', self.xi, psi, self.xi, optimize=True)   # q_mu = xi' Psi xi
        return self.cT * (self.xi.T * q) @ self.xi                           # c_T sum q_mu xi xi'

    def stationary(self, x0):
        """models.md 1.5: psi0 = -phi0 phi0', g0 = T(phi0 phi0'), p0 = psi^-1, s0 = g^-1."""
        phi0 = self.act(x0)
        psi0 = -np.outer(phi0, phi0)
        g0 = self.T_apply(np.outer(phi0, phi0))
        return x0.copy(), self.inv_act(g0), self.inv_act(psi0)

    def rhs(self, x, s, p):
        phi, g, psi = self.act(x), self.act(s), self.act(p)
        dx = (-self.lam * x + g @ phi) / self.tau_n
        ds = (-self.alpha * s + np.outer(phi, phi) + psi) / self.tau_s
        dp = (-self.gamma * p + self.T_apply(psi) + g) / self.tau_p
        return dx, ds, dp

    def euler_step(self, x, s, p, dt):
        dx, ds, dp = self.rhs(x, s, p)
        return x + dt * dx, s + dt * ds, p + dt * dp


def best_of(fn, repeat):
    best = float('inf')
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def opt(args, name, default, conv):
    return conv(args[args.index(name) + 1]) if name in args else default


def main():
    args = sys.argv[1:]
    mode = args[0] if args else 'time'
    if mode == 'time':
        N, K = opt(args, '-N', 500, int), opt(args, '-K', 10, int)
        repeat = opt(args, '-repeat', 7, int)
        xi, cue = make_problem(N, K)
        m = NAAM(xi)
        x, s, p = m.stationary(cue)
        t_rhs = best_of(lambda: m.rhs(x, s, p), repeat)
        t_step = best_of(lambda: m.euler_step(x, s, p, 0.05), repeat)
        print(f'peer=numpy N={N} K={K} repeat={repeat} rhs_s={t_rhs:.6e} step_s={t_step:.6e}')
    elif mode == 'tutorial':
        dt, steps = opt(args, '-dt', 0.05, float), opt(args, '-steps', 1000, int)
        src, ref = opt(args, '-from', None, str), opt(args, '-ref', None, str)
        if src:
            import h5py
            with h5py.File(src, 'r') as f:
                xi, cue = f['patterns'][...], f['cue'][...]
        else:
            xi, cue = make_problem(500, 10)
        m = NAAM(xi)
        t0 = time.perf_counter()
        x, s, p = m.stationary(cue)
        for _ in range(steps):
            x, s, p = m.euler_step(x, s, p, dt)
        wall = time.perf_counter() - t0
        ham = int(np.sum(np.sign(x) != xi[0]))
        line = f'peer=numpy N={m.N} K={m.K} dt={dt} steps={steps} T={dt * steps:g} wall_s={wall:.4f} hamming={ham}'
        if ref:
            import h5py
            with h5py.File(ref, 'r') as f:
                xr, sr, pr = f['final/x'][...], f['final/s'][...], f['final/p'][...]
            line += (f' err_x_max={np.max(np.abs(x - xr)):.3e}'
                     f' err_sp_max={max(np.max(np.abs(s - sr)), np.max(np.abs(p - pr))):.3e}')
        print(line)
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
