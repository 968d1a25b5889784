# The harness of the bad-input scripts (sourced, not run): `source lib.sh NASTRO SCRIPT_NAME`.
# Sets NASTRO (absolute path), PY, tmp (removed at exit, the working directory), OUT, pass and fail, Open MPI's
# run-as-root variables; complete_flag FILE prints the root attribute complete (0 if absent or unreadable);
# expect_error checks one bad input (below).
NASTRO=${1:?usage: $2 NASTRO_BINARY}
NASTRO=$(cd "$(dirname "$NASTRO")" && pwd)/$(basename "$NASTRO")
[ -x "$NASTRO" ] || { echo "not an executable: $NASTRO" >&2; exit 2; }

PY=/usr/bin/python3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2

pass=0
fail=0
OUT=$tmp/out.h5

complete_flag() {
  "$PY" - "$1" <<'PYEOF' 2>/dev/null || echo 0
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    print(int(f.attrs.get("complete", 0)))
PYEOF
}

# last_wins WORD...: sets cmd to the words with the earlier of two equal options after the nastro binary dropped
#   (names ignore case), value and all. nastro refuses an option given twice with different values; the cases add
#   their bad value to a base set of options (SMALL), as PETSc's last value used to win.
last_wins() {
  local words=("$@") keep=() i j k n key after=0 isval
  n=${#words[@]}
  iskey() { [[ $1 =~ ^--?[A-Za-z] ]] && ! [[ ${1,,} =~ ^-(inf|infinity|nan)$ ]]; }
  for ((i = 0; i < n; i++)); do keep[i]=1; done
  for ((i = 0; i < n; i++)); do
    [ "${words[i]}" = "$NASTRO" ] && { after=1; continue; }
    [ $after = 1 ] && iskey "${words[i]}" || continue
    key=${words[i],,}
    for ((j = i + 1; j < n; j++)); do
      if iskey "${words[j]}" && [ "${words[j],,}" = "$key" ]; then
        keep[i]=0
        k=$((i + 1))
        if [ $k -lt $n ] && ! iskey "${words[k]}"; then keep[k]=0; fi
        break
      fi
    done
  done
  cmd=()
  for ((i = 0; i < n; i++)); do [ "${keep[i]}" = 1 ] && cmd+=("${words[i]}"); done
}

# expect_error "description" "substring"... -- [mpiexec ...] nastro args...
#   With KEEP_REPEATS=1 the command runs as written; else through last_wins.
#   The literal word "nastro" in the command is replaced by the binary under test. Passes when the run exits
#   non-zero with exactly one stderr line "nastro: error: ..." holding every substring, and leaves neither OUT
#   nor nastro.h5 complete (with NO_OUTPUT=1: creates neither). No substring may be an option's name or a number
#   alone: give the option and its value together as the line prints them ("-naam_N 0:"). SIGKILL after 60 s: a run that got past validation must not hang the suite
#   (SIGTERM only asks nastro to checkpoint).
expect_error() {
  local desc=$1 why=() subs=() cmd=() line n rc f
  shift
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do subs+=("$1"); shift; done
  shift
  for a in "$@"; do
    if [ "$a" = nastro ]; then cmd+=("$NASTRO"); else cmd+=("$a"); fi
  done
  [ -n "${KEEP_REPEATS:-}" ] || last_wins "${cmd[@]}"
  rm -f "$OUT" "$tmp/nastro.h5"
  timeout -s KILL 60 "${cmd[@]}" >"$tmp/stdout" 2>"$tmp/stderr"
  rc=$?
  [ $rc -ne 0 ] || why+=("exit status 0")
  [ $rc -ne 137 ] || why+=("killed after 60 s")
  n=$(grep -c '^nastro: error:' "$tmp/stderr")
  [ "$n" -eq 1 ] || why+=("$n 'nastro: error:' lines on stderr")
  line=$(grep -m1 '^nastro: error:' "$tmp/stderr")
  for s in "${subs[@]}"; do
    case $line in *"$s"*) ;; *) why+=("error line lacks '$s'") ;; esac
    # an option's name or a number alone matches a message that names another option or value: the expected
    # text must be the option and its value together, as the line prints them ("-naam_N 0:")
    if [[ $s =~ ^-[A-Za-z][A-Za-z0-9_]*$ || $s =~ ^-?[0-9.]+$ ]]; then why+=("expected text '$s' is an option or a number alone"); fi
  done
  for f in "$OUT" "$tmp/nastro.h5"; do
    if [ -e "$f" ] && [ "$(complete_flag "$f")" = 1 ]; then why+=("complete output file $f left behind"); fi
    if [ -n "${NO_OUTPUT:-}" ] && [ -e "$f" ]; then why+=("output file $f created"); fi
  done
  if [ ${#why[@]} -eq 0 ]; then
    echo "ok - $desc"
    [ -z "${VERBOSE:-}" ] || echo "#   $line"
    pass=$((pass + 1))
  else
    local IFS=';'
    echo "not ok - $desc: ${why[*]}"
    sed 's/^/#   stderr: /' "$tmp/stderr" | head -n 20
    fail=$((fail + 1))
  fi
}
