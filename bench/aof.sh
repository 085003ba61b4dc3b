#!/usr/bin/env bash
# The append-only file, replikv-server vs redis-server in one run.
#
#   bench/aof.sh [-n requests] [-r rounds] [-k keys]
#
# 1. SET throughput (redis-benchmark -t set -P 16 -c 50 -r 100000) with the
#    AOF off, with appendfsync everysec and with appendfsync always; each
#    server is started once per mode (fresh dir), the two are measured
#    alternately `rounds` times and the median is kept.
# 2. With `keys` keys (DEBUG POPULATE <keys> key 100; default 1M): the wall
#    time of BGREWRITEAOF (from the command to aof_rewrites going up), then
#    the time to load that AOF at start-up (spawn to the first PONG), once
#    with an RDB preamble base (aof-use-rdb-preamble yes, the default) and
#    once with a base of commands (aof-use-rdb-preamble no: a replay of
#    `keys` SET commands).
#
# Ratios are replikv/redis: above 1.0 replikv is faster for throughput,
# below 1.0 replikv is faster for times. The machine is shared and noisy:
# read ratios, not absolute figures. The data dirs are on $TMPDIR (or /tmp);
# `always` measures that disk's fsync.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

requests=500000
rounds=3
keys=1000000
while getopts "n:r:k:" opt; do
  case $opt in
    n) requests=$OPTARG ;;
    r) rounds=$OPTARG ;;
    k) keys=$OPTARG ;;
    *) echo "usage: $0 [-n requests] [-r rounds] [-k keys]" >&2; exit 2 ;;
  esac
done

bench_build

now_ms() { date +%s%3N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
persist_field() {  # persist_field PORT FIELD
  redis-cli -p "$1" info persistence | tr -d '\r' | awk -F: -v f="$2" '$1==f {print $2}'
}

# Our own pids by name, to stop one server between modes (lib.sh stops
# whatever is left at exit).
declare -A PID_OF PORT_OF
start_server() {  # start_server NAME BIN [args...]
  local name=$1 bin=$2; shift 2
  local port; port=$(bench_free_port)
  bench_start "$name" "$bin" "$port" "$@"
  PID_OF[$name]=${BENCH_PIDS[-1]}
  PORT_OF[$name]=$port
}
# spawn_server NAME BIN PORT [args...]: like bench_start without its 100 ms
# readiness polling, for timing a start-up with wait_pong.
spawn_server() {
  local name=$1 bin=$2 port=$3; shift 3
  mkdir -p "$BENCH_TMP/$name"
  "$bin" --bind 127.0.0.1 --port "$port" --dir "$BENCH_TMP/$name" --save '' --appendonly no \
    --enable-debug-command yes --logfile "$BENCH_TMP/$name/log" "$@" &
  BENCH_PIDS+=($!)
  PID_OF[$name]=$!
  PORT_OF[$name]=$port
}
stop_server() {  # stop_server NAME: SIGTERM, wait (bounded by the server's own shutdown)
  local pid=${PID_OF[$1]}
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

rps() {  # rps PORT -> SET requests per second
  redis-benchmark -p "$1" -t set -n "$requests" -c 50 -P 16 -r 100000 -q --csv 2>/dev/null |
    awk -F, 'NR==2 {gsub(/"/,"",$2); print $2}'
}

# wait_rewrite PORT REWRITES_BEFORE: polls every 10 ms, at most 10 minutes.
wait_rewrite() {
  local i
  for i in $(seq 1 60000); do
    if [[ $(persist_field "$1" aof_rewrite_in_progress) == 0 && $(persist_field "$1" aof_rewrite_scheduled) == 0 &&
          $(persist_field "$1" aof_rewrites) -gt $2 ]]; then
      return 0
    fi
    sleep 0.01
  done
  echo "bench: rewrite on port $1 did not finish" >&2
  return 1
}

# wait_pong PORT PID: until PING answers PONG (not -LOADING), at most 10
# minutes; fails at once if the server exited.
wait_pong() {
  local i
  for i in $(seq 1 60000); do
    [[ $(redis-cli -p "$1" ping 2>/dev/null) == PONG ]] && return 0
    if ! kill -0 "$2" 2>/dev/null; then
      echo "bench: server pid $2 (port $1) exited during start-up" >&2
      return 1
    fi
    sleep 0.01
  done
  echo "bench: server on port $1 did not come up" >&2
  return 1
}

echo "replikv $("$REPLIKV_BIN" --version | head -1)"
echo "redis   $($REDIS_BIN --version)"
echo "machine: $(nproc) cores; data on $(df -T "$BENCH_TMP" | awk 'NR==2 {print $2}'); n=$requests rounds=$rounds keys=$keys"
echo
echo "SET throughput, -P 16 -c 50 (requests/s, median of $rounds):"
printf "%-16s %14s %14s %7s\n" mode replikv redis ratio
declare -A RK_RPS
for mode in off everysec always; do
  if [[ $mode == off ]]; then args=(--appendonly no); else args=(--appendonly yes --appendfsync "$mode"); fi
  start_server "rk-$mode" "$REPLIKV_BIN" "${args[@]}"
  start_server "rd-$mode" "$REDIS_BIN" "${args[@]}"
  rk=(); rd=()
  for _ in $(seq 1 "$rounds"); do
    rk+=("$(rps "${PORT_OF[rk-$mode]}")")
    rd+=("$(rps "${PORT_OF[rd-$mode]}")")
  done
  a=$(printf "%s\n" "${rk[@]}" | median)
  b=$(printf "%s\n" "${rd[@]}" | median)
  RK_RPS[$mode]=$a
  printf "%-16s %14.0f %14.0f %7s\n" "$mode" "$a" "$b" "$(ratio "$a" "$b")"
  stop_server "rk-$mode"
  stop_server "rd-$mode"
done
echo "replikv everysec / replikv off: $(ratio "${RK_RPS[everysec]}" "${RK_RPS[off]}") (target >= 0.90)"

echo
echo "$keys keys of 100 bytes (DEBUG POPULATE), times in ms:"
printf "%-28s %10s %10s %7s\n" step replikv redis ratio
for preamble in yes no; do
  declare -A REWRITE_MS LOAD_MS
  for side in rk rd; do
    bin=$REPLIKV_BIN; [[ $side == rd ]] && bin=$REDIS_BIN
    name="$side-load-$preamble"
    args=(--appendonly yes --appendfsync everysec --aof-use-rdb-preamble "$preamble")
    start_server "$name" "$bin" "${args[@]}"
    port=${PORT_OF[$name]}
    redis-cli -p "$port" debug populate "$keys" key 100 >/dev/null
    before=$(persist_field "$port" aof_rewrites)
    t0=$(now_ms)
    redis-cli -p "$port" bgrewriteaof >/dev/null
    wait_rewrite "$port" "$before"
    REWRITE_MS[$side]=$(( $(now_ms) - t0 ))
    stop_server "$name"
    # Restart on the same dir: the AOF is the source of truth.
    port=$(bench_free_port)
    t0=$(now_ms)
    spawn_server "$name" "$bin" "$port" "${args[@]}"
    wait_pong "$port" "${PID_OF[$name]}"
    LOAD_MS[$side]=$(( $(now_ms) - t0 ))
    loaded=$(redis-cli -p "${PORT_OF[$name]}" dbsize)
    if [[ $loaded != "$keys" ]]; then
      echo "bench: $name loaded $loaded keys, expected $keys" >&2
      exit 1
    fi
    stop_server "$name"
  done
  label="preamble $preamble"
  printf "%-28s %10d %10d %7s\n" "BGREWRITEAOF ($label)" "${REWRITE_MS[rk]}" "${REWRITE_MS[rd]}" \
    "$(ratio "${REWRITE_MS[rk]}" "${REWRITE_MS[rd]}")"
  printf "%-28s %10d %10d %7s\n" "load at start ($label)" "${LOAD_MS[rk]}" "${LOAD_MS[rd]}" \
    "$(ratio "${LOAD_MS[rk]}" "${LOAD_MS[rd]}")"
  unset REWRITE_MS LOAD_MS
done
