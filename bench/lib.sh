#!/usr/bin/env bash
# Shared helpers for the side-by-side benchmarks: start replikv-server and
# redis-server on free loopback ports with the same flags, stop them by pid.
set -euo pipefail

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPLIKV_BIN="${REPLIKV_BIN:-$BENCH_ROOT/build-release/bin/replikv-server}"
REDIS_BIN="${REDIS_BIN:-redis-server}"
BENCH_TMP=$(mktemp -d /tmp/replikv-bench.XXXXXX)
BENCH_PIDS=()

bench_build() {
  if [[ ! -x $REPLIKV_BIN ]]; then
    cmake -S "$BENCH_ROOT" -B "$BENCH_ROOT/build-release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DREPLIKV_TESTS=OFF >/dev/null
    cmake --build "$BENCH_ROOT/build-release" -j "$(nproc)" >/dev/null
  fi
}

bench_free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# bench_start NAME BIN PORT [extra args...] -> starts, waits for PING (bounded)
bench_start() {
  local name=$1 bin=$2 port=$3; shift 3
  mkdir -p "$BENCH_TMP/$name"
  "$bin" --bind 127.0.0.1 --port "$port" --dir "$BENCH_TMP/$name" --save '' --appendonly no \
    --enable-debug-command yes --logfile "$BENCH_TMP/$name/log" "$@" &
  BENCH_PIDS+=($!)
  for _ in $(seq 1 100); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "bench: $name did not start; log:" >&2
  cat "$BENCH_TMP/$name/log" >&2
  return 1
}

bench_cleanup() {
  for pid in "${BENCH_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${BENCH_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$BENCH_TMP"
}
trap bench_cleanup EXIT

info_field() {  # info_field PORT FIELD
  redis-cli -p "$1" info memory | tr -d '\r' | awk -F: -v f="$2" '$1==f {print $2}'
}

# bench_start_pair [extra args...] -> starts replikv and redis on free
# ports, with the same flags; sets rk_port and rd_port.
bench_start_pair() {
  rk_port=$(bench_free_port)
  bench_start replikv "$REPLIKV_BIN" "$rk_port" "$@"
  rd_port=$(bench_free_port)
  bench_start redis "$REDIS_BIN" "$rd_port" "$@"
}

# The median of the numbers on stdin, one per line or separated by spaces.
bench_median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

bench_pid_of() {  # bench_pid_of PORT -> the server's process id
  redis-cli -p "$1" info server | tr -d '\r' | awk -F: '/^process_id/ {print $2}'
}

# bench_cpu_us PID PORT TEST REQUESTS [redis-benchmark args...] -> the
# server's CPU time (utime+stime from /proc) per request in microseconds,
# over redis-benchmark -P 16 -c 50.
bench_cpu_us() {
  local pid=$1 port=$2 t=$3 n=$4 before after
  shift 4
  before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  redis-benchmark -p "$port" -t "$t" -n "$n" -c 50 -P 16 -r 100000 -q "$@" >/dev/null 2>&1
  after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  awk -v d=$((after - before)) -v tk="$(getconf CLK_TCK)" -v n="$n" 'BEGIN {printf "%.3f", d / tk * 1e6 / n}'
}

# bench_options_n_r "$@": the common options, -n requests and -r rounds,
# into $requests and $rounds (which keep the caller's defaults otherwise).
bench_options_n_r() {
  local opt OPTIND=1
  while getopts "n:r:" opt; do
    case $opt in
      n) requests=$OPTARG ;;
      r) rounds=$OPTARG ;;
      *) echo "usage: $0 [-n requests] [-r rounds]" >&2; exit 2 ;;
    esac
  done
}
