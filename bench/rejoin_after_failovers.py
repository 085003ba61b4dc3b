#!/usr/bin/python3
"""The first primary rejoins after two failovers: replikv beside redis-server.

    /usr/bin/python3 bench/rejoin_after_failovers.py [-r rounds] [-k keys] [--aof]

Each round, for each kind (redis, then replikv): three nodes of that kind on
127.0.0.1. A holds `keys` keys (DEBUG POPULATE, 100-byte values); B and C
replicate it. A stops cleanly (SHUTDOWN SAVE; with --aof, AOF only and
SHUTDOWN NOSAVE). B is promoted and C follows it; 1,000 writes; C is
promoted and B follows it; 1,000 writes. Then A starts again as a replica of
C, and the script times A's start until it is at C's offset.

Reports per round and median per kind:
  rejoin_s   A's start -> in sync with C (load of A's own file included)
  sync       "partial" or "full": what C served (sync_partial_ok / sync_full)
  sent_mb    bytes C wrote to A's link (total_net_repl_output_bytes delta)
Redis 7.0 remembers one previous id (B's), not A's, so it full-syncs A;
with the AOF alone Redis has no id at all. replikv's timeline and
node-state file let A continue. Every round ends with equal DEBUG DIGESTs.

REPLIKV_SERVER and REDIS_SERVER choose the binaries (as in cluster-tests).
"""

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "cluster-tests"))
import harness  # noqa: E402

TIMEOUT_S = 120
NODE_ARGS = ["--repl-diskless-sync-delay", "0", "--repl-backlog-size", "64mb"]


def info(node, section="replication"):
    return node.client().info(section)


def wait_in_sync(primary, *replicas):
    def ok():
        want = info(primary)["master_repl_offset"]
        return all(info(r).get("master_link_status") == "up" and
                   info(r)["master_repl_offset"] == want for r in replicas)
    harness.wait_for(ok, TIMEOUT_S, "replicas in sync")


def write(node, prefix):
    p = node.client().pipeline(transaction=False)
    for i in range(1000):
        p.set(f"{prefix}:{i}", "x" * 100)
    p.execute()


def round_for(kind, keys, aof, tmp):
    args = NODE_ARGS + (["--appendonly", "yes"] if aof else [])
    a, b, c = (harness.ServerProcess(kind, tmp / f"{kind}-{n}", extra_args=args) for n in "abc")
    try:
        for n in (a, b, c):
            n.start()
        a.client().execute_command("DEBUG", "POPULATE", keys, "key", 100)
        for r in (b, c):
            r.client().execute_command("REPLICAOF", "127.0.0.1", a.port)
        wait_in_sync(a, b, c)
        try:
            a.client().execute_command("SHUTDOWN", "NOSAVE" if aof else "SAVE")
        except Exception:
            pass
        a.wait_exit(60)
        for new, other, prefix in ((b, c, "b"), (c, b, "c")):
            new.client().execute_command("REPLICAOF", "NO", "ONE")
            other.client().execute_command("REPLICAOF", "127.0.0.1", new.port)
            write(new, prefix)
            wait_in_sync(new, other)
        before_stats, before_net = info(c, "stats"), info(c, "stats")["total_net_repl_output_bytes"]
        a.extra_args += ["--replicaof", "127.0.0.1", str(c.port)]
        start = time.monotonic()
        a.start(ready_timeout_s=TIMEOUT_S)
        wait_in_sync(c, a, b)
        rejoin_s = time.monotonic() - start
        after = info(c, "stats")
        partial = after["sync_partial_ok"] - before_stats["sync_partial_ok"]
        full = after["sync_full"] - before_stats["sync_full"]
        digests = {n.client().execute_command("DEBUG", "DIGEST") for n in (a, b, c)}
        if len(digests) != 1:
            raise SystemExit(f"{kind}: digests differ after the rejoin")
        sent_mb = (after["total_net_repl_output_bytes"] - before_net) / 1e6
        return rejoin_s, "partial" if (partial, full) == (1, 0) else f"full({full})", sent_mb
    finally:
        for n in (a, b, c):
            n.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-r", "--rounds", type=int, default=3)
    ap.add_argument("-k", "--keys", type=int, default=500_000)
    ap.add_argument("--aof", action="store_true", help="AOF only, no RDB")
    opts = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="replikv-rejoin-"))
    results = {"redis": [], "replikv": []}
    try:
        for rnd in range(opts.rounds):
            for kind in ("redis", "replikv"):
                rt = round_for(kind, opts.keys, opts.aof, tmp / f"r{rnd}")
                results[kind].append(rt)
                print(f"round {rnd + 1} {kind:8} rejoin {rt[0]:6.2f} s  {rt[1]:8}  sent {rt[2]:8.2f} MB", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\n{'kind':8} {'rejoin_s median':>16} {'syncs':>20} {'sent MB median':>15}")
    for kind, rs in results.items():
        syncs = ",".join(sorted({r[1] for r in rs}))
        print(f"{kind:8} {statistics.median(r[0] for r in rs):16.2f} {syncs:>20} "
              f"{statistics.median(r[2] for r in rs):15.2f}")
    rk, rd = (statistics.median(r[0] for r in results[k]) for k in ("replikv", "redis"))
    print(f"rejoin time ratio replikv/redis: {rk / rd:.2f}")


if __name__ == "__main__":
    main()
