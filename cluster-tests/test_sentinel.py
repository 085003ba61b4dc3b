"""Debian's real Redis Sentinel 7.0 driving the target's nodes.

The topology tests build a primary, two replicas (all of the target's kind)
and three redis-sentinel processes (quorum 2, down-after-milliseconds 1000) on
127.0.0.1, each in its own temp dir. On "redis" the nodes are redis-server
7.0, which proves the test itself; on "replikv" the same Sentinel drives
replikv. Sentinel talks to the nodes with INFO, PING, CLIENT SETNAME,
PUBLISH/SUBSCRIBE __sentinel__:hello, and on a failover with one
transaction per node: MULTI, SLAVEOF (NO ONE | host port), CONFIG REWRITE,
CLIENT KILL TYPE normal, CLIENT KILL TYPE pubsub, EXEC.

Every node has a config file, so Sentinel's CONFIG REWRITE writes the new
`replicaof` line into it. States are awaited with bounded polls (Sentinel
refreshes a replica's INFO every 10 s, so some waits take that long);
nothing sleeps a fixed time.
"""

import os
import signal
import time
import warnings

import pytest
import redis

import harness

MASTER = "m"
# Generous: a split vote is retried after 2 x failover-timeout, and Sentinel
# refreshes a replica's INFO only every 10 s.
SENTINEL_TIMEOUT_S = 60
FAILOVER_TIMEOUT_MS = 3000
NODE_ARGS = ["--repl-diskless-sync-delay", "0"]


class Topology:
    def __init__(self, primary, replicas, sentinels):
        self.primary = primary
        self.replicas = replicas
        self.sentinels = sentinels

    @property
    def nodes(self):
        return [self.primary] + self.replicas

    def node_on(self, port):
        return next(n for n in self.nodes if n.port == port)

    def agreed_master(self):
        """The primary's port if every sentinel names the same one, else None."""
        ports = {s.master_addr(MASTER) for s in self.sentinels}
        return ports.pop() if len(ports) == 1 else None

    def wait_master_moves_from(self, old_port):
        return harness.wait_for(
            lambda: (lambda p: p if p not in (None, old_port) else None)(self.agreed_master()),
            SENTINEL_TIMEOUT_S, f"every sentinel to name a primary other than {old_port}")

    def wait_failover(self, old_port, writer):
        """After the primary on old_port failed: waits until the sentinels
        agree on a new one, the other replica follows it and `writer` got
        200 writes acknowledged by it. Returns (new primary, other replica)."""
        new_port = self.wait_master_moves_from(old_port)
        new = self.node_on(new_port)
        other = next(r for r in self.replicas if r is not new)
        wait_follows(other, new_port)
        # The client found the new primary and keeps writing there.
        harness.wait_for(lambda: len(writer.acked_on(new_port)) >= 200, SENTINEL_TIMEOUT_S,
                         "writes acknowledged by the new primary")
        return new, other

    def settled(self):
        """(primary, replicas) once every sentinel names the same primary
        and both other nodes replicate from it with their link up."""
        port = self.agreed_master()
        if port is None:
            return None
        primary = self.node_on(port)
        replicas = [n for n in self.nodes if n is not primary]
        return (primary, replicas) if all(follows(r, port) for r in replicas) else None

    def wait_settled(self):
        return harness.wait_for(self.settled, SENTINEL_TIMEOUT_S,
                                "the sentinels to agree on a primary every other node follows")

    def discovered(self):
        """Every sentinel lists both replicas with no flag but "slave" (not
        down) and the two other sentinels (learned from their hello
        messages)."""
        want_replicas = sorted(str(r.port) for r in self.replicas)
        want_sentinels = sorted(str(s.port) for s in self.sentinels)
        for s in self.sentinels:
            replicas = s.instances("replicas", MASTER)
            if sorted(r["port"] for r in replicas if r["flags"] == "slave") != want_replicas:
                return False
            others = sorted(x["port"] for x in s.instances("sentinels", MASTER))
            if others != sorted(p for p in want_sentinels if p != str(s.port)):
                return False
        return True

    def wait_discovered(self):
        harness.wait_for(self.discovered, SENTINEL_TIMEOUT_S,
                         "sentinels to discover both replicas and each other")


@pytest.fixture
def topology(server_factory, sentinel_factory, tmp_path_factory):
    """topology(replica_args=None, node_config="", options=(), password=None)
    starts the nodes (each with its own config file holding `node_config`),
    attaches the replicas, then three sentinels with `options` added to the
    defaults. A password becomes requirepass + masterauth on the nodes and
    Sentinel's auth-pass."""
    def make(replica_args=None, node_config="", options=(), password=None):
        conf_dir = tmp_path_factory.mktemp("node-conf")
        if password is not None:
            node_config += f"requirepass {password}\nmasterauth {password}\n"
            options = list(options) + [("auth-pass", password)]
        replica_args = replica_args or [[], []]
        nodes = []
        for i, extra in enumerate([[]] + list(replica_args)):
            conf = conf_dir / f"node{i}.conf"
            conf.write_text(node_config)
            nodes.append(server_factory(extra_args=NODE_ARGS + list(extra), config_file=conf))
        primary, replicas = nodes[0], nodes[1:]
        for r in replicas:
            r.client(password=password).execute_command("REPLICAOF", "127.0.0.1", primary.port)
        pc = primary.client(password=password)
        rcs = [r.client(password=password) for r in replicas]
        harness.wait_for(lambda: in_sync(pc, *rcs), 30,
                         "replicas in sync before the sentinels start")
        opts = [("down-after-milliseconds", 1000),
                ("failover-timeout", FAILOVER_TIMEOUT_MS)] + list(options)
        sentinels = [sentinel_factory([(MASTER, primary.port, 2)], {MASTER: opts})
                     for _ in range(3)]
        return Topology(primary, replicas, sentinels)

    return make


def in_sync(pc, *rcs):
    # A connection may be cut by Sentinel's CLIENT KILL TYPE normal.
    try:
        want = pc.info("replication")["master_repl_offset"]
        infos = [rc.info("replication") for rc in rcs]
    except redis.ConnectionError:
        return False
    return all(i.get("master_link_status") == "up" and i["master_repl_offset"] == want
               for i in infos)


def wait_in_sync(primary, *replicas):
    pc = primary.client()
    rcs = [r.client() for r in replicas]
    harness.wait_for(lambda: in_sync(pc, *rcs), SENTINEL_TIMEOUT_S,
                     "replicas at the primary's offset")


def follows(node, port):
    """True once `node` is a replica of 127.0.0.1:port with its link up."""
    try:
        role = node.client(socket_timeout=2).execute_command("ROLE")
    except (redis.ConnectionError, redis.TimeoutError):
        return False
    return role[0] == b"slave" and int(role[2]) == port and role[3] == b"connected"


def wait_follows(node, port):
    harness.wait_for(lambda: follows(node, port), SENTINEL_TIMEOUT_S,
                     f"{node} to replicate from port {port}")


def assert_equal_digests(nodes):
    digests = [n.client().execute_command("DEBUG", "DIGEST") for n in nodes]
    assert digests[0] != b"0" * 40
    assert digests.count(digests[0]) == len(digests), digests


class FollowingWriter(harness.BackgroundWork):
    """A client that writes SET f:<i> <i> one at a time to whichever node
    the sentinels name as the primary; after an error (refused, timed out,
    READONLY) it asks again. Records (i, port) of every acknowledged write.
    Bounded in writes and in time."""

    def __init__(self, topo, limit=200_000, timeout_s=180):
        self.topo = topo
        self.limit = limit
        self.timeout_s = timeout_s
        self.acked = []
        self.errors = 0
        super().__init__()

    def _ask(self):
        for s in self.topo.sentinels:
            try:
                return s.master_addr(MASTER)
            except (OSError, harness.ConnectionClosed):
                continue
        return None

    def _run(self):
        conn, port, i = None, None, 0
        deadline = time.monotonic() + self.timeout_s
        for _ in range(self.limit):
            if self._stop.is_set() or time.monotonic() > deadline:
                break
            if conn is None:
                port = self._ask()
                if port is None:
                    time.sleep(0.05)
                    continue
                conn = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1,
                                   socket_connect_timeout=1)
            try:
                conn.set(f"f:{i}", i)
            except redis.RedisError:
                conn.close()
                conn = None
                self.errors += 1
                time.sleep(0.05)
                continue
            self.acked.append((i, port))
            i += 1
        if conn is not None:
            conn.close()

    def acked_on(self, port):
        return [i for i, p in list(self.acked) if p == port]


def sentinel_transaction(c, *slaveof_args):
    """Sentinel's reconfiguration of one node, sent as Sentinel sends it:
    one write, then the six replies."""
    return c.pipeline([("MULTI",), ("SLAVEOF",) + slaveof_args, ("CONFIG", "REWRITE"),
                       ("CLIENT", "KILL", "TYPE", "normal"),
                       ("CLIENT", "KILL", "TYPE", "pubsub"), ("EXEC",)])


def test_sentinel_transaction_replies(server_factory, tmp_path):
    conf = tmp_path / "node.conf"
    conf.write_text("# kept\n")
    with_file = server_factory(extra_args=NODE_ARGS, config_file=conf)
    without = server_factory(extra_args=NODE_ARGS)
    idle, sub = with_file.raw(), with_file.raw()
    idle.command("PING")
    sub.command("SUBSCRIBE", "__sentinel__:hello")
    with with_file.raw() as c:
        replies = sentinel_transaction(c, "127.0.0.1", without.port)
    assert replies == ["OK"] + ["QUEUED"] * 4 + [["OK", "OK", 1, 1]]
    assert f"replicaof 127.0.0.1 {without.port}" in conf.read_text()
    assert conf.read_text().startswith("# kept\n")
    for killed in (idle, sub):
        killed.read_until_closed()
        killed.close()
    with with_file.raw() as c:
        replies = sentinel_transaction(c, "NO", "ONE")
    assert replies[-1] == ["OK", "OK", 0, 0]
    assert "replicaof" not in conf.read_text()
    # A node started without a config file: Redis's error inside EXEC,
    # and the rest of the transaction still runs.
    with without.raw() as c:
        replies = sentinel_transaction(c, "127.0.0.1", with_file.port)
        assert replies[-1] == ["OK", harness.RespError(
            "ERR The server is running without a config file"), 0, 0]
        assert c.command("ROLE")[0] == b"slave"


@pytest.mark.parametrize("password", [None, "s3cret"], ids=["open", "requirepass"])
def test_sentinels_discover_the_replicas_and_each_other(topology, password):
    # With requirepass, Sentinel AUTHs (auth-pass) on both of its links.
    t = topology(password=password)
    t.wait_discovered()
    for s in t.sentinels:
        master = dict(zip(*[iter(x.decode() for x in s.query("SENTINEL", "master", MASTER))] * 2))
        assert master["flags"] == "master"
        assert master["num-slaves"] == "2" and master["num-other-sentinels"] == "2"
        assert master["role-reported"] == "master"
        for r in s.instances("replicas", MASTER):
            assert r["master-link-status"] == "ok"
            assert r["master-port"] == str(t.primary.port)
            assert r["slave-priority"] == "100"
    # Sentinel names its two connections to every node and keeps the pubsub
    # one subscribed to the hello channel, on the replicas too. (Polled: a
    # sentinel drops and redoes a link whose PING is late.)
    def named_links(node):
        c = node.client(decode_responses=True, password=password)
        links = [(x.get("name", ""), x["sub"]) for x in c.client_list()]
        cmd = [n for n, _ in links if n.startswith("sentinel-") and n.endswith("-cmd")]
        pubsub = [n for n, sub in links
                  if n.startswith("sentinel-") and n.endswith("-pubsub") and sub == "1"]
        return len(cmd) == 3 and len(pubsub) == 3 and c.pubsub_numsub(
            "__sentinel__:hello") == [("__sentinel__:hello", 3)]

    for node in t.nodes:
        harness.wait_for(lambda: named_links(node), 30, f"three sentinels' links on {node}")


def test_kill_primary_under_writes_promotes_a_replica_with_partial_resyncs(topology):
    t = topology()
    t.wait_discovered()
    old = t.primary
    old_port = old.port
    with FollowingWriter(t) as w:
        harness.wait_for(lambda: len(w.acked) > 200, 30, "writes before the kill")
        old.proc.kill()
        old.proc.wait(timeout=10)
        new, other = t.wait_failover(old_port, w)
        new_port = new.port
    stats = new.client().info("stats")
    # The other replica continued from the promoted one's backlog.
    assert (stats["sync_partial_ok"], stats["sync_full"]) == (1, 0)
    # Sentinel's MULTI ... CONFIG REWRITE ... EXEC rewrote both config files.
    assert "replicaof" not in new.config_file.read_text()
    assert f"replicaof 127.0.0.1 {new_port}" in other.config_file.read_text()
    # The old primary comes back (empty, as a primary): Sentinel turns it
    # into a replica of the current primary. That is the new one unless a
    # stall on a loaded machine (a node silent for down-after's 1 s) made
    # Sentinel fail over once more; the test then goes on with the primary
    # the sentinels name and says so.
    old.spawn(old_port)
    harness.wait_for(old.answers_ping, 15, "the old primary to restart")
    current, replicas = t.wait_settled()
    if current is not new:
        warnings.warn(f"Sentinel failed over again, from {new_port} to {current.port}, "
                      "after the old primary restarted")
    wait_in_sync(current, *replicas)
    assert_equal_digests([new, other, old])
    # No write the new primary acknowledged was lost.
    acked = w.acked_on(new_port)
    values = old.client().mget([f"f:{i}" for i in acked])
    assert values == [str(i).encode() for i in acked]


def test_stalled_primary_is_replaced_and_rejoins_after_sigcont(topology):
    # The nodes rename SLAVEOF and CONFIG; the sentinels are told, so the
    # whole failover runs on the renamed commands.
    renames = [("SLAVEOF", "sv-slaveof"), ("CONFIG", "sv-config")]
    t = topology(node_config="".join(f"rename-command {a} {b}\n" for a, b in renames),
                 options=[("rename-command", a, b) for a, b in renames])
    t.wait_discovered()
    old = t.primary
    old_port = old.port
    with FollowingWriter(t) as w:
        harness.wait_for(lambda: len(w.acked) > 200, 30, "writes before the stall")
        os.kill(old.pid, signal.SIGSTOP)
        try:
            new, other = t.wait_failover(old_port, w)
            new_port = new.port
        finally:
            os.kill(old.pid, signal.SIGCONT)
        # Back, it still says it is the primary: Sentinel demotes it.
        wait_follows(old, new_port)
    wait_in_sync(new, other, old)
    assert_equal_digests([new, other, old])
    assert f"replicaof 127.0.0.1 {new_port}" in old.config_file.read_text()
    assert f"replicaof 127.0.0.1 {new_port}" in other.config_file.read_text()
    assert "replicaof" not in new.config_file.read_text()


def test_manual_failover_demotes_the_live_primary(topology):
    t = topology()
    t.wait_discovered()
    old = t.primary
    pc = old.client()
    for i in range(500):
        pc.set(f"before:{i}", i)
    wait_in_sync(old, *t.replicas)
    # SENTINEL FAILOVER needs no agreement: the primary is alive.
    assert t.sentinels[0].query("SENTINEL", "failover", MASTER) == "OK"
    new_port = t.wait_master_moves_from(old.port)
    new = t.node_on(new_port)
    other = next(r for r in t.replicas if r is not new)
    wait_follows(other, new_port)
    wait_follows(old, new_port)
    new.client().set("after", 1)
    wait_in_sync(new, other, old)
    assert_equal_digests([new, other, old])
    assert old.client().get("before:499") == b"499"
    assert old.client().get("after") == b"1"


def test_priority_zero_replica_is_never_promoted(topology):
    # slave-priority is the old name of replica-priority.
    t = topology(replica_args=[["--slave-priority", "0"], []])
    zero, candidate = t.replicas
    t.wait_discovered()
    for s in t.sentinels:
        prio = {r["port"]: r["slave-priority"] for r in s.instances("replicas", MASTER)}
        assert prio == {str(zero.port): "0", str(candidate.port): "100"}
    t.primary.proc.kill()
    t.primary.proc.wait(timeout=10)
    assert t.wait_master_moves_from(t.primary.port) == candidate.port
    wait_follows(zero, candidate.port)
    # Now the priority-0 replica is the only one left: no failover.
    log_start = [s.log_size() for s in t.sentinels]
    candidate.proc.kill()
    candidate.proc.wait(timeout=10)
    harness.wait_for(
        lambda: any("-failover-abort-no-good-slave" in s.log_text(start)
                    for s, start in zip(t.sentinels, log_start)),
        SENTINEL_TIMEOUT_S, "Sentinel to find no replica it may promote")
    assert t.agreed_master() == candidate.port
    role = zero.client().execute_command("ROLE")
    assert role[0] == b"slave" and int(role[2]) == candidate.port
