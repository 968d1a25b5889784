#!/bin/bash
# One change at a time: the astrocyte-Brunel network through several nastro builds (each a commit), in
# alternating runs within one invocation (this VM's speed drifts over minutes; only interleaved runs compare).
# Prints per build the median over REPS runs of the wall per biological second and of the /timing split, the
# peak memory and the bytes per synapse (the older builds lack some /timing fields: "-").
#   [SCALE=1] [NETSET=t_stop=300,...] [RANKS="1 2"] [REPS=3] [WORK=/tmp/network-changes] \
#       bench/network_changes.sh LABEL=BUILD_DIR... [-- NASTRO_OPTIONS...]
# (NETSET is added to the -network_set scale=SCALE of every run: a second -network_set would replace it)
# e.g. bench/network_changes.sh base=/work/wt-old/build-old shared=/work/wt-a/build-x head=build
# Each BUILD_DIR holds nastro and its libnastro.so (run with LD_LIBRARY_PATH=BUILD_DIR).
set -euo pipefail
SCALE=${SCALE:-1}
RANKS=${RANKS:-1 2}
REPS=${REPS:-3}
WORK=${WORK:-/tmp/network-changes}
top=$(cd "$(dirname "$0")/.." && pwd)
net=$top/examples/networks/astrocyte_brunel_bernoulli.yaml
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
labels=() dirs=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  case $1 in
    *=*) labels+=("${1%%=*}"); dirs+=("$(realpath "${1#*=}")") ;;
    *) echo "network_changes.sh: '$1' is not LABEL=BUILD_DIR" >&2; exit 2 ;;
  esac
  shift
done
[ $# -gt 0 ] && shift
[ ${#labels[@]} -ge 1 ] || { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
for d in "${dirs[@]}"; do [ -x "$d/nastro" ] || { echo "network_changes.sh: no nastro in $d" >&2; exit 2; }; done
mkdir -p "$WORK"
: >"$WORK/runs.tsv"
echo "scale $SCALE, ranks $RANKS, $REPS alternating runs per build; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $RANKS; do
  for rep in $(seq 1 "$REPS"); do
    for i in "${!labels[@]}"; do
      out=$WORK/${labels[$i]}-r$r.h5
      LD_LIBRARY_PATH=${dirs[$i]} mpiexec -n "$r" --oversubscribe "${dirs[$i]}/nastro" -network "$net" \
        -network_set "scale=$SCALE${NETSET:+,$NETSET}" -quiet -o "$out" "$@" >"$WORK/log" 2>&1 ||
        { echo "network_changes.sh: ${labels[$i]} on $r rank(s) failed:" >&2; tail -3 "$WORK/log" >&2; exit 1; }
      /usr/bin/python3 - "$out" "${labels[$i]}" "$r" >>"$WORK/runs.tsv" <<'PY'
import h5py, sys
f = h5py.File(sys.argv[1], "r")
t, n = f["timing"].attrs, f["network"].attrs
bio = float(t["steps"]) * 0.1e-3  # biological seconds: the network's resolution is 0.1 ms
keys = ["run", "update_neurons", "update_astrocytes", "update", "exchange", "deliver_spikes", "deliver_sic",
        "deliver", "output", "peak_rss_total"]
vals = [str(float(t[k]) / bio) if k in t and k != "peak_rss_total" else (str(float(t[k])) if k in t else "-")
        for k in keys]
print("\t".join([sys.argv[2], sys.argv[3]] + vals + [str(float(n["bytes_per_synapse"]))]))
PY
    done
  done
done
/usr/bin/python3 - "$WORK/runs.tsv" "${labels[@]}" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
labels = sys.argv[2:]
cols = ["s/bio s", "neurons", "astrocytes", "update", "exchange", "spikes", "SIC", "deliver", "output",
        "peak RSS MiB", "B/synapse"]
print("| build | ranks | " + " | ".join(cols) + " |")
print("|---|---|" + "---|" * len(cols))
for r in sorted({x[1] for x in rows}, key=int):
    for lab in labels:
        sel = [x for x in rows if x[0] == lab and x[1] == r]
        if not sel:
            continue
        cells = []
        for c in range(2, 2 + len(cols)):
            v = [float(x[c]) for x in sel if x[c] != "-"]
            if not v:
                cells.append("-")
            elif cols[c - 2] == "peak RSS MiB":
                cells.append("%.0f" % (statistics.median(v) / 2**20))
            else:
                cells.append("%.3g" % statistics.median(v))
        print("| %s | %s | %s |" % (lab, r, " | ".join(cells)))
print("(times: wall s per biological s, median of the runs; update = neurons + astrocytes; deliver = spikes + SIC)")
PY
