"""kill -9 against a server with the AOF on: what was acknowledged is found
again after a restart, under each appendfsync policy, under heavy write load
(random kill points) and in the middle of a rewrite.

A kill -9 loses the process, not the page cache: these tests check that a
write reaches write(2) before its reply is sent (the group commit), which is
what `appendfsync always` promises on top of the fsync a power loss would
test. Every loop is bounded in rounds and in time.
"""

import os
import random
import re
import signal
import threading
import time

import pytest

from harness import ConnectionClosed, encode_command, wait_for
from test_aof import (aof_args, aof_dir, digest, info, kill9, manifest_entries,
                      wait_aof_written, wait_rewrite_done, write_strings)

# The random-kill test stops starting new rounds after this long (per
# target), and never runs more than MAX_ROUNDS rounds.
KILL_TEST_BUDGET_S = 12.0
MAX_ROUNDS = 20
WRITERS = 4
PIPELINE = 8


@pytest.mark.parametrize("fsync", ["always", "everysec", "no"])
def test_acknowledged_writes_survive_kill9(server_factory, fsync):
    srv = server_factory(extra_args=aof_args(fsync))
    with srv.raw() as c:
        write_strings(c, 1500, seed={"always": 1, "everysec": 2, "no": 3}[fsync])
    # everysec may postpone a write while a background fsync runs (Redis
    # does too); wait until the buffer is handed to the kernel.
    wait_aof_written(srv)
    before = digest(srv)
    assert before != "0" * 40
    kill9(srv)
    srv.start()
    assert digest(srv) == before


class Writer(threading.Thread):
    """Pipelines SET <prefix>:<i> <i>, PIPELINE at a time, until the
    connection dies; `acked` is the highest i whose OK was read."""

    def __init__(self, srv, prefix):
        super().__init__(daemon=True)
        self.conn = srv.raw(timeout_s=10)
        self.prefix = prefix
        self.acked = -1
        self.sent = -1
        self.error = None

    def run(self):
        i = 0
        try:
            while i < 10_000_000:  # bounded; the kill ends it long before
                batch = b"".join(encode_command("SET", f"{self.prefix}:{j}", j)
                                 for j in range(i, i + PIPELINE))
                self.sent = i + PIPELINE - 1
                self.conn.send(batch)
                for j in range(i, i + PIPELINE):
                    reply = self.conn.read_reply()
                    if reply != "OK":
                        self.error = f"SET {self.prefix}:{j} -> {reply!r}"
                        return
                    self.acked = j
                i += PIPELINE
        except (ConnectionClosed, OSError, ValueError):
            pass  # the kill
        finally:
            self.conn.close()


def test_always_acknowledged_writes_survive_kill9_at_random_points(server_factory):
    srv = server_factory(extra_args=aof_args("always"))
    rnd = random.Random()
    seed = rnd.randrange(1 << 30)
    rnd.seed(seed)
    started = time.monotonic()
    rounds = 0
    while rounds < MAX_ROUNDS and time.monotonic() - started < KILL_TEST_BUDGET_S:
        writers = [Writer(srv, f"r{rounds}w{t}") for t in range(WRITERS)]
        for w in writers:
            w.start()
        # Let the load build up, then kill at a random moment.
        wait_for(lambda: all(w.acked >= 0 for w in writers), 10, "every writer acknowledged")
        time.sleep(rnd.uniform(0.02, 0.4))
        kill9(srv)
        for w in writers:
            w.join(timeout=15)
            assert not w.is_alive()
            assert w.error is None, w.error
        srv.start()
        with srv.raw() as c:
            for w in writers:
                n = w.acked + 1
                where = f"seed {seed}, round {rounds}, writer {w.prefix}"
                # Every acknowledged write is there (the last one included)...
                keys = [f"{w.prefix}:{j}" for j in range(n)]
                found = 0
                for k in range(0, n, 5000):
                    found += c.command("EXISTS", *keys[k:k + 5000])
                assert found == n, f"{where}: {n - found} of {n} acknowledged writes lost"
                assert c.command("GET", f"{w.prefix}:{w.acked}") == str(w.acked).encode(), where
                # ... and what was never sent is not.
                assert c.command("EXISTS", f"{w.prefix}:{w.sent + 1}") == 0, where
        rounds += 1
    assert rounds >= 2, f"only {rounds} rounds fit in the time budget"


def wait_rewrite_done_after(srv):
    rewrites = int(info(srv)["aof_rewrites"])
    with srv.raw() as c:
        assert c.command("BGREWRITEAOF") == "Background append only file rewriting started"
    wait_rewrite_done(srv, rewrites)


def test_kill9_during_rewrite_loses_nothing(server_factory):
    srv = server_factory(extra_args=aof_args())
    with srv.raw() as c:
        # DEBUG POPULATE is not propagated: a first rewrite puts it in a base.
        assert c.command("DEBUG", "POPULATE", "2000") == "OK"
    wait_rewrite_done_after(srv)
    with srv.raw() as c:
        write_strings(c, 300, seed=41)
        # Keep the child busy for a few seconds.
        assert c.command("CONFIG", "SET", "rdb-key-save-delay", "2000") == "OK"
        log_start = srv.log_size()
        assert c.command("BGREWRITEAOF") == "Background append only file rewriting started"
        assert info(srv)["aof_rewrite_in_progress"] == "1"
        write_strings(c, 300, seed=42, prefix="during")
    wait_aof_written(srv)
    before = digest(srv)
    log = srv.log_text(log_start)
    m = re.search(r"Background append only file rewriting started by pid (\d+)", log)
    assert m, log
    child = int(m.group(1))
    kill9(srv)
    # The orphaned child would go on writing its temp file; end it (we
    # started it, and we know its pid).
    try:
        os.kill(child, signal.SIGKILL)
    except ProcessLookupError:
        pass
    srv.start()
    assert digest(srv) == before
    # The next rewrite works and leaves only the manifest's files behind.
    wait_rewrite_done_after(srv)
    assert digest(srv) == before
    names = {name for name, _, _ in manifest_entries(aof_dir(srv))}
    assert len(names) == 2
