#!/usr/bin/env bash
# Bad network files (netspec.h) must fail cleanly, before anything of the simulation exists:
#   (a) non-zero exit status,
#   (b) exactly one stderr line starting with "nastro: error:",
#   (c) that line names the file and line, and the key and the bad value together as printed ("delay 0.15:"),
#   (d) no output file is left behind that claims to be complete (root attribute complete = 1).
# Usage: network_bad_input.sh NASTRO_BINARY   (VERBOSE=1 also shows the error line of passing cases)
set -u

source "$(dirname "$0")/lib.sh" "${1:-}" network_bad_input.sh

# net NAME: writes stdin to NAME.yaml
net() { cat >"$tmp/$1.yaml"; }

# bad NAME "description" "substring"...: nastro -network NAME.yaml must fail naming the substrings
bad() {
  local name=$1 desc=$2
  shift 2
  expect_error "$desc" "$@" -- nastro -network "$tmp/$name.yaml" -o "$OUT"
}

# ---- a good network, and variants of it with one line changed ----------------------------------------------
net good <<'EOF'
resolution: 0.1
t_stop: 1.0
seed: 1
populations:
  - {name: A, model: astrocyte_lr_1994, n: 4}
  - {name: E, model: aeif_cond_alpha_astro, n: 8}
  - {name: drive, model: spike_generator, n: 1, params: {spike_times: [0.5]}}
  - {name: noise, model: poisson_generator, n: 1, params: {rate: 100.0}}
projections:
  - {from: noise, to: E, weight: 1.0, delay: 0.1}
  - {from: E, to: E, rule: {pairwise_bernoulli: {p: 0.5}}, synapse: tsodyks_synapse, weight: 1.0, delay: 0.2,
     third: {population: A, p: 0.5, pool_size: 2}}
record:
  spikes: [E]
  traces:
    - {population: A, variables: [IP3], interval: 0.5}
EOF

# variant NAME 'sed expression': NAME.yaml is good.yaml edited
variant() { sed "$2" "$tmp/good.yaml" >"$tmp/$1.yaml"; }

# ---- cases --------------------------------------------------------------------------------------------------
# the file itself
expect_error "missing network file" "$tmp/missing.yaml" "cannot read" -- nastro -network "$tmp/missing.yaml" -o "$OUT"
expect_error "network file is a directory" "$tmp" "is a directory" -- nastro -network "$tmp" -o "$OUT"
printf '\x89PNG\r\n\x1a\n\0\0' >"$tmp/png.yaml"
bad png "binary file" "png.yaml:1:" "not a text file"
printf 'seed: 1\nt_stop: 1\xff\n' >"$tmp/latin1.yaml"
bad latin1 "non-UTF-8 file" "latin1.yaml:2:" "not a text file" "0xff"
printf 'seed: 1\npopulations: [{name: E, model: iaf_cond_exp\n' >"$tmp/syntax.yaml"
bad syntax "YAML syntax error" "syntax.yaml:3:" "YAML syntax error"
printf -- '- 1\n- 2\n' >"$tmp/list.yaml"
bad list "top level not a mapping" "list.yaml:1:" "[1, 2]: expected a mapping"
printf 'seed: 1\n' >"$tmp/nopops.yaml"
bad nopops "no populations" "nopops.yaml:1:" "missing key populations"
# top level
variant tstop 's/^t_stop: 1.0/t_stpo: 1.0/'
bad tstop "unknown top-level key" "tstop.yaml:2:" "t_stpo: unknown key" "did you mean t_stop?"
variant res0 's/^resolution: 0.1/resolution: 0/'
bad res0 "resolution 0" "res0.yaml:1:" "resolution 0:"
variant tneg 's/^t_stop: 1.0/t_stop: -1/'
bad tneg "t_stop -1" "tneg.yaml:2:" "t_stop -1:"
variant tgrid 's/^t_stop: 1.0/t_stop: 1.05/'
bad tgrid "t_stop off the grid" "tgrid.yaml:2:" "t_stop 1.05:" "multiple of the resolution 0.1"
variant seedneg 's/^seed: 1/seed: -1/'
bad seedneg "seed -1" "seedneg.yaml:3:" "seed -1:"
variant seedfrac 's/^seed: 1/seed: 1.5/'
bad seedfrac "seed 1.5" "seedfrac.yaml:3:" "seed 1.5:"
# populations
variant model 's/aeif_cond_alpha_astro/aeif_cond_alfa/'
bad model "unknown model" "model.yaml:6:" "population E:" "model aeif_cond_alfa:" "did you mean aeif_cond_alpha_astro?"
variant n0 's/n: 8}/n: 0}/'
bad n0 "n 0" "n0.yaml:6:" "population E:" "n 0:"
variant nfrac 's/n: 8}/n: 2.5}/'
bad nfrac "n 2.5" "nfrac.yaml:6:" "n 2.5:"
variant nbig 's/n: 8}/n: 3000000000}/'
bad nbig "n 3000000000" "nbig.yaml:6:" "n 3000000000:"
variant nkey 's/n: 8}/nn: 8}/'
bad nkey "misspelled key" "nkey.yaml:6:" "nn: unknown key" "did you mean n?"
variant noname 's/{name: A, /{/'
bad noname "missing name" "noname.yaml:5:" "missing key name"
variant param 's/n: 8}/n: 8, params: {tau_syn_exc: 2.0}}/'
bad param "unknown parameter" "param.yaml:6:" "params.tau_syn_exc: unknown parameter" "did you mean tau_syn_ex?"
variant init 's/n: 4}/n: 4, init: {Ca: 0.1}}/'
bad init "unknown state variable" "init.yaml:5:" "init.Ca: unknown state variable" "did you mean Ca_astro?"
variant pnan 's/rate: 100.0/rate: nan/'
bad pnan "parameter nan" "pnan.yaml:8:" "params.rate nan:"
variant pcheck 's/rate: 100.0/rate: -5/'
bad pcheck "parameter the model rejects" "pcheck.yaml:8:" "params.rate -5:" "rate must be >= 0"
variant pword 's/n: 4}/n: 4, params: {tau_IP3: slow}}/'
bad pword "parameter not a number" "pword.yaml:5:" "params.tau_IP3 slow:"
# spike times
variant sneg 's/spike_times: \[0.5\]/spike_times: [-0.5]/'
bad sneg "negative spike time" "sneg.yaml:7:" "params.spike_times -0.5:"
variant szero 's/spike_times: \[0.5\]/spike_times: [0]/'
bad szero "spike time 0" "szero.yaml:7:" "params.spike_times 0:"
variant ssort 's/spike_times: \[0.5\]/spike_times: [0.5, 0.2]/'
bad ssort "unsorted spike times" "ssort.yaml:7:" "params.spike_times 0.2:" "not sorted"
variant sgrid 's/spike_times: \[0.5\]/spike_times: [0.55]/'
bad sgrid "spike time off the grid" "sgrid.yaml:7:" "params.spike_times 0.55:"
variant sfile 's/spike_times: \[0.5\]/spike_times_file: nothere.txt/'
bad sfile "missing spike file" "sfile.yaml:7:" "params.spike_times_file nothere.txt:" "$tmp/nothere.txt"
printf '0.5\n0.6\nsoon\n' >"$tmp/times.txt"
variant sword 's/spike_times: \[0.5\]/spike_times_file: times.txt/'
bad sword "non-number in a spike file" "times.txt:3:" "spike time soon:"
# projections
variant delay 's/delay: 0.1}/delay: 0.15}/'
bad delay "delay 0.15" "delay.yaml:10:" "projection 0 (noise -> E):" "delay 0.15:" "positive multiple of the resolution 0.1"
variant delay0 's/delay: 0.1}/delay: 0}/'
bad delay0 "delay 0" "delay0.yaml:10:" "delay 0:"
variant dkey 's/delay: 0.1}/dealy: 0.1}/'
bad dkey "misspelled projection key" "dkey.yaml:10:" "dealy: unknown key" "did you mean delay?"
variant wword 's/weight: 1.0, delay: 0.1/weight: heavy, delay: 0.1/'
bad wword "weight not a number" "wword.yaml:10:" "weight heavy:"
variant from 's/from: noise/from: nosie/'
bad from "unknown source population" "from.yaml:10:" "from nosie:" "did you mean noise?"
variant nofrom 's/{from: noise, /{/'
bad nofrom "missing from" "nofrom.yaml:10:" "missing key from"
variant intogen 's/to: E, weight/to: drive, weight/'
bad intogen "connection into a generator" "intogen.yaml:10:" "to drive:" "cannot receive connections"
variant p 's/{p: 0.5}/{p: 1.5}/'
bad p "p 1.5" "p.yaml:11:" "rule.pairwise_bernoulli.p 1.5:"
variant rule 's/{pairwise_bernoulli: {p: 0.5}}/pairwise_bernouli/'
bad rule "unknown rule" "rule.yaml:11:" "rule pairwise_bernouli:" "did you mean pairwise_bernoulli?"
variant k0 's/{pairwise_bernoulli: {p: 0.5}}/{fixed_indegree: {K: 0}}/'
bad k0 "K 0" "k0.yaml:11:" "rule.fixed_indegree.K 0:"
variant syn 's/synapse: tsodyks_synapse/synapse: tsodyks/'
bad syn "unknown synapse" "syn.yaml:11:" "synapse tsodyks:" "did you mean tsodyks_synapse?"
variant tau 's/synapse: tsodyks_synapse/synapse: {tsodyks_synapse: {tau_psc: 800}}/'
bad tau "tau_psc = tau_rec" "tau.yaml:11:" "synapse.tsodyks_synapse.tau_psc 800:"
variant U 's/synapse: tsodyks_synapse/synapse: {tsodyks_synapse: {U: 1.5}}/'
bad U "U 1.5" "U.yaml:11:" "synapse.tsodyks_synapse.U 1.5:"
variant taufac 's/synapse: tsodyks_synapse/synapse: {tsodyks_synapse: {tau_fac: -1}}/'
bad taufac "tau_fac -1" "taufac.yaml:11:" "synapse.tsodyks_synapse.tau_fac -1:"
variant one 's/{pairwise_bernoulli: {p: 0.5}}/one_to_one/; s/to: E, rule/to: A, rule/; s/synapse: tsodyks_synapse,/synapse: static_synapse,/; s/     third: .*/     }/; s/delay: 0.2,$/delay: 0.2/'
bad one "one_to_one with different sizes" "one.yaml:11:" "rule one_to_one:"
variant sicsrc 's/synapse: tsodyks_synapse/synapse: sic_connection/'
bad sicsrc "sic_connection from a neuron" "sicsrc.yaml:11:" "synapse sic_connection:" "emits no SIC"
variant fromastro 's/{from: noise, to: E/{from: A, to: E/'
bad fromastro "static synapse from an astrocyte" "fromastro.yaml:10:" "synapse static_synapse:" "sic_connection"
variant wastro 's/{from: noise, to: E, weight: 1.0/{from: noise, to: A, weight: -1/'
bad wastro "negative weight onto astrocytes" "wastro.yaml:10:" "weight -1:" "astrocytes"
variant wnormal 's/{from: noise, to: E, weight: 1.0/{from: noise, to: A, weight: {normal: [1, 0.1]}/'
bad wnormal "normal weight onto astrocytes" "wnormal.yaml:10:" "weight {normal: [1, 0.1]}:" "can be negative"
# third factor
variant tpop 's/population: A, p: 0.5/population: E, p: 0.5/'
bad tpop "third population not astrocytes" "tpop.yaml:12:" "third.population E:" "astrocyte"
variant tp 's/population: A, p: 0.5/population: A, p: 2/'
bad tp "third.p 2" "tp.yaml:12:" "third.p 2:"
variant pool0 's/pool_size: 2}/pool_size: 0}/'
bad pool0 "pool_size 0" "pool0.yaml:12:" "third.pool_size 0:"
variant poolbig 's/pool_size: 2}/pool_size: 5}/'
bad poolbig "pool_size beyond the astrocytes" "poolbig.yaml:12:" "third.pool_size 5:"
variant block 's/pool_size: 2}/pool_size: 3, pool_type: block}/'
bad block "block pools that do not fit" "block.yaml:12:" "third.pool_type block:" "does not fit"
variant tkey 's/pool_size: 2}/pool_sise: 2}/'
bad tkey "misspelled third key" "tkey.yaml:12:" "third.pool_sise: unknown key" "did you mean pool_size?"
# record
variant rastro 's/spikes: \[E\]/spikes: [A]/'
bad rastro "spikes of astrocytes" "rastro.yaml:14:" "record.spikes A:"
variant rpoisson 's/spikes: \[E\]/spikes: [noise]/'
bad rpoisson "spikes of a poisson_generator" "rpoisson.yaml:14:" "record.spikes noise:"
variant rpop 's/spikes: \[E\]/spikes: [X]/'
bad rpop "spikes of an unknown population" "rpop.yaml:14:" "record.spikes X:" "unknown population"
variant tvar 's/variables: \[IP3\]/variables: [Ca]/'
bad tvar "trace of an unknown variable" "tvar.yaml:16:" "variables Ca:" "did you mean Ca_astro?"
variant tsic 's/variables: \[IP3\]/variables: [I_SIC]/'
bad tsic "I_SIC of an astrocyte" "tsic.yaml:16:" "variables I_SIC:"
variant tgen 's/population: A, variables: \[IP3\]/population: noise, variables: [V_m]/'
bad tgen "trace of a generator" "tgen.yaml:16:" "population noise:" "generator"
variant tint 's/interval: 0.5}/interval: 0.15}/'
bad tint "trace interval off the grid" "tint.yaml:16:" "interval 0.15:"
variant tcells 's/interval: 0.5}/interval: 0.5, cells: [1, 4]}/'
bad tcells "trace cell out of range" "tcells.yaml:16:" "cells 4:" "out of range"
variant tdup 's/interval: 0.5}/interval: 0.5, cells: [1, 1]}/'
bad tdup "trace cell twice" "tdup.yaml:16:" "cells 1:" "listed twice"
# overrides
expect_error "-network_set delay=0.15 keeps the line and names the option" "good.yaml:10 (-network_set projections.0.delay=0.15): " "delay 0.15:" -- \
  nastro -network "$tmp/good.yaml" -network_set projections.0.delay=0.15 -o "$OUT"
expect_error "-network_set on a missing population" "-network_set populations.X.n=5" "no entry X" -- \
  nastro -network "$tmp/good.yaml" -network_set populations.X.n=5 -o "$OUT"
# errors must be reported once, not once per rank
expect_error "2 ranks, delay 0.15" "delay.yaml:10:" "delay 0.15:" -- mpiexec -n 2 nastro -network "$tmp/delay.yaml" -o "$OUT"
expect_error "2 ranks, missing spike file" "params.spike_times_file nothere.txt:" -- \
  mpiexec -n 2 nastro -network "$tmp/sfile.yaml" -o "$OUT"
expect_error "2 ranks, missing network file" "$tmp/missing.yaml" -- mpiexec -n 2 nastro -network "$tmp/missing.yaml" -o "$OUT"

# a state that becomes infinite mid-run (a dc input of 1e308 pA from 0.5 ms), in the one cell of B: on 2 ranks
# it lives on rank 1, whose slice header brings it to rank 0; the run stops with one line naming it
net inf <<'EOF'
resolution: 0.1
t_stop: 5.0
populations:
  - {name: H, model: iaf_cond_exp, n: 3}
  - {name: B, model: iaf_cond_exp, n: 1}
  - {name: dc, model: dc_generator, n: 1, params: {amplitude: 1e308, start: 0.5}}
projections:
  - {from: dc, to: B, rule: all_to_all, weight: 10.0, delay: 1.0}
record:
  spikes: [H, B]
EOF
expect_error "2 ranks, a state becomes infinite on rank 1" "inf.yaml: population B, cell 0: V_m became NaN or infinite by t = 2 ms" -- \
  mpiexec -n 2 nastro -network "$tmp/inf.yaml" -o "$OUT"

# tm_glio_synapse and glia (docs/networks.md, glia): one line each, naming the key and the value
net glio <<'EOF'
resolution: 1.0
t_stop: 2.0
populations:
  - {name: G, model: astrocyte_gchi, n: 2}
  - {name: L, model: astrocyte_lr_1994, n: 2}
  - {name: T, model: iaf_cond_exp, n: 2}
  - {name: S, model: spike_generator, n: 1, params: {spike_times: [1.0]}}
projections:
  - {from: S, to: T, synapse: {tm_glio_synapse: {U_0_star: 0.6, Omega_d: 2.0e-3}}, weight: 1.0,
     glia: {population: G, astrocyte: [0, 1]}}
EOF
glio() { sed "$2" "$tmp/glio.yaml" >"$tmp/$1.yaml"; }
glio gl_index 's/astrocyte: \[0, 1\]/astrocyte: [0, 2]/'
bad gl_index "glia astrocyte index outside the population" "gl_index.yaml:10:" "glia.astrocyte.1 2:" \
  "outside the 2 astrocytes of G"
glio gl_pop 's/population: G,/population: L,/'
bad gl_pop "glia onto a non-gchi population" "gl_pop.yaml:10:" "glia.population L:" "must be an astrocyte_gchi"
glio gl_u0 's/U_0_star: 0.6/U_0_star: 1.5/'
bad gl_u0 "U_0_star outside (0, 1]" "gl_u0.yaml:9:" "synapse.tm_glio_synapse.U_0_star 1.5:" "must be in (0, 1]"
glio gl_omega 's/Omega_d: 2.0e-3/Omega_d: -2.0e-3/'
bad gl_omega "negative Omega_d" "gl_omega.yaml:9:" "synapse.tm_glio_synapse.Omega_d -2.0e-3:" "must not be negative"
glio gl_syn 's/synapse: {tm_glio_synapse: {U_0_star: 0.6, Omega_d: 2.0e-3}}/synapse: static_synapse/'
bad gl_syn "glia on a static_synapse" "gl_syn.yaml:10:" "glia: only tm_glio_synapse"
glio gl_near 's/astrocyte: \[0, 1\]/astrocyte: nearest/'
bad gl_near "glia nearest without positions" "gl_near.yaml:10:" "glia.astrocyte nearest: the astrocyte population G has no positions"
glio gl_bi 's/astrocyte: \[0, 1\]/astrocyte: {brian_index: {spacing: 0, columns: 2}}/'
bad gl_bi "brian_index spacing 0" "gl_bi.yaml:10:" "glia.astrocyte.brian_index.spacing 0: must be > 0 (um)"
glio gl_bik 's/astrocyte: \[0, 1\]/astrocyte: {brian_index: {spacing: 5, colums: 2}}/'
bad gl_bik "brian_index misspelt key" "gl_bik.yaml:10:" "glia.astrocyte.brian_index.colums: unknown key" "did you mean columns"
glio gl_mode 's/astrocyte: \[0, 1\]/astrocyte: closest/'
bad gl_mode "unknown astrocyte assignment" "gl_mode.yaml:10:" "glia.astrocyte closest: expected one_to_one, nearest, {brian_index: {spacing, columns}} or a list"
glio st_neuron 's/{name: T, model: iaf_cond_exp, n: 2}/{name: T, model: iaf_cond_exp, n: 2, step_multiple: 10}/'
bad st_neuron "step_multiple on a neuron population" "st_neuron.yaml:6: population T: step_multiple 10: only astrocytes may step slower than the resolution (T is iaf_cond_exp)"
glio st_zero 's/{name: G, model: astrocyte_gchi, n: 2}/{name: G, model: astrocyte_gchi, n: 2, step_multiple: 0}/'
bad st_zero "step_multiple 0" "st_zero.yaml:4: population G: step_multiple 0: must be at least 1"

# ---- errors of the engine: memory, numbers, restarts, options ---------------------------------------------------
expect_error "a network too large for the memory available" "the network does not fit" "has 1e-06 GB available" -- \
  env NASTRO_MEM_AVAILABLE=1000 "$NASTRO" -network "$tmp/good.yaml" -o "$OUT"
variant nan 's/n: 8}/n: 8, params: {C_m: 1e-12}}/'
expect_error "a state that becomes NaN names population, cell and variable" "population E, cell 0: V_m became NaN" -- \
  nastro -network "$tmp/nan.yaml" -o "$OUT"
expect_error "-restart from a missing checkpoint" "-restart $tmp/none.ckpt: no such checkpoint file or directory" -- \
  nastro -network "$tmp/good.yaml" -restart "$tmp/none.ckpt" -o "$OUT"
expect_error "-checkpoint_keep 0" "-checkpoint_keep 0: must be at least 1" -- \
  nastro -network "$tmp/good.yaml" -checkpoint_keep 0 -o "$OUT"
expect_error "-checkpoint_interval -1" "-checkpoint_interval -1: must not be negative" -- \
  nastro -network "$tmp/good.yaml" -checkpoint_interval -1 -o "$OUT"
expect_error "-good_step_multiple 0" "-E_step_multiple 0: must be at least 1" -- \
  nastro -network "$tmp/good.yaml" -E_step_multiple 0 -o "$OUT"

expect_error "a misspelt population option is an error" "-E_ts_tpye rk: no part of nastro reads this option; did you mean -E_ts_type?" -- \
  nastro -network "$tmp/good.yaml" -E_ts_tpye rk -o "$OUT"
expect_error "an option of the other models is an error" "-naam_N 50: an option of -model naam; this run is a network (-network)" -- \
  nastro -network "$tmp/good.yaml" -naam_N 50 -o "$OUT"

# astrocyte_gchi and timed parameters: a good file (positive control below), then one bad value each
net gchi <<'EOF2'
resolution: 0.1
t_stop: 1.0
populations:
  - {name: G, model: astrocyte_gchi, n: 2,
     params: {O_beta: 0.005, I_bias: {timed: {dt: 0.5, values: [1, 0], repeat: true}}}}
  - {name: drive, model: spike_generator, n: 1, params: {spike_times: [0.5]}}
projections:
  - {from: drive, to: G, weight: 500.0}
EOF2
gvariant() { sed "$2" "$tmp/gchi.yaml" >"$tmp/$1.yaml"; }
gvariant gneg 's/O_beta: 0.005/O_beta: -0.005/'
bad gneg "negative G-ChI parameter" "gneg.yaml:5: population G: params.O_beta -0.005: O_beta must be >= 0"
gvariant gnan 's/O_beta: 0.005/O_beta: nan/'
bad gnan "NaN G-ChI parameter" "gnan.yaml:5: population G: params.O_beta nan: must be a finite number"
gvariant ginf 's/O_beta: 0.005/C_Theta: inf/'
bad ginf "infinite G-ChI parameter" "ginf.yaml:5: population G: params.C_Theta inf: must be a finite number"
gvariant gua 's/O_beta: 0.005/U_A: 1.5/'
bad gua "release probability above 1" "gua.yaml:5: population G: params.U_A 1.5: U_A must lie in [0, 1]"
gvariant gkp 's/O_beta: 0.005/K_P: 0/'
bad gkp "zero SERCA affinity" "gkp.yaml:5: population G: params.K_P 0: K_P must be > 0"
gvariant gnoise 's/O_beta: 0.005/noise: -0.5/'
bad gnoise "negative noise" "gnoise.yaml:5: population G: params.noise -0.5: noise must be >= 0"
gvariant gnoisec 's/O_beta: 0.005/noise: {cells: [1, -2]}/'
bad gnoisec "negative noise in one cell" "gnoisec.yaml:5: population G: params.noise.cells -2: noise must be >= 0 (cell 1)"
gvariant tdt 's/dt: 0.5/dt: 0.25/'
bad tdt "timed dt off the grid" "tdt.yaml:5: population G: params.I_bias.timed.dt 0.25: must be a positive multiple of the resolution 0.1"
gvariant tdt0 's/dt: 0.5/dt: 0/'
bad tdt0 "timed dt 0" "tdt0.yaml:5: population G: params.I_bias.timed.dt 0: must be a positive multiple of the resolution 0.1"
gvariant tempty 's/values: \[1, 0\]/values: []/'
bad tempty "timed values empty" "tempty.yaml:5: population G: params.I_bias.timed.values []: expected a non-empty list of numbers"
gvariant tword 's/values: \[1, 0\]/values: [1, high]/'
bad tword "timed value not a number" "tword.yaml:5: population G: params.I_bias.timed.values high: not a number"
gvariant tnan 's/values: \[1, 0\]/values: [1, inf]/'
bad tnan "timed value infinite" "tnan.yaml:5: population G: params.I_bias.timed.values inf: must be a finite number"
gvariant tneg 's/values: \[1, 0\]/values: [1, -1]/'
bad tneg "timed value out of the model's range" "tneg.yaml:5: population G: params.I_bias.timed.values -1: I_bias must be >= 0 (entry 1)"
gvariant tkey 's/repeat: true/repet: true/'
bad tkey "timed: unknown key" "tkey.yaml:5: population G: params.I_bias.timed.repet: unknown key" "did you mean repeat?"
gvariant tnodt 's/dt: 0.5, //'
bad tnodt "timed: no dt" "tnodt.yaml:5: population G: params.I_bias.timed: missing key dt"
gvariant trep 's/repeat: true/repeat: 2/'
bad trep "timed: repeat not a boolean" "trep.yaml:5: population G: params.I_bias.timed.repeat 2: must be true or false"
gvariant tscalar 's/{timed: {dt: 0.5, values: \[1, 0\], repeat: true}}/{timed: 3}/'
bad tscalar "timed: not a mapping" "tscalar.yaml:5: population G: params.I_bias.timed 3: expected a mapping"
gvariant tinit 's/params: {O_beta: 0.005, I_bias:/init: {C: 0.1}, params: {O_beta: 0.005, I_bias:/; s/init: {C: 0.1}/init: {C: {timed: {dt: 1, values: [1]}}}/'
bad tinit "timed initial value" "tinit.yaml:5: population G: init.C.timed: unknown distribution" "uniform, normal"
rm -f "$tmp/gchi.h5"
if timeout -s KILL 120 "$NASTRO" -network "$tmp/gchi.yaml" -o "$tmp/gchi.h5" >"$tmp/stdout" 2>"$tmp/stderr" &&
  [ "$(complete_flag "$tmp/gchi.h5")" = 1 ]; then
  echo "ok - positive control: the good G-ChI network with a timed parameter runs"
  pass=$((pass + 1))
else
  echo "not ok - positive control: the good G-ChI network"
  sed 's/^/#   stderr: /' "$tmp/stderr" | head -n 20
  fail=$((fail + 1))
fi

# positions and the distance rule: a good file (positive control below), then one bad value each
net space <<'EOF2'
resolution: 1.0
t_stop: 2.0
populations:
  - {name: A, model: astrocyte_gchi, n: 6, positions: {grid: {rows: 2, spacing: 50, origin: [0, 0]}}}
  - {name: N, model: iaf_cond_exp, n: 3, positions: {file: space_pos.txt}}
projections:
  - {from: N, to: A, rule: {distance: {radius: 75, p: 0.5}}, weight: 1.0}
EOF2
printf '0 0\n10 20 5\n# a comment\n30 40\n' >"$tmp/space_pos.txt"
svariant() { sed "$2" "$tmp/space.yaml" >"$tmp/$1.yaml"; }
svariant srad 's/radius: 75/radius: -75/'
bad srad "negative radius" "srad.yaml:7: projection 0 (N -> A): rule.distance.radius -75: must be > 0 (um)"
svariant sp 's/p: 0.5}/p: 1.5}/'
bad sp "distance p above 1" "sp.yaml:7: projection 0 (N -> A): rule.distance.p 1.5: must be in [0, 1]"
svariant snorad 's/radius: 75, //'
bad snorad "distance rule without radius" "snorad.yaml:7: projection 0 (N -> A): rule.distance: needs radius (um), or a p that falls with distance"
svariant sprof 's/p: 0.5}/p: {gauss: {sigma: 3}}}/'
bad sprof "unknown distance profile" "sprof.yaml:7: projection 0 (N -> A): rule.distance.p.gauss: unknown profile" "did you mean gaussian"
svariant ssig 's/p: 0.5}/p: {gaussian: {p0: 1, sigma: 0}}}/'
bad ssig "zero sigma" "ssig.yaml:7: projection 0 (N -> A): rule.distance.p.gaussian.sigma 0: must be > 0"
svariant snopos 's/, positions: {file: space_pos.txt}//'
bad snopos "distance rule without positions" "snopos.yaml:7: projection 0 (N -> A): rule distance: the source population N has no positions"
svariant srows 's/rows: 2/rows: 0/'
bad srows "grid of 0 rows" "srows.yaml:4: population A: positions.grid.rows 0: must be at least 1"
svariant sspc 's/spacing: 50/spacing: -5/'
bad sspc "negative grid spacing" "sspc.yaml:4: population A: positions.grid.spacing -5: must be > 0"
svariant sorg 's/origin: \[0, 0\]/origin: [0]/'
bad sorg "origin of the wrong shape" "sorg.yaml:4: population A: positions.grid.origin [0]: expected [x, y] or [x, y, z] (um)"
svariant skind 's/{grid: {rows: 2, spacing: 50, origin: \[0, 0\]}}/{lattice: {rows: 2}}/'
bad skind "unknown kind of positions" "skind.yaml:4: population A: positions.lattice: unknown kind of positions; choose one of grid, random, file"
svariant sbox 's/{grid: {rows: 2, spacing: 50, origin: \[0, 0\]}}/{random: {x: [10, 0]}}/'
bad sbox "box with lo > hi" "sbox.yaml:4: population A: positions.random.x [10, 0]: needs lo <= hi"
printf '0 0\n10 20\n' >"$tmp/short_pos.txt"
svariant sshort 's/space_pos.txt/short_pos.txt/'
bad sshort "positions file with too few lines" "short_pos.txt:2: population N: positions.file: 2 positions for the 3 cells of N"
printf '0 0\n10 20\n1 2 3 4\n' >"$tmp/wide_pos.txt"
svariant swide 's/space_pos.txt/wide_pos.txt/'
bad swide "positions of the wrong shape" "wide_pos.txt:3: population N: positions.file: 1 2 3 4: expected x y [z] (um), 2 or 3 numbers"
printf '0 0\n10 x\n1 2\n' >"$tmp/word_pos.txt"
svariant sword 's/space_pos.txt/word_pos.txt/'
bad sword "positions file with a word" "word_pos.txt:2: population N: positions.file: 10 x: expected x y [z] (um), numbers"
svariant smiss 's/space_pos.txt/missing_pos.txt/'
bad smiss "missing positions file" "smiss.yaml:5: population N: positions.file missing_pos.txt: cannot read" "No such file"
svariant sgen 's/model: iaf_cond_exp, n: 3/model: poisson_generator, n: 3/'
bad sgen "positions of a generator" "sgen.yaml:5: population N: positions {file: space_pos.txt}: a generator (poisson_generator) has no positions"
# gap junctions, the pairs rule and per-cell values: a good file (positive control below), then one bad value each
net gap <<'EOF2'
resolution: 1.0
t_stop: 10.0
populations:
  - {name: G, model: astrocyte_gchi, n: 4, params: {I_bias: {cells: [0, 1, 0, 0]}}, init: {I: {cells: [0, 0.5, 0, 0]}}}
  - {name: L, model: astrocyte_lr_1994, n: 2}
projections:
  - {from: G, to: G, rule: {pairs: {pre: [0, 1, 2, 3], post: [1, 2, 3, 0]}}, synapse: {gap_junction: {F: 9e-5}}}
  - {from: G, to: G, rule: {pairs_file: gap_pairs.txt}, synapse: gap_junction}
EOF2
printf '# pre post\n1 0\n2, 1\n\n3 2\n' >"$tmp/gap_pairs.txt"
printf '1 0\n2 1\n3 4\n' >"$tmp/gap_far.txt"
pvariant() { sed "$2" "$tmp/gap.yaml" >"$tmp/$1.yaml"; }
pvariant gjlr 's/  - {from: G, to: G, rule: {pairs_file: gap_pairs.txt}/  - {from: G, to: L, rule: all_to_all/'
bad gjlr "gap_junction onto a non-G-ChI population" \
  "gjlr.yaml:8: projection 1 (G -> L): synapse gap_junction: the target L is astrocyte_lr_1994; gap junctions connect astrocyte_gchi populations only"
pvariant gjneg 's/F: 9e-5/F: -9e-5/'
bad gjneg "negative gap-junction permeability" "gjneg.yaml:7: projection 0 (G -> G): synapse.gap_junction.F -9e-5: must not be negative"
pvariant gjom 's/F: 9e-5/F: 9e-5, omega_I: 0/'
bad gjom "zero omega_I" "gjom.yaml:7: projection 0 (G -> G): synapse.gap_junction.omega_I 0: must be positive"
pvariant gjw 's/synapse: gap_junction}/synapse: gap_junction, weight: 2}/'
bad gjw "a weight on a gap junction" "gjw.yaml:8: projection 1 (G -> G): weight 2: a gap_junction has no weight"
pvariant gjd 's/synapse: gap_junction}/synapse: gap_junction, delay: 2}/'
bad gjd "a delay on a gap junction" "gjd.yaml:8: projection 1 (G -> G): delay 2: a gap_junction has no delay"
pvariant gpre 's/pre: \[0, 1, 2, 3\]/pre: [0, 1, 7, 3]/'
bad gpre "pair index out of range" "gpre.yaml:7: projection 0 (G -> G): rule.pairs.pre 7: pair 2: not a cell of G (a whole number 0 to 3)"
pvariant glen 's/post: \[1, 2, 3, 0\]/post: [1, 2, 3]/'
bad glen "pairs of different lengths" "glen.yaml:7: projection 0 (G -> G): rule.pairs.post: 3 entries, but pre has 4"
pvariant gfile 's/gap_pairs.txt/gap_far.txt/'
bad gfile "pair index out of range in a pairs_file" "gap_far.txt:3: projection 1 (G -> G): rule.pairs_file: post 3 4: pair 2: not a cell of G (a whole number 0 to 3)"
pvariant gcells 's/I_bias: {cells: \[0, 1, 0, 0\]}/I_bias: {cells: [0, 1, 0]}/'
bad gcells "a cells list of the wrong length" \
  "gcells.yaml:4: population G: params.I_bias.cells [0, 1, 0]: 3 values for the 4 cells of population G (n after scale)"
pvariant gicells 's/init: {I: {cells: \[0, 0.5, 0, 0\]}}/init: {I: {cells: [0, 0.5, 0, 0, 0]}}/'
bad gicells "an initial cells list of the wrong length" \
  "gicells.yaml:4: population G: init.I.cells [0, 0.5, 0, 0, 0]: 5 values for the 4 cells of population G"
pvariant gcneg 's/I_bias: {cells: \[0, 1, 0, 0\]}/I_bias: {cells: [0, 1, -2, 0]}/'
bad gcneg "a per-cell value out of the model's range" "gcneg.yaml:4: population G: params.I_bias.cells -2: I_bias must be >= 0 (cell 2)"
rm -f "$tmp/gap.h5"
if timeout -s KILL 120 "$NASTRO" -network "$tmp/gap.yaml" -o "$tmp/gap.h5" >"$tmp/stdout" 2>"$tmp/stderr" &&
  [ "$(complete_flag "$tmp/gap.h5")" = 1 ]; then
  echo "ok - positive control: the good gap-junction network (pairs, pairs_file, cells) runs"
  pass=$((pass + 1))
else
  echo "not ok - positive control: the good gap-junction network"
  sed 's/^/#   stderr: /' "$tmp/stderr" | head -n 20
  fail=$((fail + 1))
fi

# ---- positive control ---------------------------------------------------------------------------------------
for good in good space; do
  rm -f "$tmp/$good.h5"
  timeout -s KILL 120 "$NASTRO" -network "$tmp/$good.yaml" -o "$tmp/$good.h5" >"$tmp/stdout" 2>"$tmp/stderr"
  rc=$?
  if [ $rc -eq 0 ] && [ "$(complete_flag "$tmp/$good.h5")" = 1 ]; then
    echo "ok - positive control: the network $good exits 0 and writes complete = 1"
    pass=$((pass + 1))
  else
    echo "not ok - positive control $good: exit status $rc, complete = $(complete_flag "$tmp/$good.h5")"
    sed 's/^/#   stderr: /' "$tmp/stderr" | head -n 20
    fail=$((fail + 1))
  fi
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
