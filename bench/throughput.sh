#!/usr/bin/env bash
# Throughput and memory, replikv-server vs redis-server in one run.
#
#   bench/throughput.sh [-n requests] [-r rounds] [-t tests] [-d data-rows] [-k small-type keys] [-u]
#
# For each test and pipeline depth, runs redis-benchmark against both servers
# alternately (same flags, no persistence), `rounds` times, and reports the
# median requests/s of each and the ratio replikv/redis (> 1.0: replikv is
# faster). Then loads 1M 100-byte string keys into each (DEBUG POPULATE) and
# compares used_memory and RSS, and does the same for 1M small hashes, sets
# and sorted sets (3 fields/members each, loaded with redis-cli --pipe).
# The machine is noisy: read ratios, not absolute figures.
#
# -u: the -t rows run as a restricted ACL user on both servers (key
# patterns for redis-benchmark's keys, +@all -@dangerous), so every command
# goes through the full permission check (command bit and key patterns).
#
# The list/set/hash/zset tests are redis-benchmark's: each works on ONE key
# (mylist, myset, myhash, myzset) that grows to -r distinct elements; the
# pop tests drain what the push tests built (the default order matters).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

requests=200000
rounds=3
tests="set,get,incr,mset,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,lrange_100"
# -t none: only the data-command rows (SETBIT/BITCOUNT/PFADD/PFCOUNT/GEO*) and memory.
# -d geoadd,geosearch: only those data-command rows ("none": no data rows);
# -d evalsha_1,evalsha_10,fcall_1,fcall_10: the scripting rows.
small_n=1000000
data_only=""
acl_user=""
while getopts "n:r:t:k:d:u" opt; do
  case $opt in
    n) requests=$OPTARG ;;
    r) rounds=$OPTARG ;;
    t) tests=$OPTARG ;;
    k) small_n=$OPTARG ;;
    d) data_only=$OPTARG ;;
    u) acl_user=1 ;;
    *) echo "usage: $0 [-n requests] [-r rounds] [-t tests] [-d data-rows] [-k small-type keys] [-u]" >&2; exit 2 ;;
  esac
done

bench_build
rk_port=$(bench_free_port)
bench_start replikv "$REPLIKV_BIN" "$rk_port"
rd_port=$(bench_free_port)
bench_start redis "$REDIS_BIN" "$rd_port"

auth_args=()
if [ -n "$acl_user" ]; then
  for port in "$rk_port" "$rd_port"; do
    redis-cli -p "$port" acl setuser bench on '>benchpw' '~key:*' '~counter:*' '~mylist' '~myset' '~myhash' \
      '~myzset' '&*' '+@all' '-@dangerous' >/dev/null
  done
  auth_args=(--user bench -a benchpw)
  echo "-t rows run as ACL user bench: ~key:* ~counter:* ~mylist ~myset ~myhash ~myzset &* +@all -@dangerous"
fi

rps() {  # rps PORT TEST PIPELINE -> requests per second
  # lrange_100 first runs an LPUSH to fill the list: take the LRANGE row.
  redis-benchmark -p "$1" -t "$2" -n "$requests" -c 50 -P "$3" -r 100000 -q --csv "${auth_args[@]}" 2>/dev/null |
    awk -F, 'NR>1 {gsub(/"/,"",$1); gsub(/"/,"",$2); last=$2; if ($1 !~ /needed/) keep=$2}
             END {print (keep != "" ? keep : last)}'
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "replikv $("$REPLIKV_BIN" --version | head -1)"
echo "redis   $($REDIS_BIN --version)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); n=$requests rounds=$rounds -c 50"
printf "%-10s %3s %14s %14s %7s\n" test P replikv_rps redis_rps ratio
IFS=, read -ra test_list <<<"$tests"
[ "$tests" = none ] && test_list=()
for t in "${test_list[@]}"; do
  for p in 1 16; do
    rk=(); rd=()
    for _ in $(seq 1 "$rounds"); do
      rk+=("$(rps "$rk_port" "$t" "$p")")
      rd+=("$(rps "$rd_port" "$t" "$p")")
    done
    a=$(printf "%s\n" "${rk[@]}" | median)
    b=$(printf "%s\n" "${rd[@]}" | median)
    printf "%-10s %3s %14.0f %14.0f %7.2f\n" "$t" "$p" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN {print a/b}')"
  done
done

# Data-structure commands redis-benchmark has no -t test for: each row is a
# command line. __rand_int__ expands to 12 zero-padded digits, which is no
# valid bit offset, so SETBIT picks among -r keys (126-byte bitmaps) instead;
# BITCOUNT counts a 12.5 KB random bitmap, whole and a byte range; PFADD
# adds -r distinct elements (the HLL is dense after a few thousand);
# PFCOUNT answers from the cached cardinality (as Redis does), PFCOUNT of
# two keys merges 16384 registers each time.
rps_cmd() {  # rps_cmd PORT PIPELINE COMMAND... -> requests per second
  local port=$1 p=$2; shift 2
  redis-benchmark -p "$port" -n "$requests" -c 50 -P "$p" -r 100000 -q --csv "$@" 2>/dev/null |
    awk -F, 'NR>1 {gsub(/"/,"",$2); last=$2} END {print last}'
}
# XADD appends to one stream (ids from the clock, two fields, the same
# names each time as real producers send); XRANGE reads the first 10
# entries of that stream and XREVRANGE the last 10 (it holds `requests`
# entries by then).
#
# Geo: GEOADD puts -r members at random points of a 1x1 degree square
# (each __rand_int__ is drawn separately: "13.__rand_int__" is a longitude);
# the searches read a fixed set of 100,000 points in that square (loaded
# first, ~10 per km2): the nearest 10 within 1 km of a point (about 30 in
# range among ~200 candidates of the nine cells, sorted partially), and a
# 2x2 km box, unsorted, with distances (about 40 members).
data_rows=("setbit:SETBIT bm:__rand_int__ 1000 1" "bitcount:BITCOUNT bitmap"
           "bitcount_r:BITCOUNT bitmap 100 5000" "pfadd:PFADD hll el:__rand_int__"
           "pfcount:PFCOUNT hll" "pfcount_2:PFCOUNT hll hll2"
           "xadd:XADD st * sensor __rand_int__ value 12.5"
           "xrange_10:XRANGE st - + COUNT 10" "xrevrange_10:XREVRANGE st + - COUNT 10"
           "geoadd:GEOADD geoadd 13.__rand_int__ 38.__rand_int__ m:__rand_int__"
           "geosearch:GEOSEARCH geo FROMLONLAT 13.5 38.5 BYRADIUS 1 km ASC COUNT 10"
           "geosearch_b:GEOSEARCH geo FROMLONLAT 13.5 38.5 BYBOX 2 2 km WITHDIST")
# Scripting: EVALSHA of a script that returns a constant (the call path:
# argument tables, the Lua call, the reply conversion), and of one that
# runs ten INCRs through redis.call (the per-call path inside a script).
lua_const='return 1'
lua_loop='local n = 0 for i = 1, 10 do n = redis.call("incr", KEYS[1]) end return n'
sha_of() { printf '%s' "$1" | sha1sum | cut -c1-40; }
data_rows+=("evalsha_1:EVALSHA $(sha_of "$lua_const") 0"
            "evalsha_10:EVALSHA $(sha_of "$lua_loop") 1 counter")
# Functions: the same two bodies as FCALLs of one library (the function
# lookup and the (keys, args) call instead of the script cache and globals).
lua_lib='#!lua name=bench
redis.register_function("const1", function(keys, args) return 1 end)
redis.register_function("loop10", function(keys, args) local n = 0 for i = 1, 10 do n = redis.call("incr", keys[1]) end return n end)'
data_rows+=("fcall_1:FCALL const1 0" "fcall_10:FCALL loop10 1 counter")
head -c 12500 /dev/urandom >"$BENCH_TMP/bitmap"
/usr/bin/python3 - >"$BENCH_TMP/geo.resp" <<'PY'
import random, sys
rnd = random.Random(1)
out = []
for i in range(0, 100000, 500):
    args = [b"GEOADD", b"geo"]
    for j in range(i, i + 500):
        args += [b"%.6f" % (13 + rnd.random()), b"%.6f" % (38 + rnd.random()), b"p%d" % j]
    out.append(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
sys.stdout.buffer.write(b"".join(out))
PY
for port in "$rk_port" "$rd_port"; do
  redis-cli -p "$port" -x set bitmap <"$BENCH_TMP/bitmap" >/dev/null
  redis-cli -p "$port" pfadd hll2 a b c >/dev/null
  redis-cli -p "$port" --pipe <"$BENCH_TMP/geo.resp" >/dev/null
  redis-cli -p "$port" script load "$lua_const" >/dev/null
  redis-cli -p "$port" script load "$lua_loop" >/dev/null
  redis-cli -p "$port" function load replace "$lua_lib" >/dev/null
done
for row in "${data_rows[@]}"; do
  name=${row%%:*}; read -ra cmd <<<"${row#*:}"
  [[ -z $data_only || ",$data_only," == *",$name,"* ]] || continue
  for p in 1 16; do
    rk=(); rd=()
    for _ in $(seq 1 "$rounds"); do
      rk+=("$(rps_cmd "$rk_port" "$p" "${cmd[@]}")")
      rd+=("$(rps_cmd "$rd_port" "$p" "${cmd[@]}")")
    done
    a=$(printf "%s\n" "${rk[@]}" | median)
    b=$(printf "%s\n" "${rd[@]}" | median)
    printf "%-10s %3s %14.0f %14.0f %7.2f\n" "$name" "$p" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN {print a/b}')"
  done
done

echo
echo "memory after 1M string keys of 100 bytes (DEBUG POPULATE 1000000 key 100):"
for port in "$rk_port" "$rd_port"; do
  redis-cli -p "$port" flushall >/dev/null
  redis-cli -p "$port" debug populate 1000000 key 100 >/dev/null
done
rk_used=$(info_field "$rk_port" used_memory); rd_used=$(info_field "$rd_port" used_memory)
rk_rss=$(info_field "$rk_port" used_memory_rss); rd_rss=$(info_field "$rd_port" used_memory_rss)
printf "%-12s %14s %14s %7s\n" metric replikv redis ratio
printf "%-12s %14d %14d %7.2f\n" used_memory "$rk_used" "$rd_used" "$(awk -v a="$rk_used" -v b="$rd_used" 'BEGIN {print a/b}')"
printf "%-12s %14d %14d %7.2f\n" rss "$rk_rss" "$rd_rss" "$(awk -v a="$rk_rss" -v b="$rd_rss" 'BEGIN {print a/b}')"

# RESP for `small_n` small values of one type on stdout (deterministic).
small_type_commands() {  # small_type_commands TYPE N
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys
kind, n = sys.argv[1], int(sys.argv[2])
out = sys.stdout.buffer
def cmd(*args):
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        a = str(a).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(parts)
batch = []
for i in range(n):
    if kind == "hash":
        batch.append(cmd("HSET", f"hash:{i}", "name", f"user{i}", "age", i % 100, "city", f"c{i % 50}"))
    elif kind == "set":
        batch.append(cmd("SADD", f"set:{i}", "tag-a", f"tag-{i % 100}", f"t{i % 7}"))
    else:
        batch.append(cmd("ZADD", f"zset:{i}", 1, "alpha", 2, "beta", i % 100, f"m{i}"))
    if len(batch) == 10000:
        out.write(b"".join(batch))
        batch.clear()
out.write(b"".join(batch))
PY
}

echo
echo "memory after $small_n small values of each type (3 fields/members; redis-cli --pipe):"
printf "%-12s %14s %14s %7s\n" type replikv_used redis_used ratio
for kind in hash set zset; do
  small_type_commands "$kind" "$small_n" >"$BENCH_TMP/$kind.resp"
  for port in "$rk_port" "$rd_port"; do
    redis-cli -p "$port" flushall >/dev/null
    redis-cli -p "$port" --pipe <"$BENCH_TMP/$kind.resp" >/dev/null
  done
  rk_used=$(info_field "$rk_port" used_memory); rd_used=$(info_field "$rd_port" used_memory)
  printf "%-12s %14d %14d %7.2f\n" "$kind" "$rk_used" "$rd_used" "$(awk -v a="$rk_used" -v b="$rd_used" 'BEGIN {print a/b}')"
  rm -f "$BENCH_TMP/$kind.resp"
done
