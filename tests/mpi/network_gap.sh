#!/usr/bin/env bash
# IP3 gap junctions between astrocyte_gchi populations (synapse gap_junction, models.md 3.7, Brian 2's example 5)
# in whole runs of the engine:
#  - tests/data/net_gap_ref.yaml (a ring of 5, example 5's parameters, a driven cell) against an independent
#    reference (gap_reference.py: the equations written again, J_coupling held over each step as Brian's summed
#    variable, scipy DOP853 at rtol 1e-11 per step): Dormand-Prince 5(4) at rtol 1e-10 within 2e-8, and the
#    traced J_coupling equal to the formula on the traced I of each step's start (1e-15 relative);
#  - with -ring_step_multiple 2, J_coupling is held over both steps of the population's step;
#  - tests/data/net_gap_conserve.yaml (production and degradation zeroed): total IP3 constant to round-off, the
#    2-cell population's fluxes antisymmetric bit for bit (what leaves one cell enters the other);
#  - tests/data/net_gap.yaml (a ring from a pairs_file, coupled both ways to a second population, per-cell
#    I_bias x a timed stimulus, releases): the same traces, releases included, bit for bit on 1, 2, 3, 4 ranks.
# usage: network_gap.sh NASTRO SOURCE_ROOT
set -u
source "$(dirname "$0")/lib.sh" "$1"
root=$2
ref=$(dirname "$0")/gap_reference.py
same=$(dirname "$0")/same_datasets.py
PY=/usr/bin/python3
tight=(-network_ts_type rk -network_ts_rk_type 5dp -network_ts_adapt_type basic -network_ts_rtol 1e-10
  -network_ts_atol 1e-12 -network_ts_adapt_wnormtype infinity)

# measured (2026-12-03): DP 5(4) at 1e-10: C 4.2e-9, h 3.5e-10, I 2.6e-9 uM; RK4 at 100 ms: C 1.8e-2, h 2.0e-3,
# I 1.2e-2 (the step's error: example 5 takes 50 ms)
r=$root/tests/data/net_gap_ref.yaml
check "ring of 5, Dormand-Prince 5(4) at rtol 1e-10" on_ranks 60 1 -network "$r" -quiet -o "$tmp/dp.h5" "${tight[@]}"
check "  within 2e-8, 2e-9, 2e-8 of the reference (C, h, I)" $PY "$ref" "$tmp/dp.h5" 2e-8,2e-9,2e-8
check "ring of 5, RK4 at 100 ms (the default)" on_ranks 60 1 -network "$r" -quiet -o "$tmp/rk4.h5"
check "  within 4e-2, 4e-3, 3e-2 of the reference (RK4's error at 100 ms)" $PY "$ref" "$tmp/rk4.h5" 4e-2,4e-3,3e-2
check "  J_coupling is the formula on the I of each step's start" $PY "$ref" "$tmp/rk4.h5" flux
check "ring of 5 stepping every 2 steps (-ring_step_multiple 2)" on_ranks 60 1 -network "$r" -quiet \
  -o "$tmp/k2.h5" -ring_step_multiple 2
check "  J_coupling held over both steps of each population step, and changing between them" $PY -c "
import h5py, numpy as np, sys
J = h5py.File(sys.argv[1], 'r')['/traces/ring/J_coupling'][:]
sys.exit(0 if (J[0::2] == J[1::2]).all() and (J[2::2] != J[1:-1:2]).any() else 1)" "$tmp/k2.h5"

c=$root/tests/data/net_gap_conserve.yaml
check "production and degradation zeroed (net_gap_conserve.yaml)" on_ranks 60 1 -network "$c" -quiet -o "$tmp/c.h5"
check "  total IP3 conserved within 1e-13 relative; the pair's fluxes antisymmetric" $PY "$ref" "$tmp/c.h5" conserve 1e-13
check "  on 2 ranks, the same traces bit for bit" on_ranks 60 2 -network "$c" -quiet -o "$tmp/c2.h5"
check "    (compared)" $PY "$same" "$tmp/c.h5" "$tmp/c2.h5" traces

g=$root/tests/data/net_gap.yaml
check "net_gap on 1 rank" on_ranks 60 1 -network "$g" -quiet -o "$tmp/g1.h5"
check "  the driven cell releases gliotransmitter, the coupling moves IP3 into the side population" $PY -c "
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1], 'r')
rel = (np.diff(f['/traces/ring/G_A'][:], axis=0) > 0).sum()
sys.exit(0 if rel >= 2 and np.abs(f['/traces/side/J_coupling'][:, 0]).max() > 0 else 1)" "$tmp/g1.h5"
for n in 2 3 4; do
  check "  on $n ranks" on_ranks 60 $n -network "$g" -quiet -o "$tmp/g$n.h5"
  check "    the same traces as on 1 rank, bit for bit" $PY "$same" "$tmp/g1.h5" "$tmp/g$n.h5" traces
done
finish
