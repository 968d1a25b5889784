#!/bin/bash
# Submits a strong- and/or weak-scaling study of nastro (naam) to Slurm, one job per run, into one folder.
#
# usage: jobs/sweep.sh STUDY_DIR [--type strong|weak|both] [--ranks "1 2 4 8"] [--N 2000] [--weak-N 1000]
#                      [--tasks-per-node T] [--time 00:30:00] [--options FILE] [--parallel] [--wait]
#                      [-- NASTRO OPTIONS...]
#   --type          which studies (default both)
#   --ranks         rank counts (default "1 2 4 8")
#   --N             strong scaling: the fixed N (default 2000)
#   --weak-N        weak scaling: N on the smallest rank count p0; on p ranks N = round(N0 sqrt(p / p0)), so
#                   N^2 per rank (the synapses and processes each rank owns) stays constant (default 1000)
#   --tasks-per-node  ranks per node: a run on p ranks asks for ceil(p / T) nodes (default: let Slurm choose)
#   --time          time limit per run (default 00:30:00)
#   --options FILE  a nastro options file for every run (default: none; the built-in problem below)
#   --parallel      submit the runs independently; by default each run depends on the previous one
#                   (--dependency=afterany), so runs never share a node's cores and timings stay clean
#   --wait          return only when every run has left the queue; exit 1 unless all outputs are complete
#   NASTRO OPTIONS  appended to every run (after the study's own), e.g. -naam_K 20
# Every run is jobs/nastro.sbatch with -o STUDY_DIR/<type>-p<ranks>-N<N>.h5; logs in STUDY_DIR/logs/.
# STUDY_DIR/manifest.tsv has one line per run: study, ranks, N, file (relative to STUDY_DIR), job id.
# Default problem (the same number of fixed steps at every size, so runs compare per step):
#   -model naam -naam_K 10 -ts_type rk -ts_rk_type 4 -ts_adapt_type none -ts_dt 0.05 -ts_max_time 2
#   -output_interval 1 -quiet
# Site settings: partition and account through sbatch's environment (SBATCH_PARTITION, SBATCH_ACCOUNT),
# modules and the binary through NASTRO_MODULES and NASTRO (docs/slurm.md). Report: analysis/scaling_report.py.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 1; }
study=$1; shift
type=both ranks="1 2 4 8" N=2000 weakN=1000 tpn="" time=00:30:00 optfile=none parallel=0 waitall=0
while [ $# -gt 0 ]; do
  case $1 in
    --type) type=$2; shift 2 ;;
    --ranks) ranks=$2; shift 2 ;;
    --N) N=$2; shift 2 ;;
    --weak-N) weakN=$2; shift 2 ;;
    --tasks-per-node) tpn=$2; shift 2 ;;
    --time) time=$2; shift 2 ;;
    --options) optfile=$(realpath "$2"); shift 2 ;;
    --parallel) parallel=1; shift ;;
    --wait) waitall=1; shift ;;
    --) shift; break ;;
    *) echo "sweep.sh: unknown argument $1" >&2; exit 1 ;;
  esac
done
case $type in strong|weak|both) ;; *) echo "sweep.sh: --type $type: must be strong, weak or both" >&2; exit 1 ;; esac
command -v sbatch >/dev/null || { echo "sweep.sh: sbatch not found (is Slurm installed and configured?)" >&2; exit 1; }
export NASTRO=${NASTRO:-$top/build/nastro}
[ -x "$NASTRO" ] || { echo "sweep.sh: no nastro binary at $NASTRO (set NASTRO)" >&2; exit 1; }
base=(-model naam -naam_K 10 -ts_type rk -ts_rk_type 4 -ts_adapt_type none -ts_dt 0.05 -ts_max_time 2 -output_interval 1 -quiet)

mkdir -p "$study/logs"
study=$(realpath "$study")
manifest=$study/manifest.tsv
[ -f "$manifest" ] || printf 'study\tranks\tN\tfile\tjob\n' >"$manifest"
echo "nastro sweep $(date -u +%FT%TZ): ${base[*]} $* (options file: $optfile)" >>"$study/README.txt"
p0=$(echo $ranks | tr ' ' '\n' | sort -n | head -1)
prev="" jobs=()
submit() { # study ranks N
  local s=$1 p=$2 n=$3 file="$1-p$(printf %04d "$2")-N$3.h5" dep=() nodes=()
  [ $parallel -eq 0 ] && [ -n "$prev" ] && dep=(--dependency=afterany:$prev)
  [ -n "$tpn" ] && nodes=(--nodes=$(((p + tpn - 1) / tpn)) --ntasks-per-node="$tpn")
  local id
  id=$(sbatch --parsable --job-name="nastro-$s-p$p" --ntasks="$p" "${nodes[@]}" --time="$time" "${dep[@]}" \
       --chdir="$study" --output="$study/logs/%x-%j.log" \
       "$top/jobs/nastro.sbatch" "$optfile" "$study/$file" "${base[@]}" -naam_N "$n" "$@")
  id=${id%%;*}
  printf '%s\t%s\t%s\t%s\t%s\n' "$s" "$p" "$n" "$file" "$id" >>"$manifest"
  echo "submitted $s p=$p N=$n -> $file (job $id)"
  prev=$id; jobs+=("$id")
}
for p in $ranks; do
  [ "$type" = weak ] || submit strong "$p" "$N" "$@"
done
for p in $ranks; do
  [ "$type" = strong ] || submit weak "$p" "$(/usr/bin/python3 -c "print(round($weakN * ($p / $p0) ** 0.5))")" "$@"
done
echo "study folder: $study (manifest.tsv); report: /usr/bin/python3 $top/analysis/scaling_report.py $study"
if [ $waitall -eq 1 ]; then
  ids=$(IFS=,; echo "${jobs[*]}")
  while [ -n "$(squeue -h -j "$ids" -o %i 2>/dev/null)" ]; do sleep 2; done
  bad=0
  for f in $(tail -n +2 "$manifest" | cut -f4); do
    /usr/bin/python3 -c "import h5py,sys; sys.exit(0 if h5py.File(sys.argv[1],'r').attrs['complete'] == 1 else 1)" "$study/$f" 2>/dev/null ||
      { echo "sweep.sh: $f is missing or incomplete (see $study/logs/)" >&2; bad=1; }
  done
  exit $bad
fi
