#!/usr/bin/env bash
# Set up, build (release) and run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target demo
./build/release/samples/demo "$@"
