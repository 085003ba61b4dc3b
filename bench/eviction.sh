#!/usr/bin/env bash
# Writes under a memory limit, replikv and redis-server side by side: SET of
# 100-byte values over a key space far bigger than maxmemory holds, so most
# writes evict. Prints throughput, evicted keys, how close used_memory stays
# to the limit, and how many of 1000 keys read every 100 ms during the run
# survived (allkeys-lru and allkeys-lfu should keep them).
#   bench/eviction.sh [-m maxmemory_mb] [-n requests] [-p policy] [-r rounds]
source "$(dirname "$0")/lib.sh"

maxmemory_mb=64 requests=1000000 policy=allkeys-lru rounds=3
while getopts "m:n:p:r:" opt; do
  case $opt in
    m) maxmemory_mb=$OPTARG ;; n) requests=$OPTARG ;; p) policy=$OPTARG ;; r) rounds=$OPTARG ;;
    *) echo "usage: $0 [-m maxmemory_mb] [-n requests] [-p policy] [-r rounds]" >&2; exit 2 ;;
  esac
done
bench_build

stat_field() { redis-cli -p "$1" info "$2" | tr -d '\r' | awk -F: -v f="$3" '$1==f {print $2}'; }

# run_one NAME BIN -> "rps evicted used_ratio hot_survivors"
run_one() {
  local name=$1 bin=$2 port
  port=$(bench_free_port)
  bench_start "$name" "$bin" "$port" --maxmemory "${maxmemory_mb}mb" --maxmemory-policy "$policy"
  # 1000 hot keys, read again in the middle of the run.
  redis-benchmark -p "$port" -t set -n 1000 -r 1000 -d 100 -q >/dev/null 2>&1 || true
  for i in $(seq 0 999); do echo "SET hot:$i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; done | redis-cli -p "$port" >/dev/null
  sleep 1.1
  local out rps
  # The hot keys are read every 100 ms while the writes run (bounded: the
  # loop ends when the flag file goes, or after 10 minutes).
  local flag="$BENCH_TMP/$name/running" gets
  gets=$(for i in $(seq 0 999); do echo "GET hot:$i"; done)
  touch "$flag"
  (for _ in $(seq 1 6000); do
     [[ -e $flag ]] || break
     echo "$gets" | redis-cli -p "$port" >/dev/null
     sleep 0.1
   done) &
  local reader=$!
  out=$(redis-benchmark -p "$port" -t set -P 16 -c 50 -n "$requests" -r 100000000 -d 100 -q 2>/dev/null | tr '\r' '\n' | grep "requests per second" | tail -1)
  rm -f "$flag"
  wait "$reader"
  rps=$(echo "$out" | awk '{print $2}')
  local evicted used survivors
  evicted=$(stat_field "$port" stats evicted_keys)
  used=$(stat_field "$port" memory used_memory)
  survivors=$(for i in $(seq 0 999); do echo "EXISTS hot:$i"; done | redis-cli -p "$port" | awk '{s+=$1} END {print s}')
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  echo "$rps $evicted $(awk -v u="$used" -v m="$maxmemory_mb" 'BEGIN {printf "%.3f", u / (m * 1048576)}') $survivors"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -a kv_rps rd_rps
for r in $(seq 1 "$rounds"); do
  read -r a_rps a_ev a_used a_hot < <(run_one "replikv-$r" "$REPLIKV_BIN")
  read -r b_rps b_ev b_used b_hot < <(run_one "redis-$r" "$REDIS_BIN")
  echo "round $r: replikv $a_rps rps, evicted $a_ev, used/max $a_used, hot kept $a_hot/1000 |" \
       "redis $b_rps rps, evicted $b_ev, used/max $b_used, hot kept $b_hot/1000"
  kv_rps+=("$a_rps"); rd_rps+=("$b_rps")
done
kv=$(printf '%s\n' "${kv_rps[@]}" | median)
rd=$(printf '%s\n' "${rd_rps[@]}" | median)
printf '\nSET -P 16 under maxmemory %smb %s (median of %s): replikv %s rps, redis %s rps, ratio %.2f\n' \
  "$maxmemory_mb" "$policy" "$rounds" "$kv" "$rd" "$(awk -v a="$kv" -v b="$rd" 'BEGIN {print a / b}')"
