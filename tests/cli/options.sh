#!/usr/bin/env bash
# Options are never accepted silently (issue 11): every case must
#   (a) exit non-zero, (b) print exactly one stderr line "nastro: error: ...", (c) name the option and the value
#   together as the line prints them ("-naam_N abc: not an integer"), (d) create no output file.
# Usage: options.sh NASTRO_BINARY   (VERBOSE=1 also shows the error line of passing cases)
set -u

source "$(dirname "$0")/lib.sh" "${1:-}" options.sh
export NO_OUTPUT=1
SMALL=(-naam_N 20 -naam_K 3 -ts_max_time 0.1 -o "$OUT" -quiet)
SMALL_DAM=(-model dam -dam_N 20 -dam_K 3 -ts_max_time 0.1 -o "$OUT" -quiet)
# the build's index width: its banner ends "64-bit indices)" with -Dpetsc=PETSc64 (README, Building); section 5
BITS=32
"$NASTRO" -help 2>/dev/null | grep -m1 '^nastro [0-9]' | grep -q '64-bit indices' && BITS=64
echo "# PETSc with $BITS-bit indices"

# ---- 1. a name nastro does not read: the nearest one it knows, or the model it belongs to ---------------------
expect_error "misspelt -naam_bta" "-naam_bta 10: no part of nastro reads this option; did you mean -naam_beta?" -- nastro "${SMALL[@]}" -naam_bta 10
expect_error "misspelt -naam_NN" "-naam_NN 50: no part of nastro reads this option; did you mean -naam_N?" -- nastro "${SMALL[@]}" -naam_NN 50
expect_error "PETSc's -ts_tpye" "-ts_tpye rk: no part of nastro reads this option; did you mean -ts_type?" -- nastro "${SMALL[@]}" -ts_tpye rk
expect_error "PETSc's -ts_adapt_tpye" "-ts_adapt_tpye none: no part of nastro reads this option; did you mean -ts_adapt_type?" -- nastro "${SMALL[@]}" -ts_adapt_tpye none
expect_error "naam's -naam_beta with -model dam" "-naam_beta 10: an option of -model naam; this run is -model dam" -- nastro "${SMALL_DAM[@]}" -naam_beta 10
expect_error "dam's -dam_cues with naam" "-dam_cues 4: an option of -model dam; this run is -model naam" -- nastro "${SMALL[@]}" -dam_cues 4
cat >"$tmp/net.yaml" <<'NET'
t_stop: 1.0
populations:
  - {name: A, model: astrocyte_lr_1994, n: 4}
  - {name: E, model: aeif_cond_alpha_astro, n: 8}
NET
expect_error "network: misspelt -A_step_multple" "-A_step_multple 10: no part of nastro reads this option; did you mean -A_step_multiple?" -- nastro -network "$tmp/net.yaml" -o "$OUT" -A_step_multple 10

# ---- 2. stray arguments ----------------------------------------------------------------------------------------
expect_error "a stray argument alone" "foo.h5: a stray argument" -- nastro foo.h5
expect_error "a stray argument after an option's value" "foo.h5: a stray argument" "-model dam" -- nastro -model dam foo.h5
expect_error "a flag followed by a stray word" "-output_final foo: a flag takes no value, or true or false" -- nastro "${SMALL[@]}" -output_final foo
expect_error "attention's flag followed by a stray word" "-attention_causal foo: a flag takes no value" -- nastro -model attention -o "$OUT" -quiet -attention_causal foo

# ---- 3. empty values -------------------------------------------------------------------------------------------
expect_error "-naam_beta ''" "-naam_beta: needs a value" -- nastro "${SMALL[@]}" -naam_beta ""
expect_error "-naam_N ''" "-naam_N: needs a value" -- nastro "${SMALL[@]}" -naam_N ""
expect_error "-naam_beta at the end" "-naam_beta: needs a value" -- nastro "${SMALL[@]}" -naam_beta
expect_error "-o ''" "-o: needs a value" -- nastro -naam_N 20 -naam_K 3 -ts_max_time 0.1 -quiet -o ""

# ---- 4. values that do not parse ---------------------------------------------------------------------------------
expect_error "-dam_cues 2.5" "-dam_cues 2.5: not an integer" -- nastro "${SMALL_DAM[@]}" -dam_cues 2.5
expect_error "-naam_N abc" "-naam_N abc: not an integer" -- nastro "${SMALL[@]}" -naam_N abc
expect_error "-steady_state_tol abc" "-steady_state_tol abc: not a number" -- nastro "${SMALL[@]}" -steady_state_tol abc
expect_error "-naam_beta 1x" "-naam_beta 1x: not a number" -- nastro "${SMALL[@]}" -naam_beta 1x
expect_error "2 ranks, -naam_N abc" "-naam_N abc: not an integer" -- mpiexec -n 2 nastro "${SMALL[@]}" -naam_N abc

# ---- 5. 64-bit integers, ranges and sizes --------------------------------------------------------------------------
expect_error "-naam_seed beyond 64 bits" "-naam_seed 99999999999999999999: too large (at most 9223372036854775807)" -- nastro "${SMALL[@]}" -naam_seed 99999999999999999999
# naam's state: N + N (N + 1) values (full storage: N (1 + 2 N)), 8 bytes each, in 64-bit shell arithmetic
state=$((46341 * (46341 + 2))) full=$((46340 * (1 + 2 * 46340)))
if [ "$BITS" = 32 ]; then # sizes beyond 2^31 - 1 values are refused before any allocation
  expect_error "-naam_N 4294967316" "-naam_N 4294967316: too large (at most 2147483647)" -- nastro "${SMALL[@]}" -naam_N 4294967316
  expect_error "-attention_m 4294967297" "-attention_m 4294967297: too large" -- nastro -model attention -o "$OUT" -quiet -attention_m 4294967297
  expect_error "-naam_N 65536 (2^32 synapses)" "-naam_N 65536: " "PETSc's 32-bit indices" -- nastro "${SMALL[@]}" -naam_N 65536
  expect_error "-naam_N 46340 (just beyond 2^31)" "-naam_N 46340: " "2147488280 values" -- nastro "${SMALL[@]}" -naam_N 46340
  expect_error "-naam_N 46341 (just beyond 2^31)" "-naam_N 46341: the state" "would hold $state values, more than PETSc's 32-bit indices hold (2147483647)" -- nastro "${SMALL[@]}" -naam_N 46341
  expect_error "-naam_N 46340 -naam_storage full" "-naam_N 46340: " "4294837540 values" -- nastro "${SMALL[@]}" -naam_N 46340 -naam_storage full
  expect_error "-dam_N 2147483647 with K" "-dam_N 2147483647 with -dam_K 3: the patterns (K x N) would hold 6442450941 values, more than PETSc's 32-bit indices hold" -- nastro "${SMALL_DAM[@]}" -dam_N 2147483647 -dam_K 3
  expect_error "-ts_max_steps 4294967297" "-ts_max_steps 4294967297: too large (at most 2147483647; PETSc would wrap it to 1)" -- nastro "${SMALL[@]}" -ts_max_steps 4294967297
  # every integer option of PETSc's stepper family (its parser casts strtol to a 32-bit PetscInt), under any prefix
  expect_error "PETSc's -ts_max_reject 4294967297" "-ts_max_reject 4294967297: too large (at most 2147483647; PETSc would wrap it to 1)" -- nastro "${SMALL[@]}" -ts_max_reject 4294967297
  expect_error "PETSc's -ts_max_snes_failures -4294967296" "-ts_max_snes_failures -4294967296: too small (at least -2147483648; PETSc would wrap it to 0)" -- nastro "${SMALL[@]}" -ts_max_snes_failures -4294967296
  expect_error "PETSc's -snes_max_it 4294967298 (arkimex)" "-snes_max_it 4294967298: too large (at most 2147483647; PETSc would wrap it to 2)" -- nastro "${SMALL[@]}" -ts_type arkimex -snes_max_it 4294967298
  expect_error "a network population's -E_ts_max_reject 4294967297" "-E_ts_max_reject 4294967297: too large (at most 2147483647; PETSc would wrap it to 1)" -- nastro -network "$tmp/net.yaml" -o "$OUT" -E_ts_max_reject 4294967297
  expect_error "-attention_L 2000000000" "-attention_L 2000000000, -attention_d_head 16," "the largest input (H L d_head, H L dv or L d_model) would hold $((2000000000 * 64)) values, more than PETSc's 32-bit indices hold" -- nastro -model attention -o "$OUT" -quiet -attention_L 2000000000
else # 64-bit indices: the same sizes pass the index checks and meet the memory checks, with their true figures
  # (NASTRO_MEM_AVAILABLE: the same refusal on a node of any size)
  # attention: H m (D + 2 L) values of feature weights and maps, the defaults H 1, D 16, L 32 on one rank
  MEM=(env NASTRO_MEM_AVAILABLE=24e9)
  expect_error "-naam_N 4294967316 (64-bit)" "-naam_N 4294967316: the state" "more than PETSc's 64-bit indices hold (9223372036854775807)" -- nastro "${SMALL[@]}" -naam_N 4294967316
  expect_error "-attention_m 4294967297 (64-bit)" "-attention_m 4294967297: the feature weights" "would take $((8 * 4294967297 * (16 + 2 * 32))) bytes" -- "${MEM[@]}" nastro -model attention -o "$OUT" -quiet -attention_m 4294967297
  expect_error "-naam_N 46341 (64-bit, just beyond 2^31)" "-naam_N 46341 does not fit: 5 state-sized vectors" "($state values, $((8 * state)) bytes each" -- "${MEM[@]}" nastro "${SMALL[@]}" -naam_N 46341
  expect_error "-naam_N 46340 -naam_storage full (64-bit)" "-naam_N 46340 does not fit:" "($full values, $((8 * full)) bytes each" -- "${MEM[@]}" nastro "${SMALL[@]}" -naam_N 46340 -naam_storage full
  expect_error "-dam_N 2147483647 with K (64-bit)" "-dam_N 2147483647 with -dam_K 3: the patterns (K x N) would hold 6442450941 values" "would take $((8 * 3 * 2147483647)) bytes" -- "${MEM[@]}" nastro "${SMALL_DAM[@]}" -dam_N 2147483647 -dam_K 3
  expect_error "-attention_L 2000000000 (64-bit)" "-attention_L 2000000000, -attention_d_head 16," "the inputs ($((2000000000 * (2 * 16 + 16 + 64))) values, every rank holds them) would take $((8 * 2000000000 * (2 * 16 + 16 + 64))) bytes" -- "${MEM[@]}" nastro -model attention -o "$OUT" -quiet -attention_L 2000000000
  expect_error "-ts_max_steps beyond 64 bits" "-ts_max_steps 99999999999999999999: too large (at most 9223372036854775807" -- nastro "${SMALL[@]}" -ts_max_steps 99999999999999999999
fi
# a spiking network's memory check counts each synapse's target index at the build's width: 2.5e9 synapses need
# 10 GB with 32-bit indices, 20 GB with 64-bit ones (and the 50000 cells 0.015 GB)
cat >"$tmp/big.yaml" <<'NET'
t_stop: 1.0
populations:
  - {name: E, model: iaf_cond_exp, n: 50000}
projections:
  - {from: E, to: E, rule: all_to_all, synapse: static_synapse, weight: 1.0, delay: 1.0}
NET
expect_error "2.5e9 synapses with $BITS-bit indices" "big.yaml: the network does not fit: its synapses and cells need about $((BITS / 32 * 10)) GB" -- env NASTRO_MEM_AVAILABLE=8e9 nastro -network "$tmp/big.yaml" -o "$OUT"

# ---- 6. non-finite and degenerate reals ---------------------------------------------------------------------------
expect_error "-naam_b nan" "-naam_b nan: must be a finite number" -- nastro "${SMALL[@]}" -naam_b nan
expect_error "-naam_c inf" "-naam_c inf: must be a finite number" -- nastro "${SMALL[@]}" -naam_c inf
expect_error "-naam_d nan" "-naam_d nan: must be a finite number" -- nastro "${SMALL[@]}" -naam_d nan
expect_error "-naam_T_scale inf" "-naam_T_scale inf: must be a finite number" -- nastro "${SMALL[@]}" -naam_T_scale inf
expect_error "-naam_beta 1e999" "-naam_beta 1e999: must be a finite number" -- nastro "${SMALL[@]}" -naam_beta 1e999
expect_error "-ts_dt 0" "-ts_dt 0: must be positive" -- nastro "${SMALL[@]}" -ts_type euler -ts_dt 0
expect_error "-ts_dt -1" "-ts_dt -1: must be positive" -- nastro "${SMALL[@]}" -ts_type euler -ts_dt -1
expect_error "-ts_dt nan" "-ts_dt nan: must be a finite number" -- nastro "${SMALL[@]}" -ts_dt nan
expect_error "-ts_max_time inf" "-ts_max_time inf: must be a finite number" -- nastro -naam_N 20 -naam_K 3 -o "$OUT" -quiet -ts_max_time inf
expect_error "-ts_max_steps -3" "-ts_max_steps -3: must not be negative" -- nastro "${SMALL[@]}" -ts_max_steps -3
expect_error "PETSc's -ts_rtol abc" "-ts_rtol abc: not a number" -- nastro "${SMALL[@]}" -ts_rtol abc
# PETSc's own messages for a type or a viewer it does not know name neither option nor choices: named, with the list
expect_error "PETSc's -ts_type nosuch" "-ts_type nosuch: not a stepper type; the types are euler, beuler," ", bs3ls" -- nastro "${SMALL[@]}" -ts_type nosuch
expect_error "PETSc's -snes_type nosuch (arkimex)" "-snes_type nosuch: not a SNES type; the types are newtonls," -- nastro "${SMALL[@]}" -ts_type arkimex -snes_type nosuch
expect_error "PETSc's -ts_arkimex_type 9" "-ts_arkimex_type 9: not one of 5, 4, bpr3," -- nastro "${SMALL[@]}" -ts_type arkimex -ts_arkimex_type 9
expect_error "PETSc's -log_view 1" "-log_view 1: not a viewer (TYPE[:FILE[:FORMAT]]" "the types are ascii, binary," -- nastro "${SMALL[@]}" -log_view 1
expect_error "a population's -E_ts_type nosuch" "-E_ts_type nosuch: not a stepper type; the types are euler," -- nastro -network "$tmp/net.yaml" -o "$OUT" -E_ts_type nosuch
# an option of another stepper type than the run's
expect_error "-ts_rk_type with bs3ls" "-ts_rk_type 4: an option of -ts_type rk, and this run's stepper is another type" -- nastro "${SMALL[@]}" -ts_rk_type 4
expect_error "a population's -E_ts_arkimex_type with rk" "-E_ts_arkimex_type 3: an option of -E_ts_type arkimex, and this run's population's stepper is another type" -- nastro -network "$tmp/net.yaml" -o "$OUT" -E_ts_arkimex_type 3
expect_error "PETSc's -ts_max_reject 1.5" "-ts_max_reject 1.5: not an integer" -- nastro "${SMALL[@]}" -ts_max_reject 1.5
expect_error "-output_interval 1e-300" "-output_interval 1e-300: " "1e+299 samples" -- nastro "${SMALL[@]}" -output_interval 1e-300
expect_error "-checkpoint_interval 1e-300" "-checkpoint_interval 1e-300: " "1e+299 checkpoints" -- nastro "${SMALL[@]}" -checkpoint_interval 1e-300
unset NO_OUTPUT # a failure during the run: the output exists, marked incomplete
expect_error "-naam_beta 1e308: the energy overflows" "the energy is -inf at t = " ", step " -- nastro "${SMALL[@]}" -naam_beta 1e308
export NO_OUTPUT=1

# ---- 7. options files ----------------------------------------------------------------------------------------------
mkdir "$tmp/adir"
printf -- '-naam_beta 3\n-options_file %s/self.opts\n' "$tmp" >"$tmp/self.opts"
printf -- '-naam_beta 3\nnaam_K 3\n' >"$tmp/bad.opts"
printf -- '-naam_beta 3 4\n' >"$tmp/stray.opts"
printf -- '- a\n- b\n' >"$tmp/list.yaml"
printf -- 'naam:\n  beta: [1, 2\n' >"$tmp/syntax.yaml"
printf '\x89PNG\r\n\x1a\n\0\0' >"$tmp/png.yaml"
expect_error "-options_file missing" "-options_file $tmp/missing.opts: cannot read" -- nastro "${SMALL[@]}" -options_file "$tmp/missing.opts"
expect_error "-options_file a directory" "-options_file $tmp/adir: is a directory" -- nastro "${SMALL[@]}" -options_file "$tmp/adir"
expect_error "-options_file malformed" "$tmp/bad.opts:2: naam_K: not an option" -- nastro "${SMALL[@]}" -options_file "$tmp/bad.opts"
expect_error "-options_file with a stray word" "$tmp/stray.opts:1: 4: a stray argument" -- nastro "${SMALL[@]}" -options_file "$tmp/stray.opts"
expect_error "-options_file includes itself" "$tmp/self.opts:2: -options_file $tmp/self.opts: includes itself" -- nastro "${SMALL[@]}" -options_file "$tmp/self.opts"
expect_error "-options_file without a file" "-options_file: needs a file" -- nastro "${SMALL[@]}" -options_file
expect_error "-options_file_yaml syntax error" "$tmp/syntax.yaml:3:" "YAML syntax error" -- nastro "${SMALL[@]}" -options_file_yaml "$tmp/syntax.yaml"
expect_error "-options_file_yaml top level a list" "$tmp/list.yaml:1:" "expected a mapping" -- nastro "${SMALL[@]}" -options_file_yaml "$tmp/list.yaml"
expect_error "-options_file_yaml binary" "$tmp/png.yaml:1:" "not a text file" -- nastro "${SMALL[@]}" -options_file_yaml "$tmp/png.yaml"
expect_error "-options_file_yaml missing" "-options_file_yaml $tmp/missing.yaml: cannot read" -- nastro "${SMALL[@]}" -options_file_yaml "$tmp/missing.yaml"
expect_error "PETSC_OPTIONS with a stray word" "PETSC_OPTIONS: bar: a stray argument after -naam_beta 3" -- env PETSC_OPTIONS="-naam_beta 3 bar" nastro "${SMALL[@]}"
# the petscrc files PETSc reads by itself (~/.petscrc, ./.petscrc, ./petscrc) and PETSC_OPTIONS_YAML are checked too
mkdir -p "$tmp/rchome" "$tmp/rcdir" "$tmp/rcself"
printf -- '-naam_beta 3\n-naam_beta 4\n' >"$tmp/rchome/.petscrc"
printf -- '-naam_beta 5\n' >"$tmp/rcdir/petscrc"
printf -- '-options_file .petscrc\n' >"$tmp/rcself/.petscrc"
expect_error "~/.petscrc with an option twice" "$tmp/rchome/.petscrc:2: -naam_beta 4: given twice ($tmp/rchome/.petscrc:1: -naam_beta 3 before)" -- env HOME="$tmp/rchome" nastro "${SMALL[@]}"
expect_error "./.petscrc includes itself" ".petscrc:1: -options_file .petscrc: includes itself" -- env HOME="$tmp/rcself" bash -c 'cd "$0" && exec "$@"' "$tmp/rcself" nastro "${SMALL[@]}"
printf -- '-naam_beta 3\n' >"$tmp/rchome/.petscrc"
expect_error "~/.petscrc and ./petscrc disagree" "petscrc:1: -naam_beta 5: given twice ($tmp/rchome/.petscrc:1: -naam_beta 3 before)" -- env HOME="$tmp/rchome" bash -c 'cd "$0" && exec "$@"' "$tmp/rcdir" nastro "${SMALL[@]}"
expect_error "PETSC_OPTIONS_YAML a list" "PETSC_OPTIONS_YAML:1: the top level is a list" -- env PETSC_OPTIONS_YAML="- naam_beta" nastro "${SMALL[@]}"
expect_error "PETSC_OPTIONS_YAML syntax error" "PETSC_OPTIONS_YAML:" "YAML syntax error" -- env PETSC_OPTIONS_YAML="naam_beta: [3" nastro "${SMALL[@]}"
expect_error "PETSC_OPTIONS_YAML with an option twice" "PETSC_OPTIONS_YAML:3: -naam_beta 4: given twice (PETSC_OPTIONS_YAML:1: -naam_beta 3 before)" -- env PETSC_OPTIONS_YAML=$'naam_beta: 3\nnaam_K: 3\nnaam_beta: 4' nastro "${SMALL[@]}"
expect_error "2 ranks, -options_file includes itself" "$tmp/self.opts:2: -options_file $tmp/self.opts: includes itself" -- mpiexec -n 2 nastro "${SMALL[@]}" -options_file "$tmp/self.opts"

# ---- 8. an option given twice ----------------------------------------------------------------------------------------
export KEEP_REPEATS=1
expect_error "-naam_beta twice" "-naam_beta 4: given twice (-naam_beta 3 before)" -- nastro "${SMALL[@]}" -naam_beta 3 -naam_beta 4
expect_error "-naam_N twice, case differs" "-naam_n 30: given twice (-naam_N 20 before)" -- nastro "${SMALL[@]}" -naam_n 30
expect_error "-network_set twice" "-network_set scale=0.5: given twice (-network_set seed=2 before)" -- nastro -network "$tmp/net.yaml" -o "$OUT" -network_set seed=2 -network_set scale=0.5
printf -- '-naam_beta 3\n-naam_K 3\n-naam_beta 4\n' >"$tmp/twice.opts"
expect_error "-naam_beta twice in one options file" "$tmp/twice.opts:3: -naam_beta 4: given twice ($tmp/twice.opts:1: -naam_beta 3 before)" -- nastro "${SMALL[@]}" -options_file "$tmp/twice.opts"
printf -- '-naam_beta 3\n' >"$tmp/b3.opts"
printf -- '-naam_beta 5\n' >"$tmp/b5.opts"
expect_error "-naam_beta in two options files" "$tmp/b5.opts:1: -naam_beta 5: given twice ($tmp/b3.opts:1: -naam_beta 3 before)" -- nastro "${SMALL[@]}" -options_file "$tmp/b3.opts" -options_file "$tmp/b5.opts"
printf 'naam_beta: 3\nts:\n  max_time: 0.1\nnaam_beta: 6\n' >"$tmp/twice.yaml"
expect_error "-naam_beta twice in a YAML options file" "$tmp/twice.yaml:4: -naam_beta 6: given twice ($tmp/twice.yaml:1: -naam_beta 3 before)" -- nastro "${SMALL[@]}" -options_file_yaml "$tmp/twice.yaml"
printf 'naam:\n  beta: 3\n' >"$tmp/b3.yaml"
expect_error "-naam_beta in a YAML and a plain options file" "$tmp/b5.opts:1: -naam_beta 5: given twice ($tmp/b3.yaml:2: -naam_beta 3 before)" -- nastro "${SMALL[@]}" -options_file_yaml "$tmp/b3.yaml" -options_file "$tmp/b5.opts"

unset KEEP_REPEATS

# ---- positive controls -----------------------------------------------------------------------------------------------
run_ok() { # description, args...: exits 0 with a complete output
  local what=$1; shift
  rm -f "$tmp/ok.h5"
  if timeout 60 "$NASTRO" "$@" -o "$tmp/ok.h5" >"$tmp/stdout" 2>"$tmp/stderr" && [ "$(complete_flag "$tmp/ok.h5")" = 1 ]; then
    echo "ok - $what"; pass=$((pass + 1))
  else
    echo "not ok - $what"; sed 's/^/#   stderr: /' "$tmp/stderr" | head -n 20; fail=$((fail + 1))
  fi
}
printf -- '# a comment\n-naam_K 3\n\n-naam_beta 4 # trailing comment\n' >"$tmp/good.opts"
run_ok "an options file, and the same option repeated with its value" -naam_N 20 -naam_N 20 -ts_max_time 0.1 -quiet -options_file "$tmp/good.opts"
run_ok "a command-line value overrides an options file's (one file repeating an option with its value)" -naam_N 20 -naam_K 3 -quiet -options_file "$tmp/b3.opts" -options_file "$tmp/b3.opts" -naam_beta 4 -ts_max_time 0.1
pushd "$tmp/rcself" >/dev/null # whose .petscrc, also ~/.petscrc here, includes itself
HOME=$tmp/rcself run_ok "-skip_petscrc: the petscrc files are neither read nor checked" -naam_N 20 -naam_K 3 -ts_max_time 0.1 -quiet -skip_petscrc
popd >/dev/null
run_ok "options PETSc reads after the check (at the solve, at PetscFinalize)" -naam_N 20 -naam_K 3 -ts_max_time 0.1 -quiet -ts_type arkimex -ts_view -snes_converged_reason -ksp_view -options_left
run_ok "PETSc's integer options at PetscInt's limit" -naam_N 20 -naam_K 3 -ts_max_time 0.1 -quiet -ts_max_reject 2147483647 -ts_max_snes_failures -2147483648
run_ok "a flag with true, a negative number as a value" -naam_N 20 -naam_K 3 -ts_max_time 0.1 -quiet true -naam_b -0.5 -output_final 1
# seeds keep all 64 bits: 4294967297 = 2^32 + 1 draws other patterns than 1
run_ok "-naam_seed 1" -naam_N 20 -naam_K 3 -ts_max_time 0.1 -quiet -naam_seed 1 && cp "$tmp/ok.h5" "$tmp/seed1.h5"
run_ok "-naam_seed 4294967297" -naam_N 20 -naam_K 3 -ts_max_time 0.1 -quiet -naam_seed 4294967297
if "$PY" - "$tmp/seed1.h5" "$tmp/ok.h5" <<'PYEOF'; then echo "ok - seeds 1 and 2^32 + 1 draw different patterns"; pass=$((pass + 1)); else echo "not ok - seeds 1 and 2^32 + 1 draw the same patterns"; fail=$((fail + 1)); fi
import sys, h5py, numpy as np
a, b = (h5py.File(f, "r")["/patterns"][...] for f in sys.argv[1:3])
sys.exit(0 if not np.array_equal(a, b) else 1)
PYEOF
# attention's seeds too: inputs from -attention_seed, the feature matrix W from -attention_feature_seed
ATT=(-model attention -attention_form discrete -attention_m 64 -attention_L 8 -quiet)
run_ok "-attention_seed 1" "${ATT[@]}" -attention_seed 1 && cp "$tmp/ok.h5" "$tmp/att1.h5"
run_ok "-attention_seed 4294967297 -attention_feature_seed 1" "${ATT[@]}" -attention_seed 4294967297 -attention_feature_seed 1 && cp "$tmp/ok.h5" "$tmp/att2.h5"
run_ok "-attention_seed 1 -attention_feature_seed 4294967297" "${ATT[@]}" -attention_seed 1 -attention_feature_seed 4294967297
if "$PY" - "$tmp/att1.h5" "$tmp/att2.h5" "$tmp/ok.h5" <<'PYEOF'; then echo "ok - attention seeds 1 and 2^32 + 1 draw different inputs and features"; pass=$((pass + 1)); else echo "not ok - attention seeds 1 and 2^32 + 1 draw the same inputs or features"; fail=$((fail + 1)); fi
import sys, h5py, numpy as np
a, b, c = (h5py.File(f, "r") for f in sys.argv[1:4])
inputs = not np.array_equal(a["/q"][...], b["/q"][...])
features = np.array_equal(a["/q"][...], c["/q"][...]) and not np.array_equal(a["/calcium"][...], c["/calcium"][...])
sys.exit(0 if inputs and features else 1)
PYEOF
expect_error "-attention_feature_seed beyond 64 bits" "-attention_feature_seed 9223372036854775808: too large (at most 9223372036854775807)" -- nastro "${ATT[@]}" -o "$OUT" -attention_feature_seed 9223372036854775808

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
