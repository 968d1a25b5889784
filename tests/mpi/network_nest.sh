#!/usr/bin/env bash
# nastro against NEST 3.10's own output (models.md 3.8 items 1 and 3; tests/data/README.md says how NEST made
# it): the single astrocyte, the tripartite interaction, a Tsodyks synapse into AdEx, and the f-I spike trains,
# each run from its network file and compared at NEST's rows: with NEST-equivalent settings (an adaptive
# Dormand-Prince 5(4) per population, tolerance 1e-8 in the max-norm, as NEST's per-cell rkf45 at 1e-6) the
# agreement is to NEST's printed digits, spike times exactly; with the default stepper (classic RK4, one step of
# the resolution) within its measured error (AdEx spike times up to 0.7 ms late after 39 spikes; docs/networks.md).
# Tolerances are the measured errors with a margin; the numbers are printed.
# usage: network_nest.sh NASTRO SOURCE_ROOT
set -u
source "$(dirname "$0")/lib.sh" "$1"
data=$2/tests/data
cmp=$(dirname "$0")/nest_compare.py
PY=/usr/bin/python3

nestlike=(-network_ts_type rk -network_ts_rk_type 5dp -network_ts_adapt_type basic -network_ts_rtol 1e-8
  -network_ts_atol 1e-8 -network_ts_adapt_wnormtype infinity)
run() { # name, ranks, network file, options...
  local name=$1 n=$2 net=$3
  shift 3
  on_ranks 300 "$n" -network "$data/$net" -o "$tmp/$name.h5" -quiet "$@"
}

check "astrocyte_single runs" run single 1 net_astrocyte_single.yaml
check "astrocyte_single: IP3, Ca, h agree with NEST (RK4 at the resolution)" \
  $PY "$cmp" traces "$tmp/single.h5" "$data/astrocyte_single.csv" \
  IP3=astro/IP3:1e-8 Ca_astro=astro/Ca_astro:1e-8 h_IP3R=astro/h_IP3R:1e-8
check "astrocyte_single with astrocytes stepped every 1 ms (-astro_step_multiple 10)" run single10 1 \
  net_astrocyte_single.yaml -astro_step_multiple 10
check "  agrees with NEST within NEST's own tolerance (1e-3; measured 3.6e-4 in Ca_astro)" \
  $PY "$cmp" traces "$tmp/single10.h5" "$data/astrocyte_single.csv" \
  IP3=astro/IP3:1e-3 Ca_astro=astro/Ca_astro:1e-3 h_IP3R=astro/h_IP3R:1e-3
check "astrocyte_interaction runs on 2 ranks (NEST-equivalent stepping)" run inter 2 net_astrocyte_interaction.yaml \
  "${nestlike[@]}"
check "astrocyte_interaction: astrocyte, SIC and both neurons agree with NEST" \
  $PY "$cmp" traces "$tmp/inter.h5" "$data/astrocyte_interaction.csv" \
  IP3=astro/IP3:1e-8 Ca_astro=astro/Ca_astro:1e-8 h_IP3R=astro/h_IP3R:1e-8 pre_V_m=pre/V_m:1e-5 pre_w=pre/w:1e-5 \
  post_V_m=post/V_m:1e-6 post_I_SIC=post/I_SIC:1e-8 post_g_ex=post/g_ex:1e-7
check "astrocyte_interaction with the default stepper (RK4)" run inter4 1 net_astrocyte_interaction.yaml
check "  agrees with NEST within RK4's error" \
  $PY "$cmp" traces "$tmp/inter4.h5" "$data/astrocyte_interaction.csv" \
  IP3=astro/IP3:1e-8 Ca_astro=astro/Ca_astro:1e-8 h_IP3R=astro/h_IP3R:1e-8 pre_V_m=pre/V_m:0.05 pre_w=pre/w:0.12 \
  post_V_m=post/V_m:1e-5 post_I_SIC=post/I_SIC:1e-8 post_g_ex=post/g_ex:1e-5
check "tsodyks_synapse into AdEx runs" run tsodyks 1 net_tsodyks.yaml "${nestlike[@]}"
check "tsodyks_synapse into AdEx: g_ex and V_m agree with NEST" \
  $PY "$cmp" traces "$tmp/tsodyks.h5" "$data/tsodyks_to_aeif.csv" g_ex=post/g_ex:1e-7 V_m=post/V_m:1e-7
check "f-I runs (NEST-equivalent stepping)" run fI 1 net_fI.yaml "${nestlike[@]}"
check "f-I: spike counts and times equal NEST's" $PY "$cmp" spikes "$tmp/fI.h5" "$data/fI_spikes.json" 1e-9
check "f-I runs with the default stepper" run fI4 1 net_fI.yaml
check "f-I (RK4): spike counts equal NEST's, times within 1 ms" $PY "$cmp" spikes "$tmp/fI4.h5" "$data/fI_spikes.json" 1.0
finish
