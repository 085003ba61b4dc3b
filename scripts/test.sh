#!/usr/bin/env bash
# Installs what is missing, builds once, runs every test with ctest (unit tests
# and the process-level tests in cluster-tests/, in parallel), then builds a
# second tree with AddressSanitizer + UndefinedBehaviorSanitizer and runs the
# unit tests and the [replikv] half of the process tests there. Exits non-zero
# on any failure. REPLIKV_SKIP_SANITIZERS=1 skips the second pass (local use).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/deps.sh"
replikv_install_missing "${REPLIKV_BUILD_DEPS[@]}" "${REPLIKV_TEST_DEPS[@]}"

build="${REPLIKV_BUILD_DIR:-$root/build}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)"
(cd "$build" && ctest --output-on-failure -j "$(nproc)" --timeout 1500)

if [[ "${REPLIKV_SKIP_SANITIZERS:-0}" == 1 ]]; then
  echo "test.sh: sanitizer pass skipped (REPLIKV_SKIP_SANITIZERS=1)"
  exit 0
fi
asan="${REPLIKV_ASAN_BUILD_DIR:-$root/build-asan}"
echo "test.sh: sanitizer pass (ASan + UBSan) in $asan"
cmake -S "$root" -B "$asan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREPLIKV_SANITIZE=ON >/dev/null
cmake --build "$asan" -j "$(nproc)"
# UBSan findings stop the process (so a test fails); leak reports are off
# because a server that refuses to start exits with its keyspace allocated.
export ASAN_OPTIONS=detect_leaks=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
(cd "$asan" && ctest --output-on-failure -j "$(nproc)" --timeout 1500)
