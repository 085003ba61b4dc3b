"""Streams side by side with redis-server 7.0.15: every command's replies and
errors (a long script run on both, times normalised), blocking XREAD and
XREADGROUP, what reaches the AOF, and RDB files both ways (byte-exact stream
values, DEBUG DIGEST, XINFO STREAM FULL)."""

import glob
import os
import shutil
import threading
import time

import pytest

from harness import RespError, wait_blocked

WRONGTYPE = RespError(
    "WRONGTYPE Operation against a key holding the wrong kind of value")
BAD_ID = RespError("ERR Invalid stream ID specified as stream command argument")

TIME_KEYS = {b"seen-time", b"idle", b"active-time", b"inactive"}


def norm(v):
    """Replaces what depends on the clock: unix-ms integers (delivery and
    seen times), idle times in flat maps, XPENDING's elapsed field."""
    if isinstance(v, int) and v >= 10**12:
        return "T"
    if isinstance(v, bytes) and v.isdigit() and int(v) >= 10**12 and len(v) == 13:
        return "T"
    if isinstance(v, bytes) and b"-" in v:
        ms, _, seq = v.partition(b"-")
        if ms.isdigit() and len(ms) == 13 and seq.isdigit():
            return "TID"
    if isinstance(v, list):
        out = [norm(x) for x in v]
        for i in range(0, len(v) - 1, 2):
            if isinstance(v[i], bytes) and v[i] in TIME_KEYS:
                out[i + 1] = "T"
        # XPENDING extended: [id, consumer, elapsed, count]
        if (len(v) == 4 and isinstance(v[0], bytes) and b"-" in v[0]
                and isinstance(v[1], bytes) and isinstance(v[2], int)
                and isinstance(v[3], int) and v[2] < 10**12):
            out[2] = "E"
        return out
    return v


def side_by_side(a, b, commands):
    """Runs each command on both; returns the list of differences."""
    diffs = []
    for cmd in commands:
        ra = norm(a.command(*cmd))
        rb = norm(b.command(*cmd))
        if ra != rb:
            diffs.append((cmd, ra, rb))
    return diffs


def entries(n, key="s", start=1, fields=("a", "b")):
    cmds = []
    for i in range(start, start + n):
        args = []
        for f in fields:
            args += [f, f"{f}{i}"]
        cmds.append(("XADD", key, f"{i}-1", *args))
    return cmds


SCRIPT_BASIC = [
    ("XADD", "s", "1-1", "a", "1", "b", "2"),
    ("XADD", "s", "1-1", "a", "1"),
    ("XADD", "s", "0-0", "a", "1"),
    ("XADD", "n", "0-0", "a", "1"),
    ("EXISTS", "n"),
    ("XADD", "s", "1-*", "a", "x"),
    ("XADD", "s", "2-*", "c", "y", "d", "12345"),
    ("XADD", "s", "2", "a", "1"),
    ("XADD", "s", "3", "a", "1"),
    ("XADD", "s", "3-0", "a"),
    ("XADD", "s", "a-b", "a", "1"),
    ("XADD", "s"),
    ("XADD", "s", "NOMKSTREAM"),
    ("XADD", "missing", "NOMKSTREAM", "*", "a", "1"),
    ("EXISTS", "missing"),
    ("XADD", "s", "MAXLEN", "-1", "*", "a", "1"),
    ("XADD", "s", "MAXLEN", "x", "*", "a", "1"),
    ("XADD", "s", "MAXLEN", "1", "MINID", "0", "*", "a", "1"),
    ("XADD", "s", "LIMIT", "10", "*", "a", "1"),
    ("XADD", "s", "MAXLEN", "10", "LIMIT", "10", "*", "a", "1"),
    ("XADD", "s", "MAXLEN", "~", "10", "LIMIT", "-1", "*", "a", "1"),
    ("XADD", "s", "MINID", "bad", "*", "a", "1"),
    ("XADD", "s", "+", "a", "1"),
    ("XADD", "s", "-", "a", "1"),
    ("XADD", "s", "18446744073709551615-18446744073709551615", "a", "1"),
    ("XADD", "s", "18446744073709551615-1", "a", "1"),
    ("XLEN", "s"), ("XLEN", "nokey"),
    ("XADD", "big", "18446744073709551615-18446744073709551615", "a", "1"),
    ("XADD", "big", "*", "a", "1"),
    ("XADD", "big2", "18446744073709551615-18446744073709551614", "a", "1"),
    ("XADD", "big2", "18446744073709551615-*", "a", "1"),
    ("XADD", "big2", "18446744073709551615-*", "a", "1"),
    ("SET", "str", "x"),
    ("XADD", "str", "*", "a", "1"),
    ("XLEN", "str"), ("XRANGE", "str", "-", "+"),
    ("TYPE", "s"), ("OBJECT", "ENCODING", "s"),
    ("XRANGE", "s", "-", "+"),
    ("XREVRANGE", "s", "+", "-"),
    ("XRANGE", "s", "-", "+", "COUNT", "2"),
    ("XRANGE", "s", "-", "+", "COUNT", "0"),
    ("XRANGE", "s", "-", "+", "COUNT", "-5"),
    ("XRANGE", "s", "-", "+", "COUNT"),
    ("XRANGE", "s", "-", "+", "COUNT", "x"),
    ("XRANGE", "s", "-", "+", "FOO", "1"),
    ("XRANGE", "s", "(1-1", "+"),
    ("XRANGE", "s", "-", "(2-0"),
    ("XRANGE", "s", "(-", "+"),
    ("XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"),
    ("XRANGE", "s", "-", "(0-0"),
    ("XRANGE", "s", "1", "1"),
    ("XRANGE", "s", "2", "2"),
    ("XRANGE", "s", " 1", "+0002"),
    ("XRANGE", "s", "01", "2-01"),
    ("XRANGE", "s", "x", "+"),
    ("XRANGE", "s", "-1", "+"),
    ("XREVRANGE", "s", "(2-1", "-", "COUNT", "1"),
    ("XREVRANGE", "s", "2", "1"),
    ("XRANGE", "nokey", "-", "+"),
    ("XRANGE", "nokey", "-", "+", "COUNT", "0"),
    ("XDEL", "s", "1-1"),
    ("XDEL", "s", "1-1", "9-9"),
    ("XDEL", "s", "bad"),
    ("XDEL", "s", "-"),
    ("XDEL", "nokey", "1-1"),
    ("XRANGE", "s", "-", "+"),
    ("XINFO", "STREAM", "s"),
    ("XTRIM", "s"),
    ("XTRIM", "s", "FOO", "1"),
    ("XTRIM", "s", "MAXLEN"),
    ("XTRIM", "s", "MAXLEN", "~", "1", "LIMIT", "0"),
    ("XTRIM", "s", "MAXLEN", "1", "LIMIT", "0"),
    ("XTRIM", "s", "MAXLEN", "=", "1"),
    ("XTRIM", "nokey", "MAXLEN", "1"),
    ("XINFO", "STREAM", "s"),
    ("XSETID", "s", "1-0"),
    ("XSETID", "s", "100-0"),
    ("XSETID", "s", "100-0", "ENTRIESADDED", "0"),
    ("XSETID", "s", "100-0", "ENTRIESADDED", "-1"),
    ("XSETID", "s", "100-0", "MAXDELETEDID", "200-0"),
    ("XSETID", "s", "300-0", "ENTRIESADDED", "50", "MAXDELETEDID", "200-0"),
    ("XSETID", "s", "250-0"),
    ("XSETID", "s", "300-0", "FOO"),
    ("XSETID", "nokey", "1-0"),
    ("XSETID", "str", "1-0"),
    ("XINFO", "STREAM", "s"),
    ("XADD", "s", "299-0", "a", "1"),
    ("XADD", "s", "300-*", "a", "1"),
    ("XINFO", "STREAM", "s", "FULL"),
    ("XINFO", "STREAM", "s", "FULL", "COUNT", "1"),
    ("XINFO", "STREAM", "s", "FULL", "COUNT", "-1"),
    ("XINFO", "STREAM", "s", "FULL", "COUNT", "0"),
    ("XINFO", "STREAM", "s", "FULL", "COUNT"),
    ("XINFO", "STREAM", "s", "FOO"),
    ("XINFO", "STREAM", "nokey"),
    ("XINFO", "STREAM", "str"),
    ("XINFO", "FOO", "s"),
    ("XINFO", "GROUPS"),
    ("XINFO", "HELP"),
    ("XGROUP", "HELP"),
    ("XGROUP", "FOO"),
    ("XGROUP", "FOO", "s", "g"),
    ("DEBUG", "DIGEST-VALUE", "s"),
    ("MEMORY", "USAGE", "nokey"),
]

SCRIPT_GROUPS = entries(12) + [
    ("XGROUP", "CREATE", "s", "g", "0"),
    ("XGROUP", "CREATE", "s", "g", "0"),
    ("XGROUP", "CREATE", "nokey", "g", "0"),
    ("XGROUP", "CREATE", "nokey", "g", "$", "MKSTREAM"),
    ("XGROUP", "CREATE", "s", "g2", "$", "ENTRIESREAD", "3"),
    ("XGROUP", "CREATE", "s", "g3", "5-1", "ENTRIESREAD", "-2"),
    ("XGROUP", "CREATE", "s", "g3", "5-1", "FOO"),
    ("XGROUP", "CREATE", "s", "g3", "bad"),
    ("XGROUP", "CREATE", "s", "g3", "5-1", "ENTRIESREAD", "x"),
    ("XGROUP", "CREATE", "s", "g3"),
    ("XGROUP", "CREATE", "str", "g", "0"),
    ("XINFO", "GROUPS", "s"),
    ("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "bob", "COUNT", "3", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"),
    ("XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", "0"),
    ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "1-1"),
    ("XREADGROUP", "GROUP", "g", "carol", "NOACK", "COUNT", "2", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "nog", "alice", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "nokey", ">"),
    ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "$"),
    ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s"),
    ("XREADGROUP", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "bad"),
    ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "str", ">"),
    ("XREAD", "GROUP", "g", "a", "STREAMS", "s", ">"),
    ("XREAD", "NOACK", "STREAMS", "s", "0"),
    ("XREAD", "STREAMS", "s", ">"),
    ("XREAD", "STREAMS", "s", "$"),
    ("XREAD", "STREAMS", "s", "nokey", "0", "0"),
    ("XREAD", "COUNT", "2", "STREAMS", "s", "nokey", "3", "0"),
    ("XREAD", "STREAMS", "s"),
    ("XREAD", "COUNT", "x", "STREAMS", "s", "0"),
    ("XREAD", "BLOCK", "x", "STREAMS", "s", "0"),
    ("XREAD", "BLOCK", "-1", "STREAMS", "s", "0"),
    ("XREAD", "FOO", "STREAMS", "s", "0"),
    ("XREAD", "COUNT", "1"),
    ("XREAD", "STREAMS", "s", "99-0"),
    ("XREAD", "COUNT", "1", "STREAMS", "s", "str", "0", "0"),
    ("XPENDING", "s", "g"),
    ("XPENDING", "s", "g2"),
    ("XPENDING", "s", "nog"),
    ("XPENDING", "nokey", "g"),
    ("XPENDING", "str", "g"),
    ("XPENDING", "s", "g", "-", "+", "10"),
    ("XPENDING", "s", "g", "-", "+", "2"),
    ("XPENDING", "s", "g", "-", "+", "10", "bob"),
    ("XPENDING", "s", "g", "-", "+", "10", "nobody"),
    ("XPENDING", "s", "g", "(2-1", "(5-1", "10"),
    ("XPENDING", "s", "g", "IDLE", "0", "-", "+", "10"),
    ("XPENDING", "s", "g", "IDLE", "100000", "-", "+", "10"),
    ("XPENDING", "s", "g", "IDLE", "100000", "-", "+"),
    ("XPENDING", "s", "g", "-", "+"),
    ("XPENDING", "s", "g", "-", "+", "x"),
    ("XPENDING", "s", "g", "-", "+", "-3"),
    ("XPENDING", "s", "g", "x", "+", "3"),
    ("XPENDING", "s", "g", "-", "+", "3", "a", "b", "c", "d"),
    ("XACK", "s", "g", "1-1", "1-1", "9-9"),
    ("XACK", "s", "g", "bad"),
    ("XACK", "s", "nog", "bad"),
    ("XACK", "nokey", "g", "1-1"),
    ("XACK", "str", "g", "1-1"),
    ("XCLAIM", "s", "g", "dave", "0", "2-1"),
    ("XCLAIM", "s", "g", "dave", "0", "3-1", "JUSTID"),
    ("XCLAIM", "s", "g", "dave", "0", "3-1", "4-1", "RETRYCOUNT", "7", "JUSTID"),
    ("XCLAIM", "s", "g", "erin", "100000000", "3-1"),
    ("XCLAIM", "s", "g", "erin", "0", "11-1"),
    ("XCLAIM", "s", "g", "erin", "0", "11-1", "FORCE", "JUSTID"),
    ("XCLAIM", "s", "g", "erin", "0", "12-1", "FORCE", "LASTID", "12-1"),
    ("XCLAIM", "s", "g", "erin", "0", "1-1", "LASTID", "1-1"),
    ("XCLAIM", "s", "g", "erin", "0", "99-1", "LASTID", "20-1"),
    ("XCLAIM", "s", "g", "erin", "x", "1-1"),
    ("XCLAIM", "s", "g", "erin", "0", "1-1", "IDLE", "x"),
    ("XCLAIM", "s", "g", "erin", "0", "1-1", "TIME", "x"),
    ("XCLAIM", "s", "g", "erin", "0", "1-1", "RETRYCOUNT", "x"),
    ("XCLAIM", "s", "g", "erin", "0", "1-1", "LASTID", "x"),
    ("XCLAIM", "s", "g", "erin", "0", "1-1", "BOGUS"),
    ("XCLAIM", "s", "g", "erin", "0", "bad"),
    ("XCLAIM", "s", "nog", "erin", "0", "1-1"),
    ("XCLAIM", "nokey", "g", "erin", "0", "1-1"),
    ("XCLAIM", "s", "g", "erin", "0", "5-1", "IDLE", "5000", "JUSTID"),
    ("XPENDING", "s", "g", "IDLE", "4000", "-", "+", "10"),
    ("XPENDING", "s", "g"),
    ("XDEL", "s", "2-1", "3-1"),
    ("XCLAIM", "s", "g", "frank", "0", "2-1", "4-1"),
    ("XAUTOCLAIM", "s", "g", "gina", "0", "0", "COUNT", "1"),
    ("XAUTOCLAIM", "s", "g", "gina", "0", "0", "COUNT", "2", "JUSTID"),
    ("XAUTOCLAIM", "s", "g", "gina", "0", "(5-1"),
    ("XAUTOCLAIM", "s", "g", "gina", "100000000", "0"),
    ("XAUTOCLAIM", "s", "g", "gina", "x", "0"),
    ("XAUTOCLAIM", "s", "g", "gina", "0", "x"),
    ("XAUTOCLAIM", "s", "g", "gina", "0", "0", "COUNT", "0"),
    ("XAUTOCLAIM", "s", "g", "gina", "0", "0", "COUNT", "x"),
    ("XAUTOCLAIM", "s", "g", "gina", "0", "0", "FOO"),
    ("XAUTOCLAIM", "s", "nog", "gina", "0", "0"),
    ("XAUTOCLAIM", "nokey", "g", "gina", "0", "0"),
    ("XAUTOCLAIM", "s", "g", "gina", "0", "(18446744073709551615-18446744073709551615"),
    ("XGROUP", "CREATECONSUMER", "s", "g", "hank"),
    ("XGROUP", "CREATECONSUMER", "s", "g", "hank"),
    ("XGROUP", "CREATECONSUMER", "s", "nog", "hank"),
    ("XGROUP", "DELCONSUMER", "s", "g", "nobody"),
    ("XGROUP", "DELCONSUMER", "s", "g", "gina"),
    ("XGROUP", "SETID", "s", "g", "3-1"),
    ("XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "12"),
    ("XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "-5"),
    ("XGROUP", "SETID", "s", "g", "0", "FOO", "1"),
    ("XGROUP", "SETID", "s", "g", "-"),
    ("XGROUP", "SETID", "s", "nog", "0"),
    ("XGROUP", "SETID", "nokey", "g", "0"),
    ("XGROUP", "SETID", "s", "g"),
    ("XGROUP", "DESTROY", "s", "g3"),
    ("XGROUP", "DESTROY", "s", "nog"),
    ("XGROUP", "DESTROY", "s"),
    ("XINFO", "GROUPS", "s"),
    ("XINFO", "CONSUMERS", "s", "g"),
    ("XINFO", "CONSUMERS", "s", "nog"),
    ("XINFO", "STREAM", "s", "FULL"),
    ("XTRIM", "s", "MINID", "6-1"),
    ("XINFO", "GROUPS", "s"),
    ("XGROUP", "SETID", "s", "g", "0"),
    ("XREADGROUP", "GROUP", "g", "zed", "COUNT", "3", "STREAMS", "s", ">"),
    ("XINFO", "GROUPS", "s"),
    ("XINFO", "STREAM", "s", "FULL"),
    ("DEBUG", "DIGEST-VALUE", "s"),
    ("XGROUP", "CREATE", "e", "g", "$", "MKSTREAM"),
    ("XINFO", "STREAM", "e", "FULL"),
    ("XINFO", "GROUPS", "e"),
    ("XADD", "e", "1-1", "f", "v"),
    ("XDEL", "e", "1-1"),
    ("XINFO", "GROUPS", "e"),
    ("XINFO", "STREAM", "e"),
    ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "e", ">"),
]


def many_nodes_script():
    """Enough entries for several nodes (the node limits decide the shape:
    XINFO radix-tree-keys / -nodes), deletions inside and across nodes,
    trims exact and approximate."""
    cmds = []
    for i in range(1, 451):
        if i % 7 == 0:
            cmds.append(("XADD", "m", f"{i}-0", "other", f"v{i}"))
        else:
            cmds.append(("XADD", "m", f"{i}-0", "a", f"{i}", "b", "x" * (i % 30)))
    cmds += [
        ("XINFO", "STREAM", "m"),
        ("XDEL", "m", *[f"{i}-0" for i in range(50, 80)]),
        ("XDEL", "m", *[f"{i}-0" for i in range(101, 201)]),
        ("XINFO", "STREAM", "m"),
        ("XRANGE", "m", "90", "215"),
        ("XREVRANGE", "m", "215", "90", "COUNT", "7"),
        ("XTRIM", "m", "MAXLEN", "~", "300"),
        ("XINFO", "STREAM", "m"),
        ("XTRIM", "m", "MAXLEN", "290"),
        ("XTRIM", "m", "MINID", "~", "330"),
        ("XTRIM", "m", "MINID", "~", "600", "LIMIT", "50"),
        ("XINFO", "STREAM", "m"),
        ("XADD", "m", "MAXLEN", "~", "10", "1000-0", "a", "1"),
        ("XADD", "m", "MINID", "=", "900", "1001-0", "a", "1"),
        ("XINFO", "STREAM", "m"),
        ("XRANGE", "m", "-", "+"),
        ("DEBUG", "DIGEST-VALUE", "m"),
        ("CONFIG", "SET", "stream-node-max-entries", "3"),
        *[("XADD", "n3", f"{i}-0", "f", "v" * i) for i in range(1, 20)],
        ("XINFO", "STREAM", "n3"),
        ("CONFIG", "SET", "stream-node-max-entries", "0"),
        ("CONFIG", "SET", "stream-node-max-bytes", "100"),
        *[("XADD", "b100", f"{i}-0", "f", "v" * (i * 3)) for i in range(1, 20)],
        ("XINFO", "STREAM", "b100"),
        ("CONFIG", "SET", "stream-node-max-bytes", "4096"),
        ("CONFIG", "SET", "stream-node-max-entries", "100"),
        ("XADD", "r", "1-0", "a", "1"),
        ("XADD", "r", "256-0", "a", "1"),
        ("XADD", "r", "65536-0", "a", "1"),
        ("XADD", "r", "4294967296-7", "a", "1"),
        ("XINFO", "STREAM", "r"),
        ("COPY", "m", "mcopy"),
        ("DEBUG", "DIGEST-VALUE", "mcopy"),
        ("XINFO", "STREAM", "mcopy", "FULL"),
        ("DEBUG", "DIGEST"),
    ]
    return cmds


@pytest.mark.parametrize("script", [SCRIPT_BASIC, SCRIPT_GROUPS, many_nodes_script()],
                         ids=["basic", "groups", "nodes"])
def test_stream_commands_match_the_oracle(server_factory, oracle_factory, script):
    ours = server_factory().raw()
    oracle = oracle_factory().raw()
    diffs = side_by_side(ours, oracle, script)
    assert diffs == [], "\n".join(f"{c}\n  ours:   {a}\n  redis:  {b}" for c, a, b in diffs[:20])


def test_stream_type_and_wrongtype(r):
    r.xadd("s", {"a": "1"}, id="1-1")
    assert r.type("s") == b"stream"
    assert r.object("encoding", "s") == b"stream"
    assert r.memory_usage("s") > 0
    r.set("str", "x")
    with pytest.raises(Exception, match="WRONGTYPE"):
        r.xadd("str", {"a": "1"})
    assert r.scan(0, _type="stream")[1] == [b"s"]


def read_in_thread(srv, args, out):
    def run():
        c = srv.raw()
        out.append(c.command(*args))
    t = threading.Thread(target=run)
    t.start()
    return t


def test_xread_block_is_woken_by_xadd(server):
    c = server.raw()
    c.command("XADD", "s", "1-1", "a", "1")
    out = []
    t = read_in_thread(server, ("XREAD", "BLOCK", "0", "STREAMS", "s", "other", "$", "$"), out)
    wait_blocked(c, 1)
    c.command("XADD", "other", "5-5", "x", "y")
    t.join(10)
    assert out == [[[b"other", [[b"5-5", [b"x", b"y"]]]]]]


def test_xread_block_times_out_with_null(server):
    c = server.raw()
    start = time.monotonic()
    assert c.command("XREAD", "BLOCK", "100", "STREAMS", "s", "$") is None
    assert time.monotonic() - start >= 0.09


def test_xreadgroup_block_served_and_propagates(server):
    c = server.raw()
    c.command("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    out = []
    t = read_in_thread(server, ("XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", ">"), out)
    wait_blocked(c, 1)
    c.command("XADD", "s", "7-1", "k", "v")
    t.join(10)
    assert out == [[[b"s", [[b"7-1", [b"k", b"v"]]]]]]
    pending = c.command("XPENDING", "s", "g")
    assert pending[0] == 1 and pending[3] == [[b"c1", b"1"]]


def test_xreadgroup_block_ends_on_destroy_and_delete(server):
    c = server.raw()
    c.command("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    out = []
    t = read_in_thread(server, ("XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", ">"), out)
    wait_blocked(c, 1)
    assert c.command("XGROUP", "DESTROY", "s", "g") == 1
    t.join(10)
    assert out == [RespError("NOGROUP the consumer group this client was blocked on no longer exists")]
    c.command("XGROUP", "CREATE", "s", "g", "$")
    out.clear()
    t = read_in_thread(server, ("XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", ">"), out)
    wait_blocked(c, 1)
    c.command("DEL", "s")
    t.join(10)
    assert out == [RespError("UNBLOCKED the stream key no longer exists")]
    # FLUSHALL and SWAPDB take the key away too.
    for takes_it in (("FLUSHALL",), ("SWAPDB", "0", "1")):
        c.command("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        out.clear()
        t = read_in_thread(server, ("XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", ">"), out)
        wait_blocked(c, 1)
        c.command(*takes_it)
        t.join(10)
        assert out == [RespError("UNBLOCKED the stream key no longer exists")], takes_it
        c.command("FLUSHALL")
    # A plain XREAD keeps waiting through a delete.
    out.clear()
    t = read_in_thread(server, ("XREAD", "BLOCK", "0", "STREAMS", "s", "$"), out)
    wait_blocked(c, 1)
    c.command("SET", "s", "x")
    c.command("DEL", "s")
    time.sleep(0.1)
    assert out == []
    c.command("XADD", "s", "1-1", "a", "b")
    t.join(10)
    assert out == [[[b"s", [[b"1-1", [b"a", b"b"]]]]]]


def test_xread_block_inside_multi_is_null(server):
    c = server.raw()
    assert c.command("MULTI") == "OK"
    c.command("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    assert c.command("EXEC") == [None]


# ------------------------------------------------------------------ AOF

AOF_SCRIPT = entries(5) + [
    ("XADD", "s", "MAXLEN", "~", "2", "*", "a", "1"),
    ("XADD", "s", "MINID", "~", "2", "LIMIT", "10", "*", "a", "1"),
    ("XADD", "s", "9999999999999-*", "a", "1"),
    ("XTRIM", "s", "MAXLEN", "5"),
    ("XGROUP", "CREATE", "s", "g", "0"),
    ("XREADGROUP", "GROUP", "g", "c1", "COUNT", "2", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "c2", "NOACK", "COUNT", "1", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "c3", "NOACK", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "c4", "STREAMS", "s", "0"),
    ("XACK", "s", "g", "9999999999999-0"),
    ("XCLAIM", "s", "g", "c5", "0", "9999999999999-0"),
    ("XAUTOCLAIM", "s", "g", "c6", "0", "0", "JUSTID"),
    ("XCLAIM", "s", "g", "c5", "0", "1-1", "LASTID", "9999999999999-5"),
    ("XGROUP", "SETID", "s", "g", "0"),
    ("XGROUP", "CREATECONSUMER", "s", "g", "c9"),
    ("XGROUP", "DELCONSUMER", "s", "g", "c9"),
    ("XSETID", "s", "9999999999999-9"),
    ("XDEL", "s", "9999999999999-1"),
    ("XGROUP", "DESTROY", "s", "g"),
]


def aof_commands(srv):
    data = b"".join(open(f, "rb").read() for f in sorted(
        glob.glob(os.path.join(srv.dir, "appendonlydir", "*.incr.aof"))))
    out, i = [], 0
    while i < len(data):
        j = data.index(b"\r\n", i)
        n = int(data[i + 1:j])
        i = j + 2
        args = []
        for _ in range(n):
            j = data.index(b"\r\n", i)
            ln = int(data[i + 1:j])
            i = j + 2
            args.append(data[i:i + ln])
            i += ln + 2
        # Times differ between the two servers: TIME's argument goes.
        for k in range(len(args) - 1):
            if args[k] == b"TIME":
                args[k + 1] = b"T"
        out.append([norm(a) for a in args])
    return out


def test_stream_writes_reach_the_aof_as_the_oracle_writes_them(server_factory, oracle_factory):
    ours = server_factory(extra_args=["--appendonly", "yes"])
    oracle = oracle_factory(extra_args=["--appendonly", "yes"])
    a, b = ours.raw(), oracle.raw()
    diffs = side_by_side(a, b, AOF_SCRIPT)
    assert diffs == []
    time.sleep(1.2)  # everysec
    assert aof_commands(ours) == aof_commands(oracle)


def wait_rewrite_done(c):
    for _ in range(500):
        info = c.command("INFO", "persistence")
        if b"aof_rewrite_in_progress:0" in info and b"aof_rewrite_scheduled:0" in info:
            return
        time.sleep(0.02)
    raise AssertionError("rewrite did not finish")


def test_aof_restart_and_rewrite_match_the_oracle(server_factory, oracle_factory):
    # What a restart rebuilds from the AOF (and from a rewritten AOF) is what
    # Redis rebuilds: consumers made by reads that propagate nothing are
    # gone in both, delivery times survive.
    servers = [server_factory(extra_args=["--appendonly", "yes"]),
               oracle_factory(extra_args=["--appendonly", "yes"])]
    for srv in servers:
        c = srv.raw()
        for cmd in AOF_SCRIPT[:-1]:
            c.command(*cmd)
        c.command("XGROUP", "CREATE", "s", "g2", "0")
        c.command("XREADGROUP", "GROUP", "g2", "x", "COUNT", "2", "STREAMS", "s", ">")
        c.command("XADD", "empty", "MAXLEN", "0", "1-1", "a", "b")
    time.sleep(1.2)

    def state(srv):
        # Not DEBUG DIGEST: the "*" ids differ between the two servers.
        c = srv.raw()
        return (norm(c.command("XINFO", "STREAM", "s", "FULL")),
                norm(c.command("XINFO", "STREAM", "empty", "FULL")))

    for srv in servers:
        srv.stop()
        srv.start()
    assert state(servers[0]) == state(servers[1])
    for srv in servers:
        c = srv.raw()
        assert c.command("BGREWRITEAOF") is not None
        wait_rewrite_done(c)
        srv.stop()
        srv.start()
    assert state(servers[0]) == state(servers[1])


# ------------------------------------------------------------------ RDB

def rdb_body(path):
    """The bytes after the aux fields, without the checksum."""
    data = open(path, "rb").read()
    i = 9

    def length(i):
        b = data[i]
        t = b >> 6
        if t == 0:
            return b & 63, i + 1, False
        if t == 1:
            return ((b & 63) << 8) | data[i + 1], i + 2, False
        if t == 3:
            return b & 63, i + 1, True
        if b == 0x80:
            return int.from_bytes(data[i + 1:i + 5], "big"), i + 5, False
        return int.from_bytes(data[i + 1:i + 9], "big"), i + 9, False

    def string(i):
        n, i, enc = length(i)
        if enc:
            return i + {0: 1, 1: 2, 2: 4}[n]
        return i + n

    while data[i] == 0xFA:
        i = string(i + 1)
        i = string(i)
    return data[i:-8]


def build_group_dataset(c):
    for cmd in SCRIPT_GROUPS:
        c.command(*cmd)
    for cmd in many_nodes_script():
        if cmd[0] != "COPY":
            c.command(*cmd)


def single_key_datasets():
    """Scripts that each leave one key (file order is the hash table's, so
    byte comparisons are per key)."""
    groups = SCRIPT_GROUPS + [("DEL", "nokey", "e", "str")]
    nodes = [cmd for cmd in many_nodes_script() if cmd[0] != "COPY"] + [("DEL", "n3", "b100", "r")]
    empty = [("XGROUP", "CREATE", "e", "g", "$", "MKSTREAM"), ("XADD", "e", "5-5", "a", "b"),
             ("XDEL", "e", "5-5")]
    return {"groups": (groups, "s"), "nodes": (nodes, "m"), "empty": (empty, "e")}


@pytest.mark.parametrize("name", ["groups", "nodes", "empty"])
def test_rdb_from_the_oracle_loads_here_and_saves_byte_for_byte(server_factory, oracle_factory, name):
    script, key = single_key_datasets()[name]
    oracle = oracle_factory()
    o = oracle.raw()
    for cmd in script:
        o.command(*cmd)
    assert o.command("DBSIZE") == 1
    assert o.command("SAVE") == "OK"
    digest = o.command("DEBUG", "DIGEST")
    full = o.command("XINFO", "STREAM", key, "FULL")
    srv = server_factory(start=False)
    shutil.copy(os.path.join(oracle.dir, "dump.rdb"), os.path.join(srv.dir, "dump.rdb"))
    srv.start()
    c = srv.raw()
    assert c.command("DEBUG", "DIGEST") == digest
    assert c.command("XINFO", "STREAM", key, "FULL") == full
    assert c.command("SAVE") == "OK"
    assert rdb_body(os.path.join(srv.dir, "dump.rdb")) == rdb_body(os.path.join(oracle.dir, "dump.rdb"))


def test_rdb_saved_here_loads_into_the_oracle(server_factory, oracle_factory):
    srv = server_factory()
    c = srv.raw()
    build_group_dataset(c)
    assert c.command("SAVE") == "OK"
    digest = c.command("DEBUG", "DIGEST")
    full = c.command("XINFO", "STREAM", "s", "FULL")
    assert c.command("DEBUG", "RELOAD") == "OK"
    assert c.command("DEBUG", "DIGEST") == digest
    assert c.command("XINFO", "STREAM", "s", "FULL") == full
    oracle = oracle_factory()
    oracle.stop()
    shutil.copy(os.path.join(srv.dir, "dump.rdb"), os.path.join(oracle.dir, "dump.rdb"))
    oracle.start()
    o = oracle.raw()
    assert o.command("DEBUG", "DIGEST") == digest
    assert o.command("XINFO", "STREAM", "s", "FULL") == full


GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "persistence", "tests",
                      "testdata", "redis70_streams.rdb")


def test_golden_stream_file_loads_as_in_the_oracle(server_factory, oracle_factory):
    """redis70_streams.rdb (made by redis-server 7.0.15, make_golden.sh) gives
    the same digest and XINFO STREAM FULL here as in the oracle, and the
    file saved here again is the same bytes per key."""
    srv = server_factory(start=False)
    shutil.copy(GOLDEN, os.path.join(srv.dir, "dump.rdb"))
    srv.start()
    oracle = oracle_factory()
    oracle.stop()
    shutil.copy(GOLDEN, os.path.join(oracle.dir, "dump.rdb"))
    oracle.start()
    c, o = srv.raw(), oracle.raw()
    assert c.command("DEBUG", "DIGEST") == o.command("DEBUG", "DIGEST")
    for key in ("stream:main", "stream:empty", "stream:ttl", "stream:trimmed"):
        assert c.command("XINFO", "STREAM", key, "FULL") == o.command("XINFO", "STREAM", key, "FULL")
        assert c.command("DEBUG", "DIGEST-VALUE", key) == o.command("DEBUG", "DIGEST-VALUE", key)
    assert c.command("PTTL", "stream:ttl") > 0
    assert (norm(c.command("XINFO", "GROUPS", "stream:main"))
            == norm(o.command("XINFO", "GROUPS", "stream:main")))


def test_check_rdb_reads_streams(target):
    if target != "replikv":
        return
    import subprocess
    from harness import check_rdb_binary
    out = subprocess.run([check_rdb_binary("replikv"), GOLDEN], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "4 keys of type stream" in out.stdout


def replicate_streams(factory):
    """A primary and its replica of one kind; the replica gets a stream with
    a group by full sync, then the propagated forms of the AOF script and a
    few reads and claims. Returns (primary, replica) raw clients, in sync."""
    import harness
    args = ["--repl-diskless-sync-delay", "0"]
    primary = factory(extra_args=args)
    p = primary.raw()
    for cmd in entries(20):
        p.command(*cmd)
    p.command("XGROUP", "CREATE", "s", "g", "0")
    p.command("XREADGROUP", "GROUP", "g", "a", "COUNT", "3", "STREAMS", "s", ">")
    replica = factory(extra_args=args)
    replica.raw().command("REPLICAOF", "127.0.0.1", str(primary.port))

    def synced():
        pi = p.command("INFO", "replication")
        ri = replica.raw().command("INFO", "replication")
        off = lambda t: [ln for ln in t.split(b"\r\n") if ln.startswith(b"master_repl_offset:")][0]
        return b"master_link_status:up" in ri and off(pi) == off(ri)

    harness.wait_for(synced, 30, "replica in sync")
    for cmd in AOF_SCRIPT[:-1] + [
            ("XREADGROUP", "GROUP", "g", "b", "NOACK", "COUNT", "2", "STREAMS", "s", ">"),
            ("XADD", "s", "MAXLEN", "~", "3", "*", "z", "1"),
            ("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"),
            ("XCLAIM", "s", "g", "c", "0", "15-1", "16-1", "IDLE", "500"),
            ("XAUTOCLAIM", "s", "g", "d", "0", "0", "COUNT", "2")]:
        p.command(*cmd)
    harness.wait_for(synced, 30, "replica in sync")
    return p, replica.raw()


def test_replica_applies_the_propagated_stream_forms(server_factory, oracle_factory):
    """The replica holds the primary's entries, counters and PEL (owners,
    delivery times and counts); consumers the primary made without
    propagating anything are missing there, in Redis 7.0 as here, so the
    replica's whole state is compared with a redis pair's."""
    p, r = replicate_streams(server_factory)
    assert r.command("DEBUG", "DIGEST") == p.command("DEBUG", "DIGEST")
    ours, theirs = p.command("XINFO", "STREAM", "s", "FULL"), r.command("XINFO", "STREAM", "s", "FULL")
    assert ours[:16] == theirs[:16]
    group_p, group_r = ours[17][0], theirs[17][0]
    # name, last id, PEL with the delivery times; entries-read (and so lag)
    # can differ: Redis 7.0's XCLAIM form does not carry it.
    assert group_p[:4] == group_r[:4] and group_p[8:12] == group_r[8:12]
    assert p.command("XPENDING", "s", "g") == r.command("XPENDING", "s", "g")
    op, orr = replicate_streams(oracle_factory)
    assert norm(theirs) == norm(orr.command("XINFO", "STREAM", "s", "FULL"))
