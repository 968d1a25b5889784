#!/bin/bash
# Multi-rank and bad-input checks of the attention model (models.md 2.5, issue 6):
#  - the ODE circuit and the discrete algorithm give bitwise identical /calcium, /y, /calcium_trace on 1-4 ranks
#    (read-out sums are per-block partials summed in block order; W is drawn per row from the seed);
#  - bad input stops with exit status != 0 and exactly one "nastro: error:" line naming option and value;
#  - unequal leaks run but print a "warning:" line.
# usage: attention.sh NASTRO
set -u
source "$(dirname "$0")/lib.sh" "$1"
run() { local n=$1 out=$2; shift 2; on_ranks 120 "$n" -model attention "$@" -quiet -o "$out"; } # ranks, output, options...
ode="-attention_m 37 -attention_L 5 -attention_heads 2 -attention_d_head 4 -attention_dv 3 -output_interval 0.25"
disc="-attention_form discrete -attention_m 1500 -attention_L 12 -attention_causal -attention_heads 2"
for n in 1 2 3 4; do
  check "ode on $n ranks" run $n "$tmp/ode$n.h5" $ode
  check "discrete causal on $n ranks" run $n "$tmp/disc$n.h5" $disc
done
for n in 2 3 4; do
  for d in /calcium /y /calcium_trace /time; do
    check "ode $d on $n ranks is bitwise the 1-rank result" h5diff "$tmp/ode1.h5" "$tmp/ode$n.h5" $d
  done
  for d in /calcium /y; do
    check "discrete $d on $n ranks is bitwise the 1-rank result" h5diff "$tmp/disc1.h5" "$tmp/disc$n.h5" $d
  done
done
check "ode results are finite and a > 0" /usr/bin/python3 -c "
import h5py, numpy as np, sys
f = h5py.File('$tmp/ode2.h5', 'r')
a = f['calcium'][()]; y = f['y'][()]
assert f.attrs['complete'] == 1 and a.shape == (2, 5) and y.shape == (2, 5, 3), (a.shape, y.shape)
assert np.all(a > 0) and np.all(np.isfinite(y)), a
assert f.attrs['relerr_ode_discrete_calcium'] < 1e-3, f.attrs['relerr_ode_discrete_calcium']
"

# bad input: one error line naming option and value
/usr/bin/python3 - "$tmp" <<'PY'
import h5py, numpy as np, sys
d = sys.argv[1]
with h5py.File(d + '/badk.h5', 'w') as f:
    f['q'] = np.zeros((5, 4)); f['k'] = np.zeros((5, 3)); f['v'] = np.zeros((5, 2))
with h5py.File(d + '/badv.h5', 'w') as f:
    f['q'] = np.zeros((5, 4)); f['k'] = np.zeros((5, 4)); f['v'] = np.zeros((6, 2))
with h5py.File(d + '/badwk.h5', 'w') as f:
    f['embeddings'] = np.zeros((5, 8)); f['W_Q'] = np.zeros((4, 8)); f['W_K'] = np.zeros((4, 7)); f['W_V'] = np.zeros((3, 8))
with h5py.File(d + '/good.h5', 'w') as f:
    f['q'] = np.zeros((5, 4)); f['k'] = np.zeros((5, 4)); f['v'] = np.zeros((5, 2))
with h5py.File(d + '/none.h5', 'w') as f:
    f['x'] = np.zeros(3)
open(d + '/text.h5', 'w').write('not hdf5')
PY
bad() { # description, expected substring, ranks, options...
  local what=$1 sub=$2 n=$3; shift 3
  on_ranks 60 "$n" -model attention "$@" -quiet -o "$tmp/bad.h5" >"$tmp/out" 2>"$tmp/err"
  local rc=$? lines
  lines=$(grep -c '^nastro: error:' "$tmp/err")
  if [ $rc -ne 0 ] && [ "$lines" -eq 1 ] && grep -q -- "$sub" "$tmp/err"; then ok "$what: $(grep '^nastro: error:' "$tmp/err")"
  else cp "$tmp/err" "$tmp/log"; notok "$what (rc $rc, $lines error lines)"; fi
}
bad "m = 0" "-attention_m 0" 1 -attention_m 0
bad "m < 0 on 2 ranks" "-attention_m -5" 2 -attention_m -5
bad "negative tau_c" "-attention_tau_c -1" 1 -attention_tau_c -1
bad "zero tau_syn" "-attention_tau_syn 0" 2 -attention_tau_syn 0
bad "zero delta" "-attention_delta 0" 1 -attention_delta 0
bad "settle 1" "-attention_settle 1" 1 -attention_settle 1
bad "k shape differs from q" "k has shape 1 x 5 x 3" 2 -attention_input "$tmp/badk.h5"
bad "v has other token count" "v has 1 heads and 6 tokens" 1 -attention_input "$tmp/badv.h5"
bad "W_K shape" "W_K has shape" 2 -attention_input "$tmp/badwk.h5"
bad "no datasets" "no datasets q, k, v" 1 -attention_input "$tmp/none.h5"
bad "not HDF5" "cannot open as an HDF5 file" 2 -attention_input "$tmp/text.h5"
bad "L disagrees with file" "-attention_L 7: the input file" 1 -attention_input "$tmp/good.h5" -attention_L 7
bad "output interval not dividing delta" "-output_interval 0.3" 1 -output_interval 0.3
bad "unknown form" "-attention_form euler" 1 -attention_form euler
check "unequal leaks run with a warning" bash -c "timeout 60 '$nastro' -model attention -attention_form discrete -attention_m 50 -attention_L 4 -attention_leak_syn 0.1 -quiet -o '$tmp/leak.h5' | grep -q '^warning: unequal leak'"
finish
