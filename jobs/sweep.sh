#!/bin/bash
# Submits a strong- and/or weak-scaling study of nastro to Slurm (or runs it here), one job per run, into one
# folder: of naam (the default) or of a spiking network (--network FILE).
#
# usage: jobs/sweep.sh STUDY_DIR [--type strong|weak|both] [--ranks "1 2 4 8"] [--tasks-per-node T]
#                      [--time 00:30:00] [--parallel] [--wait] [--local]
#                      [--N 2000] [--weak-N 1000] [--options FILE]                            (naam)
#                      [--network FILE [--scale S] [--weak-scale S0] [--t-stop MS] [--set KEY=V,...]]  (network)
#                      [-- NASTRO OPTIONS...]
#   --type          which studies (default both)
#   --ranks         rank counts (default "1 2 4 8")
#   --tasks-per-node  ranks per node: a run on p ranks asks for ceil(p / T) nodes (default: let Slurm choose)
#   --time          time limit per run (default 00:30:00)
#   --parallel      submit the runs independently; by default each run depends on the previous one
#                   (--dependency=afterany), so runs never share a node's cores and timings stay clean
#   --wait          return only when every run has left the queue; exit 1 unless all outputs are complete
#   --local         no Slurm: run the study here, one run after the other, through jobs/nastro.sbatch with
#                   mpirun -n p (--oversubscribe beyond this machine's cores); implies --wait; the manifest's
#                   job column says "local"; with /usr/bin/time, logs/<run>.time holds the run's wall, user and
#                   system seconds (all ranks) and, for network studies, logs/probe-p<P>.time those of a run of one
#                   step (what starting and ending an MPI run costs), from which the report and the model get the
#                   share of the cores a run got on a shared machine
#  naam (the default):
#   --N             strong scaling: the fixed N (default 2000)
#   --weak-N        weak scaling: N on the smallest rank count p0; on p ranks N = round(N0 sqrt(p / p0)), so
#                   N^2 per rank (the synapses and processes each rank owns) stays constant (default 1000)
#   --options FILE  a nastro options file for every run (default: none; the built-in problem below)
#  a spiking network (docs/networks.md):
#   --network FILE  the network file (e.g. examples/networks/astrocyte_brunel_bernoulli.yaml)
#   --scale S       strong scaling: the fixed scale (default 1; the file's `scale`: it multiplies the cell
#                   counts and keeps the in-degrees)
#   --weak-scale S0 weak scaling, as Jiang et al. (2025) grow NEST's benchmark: scale S0 on p0 ranks, on p
#                   ranks S0 p / p0, so the cells (and synapses) per rank stay constant (default 1)
#   --t-stop MS     biological time of every run (default 1100: the benchmark's 100 ms warm-up and 1 s)
#   --set KEY=V,... more -network_set overrides for every run (merged with scale and t_stop into the one
#                   -network_set nastro reads; NASTRO OPTIONS must not contain another -network_set)
#   NASTRO OPTIONS  appended to every run (after the study's own), e.g. -naam_K 20 or -A_step_multiple 10
# Every run is jobs/nastro.sbatch with -o STUDY_DIR/<type>-p<ranks>-N<N>.h5 (naam) or
# STUDY_DIR/<type>-p<ranks>-s<scale>.h5 (network); logs in STUDY_DIR/logs/.
# STUDY_DIR/manifest.tsv has one line per run: study, ranks, N, file (relative to STUDY_DIR), job id, scale;
# naam runs have scale "-", network runs N "-" (their cell count is in the output's /network).
# Default naam problem (the same number of fixed steps at every size, so runs compare per step):
#   -model naam -naam_K 10 -ts_type rk -ts_rk_type 4 -ts_adapt_type none -ts_dt 0.05 -ts_max_time 2
#   -output_interval 1 -quiet
# Network runs: -network FILE -network_set scale=S,t_stop=MS[,--set's] -quiet
# Site settings: partition and account through sbatch's environment (SBATCH_PARTITION, SBATCH_ACCOUNT),
# modules and the binary through NASTRO_MODULES and NASTRO (docs/slurm.md). Report: analysis/scaling_report.py;
# model: analysis/scaling_model.py (docs/scaling.md).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 1; }
case $1 in -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; -*)
  echo "sweep.sh: the first argument is the study folder, not '$1' (jobs/sweep.sh --help)" >&2; exit 1 ;; esac
study=$1; shift
type=both ranks="1 2 4 8" N=2000 weakN=1000 tpn="" time=00:30:00 optfile=none parallel=0 waitall=0 local=0
network="" scale=1 weakscale=1 tstop=1100 sets="" naamonly=() netonly=()
need() { [ $# -ge 2 ] || { echo "sweep.sh: $1 needs a value" >&2; exit 1; }; }
while [ $# -gt 0 ]; do
  case $1 in
    --type) need "$@"; type=$2; shift 2 ;;
    --ranks) need "$@"; ranks=$2; shift 2 ;;
    --N) need "$@"; N=$2; naamonly+=(--N); shift 2 ;;
    --weak-N) need "$@"; weakN=$2; naamonly+=(--weak-N); shift 2 ;;
    --tasks-per-node) need "$@"; tpn=$2; shift 2 ;;
    --time) need "$@"; time=$2; shift 2 ;;
    --options) need "$@"; [ -f "$2" ] || { echo "sweep.sh: --options $2: no such file" >&2; exit 1; }
      optfile=$(realpath "$2"); naamonly+=(--options); shift 2 ;;
    --network) need "$@"; [ -f "$2" ] || { echo "sweep.sh: --network $2: no such file" >&2; exit 1; }
      grep -q '^populations:' "$2" || { echo "sweep.sh: --network $2: not a network file (no populations: key; docs/networks.md)" >&2; exit 1; }
      network=$(realpath "$2"); shift 2 ;;
    --scale) need "$@"; scale=$2; netonly+=(--scale); shift 2 ;;
    --weak-scale) need "$@"; weakscale=$2; netonly+=(--weak-scale); shift 2 ;;
    --t-stop) need "$@"; tstop=$2; netonly+=(--t-stop); shift 2 ;;
    --set) need "$@"; sets=$2; netonly+=(--set); shift 2 ;;
    --parallel) parallel=1; shift ;;
    --wait) waitall=1; shift ;;
    --local) local=1; waitall=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    *) echo "sweep.sh: unknown argument $1 (jobs/sweep.sh --help)" >&2; exit 1 ;;
  esac
done
bad() { echo "sweep.sh: $1" >&2; exit 1; }
case $type in strong|weak|both) ;; *) bad "--type $type: must be strong, weak or both" ;; esac
[ -n "$(echo $ranks)" ] || bad "--ranks '$ranks': give at least one rank count"
for p in $ranks; do [[ $p =~ ^[1-9][0-9]*$ ]] || bad "--ranks '$ranks': $p is not a positive whole number"; done
[ -z "$tpn" ] || [[ $tpn =~ ^[1-9][0-9]*$ ]] || bad "--tasks-per-node $tpn: must be a positive whole number"
posnum() { [[ $2 =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$ ]] && /usr/bin/python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > 0 else 1)" "$2" ||
           bad "$1 $2: must be a positive number"; }
if [ -n "$network" ]; then
  [ ${#naamonly[@]} -eq 0 ] || bad "${naamonly[0]} is for naam studies; a network study (--network) takes --scale, --weak-scale, --t-stop, --set"
  posnum --scale "$scale"; posnum --weak-scale "$weakscale"; posnum --t-stop "$tstop"
  case ",$sets," in *,scale=*|*,t_stop=*) bad "--set $sets: give scale and t_stop with --scale/--weak-scale and --t-stop" ;; esac
  [[ $sets != *' '* ]] || bad "--set '$sets': KEY=VALUE pairs are separated by commas, without spaces"
  for a in "$@"; do [ "$a" != -network_set ] || bad "-network_set after --: nastro reads only one; put the overrides in --set"; done
else
  [ ${#netonly[@]} -eq 0 ] || bad "${netonly[0]} is for network studies: give --network FILE"
  for v in "$N" "$weakN"; do [[ $v =~ ^[1-9][0-9]*$ ]] || bad "--N/--weak-N $v: must be a positive whole number"; done
fi
if [ $local -eq 0 ]; then
  command -v sbatch >/dev/null || bad "sbatch not found (is Slurm installed and configured? --local runs the study here)"
fi
export NASTRO=${NASTRO:-$top/build/nastro}
[ -x "$NASTRO" ] || bad "no nastro binary at $NASTRO (set NASTRO)"
if [ -n "$network" ]; then
  base=(-quiet)
  optfile=$network
else
  base=(-model naam -naam_K 10 -ts_type rk -ts_rk_type 4 -ts_adapt_type none -ts_dt 0.05 -ts_max_time 2 -output_interval 1 -quiet)
fi

mkdir -p "$study/logs"
study=$(realpath "$study")
manifest=$study/manifest.tsv
if [ ! -f "$manifest" ]; then printf 'study\tranks\tN\tfile\tjob\tscale\n' >"$manifest"
elif ! head -1 "$manifest" | grep -q $'\tscale$'; then sed -i '1s/$/\tscale/' "$manifest"; fi  # an older study folder
if [ -n "$network" ]; then
  echo "nastro sweep $(date -u +%FT%TZ): network $network, ${base[*]} -network_set scale=...,t_stop=$tstop${sets:+,$sets} $*" >>"$study/README.txt"
else
  echo "nastro sweep $(date -u +%FT%TZ): ${base[*]} $* (options file: $optfile)" >>"$study/README.txt"
fi
p0=$(echo $ranks | tr ' ' '\n' | sort -n | head -1)
prev="" jobs=() failed=0
submit() { # study ranks N-or-scale NASTRO-OPTIONS...
  local s=$1 p=$2 size=$3 file n=$3 sc=- what dep=() nodes=() extra=() id timer
  shift 3
  if [ -n "$network" ]; then
    file="$s-p$(printf %04d "$p")-s$size.h5" n=- sc=$size what="scale=$size"
    extra=(-network_set "scale=$size,t_stop=$tstop${sets:+,$sets}")
  else
    file="$s-p$(printf %04d "$p")-N$size.h5" extra=(-naam_N "$size") what="N=$size"
  fi
  if [ $local -eq 1 ]; then
    id=local
    echo "running $s p=$p $what -> $file"
    timer=()  # the run's CPU seconds against its wall: the share of the cores it got on a shared machine
    [ -x /usr/bin/time ] && timer=(/usr/bin/time -f "%e %U %S" -o "$study/logs/${file%.h5}.time")
    if ! "${timer[@]}" env -u SLURM_JOB_ID -u SLURM_NTASKS NASTRO_RANKS="$p" bash "$top/jobs/nastro.sbatch" "$optfile" "$study/$file" \
         "${base[@]}" "${extra[@]}" "$@" >"$study/logs/${file%.h5}-local.log" 2>&1; then
      echo "sweep.sh: $file failed (see $study/logs/${file%.h5}-local.log)" >&2; failed=1
    fi
  else
    [ $parallel -eq 0 ] && [ -n "$prev" ] && dep=(--dependency=afterany:$prev)
    [ -n "$tpn" ] && nodes=(--nodes=$(((p + tpn - 1) / tpn)) --ntasks-per-node="$tpn")
    id=$(sbatch --parsable --job-name="nastro-$s-p$p" --ntasks="$p" "${nodes[@]}" --time="$time" "${dep[@]}" \
         --chdir="$study" --output="$study/logs/%x-%j.log" \
         "$top/jobs/nastro.sbatch" "$optfile" "$study/$file" "${base[@]}" "${extra[@]}" "$@")
    id=${id%%;*}
    echo "submitted $s p=$p $what -> $file (job $id)"
    prev=$id; jobs+=("$id")
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$p" "$n" "$file" "$id" "$sc" >>"$manifest"
}
if [ $local -eq 1 ] && [ -n "$network" ] && [ -x /usr/bin/time ]; then
  # the start and end of an MPI run (launch, MPI_Init, the output file) take wall and CPU seconds of their own:
  # one step of the smallest network, on each rank count, tells the model how much (logs/probe-p<P>.time)
  res=$(sed -n 's/^resolution: *\([0-9.eE+-]*\).*/\1/p' "$network" | head -1)
  case $type in
    strong) smin=$scale ;; weak) smin=$weakscale ;;
    both) smin=$(/usr/bin/python3 -c "import sys; print('%g' % min(map(float, sys.argv[1:])))" "$scale" "$weakscale") ;;
  esac
  for p in $ranks; do
    [ -f "$study/logs/probe-p$p.time" ] && continue
    /usr/bin/time -f "%e %U %S" -o "$study/logs/probe-p$p.time" env -u SLURM_JOB_ID -u SLURM_NTASKS NASTRO_RANKS="$p" \
      bash "$top/jobs/nastro.sbatch" "$network" "$study/logs/probe-p$p.h5" -quiet -network_set "scale=$smin,t_stop=${res:-0.1}${sets:+,$sets}" \
      "$@" >"$study/logs/probe-p$p.log" 2>&1 || rm -f "$study/logs/probe-p$p.time"
    rm -f "$study/logs/probe-p$p.h5"
  done
fi
for p in $ranks; do
  [ "$type" = weak ] && continue
  if [ -n "$network" ]; then submit strong "$p" "$scale" "$@"; else submit strong "$p" "$N" "$@"; fi
done
for p in $ranks; do
  [ "$type" = strong ] && continue
  if [ -n "$network" ]; then
    submit weak "$p" "$(/usr/bin/python3 -c "import sys; print('%g' % (float(sys.argv[1]) * int(sys.argv[2]) / int(sys.argv[3])))" "$weakscale" "$p" "$p0")" "$@"
  else
    submit weak "$p" "$(/usr/bin/python3 -c "print(round($weakN * ($p / $p0) ** 0.5))")" "$@"
  fi
done
echo "study folder: $study (manifest.tsv); report: /usr/bin/python3 $top/analysis/scaling_report.py $study"
if [ $waitall -eq 1 ]; then
  if [ ${#jobs[@]} -gt 0 ]; then
    ids=$(IFS=,; echo "${jobs[*]}")
    while [ -n "$(squeue -h -j "$ids" -o %i 2>/dev/null)" ]; do sleep 2; done
  fi
  bad=$failed
  for f in $(tail -n +2 "$manifest" | cut -f4); do
    /usr/bin/python3 -c "import h5py,sys; sys.exit(0 if h5py.File(sys.argv[1],'r').attrs['complete'] == 1 else 1)" "$study/$f" 2>/dev/null ||
      { echo "sweep.sh: $f is missing or incomplete (see $study/logs/)" >&2; bad=1; }
  done
  exit $bad
fi
