#!/usr/bin/env bash
# Replication, replikv-server pairs vs redis-server pairs in one run.
#
#   bench/replication.sh [-k keys] [-n requests] [-r rounds] [-w writes/s] [-s seed]
#
# 1. Full sync: a primary holding `keys` keys of mixed types (default 1M:
#    60% strings of 8-200 random bytes, 5% of them with a TTL, 10% each
#    small lists, sets, hashes and sorted sets; a seeded generator piped
#    through redis-cli --pipe). DEBUG POPULATE exists in both servers but
#    makes strings only, zero-filled past "value:N": an RDB of almost nothing.
#    Each round a fresh empty replica gets REPLICAOF; the time runs from
#    sending it until the replica says master_link_status:up and its DBSIZE
#    equals the primary's (polled every 10 ms). Both servers run twice:
#    `repl-diskless-sync no` and `repl-diskless-sync yes`, always with
#    `repl-diskless-sync-delay 0` (7.0's default is yes with a 5 s delay,
#    which would only measure the delay).
# 2. SET throughput: redis-benchmark -t set -P 16 -c 50 -r 100000 -n
#    `requests` on a primary with 0 replicas, then with 2 replicas attached.
#    During the 2-replica runs the primary's master_repl_offset minus each
#    replica's slave_repl_offset is sampled every 100 ms (the three INFO
#    requests sent before any reply is read); after each run, the time until
#    every replica's offset equals the primary's.
# 3. Memory: while a steady load of `writes` SET/s (100-byte values, 100k
#    keys, paced in batches every 10 ms) runs against the 1M-key primary, a
#    fresh replica does a full sync; the primary's INFO used_memory is
#    sampled every 50 ms from 1 s before REPLICAOF until 0.5 s after the
#    link is up (the time under load is until link up only). Reports the peak and the peak minus the level before the sync
#    (the buffered stream and whatever else the sync costs).
# Every sync must end with the replica caught up (offsets equal; in 1. also
# equal DBSIZE), and at the end of each scenario (the last round; every round
# in 2.) DEBUG DIGEST must be equal on the primary and every replica;
# otherwise the script stops with the servers' log tails.
#
# Prints medians over `rounds` and ratios replikv/redis: for times, lag and
# memory lower is better, for requests/s higher is better. The defaults take
# about 4 minutes on a 2-core VM; -k 100000 -n 300000 -r 1 about 40 s.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

keys=1000000
requests=1000000
rounds=3
writes=20000
seed=1
while getopts "k:n:r:w:s:" opt; do
  case $opt in
    k) keys=$OPTARG ;;
    n) requests=$OPTARG ;;
    r) rounds=$OPTARG ;;
    w) writes=$OPTARG ;;
    s) seed=$OPTARG ;;
    *) echo "usage: $0 [-k keys] [-n requests] [-r rounds] [-w writes/s] [-s seed]" >&2; exit 2 ;;
  esac
done

# How long a sync or a catch-up may take before the run is declared stuck.
MAX_WAIT_S=300
HELPER=$BENCH_TMP/replbench.py

# RESP client, data generator, pollers. One persistent connection per server
# so a 10 ms poll costs a round trip, not a redis-cli start.
cat >"$HELPER" <<'EOF'
import random, socket, subprocess, sys, threading, time

class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.s.settimeout(120)
        self.buf = b""
    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(1 << 16)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line
    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.s.recv(1 << 16)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data
    def read(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+": return rest.decode()
        if t == b"-": return RuntimeError(rest.decode())
        if t == b":": return int(rest)
        if t == b"$": return None if int(rest) < 0 else self._exact(int(rest)).decode(errors="replace")
        if t == b"*": return [self.read() for _ in range(int(rest))]
        raise ValueError("bad reply %r" % line)
    def call(self, *args):
        self.s.sendall(resp(*args))
        return self.read()
    def info(self, section):
        return parse_info(self.call("INFO", section))

def parse_info(r):
    if isinstance(r, Exception): return {}
    return dict(l.split(":", 1) for l in r.split("\r\n") if ":" in l and not l.startswith("#"))

def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)

def gen(keys, seed, path):
    rng = random.Random(seed)
    pool = rng.randbytes(1 << 20)
    def blob(lo, hi):
        n = rng.randint(lo, hi); o = rng.randrange(len(pool) - n)
        return pool[o:o + n]
    def elem():
        return blob(3, 20) if rng.random() < 0.7 else b"%d" % rng.randint(0, 10**6)
    with open(path, "wb") as f:
        buf = []
        for i in range(keys):
            key = b"key:%d" % i
            kind = rng.random()
            n = rng.randint(2, 12)
            if kind < 0.60:
                if rng.random() < 0.05:
                    buf.append(resp(b"SET", key, blob(8, 200), b"EX", b"%d" % rng.randint(86400, 864000)))
                else:
                    buf.append(resp(b"SET", key, blob(8, 200)))
            elif kind < 0.70:
                buf.append(resp(b"RPUSH", key, *[elem() for _ in range(n)]))
            elif kind < 0.80:
                buf.append(resp(b"SADD", key, *[elem() for _ in range(n)]))
            elif kind < 0.90:
                buf.append(resp(b"HSET", key, *[x for j in range(n) for x in (b"f%d" % j, elem())]))
            else:
                buf.append(resp(b"ZADD", key, *[x for _ in range(n) for x in (b"%d" % rng.randint(-1000, 1000), elem())]))
            if len(buf) >= 10000:
                f.write(b"".join(buf)); buf = []
        f.write(b"".join(buf))

def wait_for(cond, what, timeout_s, interval_s):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if cond(): return
        time.sleep(interval_s)
    sys.exit("timed out after %d s waiting for %s" % (timeout_s, what))

def synced(primary, replica, dbsize):
    try:
        if replica.info("replication").get("master_link_status") != "up": return False
        return replica.call("DBSIZE") == dbsize
    except ConnectionError:
        raise
    except Exception:
        return False

def sync(pport, rport, timeout_s):
    """REPLICAOF on an empty replica until link up and equal DBSIZE: ms."""
    p, r = Conn(pport), Conn(rport)
    dbsize = p.call("DBSIZE")
    t0 = time.perf_counter()
    r.call("REPLICAOF", "127.0.0.1", pport)
    wait_for(lambda: synced(p, r, dbsize), "the full sync", timeout_s, 0.01)
    print(int((time.perf_counter() - t0) * 1000))

class Writer(threading.Thread):
    """`rate` SETs per second in batches every 10 ms, replies read."""
    def __init__(self, port, rate):
        super().__init__(daemon=True)
        self.c, self.stop, self.sent = Conn(port), False, 0
        per_tick = max(1, rate // 100)
        rng = random.Random(7)
        self.batches = [b"".join(resp(b"SET", b"w:%d" % rng.randrange(100000), rng.randbytes(100))
                                 for _ in range(per_tick)) for _ in range(50)]
        self.per_tick = per_tick
    def run(self):
        tick, i = time.monotonic(), 0
        while not self.stop:
            self.c.s.sendall(self.batches[i % len(self.batches)])
            for _ in range(self.per_tick):
                self.c._line()
            self.sent += self.per_tick
            i += 1
            tick += 0.01
            delay = tick - time.monotonic()
            if delay > 0: time.sleep(delay)
            else: tick = time.monotonic()  # fell behind (fork, stall): no burst

def offsets_equal(p, replicas):
    target = int(p.info("replication")["master_repl_offset"])
    return all(int(r.info("replication").get("slave_repl_offset", -1)) == target for r in replicas)

def syncmem(pport, rport, rate, timeout_s):
    """Full sync under a write load; used_memory every 50 ms.
    Prints: sync_ms baseline_peak peak."""
    p, m, r = Conn(pport), Conn(pport), Conn(rport)
    w = Writer(pport, rate); w.start()
    def used(): return int(m.info("memory")["used_memory"])
    end = time.monotonic() + 1.0
    base = 0
    while time.monotonic() < end:
        base = max(base, used()); time.sleep(0.05)
    peak = base
    t0 = time.perf_counter()
    r.call("REPLICAOF", "127.0.0.1", pport)
    deadline, up_at = time.monotonic() + timeout_s, None
    while True:
        peak = max(peak, used())
        if up_at is None and r.info("replication").get("master_link_status") == "up":
            up_at = time.monotonic()
            sync_ms = int((time.perf_counter() - t0) * 1000)
        if up_at is not None and time.monotonic() - up_at > 0.5: break
        if time.monotonic() > deadline:
            w.stop = True
            sys.exit("timed out after %d s waiting for the full sync under load" % timeout_s)
        time.sleep(0.05)
    w.stop = True; w.join()
    wait_for(lambda: offsets_equal(p, [r]), "the replica to catch up", timeout_s, 0.05)
    print(sync_ms, base, peak)

def benchlag(pport, requests, rports, timeout_s):
    """redis-benchmark SET -P 16 with replicas: rps max_lag catchup_ms."""
    p, rs = Conn(pport), [Conn(x) for x in rports]
    cmd = ["redis-benchmark", "-p", str(pport), "-t", "set", "-P", "16", "-c", "50",
           "-r", "100000", "-n", str(requests), "-q", "--csv"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    max_lag = 0
    while proc.poll() is None and rs:
        # INFO goes to all of them before any reply is read, so the three
        # requests land at about the same moment.
        for c in [p] + rs:
            c.s.sendall(resp("INFO", "replication"))
        off = int(parse_info(p.read())["master_repl_offset"])
        for r in rs:
            max_lag = max(max_lag, off - int(parse_info(r.read()).get("slave_repl_offset", 0)))
        time.sleep(0.1)
    out = proc.communicate()[0].decode()
    rps = [l.split(",")[1].strip('"') for l in out.splitlines() if l.startswith('"SET"')]
    if not rps: sys.exit("redis-benchmark printed no SET row: %r" % out)
    t0 = time.perf_counter()
    wait_for(lambda: offsets_equal(p, rs), "the replicas to catch up", timeout_s, 0.01)
    print(rps[0], max_lag, int((time.perf_counter() - t0) * 1000) if rs else 0)

def digest(ports):
    """DEBUG DIGEST sent to every server before any reply is read (they
    compute in parallel): one line per server."""
    cs = [Conn(x) for x in ports]
    for c in cs: c.s.sendall(resp("DEBUG", "DIGEST"))
    for c in cs: print(c.read())

if __name__ == "__main__":
    what, args = sys.argv[1], sys.argv[2:]
    if what == "gen": gen(int(args[0]), int(args[1]), args[2])
    elif what == "sync": sync(int(args[0]), int(args[1]), int(args[2]))
    elif what == "syncmem": syncmem(int(args[0]), int(args[1]), int(args[2]), int(args[3]))
    elif what == "digest": digest([int(x) for x in args])
    elif what == "benchlag": benchlag(int(args[0]), int(args[1]), [int(x) for x in args[3:]], int(args[2]))
    else: sys.exit("unknown helper " + what)
EOF
helper() { /usr/bin/python3 "$HELPER" "$@"; }

declare -A PORT PIDOF
# start NAME BIN [args...]: bench_start on a free port, remembering port and pid.
start() {
  local name=$1 bin=$2; shift 2
  PORT[$name]=$(bench_free_port)
  bench_start "$name" "$bin" "${PORT[$name]}" "$@"
  PIDOF[$name]=${BENCH_PIDS[-1]}
}
# stop NAME: SIGTERM (save '' so nothing is written), wait, drop its dir.
stop() {
  local pid=${PIDOF[$1]} p kept=()
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  # Forget the pid so lib.sh's cleanup never signals a reused one.
  for p in "${BENCH_PIDS[@]}"; do [[ $p == "$pid" ]] || kept+=("$p"); done
  BENCH_PIDS=("${kept[@]}")
  rm -rf "${BENCH_TMP:?}/$1"
}
# fail MESSAGE NAMES...: print the message and the named servers' log tails.
fail() {
  local msg=$1 n; shift
  echo "bench: $msg" >&2
  for n in "$@"; do
    echo "--- $n log (tail) ---" >&2
    tail -25 "$BENCH_TMP/$n/log" >&2 || true
  done
  exit 1
}
# same_digest PRIMARY REPLICAS...: DEBUG DIGEST equal everywhere, or fail.
same_digest() {
  local n ports=() ds
  for n in "$@"; do ports+=("${PORT[$n]}"); done
  ds=$(helper digest "${ports[@]}") || fail "DEBUG DIGEST" "$@"
  [[ $(sort -u <<<"$ds" | wc -l) == 1 ]] || fail "DEBUG DIGEST differs ($*): ${ds//$'\n'/ }" "$@"
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A samples  # "<series>" -> newline-separated values
add() { samples[$1]+="$2"$'\n'; }
med() { printf "%s" "${samples[$1]}" | median; }
phase_t0=$SECONDS
phase_done() { echo "($1: $((SECONDS - phase_t0)) s)"; phase_t0=$SECONDS; }

bench_build
echo "replikv $("$REPLIKV_BIN" --version | head -1)"
echo "redis   $($REDIS_BIN --version)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo);" \
  "keys=$keys requests=$requests rounds=$rounds writes=$writes/s seed=$seed"

# --- 1M-key primaries: full sync, then memory during a full sync under load.
start rk-primary "$REPLIKV_BIN" --repl-diskless-sync no --repl-diskless-sync-delay 0
start rd-primary "$REDIS_BIN" --repl-diskless-sync no --repl-diskless-sync-delay 0
t0=$(date +%s%3N)
helper gen "$keys" "$seed" "$BENCH_TMP/data.resp"
# Both primaries load at once (one core each).
pipes=()
for n in rk-primary rd-primary; do
  redis-cli -p "${PORT[$n]}" --pipe <"$BENCH_TMP/data.resp" >"$BENCH_TMP/$n.pipe" 2>&1 &
  pipes+=($!)
done
wait "${pipes[@]}" || true
for n in rk-primary rd-primary; do
  grep -q 'errors: 0,' "$BENCH_TMP/$n.pipe" || fail "loading the data set into $n: $(cat "$BENCH_TMP/$n.pipe")" "$n"
done
rm -f "$BENCH_TMP/data.resp"
same_digest rk-primary rd-primary
phase_done "data set"
echo "data set: $(redis-cli -p "${PORT[rk-primary]}" dbsize) keys in each primary (equal DEBUG DIGEST)," \
  "generated and loaded in $(($(date +%s%3N) - t0)) ms"

# full_sync SERIES PRIMARY BIN: one fresh replica, timed, stopped; the time
# in $got. The last round also compares DEBUG DIGEST (3-6 s at 1M keys).
# (No command substitution: start/stop/add must keep their state.)
full_sync() {
  local series=$1 primary=$2 bin=$3 replica="$1-replica"
  start "$replica" "$bin"
  got=$(helper sync "${PORT[$primary]}" "${PORT[$replica]}" "$MAX_WAIT_S") || fail "full sync ($series)" "$primary" "$replica"
  ((round < rounds)) || same_digest "$primary" "$replica"
  add "$series sync_ms" "$got"
  stop "$replica"
}
# diskless yes|no: both primaries' repl-diskless-sync.
diskless() {
  local n
  for n in rk-primary rd-primary; do redis-cli -p "${PORT[$n]}" config set repl-diskless-sync "$1" >/dev/null; done
}
for ((round = 1; round <= rounds; round++)); do
  full_sync rk-disk rk-primary "$REPLIKV_BIN"; a=$got
  full_sync rd-disk rd-primary "$REDIS_BIN"; b=$got
  diskless yes
  full_sync rk-diskless rk-primary "$REPLIKV_BIN"; c=$got
  full_sync rd-diskless rd-primary "$REDIS_BIN"; d=$got
  diskless no
  echo "round $round full sync ms: disk replikv $a redis $b | diskless replikv $c redis $d"
done
phase_done "full syncs"

# sync_under_load SERIES PRIMARY BIN: as full_sync with the write load and
# the memory samples; a summary in $got.
sync_under_load() {
  local series=$1 primary=$2 bin=$3 replica="$1-mreplica" out ms base peak
  start "$replica" "$bin"
  out=$(helper syncmem "${PORT[$primary]}" "${PORT[$replica]}" "$writes" "$MAX_WAIT_S") ||
    fail "full sync under load ($series)" "$primary" "$replica"
  read -r ms base peak <<<"$out"
  ((round < rounds)) || same_digest "$primary" "$replica"
  add "$series load_sync_ms" "$ms"; add "$series mem_base" "$base"; add "$series mem_peak" "$peak"
  add "$series mem_delta" "$((peak - base))"
  stop "$replica"
  got="$ms ms, used_memory $base -> peak $peak"
}
# The load's keys exist before the first sample, so its SETs overwrite
# values of the same size and the data set does not grow during a sync.
for n in rk-primary rd-primary; do
  redis-cli -p "${PORT[$n]}" debug populate 100000 w 100 >/dev/null
done
for ((round = 1; round <= rounds; round++)); do
  sync_under_load rk-disk rk-primary "$REPLIKV_BIN"; a=$got
  sync_under_load rd-disk rd-primary "$REDIS_BIN"; b=$got
  diskless yes
  sync_under_load rk-diskless rk-primary "$REPLIKV_BIN"; c=$got
  sync_under_load rd-diskless rd-primary "$REDIS_BIN"; d=$got
  diskless no
  echo "round $round sync under $writes SET/s: disk replikv $a | redis $b; diskless replikv $c | redis $d"
done
phase_done "full syncs under load"
stop rk-primary
stop rd-primary

# --- SET -P 16 on a primary with 0, then 2 replicas.
for side in rk rd; do
  bin=$REPLIKV_BIN
  extra=()
  [[ $side == rd ]] && bin=$REDIS_BIN
  extra=(--repl-diskless-sync no)
  start "$side-p" "$bin" "${extra[@]}"
  start "$side-r1" "$bin"
  start "$side-r2" "$bin"
done
# run_set SIDE SUFFIX REPLICA_PORTS...: one redis-benchmark run with lag
# sampling; "rps max_lag catchup_ms" in $got.
run_set() {
  local side=$1
  got=$(helper benchlag "${PORT[$side-p]}" "$requests" "$MAX_WAIT_S" "${@:3}") ||
    fail "SET -P16 ($side, replicas: ${*:3})" "$side-p" "$side-r1" "$side-r2"
}
for ((round = 1; round <= rounds; round++)); do
  line="round $round SET -P16 rps, 0 replicas:"
  for side in rk rd; do
    run_set "$side" 0; read -r rps _ <<<"$got"
    add "$side rps0" "$rps"; line+=" $side $rps"
  done
  echo "$line"
done
for side in rk rd; do
  for r in r1 r2; do
    helper sync "${PORT[$side-p]}" "${PORT[$side-$r]}" "$MAX_WAIT_S" >/dev/null || fail "attaching $side-$r" "$side-p" "$side-$r"
  done
done
for ((round = 1; round <= rounds; round++)); do
  line="round $round SET -P16 with 2 replicas:"
  for side in rk rd; do
    run_set "$side" 2 "${PORT[$side-r1]}" "${PORT[$side-r2]}"; read -r rps lag catchup <<<"$got"
    same_digest "$side-p" "$side-r1" "$side-r2"
    add "$side rps2" "$rps"; add "$side lag" "$lag"; add "$side catchup_ms" "$catchup"
    line+=" $side $rps rps, max lag $lag B, caught up in $catchup ms |"
  done
  echo "${line% |}"
done
phase_done "SET -P16"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else printf "-"}'; }
# row LABEL RK_SERIES RD_SERIES
row() {
  local a b
  a=$(med "$1"); b=$(med "$2")
  printf "%-44s %14.0f %14.0f %7s\n" "$3" "$a" "$b" "$(ratio "$a" "$b")"
}
echo
echo "medians of $rounds; ratio = replikv/redis (rps: higher is better; ms, bytes: lower is better)"
printf "%-44s %14s %14s %7s\n" metric replikv redis ratio
row "rk-disk sync_ms" "rd-disk sync_ms" "full sync ms, $keys keys, disk"
row "rk-diskless sync_ms" "rd-diskless sync_ms" "full sync ms, $keys keys, diskless"
row "rk rps0" "rd rps0" "SET -P16 rps, 0 replicas"
row "rk rps2" "rd rps2" "SET -P16 rps, 2 replicas"
row "rk lag" "rd lag" "max replica lag bytes, 2 replicas"
row "rk catchup_ms" "rd catchup_ms" "catch-up ms after the run"
row "rk-disk load_sync_ms" "rd-disk load_sync_ms" "full sync ms under $writes SET/s, disk"
row "rk-diskless load_sync_ms" "rd-diskless load_sync_ms" "  same, diskless"
row "rk-disk mem_base" "rd-disk mem_base" "primary used_memory before the sync"
row "rk-disk mem_peak" "rd-disk mem_peak" "peak used_memory in the sync, disk"
row "rk-diskless mem_peak" "rd-diskless mem_peak" "  same, diskless"
row "rk-disk mem_delta" "rd-disk mem_delta" "peak minus before, disk"
row "rk-diskless mem_delta" "rd-diskless mem_delta" "  same, diskless"
