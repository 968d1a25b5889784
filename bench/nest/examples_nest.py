#!/usr/bin/env python3
"""NEST 3.10's astrocyte_single, astrocyte_interaction and astrocyte_small_network examples, run as the files are
(pynest/examples/astrocytes/*.py, bench/nest/README.md 2.1-2.3), recorded into an HDF5 file laid out as nastro's
output (/spikes/<pop>/{timestamps,node_ids}, /traces/<pop>/{time,node_ids,<var>} [sample][cell], 0-based cell
indices, the population names of examples/networks/*.yaml), so that bench/nest/examples_vs_nest.py reads both
alike.

Where this script departs from the example files (none of it changes the dynamics):
  * no plotting; astrocyte_small_network's plot_connections (which fails on an unimported Iterable) is not called;
  * extra recorders: h_IP3R of the astrocyte (astrocyte_single), IP3/Ca_astro of the astrocyte, I_SIC and V_m of
    both neurons, spike_recorders on pre and post (astrocyte_interaction), spike_recorders on the pre and post
    neurons (astrocyte_small_network); all multimeters at the examples' 1 ms;
  * --seed sets nest.rng_seed (the examples leave it at NEST's default 143202461: pass --seed 143202461, the
    default here, to run them exactly); astrocyte_small_network has no random input;
  * the kernel is reset first (astrocyte_single and astrocyte_interaction do not reset it; in a fresh process
    that is the same).

Usage:
  /usr/bin/python3 bench/nest/examples_nest.py EXAMPLE --out FILE.h5 [--seed N] [--nest-pythonpath DIR]
  EXAMPLE: astrocyte_single | astrocyte_interaction | astrocyte_small_network
"""
import argparse
import os
import sys
import time

DEFAULT_NEST_PYTHONPATH = "/opt/nest/lib/python3.11/site-packages"


def import_nest(pythonpath):
    if pythonpath:
        sys.path.insert(0, pythonpath)
    try:
        import nest  # noqa: F401
    except Exception as exc:
        sys.stderr.write(f"examples_nest.py: NEST is not importable from {pythonpath!r} ({exc})\n")
        sys.exit(2)
    return nest


def single(nest):
    """astrocyte_single.py"""
    astrocyte = nest.Create("astrocyte_lr_1994", params={"delta_IP3": 0.2})
    ps_astro = nest.Create("poisson_generator", params={"rate": 1.0})
    mm_astro = nest.Create("multimeter", params={"record_from": ["IP3", "Ca_astro", "h_IP3R"]})
    nest.Connect(ps_astro, astrocyte, syn_spec={"weight": 1.0})
    nest.Connect(mm_astro, astrocyte)
    return 60000.0, {"astrocyte": (mm_astro, astrocyte)}, {}


def interaction(nest):
    """astrocyte_interaction.py"""
    astrocyte = nest.Create("astrocyte_lr_1994", params={"delta_IP3": 0.2})
    mm_astro = nest.Create("multimeter", params={"record_from": ["IP3", "Ca_astro"]})
    nest.Connect(mm_astro, astrocyte)
    pre_neuron = nest.Create("aeif_cond_alpha_astro", params={"tau_syn_ex": 2.0})
    post_neuron = nest.Create("aeif_cond_alpha_astro", params={"tau_syn_ex": 2.0})
    ps_pre = nest.Create("poisson_generator", params={"rate": 1500.0})
    mm_pre = nest.Create("multimeter", params={"record_from": ["V_m"]})
    mm_post = nest.Create("multimeter", params={"record_from": ["V_m", "I_SIC"]})
    nest.Connect(ps_pre, pre_neuron)
    nest.Connect(mm_pre, pre_neuron)
    nest.Connect(mm_post, post_neuron)
    nest.Connect(pre_neuron, post_neuron, syn_spec={"weight": 1.0})
    nest.Connect(pre_neuron, astrocyte, syn_spec={"weight": 1.0})
    nest.Connect(astrocyte, post_neuron, syn_spec={"synapse_model": "sic_connection", "weight": 1.0})
    sr_pre, sr_post = nest.Create("spike_recorder"), nest.Create("spike_recorder")
    nest.Connect(pre_neuron, sr_pre)
    nest.Connect(post_neuron, sr_post)
    return (60000.0, {"astrocyte": (mm_astro, astrocyte), "pre_neuron": (mm_pre, pre_neuron),
                      "post_neuron": (mm_post, post_neuron)},
            {"pre_neuron": (sr_pre, pre_neuron), "post_neuron": (sr_post, post_neuron)})


def small_network(nest):
    """astrocyte_small_network.py"""
    neuron_params = {"tau_syn_ex": 2.0, "I_e": 1000.0}
    pre_neurons = nest.Create("aeif_cond_alpha_astro", 10, params=neuron_params)
    post_neurons = nest.Create("aeif_cond_alpha_astro", 10, params=neuron_params)
    astrocytes = nest.Create("astrocyte_lr_1994", 5, params={"IP3": 0.4, "delta_IP3": 0.2})
    nest.TripartiteConnect(
        pre_neurons, post_neurons, astrocytes,
        conn_spec={"rule": "pairwise_bernoulli", "p": 1.0},
        third_factor_conn_spec={"rule": "third_factor_bernoulli_with_pool", "p": 1.0, "pool_size": 1,
                                "pool_type": "block"},
        syn_specs={"primary": {"synapse_model": "tsodyks_synapse"}, "third_in": {"synapse_model": "tsodyks_synapse"},
                   "third_out": {"synapse_model": "sic_connection"}})
    mm_pre = nest.Create("multimeter", params={"record_from": ["V_m"]})
    mm_post = nest.Create("multimeter", params={"record_from": ["V_m", "I_SIC"]})
    mm_astro = nest.Create("multimeter", params={"record_from": ["IP3", "Ca_astro"]})
    nest.Connect(mm_pre, pre_neurons)
    nest.Connect(mm_post, post_neurons)
    nest.Connect(mm_astro, astrocytes)
    sr_pre, sr_post = nest.Create("spike_recorder"), nest.Create("spike_recorder")
    nest.Connect(pre_neurons, sr_pre)
    nest.Connect(post_neurons, sr_post)
    conns = {"primary": len(nest.GetConnections(pre_neurons, post_neurons)),
             "third_in": len(nest.GetConnections(pre_neurons, astrocytes)),
             "third_out": len(nest.GetConnections(astrocytes, post_neurons))}
    return (1000.0, {"pre_neurons": (mm_pre, pre_neurons), "post_neurons": (mm_post, post_neurons),
                     "astrocytes": (mm_astro, astrocytes)},
            {"pre_neurons": (sr_pre, pre_neurons), "post_neurons": (sr_post, post_neurons)}, conns)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("example", choices=["astrocyte_single", "astrocyte_interaction", "astrocyte_small_network"])
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=143202461)
    ap.add_argument("--nest-pythonpath", default=os.environ.get("NEST_PYTHONPATH", DEFAULT_NEST_PYTHONPATH))
    args = ap.parse_args()
    nest = import_nest(args.nest_pythonpath)
    import h5py
    import numpy as np

    nest.set_verbosity("M_WARNING")
    nest.ResetKernel()
    nest.rng_seed = args.seed
    build = {"astrocyte_single": single, "astrocyte_interaction": interaction,
             "astrocyte_small_network": small_network}[args.example]
    got = build(nest)
    t_stop, meters, recorders = got[:3]
    conns = got[3] if len(got) > 3 else {}
    t0 = time.perf_counter()
    nest.Simulate(t_stop)
    wall = time.perf_counter() - t0
    with h5py.File(args.out, "w") as f:
        f.attrs["simulator"] = f"NEST {nest.__version__}"
        f.attrs["example"] = args.example
        f.attrs["seed"] = args.seed
        f.attrs["t_stop"] = t_stop
        f.attrs["simulate_wall_s"] = wall
        for k, v in conns.items():
            f.attrs[f"connections_{k}"] = v
        for pop, (mm, nodes) in meters.items():
            ev = mm.events
            snd, tms = np.asarray(ev["senders"]), np.asarray(ev["times"])
            ids = np.asarray(nodes.tolist())
            times = np.unique(tms)
            g = f.create_group(f"traces/{pop}")
            g["time"] = times
            g["node_ids"] = np.arange(len(ids))
            col = {gid: k for k, gid in enumerate(ids)}
            row = np.searchsorted(times, tms)
            c = np.array([col[s] for s in snd])
            for var in mm.record_from:
                a = np.full((len(times), len(ids)), np.nan)
                a[row, c] = np.asarray(ev[var])
                g[var] = a
        for pop, (sr, nodes) in recorders.items():
            ev = sr.events
            ids = np.asarray(nodes.tolist())
            tms, snd = np.asarray(ev["times"]), np.asarray(ev["senders"])
            order = np.lexsort((snd, tms))
            g = f.create_group(f"spikes/{pop}")
            g["timestamps"] = tms[order]
            g["node_ids"] = np.searchsorted(ids, snd[order]).astype(np.uint64)
    print(f"{args.example}: seed {args.seed}, Simulate({t_stop:g}) {wall:.2f} s -> {args.out}")


if __name__ == "__main__":
    main()
