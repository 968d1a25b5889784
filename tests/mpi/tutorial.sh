#!/bin/bash
# The foundation's acceptance runs (models.md 1.8 and 1.9 item 5), on 2 ranks:
#  - the authors' tutorial setting ends at Hamming distance 0 with non-increasing energy, both with the
#    default adaptive stepper and with -ts_type euler -ts_dt 0.05 -ts_max_time 50;
#  - negative controls that fail if the run ignored its cue: a random cue is reported as no stored pattern and
#    does not end at Hamming distance 0 to pattern 0, and cueing pattern 2 retrieves pattern 2;
#  - implicit and IMEX steppers (matrix-free Newton) retrieve on a small network.
# usage: tutorial.sh NASTRO EXAMPLES_DIR
set -u
source "$(dirname "$0")/lib.sh" "$1"
examples=$2
retrieves() { # description, ranks, nastro options...
  local what=$1 n=$2; shift 2
  if on_ranks 300 "$n" "$@" -quiet -o "$tmp/run.h5" >"$tmp/log" 2>&1 &&
     grep -q "Hamming distance 0 to the cued pattern" "$tmp/log" &&
     grep -q "non-increasing within round-off" "$tmp/log"; then
    ok "$what"; grep -E "summary|energy" "$tmp/log" | sed 's/^/    /'
  else
    notok "$what"
  fi
}
retrieves "tutorial, default adaptive stepper, 2 ranks" 2 -options_file_yaml "$examples/retrieval.yaml"
retrieves "tutorial, euler dt 0.05 to t 50, 2 ranks" 2 -options_file "$examples/tutorial-euler.opts"
small="-naam_N 40 -naam_K 3 -ts_max_time 10"
for ts in arkimex bdf rosw "cn -ts_dt 0.05" "beuler -ts_dt 0.05"; do
  retrieves "stepper $ts (matrix-free Newton), 2 ranks" 2 $small -ts_type $ts
done
# negative controls (small: from a random state the dynamics are stiff and an explicit stepper needs dt ~ 1e-3 at
# N = 500): a random cue is no stored pattern and is not retrieved as pattern 0; cueing pattern 2 retrieves pattern 2
on_ranks 120 2 -naam_N 60 -naam_K 3 -naam_cue random -quiet -o "$tmp/random.h5" -ts_max_time 10 >"$tmp/random.log" 2>&1
cp "$tmp/random.log" "$tmp/log"
if grep -q "retrieval: cue is not a stored pattern" "$tmp/random.log" &&
   ! grep -q "Hamming distance 0 to +xi^0\|Hamming distance 0 to the cued" "$tmp/random.log"; then
  ok "random cue: $(grep -o 'retrieval: .*' "$tmp/random.log")"
else notok "random cue: reported as a stored pattern, or retrieved as pattern 0"; fi
if on_ranks 120 2 -naam_N 60 -naam_K 3 -naam_cue_pattern 2 -naam_cue_flip 0.1 -quiet -o "$tmp/p2.h5" -ts_max_time 10 >"$tmp/log" 2>&1 &&
   grep -q "retrieval: Hamming distance 0 to the cued pattern 2 " "$tmp/log"; then
  ok "cue pattern 2: $(grep -o 'retrieval: .*' "$tmp/log")"
else notok "cue pattern 2 is not retrieved"; fi
finish
