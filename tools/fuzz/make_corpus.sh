#!/usr/bin/env bash
# Regenerates the seed corpora in tools/fuzz/corpus/ from a real Redis 7.0
# (redis-server and redis-cli on PATH). The files are small and kept in the
# repo; run this again only to change them.
#
#   corpus/resp/      header bytes (limits, split seed) + requests redis-cli
#                     sends (captured) and the RESP an AOF holds
#   corpus/rdb/       RDB files redis-server wrote (plus the golden ones)
#   corpus/aof/       base + kPartSeparator + incr files of a real multi-part
#                     AOF (RDB preamble and plain, with and without #TS)
#   corpus/manifest/  the manifests of those AOFs
#   corpus/config/    redis.conf directives + a CONFIG SET part
#   corpus/restore/   a flags byte + the object of a real DUMP payload, per
#                     type (make_restore_corpus.py)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
corpus="$here/corpus"
sep=$'\n--8<--\n'  # kPartSeparator in fuzz_targets.h
work=$(mktemp -d)
port=$((20000 + RANDOM % 40000))
pid=""
stop() {
  if [[ -n "$pid" ]]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    pid=""
  fi
}
cleanup() { stop; rm -rf "$work"; }
trap cleanup EXIT
start() {
  rm -rf "$work/data"; mkdir -p "$work/data"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$work/data" --save '' --appendonly no \
    --logfile "$work/log" "$@" &
  pid=$!
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && return; sleep 0.1; done
  echo "redis-server did not start" >&2; exit 1
}
cli() { redis-cli -p "$port" "$@" >/dev/null; }
wait_rewrite() {
  for _ in $(seq 100); do
    redis-cli -p "$port" info persistence | grep -q 'aof_rewrite_in_progress:0' && return; sleep 0.1
  done
}
dataset() {
  cli set s v
  cli set n 12345
  cli set t x px 100000000
  cli rpush l a b 1 2
  cli sadd si 1 2 3
  cli sadd ss a b
  cli hset h f v g 2
  cli zadd z 1 a 2.5 b -inf c
  cli -n 2 set other db
}
more_writes() {
  cli incr n
  cli expire s 1000000
  cli lpop l
  cli srem ss a
  cli hdel h g
  cli zincrby z 3 a
  redis-cli -p "$port" >/dev/null <<'EOF'
MULTI
SET m 1
INCRBYFLOAT m 1.5
EXEC
EOF
  cli -n 3 setex e 100 v
  cli del s
}

rm -rf "$corpus"; mkdir -p "$corpus"/{resp,rdb,aof,manifest,config,restore} "$here/dict"

# --- RDB
cp "$root"/persistence/tests/testdata/*.rdb "$corpus/rdb/"
start
cli save; cp "$work/data/dump.rdb" "$corpus/rdb/empty.rdb"
dataset
cli xadd st '*' f v
cli xadd st '*' g w
cli xgroup create st grp 0
cli save; cp "$work/data/dump.rdb" "$corpus/rdb/with_stream.rdb"
stop

# --- RESTORE payloads
start
python3 "$here/make_restore_corpus.py" "$port" "$corpus/restore"
stop

# --- AOF: one run per flavour
aof_run() {  # name, extra redis-server args...
  local name=$1; shift
  start --appendonly yes "$@"
  dataset
  cli bgrewriteaof; wait_rewrite
  more_writes
  sleep 1.2  # appendfsync everysec
  local d="$work/data/appendonlydir"
  local base incr
  base=$(ls "$d"/*.base.*); incr=$(ls "$d"/*.incr.aof | tail -1)
  { cat "$base"; printf '%s' "$sep"; cat "$incr"; } > "$corpus/aof/$name"
  cp "$d"/*.manifest "$corpus/manifest/$name.manifest"
  cp "$incr" "$work/$name.incr"
  stop
}
aof_run preamble
aof_run plain --aof-use-rdb-preamble no
aof_run timestamps --aof-timestamp-enabled yes

printf 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\nfile appendonly.aof.2.incr.aof seq 2 type i\n# comment\nfile "app endonly.aof.3.incr.aof" type i seq 3\n' \
  > "$corpus/manifest/history.manifest"

# --- config.dict: every directive name redis-server knows
start
{
  echo '# Directive names from redis-server 7.0 CONFIG GET * (make_corpus.sh).'
  redis-cli -p "$port" config get '*' | awk 'NR % 2 == 1' | sort | sed 's/.*/"&"/'
  for w in yes no include rename-command user always everysec noeviction allkeys-lru local \
    '\"' "'" '\\x' 'mb' 'gb' 'kb' '-1' '0' '100%' 'normal' 'replica' 'pubsub'; do
    printf '"%s"\n' "$w"
  done
  printf '"\\x0a--8<--\\x0a"\n'
} > "$here/dict/config.dict"
stop

# --- RESP: 3 header bytes (limits mode, split seed) + real client bytes.
capture() {  # name, redis-cli args... : what redis-cli sends, through a fake server
  local name=$1; shift
  python3 - "$work/cap" "$port" <<'EOF' &
import socket, sys
out, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen(1); s.settimeout(10)
open(out + ".ready", "w").close()
c, _ = s.accept(); c.settimeout(1); data = b""
try:
    while True:
        b = c.recv(65536)
        if not b: break
        data += b; c.sendall(b"+OK\r\n")
except socket.timeout:
    pass
open(out, "wb").write(data)
EOF
  local cap=$!
  for _ in $(seq 100); do [[ -f "$work/cap.ready" ]] && break; sleep 0.1; done
  rm -f "$work/cap.ready"
  redis-cli -p "$port" "$@" >/dev/null || true
  wait "$cap"
  { printf '\x00\x01\x02'; cat "$work/cap"; } > "$corpus/resp/$name"
}
capture set_get set key "hello world"
capture binary_value set bin "$(printf 'a\tb\001c')"
capture many_args rpush list a b c d e f g h i j k l m n o p
printf '\x00\x00\x05PING\r\nSET a b\n\r\n  get   "a"\r\n' > "$corpus/resp/inline"
printf '\x01\x02\x03*2\r\n$4\r\nECHO\r\n$20\r\n01234567890123456789\r\n' > "$corpus/resp/tiny_limits_bulk"
printf '\x02\x03\x01*11\r\n$1\r\na\r\n' > "$corpus/resp/unauth_count"
printf '\x00\x00\x00*0\r\n*-1\r\n*1\r\n$-1\r\n' > "$corpus/resp/empty_and_null"
{ printf '\x03\x07\x09'; cat "$work/preamble.incr"; } > "$corpus/resp/aof_stream"

# --- config: the directives of the packaged redis.conf, then CONFIG SET lines
{
  grep -v '^\s*#' /etc/redis/redis.conf | grep -v '^\s*$' | grep -v '^include'
  printf '%s' "$sep"
  printf 'maxmemory 100mb\nmaxmemory-policy allkeys-lru\nsave "900 1 300 10"\n'
  printf 'client-output-buffer-limit "normal 0 0 0 replica 256mb 64mb 60"\n'
  printf 'notify-keyspace-events KEA hz 50\nappendfsync always\n'
} > "$corpus/config/redis_conf"
printf 'port 7000\nbind 127.0.0.1 -::1\nsave ""\nrename-command FLUSHALL ""\nuser default on nopass ~* +@all\n' \
  > "$corpus/config/small"
printf 'oom-score-adj-values "0 200 800"%slatency-tracking-info-percentiles "50 99 99.9"\nmaxmemory 1gb maxmemory 2gb\n' \
  "$sep" > "$corpus/config/set_twice"
ls -lR "$corpus" | head -60
du -sh "$corpus"
