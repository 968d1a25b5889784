#!/bin/bash
# The attention circuit on this project's own words (examples/attention_text.txt): embeds the text
# (examples/attention_embed.py), runs the TS-integrated circuit with m = 10^3 (tau_r 0.5: a ~ 80 here, so r
# still settles in e^-80 of a window, and the explicit stepper is 7x cheaper) and the discrete algorithm with
# m = 10^5, and draws a_t and Z_t against the tokens (analysis/attention_plot.py trace).
# usage: examples/attention_text.sh [OUTDIR]   (default out/attention-text; needs a build in ./build)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-out/attention-text}
mkdir -p "$out"
nastro=${NASTRO:-$top/build/nastro}
/usr/bin/python3 "$top/examples/attention_embed.py" "$top/examples/attention_text.txt" "$out/input.h5"
"$nastro" -model attention -attention_input "$out/input.h5" -attention_m 1000 -attention_tau_r 0.5 -o "$out/m1e3-ode.h5" | grep -E 'summary|attention|ODE'
"$nastro" -model attention -attention_input "$out/input.h5" -attention_m 100000 -attention_form discrete -o "$out/m1e5.h5" | grep -E 'attention \('
/usr/bin/python3 "$top/analysis/attention_plot.py" trace "$out/m1e3-ode.h5" "$out/m1e5.h5" --labels "$out/input.h5" -o "$out/attention-text.png"
