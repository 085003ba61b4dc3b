#!/usr/bin/env bash
# Installs what replikv needs to build and test, from Debian's archive.
# Sourced by run.sh and test.sh; safe to run again (installs only what is missing).
set -euo pipefail

REPLIKV_BUILD_DEPS=(g++ cmake ninja-build pkg-config libuv1-dev liblzf-dev libprotozero-dev
  libspdlog-dev libgtest-dev libjemalloc-dev liblua5.1-0-dev lua-cjson-dev lua-bitop-dev)
REPLIKV_TEST_DEPS=(redis-server redis-sentinel redis-tools python3 python3-pytest python3-redis
  python3-yaml docker-compose
  python3-pytest-xdist python3-pytest-timeout)
# The fuzz pass of test.sh (scripts/fuzz.sh): clang with libFuzzer and the
# sanitizer runtimes.
REPLIKV_FUZZ_DEPS=(clang libclang-rt-14-dev)

replikv_install_missing() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "replikv: missing Debian packages: ${missing[*]}" >&2
    echo "replikv: install them as root: apt-get install -y ${missing[*]}" >&2
    return 1
  fi
  echo "replikv: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts the packaged redis-server on 6379 (and redis-sentinel on
  # 26379); the tests run their own.
  if [[ " ${missing[*]} " == *" redis-server "* ]] && command -v systemctl >/dev/null 2>&1; then
    systemctl stop redis-server >/dev/null 2>&1 || true
  fi
  if [[ " ${missing[*]} " == *" redis-sentinel "* ]] && command -v systemctl >/dev/null 2>&1; then
    systemctl stop redis-sentinel >/dev/null 2>&1 || true
  fi
}
