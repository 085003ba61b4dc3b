"""Every value type through RDB and AOF: lists, sets (intset and strings),
hashes and sorted sets, in their small (compact) and big encodings, with and
without TTLs, survive SAVE + restart, DEBUG RELOAD and an AOF rewrite +
restart with the same DEBUG DIGEST and OBJECT ENCODING, and files move both
ways between replikv and the real redis-server 7.0.

Each test runs against both targets (on [redis] it checks Redis against
itself); the interop tests pair the target with the oracle.
"""

import random
import shutil

import pytest

from harness import wait_for, info_fields

THRESHOLD_ARGS = ["--hash-max-listpack-entries", "128", "--zset-max-listpack-entries", "128",
                  "--set-max-intset-entries", "512"]


def fill_types(c, seed=7):
    """Small and big values of each type in db 0 and db 3; returns the keys."""
    rng = random.Random(seed)
    keys = []
    for db in (0, 3):
        assert c.command("SELECT", db) == "OK"
        for size in (1, 5, 127, 129, 600):
            words = [f"w{rng.randrange(10**6)}" for _ in range(size)]
            ints = [str(rng.randrange(-10**9, 10**9)) for _ in range(size)]
            c.command("RPUSH", f"list:{size}", *words)
            c.command("SADD", f"set:str:{size}", *words)
            c.command("SADD", f"set:int:{size}", *ints)
            pairs = [x for i, w in enumerate(words) for x in (f"f{i}", w)]
            c.command("HSET", f"hash:{size}", *pairs)
            zpairs = [x for w in words for x in (repr(rng.uniform(-1e6, 1e6)), w)]
            c.command("ZADD", f"zset:{size}", *zpairs)
            keys += [f"list:{size}", f"set:str:{size}", f"set:int:{size}", f"hash:{size}", f"zset:{size}"]
        c.command("HSET", "hash:longvalue", "f", "x" * 200)  # past hash-max-listpack-value
        c.command("ZADD", "zset:inf", "inf", "a", "-inf", "b", "0", "c")
        c.command("RPUSH", "list:bigelem", "y" * 100000, "z")
        for k in ("list:5", "set:int:5", "hash:5", "zset:5"):
            assert c.command("PEXPIRE", k, 3_600_000) == 1
    assert c.command("SELECT", 0) == "OK"
    return keys


def state(c, keys):
    """Digest plus every key's encoding in db 0 and 3."""
    out = {"digest": c.command("DEBUG", "DIGEST")}
    for db in (0, 3):
        c.command("SELECT", db)
        for k in keys + ["hash:longvalue", "zset:inf", "list:bigelem"]:
            out[(db, k)] = c.command("OBJECT", "ENCODING", k)
    c.command("SELECT", 0)
    return out


def test_save_restart_and_reload_keep_every_type(server_factory):
    srv = server_factory(extra_args=THRESHOLD_ARGS)
    with srv.raw() as c:
        keys = fill_types(c)
        before = state(c, keys)
        assert c.command("DEBUG", "RELOAD") == "OK"
        assert state(c, keys) == before
        assert c.command("SAVE") == "OK"
    srv.stop()
    srv.start()
    with srv.raw() as c:
        assert state(c, keys) == before
        assert c.command("PTTL", "list:5") > 0


def test_types_saved_here_load_into_the_oracle(server_factory, oracle_factory):
    srv = server_factory(extra_args=THRESHOLD_ARGS)
    with srv.raw() as c:
        keys = fill_types(c, seed=8)
        before = state(c, keys)
        assert c.command("SAVE") == "OK"
    oracle = oracle_factory(extra_args=THRESHOLD_ARGS)
    oracle.stop()
    shutil.copy(srv.dir / "dump.rdb", oracle.dir / "dump.rdb")
    oracle.start()
    with oracle.raw() as c:
        assert c.command("DEBUG", "DIGEST") == before["digest"]


def test_types_saved_by_the_oracle_load_here(server_factory, oracle_factory):
    oracle = oracle_factory(extra_args=THRESHOLD_ARGS)
    with oracle.raw() as c:
        keys = fill_types(c, seed=9)
        before = state(c, keys)
        assert c.command("SAVE") == "OK"
    srv = server_factory(extra_args=THRESHOLD_ARGS, start=False)
    shutil.copy(oracle.dir / "dump.rdb", srv.dir / "dump.rdb")
    srv.start()
    with srv.raw() as c:
        assert state(c, keys) == before


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_aof_rewrite_and_restart_keep_every_type(server_factory, preamble):
    srv = server_factory(extra_args=THRESHOLD_ARGS + ["--appendonly", "yes", "--aof-use-rdb-preamble", preamble])
    with srv.raw() as c:
        keys = fill_types(c, seed=10)
        before = state(c, keys)
        assert c.command("BGREWRITEAOF").startswith("Background append only file rewriting")
        wait_for(lambda: info_fields(c.command("INFO", "persistence"))["aof_rewrite_in_progress"] == "0"
                 and info_fields(c.command("INFO", "persistence"))["aof_rewrites"] != "0",
                 30, "the AOF rewrite to finish")
        c.command("RPUSH", "list:1", "after-rewrite")  # lands in the new incr file
        before = state(c, keys)
    srv.stop()
    srv.start()
    with srv.raw() as c:
        assert state(c, keys) == before
