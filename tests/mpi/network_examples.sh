#!/usr/bin/env bash
# The network files of examples/networks (NEST 3.10's astrocyte examples, bench/nest/README.md, and Brian 2's
# neuron-glia examples 2, 4 and 5, bench/brian): each runs on 2
# ranks, shortened with -network_set (t_stop, and scale=0.1 for the Brunel network), writes complete = 1, and
# analysis/plot_network.py draws its figure (a non-empty PNG). Each run takes a few seconds at most.
# usage: network_examples.sh NASTRO SOURCE_ROOT
set -u
source "$(dirname "$0")/lib.sh" "$1"
root=$2
PY=/usr/bin/python3

complete() { # file: its root attribute complete is 1
  $PY -c "import h5py, sys; sys.exit(0 if int(h5py.File(sys.argv[1], 'r').attrs.get('complete', 0)) == 1 else 1)" "$1"
}
drawn() { # run.h5 png: plot_network.py draws the run to a non-empty PNG
  $PY "$root/analysis/plot_network.py" "$1" -o "$2" && [ -s "$2" ] && [ "$(head -c 4 "$2" | tail -c 3)" = PNG ]
}
example() { # name, -network_set value
  local name=$1 set=$2
  check "$name runs on 2 ranks (-network_set $set)" \
    on_ranks 60 2 -network "$root/examples/networks/$name.yaml" -network_set "$set" -o "$tmp/$name.h5" -quiet
  check "$name: complete = 1" complete "$tmp/$name.h5"
  check "$name: plot_network.py draws its figure" drawn "$tmp/$name.h5" "$tmp/$name.png"
}

example astrocyte_single t_stop=2000
example astrocyte_interaction t_stop=2000
example astrocyte_small_network t_stop=200
example astrocyte_brunel_bernoulli scale=0.1,t_stop=200
example brian_example2_gchi t_stop=5000
example brian_example4_synrel t_stop=2000
# example 4's second part records only releases (no figure of plot_network.py's)
check "brian_example4_rsmean runs on 2 ranks (-network_set t_stop=2000)" \
  on_ranks 60 2 -network "$root/examples/networks/brian_example4_rsmean.yaml" -network_set t_stop=2000 \
  -o "$tmp/brian_example4_rsmean.h5" -quiet
check "brian_example4_rsmean: complete = 1" complete "$tmp/brian_example4_rsmean.h5"
example brian_example5_ring t_stop=100000
example brian_example3_io_synapse t_stop=2000
example brian_example6_coba t_stop=40
# example 6's astrocyte of each synapse: the example's own arithmetic, computed here as Brian does, in metres, from
# the example's grid (int() truncating toward zero; no astrocyte outside 0 .. 3199; the I targets at the origin)
check "brian_example6_coba: each E target's astrocyte is the example's arithmetic, each I target's astrocyte 0" $PY -c "
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1], 'r')
size, i = 3.75e-3, np.arange(3200)
gd = size / (3200 // 56); x = (i // 56) * gd - 56 / 2.0 * gd; y = (i % 56) * gd - (3200 // 56) / 2.0 * gd
gda, cola = size / 56, 3200 / 56
k = np.trunc(np.trunc(x / gda) + cola * np.trunc(y / gda)).astype(int)
k[(k < 0) | (k >= 3200)] = -1
E, I = f['network/projection_0/astrocyte'][:], f['network/projection_1/astrocyte'][:]
print((k >= 0).sum(), 'of 3200 E targets with an astrocyte')
sys.exit(0 if np.array_equal(E, k) and (I == 0).all() and 1400 < (k >= 0).sum() < 1700 else 1)" "$tmp/brian_example6_coba.h5"
check "brian_example6_coba with the corrected mapping (nearest astrocyte) runs on 2 ranks" \
  on_ranks 60 2 -network "$root/examples/networks/brian_example6_coba.yaml" -quiet -o "$tmp/ex6n.h5" \
  -network_set t_stop=1,projections.0.glia.astrocyte=nearest,projections.1.glia=null
check "  each E target's astrocyte is its nearest (a brute force over the positions in the output)" $PY -c "
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1], 'r')
pe, pa = f['populations/E/positions'][:], f['populations/A/positions'][:]
d = ((pe[:, None, :] - pa[None, :, :]) ** 2).sum(axis=2)
sys.exit(0 if np.array_equal(f['network/projection_0/astrocyte'][:], d.argmin(axis=1)) else 1)" "$tmp/ex6n.h5"
check "brian_example2_gchi: plot_brian_example2.py draws the chapter's figure" \
  bash -c "$PY '$root/analysis/plot_brian_example2.py' '$tmp/brian_example2_gchi.h5' -o '$tmp/ex2.png' && [ -s '$tmp/ex2.png' ]"
check "brian_example4_synrel: plot_brian_example4.py draws the chapter's figure from the releases" \
  bash -c "$PY '$root/analysis/plot_brian_example4.py' '$tmp/brian_example4_synrel.h5' --png '$tmp/ex4.png' && [ -s '$tmp/ex4.png' ]"
finish
