#!/usr/bin/env bash
# Bad command-line input must fail cleanly:
#   (a) non-zero exit status,
#   (b) exactly one stderr line starting with "nastro: error:",
#   (c) that line names the option and the bad value together, as it prints them ("-naam_N 0:"; lib.sh refuses an
#       expected text that is an option's name or a number alone),
#   (d) no output file is left behind that claims to be complete (root attribute complete = 1).
# Usage: bad_input.sh NASTRO_BINARY   (VERBOSE=1 also shows the error line of passing cases)
set -u

source "$(dirname "$0")/lib.sh" "${1:-}" bad_input.sh
SMALL=(-naam_N 20 -naam_K 3 -ts_max_time 0.1 -o "$OUT" -quiet)
SMALL_DAM=(-model dam -dam_N 20 -dam_K 3 -ts_max_time 0.1 -o "$OUT" -quiet)

# ---- input files --------------------------------------------------------------------------------------
"$PY" - "$tmp" <<'EOF' || { echo "cannot create the HDF5 input files (h5py)" >&2; exit 2; }
import sys, numpy as np, h5py
d = sys.argv[1]
rng = np.random.default_rng(0)
signs = lambda *shape: rng.choice([-1.0, 1.0], size=shape)
with h5py.File(d + "/p.h5", "w") as f:
    f["/xi"] = signs(3, 20)                   # good patterns for -naam_K 3 -naam_N 20
    f["/cue"] = signs(20)                     # good cue for -naam_N 20
with h5py.File(d + "/p_shape.h5", "w") as f:
    f["/xi"] = signs(2, 20)                   # K x N = 2 x 20, expected 3 x 20
with h5py.File(d + "/p_value.h5", "w") as f:
    xi = signs(3, 20); xi[1, 7] = 0.5
    f["/xi"] = xi
with h5py.File(d + "/c_shape.h5", "w") as f:
    f["/cue"] = signs(19)
with h5py.File(d + "/c_value.h5", "w") as f:
    c = signs(20); c[4] = 2.0
    f["/cue"] = c
EOF

# ---- cases --------------------------------------------------------------------------------------------
# sizes
expect_error "-naam_N 0"                "-naam_N 0:"   -- nastro "${SMALL[@]}" -naam_N 0
expect_error "-naam_N -5"               "-naam_N -5:"  -- nastro "${SMALL[@]}" -naam_N -5
expect_error "-naam_K 0"                "-naam_K 0:"   -- nastro "${SMALL[@]}" -naam_K 0
expect_error "-dam_N 0"                 "-dam_N 0:"    -- nastro "${SMALL_DAM[@]}" -dam_N 0
expect_error "-dam_K 0"                 "-dam_K 0:"    -- nastro "${SMALL_DAM[@]}" -dam_K 0
# cue flip fraction
expect_error "-naam_cue_flip 1.5"       "-naam_cue_flip 1.5:"  -- nastro "${SMALL[@]}" -naam_cue_flip 1.5
expect_error "-naam_cue_flip -0.1"      "-naam_cue_flip -0.1:" -- nastro "${SMALL[@]}" -naam_cue_flip -0.1
# gains
expect_error "-naam_beta 0"             "-naam_beta 0:"  -- nastro "${SMALL[@]}" -naam_beta 0
expect_error "-naam_beta -1"            "-naam_beta -1:" -- nastro "${SMALL[@]}" -naam_beta -1
expect_error "-dam_beta 0"              "-dam_beta 0:"   -- nastro "${SMALL_DAM[@]}" -dam_beta 0
# the capacity study's cue draws (docs/capacity.md)
expect_error "-dam_cues -3"             "-dam_cues -3: the number of cue draws must not be negative" -- nastro "${SMALL_DAM[@]}" -dam_cues -3
expect_error "-dam_cues with -dam_cue_pattern" "-dam_cue_pattern: not used with -dam_cues 10" -- nastro "${SMALL_DAM[@]}" -dam_cues 10 -dam_cue_pattern 2
expect_error "-dam_cues with -dam_cue"  "-dam_cue: not used with -dam_cues 4" -- nastro "${SMALL_DAM[@]}" -dam_cues 4 -dam_cue random
expect_error "-steady_state_tol -1"      "-steady_state_tol -1: must not be negative" -- nastro "${SMALL_DAM[@]}" -steady_state_tol -1
expect_error "-steady_state_tol nan"     "-steady_state_tol nan: must be a finite number" -- nastro "${SMALL_DAM[@]}" -steady_state_tol nan
expect_error "-dam_cues with -dam_cue_draw" "-dam_cue_draw: not used with -dam_cues 10" -- nastro "${SMALL_DAM[@]}" -dam_cues 10 -dam_cue_draw 2
expect_error "misspelt -dam_cuess"      "-dam_cuess 10: no part of nastro reads this option" -- nastro "${SMALL_DAM[@]}" -dam_cuess 10
expect_error "naam's -naam_T_links with -model dam" "-naam_T_links 5: an option of -model naam; this run is -model dam" -- mpiexec -n 2 nastro "${SMALL_DAM[@]}" -naam_T_links 5
expect_error "-dam_cue_draw -1"         "-dam_cue_draw -1: must not be negative" -- nastro "${SMALL_DAM[@]}" -dam_cue_draw -1
expect_error "-naam_cue_draw with -naam_cue_pattern" "-naam_cue_draw 2: the draw picks the cued pattern" -- nastro "${SMALL[@]}" -naam_cue_draw 2 -naam_cue_pattern 1
# time constants
expect_error "-naam_tau_n 0"            "-naam_tau_n 0:"  -- nastro "${SMALL[@]}" -naam_tau_n 0
expect_error "-naam_tau_s -1"           "-naam_tau_s -1:" -- nastro "${SMALL[@]}" -naam_tau_s -1
expect_error "-naam_tau_p 0"            "-naam_tau_p 0:"  -- nastro "${SMALL[@]}" -naam_tau_p 0
expect_error "-dam_tau_n 0"             "-dam_tau_n 0:"   -- nastro "${SMALL_DAM[@]}" -dam_tau_n 0
# leaks
expect_error "-naam_lambda -1"          "-naam_lambda -1:"  -- nastro "${SMALL[@]}" -naam_lambda -1
expect_error "-naam_alpha -0.5"         "-naam_alpha -0.5:" -- nastro "${SMALL[@]}" -naam_alpha -0.5
expect_error "-naam_gamma -2"           "-naam_gamma -2:"   -- nastro "${SMALL[@]}" -naam_gamma -2
# unknown names
expect_error "-model foo"               "-model foo:"     -- nastro "${SMALL[@]}" -model foo
expect_error "-naam_T foo"              "-naam_T foo:"    -- nastro "${SMALL[@]}" -naam_T foo
expect_error "-naam_init foo"           "-naam_init foo:" -- nastro "${SMALL[@]}" -naam_init foo
expect_error "-naam_phi foo"            "-naam_phi foo:"  -- nastro "${SMALL[@]}" -naam_phi foo
# pattern files
expect_error "-naam_patterns missing file"   "-naam_patterns $tmp/missing.h5:/xi:" -- nastro "${SMALL[@]}" -naam_patterns "$tmp/missing.h5:/xi"
expect_error "-naam_patterns wrong shape"    "-naam_patterns $tmp/p_shape.h5:/xi: shape 2 x 20, expected K x N = 3 x 20" -- nastro "${SMALL[@]}" -naam_patterns "$tmp/p_shape.h5:/xi"
expect_error "-naam_patterns value 0.5"      "-naam_patterns $tmp/p_value.h5:/xi: value 0.5 at flat index 27" -- nastro "${SMALL[@]}" -naam_patterns "$tmp/p_value.h5:/xi"
expect_error "-naam_patterns no dataset"     "-naam_patterns $tmp/p.h5:/nope:" -- nastro "${SMALL[@]}" -naam_patterns "$tmp/p.h5:/nope"
expect_error "-naam_patterns not a FILE:/ds" "-naam_patterns $tmp/p.h5:" -- nastro "${SMALL[@]}" -naam_patterns "$tmp/p.h5"
# cue files
expect_error "-naam_cue missing file"        "-naam_cue $tmp/missing.h5:/cue:" -- nastro "${SMALL[@]}" -naam_cue "$tmp/missing.h5:/cue"
expect_error "-naam_cue wrong shape"         "-naam_cue $tmp/c_shape.h5:/cue: shape 19, expected N = 20" -- nastro "${SMALL[@]}" -naam_cue "$tmp/c_shape.h5:/cue"
expect_error "-naam_cue value 2.0"           "-naam_cue $tmp/c_value.h5:/cue: value 2 at flat index 4" -- nastro "${SMALL[@]}" -naam_cue "$tmp/c_value.h5:/cue"
expect_error "-naam_cue no dataset"          "-naam_cue $tmp/p.h5:/nope:" -- nastro "${SMALL[@]}" -naam_cue "$tmp/p.h5:/nope"
# cue pattern index
expect_error "-naam_cue_pattern 3 (K = 3)"   "-naam_cue_pattern 3:"  -- nastro "${SMALL[@]}" -naam_cue_pattern 3
expect_error "-naam_cue_pattern -1"          "-naam_cue_pattern -1:" -- nastro "${SMALL[@]}" -naam_cue_pattern -1
# dense coupling tensor too large
expect_error "-naam_T dense with -naam_N 13" "-naam_T dense with -naam_N 13:" -- nastro "${SMALL[@]}" -naam_T dense -naam_N 13
# sparse coupling: -naam_T_links r, a whole number >= 1, read only by -naam_T sparse; N limited by the link draw
expect_error "-naam_T_links 0"               "-naam_T_links 0:" -- nastro "${SMALL[@]}" -naam_T sparse -naam_T_links 0
expect_error "-naam_T_links -3"              "-naam_T_links -3:" -- nastro "${SMALL[@]}" -naam_T sparse -naam_T_links -3
expect_error "-naam_T_links 1.5"             "-naam_T_links 1.5:" -- nastro "${SMALL[@]}" -naam_T sparse -naam_T_links 1.5
expect_error "-naam_T_links 12x"             "-naam_T_links 12x:" -- nastro "${SMALL[@]}" -naam_T sparse -naam_T_links 12x
expect_error "-naam_T_links (empty)"         '-naam_T_links: needs a value' -- nastro "${SMALL[@]}" -naam_T sparse -naam_T_links
expect_error "-naam_T_links '' (empty)"      '-naam_T_links: needs a value' -- nastro "${SMALL[@]}" -naam_T sparse -naam_T_links ""
expect_error "-naam_T_links without sparse"  "-naam_T_links 5:" "-naam_T sparse" "-naam_T hebbian" -- nastro "${SMALL[@]}" -naam_T_links 5
expect_error "-naam_T_links with dense"      "-naam_T_links 5:" "-naam_T dense" -- nastro "${SMALL[@]}" -naam_N 8 -naam_T dense -naam_T_links 5
expect_error "-naam_T sparse with -naam_N 257" "-naam_T sparse" "-naam_N 257" "N <= 256" -- nastro "${SMALL[@]}" -naam_T sparse -naam_N 257
expect_error "2 ranks, -naam_T_links 0"      "-naam_T_links 0:" -- mpiexec -n 2 nastro "${SMALL[@]}" -naam_T sparse -naam_T_links 0
expect_error "sparse links do not fit"       "-naam_T_links 1000:" "q = 1," "GB" -- env NASTRO_MEM_AVAILABLE=1e5 nastro "${SMALL[@]}" -naam_T sparse -naam_T_links 1000
# symmetric storage
expect_error "-naam_storage symmetric with -naam_T dense" "-naam_storage symmetric with -naam_T dense:" -- nastro "${SMALL[@]}" -naam_N 8 -naam_T dense -naam_storage symmetric
expect_error "-naam_storage diagonal"        "-naam_storage diagonal:" -- nastro "${SMALL[@]}" -naam_storage diagonal
expect_error "-naam_sym_block 21 (N = 20)"   "-naam_sym_block 21:" -- nastro "${SMALL[@]}" -naam_sym_block 21
expect_error "3 ranks, 2 row blocks"         "3 MPI ranks but only 2 row blocks of 10 neurons:" -- mpiexec -n 3 --oversubscribe nastro "${SMALL[@]}" -naam_sym_block 10
# a run that cannot fit in memory stops before its vectors exist (NASTRO_MEM_AVAILABLE stands in for /proc/meminfo)
expect_error "does not fit in 1 MB"          "-naam_N 200 does not fit:" "5 state-sized vectors" -- env NASTRO_MEM_AVAILABLE=1e6 nastro "${SMALL[@]}" -naam_N 200
expect_error "rk 5dp does not fit on 2 ranks" "-naam_N 200 does not fit:" "17 state-sized vectors" "a node running 2 ranks," -- env NASTRO_MEM_AVAILABLE=1e6 mpiexec -x NASTRO_MEM_AVAILABLE -n 2 nastro "${SMALL[@]}" -naam_N 200 -ts_type rk
# more ranks than neurons
expect_error "3 ranks, -naam_N 2"            "3 MPI ranks but only 2 row blocks of 1 neurons:" -- mpiexec -n 3 --oversubscribe nastro "${SMALL[@]}" -naam_N 2
# errors must be reported once, not once per rank
expect_error "2 ranks, -naam_N 0"            "-naam_N 0:" -- mpiexec -n 2 nastro "${SMALL[@]}" -naam_N 0
expect_error "2 ranks, -naam_patterns missing file" "-naam_patterns $tmp/missing.h5:/xi:" -- mpiexec -n 2 nastro "${SMALL[@]}" -naam_patterns "$tmp/missing.h5:/xi"
# unwritable output
expect_error "-o in a missing directory"     "-o $tmp/no/such/dir/out.h5:" -- nastro "${SMALL[@]}" -o "$tmp/no/such/dir/out.h5"
# a restart whose output file is gone (the checkpoint names it)
timeout 60 "$NASTRO" -naam_N 20 -naam_K 3 -ts_max_time 5 -quiet -ts_max_steps 3 -o "$tmp/r.h5" >/dev/null 2>&1
rm -f "$tmp/r.h5"
expect_error "-restart with the run's output deleted" "-o $tmp/r.h5" "cannot be opened" -- nastro -naam_N 20 -naam_K 3 -ts_max_time 5 -quiet -restart "$tmp/r.ckpt"
# dam interaction order
expect_error "-dam_order 1"                      "-dam_order 1:" -- nastro "${SMALL_DAM[@]}" -dam_order 1
# time
expect_error "-ts_max_time -1"               "-ts_max_time -1:" -- nastro "${SMALL[@]}" -ts_max_time -1
# numbers as the user wrote them: PETSc's printf writes %g with a trailing dot ("0.", "2."); nastro's messages do not
expect_error "exact text: -naam_beta 0"      "nastro: error: -naam_beta 0: the gain must be positive" -- nastro "${SMALL[@]}" -naam_beta 0
expect_error "exact text: -dam_beta -2"      "nastro: error: -dam_beta -2: the gain must be positive" -- nastro "${SMALL_DAM[@]}" -dam_beta -2
expect_error "exact text: -naam_cue_flip 2"  "nastro: error: -naam_cue_flip 2: must lie in [0, 1]" -- nastro "${SMALL[@]}" -naam_cue_flip 2
expect_error "exact text: -ts_max_time -1"   "nastro: error: -ts_max_time -1: must be positive" -- nastro "${SMALL[@]}" -ts_max_time -1
expect_error "exact text: -output_interval -1" "nastro: error: -output_interval -1: must be positive" -- nastro "${SMALL[@]}" -output_interval -1
expect_error "exact text: -naam_cue value 2" "-naam_cue $tmp/c_value.h5:/cue: value 2 at flat index 4 is not +1 or -1" -- nastro "${SMALL[@]}" -naam_cue "$tmp/c_value.h5:/cue"
expect_error "exact text: -attention_settle 1" "nastro: error: -attention_settle 1: must lie in [0, 1)" -- nastro -model attention -attention_settle 1 -o "$OUT" -quiet
expect_error "exact text: sparse links q = 1" "-naam_T_links 1000: the links of -naam_T sparse (q = 1, " "a node running 1 rank," -- env NASTRO_MEM_AVAILABLE=1e5 nastro "${SMALL[@]}" -naam_T sparse -naam_T_links 1000

# ---- positive control ---------------------------------------------------------------------------------
rm -f "$tmp/sparse.h5"
if timeout 60 "$NASTRO" -naam_N 20 -naam_K 3 -ts_max_time 0.1 -naam_T sparse -naam_T_links 7 -o "$tmp/sparse.h5" -quiet \
    >/dev/null 2>"$tmp/stderr" && [ "$(complete_flag "$tmp/sparse.h5")" = 1 ]; then
  echo "ok - positive control: -naam_T sparse -naam_T_links 7 runs"
  pass=$((pass + 1))
else
  echo "not ok - positive control: -naam_T sparse -naam_T_links 7 failed"
  sed 's/^/#   stderr: /' "$tmp/stderr" | head -n 20
  fail=$((fail + 1))
fi
rm -f "$tmp/good.h5"
timeout 60 "$NASTRO" -naam_N 20 -naam_K 3 -ts_max_time 0.1 -o "$tmp/good.h5" -quiet >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
if [ $rc -eq 0 ] && [ "$(complete_flag "$tmp/good.h5")" = 1 ]; then
  echo "ok - positive control: a valid run exits 0 and writes complete = 1"
  pass=$((pass + 1))
else
  echo "not ok - positive control: exit status $rc, complete = $(complete_flag "$tmp/good.h5")"
  sed 's/^/#   stderr: /' "$tmp/stderr" | head -n 20
  fail=$((fail + 1))
fi

# the model's View lines and the summary write numbers as users do ("beta 5", not "beta 5."), and "1 rank"
view_has() { # description, text...: every text is a line's part in $tmp/stdout
  local what=$1 why=(); shift
  for s in "$@"; do grep -qF -- "$s" "$tmp/stdout" || why+=("no '$s'"); done
  if [ ${#why[@]} -eq 0 ]; then echo "ok - $what"; pass=$((pass + 1))
  else local IFS=';'; echo "not ok - $what: ${why[*]}"; sed 's/^/#   stdout: /' "$tmp/stdout" | head -n 20; fail=$((fail + 1)); fi
}
timeout 60 "$NASTRO" -naam_N 20 -naam_K 3 -ts_max_time 1 -o "$tmp/view.h5" -quiet >"$tmp/stdout" 2>&1
view_has "naam View and summary: numbers as users write them" \
  "beta 5, leaks lambda 1 alpha 1 gamma 1, tau_n 1 tau_s 1 tau_p 1, inputs b 0 c 0 d 0" \
  "network: 20 neurons on 1 rank, " "cue: pattern 0 with 0.1 of its signs flipped" "summary: simulated t = 1 in " " on 1 rank, wall "
timeout 60 mpiexec -n 2 "$NASTRO" -model dam -dam_N 20 -dam_K 3 -ts_max_time 1 -dam_cue_flip 0 -o "$tmp/view.h5" -quiet >"$tmp/stdout" 2>&1
view_has "dam View and summary on 2 ranks: numbers as users write them" \
  "F(z) = z^4/4, c_T 0.000125, beta 5 (" ", tau_n 1, b 0" "cue: pattern 0 with 0 of its signs flipped" \
  "network: 20 neurons on 2 ranks, " " on 2 ranks, wall "

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
