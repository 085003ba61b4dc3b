#!/usr/bin/env bash
# The cost of client-side caching (CLIENT TRACKING), replikv-server and
# redis-server in one run.
#
#   bench/tracking.sh [-n requests] [-r rounds]
#
# bench/tracking_load.py drives both servers (redis-benchmark cannot turn
# tracking on for its connections): 2 processes, one connection each,
# pipelines of 100, over 10000 keys of 16-byte values. Rows:
#   get    GET without tracking vs after CLIENT TRACKING ON (every GET
#          remembers its key in the tracking table)
#   set    SET with no tracking client vs with one BCAST PREFIX key: client
#          (each SET notes its key for the loop iteration's broadcast)
#   set    ... vs with one default-mode client that keeps re-reading every
#          key (SETs of keys read since their last SET send invalidations)
# Each row runs `rounds` times alternately on both servers; the report gives
# the median requests/s, the ratio tracked/untracked for each server (1.0:
# tracking costs nothing) and replikv/redis with tracking on.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

requests=400000
rounds=3
bench_options_n_r "$@"
bench_build
bench_start_pair
load="/usr/bin/python3 $(dirname "$0")/tracking_load.py"

reset_data() {  # the same 10000 keys of 16-byte values before every run
  redis-cli -p "$1" flushall >/dev/null
  redis-cli -p "$1" debug populate 10000 key 16 >/dev/null
}
run() {  # run PORT MODE -> requests per second
  reset_data "$1"
  $load "$1" "$2" "$requests"
}

echo "replikv $("$REPLIKV_BIN" --version | head -1)"
echo "redis   $($REDIS_BIN --version)"
echo "machine: $(nproc) cores; n=$requests rounds=$rounds, 2 connections, pipeline 100"
printf "%-12s %12s %12s %7s %12s %12s %7s %9s\n" row rk_off rk_on rk_on/off rd_off rd_on rd_on/off rk/rd_on
for row in "get:get_off:get_on" "set_bcast:set_off:set_bcast" "set_inval:set_off:set_inval"; do
  IFS=: read -r name off on <<<"$row"
  declare -A runs=()
  for _ in $(seq 1 "$rounds"); do
    for mode in "$off" "$on"; do
      runs[rk_$mode]+="$(run "$rk_port" "$mode") "
      runs[rd_$mode]+="$(run "$rd_port" "$mode") "
    done
  done
  rk0=$(bench_median <<<"${runs[rk_$off]}")
  rk1=$(bench_median <<<"${runs[rk_$on]}")
  rd0=$(bench_median <<<"${runs[rd_$off]}")
  rd1=$(bench_median <<<"${runs[rd_$on]}")
  printf "%-12s %12.0f %12.0f %7.2f %12.0f %12.0f %7.2f %9.2f\n" "$name" "$rk0" "$rk1" \
    "$(echo "$rk1 / $rk0" | bc -l)" "$rd0" "$rd1" "$(echo "$rd1 / $rd0" | bc -l)" "$(echo "$rk1 / $rd1" | bc -l)"
  unset runs
done
