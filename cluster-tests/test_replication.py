"""Replication between real processes on 127.0.0.1: full sync under writes,
partial resync after a cut link, chained replicas, restarts, promotion, WAIT,
read-only replicas, and interop with the real redis-server both ways.

Every test runs on a pair (or trio) of the target's servers: "redis" checks
the test against Redis 7.0 itself, "replikv" checks replikv. The interop
tests mix the target with the oracle. State is awaited with deadlines
(harness.wait_for), never slept on.
"""

import threading

import pytest

import harness
from proxy import FaultProxy

SYNC_TIMEOUT_S = 60
# Redis's diskless sync waits 5 s for more replicas by default; the tests
# want the sync now. replikv accepts the directive.
REPL_ARGS = ["--repl-diskless-sync-delay", "0"]


def info(c, section="replication"):
    return c.info(section)


def offsets_equal(primary, *replicas):
    want = info(primary)["master_repl_offset"]
    return all(info(r).get("master_link_status") == "up" and
               info(r)["master_repl_offset"] == want for r in replicas)


def wait_in_sync(primary, *replicas, timeout_s=SYNC_TIMEOUT_S):
    harness.wait_for(lambda: offsets_equal(primary, *replicas), timeout_s,
                     "replicas at the primary's offset")


def assert_one_partial_resync(before, after):
    """INFO stats of the primary before and after: one PSYNC accepted, no
    new full sync."""
    assert after["sync_partial_ok"] == before["sync_partial_ok"] + 1
    assert after["sync_full"] == before["sync_full"]


def digest(c):
    return c.execute_command("DEBUG", "DIGEST")


def fill(c, n, prefix="k"):
    p = c.pipeline(transaction=False)
    for i in range(n):
        p.set(f"{prefix}:s:{i}", f"v{i}")
        if i % 4 == 0:
            p.hset(f"{prefix}:h:{i % 50}", f"f{i}", i)
            p.rpush(f"{prefix}:l:{i % 30}", i)
            p.sadd(f"{prefix}:set:{i % 20}", i)
            p.zadd(f"{prefix}:z:{i % 10}", {f"m{i}": i})
    p.execute()


class Writer:
    """Writes in a background thread until stop(); bounded in count."""

    def __init__(self, server, prefix="w", limit=200_000):
        self.c = server.client()
        self.prefix = prefix
        self.limit = limit
        self.count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set() and self.count < self.limit:
            i = self.count
            p = self.c.pipeline(transaction=False)
            p.set(f"{self.prefix}:{i}", i)
            p.incr(f"{self.prefix}:counter")
            p.execute()
            self.count += 1

    def __enter__(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=30)

    def __exit__(self, *exc):
        self.stop()


@pytest.fixture
def node(server_factory):
    """node(extra_args) starts a server of the target kind set up for
    replication tests."""
    def make(extra_args=()):
        return server_factory(extra_args=REPL_ARGS + list(extra_args))
    return make


def attach(replica, primary_port):
    rc = replica.client()
    assert rc.execute_command("REPLICAOF", "127.0.0.1", primary_port) in (b"OK", b"OK Already connected to specified master")
    return rc


def test_full_sync_under_writes_reaches_equal_digests(node):
    primary = node()
    pc = primary.client()
    fill(pc, 3000)
    replicas = [node(), node()]
    rcs = []
    with Writer(primary) as w:
        for r in replicas:
            rcs.append(attach(r, primary.port))
        harness.wait_for(lambda: all(info(rc)["master_link_status"] == "up" for rc in rcs),
                         SYNC_TIMEOUT_S, "replicas linked")
        harness.wait_for(lambda: w.count > 200, 30, "writes during the sync")
    wait_in_sync(pc, *rcs)
    d = digest(pc)
    assert d != b"0" * 40
    for rc in rcs:
        assert digest(rc) == d
        assert rc.get(b"w:counter") == pc.get(b"w:counter")
    assert info(pc)["connected_slaves"] == 2
    assert info(pc, "stats")["sync_full"] == 2


def test_writes_in_other_dbs_reach_the_replica(node):
    primary = node()
    pc = primary.client()
    pc.execute_command("SELECT", 5)
    pc.set("before", 1)
    replica = node()
    rc = attach(replica, primary.port)
    wait_in_sync(pc, rc)
    # After the snapshot the stream must SELECT again before its first write.
    pc.set("after", 2)
    pc.execute_command("SELECT", 0)
    pc.set("zero", 0)
    wait_in_sync(pc, rc)
    rc.execute_command("SELECT", 5)
    assert rc.get("before") == b"1" and rc.get("after") == b"2"
    rc.execute_command("SELECT", 0)
    assert rc.get("zero") == b"0"


def test_replica_refuses_writes_and_reports_its_role(node):
    primary = node()
    replica = node()
    rc = attach(replica, primary.port)
    wait_in_sync(primary.client(), rc)
    with pytest.raises(Exception) as e:
        rc.set("x", 1)
    assert str(e.value) == "You can't write against a read only replica."
    role = rc.execute_command("ROLE")
    assert role[0] == b"slave" and role[1] == b"127.0.0.1" and role[2] == primary.port
    assert role[3] == b"connected"
    prole = primary.client().execute_command("ROLE")
    assert prole[0] == b"master"
    harness.wait_for(lambda: len(primary.client().execute_command("ROLE")[2]) == 1, 10, "replica in ROLE")
    entry = primary.client().execute_command("ROLE")[2][0]
    assert entry[0] == b"127.0.0.1" and int(entry[1]) == replica.port


def test_partial_resync_after_the_link_is_cut(node):
    primary = node()
    pc = primary.client()
    fill(pc, 500)
    replica = node()
    with FaultProxy(primary.port) as proxy:
        rc = attach(replica, proxy.port)
        wait_in_sync(pc, rc)
        before = info(pc, "stats")
        proxy.pause()
        fill(pc, 200, prefix="during")
        proxy.cut()
        proxy.resume()
        wait_in_sync(pc, rc)
        after = info(pc, "stats")
    assert_one_partial_resync(before, after)
    assert digest(rc) == digest(pc)


def test_full_sync_when_the_backlog_no_longer_covers_the_gap(node):
    primary = node(["--repl-backlog-size", "16kb"])
    pc = primary.client()
    replica = node()
    with FaultProxy(primary.port) as proxy:
        rc = attach(replica, proxy.port)
        wait_in_sync(pc, rc)
        before = info(pc, "stats")
        proxy.pause()
        pc.set("big", "x" * 200_000)
        proxy.cut()
        proxy.resume()
        harness.wait_for(lambda: info(pc, "stats")["sync_full"] == before["sync_full"] + 1,
                         SYNC_TIMEOUT_S, "a new full sync")
        wait_in_sync(pc, rc)
    assert info(pc, "stats")["sync_partial_err"] >= before["sync_partial_err"] + 1
    assert rc.strlen("big") == 200_000
    assert digest(rc) == digest(pc)


def test_chained_replicas_keep_identical_offsets(node):
    a, b, c = node(), node(), node()
    ac = a.client()
    fill(ac, 300)
    bc = attach(b, a.port)
    wait_in_sync(ac, bc)
    cc = attach(c, b.port)
    fill(ac, 300, prefix="later")
    ac.publish("chan", "hello")
    wait_in_sync(ac, bc, cc)
    ids = {info(x)["master_replid"] for x in (ac, bc, cc)}
    assert len(ids) == 1
    assert digest(cc) == digest(bc) == digest(ac)


def test_replica_restart_continues_with_psync(node):
    primary = node()
    pc = primary.client()
    fill(pc, 300)
    replica = node()
    rc = attach(replica, primary.port)
    wait_in_sync(pc, rc)
    # A clean shutdown saves the RDB with the replication id and offset.
    try:
        rc.execute_command("SHUTDOWN", "SAVE")
    except Exception:
        pass
    replica.wait_exit(30)
    fill(pc, 100, prefix="while-down")
    before = info(pc, "stats")
    replica.extra_args += ["--replicaof", "127.0.0.1", str(primary.port)]
    replica.start()
    rc = replica.client()
    wait_in_sync(pc, rc)
    after = info(pc, "stats")
    assert_one_partial_resync(before, after)
    assert digest(rc) == digest(pc)


def test_promoted_replica_serves_the_others_with_continue(node):
    a, b, c = node(), node(), node()
    ac = a.client()
    fill(ac, 300)
    bc, cc = attach(b, a.port), attach(c, a.port)
    wait_in_sync(ac, bc, cc)
    old_id = info(bc)["master_replid"]
    assert bc.execute_command("REPLICAOF", "NO", "ONE") == b"OK"
    binfo = info(bc)
    assert binfo["role"] == "master"
    assert binfo["master_replid2"] == old_id
    assert binfo["second_repl_offset"] == binfo["master_repl_offset"] + 1
    attach(c, b.port)
    bc.set("after-promotion", 1)
    wait_in_sync(bc, cc)
    stats = info(bc, "stats")
    assert stats["sync_partial_ok"] == 1 and stats["sync_full"] == 0
    assert cc.get("after-promotion") == b"1"
    assert digest(cc) == digest(bc)


def test_wait_counts_replicas_that_acknowledged(node):
    primary = node()
    pc = primary.client()
    replica = node()
    rc = attach(replica, primary.port)
    wait_in_sync(pc, rc)
    pc.set("k", "v")
    assert pc.execute_command("WAIT", 1, 5000) == 1
    # Two replicas asked for, one exists: the timeout answers with 1.
    pc.set("k2", "v")
    assert pc.execute_command("WAIT", 2, 200) == 1
    with pytest.raises(Exception) as e:
        pc.execute_command("WAIT", 1, -1)
    assert "timeout is negative" in str(e.value)


def test_min_replicas_to_write_refuses_without_replicas(node):
    primary = node(["--min-replicas-to-write", "1", "--min-replicas-max-lag", "10"])
    pc = primary.client()
    with pytest.raises(Exception) as e:
        pc.set("k", "v")
    assert str(e.value) == "NOREPLICAS Not enough good replicas to write."
    replica = node()
    rc = attach(replica, primary.port)
    wait_in_sync(pc, rc)
    harness.wait_for(lambda: info(pc).get("min_slaves_good_slaves") == 1, 10, "a good replica")
    assert pc.set("k", "v")
    # Redis 7.0 prints the count between connected_slaves and slave0.
    with primary.raw() as raw:
        text = raw.command("INFO", "replication").decode()
    names = [line.split(":", 1)[0] for line in text.split("\r\n")]
    i = names.index("connected_slaves")
    assert names[i + 1:i + 3] == ["min_slaves_good_slaves", "slave0"]


def test_expired_keys_leave_the_replica_through_the_primary(node):
    primary = node()
    pc = primary.client()
    replica = node()
    rc = attach(replica, primary.port)
    wait_in_sync(pc, rc)
    # Long enough that a loaded machine still reads it before it expires;
    # the replica's copy keeps its absolute expiry time.
    pc.set("short", "v", px=2000)
    wait_in_sync(pc, rc)
    if pc.pttl("short") > 200:  # not yet expired on the primary: the replica has it too
        assert rc.get("short") == b"v"
    # Once the TTL passed the replica hides the key; the primary's DEL
    # (active expiry or a read) removes it.
    harness.wait_for(lambda: rc.get("short") is None, 20, "the key hidden on the replica")
    pc.get("short")
    wait_in_sync(pc, rc)
    assert rc.execute_command("DBSIZE") == 0


def test_publish_reaches_subscribers_of_a_replica(node):
    primary = node()
    replica = node()
    rc = attach(replica, primary.port)
    wait_in_sync(primary.client(), rc)
    sub = replica.client().pubsub()
    sub.subscribe("news")
    harness.wait_for(lambda: sub.get_message(timeout=0.1) is not None, 10, "subscribed")
    primary.client().publish("news", "hello")
    msg = None
    for _ in range(100):
        msg = sub.get_message(timeout=0.1)
        if msg is not None:
            break
    assert msg is not None and msg["data"] == b"hello"
    sub.close()


def test_publish_on_a_replica_stays_out_of_its_stream(node):
    # Sentinel publishes its hello on replicas. The replica's offset must
    # stay its primary's, or a PSYNC to a promoted sibling is refused later.
    primary = node()
    replica = node()
    pc = primary.client()
    rc = attach(replica, primary.port)
    wait_in_sync(pc, rc)
    for i in range(20):
        assert rc.publish("__sentinel__:hello", f"hello {i}") == 0
    pc.set("after", 1)
    wait_in_sync(pc, rc)
    assert info(rc)["master_repl_offset"] == info(pc)["master_repl_offset"]


def test_link_down_since_counts_from_a_lost_link_only(node):
    # Sentinel reads master_link_down_since_seconds to rule replicas out of
    # a promotion. Redis 7.0 says -1 until a link that was up is lost, and
    # again after REPLICAOF NO ONE.
    def down_since(c):
        return int(info(c)["master_link_down_since_seconds"])

    primary = node()
    replica = node()
    rc = replica.client()
    rc.execute_command("REPLICAOF", "127.0.0.1", harness.pick_free_port())
    assert down_since(rc) == -1
    attach(replica, primary.port)
    wait_in_sync(primary.client(), rc)
    primary.stop()
    harness.wait_for(lambda: info(rc)["master_link_status"] == "down", 10, "link down")
    assert down_since(rc) >= 0
    rc.execute_command("REPLICAOF", "NO", "ONE")
    rc.execute_command("REPLICAOF", "127.0.0.1", harness.pick_free_port())
    assert down_since(rc) == -1


def test_becoming_a_replica_fails_blocked_clients(node):
    # Sentinel demotes a returning primary with SLAVEOF: its BLPOP and WAIT
    # clients get Redis 7.0's -UNBLOCKED and are disconnected.
    primary = node()
    other = node()
    blpop, wait = primary.raw(), primary.raw()
    blpop.send(harness.encode_command("BLPOP", "list", "0"))
    wait.send(harness.encode_command("WAIT", "1", "0"))
    with primary.raw() as c:
        harness.wait_blocked(c, 2)
        assert c.command("REPLICAOF", "127.0.0.1", other.port) == "OK"
    for blocked in (blpop, wait):
        assert blocked.read_reply() == harness.RespError(
            "UNBLOCKED force unblock from blocking operation, "
            "instance state changed (master -> replica?)")
        blocked.read_until_closed()
        blocked.close()


def test_replica_announces_what_sentinel_reads(node):
    # Sentinel finds replicas in the primary's slaveN lines and reads each
    # replica's slave_priority and replica_announced.
    primary = node()
    replica = node(["--replica-announce-ip", "10.1.2.3", "--replica-announce-port", "7777",
                    "--slave-priority", "7", "--replica-announced", "no"])
    pc = primary.client()
    rc = attach(replica, primary.port)
    wait_in_sync(pc, rc)
    slave0 = info(pc)["slave0"]
    assert (slave0["ip"], slave0["port"]) == ("10.1.2.3", 7777)
    role = pc.execute_command("ROLE")
    assert [x[:2] for x in role[2]] == [[b"10.1.2.3", b"7777"]]
    ri = info(rc)
    assert (ri["slave_priority"], ri["replica_announced"]) == (7, 0)
    assert rc.config_get("replica-priority") == {"replica-priority": "7"}
    rc.config_set("slave-priority", 0)
    rc.config_set("replica-announced", "yes")
    ri = info(rc)
    assert (ri["slave_priority"], ri["replica_announced"]) == (0, 1)


def test_interop_oracle_replica_follows_the_target(node, oracle_factory):
    primary = node()
    pc = primary.client()
    fill(pc, 500)
    oracle = oracle_factory(extra_args=REPL_ARGS)
    oc = attach(oracle, primary.port)
    wait_in_sync(pc, oc)
    fill(pc, 200, prefix="streamed")
    wait_in_sync(pc, oc)
    assert digest(oc) == digest(pc)


def test_interop_target_replica_follows_the_oracle(node, oracle_factory):
    oracle = oracle_factory(extra_args=REPL_ARGS)
    oc = oracle.client()
    fill(oc, 500)
    replica = node()
    with FaultProxy(oracle.port) as proxy:
        rc = attach(replica, proxy.port)
        wait_in_sync(oc, rc)
        fill(oc, 200, prefix="streamed")
        wait_in_sync(oc, rc)
        assert digest(rc) == digest(oc)
        before = info(oc, "stats")
        proxy.cut()
        fill(oc, 50, prefix="after-cut")
        wait_in_sync(oc, rc)
        assert info(oc, "stats")["sync_partial_ok"] == before["sync_partial_ok"] + 1
    assert digest(rc) == digest(oc)


def test_killing_the_master_client_reconnects_with_psync(node):
    primary = node()
    pc = primary.client()
    fill(pc, 200)
    replica = node()
    rc = attach(replica, primary.port)
    wait_in_sync(pc, rc)
    flags = [line for line in rc.execute_command("CLIENT", "LIST", "TYPE", "master").decode().splitlines() if line]
    assert len(flags) == 1 and "flags=M" in flags[0]
    before = info(pc, "stats")
    assert rc.execute_command("CLIENT", "KILL", "TYPE", "master") == 1
    pc.set("after-kill", 1)
    wait_in_sync(pc, rc)
    assert rc.get("after-kill") == b"1"
    after = info(pc, "stats")
    assert_one_partial_resync(before, after)
    assert digest(rc) == digest(pc)
