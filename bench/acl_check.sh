#!/usr/bin/env bash
# The cost of the per-command ACL check: server CPU time per request for
# GET and SET (redis-benchmark -P 16 -c 50), as the default user and as a
# restricted user, on replikv-server and redis-server, alternating.
#
#   bench/acl_check.sh [-n requests] [-r rounds]
#
# CPU time (utime+stime of the server from /proc) is steadier than
# requests/s on a shared machine; medians are printed. The restricted user
# has key patterns for redis-benchmark's keys and +@all -@dangerous, so each
# command takes the full check (command bit, key patterns).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

requests=500000
rounds=5
bench_opts_n_r "$@"

bench_build
bench_start_pair
for port in "$rk_port" "$rd_port"; do
  redis-cli -p "$port" acl setuser bench on '>benchpw' '~key:*' '~counter:*' '&*' '+@all' '-@dangerous' >/dev/null
done
rk_pid=$(bench_pid_of "$rk_port")
rd_pid=$(bench_pid_of "$rd_port")
us_per_request() {  # PID PORT TEST [auth args] -> server CPU microseconds per request
  local pid=$1 port=$2 t=$3
  shift 3
  bench_cpu_us "$pid" "$port" "$t" "$requests" "$@"
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); n=$requests rounds=$rounds -P 16 -c 50"
printf "%-4s %12s %12s %6s %12s %12s %6s\n" test rk_default rk_acl x rd_default rd_acl x
for t in get set; do
  a=(); b=(); c=(); d=()
  for _ in $(seq 1 "$rounds"); do
    a+=("$(us_per_request "$rk_pid" "$rk_port" "$t")")
    b+=("$(us_per_request "$rk_pid" "$rk_port" "$t" --user bench -a benchpw)")
    c+=("$(us_per_request "$rd_pid" "$rd_port" "$t")")
    d+=("$(us_per_request "$rd_pid" "$rd_port" "$t" --user bench -a benchpw)")
  done
  ma=$(printf "%s\n" "${a[@]}" | median); mb=$(printf "%s\n" "${b[@]}" | median)
  mc=$(printf "%s\n" "${c[@]}" | median); md=$(printf "%s\n" "${d[@]}" | median)
  printf "%-4s %12s %12s %6.2f %12s %12s %6.2f\n" "$t" "$ma" "$mb" "$(awk -v a="$ma" -v b="$mb" 'BEGIN {print b/a}')" \
    "$mc" "$md" "$(awk -v a="$mc" -v b="$md" 'BEGIN {print b/a}')"
done
