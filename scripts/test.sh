#!/usr/bin/env bash
# Set up, then configure, build and run the whole test suite: the release
# build, then the ASan+UBSan build (debug preset).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake --workflow --preset release
cmake --workflow --preset debug
