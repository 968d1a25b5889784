#!/usr/bin/python3
"""THE PEER (issue 3, made fast for issue 13): a straightforward NumPy implementation of the energy-based
naam equations, docs/models.md 1.3 with the Hebbian T in low-rank form (1.4), written the way the model's
authors write it (phi = tanh(beta x), full N x N arrays, explicit Euler), as fast as plain NumPy allows:
matrix products (BLAS) for the pattern sums, every N x N operation in place into preallocated arrays
(ufunc out=), no einsum and no N x N temporaries. It is the reference nastro is measured against, not part
of nastro. The first peer (einsum, a new array per operation) is kept as NAAMEinsum: `check` compares the
two trajectories, `-peer einsum` times it.

  naam_numpy.py time  -N 500 -K 10 [-repeat 7] [-peer fast|einsum]   best-of time of one RHS and one Euler step
  naam_numpy.py tutorial [-from RUN.h5] [-dt 0.05 -steps 1000] [-ref REF.h5] [-peer fast|einsum]
        the tutorial problem (models.md 1.8); patterns and cue are taken from a nastro output file
        (/patterns, /cue) so both codes solve the same problem; prints wall time, Hamming distance,
        and with -ref the max-norm error of x(T) against /final/x of a reference nastro run.
  naam_numpy.py check -N 500 -K 10 [-steps 200] [-tol 1e-12]
        Euler trajectories of the fast peer and of NAAMEinsum from the same stationary start: the largest
        difference of x, s, p over all steps relative to the largest |x|, |s|, |p|; exits 1 above -tol.
  naam_numpy.py profile -N 500 -K 10 [-repeat 20]
        best-of time of every term of the fast RHS and Euler step, each alone (how the peer was tuned).
Output: one line of key=value pairs per mode (parsed by bench/naam_bench.sh); profile prints a table.
The lines carry blas=, the BLAS library NumPy loaded (OPENBLAS_NUM_THREADS sets OpenBLAS's threads).
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


class NAAMEinsum:
    """The first peer, unchanged: one new array per operation, q by einsum.
    tau_n dx/dt = -lam x + g phi;  tau_s ds/dt = -alpha s + phi phi' + psi;
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


class NAAM(NAAMEinsum):
    """The same equations with preallocated N x N arrays and BLAS products:
    q_mu = sum_j xi_mu,j (xi Psi)_mu,j  (one K x N x N product, xi @ psi),
    T Psi = (c_T xi' diag(q)) @ xi     (one N x K x N product, written into its destination),
    every elementwise N x N operation a ufunc with out=. euler_step updates x, s, p in place with the Euler
    update folded into the leaks: s <- (1 - dt alpha / tau_s) s + (dt / tau_s) (phi phi' + psi), the same step
    to round-off (`check`) in 16 operations on N x N arrays instead of the 22 of rhs() and s += dt ds."""

    def __init__(self, xi, **kw):
        super().__init__(xi, **kw)
        N, K = self.N, self.K
        self.xiT = np.ascontiguousarray(xi.T)
        self.g, self.psi, self.tmp = np.empty((N, N)), np.empty((N, N)), np.empty((N, N))
        self.ds, self.dp = np.empty((N, N)), np.empty((N, N))
        self.xp, self.xq = np.empty((K, N)), np.empty((N, K))

    def T_apply(self, psi):
        """T Psi by the two products (used by stationary())"""
        q = ((self.xi @ psi) * self.xi).sum(axis=1)
        return (self.cT * q * self.xiT) @ self.xi

    def _activations(self, s, p):
        np.multiply(s, self.beta, out=self.g)
        np.tanh(self.g, out=self.g)
        np.multiply(p, self.beta, out=self.psi)
        np.tanh(self.psi, out=self.psi)

    def _q(self):
        """c_T q_mu = c_T xi_mu' Psi xi_mu"""
        np.matmul(self.xi, self.psi, out=self.xp)
        np.multiply(self.xp, self.xi, out=self.xp)
        return self.cT * self.xp.sum(axis=1)

    def rhs(self, x, s, p):
        """the exact right-hand side, into self.ds and self.dp (dx is a new N-vector)"""
        self._activations(s, p)
        phi = self.act(x)
        dx = (self.g @ phi - self.lam * x) / self.tau_n
        ds, dp, tmp = self.ds, self.dp, self.tmp
        np.multiply.outer(phi, phi, out=ds)
        np.add(ds, self.psi, out=ds)
        np.multiply(s, self.alpha, out=tmp)
        np.subtract(ds, tmp, out=ds)
        np.divide(ds, self.tau_s, out=ds)
        np.multiply(self.xiT, self._q(), out=self.xq)
        np.matmul(self.xq, self.xi, out=dp)                     # T Psi
        np.add(dp, self.g, out=dp)
        np.multiply(p, self.gamma, out=tmp)
        np.subtract(dp, tmp, out=dp)
        np.divide(dp, self.tau_p, out=dp)
        return dx, ds, dp

    def euler_step(self, x, s, p, dt):
        """one Euler step of (x, s, p) in place; returns them"""
        self._activations(s, p)
        phi = self.act(x)
        dx = (self.g @ phi - self.lam * x) / self.tau_n
        hs, hp, tmp = dt / self.tau_s, dt / self.tau_p, self.tmp
        np.multiply(self.xiT, hp * self._q(), out=self.xq)
        np.multiply(s, 1 - self.alpha * hs, out=s)
        np.multiply.outer(hs * phi, phi, out=tmp)
        np.add(s, tmp, out=s)
        np.multiply(self.psi, hs, out=self.psi)
        np.add(s, self.psi, out=s)
        np.multiply(p, 1 - self.gamma * hp, out=p)
        np.matmul(self.xq, self.xi, out=tmp)                    # (dt / tau_p) T Psi
        np.add(p, tmp, out=p)
        np.multiply(self.g, hp, out=self.g)
        np.add(p, self.g, out=p)
        x += dt * dx
        return x, s, p


def best_of(fn, repeat):
    best = float('inf')
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def opt(args, name, default, conv):
    return conv(args[args.index(name) + 1]) if name in args else default


def blas_name():
    """the BLAS shared library this process loaded (NumPy loads it at import)"""
    libs = {ln.split()[-1] for ln in open('/proc/self/maps') if 'blas' in ln.split()[-1].lower()}
    return ','.join(sorted(lib.rsplit('/', 2)[-2] + '/' + lib.rsplit('/', 1)[-1] for lib in libs)) or 'none'


def peer_class(args):
    name = opt(args, '-peer', 'fast', str)
    if name not in ('fast', 'einsum'):
        sys.exit(f'naam_numpy.py: -peer {name}: fast or einsum')
    return name, NAAM if name == 'fast' else NAAMEinsum


def profile(N, K, repeat):
    xi, cue = make_problem(N, K)
    m = NAAM(xi)
    x, s, p = m.stationary(cue)
    m._activations(s, p)
    phi, q, hs = m.act(x), m._q(), 0.05
    tmp, g, psi = m.tmp, m.g, m.psi
    terms = [
        ('s*beta -> g (multiply out=)', lambda: np.multiply(s, m.beta, out=g)),
        ('tanh(g) in place', lambda: np.tanh(g, out=g)),
        ('p*beta, tanh -> psi', lambda: (np.multiply(p, m.beta, out=psi), np.tanh(psi, out=psi))),
        ('phi = tanh(beta x) (N)', lambda: m.act(x)),
        ('g @ phi (gemv)', lambda: g @ phi),
        ('xi @ psi (K x N x N gemm)', lambda: np.matmul(m.xi, psi, out=m.xp)),
        ('q: (xi psi) * xi, row sums (K x N)', lambda: (np.multiply(m.xp, m.xi, out=m.xp), m.xp.sum(axis=1))),
        ('xi\' diag(q) (N x K)', lambda: np.multiply(m.xiT, q, out=m.xq)),
        ('(xi\' diag q) @ xi (N x K x N gemm)', lambda: np.matmul(m.xq, m.xi, out=tmp)),
        ('outer(phi, phi) out=', lambda: np.multiply.outer(phi, phi, out=tmp)),
        ('one in-place N x N add (a += b)', lambda: np.add(tmp, psi, out=tmp)),
        ('one in-place N x N scale (a *= c)', lambda: np.multiply(tmp, hs, out=tmp)),
        ('NAAMEinsum: einsum q', lambda: np.einsum('mi,ij,mj->m', m.xi, psi, m.xi, optimize=True)),
        ('NAAMEinsum: tanh(beta s), new array', lambda: np.tanh(m.beta * s)),
        ('NAAMEinsum: -alpha s + outer + psi, new arrays', lambda: -m.alpha * s + np.outer(phi, phi) + psi),
    ]
    print(f'# naam_numpy.py profile N={N} K={K} repeat={repeat} blas={blas_name()}: best-of ms per term, each alone')
    for name, fn in terms:
        print(f'{best_of(fn, repeat) * 1e3:8.3f}  {name}')
    old = NAAMEinsum(xi)
    print(f'{best_of(lambda: m.rhs(x, s, p), repeat) * 1e3:8.3f}  fast rhs()')
    xs, ss, ps = x.copy(), s.copy(), p.copy()
    print(f'{best_of(lambda: m.euler_step(xs, ss, ps, 0.05), repeat) * 1e3:8.3f}  fast euler_step()')
    print(f'{best_of(lambda: old.rhs(x, s, p), repeat) * 1e3:8.3f}  NAAMEinsum rhs()')
    print(f'{best_of(lambda: old.euler_step(x, s, p, 0.05), repeat) * 1e3:8.3f}  NAAMEinsum euler_step()')


def main():
    args = sys.argv[1:]
    mode = args[0] if args else 'time'
    if mode == 'time':
        N, K = opt(args, '-N', 500, int), opt(args, '-K', 10, int)
        repeat = opt(args, '-repeat', 7, int)
        name, cls = peer_class(args)
        xi, cue = make_problem(N, K)
        m = cls(xi)
        x, s, p = m.stationary(cue)
        t_rhs = best_of(lambda: m.rhs(x, s, p), repeat)
        t_step = best_of(lambda: m.euler_step(x, s, p, 0.05), repeat)   # the fast peer steps in place
        print(f'peer=numpy-{name} N={N} K={K} repeat={repeat} rhs_s={t_rhs:.6e} step_s={t_step:.6e} blas={blas_name()}')
    elif mode == 'tutorial':
        dt, steps = opt(args, '-dt', 0.05, float), opt(args, '-steps', 1000, int)
        src, ref = opt(args, '-from', None, str), opt(args, '-ref', None, str)
        name, cls = peer_class(args)
        if src:
            import h5py
            with h5py.File(src, 'r') as f:
                xi, cue = f['patterns'][...], f['cue'][...]
        else:
            xi, cue = make_problem(500, 10)
        m = cls(xi)
        t0 = time.perf_counter()
        x, s, p = m.stationary(cue)
        for _ in range(steps):
            x, s, p = m.euler_step(x, s, p, dt)
        wall = time.perf_counter() - t0
        ham = int(np.sum(np.sign(x) != xi[0]))
        line = (f'peer=numpy-{name} N={m.N} K={m.K} dt={dt} steps={steps} T={dt * steps:g} wall_s={wall:.4f}'
                f' hamming={ham} blas={blas_name()}')
        if ref:
            import h5py
            with h5py.File(ref, 'r') as f:
                xr, sr, pr = f['final/x'][...], f['final/s'][...], f['final/p'][...]
            line += (f' err_x_max={np.max(np.abs(x - xr)):.3e}'
                     f' err_sp_max={max(np.max(np.abs(s - sr)), np.max(np.abs(p - pr))):.3e}')
        print(line)
    elif mode == 'check':
        N, K = opt(args, '-N', 500, int), opt(args, '-K', 10, int)
        steps, tol = opt(args, '-steps', 200, int), opt(args, '-tol', 1e-12, float)
        xi, cue = make_problem(N, K)
        old, new = NAAMEinsum(xi), NAAM(xi)
        xa, sa, pa = old.stationary(cue)
        xb, sb, pb = xa.copy(), sa.copy(), pa.copy()
        worst = [0.0, 0.0, 0.0]
        rhs_diff = max(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), 1e-300)
                       for a, b in zip(old.rhs(xa, sa, pa), new.rhs(xb, sb, pb)))
        for _ in range(steps):
            xa, sa, pa = old.euler_step(xa, sa, pa, 0.05)
            xb, sb, pb = new.euler_step(xb, sb, pb, 0.05)
            for c, (a, b) in enumerate(((xa, xb), (sa, sb), (pa, pb))):
                worst[c] = max(worst[c], np.max(np.abs(a - b)) / max(np.max(np.abs(a)), 1e-300))
        ok = max(worst + [rhs_diff]) <= tol
        print(f'check=numpy-fast-vs-einsum N={N} K={K} steps={steps} dt=0.05 rhs_rel={rhs_diff:.2e}'
              f' x_rel={worst[0]:.2e} s_rel={worst[1]:.2e} p_rel={worst[2]:.2e} tol={tol:g}'
              f' {"ok" if ok else "FAILED"} blas={blas_name()}')
        sys.exit(0 if ok else 1)
    elif mode == 'profile':
        profile(opt(args, '-N', 500, int), opt(args, '-K', 10, int), opt(args, '-repeat', 20, int))
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
