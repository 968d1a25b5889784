#!/usr/bin/python3
"""Side-by-side tables of bench/nest_benchmark.sh's runs: nastro against NEST on the astrocyte-Brunel network.

Usage:
  /usr/bin/python3 bench/benchmark_table.py OUTDIR [--figure bench/nest-rtf.png] [--no-figure]
  /usr/bin/python3 bench/benchmark_table.py --summarize-nastro RUN.h5     (used by nest_benchmark.sh: prints
        the attributes of a nastro run's /timing and /network and the root as JSON)

Reads OUTDIR/scale<S>/<config>_s<K>.* (config nastro_r<R>, nest_t<T>, nest_r<R>, nest_r<R>t<T>) and
OUTDIR/nest_empty_<cfg>.json, prints markdown to stdout: per scale one column per configuration, one row per
measure, mean +- sample sd over the seeds (a single seed: no sd); then the speed ratios NEST / nastro; writes
OUTDIR/benchmark.json (every run and every aggregate), OUTDIR/benchmark.tsv (one line per run) and the figure of
the real-time factor against scale (log y).

What the rows are:
  real-time factor     wall seconds per biological second over the whole 1100 ms (100 ms warm-up + 1000 ms).
                       nastro: /timing run / 1.1 s (nastro times warm-up and measured part as one run, without
                       construction). NEST: (Simulate(100) + Simulate(1000) wall - time_communicate_prepare) /
                       1.1 s: NEST builds its connection infrastructure in the first Simulate call's Prepare, which
                       is construction, not simulation, and counted there. This row gives the ratios.
  rtf measured 1 s     NEST only: Simulate(1000) wall / 1 s (nastro does not time the measured part apart).
  construction         nastro: /timing setup (network file to ready, connections included). NEST: Create +
                       Connect + recorders (wall) + time_communicate_prepare (the first Prepare's connection
                       infrastructure); the row below shows NEST without the prepare part.
  peak RSS             nastro: /timing peak_rss_max (largest rank) and peak_rss_total (sum over ranks), n/a where
                       the build does not write them. NEST: ru_maxrss per rank at the end, with every recorded
                       sample in NEST's memory (all astrocytes' Ca and IP3 at 1 ms); and "before recording",
                       VmHWM after the warm-up, before the recorders (start 100 ms) took any sample.
                       /usr/bin/time -v: the largest process of the run's tree, measured from outside.
  bytes per synapse    nastro: /network bytes_per_synapse (nastro's synapse storage, all ranks, over the
                       synapses as NEST counts them). NEST: (peak RSS before recording, all ranks - the RSS of
                       an empty NEST kernel after import + ResetKernel, measured once per configuration, all
                       ranks) / nest.num_connections of the network: everything NEST holds beyond an empty kernel
                       (nodes, buffers, connection infrastructure), so an upper bound on its synapses' bytes.
  time split           shares of the simulation loop (nastro: /timing run; NEST: time_simulate, whole run),
                       each the maximum over ranks (NEST: over threads and ranks). NEST (detailed timers only):
                       update = time_update (neurons and astrocytes together, recorders' sampling inside),
                       spike delivery = time_deliver_spike_data, SIC delivery = time_deliver_secondary_data,
                       exchange = time_gather_spike_data + time_gather_secondary_data (collocation + MPI),
                       OpenMP barrier waits = time_omp_synchronization_simulation.
  statistics           over (100, 1100] ms: rates, CV of ISIs (neurons with >= 3 spikes), Ca mean and std over
                       all astrocytes and 1 ms samples, Ca std across astrocytes (of each one's time-mean);
                       nastro by analysis/network_stats.py, NEST by bench/nest/brunel_rates.py's code.
"""
import argparse
import glob
import json
import math
import os
import re
import sys

PROG = "benchmark_table.py"
MiB = 2.0**20


# ----------------------------------------------------------------------------------------------------------------
def text(v):
    return v.decode() if isinstance(v, bytes) else v


def summarize_nastro(path):
    import h5py
    import numpy as np

    def plain(v):
        v = text(v)
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, np.ndarray):
            return v.tolist()
        return v

    with h5py.File(path, "r") as f:
        out = {"file": os.path.abspath(path), "file_bytes": os.path.getsize(path),
               "attrs": {k: plain(v) for k, v in f.attrs.items() if k != "description"},
               "timing": {}, "network": {}}
        if "timing" in f:
            out["timing"] = {k: plain(v) for k, v in f["timing"].attrs.items() if k != "description"}
            if isinstance(f["timing"], h5py.Group) and "peak_rss_per_rank" in f["timing"]:
                out["timing"]["peak_rss_per_rank"] = [float(x) for x in f["timing"]["peak_rss_per_rank"][()]]
        if "network" in f:
            out["network"] = {k: plain(v) for k, v in f["network"].attrs.items() if k != "description"}
    json.dump(out, sys.stdout)
    print()


# ----------------------------------------------------------------------------------------------------------------
def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def time_v(path):
    """(max RSS bytes of the largest process, elapsed s, user + system CPU s) from a /usr/bin/time -v file"""
    rss = wall = None
    cpu = 0.0
    try:
        for line in open(path):
            line = line.strip()
            if line.startswith("User time (seconds)") or line.startswith("System time (seconds)"):
                cpu += float(line.rsplit(":", 1)[1])
            elif line.startswith("Maximum resident set size"):
                rss = int(line.rsplit(":", 1)[1]) * 1024
            elif line.startswith("Elapsed (wall clock)"):
                v = line.rsplit(": ", 1)[1].split(":")
                wall = sum(float(x) * 60**i for i, x in enumerate(reversed(v)))
    except OSError:
        return None, None, None
    return rss, wall, cpu


def num(d, *keys):
    """d[k1][k2]... as a float, or None"""
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    try:
        return float(d)
    except (TypeError, ValueError):
        return None


def ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None


def nastro_run(base):
    info, st = load_json(base + ".h5info.json"), load_json(base + ".stats.json")
    if info is None or st is None:
        return None
    t, n = info.get("timing", {}), info.get("network", {})
    run = num(t, "run")
    r = {"sim": "nastro", "ranks": int(num(t, "ranks") or num(info, "attrs", "mpi_ranks") or 0), "threads": 1}
    r["rtf"] = run / 1.1 if run is not None else None
    r["rtf_measured"] = r["cpu_per_bio_s"] = None
    r["construction_s"] = num(t, "setup")
    r["construction_excl_prepare_s"] = None  # a NEST row
    r["connect_s"] = num(t, "connect")
    r["peak_rss_max"] = num(t, "peak_rss_max")
    r["peak_rss_total"] = num(t, "peak_rss_total")
    r["peak_rss_per_rank"] = t.get("peak_rss_per_rank")
    r["prerec_rss_max"] = r["prerec_rss_total"] = None
    r["connections"] = num(n, "synapses")
    r["cells"] = num(n, "cells")
    r["bytes_per_synapse"] = num(n, "bytes_per_synapse")
    r["bytes_per_synapse_incl_recording"] = None
    for k in ("update", "update_neurons", "update_astrocytes", "deliver", "deliver_spikes", "deliver_sic",
              "exchange", "output"):
        r[f"share_{k}"] = ratio(num(t, k), run)
    r["share_omp_barrier"] = None
    r["share_generators"] = ratio(num(t, "generators"), run)
    parts = [num(t, "update"), num(t, "deliver"), num(t, "exchange"), num(t, "output")]
    parts += [num(t, "generators")] if num(t, "generators") is not None else []
    r["share_other"] = (1 - sum(parts) / run) if run and all(p is not None for p in parts) else None
    pops, ast = st.get("populations", {}), st.get("astrocytes", {})
    for p in ("E", "I"):
        r[f"rate_{p}"] = num(pops, p, "rate")
        r[f"cv_{p}"] = num(pops, p, "cv")
    a = ast.get("A") or (next(iter(ast.values())) if ast else {})
    r["ca_mean"], r["ca_std"], r["ca_std_across"] = num(a, "ca_mean"), num(a, "ca_std"), num(a, "ca_std_across_astro")
    r["version"] = num(info, "attrs", "nastro_version") or info.get("attrs", {}).get("nastro_version")
    return r


def nest_run(base, empty):
    j = load_json(base + ".json")
    if j is None or j.get("kind") != "run":
        return None
    r = {"sim": "nest", "ranks": j["ranks"], "threads": j["threads"]}
    r["rtf"] = j["rtf_total"]
    r["rtf_measured"] = j["rtf_measured"]
    r["rtf_total_raw"] = j["rtf_total_raw"]
    r["cpu_per_bio_s"] = j.get("cpu_per_bio_s_total")
    r["construction_s"] = j["construction_incl_prepare_s"]
    r["construction_excl_prepare_s"] = j["construction_s"]
    r["connect_s"] = j["t_connect_s"]
    r["peak_rss_max"], r["peak_rss_total"] = j["peak_rss_max"], j["peak_rss_total"]
    r["peak_rss_per_rank"] = j["peak_rss_per_rank"]
    r["prerec_rss_max"] = j.get("rss_after_warmup_hwm_max")
    r["prerec_rss_total"] = j.get("rss_after_warmup_hwm_total")
    r["connections"] = j["num_connections_network"]
    st = j.get("stats", {})
    r["cells"] = (st.get("N_E", 0) + st.get("N_I", 0) + st.get("N_astro", 0) + 1) if st else None
    e = empty.get(f"{j['ranks']}x{j['threads']}")
    r["empty_rss_total"] = e
    r["bytes_per_synapse"] = ((r["prerec_rss_total"] - e) / r["connections"]
                              if e is not None and r["prerec_rss_total"] is not None and r["connections"] else None)
    r["bytes_per_synapse_incl_recording"] = ((r["peak_rss_total"] - e) / r["connections"]
                                             if e is not None and r["connections"] else None)
    sp = j.get("split", {})
    sim = sp.get("simulate")
    r["share_update"] = ratio(sp.get("update"), sim)
    r["share_update_neurons"] = r["share_update_astrocytes"] = None
    r["share_deliver_spikes"] = ratio(sp.get("deliver_spikes"), sim)
    r["share_deliver_sic"] = ratio(sp.get("deliver_sic"), sim)
    r["share_deliver"] = (ratio(sp["deliver_spikes"] + sp["deliver_sic"], sim)
                          if sp.get("deliver_spikes") is not None and sp.get("deliver_sic") is not None else None)
    r["share_exchange"] = ratio(sp.get("exchange"), sim)
    r["share_output"] = r["share_generators"] = None
    r["share_omp_barrier"] = ratio(sp.get("omp_barrier"), sim)
    parts = [sp.get(k) for k in ("update", "deliver_spikes", "deliver_sic", "exchange")]
    r["share_other"] = 1 - sum(parts) / sim if sim and all(p is not None for p in parts) else None
    for p in ("E", "I"):
        r[f"rate_{p}"] = st.get(f"rate_{p}")
        r[f"cv_{p}"] = st.get(f"cv_{p}")
    r["ca_mean"], r["ca_std"], r["ca_std_across"] = st.get("ca_mean"), st.get("ca_std"), st.get("ca_std_across_astro")
    r["version"] = f"NEST {j.get('nest_version')} ({j.get('prefix')}, ndebug {j.get('ndebug')}, " \
                   f"detailed timers {j.get('detailed_timers')})"
    r["load_before"], r["load_after"] = j.get("loadavg_before"), j.get("loadavg_after")
    return r


def config_key(name):
    m = re.match(r"(nastro|nest)_(?:t(\d+)|r(\d+)(?:t(\d+))?)$", name)
    if not m:
        return (2, name)
    return (0 if m.group(1) == "nastro" else 1, name)


def config_label(name):
    m = re.match(r"nastro_r(\d+)$", name)
    if m:
        return f"nastro {m.group(1)} rank{'s' if m.group(1) != '1' else ''}"
    m = re.match(r"nest_t(\d+)$", name)
    if m:
        return f"NEST {m.group(1)} threads"
    m = re.match(r"nest_r(\d+)$", name)
    if m:
        return f"NEST {m.group(1)} ranks"
    m = re.match(r"nest_r(\d+)t(\d+)$", name)
    if m:
        return f"NEST {m.group(1)} ranks x {m.group(2)} threads"
    return name


def collect(outdir):
    meta = {}
    try:
        for line in open(os.path.join(outdir, "meta.txt")):
            k, _, v = line.partition(":")
            meta[k.strip()] = v.strip()
    except OSError:
        pass
    empty = {}
    for p in glob.glob(os.path.join(outdir, "nest_empty_*.json")):
        if ".rank" in os.path.basename(p):
            continue
        j = load_json(p)
        if j and j.get("kind") == "empty":
            empty[f"{j['ranks']}x{j['threads']}"] = j["peak_rss_total"]
    runs = []
    for d in sorted(glob.glob(os.path.join(outdir, "scale*"))):
        try:
            scale = float(os.path.basename(d)[5:])
        except ValueError:
            continue
        names = set()
        for p in os.listdir(d):
            m = re.match(r"((?:nastro|nest)_[rt0-9]+)_s(\d+)\.(h5info\.json|json)$", p)
            if m:
                names.add((m.group(1), int(m.group(2))))
        for name, seed in sorted(names):
            base = os.path.join(d, f"{name}_s{seed}")
            r = nastro_run(base) if name.startswith("nastro") else nest_run(base, empty)
            if r is None:
                continue
            r.update({"config": name, "scale": scale, "seed": seed})
            r["time_v_max_rss"], r["process_wall_s"], r["process_cpu_s"] = time_v(base + ".time")
            runs.append(r)
    return meta, empty, runs


# ----------------------------------------------------------------------------------------------------------------
def mean_sd(vals):
    v = [x for x in vals if x is not None and not (isinstance(x, float) and math.isnan(x))]
    if not v:
        return None, None, 0
    m = sum(v) / len(v)
    sd = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1)) if len(v) > 1 else None
    return m, sd, len(v)


def fmt(m, sd, digits=3, scale=1.0, pct=False):
    if m is None:
        return "n/a"
    m = m * scale
    sd = sd * scale if sd is not None else None
    if pct:
        return f"{100 * m:.1f} %" + (f" +- {100 * sd:.1f}" if sd is not None else "")
    mm = f"{m:.{digits}g}" if abs(m) < 10 ** digits else f"{m:.0f}"
    return mm + (f" +- {sd:.2g}" if sd is not None else "")


ROWS = [
    # key, label, kwargs of fmt
    ("cells", "cells", {"digits": 8}),
    ("connections", "connections (network, as NEST counts them)", {"digits": 9}),
    ("rtf", "**real-time factor** (s wall per biological s, over 1.1 s)", {}),
    ("rtf_measured", "  NEST: rtf of the measured 1 s alone", {}),
    ("construction_s", "construction (s)", {}),
    ("construction_excl_prepare_s", "  NEST without the first Prepare (Create + Connect)", {}),
    ("peak_rss_max", "peak RSS, largest rank (MiB)", {"scale": 1 / MiB, "digits": 4}),
    ("peak_rss_total", "peak RSS, all ranks (MiB)", {"scale": 1 / MiB, "digits": 4}),
    ("prerec_rss_max", "  NEST before recording: largest rank (MiB)", {"scale": 1 / MiB, "digits": 4}),
    ("prerec_rss_total", "  NEST before recording: all ranks (MiB)", {"scale": 1 / MiB, "digits": 4}),
    ("time_v_max_rss", "largest process, /usr/bin/time -v (MiB; NEST's incl. the read-out of its recorders)", {"scale": 1 / MiB, "digits": 4}),
    ("bytes_per_synapse", "bytes per synapse (see below)", {}),
    ("share_update_neurons", "time: neuron update", {"pct": True}),
    ("share_update_astrocytes", "time: astrocyte update", {"pct": True}),
    ("share_update", "time: cell update (neurons + astrocytes)", {"pct": True}),
    ("share_deliver_spikes", "time: spike delivery", {"pct": True}),
    ("share_deliver_sic", "time: astrocyte-current (SIC) delivery", {"pct": True}),
    ("share_exchange", "time: exchange", {"pct": True}),
    ("share_output", "time: output", {"pct": True}),
    ("share_generators", "  nastro: Poisson input (generators; NEST's is inside its update)", {"pct": True}),
    ("share_omp_barrier", "  NEST: OpenMP barrier waits", {"pct": True}),
    ("share_other", "time: other (the rest of the loop)", {"pct": True}),
    ("rate_E", "E rate (Hz)", {"digits": 4}),
    ("rate_I", "I rate (Hz)", {"digits": 4}),
    ("cv_E", "CV ISI E", {}),
    ("cv_I", "CV ISI I", {}),
    ("ca_mean", "Ca mean (uM)", {"digits": 4}),
    ("ca_std", "Ca std (uM, all astrocytes and samples)", {"digits": 3}),
    ("ca_std_across", "Ca std across astrocytes (uM)", {"digits": 3}),
    ("process_wall_s", "process wall (s, everything: start, construction, 1.1 s, output)", {}),
    ("process_cpu_s", "process CPU (s, user + system, the whole process tree)", {}),
    ("cpu_per_bio_s", "  NEST: CPU s per biological s (the two Simulate calls, all threads and ranks)", {}),
]


def aggregate(runs):
    agg = {}
    for r in runs:
        agg.setdefault((r["scale"], r["config"]), []).append(r)
    out = {}
    for key, rs in agg.items():
        a = {"seeds": sorted(r["seed"] for r in rs)}
        for k, *_ in ROWS + [("bytes_per_synapse_incl_recording",), ("rtf_total_raw",)]:
            m, sd, n = mean_sd([r.get(k) for r in rs])
            a[k] = {"mean": m, "sd": sd, "n": n}
        out[key] = a
    return out


def ordered_configs(meta, runs):
    """the configurations in meta.txt's order (nastro first), then any others"""
    order = meta.get("configs", "").split()
    names = {r["config"] for r in runs}
    return [c for c in order if c in names] + sorted(names - set(order), key=config_key)


def tables(meta, empty, runs, agg):
    lines = []
    scales = sorted({r["scale"] for r in runs})
    configs = ordered_configs(meta, runs)
    lines.append("# nastro and NEST on the astrocyte-Brunel network (bench/nest_benchmark.sh)")
    lines.append("")
    for k in ("command", "start", "end", "host", "load average before", "load average after", "nastro", "nest"):
        if k in meta:
            lines.append(f"- {k}: {meta[k]}")
    vers = sorted({str(r["version"]) for r in runs if r["sim"] == "nest"})
    for v in vers:
        lines.append(f"- {v}")
    if empty:
        lines.append("- empty NEST kernel (import + ResetKernel), all ranks: "
                     + ", ".join(f"{k.split('x')[0]} rank(s) x {k.split('x')[1]} thread(s) {v / MiB:.0f} MiB"
                                 for k, v in sorted(empty.items())))
    lines.append("- mean +- sample sd over the seeds (no sd with one seed); n/a: not measured by that simulator "
                 "or build")
    for s in scales:
        cs = [c for c in configs if (s, c) in agg]
        seeds = sorted({x for c in cs for x in agg[(s, c)]["seeds"]})
        lines.append("")
        lines.append(f"## scale {s:g} (seeds {' '.join(map(str, seeds))})")
        lines.append("")
        lines.append("| | " + " | ".join(config_label(c) for c in cs) + " |")
        lines.append("|---" * (len(cs) + 1) + "|")
        for k, label, kw in ROWS:
            vals = [agg[(s, c)][k] for c in cs]
            if all(v["mean"] is None for v in vals):
                continue
            lines.append(f"| {label} | " + " | ".join(fmt(v["mean"], v["sd"], **kw) for v in vals) + " |")
        # speed ratios
        nas = [c for c in cs if c.startswith("nastro")]
        nes = [c for c in cs if c.startswith("nest")]
        if nas and nes:
            lines.append("")
            lines.append(f"Ratios at scale {s:g} (of the means): NEST / nastro for time, nastro / NEST for memory")
            lines.append("")
            lines.append("| NEST config / nastro config | real-time factor | construction | peak RSS all ranks |"
                         " NEST before recording / nastro peak |")
            lines.append("|---|---|---|---|---|")
            for ne in nes:
                for na in nas:
                    A, B = agg[(s, ne)], agg[(s, na)]

                    def rr(a, b, inv=False):
                        x = ratio(a["mean"], b["mean"])
                        if x is None:
                            return "n/a"
                        return f"{1 / x:.3g}" if inv else f"{x:.3g}"
                    lines.append(f"| {config_label(ne)} / {config_label(na)} | {rr(A['rtf'], B['rtf'])}x | "
                                 f"{rr(A['construction_s'], B['construction_s'])}x | "
                                 f"{rr(A['peak_rss_total'], B['peak_rss_total'], inv=True)} | "
                                 f"{rr(A['prerec_rss_total'], B['peak_rss_total'], inv=True)} |")
        # statistics: the same network in NEST with threads and with ranks (same number of VPs)?
        for i, a in enumerate(nes):
            for b in nes[i + 1:]:
                ra = {r["seed"]: r for r in runs if r["scale"] == s and r["config"] == a}
                rb = {r["seed"]: r for r in runs if r["scale"] == s and r["config"] == b}
                common = sorted(set(ra) & set(rb))
                if common:
                    def close(x, y):
                        return x is not None and y is not None and abs(x - y) <= 1e-9 * max(abs(x), abs(y))
                    same = all(all(ra[k][q] == rb[k][q] for q in ("rate_E", "rate_I", "cv_E", "cv_I"))
                               and all(close(ra[k][q], rb[k][q]) for q in ("ca_mean", "ca_std", "ca_std_across"))
                               for k in common)
                    lines.append("")
                    lines.append(f"{config_label(a)} and {config_label(b)}: statistics "
                                 f"{'identical' if same else 'different'} for seeds "
                                 f"{' '.join(map(str, common))}"
                                 + (" (rates and CVs to the bit, Ca to rounding: the same 2 virtual processes, "
                                    "so the same network and spikes)" if same else ""))
    lines.append("")
    lines.append("Definitions (bench/benchmark_table.py --help has them all): the real-time factor is over the "
                 "whole 1.1 s: nastro's /timing run / 1.1 s (warm-up inside, nastro does not time it apart), "
                 "NEST's Simulate(100) + Simulate(1000) wall without the first Prepare's connection "
                 "infrastructure (time_communicate_prepare), which is counted as NEST's construction. "
                 "Bytes per synapse: nastro's /network bytes_per_synapse (its synapse storage / synapses); "
                 "NEST's (peak RSS before recording, all ranks - RSS of an empty NEST kernel after import, "
                 "measured once per configuration) / connections: all NEST holds beyond an empty kernel. "
                 "The time split is a share of the simulation loop (nastro /timing run, NEST time_simulate); "
                 "NEST has no separate neuron and astrocyte update timers, and samples its recorders inside "
                 "update (NEST's share needs -Dwith-detailed-timers=ON).")
    return "\n".join(lines) + "\n"


def figure(meta, runs, agg, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for c in ordered_configs(meta, runs):
        pts = sorted((s, a["rtf"]) for (s, cc), a in agg.items() if cc == c and a["rtf"]["mean"] is not None)
        if not pts:
            continue
        xs = [p[0] for p in pts]
        ys = [p[1]["mean"] for p in pts]
        es = [p[1]["sd"] or 0.0 for p in pts]
        style = "-o" if c.startswith("nastro") else "--s"
        ax.errorbar(xs, ys, yerr=es, fmt=style, capsize=3, label=config_label(c))
    ax.set_yscale("log")
    ax.set_xscale("log")
    scales = sorted({r["scale"] for r in runs})
    ax.set_xticks(scales)
    ax.set_xticklabels([f"{s:g}" for s in scales])
    ax.minorticks_off()
    ax.set_xlabel("scale (1 = 8000 E + 2000 I neurons, 10000 astrocytes)")
    ax.set_ylabel("wall s per biological s (over 1.1 s)")
    ax.set_title("astrocyte-Brunel network: real-time factor (mean +- sd over seeds)", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


TSV_KEYS = ["scale", "config", "seed", "sim", "ranks", "threads", "cells", "connections", "rtf", "rtf_measured",
            "rtf_total_raw", "construction_s", "construction_excl_prepare_s", "connect_s", "peak_rss_max",
            "peak_rss_total", "prerec_rss_max", "prerec_rss_total", "time_v_max_rss", "empty_rss_total",
            "bytes_per_synapse", "bytes_per_synapse_incl_recording", "share_update_neurons",
            "share_update_astrocytes", "share_update", "share_deliver", "share_deliver_spikes", "share_deliver_sic",
            "share_exchange", "share_output", "share_generators", "share_omp_barrier", "share_other", "rate_E", "rate_I", "cv_E", "cv_I",
            "ca_mean", "ca_std", "ca_std_across", "process_wall_s", "process_cpu_s", "cpu_per_bio_s", "load_before",
            "load_after"]


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir", nargs="?", help="the OUTDIR of bench/nest_benchmark.sh")
    ap.add_argument("--figure", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "nest-rtf.png"),
                    help="figure of the real-time factor against scale (default bench/nest-rtf.png)")
    ap.add_argument("--no-figure", action="store_true", help="no figure")
    ap.add_argument("--summarize-nastro", metavar="RUN.h5", help="print a nastro run's /timing, /network as JSON")
    args = ap.parse_args(argv)
    if args.summarize_nastro:
        if not os.path.isfile(args.summarize_nastro):
            ap.error(f"--summarize-nastro {args.summarize_nastro!r}: no such file")
        summarize_nastro(args.summarize_nastro)
        return
    if not args.outdir:
        ap.error("give OUTDIR (the folder of bench/nest_benchmark.sh's runs)")
    if not os.path.isdir(args.outdir):
        ap.error(f"OUTDIR {args.outdir!r} is not a folder")
    meta, empty, runs = collect(args.outdir)
    if not runs:
        ap.error(f"OUTDIR {args.outdir!r} has no complete runs (scale<S>/<config>_s<K>.json or .h5info.json)")
    agg = aggregate(runs)
    sys.stdout.write(tables(meta, empty, runs, agg))
    with open(os.path.join(args.outdir, "benchmark.json"), "w") as f:
        json.dump({"meta": meta, "empty_nest_rss_total": empty, "runs": runs,
                   "aggregates": [{"scale": s, "config": c, **a} for (s, c), a in sorted(agg.items())]}, f, indent=1)
    with open(os.path.join(args.outdir, "benchmark.tsv"), "w") as f:
        f.write("\t".join(TSV_KEYS) + "\n")
        for r in sorted(runs, key=lambda r: (r["scale"], config_key(r["config"]), r["seed"])):
            f.write("\t".join("" if r.get(k) is None else (f"{r[k]:.10g}" if isinstance(r[k], float) else str(r[k]))
                              for k in TSV_KEYS) + "\n")
    if not args.no_figure:
        figure(meta, runs, agg, args.figure)
        sys.stderr.write(f"{PROG}: wrote {args.figure}, {args.outdir}/benchmark.json, benchmark.tsv\n")
    else:
        sys.stderr.write(f"{PROG}: wrote {args.outdir}/benchmark.json, benchmark.tsv\n")


if __name__ == "__main__":
    main(sys.argv[1:])
