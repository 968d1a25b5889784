#!/bin/bash
# The exchange's ordering of a slice's spike records, build against build: bench/sort_spikes.yaml (3700 spikes per
# 1 ms slice, 48-byte records as in the astrocyte-Brunel benchmark) through each build in alternating runs, on
# RANKS ranks with -exchange flat and node; prints per build the median over REPS runs of -log_view's NaXSpikes
# (the spike records' gather and sort, the maximum over ranks) per slice, and checks that the builds' spikes agree.
#   [RANKS="1 2"] [REPS=5] [WORK=/tmp/sort-spikes] bench/sort_spikes.sh LABEL=BUILD_DIR...
# e.g. bench/sort_spikes.sh qsort=/work/wt-old/build-old counting=build
set -euo pipefail
RANKS=${RANKS:-1 2}
REPS=${REPS:-5}
WORK=${WORK:-/tmp/sort-spikes}
top=$(cd "$(dirname "$0")/.." && pwd)
net=$top/bench/sort_spikes.yaml
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
labels=() dirs=()
for a in "$@"; do
  case $a in
    *=*) labels+=("${a%%=*}"); dirs+=("$(realpath "${a#*=}")") ;;
    *) echo "sort_spikes.sh: '$a' is not LABEL=BUILD_DIR" >&2; exit 2 ;;
  esac
done
[ ${#labels[@]} -ge 1 ] || { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
mkdir -p "$WORK"
echo "ranks $RANKS, $REPS alternating runs per build; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $RANKS; do
  for x in flat node; do
    [ "$r" = 1 ] && [ $x = node ] && continue # one rank: always flat
    declare -A t=()
    for rep in $(seq 1 "$REPS"); do
      for i in "${!labels[@]}"; do
        out=$WORK/${labels[$i]}-r$r-$x.h5
        LD_LIBRARY_PATH=${dirs[$i]} mpiexec -n "$r" --oversubscribe "${dirs[$i]}/nastro" -network "$net" -exchange $x \
          -quiet -o "$out" -log_view >"$WORK/log" 2>&1 ||
          { echo "sort_spikes.sh: ${labels[$i]} on $r rank(s) failed:" >&2; tail -3 "$WORK/log" >&2; exit 1; }
        t[$i]+="$(awk '/^NaXSpikes/ {print $4 / $2 * 1e6}' "$WORK/log") "
      done
    done
    for i in "${!labels[@]}"; do
      /usr/bin/python3 -c "
import sys, statistics, h5py, numpy as np
v = [float(x) for x in sys.argv[3].split()]
f, g = h5py.File(sys.argv[4]), h5py.File(sys.argv[5])
same = all(np.array_equal(f['spikes/N/' + k][:], g['spikes/N/' + k][:]) for k in ('node_ids', 'timestamps'))
print('%-10s ranks %s %-4s NaXSpikes %6.1f us per slice (runs %s); spikes %s the first build\'s' % (
    sys.argv[1], sys.argv[2], sys.argv[6], statistics.median(v), ' '.join('%.1f' % x for x in v), 'equal to' if same else 'DIFFER from'))
" "${labels[$i]}" "$r" "${t[$i]}" "$WORK/${labels[0]}-r$r-$x.h5" "$WORK/${labels[$i]}-r$r-$x.h5" $x
    done
    unset t
  done
done
