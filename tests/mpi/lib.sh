# The harness of the multi-rank test scripts (sourced, not run): usage `source lib.sh NASTRO`.
# Sets nastro (absolute path), tmp (removed at exit, after an optional `cleanup_extra` function runs) and
# Open MPI's run-as-root variables; ok/notok/check print TAP-like lines; finish prints the closing line
# "N passed, M failed" and returns non-zero on any failure.
nastro=$(realpath "$1")
tmp=$(mktemp -d)
_na_cleanup() { declare -F cleanup_extra >/dev/null && cleanup_extra; rm -rf "$tmp"; }
trap _na_cleanup EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
notok() { fail=$((fail + 1)); echo "not ok - $1"; [ -f "$tmp/log" ] && sed 's/^/    /' "$tmp/log" | tail -20; }
check() { # description, command...: the command's output goes to $tmp/log, shown on failure
  local what=$1; shift
  if "$@" >"$tmp/log" 2>&1; then ok "$what"; else notok "$what"; fi
}
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; }
on_ranks() { # seconds, ranks, nastro options...: one run of the binary under test, killed after the seconds
  local secs=$1 n=$2; shift 2
  timeout "$secs" mpiexec --oversubscribe -n "$n" "$nastro" "$@"
}
with_options() { # ARRAY OPTION [VALUE]...: sets opts to ARRAY's options with those given replaced, then the given ones
  # (nastro refuses an option given twice with different values; PETSc used to keep the last silently)
  local -n base=$1
  local over=("${@:2}") i j drop
  opts=()
  for ((i = 0; i < ${#base[@]}; i++)); do
    drop=0
    for ((j = 0; j < ${#over[@]}; j++)); do
      [[ ${base[i]} == -[A-Za-z]* && ${base[i],,} == "${over[j],,}" ]] && drop=1
    done
    if [ $drop = 1 ]; then # the option and its value, if it has one
      if ((i + 1 < ${#base[@]})) && [[ ${base[i + 1]} != -[A-Za-z]* ]]; then i=$((i + 1)); fi
      continue
    fi
    opts+=("${base[i]}")
  done
  opts+=("${over[@]}")
}
rank_pids() { # output file, rank: the pid of that rank of the run writing the file
  for p in $(pgrep -f "^$nastro .*-o $1"); do
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2" && echo "$p"
  done
}
usr1_after_checkpoint() { # seconds, ranks, rank to signal, log, nastro options... (with -o OUT): starts the run,
  # sends that rank SIGUSR1 once the run's first checkpoint (OUT's default directory OUT.ckpt) exists, and returns
  # the run's exit status (75 when it checkpointed and stopped)
  local secs=$1 n=$2 r=$3 log=$4 out="" a
  shift 4
  for ((a = 1; a <= $#; a++)); do [ "${!a}" = -o ] && { a=$((a + 1)); out=${!a}; }; done
  on_ranks "$secs" "$n" "$@" >"$log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 400); do ls "${out%.h5}".ckpt/ckpt-*.h5 >/dev/null 2>&1 && break; sleep 0.05; done
  for p in $(rank_pids "$out" "$r"); do kill -USR1 "$p"; done
  wait $pid
}
