#!/bin/sh
# Runs the leak canary and passes only if LeakSanitizer caught the leak and
# made the program fail: proof that a leak anywhere else fails the suite too.
out=$("$1" 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -q "LeakSanitizer: detected memory leaks"; then
  echo "leak detection is on: the canary's leak failed it (exit $rc)"
  exit 0
fi
printf '%s\n' "$out"
if [ "$rc" -eq 0 ]; then
  echo "FAIL: a leaking program exited 0 without a LeakSanitizer report: detect_leaks is off"
  echo "      (ASAN_OPTIONS='${ASAN_OPTIONS:-}'), so leaks elsewhere would pass unseen"
else
  echo "FAIL: the canary exited $rc without a LeakSanitizer report"
fi
exit 1
