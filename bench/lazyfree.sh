#!/usr/bin/env bash
# The loop stall of freeing a big value, replikv and redis-server side by
# side: a set of N members (3M by default) is deleted with DEL (freed on the
# loop), UNLINK and FLUSHALL ASYNC (freed on a job thread), and a PING is
# sent in the same write right behind it. Prints the time until the PING's
# reply (what any other client would wait) and the replikv/redis ratios.
#   bench/lazyfree.sh [-n members] [-r rounds]
source "$(dirname "$0")/lib.sh"

members=3000000 rounds=3
while getopts "n:r:" opt; do
  case $opt in
    n) members=$OPTARG ;; r) rounds=$OPTARG ;;
    *) echo "usage: $0 [-n members] [-r rounds]" >&2; exit 2 ;;
  esac
done
bench_build

# fill PORT: SADD big with $members members, 1000 per command, through --pipe.
fill() {
  /usr/bin/python3 - "$members" <<'EOF' | redis-cli -p "$1" --pipe >/dev/null
import sys
n = int(sys.argv[1])
out = sys.stdout.buffer
for start in range(0, n, 1000):
    ms = [b"m:%d" % i for i in range(start, min(n, start + 1000))]
    parts = [b"*%d\r\n$4\r\nSADD\r\n$3\r\nbig\r\n" % (len(ms) + 2)]
    parts += [b"$%d\r\n%s\r\n" % (len(m), m) for m in ms]
    out.write(b"".join(parts))
EOF
}

# stall PORT COMMAND... -> microseconds from sending "COMMAND; PING" in one
# write until PING's +PONG arrives.
stall() {
  local port=$1; shift
  /usr/bin/python3 - "$port" "$@" <<'EOF'
import socket, sys, time
port, args = int(sys.argv[1]), sys.argv[2:]
cmd = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a.encode()) for a in args)
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(120)
buf = b""
t0 = time.perf_counter()
s.sendall(cmd + b"*1\r\n$4\r\nPING\r\n")
while b"+PONG\r\n" not in buf:
    chunk = s.recv(65536)
    if not chunk:
        sys.exit("connection closed")
    buf += chunk
print(int((time.perf_counter() - t0) * 1e6))
EOF
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# run_one NAME BIN -> "del_us unlink_us flushall_async_us"
run_one() {
  local name=$1 bin=$2 port out=()
  port=$(bench_free_port)
  bench_start "$name" "$bin" "$port"
  for how in "DEL big" "UNLINK big" "FLUSHALL ASYNC"; do
    fill "$port"
    [[ $(redis-cli -p "$port" scard big) == "$members" ]] || { echo "bench: fill failed" >&2; exit 1; }
    # shellcheck disable=SC2086
    out+=("$(stall "$port" $how)")
    # Let a background free finish before the next fill (bounded).
    for _ in $(seq 1 600); do
      [[ $(info_field "$port" lazyfree_pending_objects) == 0 ]] && break
      sleep 0.1
    done
  done
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  echo "${out[*]}"
}

declare -a kv_del kv_unlink kv_flush rd_del rd_unlink rd_flush
for r in $(seq 1 "$rounds"); do
  read -r a b c < <(run_one "replikv-$r" "$REPLIKV_BIN")
  read -r d e f < <(run_one "redis-$r" "$REDIS_BIN")
  echo "round $r (PING latency, us): replikv DEL $a UNLINK $b FLUSHALL-ASYNC $c | redis DEL $d UNLINK $e FLUSHALL-ASYNC $f"
  kv_del+=("$a"); kv_unlink+=("$b"); kv_flush+=("$c"); rd_del+=("$d"); rd_unlink+=("$e"); rd_flush+=("$f")
done
row() {  # row LABEL KV_VALUES... -- RD_VALUES...
  local label=$1 kv rd
  kv=$(printf '%s\n' $2 | median)
  rd=$(printf '%s\n' $3 | median)
  printf '%-16s replikv %9s us   redis %9s us   ratio %.2f\n' "$label" "$kv" "$rd" \
    "$(awk -v a="$kv" -v b="$rd" 'BEGIN {print (b > 0 ? a / b : 0)}')"
}
printf '\nPING right after deleting a %s-member set (median of %s):\n' "$members" "$rounds"
row "DEL" "${kv_del[*]}" "${rd_del[*]}"
row "UNLINK" "${kv_unlink[*]}" "${rd_unlink[*]}"
row "FLUSHALL ASYNC" "${kv_flush[*]}" "${rd_flush[*]}"
