"""Lazy freeing (issue 16, section 3), side by side on redis-server 7.0.15 and
replikv: UNLINK, FLUSHALL/FLUSHDB ASYNC and the lazyfree-* directives hand
values whose free effort is over 64 (elements of a hash table set, hash or
skiplist zset; nodes of a list) to a background thread, counted in INFO
memory lazyfree_pending_objects / lazyfreed_objects; small ones are freed
at once and not counted. A flushed db counts one object per key.

Nothing here asserts on timing: the counters are polled with deadlines.
"""

import pytest

from harness import info_fields, wait_for

BIG = [f"member:{i}" for i in range(1000)]  # not integers: a hash table set
SMALL = [f"member:{i}" for i in range(10)]


def memory(c):
    return info_fields(c.command("INFO", "memory"))


def wait_freed(c, n):
    """Until lazyfreed_objects is n and nothing is pending; returns INFO memory."""
    def done():
        f = memory(c)
        return f if f["lazyfreed_objects"] == str(n) and f["lazyfree_pending_objects"] == "0" else None
    return wait_for(done, 20, f"lazyfreed_objects:{n}")


def fill(c, key, members=BIG):
    assert c.command("SADD", key, *members) == len(members)


def test_info_fields_start_at_zero(raw):
    f = memory(raw)
    assert f["lazyfree_pending_objects"] == "0"
    assert "lazyfreed_objects" in f


def test_unlink_frees_big_values_in_the_background(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        fill(c, "big")
        fill(c, "small", SMALL)
        assert c.command("RPUSH", "list", *BIG) == len(BIG)  # few nodes: small
        assert c.command("HSET", "hash", *[x for m in BIG for x in (m, "v")]) == len(BIG)
        assert c.command("ZADD", "zset", *[x for m in BIG for x in ("1", m)]) == len(BIG)
        assert c.command("UNLINK", "small", "list", "nokey") == 2
        wait_freed(c, 0)
        assert c.command("UNLINK", "big", "hash", "zset") == 3
        wait_freed(c, 3)
        assert c.command("DBSIZE") == 0
        # The threshold: 64 elements are freed at once, 65 are not.
        fill(c, "at", BIG[:64])
        fill(c, "over", BIG[:65])
        assert c.command("UNLINK", "at") == 1
        wait_freed(c, 3)
        assert c.command("UNLINK", "over") == 1
        wait_freed(c, 4)
        assert c.command("CONFIG", "RESETSTAT") == "OK"
        assert memory(c)["lazyfreed_objects"] == "0"


def test_del_is_lazy_only_with_lazyfree_lazy_user_del(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        fill(c, "a")
        assert c.command("DEL", "a") == 1
        wait_freed(c, 0)
        assert c.command("CONFIG", "SET", "lazyfree-lazy-user-del", "yes") == "OK"
        fill(c, "a")
        assert c.command("DEL", "a") == 1
        wait_freed(c, 1)


def test_flush_async_frees_every_key_in_the_background(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        assert c.command("MSET", *[x for i in range(20) for x in (f"k{i}", "v")]) == "OK"
        fill(c, "big")
        assert c.command("FLUSHDB", "ASYNC") == "OK"
        assert c.command("DBSIZE") == 0
        wait_freed(c, 21)
        assert c.command("SELECT", "3") == "OK"
        assert c.command("MSET", "x", "1", "y", "2") == "OK"
        assert c.command("SELECT", "0") == "OK"
        assert c.command("SET", "z", "1") == "OK"
        assert c.command("FLUSHALL", "ASYNC") == "OK"
        assert c.command("DBSIZE") == 0
        wait_freed(c, 24)
        assert c.command("FLUSHALL", "ASYNC") == "OK"  # nothing to free
        wait_freed(c, 24)


def test_flush_follows_lazyfree_lazy_user_flush_unless_told(server_factory):
    srv = server_factory(extra_args=["--lazyfree-lazy-user-flush", "yes"])
    with srv.raw() as c:
        assert c.command("MSET", "a", "1", "b", "2") == "OK"
        assert c.command("FLUSHALL") == "OK"
        wait_freed(c, 2)
        assert c.command("MSET", "a", "1", "b", "2") == "OK"
        assert c.command("FLUSHDB", "SYNC") == "OK"
        assert c.command("DBSIZE") == 0
        wait_freed(c, 2)


def test_overwrite_and_rename_follow_lazyfree_lazy_server_del(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        fill(c, "a")
        assert c.command("SET", "a", "x") == "OK"
        wait_freed(c, 0)
        assert c.command("CONFIG", "SET", "lazyfree-lazy-server-del", "yes") == "OK"
        assert c.command("DEL", "a") == 1
        fill(c, "a")
        assert c.command("SET", "a", "x") == "OK"
        wait_freed(c, 1)
        fill(c, "b")
        assert c.command("RENAME", "a", "b") == "OK"
        wait_freed(c, 2)
        assert c.command("GET", "b") == b"x"


def test_expired_big_values_follow_lazyfree_lazy_expire(server_factory):
    srv = server_factory(extra_args=["--lazyfree-lazy-expire", "yes"])
    with srv.raw() as c:
        fill(c, "a")
        assert c.command("PEXPIREAT", "a", "1000") == 1  # in the past: deleted now
        wait_freed(c, 1)
        fill(c, "b")
        assert c.command("PEXPIRE", "b", "20") == 1
        wait_for(lambda: c.command("EXISTS", "b") == 0, 10, "b to expire")
        wait_freed(c, 2)


@pytest.mark.parametrize("directive", [
    "lazyfree-lazy-eviction", "lazyfree-lazy-expire", "lazyfree-lazy-server-del",
    "lazyfree-lazy-user-del", "lazyfree-lazy-user-flush", "replica-lazy-flush"])
def test_directives_are_settable(server_factory, directive):
    srv = server_factory()
    with srv.raw() as c:
        assert c.command("CONFIG", "SET", directive, "yes") == "OK"
        assert c.command("CONFIG", "GET", directive) == [directive.encode(), b"yes"]


def test_used_memory_drops_once_the_background_free_is_done(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        for i in range(20):
            assert c.command("SADD", "big", *[f"m:{i}:{j}" for j in range(5000)]) == 5000
        before = int(memory(c)["used_memory"])
        assert c.command("UNLINK", "big") == 1
        wait_freed(c, 1)
        # 100k members hold several MB; the drop shows without waiting for
        # any refresh of the allocator's statistics.
        after = int(memory(c)["used_memory"])
        assert before - after > 2_000_000, (before, after)
