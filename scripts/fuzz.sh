#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, `fuzz` preset, build/fuzz) and fuzzes
# each tests/fuzz/fuzz_NAME.cpp for FUZZ_SECONDS (default 60) starting from its
# committed corpus tests/fuzz/corpus/NAME, two targets at a time
# (FUZZ_BUILD_DIR picks another build directory).
#   bash scripts/fuzz.sh            # what CI runs
#   FUZZ_SECONDS=600 bash scripts/fuzz.sh stream   # one target, longer
#   bash scripts/fuzz.sh --merge    # also fold new coverage into the committed corpus
# New inputs go to build/fuzz/corpus-work/NAME, never into the committed corpus
# (unless --merge). A crash, leak, hang (>10 s per input) or sanitizer report
# fails the run; the input is kept in build/fuzz/artifacts/ and printed in hex.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
merge=0
only=()
for a in "$@"; do
  case $a in
    --merge) merge=1 ;;
    *) only+=("$a") ;;
  esac
done

names=()
for f in tests/fuzz/fuzz_*.cpp; do
  n=$(basename "$f" .cpp)
  n=${n#fuzz_}
  if [ ${#only[@]} -gt 0 ] && [[ ! " ${only[*]} " == *" $n "* ]]; then continue; fi
  names+=("$n")
done
[ ${#names[@]} -gt 0 ] || { echo "fuzz: no targets"; exit 1; }

bdir=${FUZZ_BUILD_DIR:-build/fuzz}
cmake --preset fuzz -B "$bdir" >/dev/null
cmake --build "$bdir" -j2 --target $(printf 'fuzz_%s ' "${names[@]}")

mkdir -p "$bdir/artifacts"
export ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"

run_one() {
  local n=$1 work="$bdir/corpus-work/$1"
  mkdir -p "$work"
  "$bdir/tests/fuzz/fuzz_$n" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$bdir/artifacts/$n-" \
    "$work" "tests/fuzz/corpus/$n" >"$bdir/fuzz_$n.log" 2>&1
}

declare -A pid_of
passed=0
failed=0
report() {
  local n=$1 rc=$2 log="$bdir/fuzz_$1.log"
  local runs cov
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  cov=$(grep -E '^#[0-9]+.*(DONE|cov:)' "$log" | tail -1 | grep -o 'cov: [0-9]*' || true)
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
    echo "fuzz_$n: ok, ${runs:-?} inputs in ${secs} s, ${cov:-cov: ?} (corpus tests/fuzz/corpus/$n)"
  else
    failed=$((failed + 1))
    echo "fuzz_$n: FAILED (exit $rc); log $log:"
    tail -60 "$log"
    for a in "$bdir/artifacts/$n-"*; do
      [ -e "$a" ] || continue
      echo "reproduce: $bdir/tests/fuzz/fuzz_$n $a"
      echo "input (hex):"
      od -An -tx1 -v "$a" | head -40
    done
  fi
}

# Two at a time: the machine has two cores.
queue=("${names[@]}")
running=()
while [ ${#queue[@]} -gt 0 ] || [ ${#running[@]} -gt 0 ]; do
  while [ ${#running[@]} -lt 2 ] && [ ${#queue[@]} -gt 0 ]; do
    n=${queue[0]}
    queue=("${queue[@]:1}")
    run_one "$n" &
    pid_of[$n]=$!
    running+=("$n")
  done
  first=${running[0]}
  rc=0
  wait "${pid_of[$first]}" || rc=$?
  report "$first" "$rc"
  running=("${running[@]:1}")
done

if [ "$merge" -eq 1 ]; then
  for n in "${names[@]}"; do
    "$bdir/tests/fuzz/fuzz_$n" -merge=1 "tests/fuzz/corpus/$n" "$bdir/corpus-work/$n" \
      >"$bdir/merge_$n.log" 2>&1 && echo "merged new inputs into tests/fuzz/corpus/$n"
  done
fi

echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
