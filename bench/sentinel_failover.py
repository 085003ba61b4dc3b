#!/usr/bin/python3
"""Failover under Redis Sentinel: replikv nodes beside redis-server nodes.

    /usr/bin/python3 bench/sentinel_failover.py [-r rounds] [-k keys]

Each round, for each kind (redis, then replikv, interleaved): a primary with
`keys` keys (default 20000, DEBUG POPULATE) and two replicas, all of that
kind, plus three real redis-sentinel processes (quorum 2,
down-after-milliseconds 1000, failover-timeout 3000; Sentinel's default
failover-timeout is 180 s, which would make a split vote cost 6 minutes) on
127.0.0.1, each in a temp dir. Once every sentinel knows both replicas and
the two other sentinels, a client writes SET b:<i> one at a time to the
primary; the primary is killed with SIGKILL; the client then asks a
sentinel (get-master-addr-by-name) every 10 ms and tries a SET on the node
named, until one succeeds on a node other than the old primary.

Reports per round, and median / worst per kind:
  switch_s    kill -> the first sentinel names the new primary
  writable_s  kill -> the first SET acknowledged by the new primary
  partial / full  sync_partial_ok / sync_full on the new primary once the
              other replica is linked to it (a good failover: 1 / 0)
Each round ends with the two remaining nodes at the same offset and the same
DEBUG DIGEST, or the script stops with the logs' tails.

REPLIKV_SERVER, REDIS_SERVER and REDIS_SENTINEL choose the binaries (as in
cluster-tests). About 15 s per round and kind on a 2-core VM.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "cluster-tests"))
import harness  # noqa: E402
import redis  # noqa: E402

MASTER = "m"
TIMEOUT_S = 60
NODE_ARGS = ["--repl-diskless-sync-delay", "0"]
SENTINEL_OPTIONS = [("down-after-milliseconds", 1000), ("failover-timeout", 3000)]


def in_sync(primary, *replicas):
    # Sentinel's CLIENT KILL TYPE normal may cut these connections.
    try:
        want = primary.client().info("replication")["master_repl_offset"]
        infos = [r.client().info("replication") for r in replicas]
    except redis.ConnectionError:
        return False
    return all(i.get("master_link_status") == "up" and i["master_repl_offset"] == want
               for i in infos)


def discovered(sentinels, replicas):
    want = sorted(str(r.port) for r in replicas)
    for s in sentinels:
        got = sorted(r["port"] for r in s.instances("replicas", MASTER) if r["flags"] == "slave")
        if got != want or len(s.instances("sentinels", MASTER)) != 2:
            return False
    return True


def ask(sentinels):
    for s in sentinels:
        try:
            return s.master_addr(MASTER)
        except (OSError, harness.ConnectionClosed):
            continue
    return None


def try_set(port, key):
    try:
        c = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1, socket_connect_timeout=1)
        try:
            return c.set(key, 1)
        finally:
            c.close()
    except redis.RedisError:
        return False


def one_round(kind, keys, base):
    nodes, sentinels = [], []
    try:
        for i in range(3):
            d = Path(tempfile.mkdtemp(prefix=f"{kind}-n{i}-", dir=base))
            conf = d / "node.conf"
            conf.write_text("")
            nodes.append(harness.ServerProcess(kind, d, NODE_ARGS, config_file=conf).start())
        primary, replicas = nodes[0], nodes[1:]
        primary.client().execute_command("DEBUG", "POPULATE", keys)
        for r in replicas:
            r.client().execute_command("REPLICAOF", "127.0.0.1", primary.port)
        harness.wait_for(lambda: in_sync(primary, *replicas), TIMEOUT_S, "initial sync")
        for i in range(3):
            d = Path(tempfile.mkdtemp(prefix=f"sentinel{i}-", dir=base))
            s = harness.SentinelProcess(d, [(MASTER, primary.port, 2)], {MASTER: SENTINEL_OPTIONS})
            sentinels.append(s.start())
        harness.wait_for(lambda: discovered(sentinels, replicas), TIMEOUT_S, "discovery")

        # The write load: one SET at a time on the primary, then the kill.
        pc = redis.Redis(host="127.0.0.1", port=primary.port, socket_timeout=5)
        for i in range(2000):
            pc.set(f"b:{i}", i)
        pc.close()
        old_port = primary.port
        t0 = time.monotonic()
        primary.proc.kill()
        switch_s = writable_s = None
        new_port = None
        deadline = t0 + TIMEOUT_S
        for _ in range(int(TIMEOUT_S / 0.01) + 1):
            if time.monotonic() > deadline:
                break
            port = ask(sentinels)
            if port is not None and port != old_port:
                if switch_s is None:
                    switch_s = time.monotonic() - t0
                if try_set(port, "b:after"):
                    writable_s = time.monotonic() - t0
                    new_port = port
                    break
            time.sleep(0.01)
        if writable_s is None:
            raise AssertionError("no writable new primary within the deadline")
        primary.proc.wait(timeout=10)
        new = next(n for n in replicas if n.port == new_port)
        other = next(n for n in replicas if n is not new)

        def linked():
            try:
                role = other.client().execute_command("ROLE")
            except redis.ConnectionError:
                return False
            return role[0] == b"slave" and int(role[2]) == new_port and role[3] == b"connected"

        harness.wait_for(linked, TIMEOUT_S, "the other replica to follow the new primary")
        harness.wait_for(lambda: in_sync(new, other), TIMEOUT_S, "the other replica in sync")
        stats = new.client().info("stats")
        d1 = new.client().execute_command("DEBUG", "DIGEST")
        d2 = other.client().execute_command("DEBUG", "DIGEST")
        if d1 != d2:
            raise AssertionError(f"digests differ after the failover: {d1} {d2}")
        return {"switch_s": switch_s, "writable_s": writable_s,
                "partial": stats["sync_partial_ok"], "full": stats["sync_full"]}
    except Exception:
        for p in nodes + sentinels:
            print(f"--- {p}\n{p.log_tail(20)}", file=sys.stderr)
        raise
    finally:
        for s in sentinels:
            s.stop()
        for n in nodes:
            n.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-r", "--rounds", type=int, default=5)
    ap.add_argument("-k", "--keys", type=int, default=20000)
    args = ap.parse_args()
    base = tempfile.mkdtemp(prefix="sentinel-bench-")
    results = {"redis": [], "replikv": []}
    try:
        for rnd in range(args.rounds):
            for kind in ("redis", "replikv"):
                r = one_round(kind, args.keys, base)
                results[kind].append(r)
                print(f"round {rnd + 1} {kind:8} switch {r['switch_s']:.3f} s  "
                      f"writable {r['writable_s']:.3f} s  partial {r['partial']} full {r['full']}",
                      flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"\n{'kind':8} {'rounds':>6} {'switch med':>10} {'worst':>7} {'writable med':>12} "
          f"{'worst':>7} {'partial':>8} {'full':>5}")
    for kind, rs in results.items():
        sw = [r["switch_s"] for r in rs]
        wr = [r["writable_s"] for r in rs]
        print(f"{kind:8} {len(rs):6} {statistics.median(sw):10.3f} {max(sw):7.3f} "
              f"{statistics.median(wr):12.3f} {max(wr):7.3f} "
              f"{sum(r['partial'] for r in rs):8} {sum(r['full'] for r in rs):5}")


if __name__ == "__main__":
    os.environ.setdefault("REPLIKV_SERVER", str(Path(__file__).resolve().parent.parent / "build" / "bin" / "replikv-server"))
    main()
