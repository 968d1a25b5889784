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
check "brian_example2_gchi: plot_brian_example2.py draws the chapter's figure" \
  bash -c "$PY '$root/analysis/plot_brian_example2.py' '$tmp/brian_example2_gchi.h5' -o '$tmp/ex2.png' && [ -s '$tmp/ex2.png' ]"
check "brian_example4_synrel: plot_brian_example4.py draws the chapter's figure from the releases" \
  bash -c "$PY '$root/analysis/plot_brian_example4.py' '$tmp/brian_example4_synrel.h5' --png '$tmp/ex4.png' && [ -s '$tmp/ex4.png' ]"
finish
