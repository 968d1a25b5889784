#!/usr/bin/env bash
# astrocyte_gchi's noise (Brian 2's example 2 stochastic astrocyte: dh = f dt + g dW, a split Milstein step after
# the deterministic RK4 step; docs/networks.md) in whole runs of the engine:
#  - noise 0 is bitwise the deterministic model: a cell with noise 0 among noisy ones (tests/data/net_gchi_noise.yaml)
#    equals the deterministic population's cell, and example 2's deterministic cell is unchanged by the noisy one
#    next to it (examples/networks/brian_example2_gchi_noise.yaml against brian_example2_gchi.yaml);
#  - the normal draws are keyed by (seed, population, cell, step): a noisy run is the same, bit for bit, on 1, 2
#    and 3 ranks, and across a SIGUSR1 stop and a resume on another rank count;
#  - strong order (gchi_noise_reference.py strong: against stochastic Heun at 0.5 ms driven by the same Brownian
#    path, tests/data/net_gchi_relax.yaml at H = 8 ... 128 ms): the slope of log error against log H in
#    [0.8, 1.2] (measured 0.95 for the default Stratonovich reading, 0.97 for Ito's; Euler-Maruyama, the Milstein
#    term left out, gives 0.53);
#  - weak (gchi_noise_reference.py weak: 1000 cells at H = 64 ms against 4000 reference cells): the mean and the
#    variance of h at 4096 ms within 4 standard errors, for the Stratonovich reading (the default; measured -0.33
#    and -0.27) and Ito's (-0.30 and -0.24; the Stratonovich correction there moves the mean by -5.3), and the two
#    readings apart.
# usage: network_gchi_noise.sh NASTRO SOURCE_ROOT
set -u
source "$(dirname "$0")/lib.sh" "$1"
root=$2
net=$root/tests/data/net_gchi_noise.yaml
relax=$root/tests/data/net_gchi_relax.yaml
ref=$(dirname "$0")/gchi_noise_reference.py
same=$(dirname "$0")/same_datasets.py
PY=/usr/bin/python3

check "net_gchi_noise on 1 rank" on_ranks 120 1 -network "$net" -quiet -o "$tmp/one.h5"
check "  the noise-0 cell is bitwise the deterministic cell; the noisy ones differ from it" $PY -c "
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1], 'r')
ok = True
for v in ['C', 'h', 'I', 'Gamma_A', 'G_A', 'armed']:
    a, b = f['/traces/astro/' + v][:, 0], f['/traces/noisy/' + v][:]
    ok &= np.array_equal(a, b[:, 0])
for k in (1, 2, 3):
    d = np.abs(f['/traces/noisy/h'][:, k] - f['/traces/astro/h'][:, 0]).max()
    print('cell', k, 'max |h - h_deterministic|', d)
    ok &= d > 1e-3
sys.exit(0 if ok else 1)" "$tmp/one.h5"
check "example 2 with its stochastic cell" on_ranks 120 1 -network "$root/examples/networks/brian_example2_gchi_noise.yaml" -quiet -o "$tmp/ex2n.h5"
check "example 2, deterministic only" on_ranks 120 1 -network "$root/examples/networks/brian_example2_gchi.yaml" -quiet -o "$tmp/ex2.h5"
check "  the deterministic cell is the same, bit for bit" $PY -c "
import h5py, numpy as np, sys
a, b = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')
sys.exit(0 if all(np.array_equal(a['/traces/astro/' + v][:], b['/traces/astro/' + v][:]) for v in ['C', 'h', 'I', 'Gamma_A']) else 1)" "$tmp/ex2n.h5" "$tmp/ex2.h5"
check "net_gchi_noise on 2 ranks" on_ranks 120 2 -network "$net" -quiet -o "$tmp/two.h5"
check "  the same traces as on 1 rank, bit for bit" $PY "$same" "$tmp/one.h5" "$tmp/two.h5" traces
check "net_gchi_noise on 3 ranks" on_ranks 120 3 -network "$net" -quiet -o "$tmp/three.h5"
check "  the same traces as on 1 rank, bit for bit" $PY "$same" "$tmp/one.h5" "$tmp/three.h5" traces

# SIGUSR1 to rank 1 after the first checkpoint (every 1.5 s of 12; each sleeps 0.2 s, changing nothing computed)
usr1_after_checkpoint 120 2 1 "$tmp/usr1.log" -network "$net" -quiet -o "$tmp/usr1.h5" -checkpoint_interval 1500 \
  -checkpoint_test_delay 0.2
rc=$?
check "SIGUSR1 stops the noisy run with exit code 75" test $rc -eq 75
check "  before the end" grep -q "stopped at t = .* ms (SIGUSR1 on rank 1)" "$tmp/usr1.log"
check "  resumed on 3 ranks, the run completes" on_ranks 120 3 -network "$net" -quiet -restart "$tmp/usr1.ckpt" -o "$tmp/usr1.h5"
check "  traces equal the uninterrupted run's, bit for bit" $PY "$same" "$tmp/one.h5" "$tmp/usr1.h5" traces

for K in 8 16 32 64 128; do
  check "net_gchi_relax at H = $K ms" on_ranks 60 1 -network "$relax" -quiet -relax_step_multiple "$K" -o "$tmp/relax_$K.h5"
done
check "  strong order of the noise step in [0.8, 1.2] (the same Brownian path, a fine stochastic Heun reference)" \
  $PY "$ref" strong "$tmp"/relax_{8,16,32,64,128}.h5 0.8 1.2
check "net_gchi_relax, 1000 cells at H = 64 ms" on_ranks 60 1 -network "$relax" -quiet -relax_step_multiple 64 \
  -network_set populations.relax.n=1000 -o "$tmp/weak.h5"
check "  mean and variance of h at T within 4 standard errors of the reference's" $PY "$ref" weak "$tmp/weak.h5" 4
check "net_gchi_relax read as Ito's (stratonovich 0), 1000 cells at H = 64 ms" on_ranks 60 1 -network "$relax" -quiet \
  -relax_step_multiple 64 -network_set populations.relax.n=1000,populations.relax.params.stratonovich=0 -o "$tmp/weak_ito.h5"
check "  mean and variance of h at T within 4 standard errors of the Ito reference's" $PY "$ref" weak "$tmp/weak_ito.h5" 4
check "  and Ito's mean of h differs from Stratonovich's (the reading matters; the same draws, cell by cell)" $PY -c "
import h5py, numpy as np, sys
a, b = (h5py.File(p, 'r')['/traces/relax/h'][-1, :] for p in sys.argv[1:3])
d = a - b
se = d.std() / np.sqrt(d.size)
print('Stratonovich', a.mean(), 'Ito', b.mean(), 'mean difference / its se', d.mean() / se)
sys.exit(0 if abs(d.mean()) > 10 * se else 1)" "$tmp/weak.h5" "$tmp/weak_ito.h5"
finish
