#!/usr/bin/env bash
# Installs what the benchmarks need beyond scripts/deps.sh: the peers they
# compare against (libuv, Boost.Asio; libevent comes with deps.sh), gnuplot
# for the chart, python3 for the harness, taskset (util-linux) for pinning.
# Debian packages only. Safe to run again: only missing packages are fetched.
set -euo pipefail
pkgs=(libevent-dev libuv1-dev libboost-dev gnuplot-nox python3 util-linux)
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
