"""Expiry around persistence, side by side on redis-server 7.0.15 and
replikv: nothing expires while an AOF loads (issue 16, item 7), and how
lazily expired keys reach the AOF (item 14).

Every expected AOF shape here was observed on redis-server 7.0.15.
"""

import time

from harness import encode_command, wait_for

from test_aof import aof_dir, bgrewriteaof, manifest_entries, wait_aof_written

AOF = ["--appendonly", "yes", "--appendfsync", "always"]


def incr_file(srv):
    name = [n for n, _, t in manifest_entries(aof_dir(srv)) if t == "i"][-1]
    return aof_dir(srv) / name


def server_ms(c):
    sec, usec = c.command("TIME")
    return int(sec) * 1000 + int(usec) // 1000


def parse_commands(data):
    """RESP multibulks -> [tuple of bytes]."""
    out, i = [], 0
    while i < len(data):
        assert data[i:i + 1] == b"*", data[i:i + 40]
        end = data.index(b"\r\n", i)
        n = int(data[i + 1:end])
        i = end + 2
        args = []
        for _ in range(n):
            end = data.index(b"\r\n", i)
            size = int(data[i + 1:end])
            args.append(data[end + 2:end + 2 + size])
            i = end + 2 + size + 2
        out.append(tuple(args))
    return out


# ------------------------------------------------------ no expiry while loading


def test_commands_replayed_from_the_aof_see_no_expiry(server_factory):
    # RPUSH, a PEXPIREAT long past, RPUSH: one two-element list with a past
    # TTL at the end of loading, expired after it; not a fresh one-element
    # list without a TTL.
    srv = server_factory(extra_args=AOF + ["--aof-use-rdb-preamble", "no"])
    with srv.raw() as c:
        assert c.command("SET", "marker", "1") == "OK"
        wait_aof_written(srv)
    srv.stop()
    with open(incr_file(srv), "ab") as f:
        f.write(encode_command("RPUSH", "l", "a"))
        f.write(encode_command("PEXPIREAT", "l", "1000"))
        f.write(encode_command("RPUSH", "l", "b"))
        f.write(encode_command("SET", "k", "v"))
        f.write(encode_command("PEXPIREAT", "k", "1000"))
        f.write(encode_command("APPEND", "k", "w"))
    srv.start()
    with srv.raw() as c:
        assert c.command("LLEN", "l") == 0
        assert c.command("PTTL", "l") == -2
        assert c.command("GET", "k") is None
        assert c.command("DBSIZE") == 1


def test_keys_expired_in_the_rdb_preamble_are_kept_for_the_commands_after_it(server_factory):
    srv = server_factory(extra_args=AOF + ["--aof-use-rdb-preamble", "yes"])
    with srv.raw() as c:
        # The key must expire while the server is down: if the cron expired
        # it first (a slow rewrite on a loaded machine), a DEL in the AOF
        # would make the RPUSH below start a new list.
        assert c.command("DEBUG", "SET-ACTIVE-EXPIRE", "0") == "OK"
        assert c.command("RPUSH", "p", "a") == 1
        assert c.command("PEXPIRE", "p", "300") == 1
        expires_at = server_ms(c) + 300
        bgrewriteaof(srv)
    srv.stop()
    with open(incr_file(srv), "ab") as f:
        f.write(encode_command("SELECT", "0"))
        f.write(encode_command("RPUSH", "p", "b"))
    wait_for(lambda: time.time() * 1000 > expires_at + 50, 10, "the TTL to pass")
    srv.start()
    with srv.raw() as c:
        # Loaded expired, extended by the RPUSH, expired after loading.
        assert c.command("LLEN", "p") == 0
        assert c.command("DBSIZE") == 0


# ------------------------------------------------- lazy expiry in the AOF


def expired_keys_setup(c, keys):
    assert c.command("DEBUG", "SET-ACTIVE-EXPIRE", "0") == "OK"
    for k in keys:
        assert c.command("SET", k, "v", "PX", "30") == "OK"
    deadline = server_ms(c) + 60
    wait_for(lambda: server_ms(c) > deadline, 10, "the keys to expire")


def new_aof_commands(srv, c, action):
    wait_aof_written(srv)
    path = incr_file(srv)
    start = path.stat().st_size
    action(c)
    wait_aof_written(srv)
    return parse_commands(path.read_bytes()[start:])


def test_keys_scan_expires_are_bare_dels(server_factory):
    srv = server_factory(extra_args=AOF)
    with srv.raw() as c:
        expired_keys_setup(c, ["a", "b", "c", "d"])
        assert c.command("SET", "live", "v") == "OK"
        got = new_aof_commands(srv, c, lambda c: c.command("SCAN", "0", "COUNT", "100"))
        assert sorted(got) == [(b"DEL", k) for k in (b"a", b"b", b"c", b"d")]


def test_keys_randomkey_expires_are_bare_dels(server_factory):
    srv = server_factory(extra_args=AOF)
    with srv.raw() as c:
        expired_keys_setup(c, ["a", "b", "c"])
        got = new_aof_commands(srv, c, lambda c: c.command("RANDOMKEY"))
        assert c.command("DBSIZE") == 0
        assert sorted(got) == [(b"DEL", b"a"), (b"DEL", b"b"), (b"DEL", b"c")]


def test_keys_expired_by_one_mget_or_write_are_one_transaction(server_factory):
    srv = server_factory(extra_args=AOF)
    with srv.raw() as c:
        expired_keys_setup(c, ["n", "o", "m"])
        got = new_aof_commands(srv, c, lambda c: c.command("MGET", "n", "o"))
        assert got == [(b"MULTI",), (b"DEL", b"n"), (b"DEL", b"o"), (b"EXEC",)]
        got = new_aof_commands(srv, c, lambda c: c.command("LPUSH", "m", "y"))
        assert got == [(b"MULTI",), (b"DEL", b"m"), (b"LPUSH", b"m", b"y"), (b"EXEC",)]


def test_expired_keys_are_unlinks_with_lazyfree_lazy_expire(server_factory):
    srv = server_factory(extra_args=AOF + ["--lazyfree-lazy-expire", "yes"])
    with srv.raw() as c:
        expired_keys_setup(c, ["a"])
        got = new_aof_commands(srv, c, lambda c: c.command("GET", "a"))
        assert got == [(b"UNLINK", b"a")]
        assert c.command("SET", "b", "v") == "OK"
        got = new_aof_commands(srv, c, lambda c: c.command("PEXPIREAT", "b", "1000"))
        assert got == [(b"UNLINK", b"b")]
