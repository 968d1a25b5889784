#!/usr/bin/env bash
# The same spikes and traces, bit for bit, on 1, 2, 3 and 4 ranks (models.md 3.1, 3.8 item 5), for a small
# astrocyte-Brunel network with Poisson input, Tsodyks synapses, tripartite pools and SIC, with the exchange in
# two levels (one node, pseudo-nodes of 1 and 2 ranks) and flat; the same again when a run is repeated; and a
# changed seed changes the spikes (so the comparison can fail); a spike generator's repeated spike time is
# recorded in (time, id) order; and the same bits for any slice length (-slice_steps) and with the exchange
# overlapped with the next slice (-exchange_overlap); and a trace that only one of two ranks records.
# usage: network_ranks.sh NASTRO SOURCE_ROOT
set -u
source "$(dirname "$0")/lib.sh" "$1"
net=$2/tests/data/net_brunel_small.yaml
PY=/usr/bin/python3
same=$(dirname "$0")/same_datasets.py

for n in 1 2 3 4; do
  check "runs on $n rank(s)" on_ranks 300 $n -network "$net" -o "$tmp/r$n.h5" -quiet
done
spikes() { $PY -c "import h5py,sys; f=h5py.File(sys.argv[1]); print(sum(len(f['spikes'][p]['timestamps']) for p in f['spikes']))" "$1"; }
check "the network spikes (E and I)" test "$(spikes "$tmp/r1.h5")" -gt 100
sics() { $PY -c "import h5py,sys; print(int(h5py.File(sys.argv[1])['timing'].attrs['sic_events']))" "$1"; }
check "its astrocytes send SIC (the comparison covers its exchange and delivery)" test "$(sics "$tmp/r1.h5")" -gt 1000
for n in 2 3 4; do
  check "spikes, traces and rates on $n ranks equal 1 rank's, bit for bit" \
    $PY "$same" "$tmp/r1.h5" "$tmp/r$n.h5" spikes traces rates
done
# the exchange in two levels (the default: the node's ranks through its leader and one shared buffer) on
# pseudo-nodes of K consecutive ranks (4 ranks: 4 nodes of 1, 2 of 2; 3 ranks: nodes of 2 and 1), and flat:
# all equal to 1 rank's, bit for bit
for nk in "4 1" "4 2" "3 2"; do
  read -r n k <<<"$nk"
  check "$n ranks in pseudo-nodes of $k (-exchange_node_ranks $k) run" \
    on_ranks 300 $n -network "$net" -exchange_node_ranks $k -o "$tmp/x${n}k$k.h5" -quiet
  check "  spikes, traces and rates equal 1 rank's, bit for bit" $PY "$same" "$tmp/r1.h5" "$tmp/x${n}k$k.h5" spikes traces rates
done
check "4 ranks with the flat exchange (-exchange flat) run" on_ranks 300 4 -network "$net" -exchange flat -o "$tmp/flat4.h5" -quiet
check "  spikes, traces and rates equal 1 rank's, bit for bit" $PY "$same" "$tmp/r1.h5" "$tmp/flat4.h5" spikes traces rates
for bad in "-exchange nodes|-exchange nodes: must be flat or node" \
  "-exchange_node_ranks 0|-exchange_node_ranks 0: must be at least 1" \
  "-exchange flat -exchange_node_ranks 2|-exchange_node_ranks 2: only with -exchange node (it is flat)"; do
  on_ranks 60 2 -network "$net" ${bad%%|*} -o "$tmp/xbad.h5" -quiet >"$tmp/xbad.log" 2>&1
  check "${bad%%|*} is refused" test $? -ne 0
  check "  with one line naming it, and no output" \
    bash -c "grep -q '^nastro: error: ${bad#*|}\$' '$tmp/xbad.log' && test ! -e '$tmp/xbad.h5'"
done
check "a repeated run on 2 ranks is identical" on_ranks 300 2 -network "$net" -o "$tmp/again.h5" -quiet
check "  its spikes and traces equal the first run's" $PY "$same" "$tmp/r2.h5" "$tmp/again.h5" spikes traces
check "seed 8 runs" on_ranks 300 2 -network "$net" -network_set seed=8 -o "$tmp/seed8.h5" -quiet
# (h5diff cannot be the judge here: it calls datasets of different lengths "not comparable" and exits 0)
check "  another seed gives other spikes" $PY -c "
import h5py, numpy as np, sys
a, b = (h5py.File(p, 'r')['spikes/E/timestamps'][:] for p in sys.argv[1:])
sys.exit(len(a) == len(b) and np.array_equal(a, b))" "$tmp/r2.h5" "$tmp/seed8.h5"
# a Poisson generator sends every synapse its own train, multapses included (NEST's): two synapses of weight 1
# from one generator are not one synapse of weight 2
cat >"$tmp/multapse.yaml" <<'YAML'
t_stop: 50.0
populations:
  - {name: noise, model: poisson_generator, n: 1, params: {rate: 5000.0}}
  - {name: N, model: iaf_cond_exp, n: 1}
projections:
  - {from: noise, to: N, rule: {fixed_indegree: {K: 2}}, weight: 1.0}
record:
  traces: [{population: N, variables: [g_ex]}]
YAML
sed 's/{fixed_indegree: {K: 2}}, weight: 1.0/all_to_all, weight: 2.0/' "$tmp/multapse.yaml" >"$tmp/single.yaml"
check "two Poisson multapses run" on_ranks 60 1 -network "$tmp/multapse.yaml" -o "$tmp/multapse.h5" -quiet
check "one synapse of twice the weight runs" on_ranks 60 1 -network "$tmp/single.yaml" -o "$tmp/single.h5" -quiet
check "  the multapses' conductance differs from the doubled synapse's (independent trains)" \
  bash -c "! $PY '$same' '$tmp/multapse.h5' '$tmp/single.h5' traces >/dev/null"
# astrocytes on a 1 ms step (= d_min): their SIC is constant over a slice, so one value per astrocyte and slice
# travels; the same network with d_min 0.3 ms (a projection between two extra cells; 1 ms is then no multiple
# of the slice, and SIC goes every step) must give the same spikes and traces, bit for bit
sed -e 's/^  - {name: noise, model: poisson_generator.*/&\n  - {name: D, model: iaf_cond_exp, n: 2}/' \
  -e 's/^record:/  - {from: D, to: D, rule: all_to_all, weight: 1.0, delay: 0.3}\nrecord:/' "$net" >"$tmp/dmin3.yaml"
check "astrocytes on a 1 ms step, 1 rank" on_ranks 300 1 -network "$net" -A_step_multiple 10 -o "$tmp/a1.h5" -quiet
check "  and on 2 ranks: the same spikes and traces" \
  bash -c "$(printf '%q ' timeout 300 mpiexec --oversubscribe -n 2 "$nastro" -network "$net" -A_step_multiple 10 -o "$tmp/a2.h5" -quiet) && $PY '$same' '$tmp/a1.h5' '$tmp/a2.h5' spikes traces"
check "  with d_min 0.3 ms instead of 1 ms (SIC every step), on 2 ranks: the same spikes and traces" \
  bash -c "$(printf '%q ' timeout 300 mpiexec --oversubscribe -n 2 "$nastro" -network "$tmp/dmin3.yaml" -A_step_multiple 10 -o "$tmp/a3.h5" -quiet) && $PY '$same' '$tmp/a1.h5' '$tmp/a3.h5' spikes traces"
bytes() { $PY -c "import h5py,sys; print(int(h5py.File(sys.argv[1])['timing'].attrs['exchange_bytes']))" "$1"; }
check "  one SIC value per astrocyte and slice: the 2-rank exchange is under a fifth of the one with d_min 0.3 ms" \
  test $(($(bytes "$tmp/a2.h5") * 5)) -lt "$(bytes "$tmp/a3.h5")"
check "  overlapped (-exchange_overlap 1, half slices) on 2 ranks: the same spikes and traces" \
  bash -c "$(printf '%q ' timeout 300 mpiexec --oversubscribe -n 2 "$nastro" -network "$net" -A_step_multiple 10 -exchange_overlap 1 -o "$tmp/a4.h5" -quiet) && $PY '$same' '$tmp/a1.h5' '$tmp/a4.h5' spikes traces"
check "  and SIC only in the half slices where the astrocytes step: under 1.2 times the bytes of whole slices" \
  test $(($(bytes "$tmp/a4.h5") * 10)) -lt $(($(bytes "$tmp/a2.h5") * 12))
# a spatial network: neurons on a grid, G-ChI astrocytes in a box coupled by gap junctions within 80 um, distance
# rules; the same spikes and traces (the gap-junction flux among them) on 1-4 ranks, and the
# positions in the output those of the grid formula (cell i at origin + (i div rows, i mod rows) spacing)
cat >"$tmp/space.yaml" <<'YAML'
resolution: 0.1
t_stop: 100.0
seed: 5
populations:
  - {name: E, model: iaf_cond_exp, n: 120, positions: {grid: {rows: 10, spacing: 25, origin: [-120, -110]}},
     init: {V_m: {uniform: [-70, -56]}}}
  - {name: A, model: astrocyte_gchi, n: 30, positions: {random: {x: [-150, 150], y: [-120, 120]}},
     params: {O_beta: 0.05}, init: {I: {uniform: [0.0, 1.0]}}}
  - {name: noise, model: poisson_generator, n: 1, params: {rate: 15000.0}}
projections:
  - {from: noise, to: E, weight: 2.5}
  - {from: E, to: E, rule: {distance: {radius: 60, p: 0.5, allow_autapses: false}}, weight: 4.0, delay: 1.0}
  - {from: E, to: A, rule: {distance: {p: {gaussian: {p0: 0.8, sigma: 40}}}}, weight: 1.0}
  - {from: A, to: A, rule: {distance: {radius: 80, allow_autapses: false}}, synapse: {gap_junction: {F: 0.01}}}
record:
  spikes: [E]
  traces: [{population: A, variables: [I, C, J_coupling], interval: 1.0}]
YAML
for n in 1 2 3 4; do
  check "the spatial network runs on $n rank(s)" on_ranks 300 $n -network "$tmp/space.yaml" -o "$tmp/s$n.h5" -quiet
done
check "  it spikes" test "$(spikes "$tmp/s1.h5")" -gt 50
check "  its gap junctions carry flux" $PY -c "
import h5py, numpy as np, sys
sys.exit(0 if np.abs(h5py.File(sys.argv[1])['traces/A/J_coupling'][:]).max() > 1e-6 else 1)" "$tmp/s1.h5"
for n in 2 3 4; do
  check "  spikes and traces on $n ranks equal 1 rank's, bit for bit" $PY "$same" "$tmp/s1.h5" "$tmp/s$n.h5" spikes traces
done
check "  the positions in the output: the grid's, and the box's the same on 1 and 3 ranks" $PY -c "
import h5py, numpy as np, sys
f, g = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
i = np.arange(120)
want = np.stack([-120 + (i // 10) * 25.0, -110 + (i % 10) * 25.0, 0 * i], axis=1)
pa = f['populations/A/positions'][:]
ok = (np.array_equal(f['populations/E/positions'][:], want) and np.array_equal(pa, g['populations/A/positions'][:])
      and pa.shape == (30, 3) and (abs(pa[:, 0]) <= 150).all() and (abs(pa[:, 1]) <= 120).all() and (pa[:, 2] == 0).all()
      and len(np.unique(pa[:, 0])) == 30 and 'positions' not in f['populations/noise'])
sys.exit(0 if ok else 1)" "$tmp/s1.h5" "$tmp/s3.h5"
# the slice length (-slice_steps: how many steps between exchanges) changes only when events are delivered, not
# what a ring slot sums: with several delays and generators (one shorter than d_min) and two SIC projections, and
# with tm_glio_synapse's closed loop (net_glio at 0.25 ms: a 4-step slice), the same bits for 1, 3 and 10 steps
mixed=$2/tests/data/net_mixed_delays.yaml
check "mixed delays, -slice_steps 0 (d_min: 10 steps) runs" on_ranks 300 1 -network "$mixed" -o "$tmp/sl0.h5" -quiet
for k in 1 3; do
  check "  -slice_steps $k runs" on_ranks 300 1 -network "$mixed" -slice_steps $k -o "$tmp/sl$k.h5" -quiet
  check "  its spikes and traces equal d_min slices', bit for bit" $PY "$same" "$tmp/sl0.h5" "$tmp/sl$k.h5" spikes traces
done
check "  -slice_steps 4 on 3 ranks (pseudo-nodes of 2): the same again" \
  bash -c "$(printf '%q ' timeout 300 mpiexec --oversubscribe -n 3 "$nastro" -network "$mixed" -slice_steps 4 -exchange_node_ranks 2 -o "$tmp/sl4.h5" -quiet) && $PY '$same' '$tmp/sl0.h5' '$tmp/sl4.h5' spikes traces"
# (net_glio with 40 cells E, their spikes into the closed loop's astrocytes A6 too, and two more closed loops onto
# them, with delays 1.5 and 3 ms: glutamate from several source steps and spikes meet in A6's slots)
sed 's/^record:/  - {from: E, to: A6, rule: all_to_all, weight: 0.05, delay: 1.5}\
  - {from: E, to: T, rule: all_to_all, synapse: tm_glio_synapse, weight: 0.5, delay: 1.5,\
     glia: {population: A6, astrocyte: [1, 2, 0, 0, -1, 1], closed_loop: true}}\
  - {from: E, to: T, rule: all_to_all, synapse: tm_glio_synapse, weight: 0.5, delay: 3.0,\
     glia: {population: A6, astrocyte: [-1, -1, -1, -1, -1, 2], closed_loop: true}}\
record:/' "$2/tests/data/net_glio.yaml" >"$tmp/glio.yaml"
for k in 0 1 3; do
  check "the glio network at 0.25 ms, -slice_steps $k, runs" \
    on_ranks 300 2 -network "$tmp/glio.yaml" -network_set resolution=0.25,t_stop=1500,populations.E.n=40 -slice_steps $k -o "$tmp/gl$k.h5" -quiet
done
for k in 1 3; do
  check "  -slice_steps $k: its traces, rates and releases equal d_min slices', bit for bit" \
    $PY "$same" "$tmp/gl0.h5" "$tmp/gl$k.h5" traces rates releases
done
# -exchange_overlap: slice j's exchange runs while slice j + 1 is stepped, in slices of d_min / 2, and its events
# are delivered after that; the same bits as the plain exchange, on 1 rank, on one node, in pseudo-nodes of 2 (the
# default there: they span "nodes") and flat, for the mixed delays and the SIC network
check "-exchange_overlap 1 (slices of 5 steps), mixed delays, 1 rank: the same spikes and traces" \
  bash -c "$(printf '%q ' timeout 300 "$nastro" -network "$mixed" -exchange_overlap 1 -o "$tmp/ov1.h5" -quiet) && $PY '$same' '$tmp/sl0.h5' '$tmp/ov1.h5' spikes traces"
check "  2 ranks on one node, -slice_steps 3: the same" \
  bash -c "$(printf '%q ' timeout 300 mpiexec -n 2 "$nastro" -network "$mixed" -exchange_overlap 1 -slice_steps 3 -o "$tmp/ov2.h5" -quiet) && $PY '$same' '$tmp/sl0.h5' '$tmp/ov2.h5' spikes traces"
check "  3 ranks in pseudo-nodes of 2 (overlapped by default): the same" \
  bash -c "$(printf '%q ' timeout 300 mpiexec --oversubscribe -n 3 "$nastro" -network "$mixed" -exchange_node_ranks 2 -o "$tmp/ov3.h5") >'$tmp/ov3.log' && grep -q 'each exchanged while the next is stepped' '$tmp/ov3.log' && $PY '$same' '$tmp/sl0.h5' '$tmp/ov3.h5' spikes traces"
check "  4 ranks, flat: the same" \
  bash -c "$(printf '%q ' timeout 300 mpiexec --oversubscribe -n 4 "$nastro" -network "$mixed" -exchange flat -exchange_overlap 1 -o "$tmp/ov4.h5" -quiet) && $PY '$same' '$tmp/sl0.h5' '$tmp/ov4.h5' spikes traces"
check "  the SIC network on 3 ranks, flat and overlapped: the same as on 1 rank" \
  bash -c "$(printf '%q ' timeout 300 mpiexec --oversubscribe -n 3 "$nastro" -network "$net" -exchange flat -exchange_overlap 1 -o "$tmp/ovs.h5" -quiet) && $PY '$same' '$tmp/r1.h5' '$tmp/ovs.h5' spikes traces"
for bad in "$mixed|-slice_steps 6|-slice_steps 6: with -exchange_overlap at most d_min / (2 resolution) = 5" \
  "$2/tests/data/net_fI.yaml||-exchange_overlap: d_min is one step (0.1 ms), and the overlap needs slices of half of it"; do
  IFS='|' read -r bnet bopt bmsg <<<"$bad"
  on_ranks 60 1 -network "$bnet" -exchange_overlap 1 $bopt -o "$tmp/ovbad.h5" -quiet >"$tmp/ovbad.log" 2>&1
  rc=$?
  check "-exchange_overlap 1 on ${bnet##*/} $bopt is refused with one line naming it, and no output" \
    bash -c "test $rc -ne 0 && grep -qxF 'nastro: error: $bmsg' '$tmp/ovbad.log' && test ! -e '$tmp/ovbad.h5'"
done
on_ranks 60 1 -network "$tmp/glio.yaml" -network_set resolution=0.25 -exchange_overlap 1 -o "$tmp/ovbad.h5" -quiet >"$tmp/ovbad.log" 2>&1
check "-exchange_overlap 1 with a tm_glio_synapse projection is refused, naming why" \
  bash -c "test $? -ne 0 && grep -qxF 'nastro: error: -exchange_overlap: not with tm_glio_synapse projections (their closed loops are exchanged with the slice)' '$tmp/ovbad.log'"
on_ranks 60 1 -network "$mixed" -slice_steps 11 -o "$tmp/slbad.h5" -quiet >"$tmp/slbad.log" 2>&1
check "-slice_steps 11 (d_min is 10 steps) is refused" test $? -ne 0
check "  with one line naming it, and no output" \
  bash -c "grep -q '^nastro: error: -slice_steps 11: not in 0..10 (at most d_min / resolution = 1 ms / 0.1 ms; 0: d_min)\$' '$tmp/slbad.log' && test ! -e '$tmp/slbad.h5'"
# a spike generator's repeated spike time: rank 0 sends its spikes train by train (ids 0 1 2 0 1 2), and the
# exchange's linear sort falls back to a sort of that step's records: recorded in (time, id) order on any rank count
cat >"$tmp/repeat.yaml" <<'YAML'
resolution: 0.1
t_stop: 5.0
populations:
  - {name: G, model: spike_generator, n: 3, params: {spike_times: [1.0, 1.0, 2.0]}}
  - {name: N, model: iaf_cond_exp, n: 2}
projections:
  - {from: G, to: N, rule: all_to_all, weight: 1.0, delay: 1.0}
record:
  spikes: [G, N]
YAML
for n in 1 2; do
  check "a spike generator with a repeated spike time runs on $n rank(s)" \
    on_ranks 60 $n -network "$tmp/repeat.yaml" -o "$tmp/repeat$n.h5" -quiet
  check "  its spikes are recorded in (time, id) order" $PY -c "
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1])
want = sorted((t, i) for t in (1.0, 1.0, 2.0) for i in range(3))
got = list(zip(f['spikes/G/timestamps'][:].tolist(), f['spikes/G/node_ids'][:].tolist()))
sys.exit(0 if got == want else 1)" "$tmp/repeat$n.h5"
done

# net_tsodyks: the generator on rank 0, the one recorded neuron on rank 1; 20000 samples. With one-row chunks (20000
# per dataset) HDF5 1.10.8's parallel metadata cache evicted and re-read the root group's header on rank 1 and found
# it damaged: the run failed at its end (in H5Gcreate2 "rates"). Chunks of 64 KiB and no evictions fixed it.
tsod=$2/tests/data/net_tsodyks.yaml
for n in 1 2; do
  check "a trace only one rank records (net_tsodyks, 2 s) runs on $n rank(s)" \
    on_ranks 120 $n -network "$tsod" -o "$tmp/tsod$n.h5" -quiet
done
check "  its trace and rates on 2 ranks equal 1 rank's" $PY "$same" "$tmp/tsod1.h5" "$tmp/tsod2.h5" traces rates
finish
