#!/usr/bin/python3
"""The memory capacity study (docs/capacity.md): the largest number of stored patterns K_max at which cue draws
are retrieved, for the reduced dense associative memory `dam` (F(z) = z^n / n, n = 2, 3, 4) and the full
neuron-astrocyte model `naam`, against N; the connectivity knob (naam's sparse coupling, K_max against r); the
basins (retrieval against the cue's flip fraction).

Criterion: a cue draw (a random stored pattern with a fraction `flip` of its signs flipped) is retrieved when
sign(x) is at Hamming distance 0 from its pattern once the network has settled: dam runs until max |dx/dt| <
1e-2 over all draws (-steady_state_tol; at most t = 500 tau_n; near capacity the dynamics slow down, and a fixed
t = 20 undercounts there), naam to t = 100 (its s and p drift without bound when alpha = gamma = 0, so it never
settles). K passes when at least 95 % of the cue draws (95 of 100) are retrieved. K_max is the largest passing K found by doubling and bisection down to
2 % of K (the pass fraction is not exactly monotone in K: bisection finds one crossing).

  capacity.py study  [--out DIR] [--quick] [--parts dam,naam,sparse,basins] [--ranks R] [--nastro BIN]
                     every point of the plan, here, one after another; then `report`
  capacity.py point  --model dam|naam --order n --N N --flip F [--r R] [--out DIR]
                     one K_max search (what one Slurm array task runs: jobs/capacity.sbatch)
  capacity.py basin  --model dam|naam --order n --N N --K K [--out DIR]
                     retrieval against the flip fraction at a fixed K
  capacity.py report [--out DIR] [--csv docs/capacity.csv] [--figures docs/figures]
                     fits, tables and figures from the points in DIR
  capacity.py plan   [--quick] [--parts ...]   prints the plan's points, one `point` or `basin` line each

Every search writes DIR/points/<name>.json (the evaluations, K_max, wall time); an existing file is reused, so a
study that stopped resumes where it was. nastro runs with mpiexec -n R (dam: the cue draws are dealt out to the
ranks, -dam_cues) or, for naam, one single-cue run per draw (-naam_cue_draw c), R at a time.
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import h5py
import numpy as np

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CUES = 100          # cue draws per K (dam)
NAAM_CUES = 50      # cue draws per K (naam: one nastro run each)
PASS = 0.95         # fraction of the draws that must be retrieved
T_MAX = 500.0       # dam: the horizon of a run that has not settled
STEADY = 1e-2       # dam: the run ends, and is scored, once max |dx/dt| < this (tau_n units)
T_NAAM = 100.0      # naam: retrieval is scored at this time
RESOLUTION = 0.02   # bisection stops when the bracket is below this fraction of K
SEED = 1
# the adaptive Dormand-Prince steps of the dam runs: loose tolerances (the verdict needs signs, not digits); each
# search re-runs its two bracketing K with tolerances and settling threshold 100 and 10 times tighter and
# records whether the verdicts agree
DAM_TS = ["-ts_rtol", "1e-3", "-ts_atol", "1e-3", "-steady_state_tol", repr(STEADY)]
DAM_TS_TIGHT = ["-ts_rtol", "1e-5", "-ts_atol", "1e-5", "-steady_state_tol", repr(STEADY / 10)]
# naam in the setting whose reduction is dam with n = 4 (docs/models.md 1.6): no synapse or process leak
NAAM_REDUCTION = ["-naam_alpha", "0", "-naam_gamma", "0", "-naam_lambda", "1"]


def double_factorial(k):
    return math.prod(range(k, 0, -2)) if k > 0 else 1


def closed_form(n, N, flip=0.0):
    """Krotov-Hopfield (2016): error-free capacity of F(z) = z^n / n, one update from a cue with `flip` of its
    signs wrong: K = (1 - 2 flip)^(2(n-1)) N^(n-1) / (2 (2n-3)!! ln N) (flip = 0 is their formula)."""
    return (1 - 2 * flip) ** (2 * (n - 1)) * N ** (n - 1) / (2 * double_factorial(2 * n - 3) * math.log(N))


def mpirun(ranks):
    """the launcher of a run on `ranks` ranks: $NASTRO_LAUNCH, else srun inside a Slurm job (as
    jobs/nastro.sbatch does), else mpiexec"""
    os.environ.update({"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"})
    if os.environ.get("NASTRO_LAUNCH"):
        return os.environ["NASTRO_LAUNCH"].split() + ["-n", str(ranks)]
    if os.environ.get("SLURM_JOB_ID") and shutil.which("srun"):
        return ["srun", "--mpi=pmix", "-n", str(ranks)]
    return ["mpiexec", "--oversubscribe", "-n", str(ranks)]


def run_nastro(args, opts, ranks):
    with tempfile.TemporaryDirectory(prefix="nastro-capacity-") as d:
        out = os.path.join(d, "run.h5")
        cmd = (mpirun(ranks) if ranks > 1 else []) + [args.nastro] + opts + ["-quiet", "-o", out]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("capacity.py: nastro failed (%d): %s\n%s" % (r.returncode, " ".join(cmd), r.stderr.strip()))
        with h5py.File(out, "r") as f:
            if f.attrs.get("complete", 0) != 1:
                sys.exit("capacity.py: incomplete output of " + " ".join(cmd))
            if "retrieval" in f:
                return int(f["retrieval"].attrs["retrieved"])
            # retrieved: the cued pattern itself (-xi, hamming_sign -1, is a memory, but not the one cued)
            return int(f.attrs["hamming_distance"] == 0 and f.attrs.get("hamming_sign", 1) > 0)


def dam_options(n, N, K, flip, cues, tight=False):
    return ["-model", "dam", "-dam_order", str(n), "-dam_N", str(N), "-dam_K", str(K), "-dam_cues", str(cues),
            "-dam_cue_flip", repr(flip), "-dam_seed", str(SEED), "-ts_max_time", repr(T_MAX),
            "-output_interval", repr(T_MAX)] + (DAM_TS_TIGHT if tight else DAM_TS)


def naam_options(N, K, flip, c, r=None):
    o = ["-model", "naam", "-naam_N", str(N), "-naam_K", str(K), "-naam_cue_draw", str(c), "-naam_cue_flip",
         repr(flip), "-naam_seed", str(SEED), "-ts_max_time", repr(T_NAAM), "-output_interval", repr(T_NAAM)]
    o += NAAM_REDUCTION
    if r is not None:
        q = min(1.0, r / (N * (N + 1) // 2 - 1))
        # the cued pattern's signal as strong as with the full coupling: c_T = 1 / (q N^3) (docs/models.md 1.4)
        o += ["-naam_T", "sparse", "-naam_T_links", str(r), "-naam_T_scale", repr(1 / (q * N ** 3))]
    return o


def evaluate(args, spec, K, flip, tight=False):
    """retrieved draws out of spec's cue count at K"""
    if spec["model"] == "dam":
        return run_nastro(args, dam_options(spec["order"], spec["N"], K, flip, spec["cues"], tight), args.ranks)
    with ThreadPoolExecutor(max_workers=args.ranks) as pool:
        runs = pool.map(lambda c: run_nastro(args, naam_options(spec["N"], K, flip, c, spec.get("r")), 1),
                        range(spec["cues"]))
        return sum(runs)


def name_of(spec):
    s = "%s_n%d_N%d_f%g" % (spec["model"], spec["order"], spec["N"], spec["flip"])
    if spec.get("r") is not None:
        s += "_r%d" % spec["r"]
    if spec.get("K") is not None:
        s += "_K%d" % spec["K"]
    return s


def search(args, spec):
    """K_max of one (model, order, N, flip[, r]) by doubling and bisection"""
    need = math.ceil(PASS * spec["cues"])
    evals = {}

    def passes(K):
        if K not in evals:
            t0 = time.time()
            evals[K] = evaluate(args, spec, K, spec["flip"])
            print("  %s K %d: %d of %d retrieved (%.1f s)" % (name_of(spec), K, evals[K], spec["cues"],
                                                           time.time() - t0), flush=True)
        return evals[K] >= need

    guess = closed_form(spec["order"], spec["N"], spec["flip"])
    if spec.get("r") is not None:
        guess = min(guess, spec["r"] * spec["N"])
    K = max(1, int(round(guess)))
    if passes(K):
        lo, hi = K, 2 * K
        while passes(hi):
            lo, hi = hi, 2 * hi
    else:
        lo, hi = K // 2, K
        while lo >= 1 and not passes(lo):
            lo, hi = lo // 2, lo
    while lo >= 1 and hi - lo > max(1, int(RESOLUTION * lo)):
        mid = (lo + hi) // 2
        if passes(mid):
            lo = mid
        else:
            hi = mid
    settle = ("once settled (max |dx/dt| < %g)" % STEADY) if spec["model"] == "dam" else ("at t = %g" % T_NAAM)
    result = dict(spec, K_max=lo, K_fail=hi, need=need,
                  criterion="Hamming distance 0 %s for >= %d of %d cue draws" % (settle, need, spec["cues"]),
                  evaluations=sorted([K, v] for K, v in evals.items()))
    if spec["model"] == "dam":  # the bracket's verdicts again at nastro's default tolerances
        check = {K: evaluate(args, spec, K, spec["flip"], tight=True) for K in (lo, hi) if K >= 1}
        result["tolerance_check"] = {str(K): [evals[K], v] for K, v in check.items()}
        result["tolerance_agrees"] = all((evals[K] >= need) == (v >= need) for K, v in check.items())
    return result


def basin(args, spec):
    """retrieved fraction against the flip fraction at a fixed K"""
    flips = [round(0.05 * i, 2) for i in range(11)]
    got = []
    for f in flips:
        got.append(evaluate(args, spec, spec["K"], f))
        print("  %s flip %g: %d of %d" % (name_of(spec), f, got[-1], spec["cues"]), flush=True)
    return dict(spec, flips=flips, retrieved=got)


def plan(quick, parts):
    """the study's points: (kind, spec)"""
    pts = []
    Ns = {2: [16, 23, 32, 45, 64, 91, 128, 181, 256], 3: [16, 23, 32, 45, 64, 91, 128, 181, 256],
          4: [16, 23, 32, 45, 64, 91, 128, 181, 256]}
    if quick:
        Ns = {n: [16, 23, 32, 45, 64] for n in (2, 3, 4)}
    if "dam" in parts:
        for flip in (0.1, 0.2):
            for n in (2, 3, 4):
                for N in Ns[n]:
                    pts.append(("point", dict(model="dam", order=n, N=N, flip=flip, cues=CUES)))
    if "naam" in parts:
        for N in ([12, 16] if quick else [12, 16, 24, 32, 48, 64]):
            pts.append(("point", dict(model="naam", order=4, N=N, flip=0.1, cues=NAAM_CUES)))
            pts.append(("point", dict(model="dam", order=4, N=N, flip=0.1, cues=CUES)))
    if "sparse" in parts:
        for N in ([16] if quick else [16, 32]):
            P = N * (N + 1) // 2
            for r in ([4, 16, P - 1] if quick else [r for r in (2, 4, 8, 16, 32, 64, 128, 256) if r < P - 1] + [P - 1]):
                pts.append(("point", dict(model="naam", order=4, N=N, flip=0.1, cues=NAAM_CUES, r=r)))
    if "basins" in parts:
        N = 32 if quick else 64
        for n in (2, 3, 4):
            pts.append(("basin", dict(model="dam", order=n, N=N, K=4, cues=CUES, flip=0)))
        pts.append(("basin", dict(model="naam", order=4, N=N, K=4, cues=NAAM_CUES, flip=0)))
    return pts


def do(args, kind, spec):
    os.makedirs(os.path.join(args.out, "points"), exist_ok=True)
    path = os.path.join(args.out, "points", name_of(spec) + ".json")
    if os.path.exists(path):
        print("%s: done before (%s)" % (name_of(spec), path))
        return
    t0 = time.time()
    res = search(args, spec) if kind == "point" else basin(args, spec)
    res["wall_s"] = time.time() - t0
    res["ranks"] = args.ranks
    with open(path + ".tmp", "w") as f:
        json.dump(res, f, indent=1)
    os.replace(path + ".tmp", path)
    print("%s: %s in %.0f s" % (name_of(spec), "K_max %d" % res["K_max"] if kind == "point" else "basin",
                                res["wall_s"]), flush=True)


# ---------------------------------------------------------------------------------------------- the report
T975 = [12.71, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131]


def fit_slope(N, K):
    """least squares of log(K ln N) = a + b log N: slope b, its 95 % interval half-width, points used"""
    N, K = np.asarray(N, float), np.asarray(K, float)
    keep = K >= 3  # below a few patterns K_max is mostly rounding
    N, K = N[keep], K[keep]
    if len(N) < 3:
        return None
    X, Y = np.log(N), np.log(K * np.log(N))
    A = np.vstack([np.ones_like(X), X]).T
    coef, res, *_ = np.linalg.lstsq(A, Y, rcond=None)
    dof = len(X) - 2
    s2 = float(np.sum((Y - A @ coef) ** 2)) / dof
    se = math.sqrt(s2 / np.sum((X - X.mean()) ** 2))
    return coef[1], T975[min(dof, len(T975)) - 1] * se, len(N), coef[0]


def load(out):
    pts = []
    d = os.path.join(out, "points")
    for fn in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if fn.endswith(".json"):
            with open(os.path.join(d, fn)) as f:
                pts.append(json.load(f))
    return pts


def report(args):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    pts = load(args.out)
    searches = [p for p in pts if "K_max" in p]
    basins = [p for p in pts if "flips" in p]
    if not searches:
        sys.exit("capacity.py: no points in %s/points (run `capacity.py study` first)" % args.out)
    # the table anyone can refit
    with open(args.csv, "w") as f:
        f.write("model,n,N,flip,K_max,criterion,cues,seed\n")
        for p in sorted(searches, key=lambda p: (p["model"], p.get("r") or 0, p["order"], p["flip"], p["N"])):
            if p.get("r") is not None:
                continue
            f.write("%s,%d,%d,%g,%d,\"%s\",%d,%d\n" % (p["model"], p["order"], p["N"], p["flip"], p["K_max"],
                                                       p["criterion"], p["cues"], SEED))
    print("wrote", args.csv)
    lines = ["| model | n | flip | N range | slope of log(K_max ln N) vs log N | 95 % interval | expected |",
             "|---|---|---|---|---|---|---|"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.3))
    colours = {2: "tab:blue", 3: "tab:orange", 4: "tab:green"}
    for flip, mark in ((0.1, "o"), (0.2, "s")):
        for n in (2, 3, 4):
            sel = sorted((p for p in searches if p["model"] == "dam" and p["order"] == n and p["flip"] == flip
                          and p.get("r") is None), key=lambda p: p["N"])
            if not sel:
                continue
            N = [p["N"] for p in sel]
            K = [p["K_max"] for p in sel]
            fit = fit_slope(N, K)
            lab = "dam n=%d, flip %g" % (n, flip)
            if fit:
                lines.append("| dam | %d | %g | %d-%d (%d points) | %.3f | ± %.3f | %d |" % (
                    n, flip, min(N), max(N), fit[2], fit[0], fit[1], n - 1))
                lab += " (slope %.2f ± %.2f)" % (fit[0], fit[1])
            axes[0].loglog(N, np.maximum(K, 0.5), mark + "-", color=colours[n], label=lab, ms=4,
                           alpha=1 if flip == 0.1 else 0.6)
            units = [k / (m + 2 * m * m) for k, m in zip(K, N)]
            axes[1].loglog(N, np.maximum(units, 1e-6), mark + "-", color=colours[n], ms=4,
                           alpha=1 if flip == 0.1 else 0.6, label=lab.split(" (")[0])
    sel = sorted((p for p in searches if p["model"] == "naam" and p.get("r") is None), key=lambda p: p["N"])
    if sel:
        N = [p["N"] for p in sel]
        K = [p["K_max"] for p in sel]
        axes[0].loglog(N, np.maximum(K, 0.5), "k^-", label="naam (full model), flip 0.1", ms=6)
        fit = fit_slope(N, K)
        if fit:
            lines.append("| naam | 4 | 0.1 | %d-%d (%d points) | %.3f | ± %.3f | 3 |" % (min(N), max(N), fit[2], fit[0],
                                                                                      fit[1]))
    Ng = np.geomspace(12, 256, 40)
    for n in (2, 3, 4):
        axes[0].loglog(Ng, [closed_form(n, x, 0.0) for x in Ng], ":", color=colours[n], lw=1)
        axes[0].loglog(Ng, [closed_form(n, x, 0.1) for x in Ng], "--", color=colours[n], lw=1)
    axes[0].plot([], [], "k:", lw=1, label="Krotov-Hopfield closed form, flip 0")
    axes[0].plot([], [], "k--", lw=1, label="closed form with flip 0.1: (1-2f)^(2(n-1)) x")
    axes[0].set_xlabel("N (neurons)")
    axes[0].set_ylabel("K_max (patterns)")
    axes[0].set_title("K_max: >= 95 % of cue draws at Hamming distance 0")
    axes[0].legend(fontsize=6.5)
    axes[1].set_xlabel("N")
    axes[1].set_ylabel("K_max / (N + 2 N^2)")
    axes[1].set_title("memories per compute unit (N + 2 N^2)")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    os.makedirs(args.figures, exist_ok=True)
    fig.savefig(os.path.join(args.figures, "capacity.png"), dpi=110)
    print("wrote", os.path.join(args.figures, "capacity.png"))

    full = sorted((p for p in searches if p["model"] == "naam" and p.get("r") is None), key=lambda p: p["N"])
    if full:  # the full model against its reduction, K by K: retrieved fraction of the draws at each K tried
        fig, ax = plt.subplots(figsize=(6, 4.2))
        lines += ["", "| N | K_max naam (full) | K_max dam n = 4 (its reduction) | ratio |", "|---|---|---|---|"]
        for k, p in enumerate(full):
            col = plt.cm.viridis(k / max(1, len(full) - 1))
            red = [q for q in searches if q["model"] == "dam" and q["order"] == 4 and q["N"] == p["N"]
                   and q["flip"] == p["flip"] and q.get("r") is None]
            for q, style, lab in ((p, "o-", "naam N = %d" % p["N"]), (red[0] if red else None, "x--", None)):
                if q is None:
                    continue
                ev = np.array(q["evaluations"], float)
                ax.semilogx(ev[:, 0], ev[:, 1] / q["cues"], style, color=col, ms=4, label=lab)
            if red:
                lines.append("| %d | %d | %d | %.2f |" % (p["N"], p["K_max"], red[0]["K_max"],
                                                         p["K_max"] / max(red[0]["K_max"], 1)))
        ax.plot([], [], "kx--", label="dam n = 4 (the reduction), same N")
        ax.axhline(PASS, color="grey", lw=0.8)
        ax.set_xlabel("K (stored patterns)")
        ax.set_ylabel("fraction of cue draws retrieved")
        ax.set_title("full model against its reduction (flip %g)" % full[0]["flip"])
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(os.path.join(args.figures, "capacity-naam.png"), dpi=110)

    sparse = sorted((p for p in searches if p.get("r") is not None), key=lambda p: (p["N"], p["r"]))
    if sparse:
        fig, ax = plt.subplots(figsize=(5.8, 4.2))
        lines += ["", "| N | r | q | K_max (naam, sparse T, flip %g) | r N | K_max / K_max(all linked) |"
                  % sparse[0]["flip"], "|---|---|---|---|---|---|"]
        for k, N in enumerate(sorted({p["N"] for p in sparse})):
            sel = [p for p in sparse if p["N"] == N]
            P = N * (N + 1) // 2
            r = np.array([p["r"] for p in sel], float)
            K = np.array([p["K_max"] for p in sel], float)
            col = "C%d" % k
            ax.loglog(r, np.maximum(K, 0.5), "o-", color=col, label="naam, sparse T, N = %d" % N)
            full = [p["K_max"] for p in sel if p["r"] >= P - 1]
            if full and full[0] > 0:  # the prediction K ~ r N, through the fully coupled point
                rg = np.geomspace(r.min(), P - 1, 20)
                ax.loglog(rg, full[0] * rg / (P - 1), "--", color=col, lw=1)
            for p in sel:
                lines.append("| %d | %d | %.3g | %d | %d | %s |" % (
                    N, p["r"], min(1.0, p["r"] / (P - 1)), p["K_max"], p["r"] * N,
                    "%.2f" % (p["K_max"] / full[0]) if full and full[0] else "-"))
        ax.plot([], [], "k--", lw=1, label="K proportional to r N (the paper), through r = P - 1")
        ax.set_xlabel("r (expected partner processes per process)")
        ax.set_ylabel("K_max")
        ax.legend(fontsize=7)
        ax.set_title("the connectivity knob (flip %g, >= %d of %d draws)" % (sparse[0]["flip"], sparse[0]["need"],
                                                                           sparse[0]["cues"]))
        fig.tight_layout()
        fig.savefig(os.path.join(args.figures, "capacity-links.png"), dpi=110)
    if basins:
        fig, ax = plt.subplots(figsize=(5.5, 4))
        for p in sorted(basins, key=lambda p: (p["model"], p["order"])):
            lab = "dam n=%d" % p["order"] if p["model"] == "dam" else "naam (full)"
            ax.plot(p["flips"], np.array(p["retrieved"]) / p["cues"], "o-", label=lab, ms=4)
        ax.set_xlabel("fraction of the cue's signs flipped")
        ax.set_ylabel("fraction of cue draws retrieved")
        ax.set_title("basins: N = %d, K = %d" % (basins[0]["N"], basins[0]["K"]))
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(args.figures, "capacity-basins.png"), dpi=110)
    agree = [p.get("tolerance_agrees") for p in searches if "tolerance_agrees" in p]
    lines += ["", "tolerance check (dam): %d of %d searches give the same verdicts with tolerances 100 and settling "
              "10 times tighter"
              % (sum(agree), len(agree)),
              "wall time of the searches: %.0f s in all" % sum(p["wall_s"] for p in pts)]
    text = "\n".join(lines)
    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write(text + "\n")
    print(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["study", "point", "basin", "report", "plan"])
    ap.add_argument("--out", default="capacity-study", help="folder of the points (default capacity-study)")
    ap.add_argument("--nastro", default=os.path.join(TOP, "build", "nastro"))
    ap.add_argument("--ranks", type=int, default=2, help="MPI ranks per dam run, parallel naam runs (default 2)")
    ap.add_argument("--quick", action="store_true", help="a small plan (N <= 64), for a first look")
    ap.add_argument("--parts", default="dam,naam,sparse,basins")
    ap.add_argument("--model", choices=["dam", "naam"])
    ap.add_argument("--order", type=int, default=4)
    ap.add_argument("--N", type=int)
    ap.add_argument("--K", type=int)
    ap.add_argument("--flip", type=float, default=0.1)
    ap.add_argument("--r", type=int, help="naam: sparse coupling with r links per process")
    ap.add_argument("--csv", default=os.path.join(TOP, "docs", "capacity.csv"))
    ap.add_argument("--figures", default=os.path.join(TOP, "docs", "figures"))
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    unknown = parts - {"dam", "naam", "sparse", "basins"}
    if unknown:
        ap.error("--parts %s: unknown part(s) %s (dam, naam, sparse, basins)" % (args.parts, ",".join(sorted(unknown))))
    if args.command in ("study", "point", "basin") and not os.access(args.nastro, os.X_OK):
        ap.error("--nastro %s: not an executable (build first: scripts/setup.sh)" % args.nastro)
    if args.command == "plan":
        for kind, spec in plan(args.quick, parts):
            extra = " --r %d" % spec["r"] if spec.get("r") is not None else ""
            extra += " --K %d" % spec["K"] if kind == "basin" else " --flip %g" % spec["flip"]
            print("%s --model %s --order %d --N %d%s" % (kind, spec["model"], spec["order"], spec["N"], extra))
    elif args.command == "study":
        t0 = time.time()
        for kind, spec in plan(args.quick, parts):
            do(args, kind, spec)
        print("study: %.0f s" % (time.time() - t0))
        report(args)
    elif args.command in ("point", "basin"):
        if args.model is None or args.N is None or (args.command == "basin" and args.K is None):
            ap.error("%s needs --model, --N%s" % (args.command, " and --K" if args.command == "basin" else ""))
        if args.model == "naam" and args.order != 4:
            ap.error("--order %d: naam reduces to n = 4 only" % args.order)
        spec = dict(model=args.model, order=args.order, N=args.N, flip=args.flip if args.command == "point" else 0,
                    cues=CUES if args.model == "dam" else NAAM_CUES)
        if args.r is not None:
            spec["r"] = args.r
        if args.command == "basin":
            spec["K"] = args.K
        do(args, args.command, spec)
    else:
        report(args)


if __name__ == "__main__":
    main()
