#!/usr/bin/env bash
# Brian 2's neuron-glia example 6 (3200 E + 800 I COBA neurons, 3200 G-ChI astrocytes, 8 s) side by side with
# nastro's examples/networks/brian_example6_coba.yaml, in one invocation, alternating the simulators within each
# seed: Brian 2.5.1 (cpp_standalone, OpenMP threads; bench/brian/example6_coba.py) and nastro on each rank count.
# Each run is timed by /usr/bin/time -v (wall, largest process); nastro also reports its own phases and peak RSS.
# The comparison (bench/brian/compare_example6.py) prints wall times, memory, spike and release counts and the
# rates per stimulus epoch ([0, 2), [2, 4), [4, 6), [6, 8) s), each simulator's mean and spread over the seeds.
# Needs Debian's python3-brian (2.5.1) and g++. About 7 min per seed and Brian run on this 2-core machine.
# usage: bench/brian/example6.sh [BUILD_DIR] [OUT_DIR] [--seeds "1 2 3"] [--ranks "1 2"] [--threads 2]
#        [--t-stop MS] [--no-brian]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build out=$root/out/brian6
[ $# -gt 0 ] && [ "${1#--}" = "$1" ] && { build=$1; shift; }
[ $# -gt 0 ] && [ "${1#--}" = "$1" ] && { out=$1; shift; }
seeds="1 2 3" ranks="1 2" threads=2 t_stop=8000 brian=1
while [ $# -gt 0 ]; do
  case $1 in
  --seeds) seeds=$2; shift 2 ;;
  --ranks) ranks=$2; shift 2 ;;
  --threads) threads=$2; shift 2 ;;
  --t-stop) t_stop=$2; shift 2 ;;
  --no-brian) brian=0; shift ;;
  *) echo "example6.sh: unknown argument $1 (see the usage in the file's header)" >&2; exit 2 ;;
  esac
done
PY=/usr/bin/python3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
[ $brian = 0 ] || $PY -c "import brian2" 2>/dev/null || { echo "Brian 2 is not installed (apt-get install -y python3-brian)"; exit 1; }
[ -x "$build/nastro" ] || { echo "no nastro binary in $build"; exit 1; }
mkdir -p "$out"
ex=$root/examples/networks/brian_example6_coba.yaml
{
  echo "command: $0 $build $out --seeds \"$seeds\" --ranks \"$ranks\" --threads $threads --t-stop $t_stop"
  echo "start: $(date -u +%FT%TZ)"
  echo "host: $(hostname), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "nastro: $build/nastro ($(git -C "$root" rev-parse --short HEAD))"
  echo "brian: $($PY -c 'import brian2; print(brian2.__version__)' 2>/dev/null || echo none)"
} >"$out/invocation.txt"
timed() { # label, command...: /usr/bin/time -v of the command into $out/label.time, its output into label.log
  local label=$1; shift
  /usr/bin/time -v -o "$out/$label.time" "$@" >"$out/$label.log" 2>&1 || { echo "$label failed:"; tail -5 "$out/$label.log"; exit 1; }
  echo "$label: $(grep 'Elapsed (wall' "$out/$label.time" | awk '{print $NF}') wall"
}
for s in $seeds; do
  if [ $brian = 1 ]; then
    timed "brian_s$s" $PY "$root/bench/brian/example6_coba.py" "$out/brian_s$s.npz" --seed "$s" --threads "$threads" \
      --duration "$($PY -c "print($t_stop / 1000)")"
  fi
  for n in $ranks; do
    timed "nastro_p${n}_s$s" mpiexec --oversubscribe -n "$n" "$build/nastro" -network "$ex" \
      -network_set "seed=$s,t_stop=$t_stop" -quiet -o "$out/nastro_p${n}_s$s.h5"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/invocation.txt"
echo "end: $(date -u +%FT%TZ)" >>"$out/invocation.txt"
$PY "$root/bench/brian/compare_example6.py" "$out" | tee "$out/summary.md"
