#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test eventide.
# Safe to run again: only missing packages are fetched.
set -euo pipefail
# clang + libclang-rt: the libFuzzer targets (scripts/fuzz.sh); iproute2 +
# nftables: the lossy-network stress test (network namespaces, random drop).
pkgs=(cmake ninja-build g++ pkg-config libgtest-dev libevent-dev
      clang libclang-rt-14-dev iproute2 nftables)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
