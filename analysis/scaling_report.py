#!/usr/bin/python3
"""Scaling report of a nastro study folder (jobs/sweep.sh): tables and strong-/weak-scaling figures, of naam
runs and of spiking-network runs (both may share a folder).

usage: /usr/bin/python3 analysis/scaling_report.py STUDY_DIR [--figdir DIR] [--prefix NAME]

Reads STUDY_DIR/manifest.tsv (study, ranks, N, file, job[, scale]) and each run's /timing record
(docs/output-format.md); a run is a network run when its root attribute model is "network".
naam runs, one line each:
  study, ranks, N, steps, RHS evaluations, wall (wall_max, s), speed-up, parallel efficiency,
  communication share (communication_max / wall_max), bytes gathered per step.
  Speed-up and efficiency are relative to the study's smallest rank count p0:
    strong (fixed N):  S(p) = p0 T(p0) / T(p),  E(p) = S(p) / p
    weak (N^2/p fixed): E(p) = t(p0) / t(p), with t = wall per RHS evaluation (runs of different N may take
                        different numbers of steps), S(p) = E(p) p / p0
  Table also in STUDY_DIR/scaling.tsv (full precision); figures FIGDIR/PREFIX-strong.png, PREFIX-weak.png.
network runs, one line each:
  study, ranks, scale, cells, wall of the slices (/timing run, s), wall per biological second (run / t_stop),
  speed-up, efficiency, shares of the run in the cell update (update + generators), the exchange (gathers,
  sort), its first collective's wait (exchange_wait: latency and the wait for the slowest rank) and the
  delivery, spikes and SIC values per slice (d_min), kB each rank received per slice (exchange_bytes), and
  (runs of jobs/sweep.sh --local, from logs/<run>.time less logs/probe-p<P>.time, a run of one step) the
  share of its cores the run got: (user + system seconds) / (ranks x wall); well below 1 on a machine shared
  with other work, whose walls are then inflated.
  A study is the runs of one kind (strong, weak) with the same network file and -network_set (but its scale);
  strong studies are further grouped by scale:
    strong (fixed scale):       S(p) = p0 T(p0) / T(p), E(p) = S(p) / p
    weak (scale grown with p):  E(p) = T(p0) / T(p), S(p) = E(p) p / p0
  with T = wall per biological second. Builds whose /timing lacks slices, sic_events, exchange_bytes or
  exchange_wait get slices = steps / (d_min / resolution) and, for the others, "nan" (exchange_bytes:
  estimated as 16 B a spike x (p - 1) / p, marked ~ in the table).
  Table also in STUDY_DIR/scaling_network.tsv; figures FIGDIR/PREFIX-network-strong.png, -network-weak.png.
Default FIGDIR = STUDY_DIR, PREFIX = scaling; each figure has the ideal line.
Runs whose output is missing, incomplete (complete != 1), without /timing, or whose ranks (or scale) differ
from the manifest's are listed and left out; the exit status is 1 if any run was left out or nothing could
be read.
"""
import argparse
import csv
import math
import os
import sys

import h5py
import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

FIELDS = ["wall_max", "wall_min", "setup_max", "rhs_compute_max", "communication_max", "ts_overhead_max",
          "output_max", "checkpoint_max", "steps", "rhs_evaluations", "comm_bytes_per_step", "ranks", "N"]


def read_study(folder):
    """the folder's naam runs, network runs and the problems of the others"""
    runs, nets, problems = [], [], []
    manifest = os.path.join(folder, "manifest.tsv")
    if not os.path.isfile(manifest):
        return runs, nets, [f"{manifest}: no such file (is {folder} a study folder of jobs/sweep.sh?)"]
    with open(manifest) as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            path = os.path.join(folder, row["file"])
            try:
                with h5py.File(path, "r") as f:
                    if int(f.attrs.get("complete", 0)) != 1:
                        problems.append(f"{row['file']}: incomplete (complete != 1)")
                        continue
                    if "timing" not in f:
                        problems.append(f"{row['file']}: no /timing record")
                        continue
                    if attr_str(f.attrs.get("model", "")) == "network":
                        r, why = read_network_run(f, row)
                        if why:
                            problems.append(f"{row['file']}: {why}")
                        else:
                            nets.append(r)
                        continue
                    t = {k: float(f["timing"].attrs[k]) for k in FIELDS}
            except (OSError, KeyError) as e:
                problems.append(f"{row['file']}: {e}")
                continue
            if int(t["ranks"]) != int(row["ranks"]) or int(t["N"]) != int(row["N"]):
                problems.append(f"{row['file']}: /timing says ranks {int(t['ranks'])}, N {int(t['N'])}; "
                                f"the manifest says {row['ranks']}, {row['N']}")
                continue
            runs.append(dict(study=row["study"], file=row["file"], **t))
    return runs, nets, problems


def attr_str(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def set_value(network_set, key):
    """KEY's value in a -network_set string (root attribute network_set), or None"""
    for kv in network_set.split(","):
        k, _, v = kv.partition("=")
        if k.strip() == key:
            return v.strip()
    return None


def read_network_run(f, row):
    """one network run's numbers from its open output file (h5py) and its manifest row; (run, None) or
    (None, why it is left out)"""
    t = f["timing"].attrs
    nan = float("nan")
    g = lambda k, d=nan: float(t[k]) if k in t else d  # noqa: E731
    ranks = int(g("ranks", float(f.attrs.get("mpi_ranks", 0))))
    if ranks != int(row["ranks"]):
        return None, f"the output says {ranks} ranks, the manifest {row['ranks']}"
    scale = set_value(attr_str(f.attrs.get("network_set", "")), "scale")
    scale = float(scale) if scale is not None else float(f.attrs.get("scale", 1.0))
    ms = (row.get("scale") or "-").strip()
    if ms not in ("-", "") and abs(float(ms) - scale) > 1e-9 * max(1.0, scale):
        return None, f"the output's -network_set says scale {scale:g}, the manifest {ms}"
    h, dmin = float(f.attrs["resolution"]), float(f.attrs.get("d_min", nan))
    steps = g("steps")
    slices = g("slices", math.ceil(steps / round(dmin / h)) if dmin == dmin else nan)
    sets = ",".join(kv for kv in attr_str(f.attrs.get("network_set", "")).split(",") if not kv.strip().startswith("scale="))
    r = dict(study=row["study"], file=row["file"], ranks=ranks, scale=scale, network=attr_str(f.attrs.get("network", "")),
             sets=sets,
             cells=float(f["network"].attrs["cells"]) if "network" in f else nan, steps=steps, slices=slices,
             bio_s=steps * h * 1e-3, run=g("run"), update=g("update") + g("generators", 0.0), exchange=g("exchange"),
             wait=g("exchange_wait"), deliver=g("deliver"), spikes=g("spikes"), sic_events=g("sic_events"),
             exchange_bytes=g("exchange_bytes"), bytes_estimated=False, cpu=nan)
    r["cpu"] = cpu_share(os.path.dirname(f.filename), row["file"], ranks)
    if r["exchange_bytes"] != r["exchange_bytes"]:  # older builds: spikes only, 16 bytes each
        r["exchange_bytes"] = 16.0 * r["spikes"] * (ranks - 1) / ranks
        r["bytes_estimated"] = True
    return r, None


def read_time(path):
    """wall and CPU (user + system) seconds from /usr/bin/time -f "%e %U %S" -o PATH (its last line), or None"""
    try:
        with open(path) as fh:
            e, u, s = map(float, fh.read().strip().split("\n")[-1].split()[-3:])
        return e, u + s
    except (OSError, ValueError, IndexError):
        return None


def cpu_share(folder, file, P):
    """the share of its P cores a run of jobs/sweep.sh --local got: CPU / (P wall) from logs/<run>.time, less a
    run of one step (logs/probe-p<P>.time: MPI's start and end); nan without it"""
    run = read_time(os.path.join(folder, "logs", os.path.splitext(file)[0] + ".time"))
    if run is None:
        return float("nan")
    e, c = run
    probe = read_time(os.path.join(folder, "logs", f"probe-p{P}.time"))
    if probe is not None and e - probe[0] > 0.1 * e:
        e, c = e - probe[0], c - probe[1]
    return c / (P * e) if e > 0 else float("nan")


def derive_network(nets):
    """speed-up and efficiency (strong: per scale; weak: per network file), shares, per-slice numbers"""
    for r in nets:
        r["s_per_bio_s"] = r["run"] / r["bio_s"]
        for k in ("update", "exchange", "wait", "deliver"):
            r[k + "_share"] = r[k] / r["run"]
        r["spikes_per_slice"] = r["spikes"] / r["slices"]
        r["sic_per_slice"] = r["sic_events"] / r["slices"]
        r["kB_per_slice"] = r["exchange_bytes"] / r["slices"] / 1e3
    groups = {}
    for r in nets:  # a study: its kind, network file and -network_set but the scale (and, strong, its scale)
        key = (r["study"], r["network"], r["sets"], r["scale"] if r["study"] != "weak" else None)
        groups.setdefault(key, []).append(r)
    for (study, _, _, _), rs in groups.items():
        rs.sort(key=lambda x: x["ranks"])
        base = rs[0]
        p0 = base["ranks"]
        for r in rs:
            p = r["ranks"]
            if study == "weak":
                r["efficiency"] = base["s_per_bio_s"] / r["s_per_bio_s"]
                r["speedup"] = r["efficiency"] * p / p0
            else:
                r["speedup"] = p0 * base["s_per_bio_s"] / r["s_per_bio_s"]
                r["efficiency"] = r["speedup"] / p
            r["p0"] = p0
    return nets


NET_COLUMNS = [("study", "study", "{}"), ("ranks", "ranks", "{:.0f}"), ("scale", "scale", "{:g}"),
               ("cells", "cells", "{:.0f}"), ("run", "wall_s", "{:.3f}"), ("s_per_bio_s", "s_per_bio_s", "{:.3f}"),
               ("speedup", "speedup", "{:.2f}"), ("efficiency", "efficiency", "{:.2f}"),
               ("update_share", "update", "{:.3f}"), ("exchange_share", "exchange", "{:.3f}"),
               ("wait_share", "wait", "{:.3f}"), ("deliver_share", "deliver", "{:.3f}"),
               ("spikes_per_slice", "spikes/slice", "{:.1f}"), ("sic_per_slice", "sic/slice", "{:.0f}"),
               ("kB_per_slice", "kB/slice", "{:.1f}"), ("cpu", "cpu", "{:.2f}")]


def print_net_table(nets, out):
    heads = [h for _, h, _ in NET_COLUMNS]
    rows = []
    for r in nets:
        row = [fmt.format(r[k]) for k, _, fmt in NET_COLUMNS]
        if r["bytes_estimated"]:
            k = [c for c, _, _ in NET_COLUMNS].index("kB_per_slice")
            row[k] = "~" + row[k]
        rows.append(row)
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(heads)]
    print("  ".join(h.rjust(w) for h, w in zip(heads, widths)), file=out)
    for row in rows:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths)), file=out)


def net_figure(nets, study, path):
    rs = [r for r in nets if r["study"] == study]
    if not rs:
        return False
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    groups = {}
    for r in rs:
        groups.setdefault((os.path.basename(r["network"]), r["scale"] if study != "weak" else None, r["sets"]), []).append(r)
    allp = sorted({r["ranks"] for r in rs})
    several = len({k[2] for k in groups}) > 1
    for (net, scale, sets), g in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0, kv[0][2])):
        g.sort(key=lambda x: x["ranks"])
        p = np.array([x["ranks"] for x in g], dtype=float)
        lab = f"scale {scale:g}" if study != "weak" else f"{net}, scale " + ", ".join(f"{x['scale']:g}" for x in g)
        if several:
            lab += f" [{sets}]"
        if study == "strong":
            line, = a1.plot(p, [x["speedup"] for x in g], "o-", label=lab)
            a1.plot(p, p / p[0], "--", color=line.get_color(), lw=0.8)
        else:
            line, = a1.plot(p, [x["s_per_bio_s"] for x in g], "o-", label=lab)
            a1.axhline(g[0]["s_per_bio_s"], color=line.get_color(), ls="--", lw=0.8)
        a2.plot(p, [x["efficiency"] for x in g], "o-", color=line.get_color(), label=f"efficiency, {lab}")
        a2.plot(p, [x["exchange_share"] for x in g], "s:", color=line.get_color(), label=f"exchange share, {lab}")
    if study == "strong":
        a1.set_ylabel("speed-up over the smallest rank count (dashed: ideal)")
        a1.set_title("network, strong scaling")
    else:
        a1.set_ylabel("wall s per biological s (dashed: ideal)")
        a1.set_title("network, weak scaling (scale grown with ranks)")
        a1.set_ylim(bottom=0)
    a2.axhline(1.0, color="k", ls="--", lw=0.8)
    a2.set_ylim(0, 1.15)
    a2.set_title("efficiency and exchange share of the run")
    for a in (a1, a2):
        a.set_xlabel("MPI ranks")
        a.set_xticks(allp)
        a.set_xticklabels([f"{x:.0f}" for x in allp])
        a.grid(alpha=0.3)
        a.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def derive(runs):
    for study in sorted({r["study"] for r in runs}):
        rs = sorted((r for r in runs if r["study"] == study), key=lambda r: r["ranks"])
        base = rs[0]
        p0 = base["ranks"]
        for r in rs:
            p = r["ranks"]
            if study == "weak":
                eff = (base["wall_max"] / base["rhs_evaluations"]) / (r["wall_max"] / r["rhs_evaluations"])
                r["speedup"] = eff * p / p0
                r["efficiency"] = eff
            else:
                r["speedup"] = p0 * base["wall_max"] / r["wall_max"]
                r["efficiency"] = r["speedup"] / p
            r["comm_share"] = r["communication_max"] / r["wall_max"]
    return runs


COLUMNS = [("study", "study", "{}"), ("ranks", "ranks", "{:.0f}"), ("N", "N", "{:.0f}"), ("steps", "steps", "{:.0f}"),
           ("rhs_evaluations", "rhs", "{:.0f}"), ("wall_max", "wall_s", "{:.3f}"), ("speedup", "speedup", "{:.2f}"),
           ("efficiency", "efficiency", "{:.2f}"), ("comm_share", "comm_share", "{:.3f}"),
           ("comm_bytes_per_step", "bytes_per_step", "{:.0f}")]


def print_table(runs, out):
    heads = [h for _, h, _ in COLUMNS]
    rows = [[fmt.format(r[k]) for k, _, fmt in COLUMNS] for r in runs]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(heads)]
    print("  ".join(h.rjust(w) for h, w in zip(heads, widths)), file=out)
    for row in rows:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths)), file=out)


def figure(runs, study, path):
    rs = sorted((r for r in runs if r["study"] == study), key=lambda r: r["ranks"])
    if not rs:
        return False
    p = np.array([r["ranks"] for r in rs])
    p0 = p[0]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    if study == "strong":
        a1.plot(p, [r["speedup"] for r in rs], "o-", label="measured")
        a1.plot(p, p / p0, "k--", label="ideal")
        a1.set_ylabel(f"speed-up over {p0:.0f} rank(s)")
        a1.set_title(f"strong scaling, N = {rs[0]['N']:.0f}")
        if len(p) > 1 and p[-1] / p0 >= 4:
            a1.set_xscale("log", base=2)
            a1.set_yscale("log", base=2)
    else:
        a1.plot(p, [r["wall_max"] / r["rhs_evaluations"] * 1e3 for r in rs], "o-", label="measured")
        a1.axhline(rs[0]["wall_max"] / rs[0]["rhs_evaluations"] * 1e3, color="k", ls="--", label="ideal")
        a1.set_ylabel("wall per RHS evaluation (ms)")
        a1.set_title("weak scaling, N = " + ", ".join(f"{r['N']:.0f}" for r in rs))
        a1.set_ylim(bottom=0)
    a2.plot(p, [r["efficiency"] for r in rs], "o-", label="parallel efficiency")
    a2.plot(p, [r["comm_share"] for r in rs], "s:", label="communication share")
    a2.axhline(1.0, color="k", ls="--", label="ideal efficiency")
    a2.set_ylim(0, 1.15)
    a2.set_title("efficiency and communication share")
    for a in (a1, a2):
        a.set_xlabel("MPI ranks")
        a.set_xticks(p)
        a.set_xticklabels([f"{x:.0f}" for x in p])
        a.grid(alpha=0.3)
        a.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write_tsv(path, columns, rows):
    """the table at full precision: one line per run, the columns' headers, then the run's file"""
    with open(path, "w") as fh:
        fh.write("\t".join([h for _, h, _ in columns] + ["file"]) + "\n")
        for r in rows:
            fh.write("\t".join([str(r[k]) for k, _, _ in columns] + [r["file"]]) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("study")
    ap.add_argument("--figdir")
    ap.add_argument("--prefix", default="scaling")
    a = ap.parse_args()
    if not os.path.isdir(a.study):
        print(f"scaling_report: {a.study}: no such folder", file=sys.stderr)
        return 1
    runs, nets, problems = read_study(a.study)
    for p in problems:
        print(f"scaling_report: left out {p}", file=sys.stderr)
    if not runs and not nets:
        print("scaling_report: no complete run with a /timing record", file=sys.stderr)
        return 1
    figdir = a.figdir or a.study
    os.makedirs(figdir, exist_ok=True)
    if runs:
        runs = derive(runs)
        runs.sort(key=lambda r: (r["study"], r["ranks"]))
        print_table(runs, sys.stdout)
        write_tsv(os.path.join(a.study, "scaling.tsv"), COLUMNS, runs)
        for study in ("strong", "weak"):
            path = os.path.join(figdir, f"{a.prefix}-{study}.png")
            if figure(runs, study, path):
                print(f"figure: {path}")
    if nets:
        nets = derive_network(nets)
        nets.sort(key=lambda r: (r["study"], r["network"], r["sets"], r["scale"] if r["study"] != "weak" else 0, r["ranks"]))
        if runs:
            print()
        print("spiking network runs (shares of the run; wait is part of exchange):")
        print_net_table(nets, sys.stdout)
        write_tsv(os.path.join(a.study, "scaling_network.tsv"), NET_COLUMNS, nets)
        for study in ("strong", "weak"):
            path = os.path.join(figdir, f"{a.prefix}-network-{study}.png")
            if net_figure(nets, study, path):
                print(f"figure: {path}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
