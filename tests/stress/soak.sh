#!/usr/bin/env bash
# The soak (not in CI): builds the release preset's stress_soak and runs it for
# SECONDS (default 600): 10,000 connections churning and echoing, with bytes
# moved, connections served, RSS at start and end, and errors printed.
#   bash tests/stress/soak.sh        # 10 minutes
#   bash tests/stress/soak.sh 60     # one minute
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-600}
cmake --preset release >/dev/null
cmake --build build/release -j2 --target stress_soak
exec build/release/tests/stress/stress_soak "$secs"
