#!/usr/bin/env bash
# RDB snapshots, replikv-server vs redis-server in one run.
#
#   bench/rdb.sh [-k keys] [-r rounds] [-s seed]
#
# Loads the same data set into both servers (default 1M keys: 60% strings of
# mixed sizes — integers, embstr-sized, raw, a few large values, some
# compressible and some not — and 10% each lists, sets, hashes and sorted
# sets, mostly small (compact encodings) and 1% big; 10% with a TTL; in db 0
# and db 1), checks that DEBUG DIGEST
# agrees, then, `rounds` times and alternating the servers:
#   save_ms    SAVE, measured around the command
#   bgsave_ms  BGSAVE until INFO rdb_bgsave_in_progress:0 (polled every 10 ms)
#   fork_usec  INFO stats latest_fork_usec after that BGSAVE
#   rdb_bytes  size of dump.rdb (rdbcompression yes, rdbchecksum yes)
#   load_ms    kill (no save), start again on the same dir, until PING answers
#              PONG and INFO says loading:0
# and prints the median of each, and the ratio replikv/redis: lower is better
# for every row. The machine is shared and noisy: read ratios, not figures.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

keys=1000000
rounds=3
seed=1
while getopts "k:r:s:" opt; do
  case $opt in
    k) keys=$OPTARG ;;
    r) rounds=$OPTARG ;;
    s) seed=$OPTARG ;;
    *) echo "usage: $0 [-k keys] [-r rounds] [-s seed]" >&2; exit 2 ;;
  esac
done

# How long anything may take before the run is declared stuck (seconds).
MAX_WAIT_S=600

now_ms() { date +%s%3N; }

info_get() {  # info_get PORT SECTION FIELD
  redis-cli -p "$1" info "$2" | tr -d '\r' | awk -F: -v f="$3" '$1==f {print $2}'
}

declare -A PID PORT BIN

# spawn NAME: starts the server NAME on its port and dir, without waiting;
# the same flags as lib.sh's bench_start.
spawn() {
  local name=$1
  mkdir -p "$BENCH_TMP/$name"
  "${BIN[$name]}" --bind 127.0.0.1 --port "${PORT[$name]}" --dir "$BENCH_TMP/$name" --save '' \
    --appendonly no --enable-debug-command yes --logfile "$BENCH_TMP/$name/log" &
  PID[$name]=$!
  BENCH_PIDS+=($!)
}

# wait_ready NAME: until PING answers PONG and loading:0 (polled every 10 ms).
wait_ready() {
  local name=$1 port=${PORT[$1]} i
  for ((i = 0; i < MAX_WAIT_S * 100; i++)); do
    if [[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG && $(info_get "$port" persistence loading) == 0 ]]; then
      return 0
    fi
    sleep 0.01
  done
  echo "bench: $name did not become ready; log:" >&2
  tail -20 "$BENCH_TMP/$name/log" >&2
  return 1
}

# stop NAME: SIGTERM (save '' so nothing is saved on the way out), wait.
stop() {
  local pid=${PID[$1]} p kept=()
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  # Forget the pid so lib.sh's cleanup never signals a reused one.
  for p in "${BENCH_PIDS[@]}"; do [[ $p == "$pid" ]] || kept+=("$p"); done
  BENCH_PIDS=("${kept[@]}")
}

wait_bgsave() {  # wait_bgsave PORT
  local i
  for ((i = 0; i < MAX_WAIT_S * 100; i++)); do
    [[ $(info_get "$1" persistence rdb_bgsave_in_progress) == 0 ]] && return 0
    sleep 0.01
  done
  echo "bench: BGSAVE on port $1 did not finish" >&2
  return 1
}

# The data set as a RESP stream for redis-cli --pipe, made once (seeded).
make_dataset() {
  /usr/bin/python3 - "$keys" "$seed" "$BENCH_TMP/data.resp" <<'EOF'
import random, sys
keys, seed, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = random.Random(seed)
words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
         for _ in range(2000)]
def cmd(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)
def text(n):   # compressible: words from a small vocabulary
    s = b" ".join(rng.choices(words, k=n // 5 + 1))
    return s[:n]
def value(i):
    p = rng.random()
    if p < 0.30:   # integers: small, 32-bit, 64-bit
        return str(rng.choice([rng.randint(0, 10000), rng.randint(-2**31, 2**31),
                               rng.randint(-2**63, 2**63 - 1)])).encode()
    if p < 0.75:   # embstr-sized, random
        return rng.randbytes(rng.randint(5, 44))
    if p < 0.95:   # raw, half text half random
        n = rng.randint(45, 300)
        return text(n) if rng.random() < 0.5 else rng.randbytes(n)
    if p < 0.995:
        return text(rng.randint(300, 2000))
    n = rng.randint(2000, 16000)
    return text(n) if rng.random() < 0.5 else rng.randbytes(n)
with open(path, "wb") as f:
    buf = [cmd(b"SELECT", b"0")]
    for i in range(keys):
        if i == keys * 9 // 10:
            buf.append(cmd(b"SELECT", b"1"))
        key = b"key:%d" % i
        kind = rng.random()
        if kind < 0.60:
            buf.append(cmd(b"SET", key, value(i)))
        else:
            # Aggregates: mostly small (compact encodings), 1% big.
            n = rng.randint(200, 600) if rng.random() < 0.01 else rng.randint(2, 12)
            elems = [rng.randbytes(rng.randint(3, 20)) if rng.random() < 0.7 else str(rng.randint(0, 10**6)).encode()
                     for _ in range(n)]
            if kind < 0.70:
                buf.append(cmd(b"RPUSH", key, *elems))
            elif kind < 0.80:
                buf.append(cmd(b"SADD", key, *elems))
            elif kind < 0.90:
                pairs = [x for j, e in enumerate(elems) for x in (b"f%d" % j, e)]
                buf.append(cmd(b"HSET", key, *pairs))
            else:
                pairs = [x for e in elems for x in (b"%d" % rng.randint(-1000, 1000), e)]
                buf.append(cmd(b"ZADD", key, *pairs))
        if rng.random() < 0.10:
            buf.append(cmd(b"EXPIRE", key, b"%d" % rng.randint(86400, 864000)))
        if len(buf) >= 10000:
            f.write(b"".join(buf))
            buf = []
    f.write(b"".join(buf))
EOF
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

bench_build
BIN[replikv]=$REPLIKV_BIN
BIN[redis]=$REDIS_BIN
names=(replikv redis)
for n in "${names[@]}"; do
  PORT[$n]=$(bench_free_port)
  spawn "$n"
  wait_ready "$n"
done

echo "replikv $("$REPLIKV_BIN" --version | head -1)"
echo "redis   $($REDIS_BIN --version)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); keys=$keys rounds=$rounds seed=$seed"

make_dataset
for n in "${names[@]}"; do
  redis-cli -p "${PORT[$n]}" --pipe <"$BENCH_TMP/data.resp" >/dev/null
done
rm -f "$BENCH_TMP/data.resp"
d_rk=$(redis-cli -p "${PORT[replikv]}" debug digest)
d_rd=$(redis-cli -p "${PORT[redis]}" debug digest)
echo "keys: replikv $(redis-cli -p "${PORT[replikv]}" dbsize)+$(redis-cli -p "${PORT[replikv]}" -n 1 dbsize)," \
  "redis $(redis-cli -p "${PORT[redis]}" dbsize)+$(redis-cli -p "${PORT[redis]}" -n 1 dbsize) (db0+db1)"
if [[ $d_rk != "$d_rd" ]]; then
  echo "bench: the data sets differ (DEBUG DIGEST $d_rk vs $d_rd)" >&2
  exit 1
fi

declare -A samples  # "<name> <metric>" -> newline-separated values
add() { samples["$1 $2"]+="$3"$'\n'; }

for ((round = 1; round <= rounds; round++)); do
  for n in "${names[@]}"; do
    port=${PORT[$n]}
    t0=$(now_ms)
    [[ $(redis-cli -p "$port" save) == OK ]] || { echo "bench: SAVE failed on $n" >&2; exit 1; }
    add "$n" save_ms $(($(now_ms) - t0))
    add "$n" rdb_bytes "$(stat -c %s "$BENCH_TMP/$n/dump.rdb")"

    t0=$(now_ms)
    redis-cli -p "$port" bgsave >/dev/null
    wait_bgsave "$port"
    add "$n" bgsave_ms $(($(now_ms) - t0))
    add "$n" fork_usec "$(info_get "$port" stats latest_fork_usec)"
    [[ $(info_get "$port" persistence rdb_last_bgsave_status) == ok ]] || { echo "bench: BGSAVE failed on $n" >&2; exit 1; }

    stop "$n"
    t0=$(now_ms)
    spawn "$n"
    wait_ready "$n"
    add "$n" load_ms $(($(now_ms) - t0))
    d=$(redis-cli -p "$port" debug digest)
    [[ $d == "$d_rk" ]] || { echo "bench: $n lost data across the restart" >&2; exit 1; }
  done
done

printf "%-10s %14s %14s %7s\n" metric replikv redis ratio
for m in save_ms bgsave_ms fork_usec rdb_bytes load_ms; do
  a=$(printf "%s" "${samples[replikv $m]}" | median)
  b=$(printf "%s" "${samples[redis $m]}" | median)
  printf "%-10s %14d %14d %7.2f\n" "$m" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN {print (b > 0 ? a / b : 0)}')"
done
