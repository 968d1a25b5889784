#!/usr/bin/python3
"""The runs of bench/brian/example6.sh side by side: for Brian 2 (brian_s<seed>.npz) and nastro on each rank count
(nastro_p<ranks>_s<seed>.h5), over the seeds: wall time of the whole process (/usr/bin/time -v), Brian's
simulation alone (its binary's main loop, network construction included) and nastro's phases, the largest
process's peak memory, E and I spike counts, rates per stimulus epoch ([0, 2), [2, 4), [4, 6), [6, 8) s; the
input is 120 pA in [2, 4) s), the astrocytes' gliotransmitter releases, and whether nastro's spikes are the same
on every rank count (bit for bit). Mean +- sample sd over the seeds; "within" compares nastro's mean with
Brian's mean +- 2 sd (and its range).

  /usr/bin/python3 bench/brian/compare_example6.py OUT_DIR"""
import glob, os, re, sys
import numpy as np
import h5py

d = sys.argv[1] if len(sys.argv) > 1 else "out/brian6"
N = {"E": 3200, "I": 800, "A": 3200}


def timefile(path):
    txt = open(path).read()
    w = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", txt).group(1).split(":")
    wall = sum(float(x) * 60 ** i for i, x in enumerate(reversed(w)))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", txt).group(1)) / 1024
    return wall, rss


def stats(spk, t_stop):
    out = {}
    for p in ("E", "I", "A"):
        t = spk[p]
        out["spikes " + p if p != "A" else "releases A"] = len(t)
        for a in range(int(round(t_stop / 2000))):
            sel = ((t >= 2000 * a) & (t < 2000 * (a + 1))).sum()
            key = ("rate %s [%d, %d) s (Hz)" % (p, 2 * a, 2 * a + 2)) if p != "A" else ("releases A [%d, %d) s" % (2 * a, 2 * a + 2))
            out[key] = sel / N[p] / 2.0 if p != "A" else sel
    return out


runs = {}  # (sim, seed) -> dict
for f in sorted(glob.glob(os.path.join(d, "brian_s*.npz"))):
    seed = int(re.search(r"_s(\d+)\.npz", f).group(1))
    z = np.load(f)
    t_stop = float(z["duration"]) * 1000
    spk = {"E": z["e_t"] * 1000, "I": z["i_t"] * 1000, "A": z["a_t"] * 1000}
    r = stats(spk, t_stop)
    wall, rss = timefile(f[:-4] + ".time")
    r.update({"wall (s, whole process)": wall, "simulation (s; Brian: its binary's run)": float(z["run"]),
              "peak RSS, largest process (MiB)": rss,
              "E synapses with an astrocyte": int(z["n_astro_to_syn"])})
    runs["brian %d thr" % int(z["threads"]), seed] = r
same = {}
for f in sorted(glob.glob(os.path.join(d, "nastro_p*_s*.h5"))):
    p, seed = map(int, re.search(r"_p(\d+)_s(\d+)\.h5", f).groups())
    with h5py.File(f, "r") as h:
        if int(h.attrs.get("complete", 0)) != 1:
            sys.exit("%s is not complete" % f)
        spk = {q: h["spikes"][q]["timestamps"][:] for q in ("E", "I", "A")}
        ids = {q: h["spikes"][q]["node_ids"][:] for q in ("E", "I", "A")}
        t_stop = float(h.attrs.get("t_stop", 8000)) if "t_stop" in h.attrs else 8000.0
        r = stats(spk, t_stop)
        tm = h["timing"].attrs
        wall, rss = timefile(f[:-3] + ".time")
        r.update({"wall (s, whole process)": wall, "simulation (s; Brian: its binary's run)": float(tm["run"]),
                  "peak RSS, largest process (MiB)": rss})
        for k in ("update_neurons", "update_astrocytes", "exchange", "deliver_spikes", "output"):
            r["nastro: %s (s)" % k] = float(tm[k])
        r["nastro: construction (s)"] = float(tm["connect"])
    runs["nastro %d rank%s" % (p, "s" if p > 1 else ""), seed] = r
    same.setdefault(seed, []).append((p, {q: (spk[q], ids[q]) for q in spk}))

sims = sorted({s for s, _ in runs}, key=lambda s: (not s.startswith("brian"), s))
keys = []
for r in runs.values():
    keys += [k for k in r if k not in keys]
print("# Brian 2's example 6 against nastro (bench/brian/example6.sh)\n")
if os.path.exists(os.path.join(d, "invocation.txt")):
    print("\n".join("- " + l for l in open(os.path.join(d, "invocation.txt")).read().split("\n") if l.strip()) + "\n")
seeds = sorted({s for _, s in runs})
print("seeds: %s; mean +- sample sd over the seeds (the seeds' values in brackets)\n" % " ".join(map(str, seeds)))
print("| | " + " | ".join(sims) + " |")
print("|---" * (len(sims) + 1) + "|")
for k in keys:
    cells = []
    for s in sims:
        v = [runs[s, sd][k] for sd in seeds if (s, sd) in runs and runs[s, sd].get(k) is not None]
        if not v:
            cells.append("")
            continue
        m, sd = np.mean(v), (np.std(v, ddof=1) if len(v) > 1 else float("nan"))
        cells.append("%.4g +- %.2g [%s]" % (m, sd, ", ".join("%.4g" % x for x in v)))
    print("| %s | %s |" % (k, " | ".join(cells)))
brian = [s for s in sims if s.startswith("brian")]
if brian:
    b = brian[0]
    print("\nnastro's mean against %s's mean +- 2 sd over the seeds (and its range):\n" % b)
    for s in (s for s in sims if s.startswith("nastro")):
        for k in keys:
            if k.startswith(("wall", "simulation", "peak", "nastro", "E synapses")):
                continue
            bv = np.array([runs[b, sd][k] for sd in seeds if (b, sd) in runs])
            nv = np.array([runs[s, sd][k] for sd in seeds if (s, sd) in runs])
            if len(bv) < 2 or not len(nv):
                continue
            lo, hi = bv.mean() - 2 * bv.std(ddof=1), bv.mean() + 2 * bv.std(ddof=1)
            print("- %s, %s: %.4g; Brian %.4g +- %.2g (range %.4g .. %.4g): %s" % (
                s, k, nv.mean(), bv.mean(), bv.std(ddof=1), bv.min(), bv.max(),
                "within" if lo <= nv.mean() <= hi else "OUTSIDE"))
    print("\nspeed (Brian's / nastro's wall, whole process, per seed; and Brian's simulation alone / nastro's whole process):\n")
    for s in (s for s in sims if s.startswith("nastro")):
        rat = [runs[b, sd]["wall (s, whole process)"] / runs[s, sd]["wall (s, whole process)"] for sd in seeds if (b, sd) in runs and (s, sd) in runs]
        rat2 = [runs[b, sd]["simulation (s; Brian: its binary's run)"] / runs[s, sd]["wall (s, whole process)"] for sd in seeds if (b, sd) in runs and (s, sd) in runs]
        if rat:
            print("- %s: %.1fx (%s); against Brian's simulation alone %.1fx" % (s, np.mean(rat), ", ".join("%.1f" % x for x in rat), np.mean(rat2)))
print("\nnastro on every rank count, per seed: the same spikes (times and ids) of E, I and the releases of A, bit for bit:")
for seed, lst in sorted(same.items()):
    base = lst[0][1]
    ok = all(all(np.array_equal(base[q][0], o[q][0]) and np.array_equal(base[q][1], o[q][1]) for q in base) for _, o in lst[1:])
    print("- seed %d, ranks %s: %s" % (seed, " ".join(str(p) for p, _ in lst), "identical" if ok else "DIFFERENT"))
