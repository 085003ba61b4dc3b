#!/usr/bin/env bash
# What the busy-poll window buys and costs: replikv with `busy-poll 20` (the
# default), replikv with `busy-poll 0` (sleeps as soon as it is idle, as
# redis-server does) and redis-server, side by side in one run.
#
#   bench/busy_poll.sh [-n requests] [-r rounds]
#
# Rows: 50 clients at -P 1 (GET, LRANGE 100), and one sequential client
# (PING), where each request waits for the previous reply. For each server:
# median requests/s, median p50 latency, and the server's CPU time per
# request (the loop thread's /proc schedstat, microseconds) — the price of polling.
# Ratios are against redis-server (> 1.0: faster; for CPU, > 1.0: more CPU).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

requests=200000
rounds=3
bench_opts_n_r "$@"

bench_build
names=(poll20 poll0 redis)
declare -A port pid
port[poll20]=$(bench_free_port); bench_start poll20 "$REPLIKV_BIN" "${port[poll20]}" --busy-poll 20
pid[poll20]=${BENCH_PIDS[-1]}
port[poll0]=$(bench_free_port); bench_start poll0 "$REPLIKV_BIN" "${port[poll0]}" --busy-poll 0
pid[poll0]=${BENCH_PIDS[-1]}
port[redis]=$(bench_free_port); bench_start redis "$REDIS_BIN" "${port[redis]}"
pid[redis]=${BENCH_PIDS[-1]}
# LRANGE reads a fixed 100-element list (one phase, so the CPU figure is its own).
for n in "${names[@]}"; do redis-cli -p "${port[$n]}" rpush mylist $(seq 1 100) >/dev/null; done

# CPU time of the main (loop) thread in nanoseconds: /proc/PID/schedstat.
cpu_ns() { awk '{print $1}' "/proc/$1/schedstat"; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# one NAME CLIENTS BENCHMARK-ARGS... -> "rps p50_ms cpu_us_per_request"
one() {
  local n=$1 c=$2 before after line
  shift 2
  before=$(cpu_ns "${pid[$n]}")
  line=$(redis-benchmark -p "${port[$n]}" -n "$requests" -c "$c" -P 1 -r 100000 -q --csv "$@" 2>/dev/null |
         awk -F, 'NR>1 {gsub(/"/,""); row=$0} END {print row}')
  after=$(cpu_ns "${pid[$n]}")
  awk -F, -v d=$((after - before)) -v n="$requests" \
    '{printf "%s %s %.2f\n", $2, $5, d / 1000 / n}' <<<"$line"
}

echo "replikv $("$REPLIKV_BIN" --version | head -1)"
echo "redis   $($REDIS_BIN --version)"
echo "machine: $(nproc) cores; n=$requests rounds=$rounds -P 1"
printf "%-14s %-7s %10s %8s %9s %10s %9s\n" test server rps p50_ms cpu_us/op rps_ratio cpu_ratio
for spec in "get 50 -t get" "lrange_100 50 LRANGE mylist 0 99" "ping 1 -t ping_mbulk"; do
  read -r t c args <<<"$spec"
  declare -A rps=() p50=() cpu=() out=()
  for _ in $(seq 1 "$rounds"); do
    for n in "${names[@]}"; do
      read -r a b d <<<"$(one "$n" "$c" $args)"
      rps[$n]+="$a "; p50[$n]+="$b "; cpu[$n]+="$d "
    done
  done
  for n in "${names[@]}"; do
    r=$(tr ' ' '\n' <<<"${rps[$n]}" | grep . | median)
    l=$(tr ' ' '\n' <<<"${p50[$n]}" | grep . | median)
    u=$(tr ' ' '\n' <<<"${cpu[$n]}" | grep . | median)
    [[ $n == redis ]] && { base_r=$r; base_u=$u; }
    out[$n]="$r $l $u"
  done
  for n in "${names[@]}"; do
    read -r r l u <<<"${out[$n]}"
    printf "%-14s %-7s %10.0f %8s %9s %10.2f %9.2f\n" "$t/c$c" "$n" "$r" "$l" "$u" \
      "$(awk -v a="$r" -v b="$base_r" 'BEGIN {print a / b}')" \
      "$(awk -v a="$u" -v b="$base_u" 'BEGIN {print (b > 0 ? a / b : 0)}')"
  done
done

# The price at low load: one client, one PING a millisecond (redis-cli -i),
# so every request ends with a full window of polling.
paced=1000
echo
printf "%-22s %-7s %9s %9s\n" test server cpu_us/op cpu_ratio
declare -A paced_cpu=()
for n in "${names[@]}"; do
  before=$(cpu_ns "${pid[$n]}")
  redis-cli -p "${port[$n]}" -r "$paced" -i 0.001 ping >/dev/null
  after=$(cpu_ns "${pid[$n]}")
  paced_cpu[$n]=$(awk -v d=$((after - before)) -v n="$paced" 'BEGIN {printf "%.1f", d / 1000 / n}')
done
for n in "${names[@]}"; do
  printf "%-22s %-7s %9s %9.2f\n" "ping every 1ms/c1" "$n" "${paced_cpu[$n]}" \
    "$(awk -v a="${paced_cpu[$n]}" -v b="${paced_cpu[redis]}" 'BEGIN {print (b > 0 ? a / b : 0)}')"
done
