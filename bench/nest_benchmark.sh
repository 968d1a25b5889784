#!/bin/bash
# The NEST astrocyte benchmark (issue 13) in one command: the astrocyte-Brunel network
# (examples/networks/astrocyte_brunel_bernoulli.yaml = NEST 3.10's astrocyte_brunel_bernoulli.py, docs/networks.md)
# at each scale and seed, 100 ms warm-up + 1000 ms measured, through
#   * nastro on each of --nastro-ranks ranks:
#       mpiexec -n R NASTRO -network examples/networks/astrocyte_brunel_bernoulli.yaml \
#         -network_set scale=S,seed=K,record.traces.0.cells=all -o OUTDIR/scaleS/nastro_rR_sK.h5 -quiet
#     then analysis/network_stats.py --from 100 --to 1100 (the statistics of bench/brunel_vs_nest.sh);
#   * NEST (installation NEST_PREFIX) in each --nest configuration, bench/nest/brunel_bench.py (the network of
#     bench/nest/brunel_rates.py, the same statistics): threadsT = one process with T threads (no mpiexec, so no
#     binding of the process to one core), ranksR = mpiexec -n R, 1 thread each, ranksRthreadsT = R x T.
# Within a seed the simulators alternate (nastro, NEST, nastro, NEST; the next seed in the reverse order), so
# load drift hits both. Every process tree runs under /usr/bin/time -v (its "Maximum resident set size" is the
# largest single process of the tree, an independent check of the simulators' own peak RSS per rank).
# Once per NEST configuration, the RSS of an empty NEST kernel (import + ResetKernel) is measured
# (OUTDIR/nest_empty_<cfg>.json) for NEST's bytes per synapse.
# At the end bench/benchmark_table.py prints the side-by-side tables (markdown, also OUTDIR/benchmark.md), writes
# OUTDIR/benchmark.json and OUTDIR/benchmark.tsv and the figure (--figure, default bench/nest-rtf.png).
#
# Usage: bench/nest_benchmark.sh NASTRO_BINARY NEST_PREFIX OUTDIR [--scales "0.25 0.5 1"] [--seeds "1 2 3"]
#          [--nastro-ranks "1 2"] [--nest "threads2 ranks2"] [--figure bench/nest-rtf.png] [--keep-h5] [--reuse]
#   NASTRO_BINARY  e.g. build/nastro
#   NEST_PREFIX    a NEST 3.10 installation (NEST_PREFIX/lib/python3*/site-packages), e.g. /opt/nest-fast
#   OUTDIR         results (created); scale<S>/<config>_s<K>.* per run
#   --keep-h5      keep nastro's HDF5 files (at scale 1 about 180 MB each, all astrocytes traced); by default
#                  each is reduced to its summary (<run>.h5info.json) and its statistics (<run>.stats.json)
#   --reuse        keep the runs of an earlier invocation that completed (their result files exist)
#   --nest ""      or --nastro-ranks "": leave that simulator out
# Progress lines go to stderr, the tables to stdout. Environment: PY (default /usr/bin/python3), MPIEXEC
# (default mpiexec). Exit status 2 for a bad argument, 1 when a run fails (its log is shown).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
PY=${PY:-/usr/bin/python3}
MPIEXEC=${MPIEXEC:-mpiexec}
ME=bench/nest_benchmark.sh
usage() { sed -n '/^# Usage:/,/^set -euo/p' "$0" | grep -v '^set ' | sed 's/^# \{0,1\}//' >&2; }
bad() { echo "$ME: $*" >&2; usage; exit 2; }

[ $# -ge 1 ] && { [ "$1" = -h ] || [ "$1" = --help ]; } && { usage; exit 0; }
[ $# -ge 3 ] || bad "needs NASTRO_BINARY NEST_PREFIX OUTDIR (got $# argument(s))"
NASTRO=$1 NEST_PREFIX=$2 OUTDIR=$3
shift 3
SCALES="0.25 0.5 1" SEEDS="1 2 3" NRANKS="1 2" NESTCFG="threads2 ranks2" FIG=$ROOT/bench/nest-rtf.png
KEEP=0 REUSE=0
while [ $# -gt 0 ]; do
  case $1 in
    --scales) [ $# -ge 2 ] || bad "--scales needs a value"; SCALES=$2; shift 2 ;;
    --seeds) [ $# -ge 2 ] || bad "--seeds needs a value"; SEEDS=$2; shift 2 ;;
    --nastro-ranks) [ $# -ge 2 ] || bad "--nastro-ranks needs a value"; NRANKS=$2; shift 2 ;;
    --nest) [ $# -ge 2 ] || bad "--nest needs a value"; NESTCFG=$2; shift 2 ;;
    --figure) [ $# -ge 2 ] || bad "--figure needs a value"; FIG=$2; shift 2 ;;
    --keep-h5) KEEP=1; shift ;;
    --reuse) REUSE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) bad "unknown argument '$1'" ;;
  esac
done

# ---- check the arguments
{ [ -x "$NASTRO" ] && [ -f "$NASTRO" ]; } || bad "NASTRO_BINARY '$NASTRO' is not an executable file"
NASTRO=$(realpath "$NASTRO")
[ -d "$NEST_PREFIX" ] || bad "NEST_PREFIX '$NEST_PREFIX' is not a folder"
NEST_PREFIX=$(realpath "$NEST_PREFIX")
pp=("$NEST_PREFIX"/lib/python3*/site-packages)
NEST_PP=${pp[${#pp[@]} - 1]}
[ -d "$NEST_PP" ] || bad "NEST_PREFIX '$NEST_PREFIX' has no lib/python3*/site-packages"
if [ -n "$NESTCFG" ]; then
  NEST_VERSION=$(PYNEST_QUIET=1 PYTHONPATH=$NEST_PP $PY -c "import nest; print(nest.__version__)" 2>/dev/null | tail -1) \
    || bad "NEST_PREFIX '$NEST_PREFIX': 'import nest' fails with PYTHONPATH=$NEST_PP"
else
  NEST_VERSION=none
fi
for s in $SCALES; do
  $PY -c "import sys; v = float(sys.argv[1]); sys.exit(0 if 0.1 <= v <= 64 else 1)" "$s" 2>/dev/null \
    || bad "--scales: '$s' is not a scale in [0.1, 64] (p = 0.1 / scale must be <= 1)"
done
for k in $SEEDS; do [[ $k =~ ^[1-9][0-9]*$ ]] || bad "--seeds: '$k' is not a positive integer"; done
for r in $NRANKS; do [[ $r =~ ^[1-9][0-9]*$ ]] || bad "--nastro-ranks: '$r' is not a positive integer"; done
[ -n "$SCALES" ] || bad "--scales is empty"
[ -n "$SEEDS" ] || bad "--seeds is empty"
[ -n "$NRANKS$NESTCFG" ] || bad "--nastro-ranks and --nest are both empty: nothing to run"
NET=$ROOT/examples/networks/astrocyte_brunel_bernoulli.yaml
[ -f "$NET" ] || bad "network file $NET is missing"
[ -x /usr/bin/time ] || bad "/usr/bin/time is missing (apt-get install time)"
mkdir -p "$OUTDIR" || bad "OUTDIR '$OUTDIR' cannot be created"
OUTDIR=$(realpath "$OUTDIR")
mkdir -p "$(dirname "$FIG")" || bad "--figure '$FIG': its folder cannot be created"

# config names: nastro_r<R>; nest_t<T> (1 process), nest_r<R> (R x 1 thread), nest_r<R>t<T>
nest_cfg() { # threadsT | ranksR | ranksRthreadsT -> "name procs threads"
  if [[ $1 =~ ^threads([1-9][0-9]*)$ ]]; then echo "nest_t${BASH_REMATCH[1]} 1 ${BASH_REMATCH[1]}"
  elif [[ $1 =~ ^ranks([1-9][0-9]*)$ ]]; then echo "nest_r${BASH_REMATCH[1]} ${BASH_REMATCH[1]} 1"
  elif [[ $1 =~ ^ranks([1-9][0-9]*)threads([1-9][0-9]*)$ ]]; then
    echo "nest_r${BASH_REMATCH[1]}t${BASH_REMATCH[2]} ${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
  else return 1; fi
}
NEST_RUNS=() NASTRO_RUNS=()
for c in $NESTCFG; do
  x=$(nest_cfg "$c") || bad "--nest: '$c' is not threadsT, ranksR or ranksRthreadsT"
  NEST_RUNS+=("$x")
done
for r in $NRANKS; do NASTRO_RUNS+=("nastro_r$r $r"); done
CORES=$(nproc)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 PYNEST_QUIET=1
mpirun_n() { # n: mpiexec -n n, with --oversubscribe only when n exceeds the cores
  if [ "$1" -gt "$CORES" ]; then echo "$MPIEXEC --oversubscribe -n $1"; else echo "$MPIEXEC -n $1"; fi
}
now() { date +%s.%N; }
load() { cut -d' ' -f1 /proc/loadavg; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
fail() { # log: a run failed
  echo "$ME: run failed, the end of $1:" >&2; tail -25 "$1" >&2; exit 1
}

# ---- the record of this invocation
{
  echo "command: $ME $NASTRO $NEST_PREFIX $OUTDIR --scales \"$SCALES\" --seeds \"$SEEDS\"" \
    "--nastro-ranks \"$NRANKS\" --nest \"$NESTCFG\" --figure $FIG$([ $KEEP = 1 ] && echo " --keep-h5")$([ $REUSE = 1 ] && echo " --reuse")"
  echo "start: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: $(hostname), $CORES cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "nastro: $NASTRO (git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ', work tree modified'))"
  echo "nest: $NEST_PREFIX, NEST $NEST_VERSION, PYTHONPATH $NEST_PP"
  echo "mpiexec: $($MPIEXEC --version 2>/dev/null | head -1)"
  echo "scales: $SCALES"
  echo "seeds: $SEEDS"
  echo "configs: $(for x in "${NASTRO_RUNS[@]}" "${NEST_RUNS[@]}"; do printf '%s ' "${x%% *}"; done)"
} >"$OUTDIR/meta.txt"
cat "$OUTDIR/meta.txt" >&2

# ---- one run of each kind
run_nastro() { # scale seed name ranks
  local S=$1 K=$2 name=$3 R=$4 d="$OUTDIR/scale$1" base t0 t1
  base="$d/${name}_s$K"
  if [ $REUSE = 1 ] && [ -s "$base.stats.json" ] && [ -s "$base.h5info.json" ]; then
    echo "$ME: [$step/$nsteps] kept scale $S seed $K $name (--reuse)" >&2; return
  fi
  rm -f "$base.h5" "$base.stats.json" "$base.h5info.json"
  t0=$(now)
  # shellcheck disable=SC2046
  /usr/bin/time -v -o "$base.time" $(mpirun_n "$R") "$NASTRO" -network "$NET" \
    -network_set "scale=$S,seed=$K,record.traces.0.cells=all" -o "$base.h5" -quiet >"$base.log" 2>&1 || fail "$base.log"
  t1=$(now)
  elapsed "$t0" "$t1" >"$base.wall"
  $PY "$ROOT/analysis/network_stats.py" "$base.h5" --from 100 --to 1100 --json >"$base.stats.json.tmp" \
    || { rm -f "$base.stats.json.tmp"; fail "$base.log"; }
  $PY "$HERE/benchmark_table.py" --summarize-nastro "$base.h5" >"$base.h5info.json.tmp" \
    || { rm -f "$base.h5info.json.tmp"; fail "$base.log"; }
  mv "$base.stats.json.tmp" "$base.stats.json"
  mv "$base.h5info.json.tmp" "$base.h5info.json"
  [ $KEEP = 1 ] || rm -f "$base.h5"
  echo "$ME: [$step/$nsteps] scale $S seed $K $name: $(cat "$base.wall") s process wall," \
    "$($PY -c "import json,sys; t=json.load(open(sys.argv[1]))['timing']; print(f\"{t['run'] / 1.1:.3g} s per biological s (run / 1.1 s)\")" "$base.h5info.json")" \
    "(load $(load))" >&2
}

run_nest() { # scale seed name procs threads
  local S=$1 K=$2 name=$3 P=$4 T=$5 d="$OUTDIR/scale$1" base t0 t1 launch=""
  base="$d/${name}_s$K"
  if [ $REUSE = 1 ] && [ -s "$base.json" ]; then
    echo "$ME: [$step/$nsteps] kept scale $S seed $K $name (--reuse)" >&2; return
  fi
  rm -f "$base.json" "$base".rank*.json
  [ "$P" -gt 1 ] && launch=$(mpirun_n "$P")
  t0=$(now)
  # shellcheck disable=SC2086
  /usr/bin/time -v -o "$base.time" $launch $PY "$HERE/nest/brunel_bench.py" --nest-pythonpath "$NEST_PP" \
    --scale "$S" --seed "$K" --threads "$T" --out "$base" >"$base.log" 2>&1 || fail "$base.log"
  t1=$(now)
  elapsed "$t0" "$t1" >"$base.wall"
  [ -s "$base.json" ] || fail "$base.log"
  echo "$ME: [$step/$nsteps] scale $S seed $K $name: $(cat "$base.wall") s process wall," \
    "$($PY -c "import json,sys; r=json.load(open(sys.argv[1])); print(f\"{r['rtf_total']:.3g} s per biological s over 1.1 s ({r['rtf_measured']:.3g} over the measured 1 s)\")" "$base.json")" \
    "(load $(load))" >&2
}

# ---- the empty NEST kernels, once per configuration
for x in "${NEST_RUNS[@]}"; do
  read -r name P T <<<"$x"
  e="$OUTDIR/nest_empty_${name#nest_}"
  if [ $REUSE = 1 ] && [ -s "$e.json" ]; then continue; fi
  rm -f "$e.json" "$e".rank*.json
  launch=""
  [ "$P" -gt 1 ] && launch=$(mpirun_n "$P")
  # shellcheck disable=SC2086
  $launch $PY "$HERE/nest/brunel_bench.py" --nest-pythonpath "$NEST_PP" --empty --threads "$T" --out "$e" \
    >"$e.log" 2>&1 || fail "$e.log"
  echo "$ME: empty NEST kernel, $name: $($PY -c "import json,sys; r=json.load(open(sys.argv[1])); print(f\"{r['peak_rss_total'] / 2**20:.0f} MiB in all\")" "$e.json")" >&2
done

# ---- the runs: per scale and seed, the simulators alternating
nsteps=0
for S in $SCALES; do for K in $SEEDS; do nsteps=$((nsteps + ${#NASTRO_RUNS[@]} + ${#NEST_RUNS[@]})); done; done
step=0
T_ALL0=$(now)
for S in $SCALES; do
  mkdir -p "$OUTDIR/scale$S"
  i=0
  for K in $SEEDS; do
    order=()  # nastro[0], NEST[0], nastro[1], NEST[1], ...
    n=$(( ${#NASTRO_RUNS[@]} > ${#NEST_RUNS[@]} ? ${#NASTRO_RUNS[@]} : ${#NEST_RUNS[@]} ))
    for ((j = 0; j < n; j++)); do
      [ $j -lt ${#NASTRO_RUNS[@]} ] && order+=("nastro ${NASTRO_RUNS[$j]}")
      [ $j -lt ${#NEST_RUNS[@]} ] && order+=("nest ${NEST_RUNS[$j]}")
    done
    if [ $((i % 2)) = 1 ]; then  # every other seed in the reverse order
      rev=()
      for ((j = ${#order[@]} - 1; j >= 0; j--)); do rev+=("${order[$j]}"); done
      order=("${rev[@]}")
    fi
    for x in "${order[@]}"; do
      step=$((step + 1))
      read -r sim name a b <<<"$x"
      if [ "$sim" = nastro ]; then run_nastro "$S" "$K" "$name" "$a"; else run_nest "$S" "$K" "$name" "$a" "$b"; fi
    done
    i=$((i + 1))
  done
done
{
  echo "end: $(date -u +%Y-%m-%dT%H:%M:%SZ), runs $(elapsed "$T_ALL0" "$(now)") s"
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
} >>"$OUTDIR/meta.txt"
tail -2 "$OUTDIR/meta.txt" >&2

# ---- the tables
$PY "$HERE/benchmark_table.py" "$OUTDIR" --figure "$FIG" | tee "$OUTDIR/benchmark.md"
