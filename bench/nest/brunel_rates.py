#!/usr/bin/env python3
"""Rates of NEST 3.10's astrocyte_brunel_bernoulli network: reference for nastro.

The network is NEST 3.10's pynest/examples/astrocytes/astrocyte_brunel_bernoulli.py
(see README.md beside this file), rebuilt here with the benchmark settings of
shared/docs/models.md 3.6. Where this script departs from the example file:

  * scale: the example asserts scale >= 1.0 and runs at scale 1.0; here scale
    is a parameter (default 0.25). Populations int(N * scale), p = 0.1 / scale
    (as in the example's connect function), p_third and pool_size unchanged.
  * threads: the example sets nest.total_num_virtual_procs = 4; here
    nest.local_num_threads = --threads (default 2), one MPI process.
  * seeds: the example leaves NEST's rng_seed at its default (143202461) and
    seeds only Python's `random` (100) to pick the recorded nodes; here
    nest.rng_seed = each of --seeds in turn (each seed in a fresh process).
  * time: the example simulates 1000 ms from t = 0; here --warmup ms
    (default 100) are simulated first and only the following --sim-time ms
    (default 1000) are recorded and timed.
  * recording: the example records spikes of the first 100 neurons, I_SIC of 50
    random neurons and IP3/Ca_astro of 50 random astrocytes (multimeter
    interval 1 ms); here spikes of all E and all I neurons and IP3/Ca_astro of
    all astrocytes (interval 1 ms) are recorded after the warm-up, with no
    plotting. Recorders do not change the dynamics.
Everything else (models, parameters, weights, delays, rules, tau_psc, the
astrocyte parameters, dt 0.1 ms) is the example's; the models.md summary agrees
with it and is silent on the delays of the E (2 ms) and I (1 ms) connections
and on delta_IP3 (the example leaves the model default 0.0002 uM).

The network builder, the kernel set-up and the statistics below are shared with brunel_bench.py (the benchmark
run of the same network for bench/nest_benchmark.sh, also under mpiexec): one copy of the network for both.

The NEST installation is a parameter (--nest-pythonpath, default
/opt/nest/lib/python3.11/site-packages, or $NEST_PYTHONPATH); the script says
so and exits with status 2 when `import nest` fails there.

Usage:
  /usr/bin/python3 bench/nest/brunel_rates.py [--scale 0.25] [--seeds 1 2 3]
      [--threads 2] [--warmup 100] [--sim-time 1000]
      [--out bench/nest/brunel_rates_scale0.25.txt]
"""

import argparse
import json
import os
import platform
import resource
import shlex
import subprocess
import sys
import time

DEFAULT_NEST_PYTHONPATH = "/opt/nest/lib/python3.11/site-packages"

# ---------------------------------------------------------------------------
# Parameters, as in astrocyte_brunel_bernoulli.py (NEST 3.10) unless marked.
sim_params = {
    "dt": 0.1,  # simulation resolution in ms
}
network_params = {
    "N_ex": 8000,  # number of excitatory neurons (times scale)
    "N_in": 2000,  # number of inhibitory neurons (times scale)
    "N_astro": 10000,  # number of astrocytes (times scale)
    "p_primary": 0.1,  # connection probability between neurons (divided by scale)
    "p_third_if_primary": 0.5,  # prob. that a created E connection is paired with an astrocyte
    "pool_size": 10,  # astrocyte pool size for each target neuron
    "pool_type": "random",
    "poisson_rate": 2000,  # Poisson input rate for neurons (Hz)
}
syn_params = {
    "w_a2n": 0.05,  # weight of astrocyte-to-neuron (sic_connection)
    "w_e": 1.0,  # weight of excitatory connection in nS
    "w_i": -4.0,  # weight of inhibitory connection in nS
    "d_e": 2.0,  # delay of excitatory connection in ms
    "d_i": 1.0,  # delay of inhibitory connection in ms
}
astrocyte_model = "astrocyte_lr_1994"
astrocyte_params = {"IP3": 0.4}  # IP3 initial value in uM
neuron_model = "aeif_cond_alpha_astro"
tau_syn_ex = 2.0
tau_syn_in = 4.0
neuron_params_ex = {"tau_syn_ex": tau_syn_ex, "tau_syn_in": tau_syn_in}
neuron_params_in = {"tau_syn_ex": tau_syn_ex, "tau_syn_in": tau_syn_in}


def create_astro_network(nest, scale):
    # example: assert scale >= 1.0 (dropped here, see module doc)
    nodes_ex = nest.Create(neuron_model, int(network_params["N_ex"] * scale), params=neuron_params_ex)
    nodes_in = nest.Create(neuron_model, int(network_params["N_in"] * scale), params=neuron_params_in)
    nodes_astro = nest.Create(astrocyte_model, int(network_params["N_astro"] * scale), params=astrocyte_params)
    nodes_noise = nest.Create("poisson_generator", params={"rate": network_params["poisson_rate"]})
    return nodes_ex, nodes_in, nodes_astro, nodes_noise


def connect_astro_network(nest, nodes_ex, nodes_in, nodes_astro, nodes_noise, scale):
    # example: assert scale >= 1.0 (dropped here, see module doc)
    nest.Connect(nodes_noise, nodes_ex + nodes_in, syn_spec={"weight": syn_params["w_e"]})
    conn_params_e = {"rule": "pairwise_bernoulli", "p": network_params["p_primary"] / scale}
    conn_params_astro = {
        "rule": "third_factor_bernoulli_with_pool",
        "p": network_params["p_third_if_primary"],
        "pool_size": network_params["pool_size"],
        "pool_type": network_params["pool_type"],
    }
    syn_params_e = {
        "primary": {
            "synapse_model": "tsodyks_synapse",
            "weight": syn_params["w_e"],
            "tau_psc": tau_syn_ex,
            "delay": syn_params["d_e"],
        },
        "third_in": {
            "synapse_model": "tsodyks_synapse",
            "weight": syn_params["w_e"],
            "tau_psc": tau_syn_ex,
            "delay": syn_params["d_e"],
        },
        "third_out": {"synapse_model": "sic_connection", "weight": syn_params["w_a2n"]},
    }
    nest.TripartiteConnect(
        nodes_ex,
        nodes_ex + nodes_in,
        nodes_astro,
        conn_spec=conn_params_e,
        third_factor_conn_spec=conn_params_astro,
        syn_specs=syn_params_e,
    )
    conn_params_i = {"rule": "pairwise_bernoulli", "p": network_params["p_primary"] / scale}
    syn_params_i = {
        "synapse_model": "tsodyks_synapse",
        "weight": syn_params["w_i"],
        "tau_psc": tau_syn_in,
        "delay": syn_params["d_i"],
    }
    nest.Connect(nodes_in, nodes_ex + nodes_in, conn_params_i, syn_params_i)


# ---------------------------------------------------------------------------
# The pieces below are shared with brunel_bench.py (the benchmark run of the same network, also under mpiexec):
# import_nest, setup_kernel, build_network, local_partial and merge_partials.
def import_nest(pythonpath, prog="brunel_rates.py"):
    if pythonpath:
        sys.path.insert(0, pythonpath)
    try:
        import nest  # noqa: F401
    except Exception as exc:  # ImportError, or a broken installation
        sys.stderr.write(
            f"{prog}: NEST is not importable from --nest-pythonpath {pythonpath!r} "
            f"({type(exc).__name__}: {exc}).\nBuild NEST 3.10 as in bench/nest/README.md, "
            "or pass the site-packages folder of a NEST installation.\n"
        )
        sys.exit(2)
    return nest


def setup_kernel(nest, threads, seed):
    """Fresh kernel: dt 0.1 ms, `threads` threads per process, nest.rng_seed = seed, quiet."""
    if hasattr(nest, "VerbosityLevel"):  # 3.10: set_verbosity is deprecated and warns
        nest.verbosity = nest.VerbosityLevel.WARNING
    else:
        nest.set_verbosity("M_WARNING")
    nest.ResetKernel()
    nest.resolution = sim_params["dt"]
    nest.local_num_threads = threads
    nest.rng_seed = seed
    nest.print_time = False


def build_network(nest, scale, warmup, record=True):
    """Create and connect the network at `scale`; with record, every E and I neuron's spikes and every astrocyte's
    IP3/Ca_astro (1 ms) from t > warmup. Returns a dict of the node collections, the recorders (None without
    record), the wall times of the three stages (s) and the local connection counts (this MPI process)."""
    t0 = time.perf_counter()
    exc, inh, astro, noise = create_astro_network(nest, scale)
    t1 = time.perf_counter()
    connect_astro_network(nest, exc, inh, astro, noise, scale)
    t2 = time.perf_counter()
    n_net = nest.num_connections
    sr_e = sr_i = mm_a = None
    if record:
        sr_e = nest.Create("spike_recorder", params={"start": warmup})
        sr_i = nest.Create("spike_recorder", params={"start": warmup})
        mm_a = nest.Create("multimeter", params={"record_from": ["IP3", "Ca_astro"], "interval": 1.0, "start": warmup})
        nest.Connect(exc, sr_e)
        nest.Connect(inh, sr_i)
        nest.Connect(mm_a, astro)
    t3 = time.perf_counter()
    return {"exc": exc, "inh": inh, "astro": astro, "noise": noise, "sr_e": sr_e, "sr_i": sr_i, "mm_a": mm_a,
            "t_create_s": t1 - t0, "t_connect_s": t2 - t1, "t_devices_s": t3 - t2,
            "num_connections_network": n_net, "num_connections": nest.num_connections}


def local_partial(net):
    """What this MPI process recorded, as JSON-able data that merge_partials() combines over processes: the spikes
    themselves (few), and for Ca_astro the count, mean and sum of squared deviations (Chan et al.'s pairwise
    update combines them exactly as numpy's two-pass std of all samples, to rounding), each astrocyte's time-mean
    (each astrocyte lives on one process) and the max; for IP3 the sum."""
    import numpy as np

    out = {"N_E": len(net["exc"]), "N_I": len(net["inh"]), "N_astro": len(net["astro"])}
    for name in ("E", "I"):
        ev = net["sr_e" if name == "E" else "sr_i"].events
        out[f"senders_{name}"] = np.asarray(ev["senders"]).astype(int).tolist()
        out[f"times_{name}"] = np.asarray(ev["times"], dtype=float).tolist()
    ev = net["mm_a"].events
    ca, ip3 = np.asarray(ev["Ca_astro"], dtype=float), np.asarray(ev["IP3"], dtype=float)
    snd = np.asarray(ev["senders"])
    n = len(ca)
    m = float(ca.mean()) if n else 0.0
    out["ca_n"] = int(n)
    out["ca_mean"] = m
    out["ca_m2"] = float(((ca - m) ** 2).sum()) if n else 0.0
    out["ca_max"] = float(ca.max()) if n else float("-inf")
    out["ip3_sum"] = float(ip3.sum())
    if n:
        ids, inv = np.unique(snd, return_inverse=True)
        out["ca_per_astro"] = (np.bincount(inv, weights=ca) / np.bincount(inv)).tolist()
    else:
        out["ca_per_astro"] = []
    return out


def merge_partials(parts, sim_time):
    """The statistics of the recorded window (sim_time ms) from the local_partial() of every process: rate_E/I
    (spikes / (N x T)), cv_E/I and cv_n_E/I (analysis/network_stats.py's cv_stats of all spikes), ca_mean and
    ca_std (all astrocytes and 1 ms samples), ca_std_across_astro (std of each astrocyte's time-mean), ca_max,
    ip3_mean, n_ca_samples."""
    import numpy as np

    T = sim_time / 1000.0
    p0 = parts[0]
    res = {"N_E": p0["N_E"], "N_I": p0["N_I"], "N_astro": p0["N_astro"]}
    for name in ("E", "I"):
        snd = np.concatenate([np.asarray(p[f"senders_{name}"], dtype=np.int64) for p in parts])
        tms = np.concatenate([np.asarray(p[f"times_{name}"], dtype=float) for p in parts])
        res[f"rate_{name}"] = len(snd) / (p0[f"N_{name}"] * T)
        cv, ncv = cv_stats(snd, tms)
        res[f"cv_{name}"] = cv
        res[f"cv_n_{name}"] = ncv
    n, mean, m2 = 0, 0.0, 0.0
    for p in parts:  # Chan, Golub and LeVeque's pairwise combination of (n, mean, M2)
        nb = p["ca_n"]
        if nb == 0:
            continue
        if n == 0:
            n, mean, m2 = nb, p["ca_mean"], p["ca_m2"]
            continue
        d = p["ca_mean"] - mean
        tot = n + nb
        mean = (n * mean + nb * p["ca_mean"]) / tot
        m2 = m2 + p["ca_m2"] + d * d * n * nb / tot
        n = tot
    res["ca_mean"] = float(mean) if n else float("nan")
    res["ca_std"] = float(np.sqrt(m2 / n)) if n else float("nan")  # over all astrocytes and all 1 ms samples
    per_astro = np.concatenate([np.asarray(p["ca_per_astro"], dtype=float) for p in parts])
    res["ca_std_across_astro"] = float(per_astro.std()) if len(per_astro) else float("nan")
    res["ca_max"] = float(max(p["ca_max"] for p in parts))
    res["ip3_mean"] = float(sum(p["ip3_sum"] for p in parts) / n) if n else float("nan")
    res["n_ca_samples"] = int(n)
    return res


def cv_stats(senders, times):
    """Per-neuron CV of ISIs over neurons with >= 3 spikes; mean and count. The one definition is nastro's
    analysis/network_stats.py, so that both simulators' statistics are computed by the same code."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "analysis"))
    import network_stats

    return network_stats.cv_stats(senders, times)


def run_one(args):
    nest = import_nest(args.nest_pythonpath)
    setup_kernel(nest, args.threads, args.one_seed)

    net = build_network(nest, args.scale, args.warmup)
    t_build = net["t_create_s"] + net["t_connect_s"] + net["t_devices_s"]
    n_conn = net["num_connections"]

    t0 = time.perf_counter()
    nest.Simulate(args.warmup)
    t_warm = time.perf_counter() - t0
    t0 = time.perf_counter()
    nest.Simulate(args.sim_time)
    t_sim = time.perf_counter() - t0

    res = {"seed": args.one_seed}
    res.update(merge_partials([local_partial(net)], args.sim_time))
    res["num_connections"] = n_conn
    res["t_build_s"] = t_build
    res["t_warmup_s"] = t_warm
    res["t_sim_s"] = t_sim
    res["maxrss_MiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("RESULT " + json.dumps(res), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nest-pythonpath", default=os.environ.get("NEST_PYTHONPATH", DEFAULT_NEST_PYTHONPATH))
    ap.add_argument("--scale", type=float, default=0.25)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=float, default=100.0, help="ms simulated before recording")
    ap.add_argument("--sim-time", type=float, default=1000.0, help="ms recorded and timed")
    ap.add_argument("--out", default=None, help="result file (default bench/nest/brunel_rates_scale<S>.txt)")
    ap.add_argument("--one-seed", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.one_seed is not None:
        run_one(args)
        return

    import_nest(args.nest_pythonpath)  # fail early and clearly
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), f"brunel_rates_scale{args.scale:g}.txt")
    cmdline = " ".join(shlex.quote(a) for a in [sys.executable] + sys.argv)
    results = []
    for seed in args.seeds:
        cmd = [sys.executable, os.path.abspath(__file__), "--one-seed", str(seed),
               "--nest-pythonpath", args.nest_pythonpath, "--scale", repr(args.scale),
               "--threads", str(args.threads), "--warmup", repr(args.warmup), "--sim-time", repr(args.sim_time)]
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        line = [l for l in p.stdout.splitlines() if l.startswith("RESULT ")]
        if p.returncode != 0 or not line:
            sys.stderr.write(p.stdout + p.stderr)
            sys.exit(f"seed {seed} failed (rc {p.returncode})")
        r = json.loads(line[-1][7:])
        r["wall_process_s"] = wall
        results.append(r)
        print(f"seed {seed}: E {r['rate_E']:.3f} Hz, I {r['rate_I']:.3f} Hz, "
              f"sim {r['t_sim_s']:.1f} s, process {wall:.1f} s", flush=True)

    import nest

    r0 = results[0]
    lines = [
        "# NEST astrocyte_brunel_bernoulli rates (reference for nastro)",
        f"# command: {cmdline}",
        f"# NEST {nest.__version__} from {args.nest_pythonpath}; Python {platform.python_version()}; "
        f"host {platform.node()} ({os.cpu_count()} cores)",
        f"# scale {args.scale:g}: N_E {r0['N_E']}, N_I {r0['N_I']}, N_astro {r0['N_astro']}, "
        f"p = {network_params['p_primary']}/scale = {network_params['p_primary'] / args.scale:g}, "
        f"p_third {network_params['p_third_if_primary']}, pool_size {network_params['pool_size']} random",
        f"# dt {sim_params['dt']} ms, {args.threads} threads (1 MPI process), warm-up {args.warmup:g} ms, "
        f"recorded {args.sim_time:g} ms; nest.rng_seed = seed",
        "# rate: spikes in the recorded window / (N * T), all neurons of the population",
        "# cv: mean over neurons with >= 3 spikes in the window of std(ISI)/mean(ISI); n = those neurons",
        "# ca_mean, ca_std: Ca_astro (uM) over all astrocytes and all 1 ms samples of the window;",
        "#   ca_std_ast: std across astrocytes of each one's time-mean Ca; ip3_mean: IP3 (uM), likewise",
        "# t_build: Create+Connect (s); t_warm: Simulate(warm-up) (s); t_sim: Simulate(recorded window) (s);",
        "#   wall: the whole seed's process (import, build, both simulations, read-out); rss: peak RSS (MiB)",
        "# seed  rate_E  rate_I    cv_E(n)       cv_I(n)     ca_mean  ca_std  ca_std_ast  ca_max  ip3_mean"
        "  connections  t_build  t_warm   t_sim    wall     rss",
    ]
    for r in results:
        lines.append(
            f"{r['seed']:6d} {r['rate_E']:7.3f} {r['rate_I']:7.3f}  {r['cv_E']:.3f}({r['cv_n_E']:4d})  "
            f"{r['cv_I']:.3f}({r['cv_n_I']:4d})  {r['ca_mean']:.5f} {r['ca_std']:.5f}  {r['ca_std_across_astro']:.5f}"
            f"  {r['ca_max']:.4f}  {r['ip3_mean']:.4f}  {r['num_connections']:10d}  {r['t_build_s']:7.1f}"
            f"  {r['t_warmup_s']:6.1f}  {r['t_sim_s']:6.1f}  {r['wall_process_s']:6.1f}  {r['maxrss_MiB']:6.0f}"
        )
    if len(results) > 1:
        import statistics as st

        def ms(k):
            v = [r[k] for r in results if r[k] == r[k]]  # NaN (a CV of a window too short for 3 spikes) left out
            return f"{st.mean(v):.4g} +- {st.stdev(v):.2g}" if len(v) > 1 else "n/a"

        lines.append(
            "# over seeds (mean +- sample std): "
            + ", ".join(f"{k} {ms(k)}" for k in ("rate_E", "rate_I", "cv_E", "cv_I", "ca_mean", "ca_std", "t_sim_s"))
        )
    text = "\n".join(lines) + "\n"
    with open(out, "w") as f:
        f.write(text)
    print(text, end="")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
