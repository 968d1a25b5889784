#!/bin/bash
# The retrieval report (src/sim/sim.c, Retrieval; docs/output-format.md): the energy is even in x, so -xi^mu is
# a memory as much as +xi^mu. A state that settles on either is reported at its distance to the nearer of the
# two, with the sign named (summary line, root attribute hamming_sign = +1 or -1):
#  1. dam with the cue -xi^2 (patterns and cue from files) on 1 and 2 ranks: distance 0, sign -1;
#  2. the control, the cue +xi^2: distance 0, sign +1; the default cue (pattern 0, 10 % flipped): 0, +1; the cued
#     pattern 0 with 90 % of its signs flipped (a cue nearer -xi^0): 0, -1;
#  3. naam with the cue -xi^1: distance 0, sign -1;
#  4. dam on 2 ranks with the patterns and cue broadcast in pieces of 7 values: bitwise the whole broadcasts' run.
# usage: retrieval.sh NASTRO
set -u
source "$(dirname "$0")/lib.sh" "$1"
PY=/usr/bin/python3

"$PY" - "$tmp" <<'EOF' || { echo "cannot create the HDF5 input files (h5py)" >&2; exit 2; }
import sys, numpy as np, h5py
rng = np.random.default_rng(11)
for name, N, K, mu in (("dam", 100, 5, 2), ("naam", 30, 3, 1)):
    xi = rng.choice([-1.0, 1.0], size=(K, N))
    with h5py.File(f"{sys.argv[1]}/{name}.h5", "w") as f:
        f["xi"] = xi
        f["minus"] = -xi[mu]
        f["plus"] = xi[mu]
EOF

attrs() { "$PY" -c 'import sys, h5py; f = h5py.File(sys.argv[1], "r"); print(*[f.attrs.get(a, "absent") for a in sys.argv[2:]])' "$@"; }
# description, expected "distance sign", expected summary text, ranks, nastro options...
retrieves() {
  local what=$1 want=$2 text=$3 n=$4; shift 4
  rm -f "$tmp/r.h5"
  on_ranks 120 "$n" "$@" -quiet -o "$tmp/r.h5" >"$tmp/log" 2>&1 || { notok "$what: the run failed"; return; }
  local got; got=$(attrs "$tmp/r.h5" hamming_distance hamming_sign)
  if [ "$got" = "$want" ] && grep -q -- "retrieval: .*$text" "$tmp/log"; then
    ok "$what: hamming_distance, hamming_sign = $got; '$(grep 'retrieval:' "$tmp/log" | sed 's/^ *//')'"
  else notok "$what: hamming_distance, hamming_sign = $got, expected $want, and a summary line with '$text'"; fi
}
dam=(-model dam -dam_N 100 -dam_K 5 -dam_patterns "$tmp/dam.h5:/xi" -ts_max_time 20)
retrieves "dam, cue -xi^2, 1 rank" "0.0 -1.0" "nearest pattern 2 (overlap -0.9[0-9]*), Hamming distance 0 to -xi^2 (hamming_sign -1)" \
  1 "${dam[@]}" -dam_cue "$tmp/dam.h5:/minus"
retrieves "dam, cue -xi^2, 2 ranks" "0.0 -1.0" "Hamming distance 0 to -xi^2 (hamming_sign -1)" \
  2 "${dam[@]}" -dam_cue "$tmp/dam.h5:/minus"
retrieves "dam, cue +xi^2" "0.0 1.0" "nearest pattern 2 (overlap 0.9[0-9]*), Hamming distance 0 to +xi^2 (hamming_sign +1)" \
  1 "${dam[@]}" -dam_cue "$tmp/dam.h5:/plus"
retrieves "dam, the default cue (pattern 0, 10 % flipped)" "0.0 1.0" "Hamming distance 0 to the cued pattern 0 (overlap" \
  1 "${dam[@]}"
retrieves "dam, cued pattern 0 with 90 % of its signs flipped (nearer -xi^0)" "0.0 -1.0" \
  "Hamming distance 0 to -xi^0, the negative of the cued pattern 0 (hamming_sign -1; overlap -0.9" 1 "${dam[@]}" -dam_cue_flip 0.9
retrieves "naam, cue -xi^1" "0.0 -1.0" "Hamming distance 0 to -xi^1 (hamming_sign -1)" \
  1 -naam_N 30 -naam_K 3 -naam_patterns "$tmp/naam.h5:/xi" -naam_cue "$tmp/naam.h5:/minus" -ts_max_time 20

# rank 0 reads the patterns and the cue and broadcasts them (NaBcastLarge: pieces of 2^30 values, as with 64-bit
# indices K x N may pass MPI's int counts); in pieces of 7 values the run is bitwise the same
check "dam on 2 ranks, whole broadcasts" on_ranks 120 2 "${dam[@]}" -dam_cue "$tmp/dam.h5:/minus" -quiet -o "$tmp/whole.h5"
export NASTRO_TEST_BCAST_PIECE=7
check "dam on 2 ranks, the patterns and cue broadcast in pieces of 7 values" on_ranks 120 2 "${dam[@]}" -dam_cue "$tmp/dam.h5:/minus" -quiet -o "$tmp/piece.h5"
unset NASTRO_TEST_BCAST_PIECE
for d in /x /energy /overlaps; do check "  $d is bitwise the same" h5diff "$tmp/whole.h5" "$tmp/piece.h5" $d; done
finish
