#!/bin/bash
# Runs one nastro simulation on this machine's MPI ranks and draws its figure.
# usage: jobs/run_local.sh [OPTIONS_FILE | NETWORK_FILE] [RANKS] [OUTPUT.h5]
#   OPTIONS_FILE  PETSc options, .yaml or plain (default examples/retrieval.yaml: the authors' tutorial
#                 retrieval, N = 500 neurons, K = 10 patterns, cue with 10 % of its signs flipped)
#   NETWORK_FILE  a spiking network (a .yaml with a populations: key, docs/networks.md), e.g.
#                 examples/networks/astrocyte_small_network.yaml; drawn by analysis/plot_network.py
#   RANKS         MPI ranks (default 2)
#   OUTPUT.h5     output file (default out/<options file name>.h5); the figure goes beside it as .png
# Needs a build: scripts/setup.sh. Prints nastro's summary (Hamming distance of the final state to the
# cued pattern, energy drop, simulated and wall time).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
opts=${1:-$top/examples/retrieval.yaml}
ranks=${2:-2}
name=$(basename "${opts%.*}")
out=${3:-out/$name.h5}
mkdir -p "$(dirname "$out")"
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
plot=plot_run.py
case "$opts" in
  *.yaml|*.yml)
    optflag=-options_file_yaml
    if grep -q '^populations:' "$opts"; then optflag=-network plot=plot_network.py; fi ;;
  *) optflag=-options_file ;;
esac
extra=()
[ "$ranks" -gt "$(nproc)" ] && extra=(--oversubscribe)
mpiexec "${extra[@]}" -n "$ranks" "$top/build/nastro" $optflag "$opts" -o "$out"
/usr/bin/python3 "$top/analysis/$plot" "$out"
