"""Failovers in a row and restarts: where the replication timeline lets a
node continue with a partial resync.

Three nodes A (the first primary), B and C. A stops; B is promoted and C
follows it; then C is promoted and B follows it: two failovers. A comes back
(from its RDB, or from its AOF alone) as a replica of C. Its data is the
first primary's history up to where it stopped.

- On redis-server 7.0, C remembers one previous id (B's), not A's: a full
  sync; with the AOF alone A has no id at all: a full sync too.
- On replikv, C's timeline still holds A's id up to the first fork, and A's
  node-state file gives an AOF-only restart its id and offset: a partial
  resync, as long as C's backlog covers the gap (a full sync otherwise).

The damaged-file and wipe-guard tests are replikv's own (Redis has neither
the node-state file nor the guard); they run on replikv only.
"""

import pytest

import harness

SYNC_TIMEOUT_S = 60
REPL_ARGS = ["--repl-diskless-sync-delay", "0"]
PERSISTENCE = {
    # SHUTDOWN SAVE writes the RDB with repl-id / repl-offset.
    "rdb": (["--appendonly", "no"], "SAVE"),
    # No RDB ever: the AOF is the only copy of the data.
    "aof": (["--appendonly", "yes", "--aof-use-rdb-preamble", "yes"], "NOSAVE"),
}


def info(node, section="replication"):
    return node.client().info(section)


def in_sync(primary, *replicas):
    want = info(primary)["master_repl_offset"]
    return all(info(r).get("master_link_status") == "up" and
               info(r)["master_repl_offset"] == want for r in replicas)


def wait_in_sync(primary, *replicas):
    harness.wait_for(lambda: in_sync(primary, *replicas), SYNC_TIMEOUT_S,
                     "replicas at the primary's offset")


def follow(replica, primary):
    replica.client().execute_command("REPLICAOF", "127.0.0.1", primary.port)


def promote(node):
    node.client().execute_command("REPLICAOF", "NO", "ONE")


def write(node, prefix, n=300):
    p = node.client().pipeline(transaction=False)
    for i in range(n):
        p.set(f"{prefix}:{i}", i)
        p.rpush(f"{prefix}:list", i)
    p.execute()


def digest(node):
    return node.client().execute_command("DEBUG", "DIGEST")


def shutdown(node, how):
    try:
        node.client().execute_command("SHUTDOWN", how)
    except Exception:
        pass  # the connection closes under the reply
    assert node.wait_exit(30) is not None


def rejoin(node, primary, *others):
    """Starts the stopped `node` again as a replica of `primary`; returns the
    (partial, full) syncs the primary served it."""
    before = info(primary, "stats")
    node.extra_args += ["--replicaof", "127.0.0.1", str(primary.port)]
    node.start()
    wait_in_sync(primary, node, *others)
    after = info(primary, "stats")
    return (after["sync_partial_ok"] - before["sync_partial_ok"], after["sync_full"] - before["sync_full"])


def two_failovers_with_the_first_primary_down(server_factory, args, how, backlog="1mb"):
    """A, B, C as above; returns them with A stopped after writes on B and C."""
    a = server_factory(extra_args=REPL_ARGS + args)
    b, c = (server_factory(extra_args=REPL_ARGS + ["--repl-backlog-size", backlog]) for _ in range(2))
    write(a, "a")
    follow(b, a)
    follow(c, a)
    wait_in_sync(a, b, c)
    shutdown(a, how)
    # First failover: B.
    promote(b)
    follow(c, b)
    wait_in_sync(b, c)
    write(b, "b")
    wait_in_sync(b, c)
    # Second failover: C.
    promote(c)
    follow(b, c)
    wait_in_sync(c, b)
    write(c, "c")
    wait_in_sync(c, b)
    return a, b, c


@pytest.mark.parametrize("persistence", sorted(PERSISTENCE))
def test_first_primary_rejoins_after_two_failovers(server_factory, target, persistence):
    args, how = PERSISTENCE[persistence]
    a, b, c = two_failovers_with_the_first_primary_down(server_factory, args, how)
    # A restarts as a replica of the current primary.
    syncs = rejoin(a, c, b)
    if target == "replikv":
        assert syncs == (1, 0)
        if persistence == "aof":
            assert "restored from the node state file" in a.logfile.read_text()
    else:
        assert syncs == (0, 1)  # Redis: one previous id, no id in an AOF
    assert digest(a) == digest(b) == digest(c)


def test_restarted_primary_made_a_replica_continues_through_the_timeline(server_factory, target):
    # A restarts as a primary (it shifts to a new id of its own), then is
    # made a replica of C, as Sentinel does with a returning primary.
    a, b, c = two_failovers_with_the_first_primary_down(server_factory, *PERSISTENCE["rdb"])
    a.start()
    before = info(c, "stats")
    follow(a, c)
    wait_in_sync(c, a, b)
    after = info(c, "stats")
    partial = after["sync_partial_ok"] - before["sync_partial_ok"]
    full = after["sync_full"] - before["sync_full"]
    assert (partial, full) == ((1, 0) if target == "replikv" else (0, 1))
    assert digest(a) == digest(b) == digest(c)


def test_full_sync_when_the_backlog_no_longer_covers_the_gap(server_factory):
    a, b, c = two_failovers_with_the_first_primary_down(server_factory, *PERSISTENCE["rdb"],
                                                         backlog="16kb")
    c.client().set("big", "x" * 100_000)  # pushes A's offset out of C's backlog
    wait_in_sync(c, b)
    assert rejoin(a, c, b) == (0, 1)
    assert digest(a) == digest(b) == digest(c)


# ---- replikv's own: the file and the guard ----------------------------------

@pytest.fixture
def node(tmp_path_factory, request):
    started = []

    def make(extra_args=()):
        srv = harness.ServerProcess("replikv", tmp_path_factory.mktemp("replikv"),
                                    extra_args=REPL_ARGS + list(extra_args))
        started.append(srv)
        srv.start()
        return srv

    yield make
    for srv in started:
        srv.stop()


DAMAGE = {
    "truncated": lambda data: data[: len(data) // 2],
    "flipped": lambda data: data[:20] + bytes([data[20] ^ 0x40]) + data[21:],
    "garbage": lambda data: b"not a node state file at all\n",
    "empty": lambda data: b"",
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_node_state_file_is_ignored_with_a_warning(node, damage):
    primary = node(["--appendonly", "yes"])
    replica = node(["--appendonly", "yes"])
    write(primary, "p")
    follow(replica, primary)
    wait_in_sync(primary, replica)
    shutdown(replica, "NOSAVE")
    state_file = replica.dir / "node-state.pb"
    state_file.write_bytes(DAMAGE[damage](state_file.read_bytes()))
    # Without the file's id and offset the AOF-only replica must full-sync.
    assert rejoin(replica, primary) == (0, 1)
    assert "Ignoring the node state file node-state.pb" in replica.logfile.read_text()
    assert digest(replica) == digest(primary)


def test_an_aof_changed_after_the_shutdown_is_not_trusted(node):
    primary = node()
    replica = node(["--appendonly", "yes"])
    write(primary, "p")
    follow(replica, primary)
    wait_in_sync(primary, replica)
    shutdown(replica, "NOSAVE")
    # The AOF grows behind the file's back: its offset no longer says what
    # the data is.
    incr = next((replica.dir / "appendonlydir").glob("*.incr.aof"))
    with open(incr, "ab") as f:
        f.write(b"*3\r\n$3\r\nSET\r\n$5\r\nextra\r\n$1\r\n1\r\n")
    assert rejoin(replica, primary) == (0, 1)
    assert "the AOF changed since the shutdown" in replica.logfile.read_text()
    assert replica.client().get("extra") is None
    assert digest(replica) == digest(primary)


# ---- the empty-primary wipe ---------------------------------------------------

def restart_primary_empty(primary):
    """kill -9 and a start on the same port with no data (no persistence):
    the classic way a replica loses everything."""
    port = primary.port
    primary.kill()
    for f in primary.dir.glob("*.rdb"):
        f.unlink()
    primary.spawn(port)
    harness.wait_for(primary.answers_ping, 15, "the primary to restart empty")


@pytest.mark.parametrize("load", ["disabled", "swapdb"])
def test_without_the_guard_a_primary_restarted_empty_wipes_its_replica(server_factory, load):
    # The default, as Redis 7.0: the replica takes the empty dataset.
    primary = server_factory(extra_args=REPL_ARGS)
    replica = server_factory(extra_args=REPL_ARGS + ["--repl-diskless-load", load])
    write(primary, "p")
    follow(replica, primary)
    wait_in_sync(primary, replica)
    restart_primary_empty(primary)
    harness.wait_for(lambda: replica.client().dbsize() == 0 and
                     info(replica).get("master_link_status") == "up",
                     SYNC_TIMEOUT_S, "the replica to take the empty dataset")


@pytest.mark.parametrize("load", ["disabled", "swapdb"])
def test_the_guard_keeps_the_data_of_a_replica_of_a_primary_restarted_empty(node, load):
    primary = node()
    replica = node(["--replica-refuse-empty-sync", "yes", "--repl-diskless-load", load])
    write(primary, "p")
    follow(replica, primary)
    wait_in_sync(primary, replica)
    keys = replica.client().dbsize()
    assert keys > 0
    before = digest(replica)
    restart_primary_empty(primary)
    harness.wait_for(lambda: "refusing the full sync" in replica.logfile.read_text(),
                     SYNC_TIMEOUT_S, "the replica to refuse the empty dataset")
    assert replica.client().dbsize() == keys
    assert digest(replica) == before
    assert info(replica)["master_link_status"] == "down"
    # Once the primary holds data again, the sync goes through.
    primary.client().set("new", "data")
    harness.wait_for(lambda: info(replica).get("master_link_status") == "up",
                     SYNC_TIMEOUT_S, "the sync of a non-empty dataset")
    assert replica.client().get("new") == b"data"
    assert replica.client().dbsize() == 1


def test_the_guard_lets_an_empty_replica_through_and_is_switched_off_at_will(node):
    # Nothing to protect: a fresh replica of an empty primary syncs.
    primary = node()
    replica = node(["--replica-refuse-empty-sync", "yes"])
    follow(replica, primary)
    wait_in_sync(primary, replica)
    # A node with data made a replica of an empty primary is refused too
    # (its own history is not the primary's); CONFIG SET lifts the guard.
    other = node(["--replica-refuse-empty-sync", "yes"])
    other.client().set("mine", 1)
    follow(other, primary)
    harness.wait_for(lambda: "refusing the full sync" in other.logfile.read_text(),
                     SYNC_TIMEOUT_S, "the node to refuse the empty dataset")
    assert other.client().get("mine") == b"1"
    other.client().config_set("replica-refuse-empty-sync", "no")
    wait_in_sync(primary, other)
    assert other.client().dbsize() == 0


def test_the_guard_is_a_config_directive(node):
    n = node()
    c = n.client()
    assert c.config_get("replica-refuse-empty-sync") == {"replica-refuse-empty-sync": "no"}
    c.config_set("replica-refuse-empty-sync", "yes")
    assert c.config_get("replica-refuse-empty-sync") == {"replica-refuse-empty-sync": "yes"}
    assert c.config_get("node-state-file") == {"node-state-file": "node-state.pb"}
    with pytest.raises(Exception, match="immutable"):
        c.config_set("node-state-file", "x.pb")
