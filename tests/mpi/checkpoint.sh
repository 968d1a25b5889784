#!/bin/bash
# Checkpoint and restart (docs/checkpoint.md), judged against an uninterrupted run of the same simulation:
#  1. kill -9 of every rank at 20+ random moments (some inside checkpoint writes; the job is checked to be running
#     when killed); each time a restart from the directory completes with the uninterrupted run's final state and time series, bitwise;
#  2. a chain of four segments on 1 -> 2 -> 3 -> 1 ranks (each stopped by -ts_max_steps, exit 75); a resume to a
#     later -ts_max_time samples on at the original interval, gap-free; an earlier one, or another
#     -output_interval, is refused;
#  3. SIGUSR1 and SIGTERM mid-run: exit 75, a valid checkpoint, an identical resume;
#  4. bad checkpoints (truncated, corrupted, another model, another size, a newer format) each give one
#     clear error and leave the file untouched, as does an output file whose samples were changed; a directory
#     falls back to its newest valid checkpoint;
#  5. divergence (NaN) stops with time and step, output incomplete, last checkpoint untouched;
#  6. a checkpoint write on a full disk (a small tmpfs) fails cleanly, the previous checkpoint stays valid.
# usage: checkpoint.sh NASTRO
set -u
source "$(dirname "$0")/lib.sh" "$1"
cleanup_extra() { if mountpoint -q "$tmp/full" 2>/dev/null; then umount "$tmp/full"; fi; }

sim=(-naam_N 40 -naam_K 3 -naam_cue_flip 0.2 -ts_max_time 30 -ts_rtol 1e-9 -ts_atol 1e-9 -output_final -quiet)
nastro_n() { local n=$1; shift; on_ranks 120 "$n" "${sim[@]}" "$@"; }
same_as_ref() { # output file: every time series and the final state equal the uninterrupted run's, bitwise
  for d in /final /time /energy /overlaps /x; do h5diff "$tmp/ref.h5" "$1" "$d" || return 1; done
  [ "$(h5dump -a complete "$1" | grep -c '(0): 1')" -eq 1 ]
}
expect_rc() { local want=$1; shift; "$@"; local rc=$?; [ "$rc" -eq "$want" ] || { echo "exit code $rc, expected $want"; return 1; }; }

check "uninterrupted reference run" nastro_n 1 -o "$tmp/ref.h5"

wait_for_checkpoint() { # directory: returns once it holds a checkpoint (or after 20 s)
  for _ in $(seq 1 400); do ls "$1"/ckpt-*.h5 >/dev/null 2>&1 && return 0; sleep 0.05; done
}

# 1. kill -9 at random moments after the first checkpoint
RANDOM=20261128
for i in $(seq 1 22); do
  rm -rf "$tmp/k.h5" "$tmp/k.ckpt"
  ranks=$((1 + i % 2))
  delay=$(printf '0.%02d' $((RANDOM % 80)))
  ( exec timeout 120 mpiexec -n $ranks "$nastro" "${sim[@]}" -o "$tmp/k.h5" -checkpoint_interval 0.25 -checkpoint_keep 2 -checkpoint_test_delay 0.015 >/dev/null 2>&1 ) &
  runner=$!
  wait_for_checkpoint "$tmp/k.ckpt"
  sleep "$delay"
  alive=$(pgrep -f -- "-o $tmp/k.h5" | wc -l) # the kill must hit a running job, or it tests nothing
  pkill -9 -f -- "-o $tmp/k.h5" ; wait $runner 2>/dev/null
  if [ "$alive" -eq 0 ]; then notok "kill -9 ${delay}s after the first checkpoint on $ranks ranks: the run had already ended"; continue; fi
  if ls "$tmp/k.ckpt"/ckpt-*.h5 >/dev/null 2>&1; then
    how="restart from the directory"
    nastro_n $ranks -restart "$tmp/k.ckpt" >"$tmp/log" 2>&1
  else
    how="no checkpoint yet, a fresh start"
    nastro_n $ranks -o "$tmp/k.h5" >"$tmp/log" 2>&1
  fi
  rc=$?
  tmps=$(ls "$tmp/k.ckpt" 2>/dev/null | grep -c '\.tmp$')
  if [ $rc -eq 0 ] && same_as_ref "$tmp/k.h5" >>"$tmp/log" 2>&1; then ok "kill -9 ${delay}s after the first checkpoint on $ranks ranks ($how; leftover .tmp files: $tmps): identical result"
  else notok "kill -9 ${delay}s after the first checkpoint on $ranks ranks ($how)"; fi
done

# 2. a chain of segments on 1 -> 2 -> 3 -> 1 ranks
rm -rf "$tmp/c.h5" "$tmp/c.ckpt"
check "segment 1 on 1 rank stops at step 60 with exit 75" expect_rc 75 nastro_n 1 -o "$tmp/c.h5" -ts_max_steps 60
check "segment 2 on 2 ranks stops at step 120 with exit 75" expect_rc 75 nastro_n 2 -restart "$tmp/c.ckpt" -ts_max_steps 120
check "segment 3 on 3 ranks stops at step 180 with exit 75" expect_rc 75 nastro_n 3 -restart "$tmp/c.ckpt" -ts_max_steps 180
check "segment 4 on 1 rank completes" expect_rc 0 nastro_n 1 -restart "$tmp/c.ckpt"
check "1 -> 2 -> 3 -> 1 ranks equals the uninterrupted run" same_as_ref "$tmp/c.h5"

# 2b. a resume with another end time: later runs on at the original sampling interval (no gaps, no mixed spacing),
#     earlier than the checkpoint is refused, and so is another -output_interval
rm -rf "$tmp/e.h5" "$tmp/e.ckpt"
check "an end-time segment stops at step 60 with exit 75" expect_rc 75 nastro_n 1 -o "$tmp/e.h5" -ts_max_steps 60
with_options sim -ts_max_time 45 -restart "$tmp/e.ckpt"
check "  resumed to -ts_max_time 45 (was 30)" expect_rc 0 on_ranks 120 2 "${opts[@]}"
check "  its samples are evenly spaced at the original 0.3 up to 45" /usr/bin/python3 -c "
import h5py, numpy as np
f = h5py.File('$tmp/e.h5', 'r'); t = f['time'][()]
assert f.attrs['complete'] == 1 and abs(f.attrs['final_time'] - 45) < 1e-9, f.attrs['final_time']
assert np.allclose(np.diff(t), 0.3, rtol=1e-9, atol=0) and abs(t[-1] - 45) < 1e-9 and len(t) == 151, (len(t), t[-3:])"
rm -rf "$tmp/e.h5" "$tmp/e.ckpt"
nastro_n 1 -o "$tmp/e.h5" -ts_max_steps 60 >/dev/null 2>&1
with_options sim -ts_max_time 0.1 -restart "$tmp/e.ckpt"
on_ranks 60 1 "${opts[@]}" >"$tmp/log" 2>&1
rc=$?
if [ $rc -ne 0 ] && [ "$(grep -c 'nastro: error' "$tmp/log")" -eq 1 ] && grep -q "^nastro: error: -ts_max_time 0.1: the checkpoint being resumed is at t = [0-9.]*, already past it" "$tmp/log"; then
  ok "  -ts_max_time 0.1 before the checkpoint: '$(grep 'nastro: error' "$tmp/log")'"
else notok "  -ts_max_time 0.1 before the checkpoint: exit $rc"; fi
on_ranks 60 1 "${sim[@]}" -restart "$tmp/e.ckpt" -output_interval 0.1 >"$tmp/log" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q "^nastro: error: -output_interval 0.1: the run being resumed samples every 0.3" "$tmp/log"; then
  ok "  another -output_interval: '$(grep 'nastro: error' "$tmp/log")'"
else notok "  another -output_interval on resume: exit $rc"; fi

# 3. signals
for sig in USR1 TERM; do
  rm -rf "$tmp/s.h5" "$tmp/s.ckpt"
  with_options sim -ts_rtol 1e-11 -ts_atol 1e-11
  sim_tight=("${opts[@]}")
  ( exec timeout 120 mpiexec -n 2 "$nastro" "${sim_tight[@]}" -o "$tmp/s.h5" -checkpoint_interval 0.25 -checkpoint_test_delay 0.004 >"$tmp/sig.log" 2>&1 ) &
  runner=$!
  wait_for_checkpoint "$tmp/s.ckpt"
  sleep 0.2
  pkill -$sig -f -- "^$nastro .*-o $tmp/s.h5" # the ranks, as srun or scancel --signal deliver it
  wait $runner; rc=$?
  if [ $rc -eq 75 ] && ls "$tmp/s.ckpt"/ckpt-*.h5 >/dev/null 2>&1; then ok "SIG$sig mid-run: exit 75 with a checkpoint"
  else cp "$tmp/sig.log" "$tmp/log"; notok "SIG$sig mid-run: exit code $rc"; fi
  check "SIG$sig: output not marked complete" bash -c "h5dump -a complete '$tmp/s.h5' | grep -q '(0): 0'"
  check "SIG$sig: resume completes" on_ranks 120 2 "${sim_tight[@]}" -restart "$tmp/s.ckpt"
  check "SIG$sig: resumed run equals an uninterrupted one" bash -c "timeout 120 '$nastro' ${sim_tight[*]} -o '$tmp/sref.h5' >/dev/null && h5diff '$tmp/sref.h5' '$tmp/s.h5' /final && h5diff '$tmp/sref.h5' '$tmp/s.h5' /x"
done

# 4. bad checkpoints: one error line each, the file unaltered
rm -rf "$tmp/g.h5" "$tmp/g.ckpt"
nastro_n 1 -o "$tmp/g.h5" -ts_max_steps 50 >/dev/null 2>&1
good=$(ls "$tmp/g.ckpt"/ckpt-*.h5 | tail -1)
bad_case() { # description, expected text, file, extra nastro options...
  local what=$1 want=$2 file=$3; shift 3
  local before; before=$(sha256sum "$file" | cut -d' ' -f1)
  with_options sim -o "$tmp/bad-out.h5" -restart "$file" "$@"
  timeout 60 "$nastro" "${opts[@]}" >"$tmp/log" 2>&1; local rc=$?
  local lines; lines=$(grep -c '^nastro: error:' "$tmp/log")
  if [ $rc -ne 0 ] && [ "$lines" -eq 1 ] && grep '^nastro: error:' "$tmp/log" | grep -q -- "$want" && [ "$(sha256sum "$file" | cut -d' ' -f1)" = "$before" ]; then
    ok "bad checkpoint, $what: '$(grep '^nastro: error:' "$tmp/log")'"
  else notok "bad checkpoint, $what (exit $rc, $lines error lines)"; fi
}
cp "$good" "$tmp/truncated.h5"; truncate -s $(($(stat -c %s "$good") / 2)) "$tmp/truncated.h5"
bad_case "truncated" "cannot be opened as HDF5" "$tmp/truncated.h5"
cp "$good" "$tmp/corrupt.h5"
/usr/bin/python3 - "$tmp/corrupt.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    off = f["state"].id.get_offset()
with open(sys.argv[1], "r+b") as fh:
    fh.seek(off + 8 * 123 + 3); b = fh.read(1); fh.seek(off + 8 * 123 + 3); fh.write(bytes([b[0] ^ 0x10]))
PY
bad_case "flipped bits in the state" "checksum mismatch" "$tmp/corrupt.h5"
cp "$good" "$tmp/newer.h5"
/usr/bin/python3 -c "import h5py,sys; f=h5py.File(sys.argv[1],'r+'); f.attrs.modify('format_version', 99); f.close()" "$tmp/newer.h5"
bad_case "newer format" "format version 99" "$tmp/newer.h5"
bad_case "another size" "N = 40" "$good" -naam_N 41
bad_case "another storage" "state values" "$good" -naam_storage full
rm -rf "$tmp/d.ckpt"; timeout 60 "$nastro" -model dam -dam_N 40 -dam_K 3 -quiet -o "$tmp/d.h5" -ts_max_steps 5 >/dev/null 2>&1
bad_case "another model" "written by model dam" "$(ls "$tmp/d.ckpt"/ckpt-*.h5 | tail -1)"
bad_case "other patterns" "patterns differ" "$good" -naam_seed 2
# an output file changed (or damaged) in the samples the checkpoint counts: one error, the file left as it was
cp "$tmp/g.h5" "$tmp/damaged.h5"
/usr/bin/python3 -c "import h5py,sys; f=h5py.File(sys.argv[1],'r+'); f['x'][0, 7] += 1e-9; f.close()" "$tmp/damaged.h5"
before=$(sha256sum "$tmp/damaged.h5" | cut -d' ' -f1)
timeout 60 "$nastro" "${sim[@]}" -restart "$good" -o "$tmp/damaged.h5" >"$tmp/log" 2>&1; rc=$?
if [ $rc -ne 0 ] && [ "$(grep -c '^nastro: error:' "$tmp/log")" -eq 1 ] &&
   grep -q "^nastro: error: -o $tmp/damaged.h5: cannot continue .*samples differ from those the run wrote" "$tmp/log" &&
   [ "$(sha256sum "$tmp/damaged.h5" | cut -d' ' -f1)" = "$before" ] && [ ! -e "$tmp/damaged.h5.resume.tmp" ]; then
  ok "output changed before the checkpoint's sample: '$(grep '^nastro: error:' "$tmp/log")', file unaltered, no temporary left"
else notok "output changed before the checkpoint's sample (exit $rc)"; fi
# a directory whose newest checkpoint is corrupted falls back to the previous one, with a warning
cp "$tmp/corrupt.h5" "$tmp/g.ckpt/ckpt-9999999999.h5"
check "directory with a corrupted newest checkpoint resumes from the previous one" bash -c "timeout 60 '$nastro' ${sim[*]} -restart '$tmp/g.ckpt' > '$tmp/fallback.log' 2>&1 && grep -q 'warning: skipped invalid checkpoints:.*checksum mismatch' '$tmp/fallback.log'"
check "the fallback run equals the uninterrupted run" same_as_ref "$tmp/g.h5"

# 5. divergence: Euler with a step far too large
rm -rf "$tmp/n.h5" "$tmp/n.ckpt"
timeout 60 "$nastro" "${sim[@]}" -o "$tmp/n.h5" -ts_type euler -ts_dt 0.05 -ts_max_steps 10 >/dev/null 2>&1
before=$(sha256sum "$tmp/n.ckpt"/ckpt-*.h5 | cut -d' ' -f1)
with_options sim -restart "$tmp/n.ckpt" -ts_type euler -ts_dt 3 -ts_max_time 5000 -checkpoint_interval 1e6
timeout 60 "$nastro" "${opts[@]}" >"$tmp/log" 2>&1; rc=$?
if [ $rc -ne 0 ] && grep -Eq "nastro: error: the (state became NaN/Inf|energy is -?inf) at t = .*, step" "$tmp/log" &&
   [ "$(sha256sum "$tmp/n.ckpt"/ckpt-*.h5 | cut -d' ' -f1)" = "$before" ] && h5dump -a complete "$tmp/n.h5" | grep -q '(0): 0'; then
  ok "divergence: '$(grep 'nastro: error' "$tmp/log")', checkpoint untouched, output incomplete"
else notok "divergence (exit $rc)"; fi

# 6. full disk
mkdir -p "$tmp/full"
if mount -t tmpfs -o size=400k tmpfs "$tmp/full" 2>/dev/null; then
  rm -rf "$tmp/f.h5"
  nastro_n 1 -o "$tmp/f.h5" -checkpoint_dir "$tmp/full/ck" -ts_max_steps 40 >/dev/null 2>&1
  dd if=/dev/zero of="$tmp/full/filler" bs=4k 2>/dev/null
  before=$(sha256sum "$tmp/full/ck"/ckpt-*.h5 | cut -d' ' -f1)
  timeout 60 "$nastro" "${sim[@]}" -restart "$tmp/full/ck" -checkpoint_dir "$tmp/full/ck" -checkpoint_interval 0.1 >"$tmp/log" 2>&1; rc=$?
  if [ $rc -ne 0 ] && [ "$(grep -c '^nastro: error:' "$tmp/log")" -eq 1 ] && grep -q "could not be written (disk full?)" "$tmp/log" &&
     [ "$(sha256sum "$tmp/full/ck"/ckpt-*.h5 | cut -d' ' -f1)" = "$before" ] && ! ls "$tmp/full/ck"/*.tmp >/dev/null 2>&1; then
    ok "full disk: '$(grep 'nastro: error' "$tmp/log")', previous checkpoint unaltered, no temporary left"
  else notok "full disk (exit $rc)"; fi
  rm -f "$tmp/full/filler"
  check "full disk: the previous checkpoint still resumes to the uninterrupted result" bash -c "timeout 60 '$nastro' ${sim[*]} -restart '$tmp/full/ck' -checkpoint_dir '$tmp/full/ck' >/dev/null && h5diff '$tmp/ref.h5' '$tmp/f.h5' /final && h5diff '$tmp/ref.h5' '$tmp/f.h5' /x"
else
  echo "ok - full disk # SKIP this machine forbids mounting a tmpfs (mount failed)"
fi

finish
