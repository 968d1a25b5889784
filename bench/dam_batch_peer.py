#!/usr/bin/python3
"""The NumPy peer of nastro's batch of cue draws (-dam_cues, docs/capacity.md): one right-hand side of M
independent dense associative memories sharing K patterns of N signs,

    phi = tanh(beta X),  O = phi Xi',  W = c_T O^(n-1),  F = (-X + W Xi) / tau_n,     X: M x N,  Xi: K x N

as a user would write it: two BLAS matrix products (NumPy's matmul, the patterns kept in both layouts on the BLAS that libblas.so.3 resolves to;
LD_LIBRARY_PATH picks OpenBLAS) and in-place elementwise work. Prints the best of `--repeat` evaluations in
seconds and GFlop/s (4 M K N flops per evaluation, the products).

usage: dam_batch_peer.py --N 256 --K 20000 --M 100 [--order 4] [--repeat 10]
"""
import argparse
import time

import numpy as np

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--N", type=int, default=256)
ap.add_argument("--K", type=int, default=20000)
ap.add_argument("--M", type=int, default=100)
ap.add_argument("--order", type=int, default=4)
ap.add_argument("--repeat", type=int, default=10)
a = ap.parse_args()
rng = np.random.default_rng(1)
Xi = rng.choice([-1.0, 1.0], size=(a.K, a.N))
XiT = np.ascontiguousarray(Xi.T)  # 20 % faster than the transposed view
X = rng.uniform(-1.5, 1.5, size=(a.M, a.N))
cT = 1.0 / a.N ** (a.order - 1)
phi = np.empty_like(X)
O = np.empty((a.M, a.K))
W = np.empty_like(O)
F = np.empty_like(X)
best = float("inf")
for _ in range(a.repeat):
    t0 = time.perf_counter()
    np.multiply(X, 5.0, out=phi)
    np.tanh(phi, out=phi)
    np.matmul(phi, XiT, out=O)
    np.multiply(O, cT, out=W)  # c_T O^(n-1) by multiplications: np.power is 4x slower than both products
    for _ in range(a.order - 2):
        W *= O
    np.matmul(W, Xi, out=F)
    F -= X
    best = min(best, time.perf_counter() - t0)
print("peer %.6f s %.2f GFlop/s" % (best, 4e-9 * a.M * a.K * a.N / best))
