#!/bin/bash
# Side-by-side cost of the attention circuit's ODE form (-ts_type arkimex -ts_arkimex_type 5, as
# analysis/attention_experiment.py runs it) for two builds, runs alternating so that both see the same load.
# usage: bench/attention_ode_ab.sh A/nastro B/nastro INPUT.h5 M [REPS [EXTRA OPTIONS...]]
#   A, B: two nastro binaries (a build dir's, or a copy of nastro and libnastro.so); INPUT: a one-head file of
#   analysis/attention_experiment.py (OUTDIR/inputs/NAME_headH.h5); M: -attention_m; EXTRA: more options for both.
# Prints per run: wall (nastro's wall_time; user CPU time beside it: less sensitive to other jobs), steps (accepted), rejected, ms per attempted step, ODE vs discrete a, y;
# then whether A's and B's read-outs and traces are bitwise the same (h5diff of /calcium, /y, /calcium_trace).
set -euo pipefail
[ $# -ge 4 ] || { sed -n 2,7p "$0"; exit 2; }
a=$1 b=$2 inp=$3 m=$4 reps=${5:-1}
shift 4; [ $# -gt 0 ] && shift
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
run() { # tag binary rep
  local out="$tmp/$1-$3.h5" tag=$1 bin=$2
  shift 3
  /usr/bin/time -f "%U" -o "$tmp/cpu" nice -n 10 "$bin" -model attention -attention_m "$m" -attention_form ode -attention_feature_seed 1 \
    -attention_input "$inp" -ts_type arkimex -ts_arkimex_type 5 -quiet -o "$out" "$@" >"$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
  local rej
  rej=$(grep -o '([0-9]* rejected' "$tmp/log" | tr -dc 0-9)
  /usr/bin/python3 - "$out" "$tag" "$rej" "$(tail -1 "$tmp/cpu")" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r"); w, s, rej = float(f.attrs["wall_time"]), int(f.attrs["steps"]), int(sys.argv[3] or 0)
print("%s: wall %.2f s (user CPU %s s), %d steps (%d rejected), %.2f ms/step, ODE vs discrete a %.2g, y %.2g" % (
      sys.argv[2], w, sys.argv[4], s, rej, 1e3 * w / (s + rej), f.attrs["relerr_ode_discrete_calcium"],
      f.attrs["relerr_ode_discrete_y"]))
PY
}
for r in $(seq 1 "$reps"); do
  run A "$a" "$r" "$@"
  run B "$b" "$r" "$@"
done
same=yes
for d in /calcium /y /calcium_trace; do h5diff -q "$tmp/A-1.h5" "$tmp/B-1.h5" $d >/dev/null || same=no; done
echo "A and B bitwise the same (/calcium, /y, /calcium_trace): $same"
