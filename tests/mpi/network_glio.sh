#!/usr/bin/env bash
# tm_glio_synapse (docs/networks.md, glia; Brian 2's neuron-glia examples 3 and 4) in whole runs of the engine,
# on tests/data/net_glio.yaml:
#  - the open-loop, closed-loop and unmodulated synapses of one spike train against an independent reference
#    (glio_reference.py: the astrocyte with Gamma_S written again, scipy DOP853 at rtol 1e-11 step by step, the
#    synapse's exact update at each spike): u_S, x_S, r_S, Gamma_S at every spike and C, within RK4's error;
#  - rank independence: spikes, traces and releases bit for bit on 1-4 ranks (astrocytes, their synapses and
#    the closed loop's glutamate split over the ranks differently);
#  - checkpoints: stopped by SIGUSR1 after a checkpoint on 2 ranks and resumed on 3, equal to the uninterrupted
#    run bit for bit (the synapses' u_S, x_S, the astrocytes' Gamma_S and the glutamate in flight are in it); a
#    resumed run with record.releases is refused with one line.
# usage: network_glio.sh NASTRO SOURCE_ROOT
set -u
source "$(dirname "$0")/lib.sh" "$1"
root=$2
net=$root/tests/data/net_glio.yaml
ref=$(dirname "$0")/glio_reference.py
same=$(dirname "$0")/same_datasets.py
PY=/usr/bin/python3

# measured (2026-12-03): u_S 1.8e-8, x_S 1.6e-8, r_S 4.4e-9, Gamma_S 4.8e-8, C 1.1e-8 uM (the closed loop)
check "net_glio on 1 rank" on_ranks 120 1 -network "$net" -quiet -o "$tmp/one.h5"
check "  open and closed loop and no astrocyte within 2e-7 of the reference" $PY "$ref" "$tmp/one.h5" 2e-7
for n in 2 3 4; do
  check "net_glio on $n ranks" on_ranks 120 $n -network "$net" -quiet -o "$tmp/r$n.h5"
  check "  the same spikes, traces and releases as on 1 rank, bit for bit" \
    $PY "$same" "$tmp/one.h5" "$tmp/r$n.h5" spikes traces releases
done

# checkpoints: the same network without record.releases (which checkpoints do not keep)
sed '/^  releases:/d' "$net" >"$tmp/net.yaml"
short=(-network "$tmp/net.yaml" -quiet)
check "without releases, on 1 rank" on_ranks 120 1 "${short[@]}" -o "$tmp/plain.h5"
usr1_after_checkpoint 120 2 1 "$tmp/usr1.log" "${short[@]}" -o "$tmp/usr1.h5" -checkpoint_interval 500 \
  -checkpoint_test_delay 0.2
rc=$?
check "SIGUSR1 stops the run on 2 ranks with exit code 75" test $rc -eq 75
check "  before the end" grep -q "stopped at t = .* ms (SIGUSR1 on rank 1)" "$tmp/usr1.log"
check "  resumed on 3 ranks, the run completes" on_ranks 120 3 "${short[@]}" -restart "$tmp/usr1.ckpt" -o "$tmp/usr1.h5"
check "  spikes and traces equal the uninterrupted run's, bit for bit" \
  $PY "$same" "$tmp/plain.h5" "$tmp/usr1.h5" spikes traces
on_ranks 120 1 -network "$net" -quiet -o "$tmp/rel.h5" -checkpoint_interval 500 -network_set t_stop=1000 \
  >/dev/null 2>&1
on_ranks 60 1 -network "$net" -quiet -o "$tmp/rel2.h5" -restart "$tmp/rel.ckpt" >"$tmp/refused.log" 2>&1
rc=$?
check "a resumed run with record.releases is refused: non-zero exit" test $rc -ne 0
check "  with one line naming record.releases" grep -q "record.releases is not kept in checkpoints" "$tmp/refused.log"

# the Gamma_S rows travel only in slices after a step of the astrocytes (glio.c, NaGlioScatter): astrocytes on a
# 7 ms step (slices of 1 ms) give bitwise what the scatter of every slice gives (NASTRO_TEST_GLIO_SCATTER_ALWAYS)
slow7=(-network "$tmp/net.yaml" -quiet -A_open_step_multiple 7 -A_closed_step_multiple 7)
check "astrocytes on a 7 ms step, 2 ranks" on_ranks 120 2 "${slow7[@]}" -o "$tmp/skip.h5"
check "  the same with the Gamma_S rows scattered every slice" \
  env NASTRO_TEST_GLIO_SCATTER_ALWAYS=1 timeout 120 mpiexec --oversubscribe -n 2 "$nastro" "${slow7[@]}" -o "$tmp/every.h5"
check "  spikes and traces equal, bit for bit" $PY "$same" "$tmp/every.h5" "$tmp/skip.h5" spikes traces
finish
