#!/usr/bin/env bash
# Builds eventide (Release) with the benchmarks and runs them all against
# libevent, raw epoll, libuv and Asio; prints a markdown table and writes
# bench/results/<time>/ (table.md, samples.csv, summary.json, chart.png).
# See docs/benchmarks.md. Arguments go to bench/run.py, e.g.
#   bash scripts/bench.sh --scale quick        # a 30-second smoke run
#   bash scripts/bench.sh --only pipe,timers   # some scenarios
#   bash scripts/bench.sh --scale full         # more repetitions, 2-loop echo
# BUILD_DIR overrides the build directory (default build/bench).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/bench-deps.sh
build="${BUILD_DIR:-build/bench}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEVENTIDE_BUILD_BENCH=ON \
  -DEVENTIDE_BUILD_TESTS=OFF -DEVENTIDE_BUILD_SAMPLES=OFF >/dev/null
# Keep going past a program that does not build (a part still being written):
# run.py skips the arms whose program is missing and says so in the report.
if ! cmake --build "$build" --target bench_programs -- -k 0 -j"$(nproc)"; then
  echo "bench.sh: some programs did not build; their arms will be skipped" >&2
fi
exec python3 bench/run.py --build-dir "$build" "$@"
