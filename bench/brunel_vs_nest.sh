#!/bin/bash
# The astrocyte-Brunel network (examples/networks/astrocyte_brunel_bernoulli.yaml, NEST 3.10's
# astrocyte_brunel_bernoulli.py) at scale SCALE, nastro against NEST's reference rates
# (bench/nest/brunel_rates_scale<SCALE>.txt, made by bench/nest/brunel_rates.py):
#   * seed 1 on 1, 2, 3 and 4 ranks (RANKS), the spikes (/spikes) checked bit-identical across rank counts with
#     tests/mpi/same_datasets.py (and the astrocyte traces, /traces, reported as well);
#   * seeds 2 and 3 (SEEDS, -network_set seed=N) on 2 ranks (SEED_RANKS);
#   * every run: 1100 ms (the example's 1000 ms after a 100 ms warm-up, as brunel_rates.py), every astrocyte's IP3
#     and Ca traced at 1 ms (record.traces.0.cells=all, as brunel_rates.py records them), the statistics over
#     (FROM, TO] = (100, 1100] ms by analysis/network_stats.py: E and I rates, CV of ISIs, Ca mean and std;
#   * wall time per run: the process (mpiexec included), /timing run and the progress line's "s wall per
#     biological s".
# Prints a table per run, mean +- sample sd over the seeds, and NEST's from each reference file and pooled.
#   bench/brunel_vs_nest.sh [NASTRO [WORK]]     (defaults build/nastro, /tmp/brunel-vs-nest)
# Env: REF (NEST's result files, default bench/nest/brunel_rates_scale<SCALE>.txt and _seeds*.txt), REUSE (1: keep the complete runs of an earlier invocation in WORK), SCALE (0.25), RANKS ("1 2 3 4"), SEEDS ("1 2 3"), SEED_RANKS (2), FROM (100), TO (1100),
#      EXTRA (more nastro options for every run, e.g. the NEST-like stepper of tests/mpi/network_nest.sh).
# More ranks than cores run with --oversubscribe: their wall times measure the oversubscription, not nastro.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
NASTRO=$(realpath "${1:-build/nastro}")
WORK=${2:-/tmp/brunel-vs-nest}
SCALE=${SCALE:-0.25}
RANKS=${RANKS:-"1 2 3 4"}
SEEDS=${SEEDS:-"1 2 3"}
SEED_RANKS=${SEED_RANKS:-2}
FROM=${FROM:-100}
TO=${TO:-1100}
EXTRA=${EXTRA:-}
NET=$ROOT/examples/networks/astrocyte_brunel_bernoulli.yaml
# NEST's result files: brunel_rates_scale<SCALE>.txt (seeds 1-3) and any brunel_rates_scale<SCALE>_seeds*.txt
REF=${REF:-$(ls "$HERE/nest/brunel_rates_scale${SCALE}.txt" "$HERE"/nest/brunel_rates_scale"${SCALE}"_seeds*.txt 2>/dev/null | tr '\n' ' ')}
PY=/usr/bin/python3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$WORK"
echo "# bench/brunel_vs_nest.sh $NASTRO $WORK  (SCALE=$SCALE RANKS=\"$RANKS\" SEEDS=\"$SEEDS\" SEED_RANKS=$SEED_RANKS" \
  "FROM=$FROM TO=$TO EXTRA=\"$EXTRA\")"
echo "# host $(hostname), $(nproc) cores;" \
  "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%M:%SZ)"

runs=()
run() { # ranks seed: one run, its log and its wall time (REUSE=1: kept from an earlier invocation if complete)
  local n=$1 s=$2 out="$WORK/r$1_s$2.h5"
  local t0 t1
  if [ "${REUSE:-0}" = 1 ] && [ -f "$WORK/r$1_s$2.wall" ] && $PY -c "import h5py,sys; \
      sys.exit(0 if h5py.File(sys.argv[1],'r').attrs['complete'] == 1 else 1)" "$out" 2>/dev/null; then
    echo "  kept ranks $n seed $s: $(cat "$WORK/r$1_s$2.wall") s (REUSE=1)"; runs+=("$n:$s"); return
  fi
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  mpiexec --oversubscribe -n "$n" "$NASTRO" -network "$NET" \
    -network_set "scale=$SCALE,seed=$s,t_stop=$TO,record.traces.0.cells=all" -o "$out" -progress_interval 1000 \
    $EXTRA >"$WORK/r$1_s$2.log" 2>&1 || { echo "run ranks $n seed $s failed:"; tail -20 "$WORK/r$1_s$2.log"; exit 1; }
  t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{printf "%.2f\n", $2 - $1}' >"$WORK/r$1_s$2.wall"
  echo "  ran ranks $n seed $s: $(cat "$WORK/r$1_s$2.wall") s ($(cut -d' ' -f1 /proc/loadavg) load)"
  runs+=("$n:$s")
}

echo "# runs (sequential)"
for n in $RANKS; do run "$n" 1; done
for s in $SEEDS; do
  [ "$s" = 1 ] && [[ " $RANKS " == *" $SEED_RANKS "* ]] && continue
  run "$SEED_RANKS" "$s"
done

echo "# nastro_version $($PY -c "import h5py,sys; print(h5py.File(sys.argv[1],'r').attrs['nastro_version'].decode())" \
  "$WORK/r$(echo "$RANKS" | awk '{print $1}')_s1.h5")"
echo "# rank equality (seed 1, against the first rank count), tests/mpi/same_datasets.py"
first=$(echo "$RANKS" | awk '{print $1}')
for n in $RANKS; do
  [ "$n" = "$first" ] && continue
  for g in spikes traces; do
    if $PY "$ROOT/tests/mpi/same_datasets.py" "$WORK/r${first}_s1.h5" "$WORK/r${n}_s1.h5" "$g" >"$WORK/eq.log" 2>&1
    then echo "  /$g: $first ranks == $n ranks, bit for bit"
    else echo "  /$g: $first ranks != $n ranks: $(head -1 "$WORK/eq.log")"; fi
  done
done

echo "# statistics over ($FROM, $TO] ms, analysis/network_stats.py"
for r in "${runs[@]}"; do
  $PY "$ROOT/analysis/network_stats.py" "$WORK/r${r%%:*}_s${r##*:}.h5" --from "$FROM" --to "$TO" --json \
    >"$WORK/r${r%%:*}_s${r##*:}.json"
done
$PY - "$WORK" "$REF" "$SEED_RANKS" "$SEEDS" "${runs[@]}" <<'EOF'
import json, os, re, sys
import numpy as np
work, refs, seed_ranks, seeds, runs = sys.argv[1], sys.argv[2].split(), sys.argv[3], sys.argv[4].split(), sys.argv[5:]
rows = []
for r in runs:
    n, s = r.split(":")
    j = json.load(open(f"{work}/r{n}_s{s}.json"))
    log = open(f"{work}/r{n}_s{s}.log").read()
    m = re.findall(r"([0-9.eE+-]+) s wall per biological s", log)
    rows.append(dict(ranks=int(n), seed=int(s), E=j["populations"]["E"], I=j["populations"]["I"],
                     A=j["astrocytes"]["A"], run=j["timing"]["run"], setup=j["timing"]["setup"],
                     rtf=float(m[-1]) if m else float("nan"), wall=float(open(f"{work}/r{n}_s{s}.wall").read())))
print("| ranks | seed | E rate (Hz) | I rate (Hz) | CV E (n) | CV I (n) | Ca mean (uM) | Ca std | Ca std across | "
      "Ca max | IP3 mean | /timing run (s) | wall / bio s | process wall (s) |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for x in rows:
    print(f"| {x['ranks']} | {x['seed']} | {x['E']['rate']:.3f} | {x['I']['rate']:.3f} | {x['E']['cv']:.3f} "
          f"({x['E']['cv_n']}) | {x['I']['cv']:.3f} ({x['I']['cv_n']}) | {x['A']['ca_mean']:.4f} | {x['A']['ca_std']:.4f}"
          f" | {x['A']['ca_std_across_astro']:.4f} | {x['A']['ca_max']:.4f} | {x['A'].get('ip3_mean', float('nan')):.4f}"
          f" | {x['run']:.1f} | {x['rtf']:.3g} | {x['wall']:.1f} |")
# over seeds: seed 1 at seed_ranks (or the first run of seed 1) and the other seeds
pick = {}
for x in rows:
    if x["seed"] not in pick or x["ranks"] == int(seed_ranks):
        pick[x["seed"]] = x
sel = [pick[int(s)] for s in seeds if int(s) in pick]
def ms(v):
    v = np.asarray(v, float)
    return (float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else float("nan"))
ours = {"E rate (Hz)": ms([x["E"]["rate"] for x in sel]), "I rate (Hz)": ms([x["I"]["rate"] for x in sel]),
        "CV E": ms([x["E"]["cv"] for x in sel]), "CV I": ms([x["I"]["cv"] for x in sel]),
        "Ca mean (uM)": ms([x["A"]["ca_mean"] for x in sel]), "Ca std (uM)": ms([x["A"]["ca_std"] for x in sel])}
KEYS = ["E rate (Hz)", "I rate (Hz)", "CV E", "CV I", "Ca mean (uM)", "Ca std (uM)"]
def read_ref(path):
    """{seed: [rate_E, rate_I, cv_E, cv_I, ca_mean, ca_std]} of one brunel_rates.py result file"""
    out = {}
    for line in open(path):
        if not line.startswith("#") and line.strip():
            v = re.sub(r"\( *[0-9]+\)", "", line).split()
            out[int(v[0])] = [float(x) for x in v[1:7]]
    return out
refs = [r for r in refs if os.path.exists(r)]
sets = [(os.path.basename(r), read_ref(r)) for r in refs]
if len(sets) > 1:
    pooled = {}
    for _, d in sets:
        pooled.update(d)
    sets.append(("all of them", pooled))
n_ours = len(sel)
print()
head = f"| over seeds {' '.join(str(x['seed']) for x in sel)} | nastro (mean +- sd) |"
for name, d in sets:
    head += f" NEST {name}, seeds {' '.join(map(str, sorted(d)))} |"
head += " nastro - NEST (all), in NEST sd | in standard errors of the difference |" if sets else ""
print(head)
print("|---" * (2 + len(sets) + (2 if sets else 0)) + "|")
for i, k in enumerate(KEYS):
    m, s = ours[k]
    row = f"| {k} | {m:.4g} +- {s:.2g} |"
    for _, d in sets:
        nm, ns = ms([v[i] for v in d.values()])
        row += f" {nm:.4g} +- {ns:.2g} |"
    if sets:
        d = sets[-1][1]
        nm, ns = ms([v[i] for v in d.values()])
        se = np.sqrt(s * s / n_ours + ns * ns / len(d)) if n_ours > 1 and len(d) > 1 else float("nan")
        row += f" {(m - nm) / ns:+.1f} | {(m - nm) / se:+.1f} |"
    print(row)
if not sets:
    print(f"(no NEST reference file {' '.join(sys.argv[2].split())})")
EOF
