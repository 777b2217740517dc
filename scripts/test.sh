#!/usr/bin/env bash
# Set up, then configure, build and run the whole test suite, in four stages:
#   release  every test, optimised build (build/release)
#   debug    every test but the slow configure flow, ASan+UBSan with leak
#            checks (a leak, overflow or UB report fails the test) (build/debug)
#   tsan     the tests that use threads, ThreadSanitizer: no report allowed (build/tsan)
#   fuzz     each libFuzzer target for FUZZ_SECONDS (default 60) from its
#            committed corpus, clang (build/fuzz; see scripts/fuzz.sh)
# EVENTIDE_TEST_STAGES="release debug" runs only those. Every stage runs even
# if an earlier one failed; the exit status says whether all passed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh || exit 1
stages=${EVENTIDE_TEST_STAGES:-release debug tsan fuzz}
failed=()
summary=()
for s in $stages; do
  t0=$(date +%s)
  echo "=== stage $s ==="
  case $s in
    release) cmake --workflow --preset release ;;
    debug) cmake --workflow --preset debug ;;
    tsan) cmake --workflow --preset tsan-threads ;;
    fuzz) bash scripts/fuzz.sh ;;
    *) echo "unknown stage $s"; false ;;
  esac
  rc=$?
  took=$(($(date +%s) - t0))
  [ "$rc" -eq 0 ] || failed+=("$s")
  summary+=("$s: $([ "$rc" -eq 0 ] && echo passed || echo FAILED) in ${took} s")
done
echo "=== summary ==="
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed stages: ${failed[*]}"
  exit 1
fi
