#!/usr/bin/env bash
# RESP3 vs RESP2 reply cost, replikv-server and redis-server in one run.
#
#   bench/resp3.sh [-n requests] [-r rounds]
#
# Each row is one read command whose reply changes type under HELLO 3 (a
# map, a set, doubles, [member, score] pairs, a null) or stays the same
# (GET, LRANGE: the control rows). redis-benchmark runs it with and without
# -3 (RESP3) against both servers, alternately, `rounds` times at -P 1 and
# -P 16; the report gives the median requests/s and the ratio RESP3/RESP2
# for each server (1.0: RESP3 costs the same), and replikv/redis under RESP3.
# The keys are small: a 10-field hash, 10-member set and sorted set, a
# 100-element list.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

requests=100000
rounds=3
bench_opts_n_r "$@"

bench_build
bench_start_pair

for port in "$rk_port" "$rd_port"; do
  {
    echo "SET str somevalue"
    echo "HSET h f0 v0 f1 v1 f2 v2 f3 v3 f4 v4 f5 v5 f6 v6 f7 v7 f8 v8 f9 v9"
    echo "SADD s m0 m1 m2 m3 m4 m5 m6 m7 m8 m9"
    echo "ZADD z 0.5 m0 1.5 m1 2.5 m2 3.5 m3 4.5 m4 5.5 m5 6.5 m6 7.5 m7 8.5 m8 9.5 m9"
    echo "RPUSH l $(seq -s ' ' 1 100)"
  } | redis-cli -p "$port" >/dev/null
done

rows=("get:GET str" "get_nil:GET nokey" "hgetall_10:HGETALL h" "smembers_10:SMEMBERS s"
      "zscore:ZSCORE z m5" "zrange_10_ws:ZRANGE z 0 -1 WITHSCORES" "lrange_100:LRANGE l 0 99")

rps_row() {  # rps_row PORT PIPELINE PROTO-FLAG COMMAND... -> requests per second
  local port=$1 p=$2 proto=$3; shift 3
  # shellcheck disable=SC2086
  redis-benchmark -p "$port" -n "$requests" -c 50 -P "$p" -q --csv $proto "$@" 2>/dev/null |
    awk -F, 'NR>1 {gsub(/"/,"",$2); last=$2} END {print last}'
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "replikv $("$REPLIKV_BIN" --version | head -1)"
echo "redis   $($REDIS_BIN --version)"
echo "machine: $(nproc) cores; n=$requests rounds=$rounds -c 50"
printf "%-14s %3s %12s %12s %7s %12s %12s %7s %9s\n" test P rk_resp2 rk_resp3 rk_3/2 rd_resp2 rd_resp3 rd_3/2 rk/rd_3
for row in "${rows[@]}"; do
  name=${row%%:*}; read -ra cmd <<<"${row#*:}"
  for p in 1 16; do
    declare -A runs=()
    for _ in $(seq 1 "$rounds"); do
      for proto in "" "-3"; do
        runs[rk$proto]+="$(rps_row "$rk_port" "$p" "$proto" "${cmd[@]}") "
        runs[rd$proto]+="$(rps_row "$rd_port" "$p" "$proto" "${cmd[@]}") "
      done
    done
    rk2=$(tr ' ' '\n' <<<"${runs[rk]}" | grep . | median)
    rk3=$(tr ' ' '\n' <<<"${runs[rk-3]}" | grep . | median)
    rd2=$(tr ' ' '\n' <<<"${runs[rd]}" | grep . | median)
    rd3=$(tr ' ' '\n' <<<"${runs[rd-3]}" | grep . | median)
    printf "%-14s %3s %12.0f %12.0f %7.2f %12.0f %12.0f %7.2f %9.2f\n" "$name" "$p" "$rk2" "$rk3" \
      "$(echo "$rk3 / $rk2" | bc -l)" "$rd2" "$rd3" "$(echo "$rd3 / $rd2" | bc -l)" "$(echo "$rk3 / $rd3" | bc -l)"
    unset runs
  done
done
