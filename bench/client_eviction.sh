#!/usr/bin/env bash
# The cost of client-eviction accounting: server CPU time per request for
# GET and SET (redis-benchmark -P 16 -c 50) with maxmemory-clients off (0)
# and on (1gb: every command is checked, nobody is evicted), on
# replikv-server and redis-server, alternating. With REPLIKV_BEFORE_BIN (a
# replikv-server built before the accounting existed) a first column shows
# that binary, so the per-command bookkeeping itself is measured.
#
#   [REPLIKV_BEFORE_BIN=path] bench/client_eviction.sh [-n requests] [-r rounds]
#
# CPU time (utime+stime of the server from /proc) is steadier than
# requests/s on a shared machine; medians are printed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

requests=500000
rounds=5
bench_options_n_r "$@"

bench_build
bench_start_pair
old_port=""
if [[ -n ${REPLIKV_BEFORE_BIN:-} ]]; then
  old_port=$(bench_free_port)
  bench_start before "$REPLIKV_BEFORE_BIN" "$old_port"
fi
us_per_request() {  # PORT TEST LIMIT -> server CPU microseconds per request
  redis-cli -p "$1" config set maxmemory-clients "$3" >/dev/null
  bench_cpu_us "$(bench_pid_of "$1")" "$1" "$2" "$requests"
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); n=$requests rounds=$rounds -P 16 -c 50"
printf "%-4s %10s %10s %10s %10s %10s\n" test rk_before rk_off rk_1gb rd_off rd_1gb
for t in get set; do
  o=(); a=(); b=(); c=(); d=()
  for _ in $(seq 1 "$rounds"); do
    if [[ -n $old_port ]]; then o+=("$(us_per_request "$old_port" "$t" 0)"); fi
    a+=("$(us_per_request "$rk_port" "$t" 0)")
    b+=("$(us_per_request "$rk_port" "$t" 1gb)")
    c+=("$(us_per_request "$rd_port" "$t" 0)")
    d+=("$(us_per_request "$rd_port" "$t" 1gb)")
  done
  mo=-
  if [[ -n $old_port ]]; then mo=$(printf "%s\n" "${o[@]}" | median); fi
  printf "%-4s %10s %10s %10s %10s %10s\n" "$t" "$mo" \
    "$(printf "%s\n" "${a[@]}" | median)" "$(printf "%s\n" "${b[@]}" | median)" \
    "$(printf "%s\n" "${c[@]}" | median)" "$(printf "%s\n" "${d[@]}" | median)"
done
