"""Which keys a write command signals as modified, and how many changes it
counts, run side by side on redis-server 7.0.15 and replikv.

Redis signals a key (WATCH fails its EXEC) only when the command changed
that key, and counts in rdb_changes_since_last_save only what changed. For
each case below: set the keys up, WATCH one key from a second client, run
the command, and record whether that client's EXEC went through; plus the
change count of the command. Both servers must agree on every key of every
case, so the expected values are the oracle's, not written here.

The regression this started from: SMOVE of a member the destination already
holds failed a WATCH on the destination in replikv (issue 16, item 1).
"""

import pytest

from harness import info_fields

# (setup commands, the command, the keys to watch)
CASES = [
    ([("SADD", "s", "a", "b"), ("SADD", "d", "a")], ("SMOVE", "s", "d", "a"), ["s", "d"]),
    ([("SADD", "s", "a", "b"), ("SADD", "d", "x")], ("SMOVE", "s", "d", "a"), ["s", "d"]),
    ([("SADD", "s", "a"), ("SADD", "d", "a")], ("SMOVE", "s", "d", "a"), ["s", "d"]),
    ([("SADD", "s", "a"), ("SADD", "d", "a")], ("SMOVE", "s", "d", "zz"), ["s", "d"]),
    ([("SADD", "s", "1", "2"), ("SADD", "d", "1")], ("SMOVE", "s", "d", "1"), ["s", "d"]),
    ([("SADD", "s", "a")], ("SMOVE", "s", "s", "a"), ["s"]),
    ([("SADD", "s", "a"), ("SET", "d", "x")], ("SMOVE", "s", "d", "a"), ["s", "d"]),
    ([("RPUSH", "l", "a", "b"), ("RPUSH", "m", "c")], ("LMOVE", "l", "m", "LEFT", "RIGHT"), ["l", "m"]),
    ([("RPUSH", "l", "a"), ("SET", "m", "x")], ("LMOVE", "l", "m", "LEFT", "RIGHT"), ["l", "m"]),
    ([("RPUSH", "l", "a", "b")], ("RPOPLPUSH", "l", "l"), ["l"]),
    ([("SET", "a", "1"), ("SET", "b", "2")], ("RENAME", "a", "b"), ["a", "b"]),
    ([("SET", "a", "1"), ("SET", "b", "2")], ("RENAMENX", "a", "b"), ["a", "b"]),
    ([("SET", "a", "1")], ("RENAME", "a", "a"), ["a"]),
    ([("SET", "a", "1"), ("SET", "b", "2")], ("COPY", "a", "b"), ["a", "b"]),
    ([("SET", "a", "1"), ("SET", "b", "2")], ("COPY", "a", "b", "REPLACE"), ["a", "b"]),
    ([("SET", "a", "1")], ("MOVE", "a", "1"), ["a"]),
    ([("SET", "a", "1"), ("SET", "b", "2")], ("MSETNX", "a", "9", "c", "9"), ["a", "c"]),
    ([("SET", "a", "1")], ("DEL", "a", "nokey"), ["a", "nokey"]),
    ([("SET", "a", "1")], ("UNLINK", "a", "nokey"), ["a", "nokey"]),
    ([("SADD", "s", "a", "b"), ("SADD", "t", "b", "c"), ("SADD", "d", "q")],
     ("SINTERSTORE", "d", "s", "t"), ["s", "t", "d"]),
    ([("SADD", "s", "a"), ("SADD", "t", "b"), ("SADD", "d", "q")],
     ("SINTERSTORE", "d", "s", "t"), ["s", "t", "d"]),
    ([("SADD", "s", "a"), ("SADD", "t", "b")], ("SDIFFSTORE", "nokey", "s", "s"), ["s", "nokey"]),
    ([("ZADD", "z", "1", "a"), ("ZADD", "y", "2", "a")], ("ZUNIONSTORE", "d", "2", "z", "y"), ["z", "y", "d"]),
    ([("ZADD", "z", "1", "a")], ("ZRANGESTORE", "d", "z", "5", "9"), ["z", "d"]),
    ([("SADD", "s", "a")], ("SADD", "s", "a"), ["s"]),
    ([("SADD", "s", "a")], ("SREM", "s", "b"), ["s"]),
    ([("HSET", "h", "f", "v")], ("HSET", "h", "f", "v"), ["h"]),
    ([("HSET", "h", "f", "v")], ("HSETNX", "h", "f", "w"), ["h"]),
    ([("HSET", "h", "f", "v")], ("HDEL", "h", "g"), ["h"]),
    ([("ZADD", "z", "1", "a")], ("ZADD", "z", "1", "a"), ["z"]),
    ([("ZADD", "z", "1", "a")], ("ZADD", "z", "NX", "2", "a"), ["z"]),
    ([("ZADD", "z", "1", "a")], ("ZREM", "z", "b"), ["z"]),
    ([("ZADD", "z", "1", "a")], ("ZINCRBY", "z", "0", "a"), ["z"]),
    ([("RPUSH", "l", "a")], ("LREM", "l", "0", "b"), ["l"]),
    ([("RPUSH", "l", "a")], ("LSET", "l", "0", "a"), ["l"]),
    ([("RPUSH", "l", "a")], ("LTRIM", "l", "0", "-1"), ["l"]),
    ([("RPUSH", "l", "a")], ("LPUSHX", "nokey", "a"), ["l", "nokey"]),
    ([("RPUSH", "l", "a")], ("LINSERT", "l", "BEFORE", "zz", "b"), ["l"]),
    ([("SET", "a", "1")], ("SETRANGE", "a", "0", ""), ["a"]),
    ([("SET", "a", "1")], ("APPEND", "a", ""), ["a"]),
    ([("SET", "a", "1")], ("INCRBY", "a", "0"), ["a"]),
    ([("SET", "a", "1")], ("SETNX", "a", "2"), ["a"]),
    ([("SET", "a", "1")], ("SET", "a", "2", "NX"), ["a"]),
    ([("SET", "a", "1")], ("GETDEL", "nokey"), ["a", "nokey"]),
    ([("SET", "a", "1")], ("GETEX", "a"), ["a"]),
    ([("SET", "a", "1")], ("PERSIST", "a"), ["a"]),
    ([("SET", "a", "1")], ("EXPIRE", "a", "100", "XX"), ["a"]),
    ([("SET", "a", "1", "EX", "100")], ("EXPIRE", "a", "50", "GT"), ["a"]),
    ([("SET", "a", "1")], ("SPOP", "nokey"), ["a", "nokey"]),
    ([("SET", "a", "1")], ("LMPOP", "2", "nokey", "a", "LEFT"), ["a", "nokey"]),
    ([("RPUSH", "l", "x"), ("RPUSH", "m", "y")], ("LMPOP", "2", "l", "m", "LEFT"), ["l", "m"]),
    ([("ZADD", "z", "1", "x"), ("ZADD", "y", "1", "y")], ("ZMPOP", "2", "z", "y", "MIN"), ["z", "y"]),
    ([("SET", "a", "1")], ("FLUSHDB",), ["a", "nokey"]),
]


def changes(c):
    return int(info_fields(c.command("INFO", "persistence"))["rdb_changes_since_last_save"])


def observe(server, setup, command, key):
    """(EXEC went through, changes counted by `command`, its reply)."""
    with server.raw() as watcher, server.raw() as writer:
        assert writer.command("FLUSHALL") == "OK"
        for args in setup:
            writer.command(*args)
        assert watcher.command("WATCH", key) == "OK"
        before = changes(writer)
        reply = writer.command(*command)
        counted = changes(writer) - before
        assert watcher.command("MULTI") == "OK"
        assert watcher.command("PING") == "QUEUED"
        went_through = watcher.command("EXEC") is not None
        return went_through, counted, reply


@pytest.fixture(scope="module")
def oracle(tmp_path_factory):
    import harness
    srv = harness.ServerProcess("redis", tmp_path_factory.mktemp("oracle"))
    srv.start()
    yield srv
    srv.stop()


@pytest.mark.parametrize("setup,command,keys", CASES, ids=[" ".join(c[1]) for c in CASES])
def test_signals_and_change_counts_match(server, oracle, setup, command, keys):
    for key in keys:
        expected = observe(oracle, setup, command, key)
        assert observe(server, setup, command, key) == expected, (command, key)


def test_smove_of_a_member_the_destination_holds_leaves_its_watch_alone(server):
    # The oracle's answer, spelled out for the regression (issue 16, item 1).
    went_through, counted, reply = observe(
        server, [("SADD", "s", "a", "b"), ("SADD", "d", "a")], ("SMOVE", "s", "d", "a"), "d")
    assert (went_through, counted, reply) == (True, 1, 1)
    went_through, _, _ = observe(
        server, [("SADD", "s", "a", "b"), ("SADD", "d", "a")], ("SMOVE", "s", "d", "a"), "s")
    assert not went_through
