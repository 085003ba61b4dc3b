"""Expiry: EXPIRE family with NX/XX/GT/LT, TTL queries, lazy and active expiry.

Waiting for time to pass is done by polling the server's own clock (TIME)
with a deadline, never by a fixed sleep; that way the keys are not touched
(touching would expire them lazily) and slow machines only wait longer.
"""

import time

import pytest

from harness import RespError, wait_for

NOT_INT = RespError("ERR value is not an integer or out of range")
NX_XX = RespError(
    "ERR NX and XX, GT or LT options at the same time are not compatible")
GT_LT = RespError("ERR GT and LT options at the same time are not compatible")


def invalid_expire(cmd):
    return RespError(f"ERR invalid expire time in '{cmd}' command")


def server_ms(c):
    sec, usec = c.command("TIME")
    return int(sec) * 1000 + int(usec) // 1000


def wait_server_time_past(c, deadline_ms, timeout_s=10):
    wait_for(lambda: server_ms(c) > deadline_ms, timeout_s,
             f"server clock to pass {deadline_ms}")


def test_ttl_pttl_expiretime_on_missing_and_persistent_keys(raw):
    for cmd in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"):
        assert raw.command(cmd, "missing") == -2
    assert raw.command("SET", "k", "v") == "OK"
    for cmd in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"):
        assert raw.command(cmd, "k") == -1


def test_expire_family_sets_the_ttl(raw):
    assert raw.command("MSET", "a", "1", "b", "1", "c", "1", "d", "1") == "OK"
    now_ms = server_ms(raw)
    assert raw.command("EXPIRE", "a", "100") == 1
    assert raw.command("TTL", "a") in (99, 100)
    assert raw.command("PEXPIRE", "b", "100000") == 1
    assert 99000 <= raw.command("PTTL", "b") <= 100000
    assert raw.command("EXPIREAT", "c", str(now_ms // 1000 + 100)) == 1
    assert raw.command("EXPIRETIME", "c") == now_ms // 1000 + 100
    assert raw.command("PEXPIRETIME", "c") == (now_ms // 1000 + 100) * 1000
    base_s = now_ms // 1000 + 100
    assert raw.command("PEXPIREAT", "d", str(base_s * 1000 + 400)) == 1
    assert raw.command("PEXPIRETIME", "d") == base_s * 1000 + 400
    assert raw.command("EXPIRETIME", "d") == base_s  # rounds to nearest
    assert raw.command("PEXPIREAT", "d", str(base_s * 1000 + 600)) == 1
    assert raw.command("EXPIRETIME", "d") == base_s + 1
    expire_at = raw.command("PEXPIRETIME", "b")
    assert abs(expire_at - (now_ms + 100000)) < 5000
    for cmd in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"):
        assert raw.command(cmd, "missing", "100") == 0
    assert raw.command("EXISTS", "missing") == 0


def test_ttl_rounds_to_the_nearest_second(raw):
    assert raw.command("SET", "k", "v", "PX", "100800") == "OK"
    assert raw.command("TTL", "k") == 101
    assert raw.command("PEXPIRE", "k", "100200") == 1
    assert raw.command("TTL", "k") == 100


def test_expire_nx_xx_gt_lt(raw):
    assert raw.command("SET", "k", "v") == "OK"
    assert raw.command("EXPIRE", "k", "100", "XX") == 0  # no TTL yet
    assert raw.command("EXPIRE", "k", "100", "GT") == 0  # no TTL = infinite
    assert raw.command("TTL", "k") == -1
    assert raw.command("EXPIRE", "k", "100", "NX") == 1
    assert raw.command("TTL", "k") in (99, 100)
    assert raw.command("EXPIRE", "k", "200", "NX") == 0
    assert raw.command("EXPIRE", "k", "200", "GT") == 1
    assert raw.command("TTL", "k") in (199, 200)
    assert raw.command("EXPIRE", "k", "50", "GT") == 0
    assert raw.command("EXPIRE", "k", "50", "LT") == 1
    assert raw.command("TTL", "k") in (49, 50)
    assert raw.command("EXPIRE", "k", "60", "LT") == 0
    assert raw.command("EXPIRE", "k", "70", "XX") == 1
    assert raw.command("TTL", "k") in (69, 70)
    # Options are case-insensitive and GT/LT combine with XX.
    assert raw.command("expire", "k", "80", "gt", "xx") == 1
    assert raw.command("TTL", "k") in (79, 80)
    assert raw.command("PERSIST", "k") == 1
    assert raw.command("PEXPIRE", "k", "100000", "LT") == 1  # below infinite
    assert 99000 <= raw.command("PTTL", "k") <= 100000
    assert raw.command("PERSIST", "k") == 1
    assert raw.command("EXPIRE", "k", "100", "LT", "XX") == 0
    assert raw.command("TTL", "k") == -1


def test_expireat_options(raw):
    assert raw.command("SET", "k", "v") == "OK"
    at = int(time.time()) + 1000
    assert raw.command("EXPIREAT", "k", str(at), "XX") == 0
    assert raw.command("EXPIREAT", "k", str(at), "NX") == 1
    assert raw.command("EXPIREAT", "k", str(at + 10), "LT") == 0
    assert raw.command("EXPIREAT", "k", str(at + 10), "GT") == 1
    assert raw.command("EXPIRETIME", "k") == at + 10
    assert raw.command("PEXPIREAT", "k", str(at * 1000), "LT") == 1
    assert raw.command("PEXPIRETIME", "k") == at * 1000


@pytest.mark.parametrize("cmd", ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
def test_expire_option_errors(raw, cmd):
    assert raw.command("SET", "k", "v") == "OK"
    assert raw.command(cmd, "k", "100", "NX", "XX") == NX_XX
    assert raw.command(cmd, "k", "100", "NX", "GT") == NX_XX
    assert raw.command(cmd, "k", "100", "LT", "NX") == NX_XX
    assert raw.command(cmd, "k", "100", "GT", "LT") == GT_LT
    assert raw.command(cmd, "k", "100", "foo") == RespError(
        "ERR Unsupported option foo")
    assert raw.command(cmd, "k", "abc") == NOT_INT
    assert raw.command(cmd, "k", "1.5") == NOT_INT
    assert raw.command(cmd, "k") == RespError(
        f"ERR wrong number of arguments for '{cmd.lower()}' command")
    assert raw.command("TTL", "k") == -1


@pytest.mark.parametrize("cmd,value", [
    ("EXPIRE", "9223372036854775807"), ("EXPIRE", "9223372036854775"),
    ("EXPIRE", "-9223372036854775808"), ("PEXPIRE", "9223372036854775807"),
    ("EXPIREAT", "9223372036854775807"),
])
def test_expire_overflow_is_invalid_expire_time(raw, cmd, value):
    assert raw.command("SET", "k", "v") == "OK"
    assert raw.command(cmd, "k", value) == invalid_expire(cmd.lower())
    assert raw.command("TTL", "k") == -1


def test_far_future_absolute_times_are_accepted(raw):
    assert raw.command("SET", "k", "v") == "OK"
    assert raw.command("PEXPIREAT", "k", "9223372036854775806") == 1
    assert raw.command("PEXPIRETIME", "k") == 9223372036854775806
    assert raw.command("EXPIREAT", "k", "9223372036854775") == 1
    assert raw.command("EXPIRETIME", "k") == 9223372036854775


@pytest.mark.parametrize("cmd,value", [
    ("EXPIRE", "0"), ("EXPIRE", "-5"), ("PEXPIRE", "0"), ("PEXPIRE", "-1"),
    ("EXPIREAT", "1"), ("PEXPIREAT", "1"), ("EXPIREAT", "0"),
    ("EXPIRE", "-9223372036854775"), ("PEXPIRE", "-9223372036854775808"),
])
def test_non_positive_ttl_deletes_the_key(raw, cmd, value):
    assert raw.command("SET", "k", "v") == "OK"
    assert raw.command(cmd, "k", value) == 1
    assert raw.command("EXISTS", "k") == 0
    assert raw.command("DBSIZE") == 0


def test_past_time_with_options(raw):
    assert raw.command("SET", "k", "v") == "OK"
    assert raw.command("EXPIRE", "k", "0", "GT") == 0  # not greater than inf
    assert raw.command("EXISTS", "k") == 1
    assert raw.command("EXPIRE", "k", "0", "XX") == 0
    assert raw.command("EXISTS", "k") == 1
    assert raw.command("EXPIRE", "k", "0", "LT") == 1
    assert raw.command("EXISTS", "k") == 0
    assert raw.command("SET", "k", "v", "EX", "100") == "OK"
    assert raw.command("EXPIRE", "k", "0", "GT") == 0
    assert raw.command("EXISTS", "k") == 1
    assert raw.command("EXPIRE", "k", "0", "NX") == 0
    assert raw.command("EXISTS", "k") == 1


def test_persist(raw):
    assert raw.command("PERSIST", "missing") == 0
    assert raw.command("SET", "k", "v", "EX", "100") == "OK"
    assert raw.command("PERSIST", "k") == 1
    assert raw.command("PERSIST", "k") == 0
    assert raw.command("TTL", "k") == -1
    assert raw.command("GET", "k") == b"v"


def test_overwrite_clears_ttl_but_keepttl_and_modifications_keep_it(raw):
    assert raw.command("SET", "k", "v", "EX", "100") == "OK"
    assert raw.command("SET", "k", "w", "KEEPTTL") == "OK"
    assert raw.command("TTL", "k") in (99, 100)
    assert raw.command("APPEND", "k", "x") == 2
    assert raw.command("SETRANGE", "k", "0", "y") == 2
    assert raw.command("TTL", "k") in (99, 100)
    assert raw.command("SET", "k", "z") == "OK"
    assert raw.command("TTL", "k") == -1
    assert raw.command("SET", "k", "v", "PX", "100000") == "OK"
    assert raw.command("MSET", "k", "1") == "OK"
    assert raw.command("TTL", "k") == -1


def test_set_invalid_expire_time_text(raw):
    assert raw.command("SET", "k", "v", "EX", "0") == invalid_expire("set")
    assert raw.command("SET", "k", "v", "PX", "-1") == invalid_expire("set")
    assert raw.command("EXISTS", "k") == 0


def test_key_expires_after_its_ttl(raw):
    assert raw.command("SET", "k", "v", "PX", "100") == "OK"
    start = server_ms(raw)
    wait_for(lambda: raw.command("EXISTS", "k") == 0, 10, "k to expire")
    assert server_ms(raw) >= start + 90
    assert raw.command("GET", "k") is None
    assert raw.command("TTL", "k") == -2


def test_lazy_expiry_on_access(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        assert c.command("DEBUG", "SET-ACTIVE-EXPIRE", "0") == "OK"
        for k in ("a", "b", "c", "d", "e"):
            assert c.command("SET", k, "v", "PX", "50") == "OK"
        assert c.command("SET", "p", "v") == "OK"
        wait_server_time_past(c, server_ms(c) + 100)
        # Expired but not yet deleted: counted by DBSIZE and INFO, hidden
        # from KEYS and from reads.
        assert c.command("DBSIZE") == 6
        assert sorted(c.command("KEYS", "*")) == [b"p"]
        assert c.command("DBSIZE") == 6
        assert b"db0:keys=6,expires=5," in c.command("INFO", "keyspace")
        # Each access deletes the key it touches.
        assert c.command("GET", "a") is None
        assert c.command("DBSIZE") == 5
        assert c.command("EXISTS", "b") == 0
        assert c.command("DBSIZE") == 4
        assert c.command("TTL", "c") == -2
        assert c.command("TYPE", "d") == "none"
        assert c.command("DBSIZE") == 2
        # SCAN skips and deletes what it meets.
        assert c.command("SCAN", "0", "COUNT", "100") == [b"0", [b"p"]]
        assert c.command("DBSIZE") == 1
        stats = c.command("INFO", "stats")
        assert b"\r\nexpired_keys:5\r\n" in stats


def test_active_expiry_removes_keys_nobody_touches(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        assert c.command("DEBUG", "SET-ACTIVE-EXPIRE", "0") == "OK"
        c.send(b"".join(
            b"*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nv\r\n$2\r\nPX\r\n$2\r\n50\r\n"
            % (len(k), k) for k in (b"key:%d" % i for i in range(500))))
        for _ in range(500):
            assert c.read_reply() == "OK"
        assert c.command("SET", "persistent", "v") == "OK"
        wait_server_time_past(c, server_ms(c) + 100)
        assert c.command("DBSIZE") == 501  # nothing removes them yet
        assert c.command("DEBUG", "SET-ACTIVE-EXPIRE", "1") == "OK"
        wait_for(lambda: c.command("DBSIZE") == 1, 20,
                 "active expiry to remove 500 keys", interval_s=0.05)
        assert c.command("KEYS", "*") == [b"persistent"]
        assert b"\r\nexpired_keys:500\r\n" in c.command("INFO", "stats")


def test_expire_in_other_databases(raw):
    assert raw.command("SELECT", "3") == "OK"
    assert raw.command("SET", "k", "v", "EX", "100") == "OK"
    assert raw.command("SELECT", "0") == "OK"
    assert raw.command("TTL", "k") == -2
    assert raw.command("SELECT", "3") == "OK"
    assert raw.command("TTL", "k") in (99, 100)
