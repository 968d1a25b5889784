#!/usr/bin/env bash
# astrocyte_gchi (models.md 3.7, Brian 2's neuron-glia example 2) in whole runs of the engine:
#  - example 2 (examples/networks/brian_example2_gchi.yaml) against an independent reference (gchi_reference.py:
#    the equations written again, scipy DOP853 at rtol 1e-10 between the glutamate jumps): RK4 at the resolution
#    (the default) and Dormand-Prince 5(4) at rtol 1e-10, each within its stated error of C, h, I; the releases
#    are the reference's upward crossings of C_Theta on the grid, one each;
#  - tests/data/net_gchi.yaml (the same input into 3 cells, and 2 cells under a timed I_bias): the same traces,
#    bit for bit, on 1 and 3 ranks; stopped by SIGUSR1 after a checkpoint and resumed on another rank count,
#    equal to the uninterrupted run bit for bit (gliotransmitter, threshold state and the timed parameter's
#    position included); a timed parameter switches exactly at its step boundaries.
# usage: network_gchi.sh NASTRO SOURCE_ROOT
set -u
source "$(dirname "$0")/lib.sh" "$1"
root=$2
ex=$root/examples/networks/brian_example2_gchi.yaml
net=$root/tests/data/net_gchi.yaml
ref=$(dirname "$0")/gchi_reference.py
same=$(dirname "$0")/same_datasets.py
PY=/usr/bin/python3
tight=(-network_ts_type rk -network_ts_rk_type 5dp -network_ts_adapt_type basic -network_ts_rtol 1e-10
  -network_ts_atol 1e-12 -network_ts_adapt_wnormtype infinity)

# measured (2026-12-02): RK4 C 3.0e-8, h 5.4e-9, I 1.5e-7 uM; DP 5(4) at 1e-10: C 7.6e-11, h 1.2e-11, I 6.1e-10
check "example 2, RK4 at 1 ms (the default)" on_ranks 120 1 -network "$ex" -quiet -o "$tmp/rk4.h5"
check "  within 1e-7, 2e-8, 5e-7 of the reference (C, h, I); releases once per upward crossing" \
  $PY "$ref" "$tmp/rk4.h5" 1e-7,2e-8,5e-7
check "example 2, Dormand-Prince 5(4) at rtol 1e-10" on_ranks 120 1 -network "$ex" -quiet -o "$tmp/dp.h5" "${tight[@]}"
check "  within 5e-10, 1e-10, 3e-9 of the reference; releases once per upward crossing" \
  $PY "$ref" "$tmp/dp.h5" 5e-10,1e-10,3e-9

check "net_gchi on 1 rank" on_ranks 120 1 -network "$net" -quiet -o "$tmp/one.h5"
check "  within the RK4 tolerances of the reference (3 cells under example 2's input)" \
  $PY "$ref" "$tmp/one.h5" 1e-7,2e-8,5e-7
check "  a release in the timed-stimulus population" \
  $PY -c "import h5py,numpy as np,sys; G=h5py.File(sys.argv[1])['/traces/pulsed/G_A'][:]; sys.exit(0 if (np.diff(G,axis=0)>0).sum()==2 else 1)" "$tmp/one.h5"
# releases are events: record.spikes of an astrocyte_gchi population gives each release, at the time G_A jumps
check "net_gchi with its releases recorded, on 2 ranks" on_ranks 120 2 -network "$net" -quiet -o "$tmp/rel.h5" \
  -network_set record.spikes=astro
check "  /spikes/astro: every release (a rise of G_A in the 1 ms trace) at its time and cell, and nothing else" $PY -c "
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1], 'r')
G = f['/traces/astro/G_A'][:]; t = f['/traces/astro/time'][:]
G = np.vstack([np.zeros((1, G.shape[1])), G])
k, cell = np.nonzero(np.diff(G, axis=0) > 0)
want = sorted(zip(t[k], cell))
got = sorted(zip(f['/spikes/astro/timestamps'][:], f['/spikes/astro/node_ids'][:]))
print(len(got), 'releases recorded,', len(want), 'G_A rises')
sys.exit(0 if got == want and len(got) >= 3 else 1)" "$tmp/rel.h5"
# a timed parameter switches at the step boundaries: I_e on over [1, 2) ms, [3, 4) ms (repeat)
check "a timed I_e (tests/data/net_timed.yaml) runs on 2 ranks" on_ranks 60 2 -network "$root/tests/data/net_timed.yaml" -quiet -o "$tmp/timed.h5"
check "  V_m rises exactly in the steps of [1, 2) and [3, 4) ms, in every cell" $PY -c "
import h5py, numpy as np, sys
V = h5py.File(sys.argv[1], 'r')['/traces/N/V_m'][:]
d = np.diff(np.vstack([np.full((1, V.shape[1]), -70.0), V]), axis=0)  # step k: [k h, (k + 1) h]
on = (np.arange(len(d)) // 10) % 2 == 1
sys.exit(0 if (d[on] > 0).all() and (d[~on][10:] < 0).all() and (d[:10] == 0).all() else 1)" "$tmp/timed.h5"

# the multi-rank runs are shorter: d_min is one step (1 ms), so 3 oversubscribed ranks exchange 1000 times a
# simulated second
short=(-network "$net" -quiet -network_set t_stop=12000)
check "net_gchi, 12 s, on 1 rank" on_ranks 120 1 "${short[@]}" -o "$tmp/one12.h5"
check "  on 3 ranks" on_ranks 120 3 "${short[@]}" -o "$tmp/three.h5"
check "  the same traces, bit for bit" $PY "$same" "$tmp/one12.h5" "$tmp/three.h5" traces

# SIGUSR1 to rank 1 after the first checkpoint (every 1.5 s of 12; each sleeps 0.2 s, changing nothing computed)
usr1_after_checkpoint 120 2 1 "$tmp/usr1.log" "${short[@]}" -o "$tmp/usr1.h5" -checkpoint_interval 1500 \
  -checkpoint_test_delay 0.2
rc=$?
check "SIGUSR1 stops the run with exit code 75" test $rc -eq 75
check "  before the end" grep -q "stopped at t = .* ms (SIGUSR1 on rank 1)" "$tmp/usr1.log"
check "  resumed on 1 rank, the run completes" on_ranks 120 1 "${short[@]}" -restart "$tmp/usr1.ckpt" -o "$tmp/usr1.h5"
check "  traces equal the uninterrupted run's, bit for bit" $PY "$same" "$tmp/one12.h5" "$tmp/usr1.h5" traces
finish
