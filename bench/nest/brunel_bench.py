#!/usr/bin/env python3
"""One benchmark run of NEST 3.10's astrocyte_brunel_bernoulli network (bench/nest_benchmark.sh's NEST peer).

The network, the kernel set-up, the recorders and the statistics are brunel_rates.py's (imported from it, one
copy for both; README.md beside this file, section 3): scale S, nest.rng_seed K, T threads per process, a
--warmup (100 ms) then the measured --sim-time (1000 ms), every neuron's spikes and every astrocyte's
IP3/Ca_astro recorded from t > warmup, the statistics of the window (warmup, warmup + sim-time].

Works in one process and under `mpiexec -n R` (NEST built with MPI; no mpi4py): every rank writes its own part,
OUT.rank<r>.json, then (nest.SyncProcesses) rank 0 merges the parts into OUT.json. `--merge OUT` does the
merge again without NEST.

Measured, per rank (the merged file has the maximum over ranks and, where it adds, the sum):
  construction  wall of Create (t_create_s), Connect + TripartiteConnect (t_connect_s) and the recorders
                (t_devices_s), by time.perf_counter around the calls; NEST's own time_construction_create /
                _connect; and time_communicate_prepare: the first Simulate's Prepare builds the presynaptic
                connection infrastructure (communicate_prepare: target tables, buffers), construction work that
                NEST defers to the first Simulate call.
  simulation    wall of Simulate(warmup) and Simulate(sim_time) separately (time.perf_counter, so Prepare and
                Cleanup included); rtf_measured = sim wall / (sim_time / 1000 s); rtf_total = (warm-up wall +
                sim wall - time_communicate_prepare) / ((warmup + sim_time) / 1000 s): the whole run as nastro
                times it (nastro's /timing run covers warm-up and measured part and no construction);
                rtf_total_raw without the subtraction.
  cpu           user + system CPU seconds of the process (all threads; resource.getrusage) for the
                construction, the warm-up and the measured part; merged: summed over ranks, and per biological
                second (cpu_per_bio_s_measured, cpu_per_bio_s_total: warm-up incl. its Prepare). On a shared
                machine these move less with other load than the wall times.
  memory        peak RSS (resource.getrusage ru_maxrss); VmHWM/VmRSS of /proc/self/status after import,
                after construction, after the warm-up (no samples recorded yet: the recorders start at warmup,
                so this is the network's own peak) and at the end (with the recorded samples in memory).
  connections   nest.num_connections (this rank's) after the network's Connect calls (num_connections_network)
                and with the recorders' connections (num_connections); the merged file sums them over ranks.
  timers        every GetKernelStatus key time_* (seconds; lists over threads for NEST's threaded timers) after
                construction, after the warm-up and at the end. NEST 3.10 has, in every build: time_simulate
                (SimulationManager::run, the update loop of Simulate without Prepare/Cleanup),
                time_communicate_prepare, time_construction_create/_connect; with -Dwith-detailed-timers=ON also
                (nestkernel/simulation_manager.cpp, update_()):
                  time_update                  the per-thread loop of node->update() over all local nodes:
                                               neurons AND astrocytes (rkf45 per cell), the multimeter's data
                                               logging, writing spikes and SIC (secondary events) into buffers
                  time_deliver_spike_data      deliver_events(): spikes from the receive buffer through the
                                               connections (tsodyks state updates) into ring buffers
                  time_deliver_secondary_data  deliver_secondary_events(): the astrocytes' SIC waveforms
                                               (SICEvent, every min-delay slice) through sic_connections
                  time_gather_spike_data       master thread: collocate spikes into MPI buffers and
                                               Alltoall them (contains time_collocate_spike_data and
                                               time_communicate_spike_data)
                  time_gather_secondary_data   master thread: the same for the secondary (SIC) buffers
                  time_omp_synchronization_simulation   per thread, waiting at OpenMP barriers
                  time_mpi_synchronization     0 unless -Dwith-mpi-sync-timer
                  time_gather_target_data, time_communicate_target_data   connection infrastructure (Prepare)
                Every Simulate call (its Prepare) resets the dynamics timers (time_simulate, time_update,
                time_deliver_*, time_gather_*_data, time_collocate/communicate_spike_data); the others add up
                from ResetKernel. The merged file has both over the whole run (timers_whole_run: warm-up +
                measured) and over the measured part (timers_measured).
                The threaded ones are per thread: the merged file takes the maximum over threads and ranks
                (as nastro's /timing is the maximum over ranks). NEST has no separate neuron/astrocyte update
                timer and records inside update, so those shares are n/a for NEST.
  statistics    brunel_rates.py's: E/I rate, CV of ISIs (over neurons with >= 3 spikes), Ca mean and std over
                all astrocytes and samples of the window, Ca std across astrocytes, Ca max, IP3 mean.

`--empty` measures the RSS of an empty kernel (import nest, ResetKernel, threads set, nothing created), which
bench/benchmark_table.py subtracts from the peak RSS to get NEST's bytes per synapse.

Usage:
  /usr/bin/python3 bench/nest/brunel_bench.py --nest-prefix /opt/nest-fast --scale 0.25 --seed 1 --threads 2 \\
      --out /tmp/b/nest_t2_s1
  mpiexec -n 2 /usr/bin/python3 bench/nest/brunel_bench.py --nest-prefix /opt/nest-fast --scale 0.25 --seed 1 \\
      --threads 1 --out /tmp/b/nest_r2_s1
  /usr/bin/python3 bench/nest/brunel_bench.py --nest-prefix /opt/nest --empty --threads 2 --out /tmp/b/empty_t2
  /usr/bin/python3 bench/nest/brunel_bench.py --merge /tmp/b/nest_r2_s1
Exit status 2: NEST not importable, or a bad argument.
"""

import argparse
import glob
import json
import os
import platform
import resource
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import brunel_rates  # noqa: E402  (the one network builder and the statistics)

PROG = "brunel_bench.py"


def proc_status():
    """VmHWM and VmRSS of this process (bytes), from /proc/self/status."""
    out = {}
    try:
        with open("/proc/self/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmHWM", "VmRSS"):
                    out[k] = int(v.split()[0]) * 1024
    except OSError:
        pass
    return out


def cpu_s():
    """user + system CPU seconds of this process (all its threads) so far"""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def maxrss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def timers(nest):
    """Every time_* key of the kernel status (floats, or lists over threads)."""
    ks = nest.GetKernelStatus()
    out = {}
    for k, v in ks.items():
        if k.startswith("time_"):
            try:
                out[k] = [float(x) for x in v] if hasattr(v, "__len__") else float(v)
            except (TypeError, ValueError):
                pass
    return out


def nest_pythonpath(args):
    if args.nest_pythonpath:
        return args.nest_pythonpath
    if args.nest_prefix:
        cand = sorted(glob.glob(os.path.join(args.nest_prefix, "lib", "python3*", "site-packages")))
        if not cand:
            sys.stderr.write(f"{PROG}: --nest-prefix {args.nest_prefix!r} has no lib/python3*/site-packages\n")
            sys.exit(2)
        return cand[-1]
    return os.environ.get("NEST_PYTHONPATH", brunel_rates.DEFAULT_NEST_PYTHONPATH)


def write_json(path, obj):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.replace(tmp, path)


def build_info(nest, pypath):
    bi = getattr(nest, "build_info", {}) or {}
    return {"nest_version": nest.__version__, "nest_pythonpath": pypath, "prefix": bi.get("prefix"),
            "built": bi.get("built"), "ndebug": bi.get("ndebug"), "have_mpi": bi.get("have_mpi")}


def run_empty(args, pypath):
    os.environ.setdefault("PYNEST_QUIET", "1")  # no banner
    nest = brunel_rates.import_nest(pypath, PROG)
    rss_import = proc_status()
    brunel_rates.setup_kernel(nest, args.threads, 1)
    rank, nproc = nest.Rank(), nest.NumProcesses()
    part = {"kind": "empty", "rank": rank, "ranks": nproc, "threads": args.threads, "host": socket.gethostname(),
            "rss_after_import": rss_import, "rss_after_setup": proc_status(), "peak_rss": maxrss_bytes()}
    part.update(build_info(nest, pypath))
    write_json(f"{args.out}.rank{rank}.json", part)
    if nproc > 1:
        nest.SyncProcesses()
    if rank == 0:
        merge(args.out, nproc)


def run_bench(args, pypath):
    os.environ.setdefault("PYNEST_QUIET", "1")  # no banner
    t_start = time.perf_counter()
    nest = brunel_rates.import_nest(pypath, PROG)
    rss_import = proc_status()
    t_import = time.perf_counter() - t_start
    brunel_rates.setup_kernel(nest, args.threads, args.seed)
    rank, nproc = nest.Rank(), nest.NumProcesses()
    load0 = os.getloadavg()[0]

    def after():
        """CPU seconds, memory and NEST's timers now"""
        return cpu_s(), proc_status(), timers(nest)

    def simulate(ms):
        """wall seconds of Simulate(ms), then after()"""
        t0 = time.perf_counter()
        nest.Simulate(ms)
        return (time.perf_counter() - t0,) + after()

    c0 = cpu_s()
    net = brunel_rates.build_network(nest, args.scale, args.warmup, record=args.record == "all")
    c1, rss_built, tm_built = after()
    t_warm, c2, rss_warm, tm_warm = simulate(args.warmup)
    t_sim, c3, rss_end, tm_end = simulate(args.sim_time)

    part = {"kind": "run", "rank": rank, "ranks": nproc, "threads": args.threads,
            "total_num_virtual_procs": int(nest.total_num_virtual_procs), "scale": args.scale, "seed": args.seed,
            "warmup_ms": args.warmup, "sim_time_ms": args.sim_time, "record": args.record,
            "host": socket.gethostname(), "cores": os.cpu_count(), "python": platform.python_version(),
            "loadavg_before": load0, "loadavg_after": os.getloadavg()[0],
            "t_import_s": t_import, "t_create_s": net["t_create_s"], "t_connect_s": net["t_connect_s"],
            "t_devices_s": net["t_devices_s"], "t_warmup_s": t_warm, "t_sim_s": t_sim,
            "cpu_construction_s": c1 - c0, "cpu_warmup_s": c2 - c1, "cpu_sim_s": c3 - c2,
            "num_connections_network": int(net["num_connections_network"]),
            "num_connections": int(net["num_connections"]),
            "rss_after_import": rss_import, "rss_after_construction": rss_built, "rss_after_warmup": rss_warm,
            "rss_end": rss_end, "peak_rss": maxrss_bytes(),
            "timers_after_construction": tm_built, "timers_after_warmup": tm_warm, "timers_end": tm_end}
    part.update(build_info(nest, pypath))
    if args.record == "all":
        part["partial"] = brunel_rates.local_partial(net)
    write_json(f"{args.out}.rank{rank}.json", part)
    if nproc > 1:
        nest.SyncProcesses()
    if rank == 0:
        r = merge(args.out, nproc)
        st = r.get("stats") or {}
        sys.stderr.write(
            f"{PROG}: scale {args.scale:g} seed {args.seed}, {nproc} rank(s) x {args.threads} thread(s): "
            f"construction {r['construction_s']:.2f} s (+ prepare {r['communicate_prepare_s']:.2f} s), "
            f"warm-up {r['warmup_wall_s']:.1f} s, measured {r['sim_wall_s']:.1f} s "
            f"(rtf {r['rtf_measured']:.3g}, total {r['rtf_total']:.3g}), peak RSS total "
            f"{r['peak_rss_total'] / 2**20:.0f} MiB"
            + (f", E {st['rate_E']:.3f} Hz, I {st['rate_I']:.3f} Hz" if st else "") + f" -> {args.out}.json\n")


# reset by SimulationManager::prepare() at every Simulate call (nestkernel/simulation_manager.cpp, prepare():
# reset_timers_for_dynamics() of the simulation and event-delivery managers)
DYNAMICS_TIMERS = {"time_simulate", "time_update", "time_gather_spike_data", "time_gather_secondary_data",
                   "time_deliver_spike_data", "time_deliver_secondary_data", "time_collocate_spike_data",
                   "time_communicate_spike_data"}


def tmax(v):
    """max of a timer value (a float, or a list over threads)"""
    if isinstance(v, list):
        return max(v) if v else float("nan")
    return float(v)


def merge(out, nproc=None):
    """Merge OUT.rank<r>.json into OUT.json (and return it)."""
    first = f"{out}.rank0.json"
    if not os.path.exists(first):
        sys.stderr.write(f"{PROG}: --merge {out!r}: no {first}\n")
        sys.exit(2)
    n = json.load(open(first))["ranks"]
    if nproc is not None and n != nproc:
        sys.stderr.write(f"{PROG}: --merge {out!r}: {first} is of a run on {n} ranks, not {nproc}\n")
        sys.exit(2)
    paths = [f"{out}.rank{r}.json" for r in range(n)]
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        sys.stderr.write(f"{PROG}: --merge {out!r}: {first} is of a run on {n} ranks, but "
                         f"{', '.join(missing)} missing\n")
        sys.exit(2)
    parts = [json.load(open(p)) for p in paths]
    if any(p["ranks"] != n or p["rank"] != r or p["kind"] != parts[0]["kind"] for r, p in enumerate(parts)):
        sys.stderr.write(f"{PROG}: --merge {out!r}: the parts are not of one run (stale parts?)\n")
        sys.exit(2)
    p0 = parts[0]
    common = {k: p0.get(k) for k in ("kind", "ranks", "threads", "host", "nest_version", "nest_pythonpath",
                                      "prefix", "built", "ndebug")}
    peak = [p["peak_rss"] for p in parts]
    res = dict(common)
    res["peak_rss_per_rank"] = peak
    res["peak_rss_max"] = max(peak)
    res["peak_rss_total"] = sum(peak)
    if p0["kind"] == "empty":
        res["rss_after_import_per_rank"] = [p["rss_after_import"].get("VmHWM") for p in parts]
        write_json(f"{out}.json", res)
        return res

    for k in ("total_num_virtual_procs", "scale", "seed", "warmup_ms", "sim_time_ms", "record", "cores", "python"):
        res[k] = p0.get(k)
    res["loadavg_before"] = p0.get("loadavg_before")
    res["loadavg_after"] = p0.get("loadavg_after")
    for k in ("t_import_s", "t_create_s", "t_connect_s", "t_devices_s", "t_warmup_s", "t_sim_s"):
        res[k] = max(p[k] for p in parts)
    res["construction_s"] = max(p["t_create_s"] + p["t_connect_s"] + p["t_devices_s"] for p in parts)
    prep = max(tmax(p["timers_end"].get("time_communicate_prepare", 0.0)) for p in parts)
    res["communicate_prepare_s"] = prep
    res["construction_incl_prepare_s"] = res["construction_s"] + prep
    res["warmup_wall_s"] = res["t_warmup_s"]
    res["sim_wall_s"] = res["t_sim_s"]
    res["rtf_measured"] = res["t_sim_s"] / (res["sim_time_ms"] / 1000.0)
    total_bio = (res["warmup_ms"] + res["sim_time_ms"]) / 1000.0
    res["rtf_total_raw"] = max(p["t_warmup_s"] + p["t_sim_s"] for p in parts) / total_bio
    res["rtf_total"] = max(p["t_warmup_s"] + p["t_sim_s"] - tmax(p["timers_end"].get("time_communicate_prepare", 0.0))
                           for p in parts) / total_bio
    # CPU seconds (user + system, all threads), summed over ranks: less sensitive to other load than wall times
    for k in ("cpu_construction_s", "cpu_warmup_s", "cpu_sim_s"):
        res[k] = sum(p.get(k, float("nan")) for p in parts)
    res["cpu_per_bio_s_measured"] = res["cpu_sim_s"] / (res["sim_time_ms"] / 1000.0)
    res["cpu_per_bio_s_total"] = (res["cpu_warmup_s"] + res["cpu_sim_s"]) / total_bio
    res["num_connections_network"] = sum(p["num_connections_network"] for p in parts)
    res["num_connections"] = sum(p["num_connections"] for p in parts)
    for when in ("rss_after_import", "rss_after_construction", "rss_after_warmup", "rss_end"):
        hwm = [p[when].get("VmHWM") for p in parts]
        if all(h is not None for h in hwm):
            res[f"{when}_hwm_per_rank"] = hwm
            res[f"{when}_hwm_max"] = max(hwm)
            res[f"{when}_hwm_total"] = sum(hwm)
    # NEST's timers over the whole run (warm-up + measured) and over the measured part; max over threads and ranks.
    # SimulationManager::prepare() (each Simulate call) resets the dynamics timers (DYNAMICS_TIMERS), so at the end
    # they hold the measured part only, and after the warm-up the warm-up's; the others accumulate from ResetKernel.
    keys = sorted(set().union(*(p["timers_end"].keys() for p in parts)))
    whole, measured, per_rank = {}, {}, {}
    for k in keys:
        if k.endswith("_cpu"):
            continue
        vals_end = [p["timers_end"].get(k) for p in parts]
        vals_warm = [p["timers_after_warmup"].get(k) for p in parts]
        if any(v is None for v in vals_end + vals_warm):
            continue
        per_rank[k] = vals_end
        w_all, m_all = [], []
        for e, w in zip(vals_end, vals_warm):
            e, w = (e, w) if isinstance(e, list) else ([e], [w])
            for ei, wi in zip(e, w):
                if k in DYNAMICS_TIMERS:
                    w_all.append(wi + ei)
                    m_all.append(ei)
                else:
                    w_all.append(ei)
                    m_all.append(ei - wi)
        whole[k] = max(w_all)
        measured[k] = max(m_all)
    res["timers_whole_run"] = whole
    res["timers_measured"] = measured
    res["timers_per_rank_end"] = per_rank  # as GetKernelStatus returned them at the end
    res["detailed_timers"] = "time_update" in whole
    # the time split, as nastro's: shares of the simulation loop (whole run, warm-up included)
    split = {"simulate": whole.get("time_simulate")}
    if res["detailed_timers"]:
        split["update"] = whole.get("time_update")
        split["deliver_spikes"] = whole.get("time_deliver_spike_data")
        split["deliver_sic"] = whole.get("time_deliver_secondary_data")
        split["exchange"] = whole.get("time_gather_spike_data", 0.0) + whole.get("time_gather_secondary_data", 0.0)
        split["omp_barrier"] = whole.get("time_omp_synchronization_simulation")
    res["split"] = split
    if all("partial" in p for p in parts):
        st = brunel_rates.merge_partials([p["partial"] for p in parts], res["sim_time_ms"])
        res["stats"] = st
    write_json(f"{out}.json", res)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nest-prefix", default=None, help="NEST installation prefix (its lib/python3*/site-packages)")
    ap.add_argument("--nest-pythonpath", default=None,
                    help="NEST's site-packages folder (overrides --nest-prefix; default $NEST_PYTHONPATH or "
                         f"{brunel_rates.DEFAULT_NEST_PYTHONPATH})")
    ap.add_argument("--scale", type=float, default=None, help="network scale (populations x scale, p / scale)")
    ap.add_argument("--seed", type=int, default=None, help="nest.rng_seed")
    ap.add_argument("--threads", type=int, default=2, help="threads per MPI process (default 2)")
    ap.add_argument("--warmup", type=float, default=100.0, help="ms simulated before the measured part (default 100)")
    ap.add_argument("--sim-time", type=float, default=1000.0, help="ms measured and recorded (default 1000)")
    ap.add_argument("--record", choices=("all", "none"), default="all",
                    help="all (default): spikes and Ca/IP3 recorded as brunel_rates.py, statistics reported; "
                         "none: no recorders (to measure what recording costs NEST)")
    ap.add_argument("--out", default=None, help="output prefix: OUT.rank<r>.json per rank, OUT.json merged")
    ap.add_argument("--empty", action="store_true", help="measure the RSS of an empty kernel only")
    ap.add_argument("--merge", metavar="OUT", default=None, help="merge OUT.rank<r>.json into OUT.json, no NEST")
    args = ap.parse_args()

    def bad(msg):
        ap.print_usage(sys.stderr)
        sys.stderr.write(f"{PROG}: {msg}\n")
        sys.exit(2)

    if args.merge:
        merge(args.merge)
        return
    if not args.out:
        bad("--out OUT is required (the output prefix)")
    d = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(d):
        bad(f"--out {args.out!r}: folder {d} does not exist")
    if args.threads < 1:
        bad(f"--threads {args.threads}: must be >= 1")
    pypath = nest_pythonpath(args)
    if args.empty:
        run_empty(args, pypath)
        return
    if args.scale is None or not args.scale > 0:
        bad(f"--scale {args.scale}: give a scale > 0 (e.g. 0.25)")
    if args.scale * 10000 < 1 or 0.1 / args.scale > 1:
        bad(f"--scale {args.scale:g}: p = 0.1 / scale must be <= 1, i.e. scale >= 0.1")
    if args.seed is None or args.seed < 1:
        bad(f"--seed {args.seed}: give nest.rng_seed >= 1")
    if args.warmup < 0:
        bad(f"--warmup {args.warmup:g}: must be >= 0")
    if not args.sim_time > 0:
        bad(f"--sim-time {args.sim_time:g}: must be > 0")
    run_bench(args, pypath)


if __name__ == "__main__":
    main()
