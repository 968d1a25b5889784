#!/usr/bin/env bash
# Bad input to the transformer limit of naam (-naam_f transformer, models.md 1.7) fails cleanly: non-zero exit,
# one "nastro: error:" line naming the option and the value (lib.sh's expect_error), no complete output file. Also
# the positive controls: a valid run exits 0 and writes complete = 1, and 1 and 2 ranks give the same /x.
# Usage: naam_transformer_bad_input.sh NASTRO_BINARY
set -u

source "$(dirname "$0")/lib.sh" "${1:-}" naam_transformer_bad_input.sh

"$PY" - "$tmp" <<'EOF' || { echo "cannot create the HDF5 input files (h5py)" >&2; exit 2; }
import sys, numpy as np, h5py
d = sys.argv[1]
rng = np.random.default_rng(0)
N, M = 5, 7
c, p0, I = rng.uniform(-1, 1, (N, M)), rng.uniform(0.2, 2.2, (N, M)), rng.uniform(-1, 1, M)
def write(name, **sets):
    with h5py.File(d + "/" + name, "w") as f:
        for k, v in sets.items():
            f[k] = v
write("t.h5", c=c, p0=p0, I=I)
write("no_c.h5", p0=p0, I=I)
write("p0_shape.h5", c=c, p0=p0[:, :6], I=I)
write("I_shape.h5", c=c, p0=p0, I=I[:6])
write("x0_shape.h5", c=c, p0=p0, I=I, x0=np.zeros(4))
write("p0_negative.h5", c=c, p0=-p0, I=I)
bad = c.copy(); bad[2, 3] = np.nan
write("c_nan.h5", c=bad, p0=p0, I=I)
open(d + "/text.h5", "w").write("not HDF5\n")
EOF

T=(-naam_f transformer -naam_input "$tmp/t.h5" -ts_max_time 0.1 -o "$OUT" -quiet)
TF=(-naam_f transformer -ts_max_time 0.1 -o "$OUT" -quiet)

expect_error "-naam_f foo"                     "-naam_f foo:" -- nastro "${T[@]}" -naam_f foo
expect_error "-naam_f transformer, no input"   "-naam_f transformer needs -naam_input FILE.h5" -- nastro "${TF[@]}"
expect_error "-naam_input without transformer" "-naam_input $tmp/t.h5:" "-naam_f transformer" -- nastro -naam_N 20 -naam_K 3 -ts_max_time 0.1 -o "$OUT" -quiet -naam_input "$tmp/t.h5"
expect_error "-naam_input missing file"        "-naam_input $tmp/missing.h5:" -- nastro "${TF[@]}" -naam_input "$tmp/missing.h5"
expect_error "-naam_input not HDF5"            "-naam_input $tmp/text.h5:" "not an HDF5 file" -- nastro "${TF[@]}" -naam_input "$tmp/text.h5"
expect_error "-naam_input without c"           "-naam_input $tmp/no_c.h5:" "no dataset c" -- nastro "${TF[@]}" -naam_input "$tmp/no_c.h5"
expect_error "-naam_input p0 of another shape" "-naam_input $tmp/p0_shape.h5:" "p0" "5 x 7" -- nastro "${TF[@]}" -naam_input "$tmp/p0_shape.h5"
expect_error "-naam_input I of another length" "-naam_input $tmp/I_shape.h5:" "dataset I" "M = 7" -- nastro "${TF[@]}" -naam_input "$tmp/I_shape.h5"
expect_error "-naam_input x0 of another length" "-naam_input $tmp/x0_shape.h5:" "dataset x0" "N = 5" -- nastro "${TF[@]}" -naam_input "$tmp/x0_shape.h5"
expect_error "-naam_input sum p0 < 0"          "-naam_input $tmp/p0_negative.h5:" "sum of p0" "positive" -- nastro "${TF[@]}" -naam_input "$tmp/p0_negative.h5"
expect_error "-naam_input NaN in c"            "-naam_input $tmp/c_nan.h5:" "not finite" -- nastro "${TF[@]}" -naam_input "$tmp/c_nan.h5"
expect_error "2 ranks, sum p0 < 0"             "-naam_input $tmp/p0_negative.h5:" "sum of p0" -- mpiexec -n 2 nastro "${TF[@]}" -naam_input "$tmp/p0_negative.h5"
expect_error "6 ranks, N = 5"                  "6 MPI ranks but only 5 neurons:" -- mpiexec -n 6 --oversubscribe nastro "${T[@]}"
# options this configuration does not read
expect_error "-naam_N 5"                       "-naam_N 5:" "not read" -- nastro "${T[@]}" -naam_N 5
expect_error "-naam_K 3"                       "-naam_K 3:" "not read" -- nastro "${T[@]}" -naam_K 3
expect_error "-naam_cue random"                "-naam_cue random:" "not read" -- nastro "${T[@]}" -naam_cue random
expect_error "-naam_cue_draw 3"                "-naam_cue_draw 3: not read" -- nastro "${T[@]}" -naam_cue_draw 3
expect_error "-naam_init zero"                 "-naam_init zero:" "not read" -- nastro "${T[@]}" -naam_init zero
expect_error "-naam_phi tanh"                  "-naam_phi tanh:" "not read" -- nastro "${T[@]}" -naam_phi tanh
expect_error "-naam_c 0.1"                     "-naam_c 0.1:" "not read" -- nastro "${T[@]}" -naam_c 0.1
expect_error "-naam_sym_block 2"               "-naam_sym_block 2:" "not read" -- nastro "${T[@]}" -naam_sym_block 2
expect_error "-naam_beta 2, identity g, psi"   "-naam_beta 2:" "not read" -- nastro "${T[@]}" -naam_beta 2
expect_error "-naam_T hebbian"                 "-naam_T hebbian:" "uniform" -- nastro "${T[@]}" -naam_T hebbian
expect_error "-naam_T dense"                   "-naam_T dense:" "uniform" -- nastro "${T[@]}" -naam_T dense
expect_error "-naam_storage symmetric"         "-naam_storage symmetric:" -- nastro "${T[@]}" -naam_storage symmetric
expect_error "-checkpoint_interval 1"          "-model naam" "cannot be checkpointed" "largest change of /p_sum" -- nastro "${T[@]}" -checkpoint_interval 1
# the general validation still holds
expect_error "-naam_tau_p 0"                   "-naam_tau_p 0:" -- nastro "${T[@]}" -naam_tau_p 0
expect_error "-naam_gamma -1"                  "-naam_gamma -1:" -- nastro "${T[@]}" -naam_gamma -1

# ---- positive controls --------------------------------------------------------------------------------
good() { # description, then the command
  local desc=$1
  shift
  if timeout 60 "$@" >"$tmp/stdout" 2>"$tmp/stderr"; then
    echo "ok - $desc"
    pass=$((pass + 1))
  else
    echo "not ok - $desc: exit status $?"
    sed 's/^/#   stderr: /' "$tmp/stderr" | head -n 20
    fail=$((fail + 1))
  fi
}
RUN=(-naam_f transformer -naam_input "$tmp/t.h5" -naam_beta 2 -naam_psi tanh -naam_T uniform -naam_storage full
     -ts_max_time 2 -quiet)
good "a valid run (tanh psi, so -naam_beta is read) exits 0" "$NASTRO" "${RUN[@]}" -o "$tmp/r1.h5"
if [ "$(complete_flag "$tmp/r1.h5")" = 1 ]; then
  echo "ok - the valid run writes complete = 1"
  pass=$((pass + 1))
else
  echo "not ok - the valid run's output is not complete"
  fail=$((fail + 1))
fi
good "the same run on 2 ranks exits 0" mpiexec -n 2 "$NASTRO" "${RUN[@]}" -o "$tmp/r2.h5"
good "1 and 2 ranks: the same /x, /p_sum, /p_spread (h5diff, bitwise)" \
  bash -c "h5diff '$tmp/r1.h5' '$tmp/r2.h5' /x && h5diff '$tmp/r1.h5' '$tmp/r2.h5' /p_sum && h5diff '$tmp/r1.h5' '$tmp/r2.h5' /p_spread"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
