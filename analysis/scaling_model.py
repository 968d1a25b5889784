#!/usr/bin/python3
"""Cost models of nastro, fitted to measured runs and projected to thousands of ranks (docs/scaling.md states
the assumptions): of naam's right-hand side, and of a spiking network's slice.

usage: /usr/bin/python3 analysis/scaling_model.py STUDY_DIR [STUDY_DIR...] [--figure PNG] [--network-figure PNG]
         [--alpha S] [--rank-bandwidth B/S] [--node-bandwidth B/S] [--ranks-per-node R] [--mem-per-rank BYTES]
         [--K K]                                                                             (naam)
         [--rate HZ] [--sic-fraction F] [--sic-every STEPS] [--alpha-shm S] [--design NAME]   (networks)
The study folders are jobs/sweep.sh's (manifest.tsv); naam runs and network runs (root attribute model =
"network") are fitted and projected separately, each when present.

== naam ==
Model, per right-hand-side (RHS) evaluation on P ranks (N neurons, K patterns):
  compute   t_c = c N^2 / P                   c: seconds per synapse (one s_ij and its p_ij) per RHS,
                                                fitted from (rhs_compute + ts_overhead) / (RHS evaluations N^2 / P);
                                                it includes the stepper's vector work, which also scales as N^2 / P
  gather    t_g = a ceil(log2 P) + M b_eff    one MPI_Allgatherv in which every rank receives M = 8 (K+1) N bytes
                                                b_eff = 1 / B_rank while P <= R ranks share one node; past one
                                                node b_eff = max(1 / B_rank, R / B_node): the node's R ranks all
                                                pull M bytes through one network link of B_node bytes/s
  columns   t_s = a ceil(log2 P) + S b_eff    symmetric storage: the transposed half of the neuron drive; the
                                                busiest (last) rank receives S = 8 x 64 (1 - 1/sqrt P) N/sqrt P
                                                bytes up to 8 ranks (fixed blocks), S = 8 N beyond (reduce-scatter)
  reduce    t_r = a ceil(log2 P) / r          one tiny MPI_Allreduce per step, r RHS evaluations per step
  efficiency E(P) = t_c(1) / (P (t_c + t_g + t_s + t_r))
c is fitted on the measured runs (this machine's cores). The collectives' latency a and per-byte cost b are
also fitted (printed, and used to check the model against the measured runs), but a small shared machine
says little about a cluster, so the projection uses assumed cluster values: a = --alpha (default 2e-6 s),
B_rank = --rank-bandwidth (default 5e9 B/s into one rank within a node), B_node = --node-bandwidth (default
2.5e10 B/s, 200 Gb/s InfiniBand HDR), R = --ranks-per-node (default 64). Memory: the naam state is N^2 + 2 N doubles (symmetric storage), and the default stepper (bs3ls) keeps
5 such vectors (the driver borrows one of them), so a rank needs about 40 N^2 / P bytes: projections flag P below --mem-per-rank
(default 2e9 B). P is at most N (a rank owns whole rows).

== spiking networks (src/sim/slices/engine.c) ==
A slice is d_min of biological time, M = d_min / resolution steps. On P ranks, with N_n neurons and N_a
astrocytes (N = N_n + N_a cells; generators run on every rank for their local targets), per slice:
  S = N_n nu d_min          spikes (nu: mean rate), all-gathered: every rank receives and handles all of them
  Q = f N_a M / m           non-zero SIC values (f: fraction of astrocytes above the SIC threshold; m: steps
                            between SIC values, 1 today), all-gathered too
  t_update  = M (a_n + b_n N_n/P + a_a + b_a N_a/P + b_g N_n/P)    neuron and astrocyte populations (a: the
              per-step cost of their steppers, b: per cell and step), b_g: the Poisson input per neuron
  t_deliver = c_ev k_ev S / P + c_scan n_sp S + c_sicev k_sic Q / P + c_sicscan n_sic Q
              k_ev: synapse events per spike (k_ev / P of them on each rank); n_sp: spiking projections, each of
              which looks at all S spikes on every rank and steps the source's shared Tsodyks state; k_sic: SIC
              synapses per astrocyte (parallel ones merged); n_sic: SIC projections
  t_sort    = c0 + c_sort S log2 S + c_packq Q     qsort of the gathered spikes, packing of SIC rows (builds that
              sorted SIC values, --sic-sorted: + c_sortq Q log2 Q)
  t_exchange = n_coll alpha ceil(log2 P) + (s_b S + q_b Q + h_b P) (P - 1) / P b_eff(P)
              n_coll = 2 collectives per slice (an MPI_Allgather of the ranks' headers, one MPI_Allgatherv of the
              events); s_b, q_b, h_b: bytes per spike, per SIC value and per rank's header, fitted from
              exchange_bytes (16, 8.8 and 56 in the build of 2026-12-01 18:10); b_eff as for naam (past one node
              the R ranks of a node share its link)
Fitted on the runs (/timing/per_rank; each time the smallest over the ranks, which hold equal shares: the least
disturbed; each fit weighted by 1 / the measured value, so that small runs count as much as large ones):
a_n, b_n (update_neurons / steps against neurons per rank), a_a, b_a (update_astrocytes; runs with
-A_step_multiple M give b_a on a d_min step), b_g (generators), c_ev and c_scan (deliver_spikes / slices
against events per rank and n_sp S; runs with few synapses per spike and 2-rank runs separate them),
c_sicev, c_sicscan (deliver_sic, runs with SIC), c0, c_sort, c_packq (exchange - exchange_wait on 1 rank),
and this machine's alpha and per-byte cost (exchange - exchange_wait - sort on 2-4 ranks: an oversubscribed
2-core machine; printed, and used only for the check against the runs). Per-cell and per-event constants
come from runs on at most --fit-max-ranks ranks (default 2: more are oversubscribed here). Repeated runs of
one configuration: the fastest is kept; with jobs/sweep.sh --local's logs/<run>.time every time of a run is
first scaled by the share of its cores the run got, (user + system) / (ranks x wall) (--cpu-share off: not).
The network's k_ev, k_sic, n_sp, n_sic, M and its share of neurons come from /network and /populations
(k_sic from synapses_stored).
Projection: weak scaling E_w(P) = t_slice(1 rank, N/P cells) / t_slice(P ranks, N cells), strong E_s(P) =
t_slice(1, N) / (P t_slice(P, N)), for these designs (the summary lists all; --design picks the one of the
full tables and the figure, default F):
  A  the build the fit's runs came from, as above (SIC rows in the all-gather)
  A2 5d4f16c: spikes in the all-gather; SIC every step by a static per-rank scatter of 8-byte values (zeros
     included) of the astrocytes with a local target, one round of messages from their owners (alpha +
     msg-overhead each), no sort of SIC
  A3 (2026-12-01 19:20): A2 with the Tsodyks state stepped by the spike's own rank and its efficacies sent with
     the spike (16 + 8 x 4 bytes a spike in the benchmark)
  A4 A3 with -A_step_multiple M (astrocytes on a d_min step): one SIC value per astrocyte and slice
  A3D (2026-12-02 morning, src/sim/slices/exchange.c, -exchange node): A3 with the headers and spike records
     in two levels as D's (a node's ranks to its leader, leaders all-gathering across nodes into one shared
     buffer per node, read by every rank of the node: one copy of the spikes and of every rank's header per
     node through its link); the spikes stay A3's 48-byte records, sorted by qsort (once per node, while the
     node's ranks wait), and SIC stays A3's per-rank scatter, every step
  A4D A3D with -A_step_multiple M: one SIC value per astrocyte and slice
  A3E today (2026-12-02 10:00, -exchange node): A3D with the SIC by node as E's (a node's ranks' rows to its
     leader, a scatter between the leaders of the rows the node needs into one shared window per node: one
     message per pair of nodes, one copy per node through its link; 8-byte values, every step) and the spikes in
     (step, id) order by a counting sort by (step, population) over the rank-ordered blocks (c_merge per spike)
     instead of a qsort
  A4E A3E with -A_step_multiple M: one SIC value per astrocyte and slice
  B  compact flat all-gather: SIC sent when it changes, once per slice (astrocytes on a d_min step,
     -A_step_multiple M, m = M; --sic-every), 8-byte spikes (32-bit id, step in the slice), 12-byte SIC values
     (32-bit id, double), a merge of the ranks' sorted blocks instead of a qsort (c_sort per spike), SIC read
     through an index by source (a rank touches the values of astrocytes with local targets, 1 - exp(-k_sic/P))
  C  B, with the Tsodyks efficacy computed once by the spike's own rank and sent with it (12-byte spikes); the
     other ranks only look the spike up in each projection (--check-cost, default 2 ns)
  D  C, with a two-level all-gather: one copy per node through its link (1 / B_node per byte), shared memory
     within (alpha_shm per stage), the nodes' leaders all-gathering across nodes; each rank reads from the
     node's buffer what it needs at B_rank
  E  D, with SIC as a static scatter to the nodes holding its targets (the connectivity is static, so the plan
     is fixed: values only, 8 bytes, one round of messages to the other nodes, alpha + msg-overhead each);
     a node receives the SIC of astrocytes with a target among its neurons, 1 - exp(-k_sic R / P) of them
  F  E, with the exchange overlapped with the update: exchanged every half slice and completed during the next
     half (events land d_min later at the earliest), so only what exceeds the update shows; one core per node
     progresses MPI (update x R / (R - 1)); astrocytes step in two groups in alternate half slices, so that each
     half carries half the SIC
  S  C, flat sparse: each rank sends each event only to the ranks that hold its targets (a persistent
     neighbour all-to-all: counts and events, alpha + msg-overhead per partner); a rank holds a target of a
     spike with probability 1 - exp(-k_ev / P), which with k_ev ~ 1400 is almost every rank below ~1000 ranks
Cluster (assumed, as for naam): alpha = --alpha per stage across nodes, --alpha-shm per shared-memory stage
(default 3e-7 s), --msg-overhead per further message (default 5e-7 s), B_rank, B_node, R as above; rate
--rate (default 5 Hz: the benchmark's rate over 0.1-1.1 s), f = --sic-fraction (default 1: after ~0.8 s every
astrocyte of the benchmark is above threshold, measured). In-degrees and rates do not change with the size
(scale keeps the in-degrees), the cells are balanced, nothing else runs. Memory: peak RSS per rank fitted as
r0 + r1 (cells per rank), plus what a rank holds of a slice's events (received and unpacked); '*' marks where
that exceeds --mem-per-rank, '!' where today's code stops (a slice's events over 2 GB).
"""
import argparse
import csv
import json
import math
import os
import sys

import h5py
import numpy as np

import scaling_report  # analysis/, beside this script: the run folders' readers

KEYS = ["wall_max", "rhs_compute_max", "ts_overhead_max", "communication_max", "steps", "rhs_evaluations",
        "comm_bytes_per_step", "ranks", "N"]


def load(folders):
    runs = []
    for d in folders:
        with open(os.path.join(d, "manifest.tsv")) as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                try:
                    with h5py.File(os.path.join(d, row["file"]), "r") as f:
                        if int(f.attrs.get("complete", 0)) != 1 or "timing" not in f:
                            continue
                        r = {k: float(f["timing"].attrs[k]) for k in KEYS}
                        r["K"] = int(f.attrs["K"])
                        r["file"] = os.path.join(d, row["file"])
                        runs.append(r)
                except (OSError, KeyError):
                    continue
    return runs


def fit(runs):
    c = np.array([(r["rhs_compute_max"] + r["ts_overhead_max"]) / (r["rhs_evaluations"] * r["N"] ** 2 / r["ranks"])
                  for r in runs])
    c_fit = float(np.median(c))
    multi = [r for r in runs if r["ranks"] > 1]
    a_fit, b_fit = 1e-6, 1e-10
    if multi:
        y = np.array([r["communication_max"] / r["rhs_evaluations"] for r in multi])
        m = np.array([8.0 * (r["K"] + 1) * r["N"] for r in multi])
        lg = np.array([math.ceil(math.log2(r["ranks"])) * (1 + r["steps"] / r["rhs_evaluations"]) for r in multi])
        if len({(r["ranks"], r["N"]) for r in multi}) >= 2:
            A = np.vstack([lg, m]).T
            sol, *_ = np.linalg.lstsq(A, y, rcond=None)
            a_fit, b_fit = float(sol[0]), float(sol[1])
        if a_fit <= 0 or b_fit <= 0:  # fall back: all gather time as bandwidth, latency from the smallest message
            b_fit = float(np.median(y / m))
            a_fit = max(1e-7, float(np.min(y - b_fit * m)) / max(1.0, float(np.min(lg))))
    rhs_per_step = float(np.median([r["rhs_evaluations"] / max(1, r["steps"]) for r in runs]))
    return c_fit, a_fit, b_fit, rhs_per_step, c


def model(P, N, K, c, a, b, r, Bnode=None, R=None):
    """per-RHS compute and communication seconds and the efficiency; b is 1/B_rank; with Bnode and R,
    ranks past one node share the node's link"""
    P = np.asarray(P, dtype=float)
    lg = np.ceil(np.log2(np.maximum(P, 1)))
    M = 8.0 * (K + 1) * N
    S = np.where(P <= 8, 8.0 * 64 * (1 - 1 / np.sqrt(P)) * N / np.sqrt(P), 8.0 * N)
    lat = a
    beff = b if Bnode is None else np.where(P <= R, b, max(b, R / Bnode))
    tg = np.where(P > 1, 2 * lat * lg + (M + S) * beff, 0.0)
    tr = np.where(P > 1, lat * lg / r, 0.0)
    tc = c * N ** 2 / P
    return tc, tg + tr, (c * N ** 2) / (P * (tc + tg + tr))




def naam_main(a, runs):
    c, lat, b, r, cs = fit(runs)
    K = a.K if a.K is not None else runs[0]["K"]
    print(f"fitted on {len(runs)} runs (K = {runs[0]['K']}, {r:.1f} RHS evaluations per step):")
    print(f"  compute c = {c:.3e} s per synapse per RHS (runs: {', '.join(f'{x:.2e}' for x in cs)})")
    print(f"  collectives on this machine: latency a = {lat:.2e} s, per byte b = {b:.2e} s/B ({1 / b / 1e9:.3f} GB/s)")
    print(f"projection assumes: latency {a.alpha:.1e} s, {a.rank_bandwidth / 1e9:.1f} GB/s into a rank within a node, "
          f"{a.ranks_per_node} ranks per node sharing {a.node_bandwidth / 1e9:.1f} GB/s")
    print("check against the measured runs (model vs measured wall per RHS, ms):")
    for x in sorted(runs, key=lambda x: (x["N"], x["ranks"])):
        tc, tg, _ = model(x["ranks"], x["N"], x["K"], c, lat, b, r)
        meas = (x["rhs_compute_max"] + x["ts_overhead_max"] + x["communication_max"]) / x["rhs_evaluations"]
        print(f"  N {x['N']:6.0f}  P {x['ranks']:3.0f}  model {1e3 * (tc + tg):8.3f}  measured {1e3 * meas:8.3f}")
    Ps = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]
    Ns = [1000, 3000, 10000, 30000, 100000]
    print(f"\nprojected parallel efficiency, K = {K} ('-': P > N; '*': state does not fit in {a.mem_per_rank / 1e9:.0f} GB per rank)")
    print("      N " + "".join(f"{p:>7d}" for p in Ps) + "   E>=0.5 up to")
    curves = {}
    for N in Ns:
        proj = (c, a.alpha, 1.0 / a.rank_bandwidth, r, a.node_bandwidth, a.ranks_per_node)
        _, _, E = model(Ps, N, K, *proj)
        cells = []
        for p, e in zip(Ps, E):
            if p > N:
                cells.append(f"{'-':>7}")
            else:
                cells.append(f"{e:6.2f}" + ("*" if 40.0 * N ** 2 / p > a.mem_per_rank else " "))
        Pfine = np.unique(np.round(np.logspace(0, math.log2(min(N, 1 << 20)), 400, base=2)))
        _, _, Ef = model(Pfine, N, K, *proj)
        half = Pfine[Ef >= 0.5].max() if np.any(Ef >= 0.5) else 1
        curves[N] = (Pfine, Ef)
        print(f"{N:7d} " + "".join(cells) + f"   {half:.0f}")
    if a.figure:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for N, (P, E) in curves.items():
            ax.plot(P, E, label=f"N = {N}")
        ax.axhline(1, color="k", ls="--", lw=0.8, label="ideal")
        ax.axhline(0.5, color="gray", ls=":", lw=0.8)
        ax.axvline(a.ranks_per_node, color="gray", ls="-.", lw=0.8, label=f"one node ({a.ranks_per_node} ranks)")
        ax.set_xscale("log", base=2)
        ax.set_xlim(1, 4096)
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("MPI ranks")
        ax.set_ylabel("projected parallel efficiency")
        ax.set_title(f"naam, K = {K}: compute fitted here, assumed cluster network")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(a.figure, dpi=110)
        print(f"figure: {a.figure}")
    return 0



# ----------------------------------------------------------------------------------------------------------------
# spiking networks

SIC_TH = 0.19669 + 0.001  # uM: astrocyte_lr_1994's default SIC_th, and the 1 nM above it where SIC starts


def attr_str(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def pop_kind(model):
    m = model.lower()
    return "generator" if "generator" in m else "astrocyte" if "astrocyte" in m else "neuron"


def sic_fallback(f, pops, steps):
    """sic_events for builds without it: every astrocyte every step if -network_set starts an astrocyte
    population above the SIC threshold (init.Ca_astro), else none (runs from the default state stay below it
    for the first ~400 ms)"""
    sets = attr_str(f.attrs.get("network_set", ""))
    n = 0
    for name, p in pops.items():
        if p["kind"] != "astrocyte":
            continue
        for kv in sets.split(","):
            k, _, v = kv.partition("=")
            if k.strip() == f"populations.{name}.init.Ca_astro":
                try:
                    n += p["n"] * steps if float(v) > SIC_TH else 0
                except ValueError:
                    pass
    return float(n)


NOT_TIMES = {"exchange_bytes", "peak_rss", "synapse_bytes", "peak_rss_max", "peak_rss_total", "steps", "spikes",
             "slices", "sic_events", "ranks"}


def cpu_share(folder, file, P):
    """the share of P cores a run got (scaling_report.cpu_share: jobs/sweep.sh --local's logs, less MPI's start
    and end), clamped to [0.05, 1]; 1 without the logs"""
    share = scaling_report.cpu_share(folder, file, P)
    return 1.0 if math.isnan(share) else min(1.0, max(share, 0.05))


def load_network(folders, use_share=True):
    """every complete network run of the folders, with its /timing per rank and the network's statistics"""
    runs = []
    for d in folders:
        with open(os.path.join(d, "manifest.tsv")) as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        for row in rows:
            path = os.path.join(d, row["file"])
            try:
                f = h5py.File(path, "r")
            except OSError:
                continue
            with f:
                if attr_str(f.attrs.get("model", "")) != "network" or int(f.attrs.get("complete", 0)) != 1 \
                        or "timing" not in f or "network" not in f:
                    continue
                t = f["timing"].attrs
                P = int(t["ranks"]) if "ranks" in t else int(f.attrs["mpi_ranks"])
                h, dmin = float(f.attrs["resolution"]), float(f.attrs["d_min"])
                M = int(round(dmin / h))
                steps = float(t["steps"])
                slices = float(t["slices"]) if "slices" in t else math.ceil(steps / M)
                pops = {}
                for name, g in f["populations"].items():
                    pops[name] = dict(kind=pop_kind(attr_str(g.attrs["model"])), n=float(g.attrs["n"]),
                                      spikes=float(g.attrs.get("spikes", 0)))
                projs = [dict(src=attr_str(g.attrs["from"]), tgt=attr_str(g.attrs["to"]),
                              syn=attr_str(g.attrs["synapse"]), n=float(g.attrs["synapses"]))
                         for g in f["network"].values() if isinstance(g, h5py.Group)]
                net = f["network"].attrs
                if "per_rank" in f["timing"]:
                    cols = attr_str(f["timing/per_rank"].attrs["columns"]).split()
                    ranks = [dict(zip(cols, map(float, row_))) for row_ in f["timing/per_rank"][:]]
                else:  # older builds: the maxima only
                    ranks = [{k: float(v) for k, v in t.items() if k != "description"}]
                sic = float(t["sic_events"]) if "sic_events" in t else sic_fallback(f, pops, steps)
                r = dict(file=path, P=P, h=h, M=M, steps=steps, slices=slices, pops=pops, projs=projs, ranks=ranks,
                         run=float(t["run"]), spikes=float(t["spikes"]), sic=sic,
                         exchange_bytes=float(t["exchange_bytes"]) if "exchange_bytes" in t else float("nan"),
                         stored=float(net["synapses_stored"]) if "synapses_stored" in net else float("nan"),
                         synapse_bytes=float(net["synapse_bytes"]) if "synapse_bytes" in net else float("nan"),
                         network_set=attr_str(f.attrs.get("network_set", "")))
                opts = attr_str(f.attrs.get("options", "")).split()
                r["astro_stride"] = max([1] + [int(opts[i + 1]) for i, o in enumerate(opts[:-1])
                                               if any(o == f"-{n}_step_multiple" for n, p in pops.items()
                                                      if p["kind"] == "astrocyte") and opts[i + 1].isdigit()])
            r["cpu_share"] = cpu_share(d, row["file"], P) if use_share else 1.0
            if r["cpu_share"] < 1.0:  # what the run would have taken with its cores to itself
                r["run"] *= r["cpu_share"]
                r["ranks"] = [{k: (v * r["cpu_share"] if k not in NOT_TIMES else v) for k, v in q.items()} for q in r["ranks"]]
            runs.append(derive_network(r))
    # repeated configurations: the fastest run (the least disturbed on a shared machine)
    best = {}
    for r in runs:
        key = (r["P"], r["Nn"], r["Na"], r["sic"] > 0, r["network_set"], r["astro_stride"])
        if key not in best or r["run"] < best[key]["run"]:
            best[key] = r
    return sorted(best.values(), key=lambda r: (r["sic"] > 0, r["Nn"], r["P"])), len(runs)


def derive_network(r):
    pops = r["pops"]
    r["Nn"] = sum(p["n"] for p in pops.values() if p["kind"] == "neuron")
    r["Na"] = sum(p["n"] for p in pops.values() if p["kind"] == "astrocyte")
    r["S"] = r["spikes"] / r["slices"]
    r["Q"] = r["sic"] / r["slices"]
    spk = [p for p in r["projs"] if pops[p["src"]]["kind"] == "neuron" and p["syn"] != "sic_connection"]
    sic = [p for p in r["projs"] if p["syn"] == "sic_connection"]
    r["n_sp"], r["n_sic"] = len(spk), len(sic)
    # synapse events of the run: every spike of a source reaches its out-degree in each projection
    r["events"] = sum(pops[p["src"]]["spikes"] * p["n"] / pops[p["src"]]["n"] for p in spk)
    r["k_ev"] = r["events"] / max(r["spikes"], 1.0)
    sic_n = sum(p["n"] for p in sic)
    stored_sic = r["stored"] - sum(p["n"] for p in r["projs"] if p["syn"] != "sic_connection")
    r["k_sic_made"] = not (0 < stored_sic <= sic_n)
    if r["k_sic_made"]:  # no synapses_stored (older builds): the connections made, parallel ones not merged
        stored_sic = sic_n
    r["k_sic"] = stored_sic / r["Na"] if r["Na"] else 0.0
    r["bytes_per_cell"] = r["synapse_bytes"] / max(r["Nn"] + r["Na"], 1.0)
    return r


def nnls(X, y, relative=False):
    """least squares with non-negative coefficients (drops the most negative until none is left); relative:
    each row weighted by 1 / y, so that small runs count as much as large ones"""
    X, y = np.asarray(X, float), np.asarray(y, float)
    if relative:
        w = 1.0 / np.maximum(np.abs(y), 1e-300)
        X, y = X * w[:, None], y * w
    active = list(range(X.shape[1]))
    coef = np.zeros(X.shape[1])
    while active:
        sol, *_ = np.linalg.lstsq(X[:, active], y, rcond=None)
        if np.all(sol >= 0):
            coef[active] = sol
            return coef
        active.pop(int(np.argmin(sol)))
    return coef


def fit_network(runs, max_ranks, sort_sic=False):
    """the per-cell, per-event and per-value constants (dict), from every rank of every run"""
    K = {}
    allpts = []  # (run, its least disturbed rank's times (ranks hold equal shares), neurons, astrocytes per rank)
    for r in runs:
        q = {k: min(x[k] for x in r["ranks"]) for k in r["ranks"][0]}
        allpts.append((r, q, r["Nn"] / r["P"], r["Na"] / r["P"]))
    pts = [p for p in allpts if p[0]["P"] <= max_ranks] or allpts
    split = all("update_neurons" in q for _, q, _, _ in pts)
    if split:
        for kind, col, x in (("n", "update_neurons", 2), ("a", "update_astrocytes", 3)):
            use = [p for p in pts if kind == "n" or p[0]["astro_stride"] == 1] or pts
            X = np.array([[1.0, p[x]] for p in use])
            y = np.array([p[1][col] / p[0]["steps"] for p in use])
            K["a_" + kind], K["b_" + kind] = nnls(X, y, True)
        slow = [p for p in pts if p[0]["astro_stride"] == p[0]["M"]]
        if slow:  # astrocytes integrated once per slice (-A_step_multiple M): per astrocyte and step
            K["b_a_slow"] = float(np.median([(p[1]["update_astrocytes"] / p[0]["steps"] - K["a_a"]) / p[3] for p in slow]))
    else:  # one update time: per cell, the same for both kinds
        X = np.array([[1.0, p[2] + p[3]] for p in pts])
        y = np.array([p[1]["update"] / p[0]["steps"] for p in pts])
        a0, b0 = nnls(X, y, True)
        K.update(a_n=a0 / 2, a_a=a0 / 2, b_n=b0, b_a=b0)
    K["slow_fitted"] = "b_a_slow" in K
    K.setdefault("b_a_slow", K["b_a"])
    if all("generators" in q for _, q, _, _ in pts):
        X = np.array([[p[2]] for p in pts])
        K["b_g"] = float(nnls(X, [p[1]["generators"] / p[0]["steps"] for p in pts], True)[0])
    else:
        K["b_g"] = 0.0
    K["update_split"] = split
    # delivery: spike events and the per-spike work of every projection on every rank; SIC likewise
    if all("deliver_spikes" in q for _, q, _, _ in pts):
        X = [[p[0]["events"] / p[0]["slices"] / p[0]["P"], p[0]["n_sp"] * p[0]["S"]] for p in pts]
        K["c_ev"], K["c_scan"] = nnls(X, [p[1]["deliver_spikes"] / p[0]["slices"] for p in pts], True)
        sp = [p for p in pts if p[0]["Q"] > 0]
        if sp:
            X = [[p[0]["Q"] * p[0]["k_sic"] / p[0]["P"], p[0]["n_sic"] * p[0]["Q"]] for p in sp]
            K["c_sicev"], K["c_sicscan"] = nnls(X, [p[1]["deliver_sic"] / p[0]["slices"] for p in sp], True)
        else:  # no run with SIC: assumed as cheap as a spike's synapse event, and its look-up
            K["c_sicev"], K["c_sicscan"], K["sic_assumed"] = K["c_ev"], 2e-9, True
    else:
        X = [[p[0]["events"] / p[0]["slices"] / p[0]["P"], p[0]["n_sp"] * p[0]["S"],
              p[0]["Q"] * p[0]["k_sic"] / p[0]["P"], p[0]["n_sic"] * p[0]["Q"]] for p in pts]
        K["c_ev"], K["c_scan"], K["c_sicev"], K["c_sicscan"] = nnls(X, [p[1]["deliver"] / p[0]["slices"] for p in pts], True)
    # sort of the gathered lists, on 1 rank (no transfer): exchange without the first collective's wait
    lg = lambda n: n * np.log2(np.maximum(n, 2.0))  # noqa: E731
    one = [p for p in pts if p[0]["P"] == 1]
    wait = lambda q: q.get("exchange_wait", 0.0)  # noqa: E731
    if one:  # qsort of the spikes (and, in builds that sort them, of the SIC values); packing SIC per value
        X = [[1.0, lg(p[0]["S"]), lg(p[0]["Q"]) if sort_sic else 0.0, p[0]["Q"]] for p in one]
        K["c0"], K["c_sort"], K["c_sortq"], K["c_packq"] = nnls(X, [(p[1]["exchange"] - wait(p[1])) / p[0]["slices"]
                                                                     for p in one], True)
    else:
        K["c0"] = K["c_sort"] = K["c_sortq"] = K["c_packq"] = 0.0
    # today's bytes per spike, per SIC value and per rank's header, from exchange_bytes (exact counts)
    withb = [r for r in runs if r["exchange_bytes"] == r["exchange_bytes"]]
    M0 = runs[0]["M"]  # without exchange_bytes: this build's formats (16-byte spikes, SIC rows of an id and M values)
    K["sb"], K["qb"], K["hb"] = 16.0, (8.0 + 8.0 * M0) / M0, 56.0
    nosic = [r for r in withb if r["Q"] == 0]
    if len(nosic) >= 2:  # spikes and headers from the runs without SIC, then SIC from the others
        K["sb"], K["hb"] = nnls([[r["S"], r["P"]] for r in nosic], [r["exchange_bytes"] / r["slices"] for r in nosic])
    sic = [r for r in withb if r["Q"] > 0]
    if sic:
        K["qb"] = float(np.median([(r["exchange_bytes"] / r["slices"] - K["sb"] * r["S"] - K["hb"] * r["P"]) / r["Q"]
                                   for r in sic]))
    # this machine's collectives: what the 2+-rank exchanges add beyond the sort
    multi = [p for p in allpts if p[0]["P"] > 1]
    K["alpha_here"], K["beta_here"], K["wait_here"] = float("nan"), float("nan"), float("nan")
    if multi:
        def vol(r):  # bytes a rank received per slice from the others (older builds: from today's formats)
            b = r["exchange_bytes"] / r["slices"]
            if b != b:
                b = K["sb"] * r["S"] + K["qb"] * r["Q"] + K["hb"] * r["P"]
            return b * (r["P"] - 1) / r["P"]
        X = [[2 * math.ceil(math.log2(p[0]["P"])), vol(p[0])] for p in multi]
        y = [(p[1]["exchange"] - wait(p[1])) / p[0]["slices"] - K["c0"] - K["c_sort"] * lg(p[0]["S"])
             - K["c_sortq"] * lg(p[0]["Q"]) - K["c_packq"] * p[0]["Q"] for p in multi]
        K["alpha_here"], K["beta_here"] = nnls(X, y)
        K["wait_here"] = float(np.median([wait(p[1]) / p[0]["slices"] for p in multi]))
    # a merge pass over the ranks' sorted blocks: the sort's cost per value without its log2 factor
    K["c_merge"] = max(K["c_sort"], 1e-9)  # assumed: a merge pass costs one qsort comparison per spike
    # memory per rank
    if all("peak_rss" in q for _, q, _, _ in pts):
        X = [[1.0, p[2] + p[3]] for p in pts]
        K["r0"], K["r1"] = nnls(X, [p[1]["peak_rss"] for p in pts])
    else:
        K["r0"], K["r1"] = 6e7, 3e4
    # the network per cell (the largest run's)
    big = max(runs, key=lambda r: (r["Nn"] + r["Na"], r["sic"] > 0))
    K.update(phi_n=big["Nn"] / (big["Nn"] + big["Na"]), k_ev=float(np.median([r["k_ev"] for r in runs])),
             k_sic=big["k_sic"], n_sp=big["n_sp"], n_sic=big["n_sic"], M=big["M"], h=big["h"])
    return K


DESIGNS = {  # sb, qb, hb: bytes of a spike, a SIC value, a rank's (node's) header; every: steps between SIC values
    "A": dict(name="before the SIC scatter (2026-12-01 19:00): flat all-gather of spikes and SIC rows, SIC every step",
              kind="flat", sb="today", qb="today", hb="today", every=1, sort="qsort", sicscan="per-projection",
              tm="receiver", overlap=False),
    "A2": dict(name="5d4f16c: flat all-gather of spikes; SIC every step by a static per-rank scatter (8-B values of "
               "the astrocytes with a local target, zeros included)", kind="flat-sic-scatter", sb="today", qb=8,
               hb="today", every=1, sort="qsort-spikes", sicscan="indexed", tm="receiver", overlap=False),
    "A3": dict(name="2026-12-01 19:20: A2, the Tsodyks state stepped by the spike's own rank, its efficacies sent with the "
               "spike (48-B spike records in the benchmark: 4 Tsodyks projections from E)", kind="flat-sic-scatter",
               sb=48, qb=8, hb="today", every=1, sort="qsort-spikes", sicscan="indexed", tm="sender", overlap=False),
    "A4": dict(name="A3 with the astrocytes on a d_min step (-A_step_multiple M): one SIC value per astrocyte "
               "and slice", kind="flat-sic-scatter", sb=48, qb=8, hb="today", every="M", sort="qsort-spikes",
               sicscan="indexed", tm="sender", overlap=False),
    "A3D": dict(name="2026-12-02 morning: A3 with headers and spike records in two levels (D's gather into one shared buffer per "
                "node); 48-B spikes, qsort, SIC by A3's per-rank scatter every step", kind="two-level-sic-scatter",
                sb=48, qb=8, hb="today", every=1, sort="qsort-spikes", sicscan="indexed", tm="sender", overlap=False),
    "A4D": dict(name="A3D with the astrocytes on a d_min step (-A_step_multiple M): A3D, one SIC value per "
                "astrocyte and slice", kind="two-level-sic-scatter", sb=48, qb=8, hb="today", every="M",
                sort="qsort-spikes", sicscan="indexed", tm="sender", overlap=False),
    "A3E": dict(name="today: A3D with the SIC by node (E's scatter: gathered to the node's leader, scattered between "
                "the nodes that need it into one shared window per node), 8-B values every step; a linear sort "
                "of the spikes", kind="two-level-sic-scatter", sic_by_node=True, sb=48, qb=8, hb="today", every=1,
                sort="merge",
                sicscan="indexed", tm="sender", overlap=False),
    "A4E": dict(name="today with the astrocytes on a d_min step (-A_step_multiple M): A3E, one SIC value per "
                "astrocyte and slice", kind="two-level-sic-scatter", sic_by_node=True, sb=48, qb=8, hb="today",
                every="M", sort="merge", sicscan="indexed", tm="sender", overlap=False),
    "A4F": dict(name="today with -exchange_overlap (2026-12-03): A4E exchanged every half slice while the next is "
                "stepped, MPI moved on by tests between the populations' steps (no core of its own), all SIC in the "
                "half slices where the astrocytes step (every other one)", kind="two-level-sic-scatter",
                sic_by_node=True, sb=48, qb=8, hb="today", every="M", sort="merge", sicscan="indexed", tm="sender",
                overlap=True, progress="tests", sic_halves="one"),
    "B": dict(name="compact flat all-gather: SIC once per slice, 8/12-B events, merge, SIC index", kind="flat", sb=8,
              qb=12, hb=16, every="M", sort="merge", sicscan="indexed", tm="receiver", overlap=False),
    "C": dict(name="B, Tsodyks efficacy computed by the sender, sent with the spike", kind="flat", sb=12, qb=12,
              hb=16, every="M", sort="merge", sicscan="indexed", tm="sender", overlap=False),
    "D": dict(name="C, two-level all-gather (one copy per node through its link)", kind="two-level", sb=12, qb=12,
              hb=16, every="M", sort="merge", sicscan="indexed", tm="sender", overlap=False),
    "E": dict(name="D, SIC as a static scatter to the nodes holding its targets (8-B values, no ids)",
              kind="two-level-sparse-sic", sb=12, qb=8, hb=16, every="M", sort="merge", sicscan="indexed",
              tm="sender", overlap=False),
    "F": dict(name="E, exchange overlapped with the update (half slices)", kind="two-level-sparse-sic", sb=12, qb=8,
              hb=16, every="M", sort="merge", sicscan="indexed", tm="sender", overlap=True),
    "S": dict(name="C, flat sparse: events only to the ranks holding targets", kind="sparse", sb=12, qb=12, hb=16,
              every="M", sort="merge", sicscan="indexed", tm="sender", overlap=False),
}


def slice_cost(P, N, d, K, C):
    """seconds per slice on P ranks for N cells (arrays broadcast), by term, for design d; C: the cluster"""
    P = np.asarray(P, float)
    N = np.asarray(N, float)
    M = K["M"]
    nn, na = K["phi_n"] * N / P, (1 - K["phi_n"]) * N / P
    S = K["phi_n"] * N * C["rate"] * M * K["h"] * 1e-3
    m = M if d["every"] == "M" else d["every"]
    if C.get("sic_every"):
        m = C["sic_every"] if d["every"] == "M" else m
    Q = C["sic_fraction"] * (1 - K["phi_n"]) * N * M / m
    R, a, ash = float(C["R"]), C["alpha"], C["alpha_shm"]
    b_a = K["b_a_slow"] if d["every"] == "M" else K["b_a"]  # SIC once per slice: astrocytes on a d_min step
    upd = M * (K["a_n"] + K["b_n"] * nn + K["a_a"] + b_a * na + K["b_g"] * nn)
    if d["overlap"] and d.get("progress", "core") == "core":  # one core of each node progresses MPI (a single
        upd = np.where(P > 1, upd * R / (R - 1), upd)           # rank needs none)
    # what each rank sees of the slice's events, and the SIC values it touches (an index by source reads only
    # those of astrocytes with a local target: 1 - exp(-k_sic / P) of them)
    hit_sp, hit_sic = 1 - np.exp(-K["k_ev"] / P), 1 - np.exp(-K["k_sic"] / P)
    if d["kind"] == "sparse":
        S_seen, Q_seen = S * hit_sp, Q * hit_sic
    elif d["kind"] in ("two-level-sparse-sic", "flat-sic-scatter", "two-level-sic-scatter"):
        S_seen, Q_seen = S, Q * hit_sic
    else:
        S_seen, Q_seen = S, Q
    Q_touch = Q_seen if d["sicscan"] == "per-projection" else Q * hit_sic
    deliver = K["c_ev"] * K["k_ev"] * S / P + K["c_sicev"] * K["k_sic"] * Q / P
    if d["tm"] == "receiver":  # every rank steps the shared Tsodyks state of every spike, in every projection
        deliver = deliver + K["c_scan"] * K["n_sp"] * S_seen
    else:  # the source's rank does, once; the others only look at the spike in each projection
        deliver = deliver + K["c_scan"] * K["n_sp"] * S / P + C["check"] * K["n_sp"] * S_seen
    deliver = deliver + K["c_sicscan"] * Q_touch * (K["n_sic"] if d["sicscan"] == "per-projection" else 1)
    lg = lambda n: n * np.log2(np.maximum(n, 2.0))  # noqa: E731
    if d["sort"] == "qsort":
        sort = K["c0"] + K["c_sort"] * lg(S_seen) + K["c_sortq"] * lg(Q_seen) + K["c_packq"] * Q_seen
    elif d["sort"] == "qsort-spikes":  # the SIC values land in place (a scatter): only the spikes are sorted
        sort = K["c0"] + K["c_sort"] * lg(S_seen)
    else:  # the ranks' blocks are sorted already: one merge pass over the spikes; SIC values indexed by source
        sort = K["c0"] + K["c_merge"] * S_seen
    # the exchange: latency and volume
    L = np.ceil(np.log2(np.maximum(P, 1)))
    nodes = np.ceil(P / R)
    r = np.minimum(P, R)
    beff = np.where(P <= R, 1 / C["B_rank"], np.maximum(1 / C["B_rank"], R / C["B_node"]))
    if d["sb"] == "today":  # the bytes this build sends, as fitted
        d = dict(d, sb=K["sb"], qb=K["qb"] if d["qb"] == "today" else d["qb"], hb=K["hb"])
    elif d["hb"] == "today":
        d = dict(d, hb=K["hb"])
    elif C.get("sic_bytes"):
        d = dict(d, qb=C["sic_bytes"])
    V = S * d["sb"] + Q * d["qb"]
    ncoll, o = C["ncoll"], C["msg_overhead"]
    vol_sic = vol_hdr = 0.0  # the SIC's and the headers' parts of vol (two-level-sic-scatter; sic_halves)
    shm = 2 * ash * np.ceil(np.log2(np.maximum(r, 1)))  # into the node's shared buffer, and the node's barrier
    inter = np.where(P > R, 1.0, 0.0)
    # two-level: the node's link carries one copy of what the other nodes send; each rank then reads from the
    # node's shared buffer what it needs (all spikes, the SIC values of its targets) at B_rank
    own = (S_seen * d["sb"] + Q * hit_sic * d["qb"]) / C["B_rank"]
    if d["kind"] == "flat":
        lat = ncoll * a * L
        vol = (V + d["hb"] * P) * (P - 1) / P * beff
    elif d["kind"] == "flat-sic-scatter":
        # the spikes' two collectives, then the scatter: one round of messages from the owners of the needed
        # astrocytes (N_a hit_sic of them, spread over the ranks)
        need = (1 - K["phi_n"]) * N * hit_sic
        partners = (P - 1) * (1 - np.exp(-need / np.maximum(P - 1, 1)))
        lat = ncoll * a * L + a + o * partners
        vol = ((S * d["sb"] + d["hb"] * P) + Q * hit_sic * d["qb"]) * (P - 1) / P * beff
    elif d["kind"] == "two-level-sic-scatter":
        # the headers (every rank's) and the spikes in two levels, one copy per node through its link, each rank
        # reading all of them from the node's buffer at B_rank; then A3's per-rank SIC scatter, as flat-sic-scatter
        Vsh = S * d["sb"] + d["hb"] * P
        lat = ncoll * (shm + inter * a * np.ceil(np.log2(nodes)))
        vol = Vsh * (1 - r / P) / C["B_node"] + Vsh / C["B_rank"]
        vol_hdr = d["hb"] * P * ((1 - r / P) / C["B_node"] + 1 / C["B_rank"])
        if d.get("sic_by_node"):  # E's SIC: gathered to the leader, scattered between the nodes that need it, read
            # from the node's window: one copy per node through its link, one round of messages between leaders
            Vq = Q * d["qb"] * (1 - np.exp(-K["k_sic"] * r / P))
            lat = lat + shm + inter * (a + o * (nodes - 1))
            vol_sic = Vq * (1 - r / P) / C["B_node"] + Q * hit_sic * d["qb"] / C["B_rank"]
            vol = vol + vol_sic
        else:  # A3's per-rank scatter
            need = (1 - K["phi_n"]) * N * hit_sic
            partners = (P - 1) * (1 - np.exp(-need / np.maximum(P - 1, 1)))
            lat = lat + a + o * partners
            vol = vol + Q * hit_sic * d["qb"] * (P - 1) / P * beff
    elif d["kind"] == "two-level":
        lat = ncoll * (shm + inter * a * np.ceil(np.log2(nodes)))
        vol = (V + d["hb"] * nodes) * (1 - r / P) / C["B_node"] + own
    elif d["kind"] == "two-level-sparse-sic":
        Vs = S * d["sb"]
        Vq = Q * d["qb"] * (1 - np.exp(-K["k_sic"] * r / P))  # SIC of astrocytes with a target in the node
        # the scatter's plan is static (the connectivity is): fixed sizes, one round of messages to the other nodes
        lat = ncoll * (shm + inter * a * np.ceil(np.log2(nodes))) + shm + inter * (a + o * (nodes - 1))
        vol = (Vs + d["hb"] * nodes + Vq) * (1 - r / P) / C["B_node"] + own
    else:  # sparse: persistent neighbour all-to-all with the ranks that hold targets of this rank's cells
        partners = (P - 1) * (1 - np.exp(-(nn * K["k_ev"] + na * K["k_sic"]) / P))
        lat = 2 * (a + o * partners) + a * L  # counts and events with each partner; a tiny collective for the flags
        vol = (S_seen * d["sb"] + Q_seen * d["qb"]) * beff
    comm = np.where(P > 1, lat + vol, 0.0)
    if not d["overlap"]:
        exposed = comm
    elif d.get("sic_halves", "both") == "both":  # two half slices, each hidden behind the other's update
        exposed = np.maximum(0.0, 2 * np.where(P > 1, lat, 0.0) + np.where(P > 1, vol, 0.0) - upd)
    else:  # as built: every collective and all headers in each half slice, half the spikes, all the SIC in one of
        # the two; each behind half the update
        lat1, vsic, vhdr = (np.where(P > 1, x, 0.0) for x in (lat, vol_sic, vol_hdr))
        half = vhdr + (np.where(P > 1, vol, 0.0) - vsic - vhdr) / 2
        exposed = np.maximum(0.0, lat1 + half + vsic - upd / 2) + np.maximum(0.0, lat1 + half - upd / 2)
    total = upd + deliver + sort + exposed
    # memory: what a rank holds of the slice's events (received and unpacked); a node's shared buffer is
    # counted in R equal parts
    if d["kind"] == "flat":
        held = 2 * V
    elif d["kind"] == "sparse":
        held = 2 * (S_seen * d["sb"] + Q_seen * d["qb"])
    elif d["kind"] == "flat-sic-scatter":
        held = 2 * S * d["sb"] + 2 * Q * hit_sic * d["qb"]
    elif d["kind"] == "two-level-sic-scatter":  # the node's buffer (a share), each rank's unpacked copy, SIC
        held = S * d["sb"] / r + S * d["sb"] + 2 * Q * hit_sic * d["qb"]
    else:
        Vq_node = Q * d["qb"] * (1 - np.exp(-K["k_sic"] * r / P)) if d["kind"] == "two-level-sparse-sic" else Q * d["qb"]
        held = 2 * (S * d["sb"] + Vq_node) / r + S * d["sb"]
    mem = K["r0"] + K["r1"] * N / P + held
    return dict(update=upd, deliver=deliver, sort=sort, latency=np.where(P > 1, lat, 0.0),
                volume=np.where(P > 1, vol, 0.0), exposed=exposed, total=total, S=S, Q=Q, mem=mem,
                slice_bytes=V)


def weak_eff(P, N, d, K, C):
    P = np.asarray(P, float)
    return slice_cost(1, N / P, d, K, C)["total"] / slice_cost(P, N, d, K, C)["total"]


def strong_eff(P, N, d, K, C):
    P = np.asarray(P, float)
    return slice_cost(1, N, d, K, C)["total"] / (P * slice_cost(P, N, d, K, C)["total"])


def last_above(Ps, E, level):
    ok = np.asarray(E) >= level
    if ok.all():
        return f">{Ps[-1]:.0f}"
    if not ok[0]:
        return "-"
    return f"{Ps[np.argmin(ok) - 1]:.0f}"


def network_main(a, runs, nloaded):
    if a.constants:  # the constants of an earlier fit, as written by --save-constants (no runs needed)
        with open(a.constants) as f:
            K = json.load(f)
        K = {k: (float("nan") if v is None else v) for k, v in K.items() if not k.startswith("_")}
    else:
        K = fit_network(runs, a.fit_max_ranks, a.sic_sorted)
    if a.save_constants:
        with open(a.save_constants, "w") as f:
            json.dump({k: (None if isinstance(v, float) and v != v else v) for k, v in K.items()}, f, indent=1)
    C = dict(rate=a.rate, sic_fraction=a.sic_fraction, sic_every=a.sic_every, alpha=a.alpha, alpha_shm=a.alpha_shm,
             B_rank=a.rank_bandwidth, B_node=a.node_bandwidth, R=a.ranks_per_node, ncoll=2, msg_overhead=a.msg_overhead,
             check=a.check_cost, sic_bytes=a.sic_bytes)
    nsic = sum(r["sic"] > 0 for r in runs)
    if a.constants:
        print(f"network model, constants from {a.constants} (no fit; the check against runs below uses these)")
    else:
        print(f"network model, fitted on {len(runs)} runs ({nloaded} read; the fastest of each repeated configuration), "
              f"{nsic} with SIC, ranks {sorted({r['P'] for r in runs})}, cells {sorted({int(r['Nn'] + r['Na']) for r in runs})}:")
    sh = [r["cpu_share"] for r in runs] or [1.0]
    if min(sh) < 1.0:
        print(f"  times scaled by each run's share of its cores (user + system over ranks x wall, logs/*.time): "
              f"{min(sh):.2f} .. {max(sh):.2f}, median {float(np.median(sh)):.2f}")
    if K["update_split"]:
        print(f"  neurons     a_n = {K['a_n']:.2e} s per step (their steppers), b_n = {K['b_n']:.2e} s per neuron and step")
        print(f"  astrocytes  a_a = {K['a_a']:.2e} s per step, b_a = {K['b_a']:.2e} s per astrocyte and step")
    else:
        print(f"  cells       (this build has one update time) a = {2 * K['a_n']:.2e} s per step, b = {K['b_n']:.2e} s per cell and step")
    if K["slow_fitted"]:
        print(f"              on a d_min step (-A_step_multiple {K['M']}, designs B-S): {K['b_a_slow']:.2e} s per astrocyte and step")
    else:
        print("              (no run with astrocytes on a d_min step: designs B-S assume today's cost, which flatters them)")
    print(f"  generators  b_g = {K['b_g']:.2e} s per neuron and step (Poisson input)")
    print(f"  delivery    c_ev = {K['c_ev']:.2e} s per spike synapse event, c_scan = {K['c_scan']:.2e} s per spike and "
          f"projection on every rank;\n              c_sicev = {K['c_sicev']:.2e} s per SIC synapse event, "
          f"c_sicscan = {K['c_sicscan']:.2e} s per SIC value and SIC projection")
    if K.get("sic_assumed"):
        print("              (no run with SIC values: c_sicev = c_ev and c_sicscan = 2 ns assumed; add runs with "
              "-network_set populations.A.init.Ca_astro=0.3)")
    print(f"  exchange    c0 = {K['c0']:.2e} s per slice, qsort of the spikes c_sort = {K['c_sort']:.2e} s per spike x log2(spikes), "
          f"of SIC values {K['c_sortq']:.2e} s per value x log2(values), SIC packing/unpacking {K['c_packq']:.2e} s per value;\n"
          f"              today's bytes: {K['sb']:.1f} per spike, {K['qb']:.1f} per SIC value, {K['hb']:.1f} per rank's header")
    print(f"  memory      peak RSS per rank {K['r0'] / 1e6:.0f} MB + {K['r1'] / 1e3:.1f} kB per cell")
    print(f"  this machine's exchange (oversubscribed, shared; not used for the projection): alpha {K['alpha_here']:.2e} s per "
          f"stage, {K['beta_here']:.2e} s/B ({1e-9 / K['beta_here'] if K['beta_here'] > 0 else float('inf'):.2f} GB/s); "
          f"first collective's wait {K['wait_here'] * 1e6:.0f} us per slice")
    print(f"  the network: {100 * K['phi_n']:.0f} % neurons, k_ev = {K['k_ev']:.0f} synapse events per spike, "
          f"k_sic = {K['k_sic']:.1f} SIC synapses per astrocyte, {K['n_sp']} spiking and {K['n_sic']} SIC projections, "
          f"M = {K['M']} steps per slice (d_min {K['M'] * K['h']:g} ms)")
    here = dict(C, alpha=K["alpha_here"], B_rank=1 / K["beta_here"] if K["beta_here"] > 0 else 1e12,
                B_node=1 / K["beta_here"] if K["beta_here"] > 0 else 1e12, R=2)
    if any(r["k_sic_made"] for r in runs if r["Na"]):
        print("  (no /network synapses_stored in some runs: k_sic counts the SIC connections made, before parallel ones "
              "are merged; too high for SIC delivery)")
    print("check against the runs, this machine's constants (per slice, us: model / measured; update includes generators):")
    print("     cells  P  sic/slice   update           deliver          exchange         run")
    for r in runs:
        Cr = dict(here, rate=r["spikes"] / r["Nn"] / (r["steps"] * r["h"] * 1e-3), sic_fraction=r["Q"] / r["Na"] / r["M"] if r["Na"] else 0,
                  sic_every=1, R=max(2, r["P"]))
        K1 = dict(K, k_ev=r["k_ev"], k_sic=r["k_sic"], phi_n=r["Nn"] / (r["Nn"] + r["Na"]),
                  b_a=K["b_a_slow"] if r["astro_stride"] == r["M"] else K["b_a"])
        m = slice_cost(r["P"], r["Nn"] + r["Na"], DESIGNS["A"], K1, Cr)
        q = max(r["ranks"], key=lambda x: x.get("update", 0))
        g = lambda k: max(x.get(k, float("nan")) for x in r["ranks"]) / r["slices"] * 1e6  # noqa: E731
        meas_upd = g("update") + g("generators") if "generators" in q else g("update")
        print(f"  {r['Nn'] + r['Na']:8.0f} {r['P']:2d} {r['Q']:10.0f}  {1e6 * m['update']:7.1f} / {meas_upd:6.1f}  "
              f"{1e6 * m['deliver']:7.1f} / {g('deliver'):6.1f}  {1e6 * (m['sort'] + m['latency'] + m['volume']):7.1f} / "
              f"{g('exchange'):6.1f}  {1e6 * m['total']:7.1f} / {r['run'] / r['slices'] * 1e6:6.1f}")
    print(f"\nprojection assumes: rate {a.rate:g} Hz, SIC fraction {a.sic_fraction:g}, alpha {a.alpha:.1e} s per stage "
          f"(shared memory {a.alpha_shm:.1e}), {a.rank_bandwidth / 1e9:.1f} GB/s into a rank within a node, "
          f"{a.ranks_per_node} ranks per node sharing {a.node_bandwidth / 1e9:.1f} GB/s, 2 collectives per slice, "
          f"in-degrees and rates independent of the size (scale keeps them), perfect balance, no other load")
    Ps = np.array([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096], float)
    Ns = [1e5, 1e6, 1e7, 1e8]
    print("\nweak scaling to 1024 ranks (cells per rank = N / 1024), per design: efficiency E_w(1024), wall s per biological s "
          "at 1024 ranks, and up to how many ranks E_w >= 0.7 with N / 1024 cells per rank")
    print("  design " + "".join(f"  N={N:.0e}: E   s/bio-s  E>=.7 " for N in Ns))
    for key, d in DESIGNS.items():
        cells = []
        for N in Ns:
            E = weak_eff(1024, N, d, K, C)
            t = slice_cost(1024, N, d, K, C)
            Ef = weak_eff(Ps, N / 1024 * Ps, d, K, C)
            flag = "!" if key == "A" and float(t["slice_bytes"]) >= 2 ** 31 else "*" if float(t["mem"]) > a.mem_per_rank else " "
            cells.append(f"  {float(E):9.3f}{flag} {float(t['total']) / (K['M'] * K['h'] * 1e-3):8.3g} {last_above(Ps, Ef, 0.7):>6}")
        print(f"  {key:6} " + "".join(cells) + f"   {d['name']}")
    E6 = {k: float(weak_eff(1024, 1e6, d, K, C)) for k, d in DESIGNS.items()}
    print(f"\n=> 1024 ranks, 10^6 cells: weak-scaling efficiency today (A3E) {E6['A3E']:.3f}, with -A_step_multiple "
          f"M (A4E) {E6['A4E']:.3f}, before the SIC scatter (A) {E6['A']:.3f}; "
          + ", ".join(f"{k} {v:.2f}" for k, v in E6.items() if k not in ("A", "A3E", "A4E")))
    C0 = dict(C, sic_fraction=0.0)
    print("   (with every astrocyte below threshold, as in the benchmark's first ~0.5 s: "
          + ", ".join(f"{k} {float(weak_eff(1024, 1e6, DESIGNS[k], K, C0)):.2f}" for k in ("A3E", "A4E", "A3D", "A3", "A2", "A")) + ")")
    dd = DESIGNS[a.design]
    fast = dict(K, b_n=K["b_n"] / 2, b_a=K["b_a"] / 2, b_a_slow=K["b_a_slow"] / 2, b_g=K["b_g"] / 2, a_n=K["a_n"] / 2,
                a_a=K["a_a"] / 2)
    cases = [("as assumed", K, C), ("cell updates 2x faster", fast, C),
             ("node link 12.5 GB/s", K, dict(C, B_node=C["B_node"] / 2)), ("latency 5 us", K, dict(C, alpha=5e-6)),
             ("rate 10 Hz", K, dict(C, rate=2 * C["rate"])), ("32 ranks per node", K, dict(C, R=32)),
             ("4-byte SIC values (float32, --sic-bytes 4)", K, dict(C, sic_bytes=4)),
             ("astrocytes on a 2 ms step (--sic-every 20)", K, dict(C, sic_every=2 * K["M"])),
             ("SIC every step (--sic-every 1)", K, dict(C, sic_every=1))]
    print(f"   sensitivity of design {a.design}, 1024 ranks, 10^6 cells: "
          + "; ".join(f"{lab} {float(weak_eff(1024, 1e6, dd, k_, c_)):.2f}" for lab, k_, c_ in cases))
    d = DESIGNS[a.design]
    for label, eff, xs in (("weak", weak_eff, [1e2, 1e3, 1e4, 1e5]), ("strong", strong_eff, Ns)):
        for key in (["A", a.design] if a.design != "A" else ["A"]):
            dd = DESIGNS[key]
            if label == "weak":
                print(f"\n{label} scaling, design {key} ({dd['name']}): E_w(P) with n cells per rank "
                      "('*': over the memory per rank, '!': a slice over 2 GB)")
                print("       n " + "".join(f"{int(p):>7d}" for p in Ps))
            else:
                print(f"\n{label} scaling, design {key}: E_s(P) for N cells")
                print("       N " + "".join(f"{int(p):>7d}" for p in Ps))
            for x in xs:
                Ntot = x * Ps if label == "weak" else np.full_like(Ps, x)
                E = eff(Ps, Ntot, dd, K, C)
                t = slice_cost(Ps, Ntot, dd, K, C)
                row = []
                for e_, m_, b_ in zip(E, t["mem"], t["slice_bytes"]):
                    fl = "!" if key == "A" and b_ >= 2 ** 31 else "*" if m_ > a.mem_per_rank else " "
                    row.append(f"{e_:6.2f}{fl}")
                print(f"{x:8.0e} " + "".join(row))
    # where the all-gather stops: the terms at 1024 ranks, 10^6 cells
    print("\nslice at 1024 ranks, 10^6 cells, by term (us): update, delivery, sort/merge, latency, volume -> total")
    for key, dd in DESIGNS.items():
        t = slice_cost(1024, 1e6, dd, K, C)
        print(f"  {key}: {1e6 * float(t['update']):8.1f} {1e6 * float(t['deliver']):8.1f} {1e6 * float(t['sort']):10.1f} "
              f"{1e6 * float(t['latency']):8.1f} {1e6 * float(t['volume']):10.1f} -> {1e6 * float(t['total']):10.1f}"
              + ("  (overlapped: exposed exchange %.1f)" % (1e6 * float(t['exposed'])) if dd["overlap"] else ""))
    fig_path = a.network_figure
    if fig_path:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        Pf = np.unique(np.round(np.logspace(0, 12, 300, base=2)))
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 5.6))
        for N, ls in zip(Ns, ["-", "--", "-.", ":"]):
            for key, col in (("A", "C3"), (a.design, "C0")):
                a1.plot(Pf, weak_eff(Pf, N / 1024 * Pf, DESIGNS[key], K, C), ls=ls, color=col,
                        label=f"{key}, {N / 1024:.0f} cells per rank")
        a1.axhline(0.7, color="gray", lw=0.8, ls=":")
        a1.axvline(1024, color="gray", lw=0.8)
        a1.set_title(f"weak scaling: today (A, red) and {a.design} (blue)")
        a1.set_ylabel("projected weak-scaling efficiency")
        for key, mk in zip(DESIGNS, "os^vDx*"):
            a2.plot(Ns, [float(weak_eff(1024, N, DESIGNS[key], K, C)) for N in Ns], marker=mk, label=f"{key}: {DESIGNS[key]['name']}")
        a2.axhline(0.7, color="gray", lw=0.8, ls=":", label="target 0.7")
        a2.set_xscale("log")
        a2.set_xlabel("cells at 1024 ranks")
        a2.set_title("weak-scaling efficiency at 1024 ranks")
        for ax in (a1, a2):
            ax.set_ylim(0, 1.05)
            ax.grid(alpha=0.3)
        a1.legend(fontsize=6, loc="lower left")
        a2.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.13))
        a1.set_xscale("log", base=2)
        a1.set_xlabel("MPI ranks")
        fig.suptitle(f"astrocyte Brunel network: fitted here; assumed cluster ({a.ranks_per_node} ranks/node, "
                     f"{a.node_bandwidth / 1e9:g} GB/s per node, alpha {a.alpha * 1e6:g} us), {a.rate:g} Hz, SIC fraction {a.sic_fraction:g}",
                     fontsize=9)
        fig.tight_layout()
        fig.savefig(fig_path, dpi=110)
        print(f"figure: {fig_path}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].split("\n", 1)[0] + " " +
                                 " ".join(__doc__.split("\n\n")[0].split("\n")[1:]),
                                 epilog="The models, their fits and the designs are described at the top of "
                                        "analysis/scaling_model.py and in docs/scaling.md.")
    ap.add_argument("studies", nargs="*", help="study folders of jobs/sweep.sh (manifest.tsv and the runs)")
    ap.add_argument("--constants", help="networks: project with the constants in this JSON file (from "
                                        "--save-constants) instead of fitting; then no study folder is needed")
    ap.add_argument("--save-constants", help="networks: write the constants used (fitted or read) to this JSON file")
    ap.add_argument("--figure", help="naam: the projection's figure (PNG); with network runs only, the network's")
    ap.add_argument("--network-figure", help="networks: the projection's figure (PNG)")
    ap.add_argument("--alpha", type=float, default=2e-6, help="latency per collective stage across nodes (s)")
    ap.add_argument("--rank-bandwidth", type=float, default=5e9, help="bytes/s into one rank within a node")
    ap.add_argument("--node-bandwidth", type=float, default=2.5e10, help="bytes/s through one node's link")
    ap.add_argument("--ranks-per-node", type=int, default=64)
    ap.add_argument("--mem-per-rank", type=float, default=2e9, help="bytes")
    ap.add_argument("--K", type=int, default=None, help="naam: patterns for the projection (default: the measured K)")
    ap.add_argument("--rate", type=float, default=5.0, help="networks: mean neuron rate for the projection (Hz)")
    ap.add_argument("--sic-fraction", type=float, default=1.0,
                    help="networks: fraction of astrocytes above the SIC threshold (0..1)")
    ap.add_argument("--sic-every", type=int, default=None,
                    help="networks, designs B-S: steps between SIC values (default: a slice, d_min)")
    ap.add_argument("--sic-bytes", type=float, default=None,
                    help="networks, designs B-S: bytes of a SIC value on the wire (default: 12, a 32-bit id and a double; "
                         "E, F: 8, the double alone)")
    ap.add_argument("--alpha-shm", type=float, default=3e-7, help="networks: latency per shared-memory stage (s)")
    ap.add_argument("--msg-overhead", type=float, default=5e-7,
                    help="networks, sparse designs: seconds per message posted beyond the first's latency")
    ap.add_argument("--check-cost", type=float, default=2e-9,
                    help="networks, designs C-S: seconds per spike and projection on a receiving rank (a look-up)")
    ap.add_argument("--sic-sorted", action="store_true",
                    help="networks: the build sorts the gathered SIC values (builds before the SIC rows of "
                         "2026-12-01): fit a Q log2 Q term for them")
    ap.add_argument("--fit-max-ranks", type=int, default=2,
                    help="networks: per-cell and per-event constants from runs on at most this many ranks (more: "
                         "oversubscribed here, only for the exchange)")
    ap.add_argument("--cpu-share", default="auto", choices=["auto", "off"],
                    help="networks: scale each run's times by the share of the cores it got (jobs/sweep.sh --local's "
                         "logs/<run>.time), auto when present")
    ap.add_argument("--design", default="F", choices=sorted(DESIGNS), help="networks: design of the full tables")
    a = ap.parse_args()
    for name in ("alpha", "rank_bandwidth", "node_bandwidth", "mem_per_rank", "rate", "alpha_shm", "msg_overhead",
                 "check_cost"):
        if not getattr(a, name) > 0:
            ap.error(f"--{name.replace('_', '-')} {getattr(a, name)}: must be positive")
    if a.ranks_per_node < 2:
        ap.error(f"--ranks-per-node {a.ranks_per_node}: must be at least 2")
    if not 0 <= a.sic_fraction <= 1:
        ap.error(f"--sic-fraction {a.sic_fraction}: must be in 0..1")
    if a.fit_max_ranks < 1:
        ap.error(f"--fit-max-ranks {a.fit_max_ranks}: must be at least 1")
    if a.sic_every is not None and a.sic_every < 1:
        ap.error(f"--sic-every {a.sic_every}: must be at least 1")
    for d in a.studies:
        if not os.path.isfile(os.path.join(d, "manifest.tsv")):
            ap.error(f"{d}: no manifest.tsv (not a study folder of jobs/sweep.sh)")
    if not a.studies and not a.constants:
        ap.error("give study folders, or --constants FILE for a network projection without runs")
    runs = load(a.studies) if a.studies else []
    nets, nloaded = load_network(a.studies, a.cpu_share == "auto") if a.studies else ([], 0)
    if a.constants and not runs:
        return network_main(a, nets, nloaded)
    if not runs and not nets:
        print("scaling_model: no complete run with /timing in " + " ".join(a.studies), file=sys.stderr)
        return 1
    rc = 0
    if runs:
        rc |= naam_main(a, runs)
    if nets:
        if runs:
            print()
        if not a.network_figure and not runs:
            a.network_figure = a.figure
        rc |= network_main(a, nets, nloaded)
    return rc


if __name__ == "__main__":
    sys.exit(main())
