#!/usr/bin/env bash
# Memory per key, replikv-server vs redis-server in one run.
#
#   bench/memory.sh [-n keys] [-t types] [-s sizes] [-d seed]
#
# For each row (a type at a size) starts a FRESH replikv-server and a FRESH
# redis-server (same flags, no persistence, default encoding thresholds),
# reads INFO memory on the empty servers, loads the same data into both with
# `redis-cli --pipe` (RESP made by bench/gen_memory_data.cpp, deterministic
# from the seed), checks DBSIZE and DEBUG DIGEST agree, then prints per key:
#   used/key  (used_memory after - used_memory empty) / keys
#   rss/key   (used_memory_rss after - used_memory_rss empty) / keys
# and the ratio replikv/redis (< 1.0: replikv uses less). The servers of a
# row are stopped before the next row starts, so rows do not influence each
# other. A second table gives OBJECT ENCODING and MEMORY USAGE of key:0 on
# both, to see where the bytes go.
#
# Types: string, list, hash, set (string members), intset (integer members),
# zset, stream (one stream of 1M entries: XADD with ids 1-0, 2-0...,
# fields "sensor" ~10 B and "value" an integer; "per key" is then the whole
# stream). Sizes (element lengths are drawn from [3/4, 5/4] of the figure):
#   small   compact encodings in Redis 7.0 (strings: 20 B, embstr)
#   medium  20-64 elements of ~50 B, still compact (strings: 500 B, raw)
#   large   past Redis 7.0's default thresholds: hashtable / skiplist /
#           quicklist of several 8 KB nodes
# Rows whose values are large run with fewer keys (n / divisor below) so a
# run fits in a few GB per server; the per-key figures stay comparable.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

keys=1000000
types="string,list,hash,set,intset,zset,stream"
sizes="small,medium,large"
seed=1
while getopts "n:t:s:d:" opt; do
  case $opt in
    n) keys=$OPTARG ;;
    t) types=$OPTARG ;;
    s) sizes=$OPTARG ;;
    d) seed=$OPTARG ;;
    *) echo "usage: $0 [-n keys] [-t string,list,hash,set,intset,zset,stream] [-s small,medium,large] [-d seed]" >&2
       exit 2 ;;
  esac
done

# type size elements element_bytes key_divisor  (string: elements unused)
ROWS=(
  "string small   1   20  1"
  "string medium  1  500  1"
  "list   small   5   10  1"
  "list   medium 32   50  1"
  "list   large  512  50 20"
  "hash   small   4   10  1"
  "hash   medium 20   50  1"
  "hash   large  20   80  5"
  "set    small   4   10  1"
  "set    medium 32   50  5"
  "intset small   5    0  1"
  "intset medium 64    0  1"
  "intset large  600   0 50"
  "zset   small   4   10  1"
  "zset   medium 32   50  1"
  "zset   large  200  20 20"
  "stream large  1000000 10 1000000"
)

# How long a load, digest or server start may take before the run is
# declared stuck (seconds).
MAX_WAIT_S=600
# The encoding thresholds both servers must share for the rows to mean what
# they say.
THRESHOLDS=(hash-max-listpack-entries hash-max-listpack-value set-max-intset-entries
            zset-max-listpack-entries zset-max-listpack-value list-max-listpack-size)

GEN="$BENCH_TMP/gen_memory_data"
g++ -std=c++20 -O2 "$BENCH_ROOT/bench/gen_memory_data.cpp" -o "$GEN"
bench_build

declare -A PID PORT BIN
BIN[replikv]=$REPLIKV_BIN
BIN[redis]=$REDIS_BIN
names=(replikv redis)

# start NAME: a fresh server with an empty dir on a new port (lib.sh flags).
start() {
  local name=$1
  rm -rf "${BENCH_TMP:?}/$name"
  PORT[$name]=$(bench_free_port)
  bench_start "$name" "${BIN[$name]}" "${PORT[$name]}"
  PID[$name]=${BENCH_PIDS[-1]}
}

# stop NAME: SIGTERM (save '' so nothing is written), wait for the exit.
stop() {
  local pid=${PID[$1]} p kept=()
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  # Forget the pid so lib.sh's cleanup never signals a reused one.
  for p in "${BENCH_PIDS[@]}"; do [[ $p == "$pid" ]] || kept+=("$p"); done
  BENCH_PIDS=("${kept[@]}")
}

cli() {  # cli NAME args...
  local name=$1; shift
  timeout "$MAX_WAIT_S" redis-cli -p "${PORT[$name]}" "$@"
}

mem() {  # mem NAME FIELD
  cli "$1" info memory | tr -d '\r' | awk -F: -v f="$2" '$1==f {print $2}'
}

# settle NAME: until used_memory moves by less than 64 KB in 300 ms, so an
# incremental rehash of the keyspace left by the load has finished (both
# servers finish it in their cron within about a second).
settle() {
  local a b i
  a=$(mem "$1" used_memory)
  for ((i = 0; i < 40; i++)); do
    sleep 0.3
    b=$(mem "$1" used_memory)
    (( b - a < 65536 && a - b < 65536 )) && return 0
    a=$b
  done
  echo "bench: used_memory of $1 did not settle" >&2
}

ratio() {  # ratio A B -> A/B with 2 decimals, "-" unless both are numbers
  [[ $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ ]] || { echo -; return; }
  awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'
}

wanted() {  # wanted ITEM LIST: ITEM is in the comma-separated LIST
  [[ ",$2," == *",$1,"* ]]
}

echo "replikv $("$REPLIKV_BIN" --version | head -1)"
echo "redis   $($REDIS_BIN --version)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)," \
  "load $(cut -d' ' -f1-3 /proc/loadavg); keys=$keys seed=$seed"

# The thresholds must match, or the rows compare different encodings.
for n in "${names[@]}"; do start "$n"; done
for t in "${THRESHOLDS[@]}"; do
  a=$(cli replikv config get "$t" | tail -1)
  b=$(cli redis config get "$t" | tail -1)
  if [[ $a != "$b" ]]; then
    echo "bench: $t differs: replikv $a, redis $b" >&2
    exit 1
  fi
done
for n in "${names[@]}"; do stop "$n"; done

table=()
details=()
for row in "${ROWS[@]}"; do
  read -r kind size elements bytes divisor <<<"$row"
  if ! wanted "$kind" "$types" || ! wanted "$size" "$sizes"; then continue; fi
  n_keys=$((keys / divisor))
  (( n_keys > 0 )) || n_keys=1
  declare -A used=() rss=() enc=() usage=() digest=() value_digest=()
  for n in "${names[@]}"; do
    start "$n"
    used0=$(mem "$n" used_memory)
    rss0=$(mem "$n" used_memory_rss)
    "$GEN" "$kind" "$n_keys" "$elements" "$bytes" "$seed" |
      timeout "$MAX_WAIT_S" redis-cli -p "${PORT[$n]}" --pipe >"$BENCH_TMP/pipe.out"
    if ! grep -q "errors: 0," "$BENCH_TMP/pipe.out"; then
      echo "bench: loading $kind/$size into $n failed:" >&2
      cat "$BENCH_TMP/pipe.out" >&2
      exit 1
    fi
    settle "$n"
    used[$n]=$(( $(mem "$n" used_memory) - used0 ))
    rss[$n]=$(( $(mem "$n" used_memory_rss) - rss0 ))
    enc[$n]=$(cli "$n" object encoding key:0)
    usage[$n]=$(cli "$n" memory usage key:0 samples 0)
    [[ ${usage[$n]} =~ ^[0-9]+$ ]] || usage[$n]=n/a  # a build without MEMORY USAGE
    dbsize=$(cli "$n" dbsize)
    if [[ $dbsize != "$n_keys" ]]; then
      echo "bench: $n holds $dbsize keys after the $kind/$size load, expected $n_keys" >&2
      exit 1
    fi
    digest[$n]=$(cli "$n" debug digest)
    value_digest[$n]=$(cli "$n" debug digest-value key:0 "key:$((n_keys - 1))" | tr '\n' ' ')
    stop "$n"
  done
  if [[ ${digest[replikv]} != "${digest[redis]}" || ${value_digest[replikv]} != "${value_digest[redis]}" ]]; then
    echo "bench: $kind/$size: the data differs (DEBUG DIGEST ${digest[replikv]} vs ${digest[redis]})" >&2
    exit 1
  fi
  label="$kind $size"
  case $kind in
    string) shape="$bytes B" ;;
    intset) shape="${elements}xint" ;;
    *) shape="${elements}x$bytes B" ;;
  esac
  a=$((used[replikv] / n_keys)); b=$((used[redis] / n_keys))
  c=$((rss[replikv] / n_keys)); d=$((rss[redis] / n_keys))
  table+=("$(printf "| %-13s | %-8s | %9d | %8d | %8d | %5s | %8d | %8d | %5s |" \
    "$label" "$shape" "$n_keys" "$a" "$b" "$(ratio "$a" "$b")" "$c" "$d" "$(ratio "$c" "$d")")")
  details+=("$(printf "| %-13s | %-10s | %-10s | %8s | %8s | %5s |" "$label" "${enc[replikv]}" \
    "${enc[redis]}" "${usage[replikv]}" "${usage[redis]}" "$(ratio "${usage[replikv]}" "${usage[redis]}")")")
  # Show progress as rows finish (a full run takes minutes).
  echo "${table[-1]}"
done

echo
echo "Bytes per key (used_memory and RSS growth over the empty server / keys; ratio replikv/redis):"
echo
printf "| %-13s | %-8s | %9s | %8s | %8s | %5s | %8s | %8s | %5s |\n" row value keys "rk used" "rd used" ratio \
  "rk rss" "rd rss" ratio
echo "|---------------|----------|----------:|---------:|---------:|------:|---------:|---------:|------:|"
printf "%s\n" "${table[@]}"
echo
echo "key:0 in detail (OBJECT ENCODING, MEMORY USAGE key:0 SAMPLES 0):"
echo
printf "| %-13s | %-10s | %-10s | %8s | %8s | %5s |\n" row "rk enc" "rd enc" "rk usage" "rd usage" ratio
echo "|---------------|------------|------------|---------:|---------:|------:|"
printf "%s\n" "${details[@]}"
