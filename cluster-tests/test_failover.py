"""FAILOVER between real processes on 127.0.0.1, every case on redis-server
nodes and on replikv nodes: the coordinated hand-over (writes paused, the
target synced, PSYNC ... FAILOVER, +CONTINUE), TO a chosen replica, TIMEOUT,
FORCE, ABORT, the error replies, and no acknowledged write lost."""

import contextlib
import threading

import pytest

import harness
from proxy import FaultProxy
from test_replication import REPL_ARGS, attach, digest, fill, info, wait_in_sync

TIMEOUT_S = 60


@pytest.fixture
def node(server_factory):
    def make(extra_args=()):
        return server_factory(extra_args=REPL_ARGS + list(extra_args))
    return make


def wait_synced(pc, *rcs):
    """Replicas at the primary's offset, and online as the primary sees them
    (a diskless replica is online only once its first ACK arrived)."""
    wait_in_sync(pc, *rcs)

    def online():
        i = info(pc)
        return i["connected_slaves"] == len(rcs) and all(
            i[f"slave{n}"]["state"] == "online" for n in range(len(rcs)))
    harness.wait_for(online, TIMEOUT_S, "the replicas online on the primary")


def role(c):
    return info(c)["role"]


def failover_state(c):
    return info(c)["master_failover_state"]


def error_of(c, *args):
    try:
        c.execute_command(*args)
    except Exception as e:  # redis-py raises a ResponseError subclass
        return str(e)
    return None


def test_failover_error_replies(node):
    primary = node()
    pc = primary.client()
    assert error_of(pc, "FAILOVER") == "FAILOVER requires connected replicas."
    assert error_of(pc, "FAILOVER", "ABORT") == "No failover in progress."
    assert error_of(pc, "FAILOVER", "TO") == "syntax error"
    assert error_of(pc, "FAILOVER", "TIMEOUT", "0") == "FAILOVER timeout must be greater than 0"
    assert error_of(pc, "FAILOVER", "TIMEOUT", "abc") == "value is not an integer or out of range"
    assert error_of(pc, "FAILOVER", "ABORT", "TIMEOUT", "5") == "syntax error"
    assert error_of(pc, "FAILOVER", "BOGUS") == "syntax error"
    replica = node()
    rc = attach(replica, primary.port)
    wait_synced(pc, rc)
    assert error_of(rc, "FAILOVER") == "FAILOVER is not valid when server is a replica."
    assert error_of(pc, "FAILOVER", "FORCE") == \
        "FAILOVER with force option requires both a timeout and target HOST and IP."
    assert error_of(pc, "FAILOVER", "TO", "127.0.0.1", "1") == "FAILOVER target HOST and PORT is not a replica."
    assert failover_state(pc) == "no-failover"


def test_failover_hands_over_without_a_full_sync_or_a_lost_write(node):
    primary = node()
    pc = primary.client()
    fill(pc, 500)
    replica = node()
    rc = attach(replica, primary.port)
    wait_synced(pc, rc)
    acked = []
    stop = threading.Event()

    def writer():
        c = primary.client()
        for i in range(100_000):
            if stop.is_set():
                return
            try:
                c.set(f"acked:{i}", i)
                if c.execute_command("WAIT", 1, 1000) == 1:
                    acked.append(i)
            except Exception:  # -READONLY once the node is a replica
                return

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    harness.wait_for(lambda: len(acked) > 50, TIMEOUT_S, "acknowledged writes")
    full_before = info(rc, "stats")["sync_full"]
    assert pc.execute_command("FAILOVER") == b"OK"
    harness.wait_for(lambda: role(rc) == "master" and role(pc) == "slave", TIMEOUT_S,
                     "the roles swapped")
    harness.wait_for(lambda: failover_state(pc) == "no-failover", TIMEOUT_S, "the failover done")
    stop.set()
    t.join(timeout=30)
    wait_in_sync(rc, pc)
    stats = info(rc, "stats")
    assert stats["sync_partial_ok"] >= 1 and stats["sync_full"] == full_before
    assert digest(pc) == digest(rc)
    missing = [i for i in acked if rc.get(f"acked:{i}") is None]
    assert missing == []
    assert rc.set("after", 1)  # the new primary takes writes


def test_failover_to_a_chosen_replica(node):
    primary = node()
    pc = primary.client()
    fill(pc, 300)
    r1, r2 = node(), node()
    c1, c2 = attach(r1, primary.port), attach(r2, primary.port)
    wait_synced(pc, c1, c2)
    assert pc.execute_command("FAILOVER", "TO", "127.0.0.1", r2.port, "TIMEOUT", 10000) == b"OK"
    harness.wait_for(lambda: role(c2) == "master" and role(pc) == "slave", TIMEOUT_S,
                     "the chosen replica promoted")
    assert role(c1) == "slave"
    pc2 = primary.client()
    assert info(pc2)["master_port"] == r2.port
    c2.set("new", "primary")
    wait_in_sync(c2, pc)
    assert pc.get("new") == b"primary"


@contextlib.contextmanager
def stalled_replica(node):
    """A primary and one replica, linked through a proxy that is then paused,
    and a write the replica never got: (primary, replica, their clients,
    the proxy)."""
    primary, replica = node(), node()
    pc = primary.client()
    with FaultProxy(primary.port) as proxy:
        rc = attach(replica, proxy.port)
        wait_synced(pc, rc)
        proxy.pause()
        pc.set("unseen", 1)
        yield primary, replica, pc, rc, proxy


def test_a_replica_that_never_catches_up_times_the_failover_out(node):
    with stalled_replica(node) as (_, _, pc, _, proxy):
        assert pc.execute_command("FAILOVER", "TIMEOUT", 500) == b"OK"
        assert failover_state(pc) == "waiting-for-sync"
        harness.wait_for(lambda: failover_state(pc) == "no-failover", TIMEOUT_S,
                         "the failover timed out")
        assert role(pc) == "master"
        assert pc.set("writable", 1)  # the pause is lifted
        proxy.resume()


def test_abort_restores_the_primary(node):
    with stalled_replica(node) as (_, replica, pc, rc, proxy):
        assert pc.execute_command("FAILOVER") == b"OK"
        assert error_of(pc, "FAILOVER") == "FAILOVER already in progress."
        assert error_of(pc, "REPLICAOF", "127.0.0.1", replica.port) == "REPLICAOF not allowed while failing over."
        assert pc.execute_command("FAILOVER", "ABORT") == b"OK"
        assert failover_state(pc) == "no-failover"
        assert role(pc) == "master"
        assert pc.set("writable", 1)
        proxy.resume()
        wait_in_sync(pc, rc)


def test_force_hands_over_after_the_timeout_even_if_not_synced(node):
    """FORCE: the target never acknowledges (its link stalled), so at the
    timeout the hand-over happens anyway; the write it never got is lost,
    as Redis documents, and the old primary follows the new one."""
    with stalled_replica(node) as (_, replica, pc, rc, proxy):
        assert pc.execute_command("FAILOVER", "TO", "127.0.0.1", replica.port, "FORCE", "TIMEOUT", 500) == b"OK"
        # The old primary reaches the target directly, not through the proxy.
        harness.wait_for(lambda: role(rc) == "master" and role(pc) == "slave", TIMEOUT_S,
                         "the forced hand-over")
        harness.wait_for(lambda: failover_state(pc) == "no-failover", TIMEOUT_S, "the failover done")
        proxy.resume()
    assert rc.get("unseen") is None
    wait_in_sync(rc, pc)
    assert digest(pc) == digest(rc)
