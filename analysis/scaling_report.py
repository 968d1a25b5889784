#!/usr/bin/python3
"""Scaling report of a nastro study folder (jobs/sweep.sh): a table and strong-/weak-scaling figures.

usage: /usr/bin/python3 analysis/scaling_report.py STUDY_DIR [--figdir DIR] [--prefix NAME]

Reads STUDY_DIR/manifest.tsv (study, ranks, N, file, job) and each run's /timing record (docs/output-format.md)
and prints one line per run:
  study, ranks, N, steps, RHS evaluations, wall (wall_max, s), speed-up, parallel efficiency,
  communication share (communication_max / wall_max), bytes gathered per step.
Speed-up and efficiency are relative to the study's smallest rank count p0:
  strong (fixed N):  S(p) = p0 T(p0) / T(p),  E(p) = S(p) / p
  weak (N^2/p fixed): E(p) = t(p0) / t(p), with t = wall per RHS evaluation (runs of different N may take
                      different numbers of steps), S(p) = E(p) p / p0
The table also goes to STUDY_DIR/scaling.tsv (full precision); figures: FIGDIR/PREFIX-strong.png and
PREFIX-weak.png (default FIGDIR = STUDY_DIR, PREFIX = scaling), each with the ideal line.
Runs whose output is missing, incomplete (complete != 1) or without /timing are listed and left out;
the exit status is 1 if any run was left out or nothing could be read.
"""
import argparse
import csv
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
    runs, problems = [], []
    with open(os.path.join(folder, "manifest.tsv")) as fh:
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
                    t = {k: float(f["timing"].attrs[k]) for k in FIELDS}
            except (OSError, KeyError) as e:
                problems.append(f"{row['file']}: {e}")
                continue
            if int(t["ranks"]) != int(row["ranks"]) or int(t["N"]) != int(row["N"]):
                problems.append(f"{row['file']}: /timing says ranks {int(t['ranks'])}, N {int(t['N'])}; "
                                f"the manifest says {row['ranks']}, {row['N']}")
                continue
            runs.append(dict(study=row["study"], file=row["file"], **t))
    return runs, problems


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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("study")
    ap.add_argument("--figdir")
    ap.add_argument("--prefix", default="scaling")
    a = ap.parse_args()
    runs, problems = read_study(a.study)
    for p in problems:
        print(f"scaling_report: left out {p}", file=sys.stderr)
    if not runs:
        print("scaling_report: no complete run with a /timing record", file=sys.stderr)
        return 1
    runs = derive(runs)
    runs.sort(key=lambda r: (r["study"], r["ranks"]))
    print_table(runs, sys.stdout)
    with open(os.path.join(a.study, "scaling.tsv"), "w") as fh:
        fh.write("\t".join([h for _, h, _ in COLUMNS] + ["file"]) + "\n")
        for r in runs:
            fh.write("\t".join([str(r[k]) for k, _, _ in COLUMNS] + [r["file"]]) + "\n")
    figdir = a.figdir or a.study
    os.makedirs(figdir, exist_ok=True)
    for study in ("strong", "weak"):
        path = os.path.join(figdir, f"{a.prefix}-{study}.png")
        if figure(runs, study, path):
            print(f"figure: {path}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
