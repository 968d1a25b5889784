#!/bin/bash
# The attention circuit on transformers trained here (docs/attention.md, "Trained transformers"): trains a causal
# language model on the Python 3.11 documentation (python3.11-doc) and a ViT on sklearn's digits if
# out/transformers/{text,digits}.pt are absent (about 3 + 3 minutes on 2 cores), exports every layer and head
# (analysis/attention_export.py), runs them through nastro (discrete m = 10^3, 10^5; ODE m = 10^3 for every head,
# 10^4 and 10^5 for a few within --ode-seconds; an error-vs-m sweep against random projections) and writes figures
# and the per-head table (analysis/attention_experiment.py).
# usage: examples/attention_transformers.sh [OUTDIR [OPTIONS of attention_experiment.py]]
#        (default out/attention-transformers; needs a build in ./build; all 56 heads at m = 10^5 in the ODE form:
#        --ode-seconds 5000 --jobs 2, about an hour on 2 cores)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-out/attention-transformers}
shift $(( $# > 0 ))
exec /usr/bin/python3 "$top/analysis/attention_experiment.py" "$out" --weights "${WEIGHTS:-out/transformers}" \
  --nastro "${NASTRO:-$top/build/nastro}" "$@"
