#!/bin/bash
# Regenerates the golden RDB files in this directory with a real Redis 7.0
# (redis-server / redis-cli on PATH). rdb_golden_test.cpp holds the values
# these commands create; change both together.
#
#   redis70_small.rdb      default config: listpack/intset encodings, expires,
#                          two databases, one function library, a list of
#                          three size-limited quicklist nodes
#   redis70_large.rdb      thresholds lowered so every type takes its big
#                          encoding: hashtable set/hash, skiplist zset
#                          (ZSET_2), multi-node quicklist with a plain node
#   redis70_plain.rdb      rdbcompression no, rdbchecksum no
#   redis70_streams.rdb    streams (RDB type 19): several nodes (node
#                          entries lowered to 4), deleted entries, groups
#                          with PELs and consumers, an empty stream, a TTL.
#                          `make_golden.sh streams` makes only this file.
#   redis70_functions.rdb  three function libraries (one long enough to be
#                          LZF-compressed, flags, descriptions, the table
#                          form) and one key. `make_golden.sh functions`
#                          makes only this file.
set -euo pipefail
out_dir=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
port=$((20000 + RANDOM % 40000))
stop() {
  if [ -f "$work/redis.pid" ]; then
    pid=$(cat "$work/redis.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$work/redis.pid"
  fi
}
start() {
  redis-server --port "$port" --bind 127.0.0.1 --dir "$work" --save '' --appendonly no \
    --enable-debug-command yes --daemonize yes --pidfile "$work/redis.pid" \
    --logfile "$work/log" "$@"
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && return; sleep 0.1; done
  echo "redis-server did not start" >&2; exit 1
}
cleanup() { stop; rm -rf "$work"; }
trap cleanup EXIT
# Fails loudly on an error reply (redis-cli exits 0 on those).
cli() {
  local reply
  reply=$(redis-cli -p "$port" "$@")
  if [[ "$reply" == ERR* || "$reply" == WRONGTYPE* ]]; then echo "$* -> $reply" >&2; exit 1; fi
}
far=4102444800000  # 2100-01-01 in ms: expires that never fire

make_streams() {
  cli config set stream-node-max-entries 4
  for i in $(seq 1 10); do cli xadd stream:main "$i-0" a "$i" b "v$i"; done
  cli xadd stream:main 11-0 other x
  cli xadd stream:main 12-5 a 12 b v12
  cli xadd stream:main 13-0 a "$(printf 'long%.0s' $(seq 30))" b 13
  cli xdel stream:main 2-0 3-0 9-0
  cli xgroup create stream:main g1 0
  cli xgroup create stream:main g2 '$' entriesread 13
  cli xreadgroup group g1 alice count 3 streams stream:main '>'
  cli xreadgroup group g1 bob count 2 streams stream:main '>'
  cli xreadgroup group g1 carol noack count 1 streams stream:main '>'
  cli xgroup createconsumer stream:main g1 dave
  cli xclaim stream:main g1 bob 0 4-0 retrycount 5
  cli xdel stream:main 6-0
  cli xgroup create stream:empty g '$' mkstream
  cli xadd stream:ttl 1-1 f v
  cli pexpireat stream:ttl $far
  cli xadd stream:trimmed 1-0 f v
  cli xadd stream:trimmed 2-0 f v
  cli xadd stream:trimmed 3-0 f v
  cli xtrim stream:trimmed maxlen 1
  cli xsetid stream:trimmed 5-0 entriesadded 9 maxdeletedid 4-0
  save_as redis70_streams.rdb
}

make_functions() {
  cli function load "#!lua name=lib_a
redis.register_function('fa', function(keys, args) return redis.call('incr', keys[1]) end)"
  cli function load "#!lua name=lib_b
local function body(keys, args) return redis.call('get', keys[1]) end
redis.register_function{function_name='fb_ro', callback=body, flags={'no-writes', 'allow-stale'}, description='reads one key'}
redis.register_function{function_name='fb_oom', callback=function() return 'oom' end, flags={'allow-oom', 'no-cluster', 'allow-cross-slot-keys'}}"
  cli function load "#!lua name=lib_long
-- $(printf 'padding %.0s' $(seq 40))
redis.register_function('flong', function(keys, args) return #args end)"
  cli set counter 41
  save_as redis70_functions.rdb
}

save_as() {
  cli save
  mv "$work/dump.rdb" "$out_dir/$1"  # so a restarted server starts empty
  cli flushall
  cli function flush
}

start
if [[ "${1:-}" == streams ]]; then
  make_streams
  exit 0
fi
if [[ "${1:-}" == functions ]]; then
  make_functions
  exit 0
fi

# --- redis70_small.rdb
cli set str:int 12345
cli set str:neg -7
cli set str:big 9223372036854775807
cli set str:text "hello world"
cli set str:long "$(printf 'abc%.0s' $(seq 50))"
printf '\x00\x01\xff' | redis-cli -p "$port" -x set str:bin >/dev/null
cli set str:ttl expiring pxat $far
cli rpush list:small a b c 1 2 -3 ""
cli rpush list:ttl x y z
# 1500 integers: three quicklist nodes, split by Redis's size estimate.
seq 1 1500 | sed 's/^/RPUSH list:nodes /' | redis-cli -p "$port" >/dev/null
cli pexpireat list:ttl $((far + 123))
cli sadd set:ints 1 2 3 -100 100000
cli sadd set:strs a b c
cli hset hash:small f1 v1 f2 2 f3 ""
cli zadd zset:small 1 a 2.5 b -inf c inf d 0.1 e
cli -n 3 set db3:key value
cli function load "#!lua name=mylib
redis.register_function('myfunc', function(keys, args) return 1 end)"
save_as redis70_small.rdb

# --- redis70_large.rdb
cli config set hash-max-listpack-entries 4
cli config set hash-max-listpack-value 16
cli config set zset-max-listpack-entries 4
cli config set zset-max-listpack-value 16
cli config set set-max-intset-entries 4
cli config set list-max-listpack-size 4
cli debug quicklist-packed-threshold 100
for i in $(seq 0 9); do cli rpush list:big "e$i"; done
cli rpush list:big "$(printf 'P%.0s' $(seq 150))"
for i in $(seq 10 19); do cli rpush list:big "e$i"; done
cli sadd set:bigints 1 2 3 4 5 6 7 8 9 10
for i in $(seq 0 9); do cli hset hash:big "f$i" "v$i"; done
cli pexpireat hash:big $far
cli hset hash:longval f "$(printf 'x%.0s' $(seq 20))"
for i in $(seq 0 9); do cli zadd zset:big "$(echo "scale=2; $i/4" | bc)" "m$i"; done
cli zadd zset:longmember 1 "$(printf 'm%.0s' $(seq 20))"
cli set str:compress "$(printf '0123456789%.0s' $(seq 10))"
save_as redis70_large.rdb

# --- redis70_plain.rdb (rdbchecksum can only be set at start-up)
stop
start --rdbcompression no --rdbchecksum no
cli set str:compress "$(printf '0123456789%.0s' $(seq 10))"
cli rpush list:plain a b c
cli hset hash:plain f v
save_as redis70_plain.rdb

# --- redis70_streams.rdb
make_streams
ls -l "$out_dir"/*.rdb
