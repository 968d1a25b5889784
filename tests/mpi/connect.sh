#!/bin/bash
# Rank independence of the connectivity (models.md 3.1 and 3.8 item 4): test_connect_ranks builds a small tripartite
# network and prints one line per projection (global count, checksum of every synapse over all ranks); the lines
# must be identical on 1, 2, 3 and 4 ranks, and every run must pass its own checks (exit status 0).
# usage: connect.sh TEST_CONNECT_RANKS
set -u
source "$(dirname "$0")/lib.sh" "$1"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
run() { on_ranks 120 "$1" >"$tmp/out$1" 2>"$tmp/err$1" || { cat "$tmp/out$1" "$tmp/err$1"; return 1; }; } # ranks

for n in 1 2 3 4; do check "network built on $n ranks passes its checks" run $n; done
check "1 rank prints 19 projections" test "$(grep -c '^projection' "$tmp/out1")" -eq 19
for n in 2 3 4; do
  check "the network on $n ranks is the 1-rank network (counts and checksums)" diff "$tmp/out1" "$tmp/out$n"
done
finish
