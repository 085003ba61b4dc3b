#!/usr/bin/env bash
# Installs what is missing, builds once, runs every test with ctest (unit tests
# and the process-level tests in cluster-tests/, in parallel). Exits non-zero
# on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/deps.sh"
replikv_install_missing "${REPLIKV_BUILD_DEPS[@]}" "${REPLIKV_TEST_DEPS[@]}"
build="${REPLIKV_BUILD_DIR:-$root/build}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)"
cd "$build"
ctest --output-on-failure -j "$(nproc)" --timeout 1500
