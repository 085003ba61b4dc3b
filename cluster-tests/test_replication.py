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


class Writer(harness.BackgroundWork):
    """Writes in a background thread until stop(); bounded in count."""

    def __init__(self, server, prefix="w", limit=200_000):
        self.c = server.client()
        self.prefix = prefix
        self.limit = limit
        self.count = 0
        super().__init__()

    def _run(self):
        while not self._stop.is_set() and self.count < self.limit:
            i = self.count
            p = self.c.pipeline(transaction=False)
            p.set(f"{self.prefix}:{i}", i)
            p.incr(f"{self.prefix}:counter")
            p.execute()
            self.count += 1


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


SYNC_MODES = {"disk": ["--repl-diskless-sync", "no"],
              "diskless": ["--repl-diskless-sync", "yes"]}


@pytest.mark.parametrize("mode", sorted(SYNC_MODES))
@pytest.mark.parametrize("n_replicas", [1, 3])
def test_full_sync_under_writes_reaches_equal_digests(node, mode, n_replicas):
    primary = node(SYNC_MODES[mode])
    pc = primary.client()
    fill(pc, 3000)
    replicas = [node() for _ in range(n_replicas)]
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
    assert info(pc)["connected_slaves"] == n_replicas
    assert info(pc, "stats")["sync_full"] == n_replicas
    target = "replicas sockets" if mode == "diskless" else "disk"
    assert f"Starting BGSAVE for SYNC with target: {target}" in primary.log_text()


def test_diskless_sync_serves_every_waiting_replica_with_one_child(node):
    # A long delay, cut short by max-replicas: both replicas get one child.
    primary = node(["--repl-diskless-sync-delay", "60", "--repl-diskless-sync-max-replicas", "2"])
    pc = primary.client()
    fill(pc, 1000)
    forks = info(pc, "stats")["total_forks"]
    rcs = [attach(node(), primary.port) for _ in range(2)]
    wait_in_sync(pc, *rcs)
    assert info(pc, "stats")["total_forks"] == forks + 1
    assert info(pc, "stats")["sync_full"] == 2
    assert all(digest(rc) == digest(pc) for rc in rcs)


def test_diskless_delay_holds_the_sync_back(node):
    primary = node(["--repl-diskless-sync-delay", "2"])
    pc = primary.client()
    pc.set("k", "v")
    rc = attach(node(), primary.port)
    # Held back: no child within the first moment, then the sync happens.
    assert info(pc, "persistence")["rdb_bgsave_in_progress"] == 0
    assert info(rc)["master_link_status"] == "down"
    wait_in_sync(pc, rc)
    assert "Delay next BGSAVE for diskless SYNC" in primary.log_text()
    assert rc.get("k") == b"v"


def test_diskless_transfer_goes_on_when_one_replica_dies_and_stops_when_all_do(node):
    # A slow child (rdb-key-save-delay) keeps the transfer running while
    # replicas are killed.
    primary = node(["--rdb-key-save-delay", "200"])
    pc = primary.client()
    fill(pc, 2000)
    doomed, survivor = node(), node()
    attach(doomed, primary.port)
    sc = attach(survivor, primary.port)
    harness.wait_for(lambda: info(pc, "persistence")["rdb_bgsave_in_progress"] == 1,
                     SYNC_TIMEOUT_S, "the diskless transfer running")
    doomed.kill()
    pc.config_set("rdb-key-save-delay", 0)  # the running child keeps its pace
    wait_in_sync(pc, sc, timeout_s=120)
    assert digest(sc) == digest(pc)
    # Now every target of a new transfer dies: the child is killed.
    pc.config_set("rdb-key-save-delay", 200)
    lone = node()
    attach(lone, primary.port)
    harness.wait_for(lambda: info(pc, "persistence")["rdb_bgsave_in_progress"] == 1,
                     SYNC_TIMEOUT_S, "a second transfer running")
    lone.kill()
    harness.wait_for(lambda: info(pc, "persistence")["rdb_bgsave_in_progress"] == 0,
                     SYNC_TIMEOUT_S, "the transfer's child gone with its last replica")
    pc.set("still", "serving")
    assert pc.get("still") == b"serving"


def test_cut_mid_rdb_transfer_then_a_full_sync_completes(node):
    primary = node(["--rdb-key-save-delay", "100"])
    pc = primary.client()
    fill(pc, 2000)
    replica = node()
    with FaultProxy(primary.port) as proxy:
        rc = attach(replica, proxy.port)
        harness.wait_for(lambda: info(rc).get("master_sync_in_progress") == 1,
                         SYNC_TIMEOUT_S, "the replica receiving the RDB")
        before = info(pc, "stats")["sync_full"]
        pc.config_set("rdb-key-save-delay", 0)
        proxy.cut()
        wait_in_sync(pc, rc, timeout_s=120)
        assert info(pc, "stats")["sync_full"] >= before + 1
    assert digest(rc) == digest(pc)


def test_a_slow_replica_is_dropped_by_the_output_limit_and_recovers(node):
    primary = node(["--client-output-buffer-limit", "replica 1mb 0 0",
                    "--repl-backlog-size", "1mb"])
    pc = primary.client()
    replica = node()
    with FaultProxy(primary.port) as proxy:
        rc = attach(replica, proxy.port)
        wait_in_sync(pc, rc)
        proxy.pause()
        value = "x" * 100_000
        # Far more than the limit plus what the sockets can hold.
        for i in range(200):
            pc.set(f"big:{i}", value)
        harness.wait_for(lambda: info(pc)["connected_slaves"] == 0, SYNC_TIMEOUT_S,
                         "the slow replica dropped")
        assert "for overcoming of output buffer limits" in primary.log_text()
        proxy.cut()
        proxy.resume()
        wait_in_sync(pc, rc)
    assert digest(rc) == digest(pc)


def test_replicas_share_one_copy_of_the_stream(node):
    """Three stalled replicas hold about what one does: the pending stream
    is one copy shared by every replica, not one per replica."""
    held = {}
    for n in (1, 3):
        primary = node(["--repl-backlog-size", "1mb"])
        pc = primary.client()
        proxies = [FaultProxy(primary.port) for _ in range(n)]
        try:
            rcs = [attach(node(), p.port) for p in proxies]
            wait_in_sync(pc, *rcs)
            for p in proxies:
                p.pause()
            value = "y" * 50_000
            for i in range(400):  # 20 MB: beyond what the sockets hold
                pc.set(f"v:{i}", value)
            harness.wait_for(lambda: info(pc, "memory")["mem_clients_slaves"] > 8 << 20,
                             30, "the stream pending for the stalled replicas")
            held[n] = info(pc, "memory")["mem_clients_slaves"]
        finally:
            for p in proxies:
                p.close()
    assert held[3] < held[1] * 1.5, held


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


def test_partial_resync_goes_on_in_the_db_the_stream_selected(node):
    # The primary's stream selected db 5 before the cut and sends no new
    # SELECT after it: the continued stream must still apply in db 5.
    primary = node()
    pc = primary.client()
    replica = node()
    with FaultProxy(primary.port) as proxy:
        rc = attach(replica, proxy.port)
        wait_in_sync(pc, rc)
        p5 = primary.client(db=5)
        p5.set("before", 1)
        wait_in_sync(pc, rc)
        before = info(pc, "stats")
        proxy.pause()
        p5.set("during", 2)
        proxy.cut()
        proxy.resume()
        wait_in_sync(pc, rc)
        after = info(pc, "stats")
    assert_one_partial_resync(before, after)
    r5 = replica.client(db=5)
    assert sorted(r5.keys("*")) == [b"before", b"during"]
    assert rc.dbsize() == 0
    assert digest(rc) == digest(pc)


def test_replica_restart_goes_on_in_the_db_its_rdb_names(node):
    primary = node()
    pc = primary.client()
    replica = node()
    rc = attach(replica, primary.port)
    # Synced first, so the SELECT 3 below is in the stream after the full
    # sync, and nothing repeats it after the restart.
    wait_in_sync(pc, rc)
    p3 = primary.client(db=3)
    p3.set("a", 1)
    wait_in_sync(pc, rc)
    try:
        rc.execute_command("SHUTDOWN", "SAVE")
    except Exception:
        pass
    replica.wait_exit(30)
    p3.set("b", 2)  # no SELECT: the stream is still in db 3
    before = info(pc, "stats")
    replica.extra_args += ["--replicaof", "127.0.0.1", str(primary.port)]
    replica.start()
    rc = replica.client()
    wait_in_sync(pc, rc)
    assert_one_partial_resync(before, info(pc, "stats"))
    assert sorted(replica.client(db=3).keys("*")) == [b"a", b"b"]
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
    # After a diskless transfer the primary lists the replica as online (in
    # ROLE) only once its first ACK arrived, which may follow the replica's
    # own "link up".
    harness.wait_for(lambda: info(pc)["slave0"]["state"] == "online", SYNC_TIMEOUT_S,
                     "the primary to see its replica online")
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


class WriterUntilItFails(harness.BackgroundWork):
    """Writes SET w:<i> one at a time until stop() or the first error (the
    server was killed); bounded in count."""

    def __init__(self, server, limit=200_000):
        self.c = server.client(socket_timeout=5)
        self.limit = limit
        self.count = 0
        super().__init__()

    def _run(self):
        while not self._stop.is_set() and self.count < self.limit:
            try:
                self.c.set(f"w:{self.count}", self.count)
            except Exception:
                return
            self.count += 1


@pytest.mark.parametrize("promoted", ["target", "oracle"])
def test_interop_promotion_after_writes_continues_across_kinds(node, oracle_factory, promoted):
    # The primary dies after a burst of writes both replicas received; one
    # is promoted and the other re-pointed to it: +CONTINUE, no full sync,
    # even when one is a redis-server and the other the target.
    kinds = {"target": node, "oracle": lambda: oracle_factory(extra_args=REPL_ARGS)}
    other = "oracle" if promoted == "target" else "target"
    a, b, c = kinds[other](), kinds[promoted](), kinds[other]()
    ac = a.client()
    fill(ac, 300)
    bc, cc = attach(b, a.port), attach(c, a.port)
    wait_in_sync(ac, bc, cc)
    with WriterUntilItFails(a) as w:
        harness.wait_for(lambda: w.count > 500, SYNC_TIMEOUT_S, "writes on the primary")
    wait_in_sync(ac, bc, cc)
    a.kill()
    assert bc.execute_command("REPLICAOF", "NO", "ONE") == b"OK"
    attach(c, b.port)
    bc.set("after-promotion", 1)
    wait_in_sync(bc, cc)
    stats = info(bc, "stats")
    assert (stats["sync_partial_ok"], stats["sync_full"]) == (1, 0)
    assert cc.get("after-promotion") == b"1"
    assert digest(cc) == digest(bc)


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


# ---- repl-diskless-load ------------------------------------------------------

@pytest.mark.parametrize("load", ["on-empty-db", "swapdb"])
@pytest.mark.parametrize("mode", sorted(SYNC_MODES))
def test_diskless_load_parses_the_rdb_from_the_socket(node, mode, load):
    primary = node(SYNC_MODES[mode])
    pc = primary.client()
    fill(pc, 3000)
    replica = node(["--repl-diskless-load", load])
    with Writer(primary) as w:
        rc = attach(replica, primary.port)
        harness.wait_for(lambda: info(rc)["master_link_status"] == "up", SYNC_TIMEOUT_S, "linked")
        harness.wait_for(lambda: w.count > 100, 30, "writes during the sync")
    wait_in_sync(pc, rc)
    assert digest(rc) == digest(pc)
    assert "to parser" in replica.log_text()


def test_swapdb_serves_the_old_data_while_loading_the_same_history(node):
    """A full sync of the history the replica already follows (its backlog
    gap too big for a PSYNC) loads beside the old data, which keeps serving
    reads (async_loading), and swaps at the end."""
    primary = node(["--repl-backlog-size", "16kb"])
    pc = primary.client()
    fill(pc, 2000)
    # Both servers serve clients between chunks of a load of this many bytes.
    replica = node(["--repl-diskless-load", "swapdb", "--loading-process-events-interval-bytes", "1024"])
    with FaultProxy(primary.port) as proxy:
        rc = attach(replica, proxy.port)
        wait_in_sync(pc, rc)
        rc.config_set("key-load-delay", 500)  # about a second per 2000 keys
        proxy.pause()
        pc.set("big", "x" * 200_000)  # past the backlog: a full sync follows
        proxy.cut()
        proxy.resume()
        harness.wait_for(lambda: info(rc, "persistence")["async_loading"] == 1,
                         SYNC_TIMEOUT_S, "the replica loading beside its old data")
        assert rc.get("k:s:7") == b"v7"  # served from the old data
        assert info(rc, "persistence")["loading"] == 0
        rc.config_set("key-load-delay", 0)
        wait_in_sync(pc, rc)
    assert rc.strlen("big") == 200_000
    assert digest(rc) == digest(pc)


class FakePrimary:
    """A primary that completes the handshake and then sends `payload` as
    its full sync (garbage, a broken RDB, a wrong end mark...)."""

    def __init__(self, payload, max_syncs):
        import socket
        self.payload = payload
        self.max_syncs = max_syncs
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.syncs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        import socket
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    self._handshake(conn)
                except OSError:
                    pass
            if self.syncs >= self.max_syncs:
                self.sock.close()  # later connections are refused
                return

    def _handshake(self, conn):
        buf = b""
        # Bounded: the handshake is a handful of commands.
        for _ in range(20):
            while (taken := harness.take_command(buf)) is None:
                data = conn.recv(4096)
                if not data:
                    return
                buf += data
            cmd, buf = taken
            name = cmd[0].upper()
            if name == b"PING":
                conn.sendall(b"+PONG\r\n")
            elif name == b"REPLCONF":
                conn.sendall(b"+OK\r\n")
            elif name in (b"PSYNC", b"SYNC"):
                self.syncs += 1
                conn.sendall(b"+FULLRESYNC " + b"f" * 40 + b" 0\r\n" + self.payload)
                return

    def close(self):
        self._stop.set()
        try:
            self.sock.close()
        except OSError:
            pass
        self._thread.join(timeout=10)


BAD_TRANSFERS = {
    "garbage": b"$EOF:" + b"a" * 40 + b"\r\n" + b"this is not an rdb file at all" + b"a" * 40,
    "truncated": b"$EOF:" + b"b" * 40 + b"\r\nREDIS0010\xfa\x09redis-ver",
    "oversized-length": b"$EOF:" + b"c" * 40 + b"\r\nREDIS0010\xfe\x00\x00\x81\xff\xff\xff\xff\xff\xff\xff\xff",
    "sized-garbage": b"$20\r\nREDIS0010garbagegarb",
}


@pytest.mark.parametrize("load", ["disabled", "on-empty-db", "swapdb"])
@pytest.mark.parametrize("bad", sorted(BAD_TRANSFERS))
def test_a_bad_transfer_from_the_primary_is_refused_and_retried(node, target, load, bad):
    replica = node(["--repl-diskless-load", load])
    rc = replica.client()
    rc.set("mine", "kept")  # data of its own, before it follows anyone
    fake = FakePrimary(BAD_TRANSFERS[bad], max_syncs=2)
    try:
        rc.execute_command("REPLICAOF", "127.0.0.1", fake.port)
        harness.wait_for(lambda: fake.syncs >= 2 or not replica.alive(), SYNC_TIMEOUT_S,
                         "a retried sync (or the replica gone)")
        if target == "redis" and not replica.alive():
            # Redis 7.0 itself exits on some of these ("Short read or OOM
            # loading DB. Unrecoverable error, aborting now."); replikv must
            # survive every one.
            print(f"redis-server exited on the {bad} transfer ({load}), as Redis 7.0 does")
            return
        assert replica.alive()
        # The fake accepts no more links: the replica ends up waiting, with
        # the link down, not loading.
        harness.wait_for(lambda: info(rc, "persistence")["loading"] == 0 and
                         info(rc)["master_link_status"] == "down", SYNC_TIMEOUT_S,
                         "the replica retrying, not loading")
        if load == "swapdb":
            assert rc.get("mine") == b"kept"  # the old data was not replaced
        rc.execute_command("REPLICAOF", "NO", "ONE")
        assert rc.ping()
    finally:
        fake.close()


def test_a_replica_killed_before_its_aof_is_rewritten_restarts_on_whole_data(node):
    """After a full sync the replica's AOF is restarted (Redis's
    restartAOFAfterSYNC): until the rewrite of the new dataset ends, its
    manifest names only the old files, so a crash then restarts on the old
    dataset, whole: never the old data plus the new primary's writes."""
    primary = node()
    pc = primary.client()
    fill(pc, 300, prefix="primary")
    # A slow rewrite child (rdb-key-save-delay) keeps the window open.
    replica = node(["--appendonly", "yes", "--rdb-key-save-delay", "20000"])
    rc = replica.client()
    for i in range(20):
        rc.set(f"old:{i}", i)
    harness.wait_for(lambda: info(rc, "persistence")["aof_rewrite_in_progress"] == 0,
                     SYNC_TIMEOUT_S, "no AOF rewrite running on the replica")
    attach(replica, primary.port)
    wait_in_sync(pc, rc)
    pc.set("after-sync", 1)
    wait_in_sync(pc, rc)
    # The restarted AOF's rewrite is still running (about 6 s of delays).
    assert info(rc, "persistence")["aof_rewrite_in_progress"] == 1
    replica.kill()
    replica.start()
    rc = replica.client()
    keys = set(rc.keys("*"))
    old = {k for k in keys if k.startswith(b"old:")}
    assert keys == old and len(old) == 20, sorted(keys)[:10]
