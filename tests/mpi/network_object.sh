#!/bin/bash
# NaNetwork on 1-4 ranks (tests/mpi/network_object.c): block layout, row gathers and bitwise row sums.
# usage: network_object.sh TEST_BINARY
set -u
source "$(dirname "$0")/lib.sh" "$1"
for n in 1 2 3 4; do
  check "NaNetwork on $n ranks" timeout 60 mpiexec --oversubscribe -n $n "$nastro"
done
finish
