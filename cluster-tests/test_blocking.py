"""Blocking list commands with several real clients: BLPOP BRPOP BLMOVE
BRPOPLPUSH BLMPOP (and LMPOP). Who is served, in which order, timeouts,
disconnects, and what reaches the AOF (the non-blocking form that ran), as
redis-server 7.0.15 behaves.

A test waits for a client to be blocked by polling INFO blocked_clients
(never a fixed sleep).
"""

from pathlib import Path

import pytest

from harness import RespError, assert_times_out_with_null, blocked_count, encode_command, wait_blocked, wait_for

pytestmark = pytest.mark.needs_types

WRONGTYPE = RespError("WRONGTYPE Operation against a key holding the wrong kind of value")


def test_immediate_pops_when_a_key_has_elements(raw):
    assert raw.command("RPUSH", "l", "a", "b", "c", "d") == 4
    assert raw.command("BLPOP", "none", "l", "0") == [b"l", b"a"]
    assert raw.command("BRPOP", "l", "1.5") == [b"l", b"d"]
    assert raw.command("BLMOVE", "l", "dst", "LEFT", "RIGHT", "0") == b"b"
    assert raw.command("BRPOPLPUSH", "l", "dst", "0") == b"c"
    assert raw.command("EXISTS", "l") == 0
    assert raw.command("LRANGE", "dst", "0", "-1") == [b"c", b"b"]


def test_waiters_are_served_in_arrival_order(raw, clients):
    a, b, c, d = clients(), clients(), clients(), clients()
    a.send(encode_command("BLPOP", "l", "l2", "0"))
    wait_blocked(raw, 1)
    b.send(encode_command("BRPOP", "l", "0"))
    wait_blocked(raw, 2)
    c.send(encode_command("BLMOVE", "l", "dst", "LEFT", "RIGHT", "0"))
    wait_blocked(raw, 3)
    d.send(encode_command("BRPOPLPUSH", "l", "dst", "0"))
    wait_blocked(raw, 4)
    assert raw.command("RPUSH", "l", "a", "b", "c", "d", "e") == 5
    assert a.read_reply() == [b"l", b"a"]
    assert b.read_reply() == [b"l", b"e"]
    assert c.read_reply() == b"b"
    assert d.read_reply() == b"d"
    assert raw.command("LRANGE", "l", "0", "-1") == [b"c"]
    assert raw.command("LRANGE", "dst", "0", "-1") == [b"d", b"b"]
    assert blocked_count(raw) == 0


def test_a_push_serves_only_as_many_as_it_brings(raw, clients):
    a, b = clients(), clients()
    a.send(encode_command("BLPOP", "l", "0"))
    wait_blocked(raw, 1)
    b.send(encode_command("BLPOP", "l", "0"))
    wait_blocked(raw, 2)
    assert raw.command("LPUSH", "l", "only") == 1
    assert a.read_reply() == [b"l", b"only"]
    assert blocked_count(raw) == 1
    assert raw.command("LPUSH", "l", "next") == 1
    assert b.read_reply() == [b"l", b"next"]


def test_pushes_inside_exec_serve_after_it(raw, clients):
    a, b = clients(), clients()
    a.send(encode_command("BLPOP", "l", "0"))
    b.send(encode_command("BLPOP", "l", "0"))
    wait_blocked(raw, 2)
    assert raw.command("MULTI") == "OK"
    for args in (("RPUSH", "l", "a"), ("LPOP", "l"), ("RPUSH", "l", "c")):
        assert raw.command(*args) == "QUEUED"
    assert raw.command("EXEC") == [1, b"a", 1]
    assert a.read_reply() == [b"l", b"c"]
    assert blocked_count(raw) == 1  # b still waits: the list ran out


def test_the_first_key_to_become_ready_serves(raw, clients):
    a = clients()
    a.send(encode_command("BLPOP", "k1", "k2", "0"))
    wait_blocked(raw, 1)
    assert raw.command("MULTI") == "OK"
    raw.command("RPUSH", "k2", "2")
    raw.command("RPUSH", "k1", "1")
    assert raw.command("EXEC") == [1, 1]
    assert a.read_reply() == [b"k2", b"2"]


def test_blmpop_serves_key_and_elements(raw, clients):
    a = clients()
    a.send(encode_command("BLMPOP", "0", "2", "l1", "l2", "RIGHT", "COUNT", "3"))
    wait_blocked(raw, 1)
    assert raw.command("RPUSH", "l2", "1", "2") == 2
    assert a.read_reply() == [b"l2", [b"2", b"1"]]
    assert raw.command("RPUSH", "l", "a", "b", "c") == 3
    assert raw.command("LMPOP", "2", "none", "l", "LEFT", "COUNT", "2") == [b"l", [b"a", b"b"]]
    assert raw.command("LMPOP", "1", "none", "LEFT") is None


def test_move_into_a_waited_key_serves_the_next_waiter(raw, clients):
    a, b = clients(), clients()
    a.send(encode_command("BLPOP", "chain2", "0"))
    wait_blocked(raw, 1)
    b.send(encode_command("BLMOVE", "chain1", "chain2", "LEFT", "LEFT", "0"))
    wait_blocked(raw, 2)
    assert raw.command("RPUSH", "chain1", "z") == 1
    assert b.read_reply() == b"z"
    assert a.read_reply() == [b"chain2", b"z"]


def test_wrong_type_destination_answers_the_mover(raw, clients):
    a, b = clients(), clients()
    raw.command("SET", "s", "x")
    a.send(encode_command("BLMOVE", "l", "s", "LEFT", "LEFT", "0"))
    wait_blocked(raw, 1)
    b.send(encode_command("BLPOP", "l", "0"))
    wait_blocked(raw, 2)
    assert raw.command("RPUSH", "l", "v") == 1
    assert a.read_reply() == WRONGTYPE
    assert b.read_reply() == [b"l", b"v"]


def test_swapdb_and_rename_can_serve(raw, clients):
    a, b = clients(), clients()
    a.send(encode_command("BLPOP", "sw", "0"))
    b.send(encode_command("BLPOP", "rn", "0"))
    wait_blocked(raw, 2)
    assert raw.command("SELECT", "1") == "OK"
    assert raw.command("RPUSH", "sw", "x") == 1
    assert raw.command("SWAPDB", "0", "1") == "OK"
    assert a.read_reply() == [b"sw", b"x"]
    assert raw.command("SELECT", "0") == "OK"
    assert raw.command("RPUSH", "src", "q") == 1
    assert raw.command("RENAME", "src", "rn") == "OK"
    assert b.read_reply() == [b"rn", b"q"]


def test_timeout_answers_a_null_array(raw, clients):
    for args in (("BLPOP", "e", "0.05"), ("BLMOVE", "e", "d", "LEFT", "LEFT", "0.05"),
                 ("BRPOPLPUSH", "e", "d", "0.05"), ("BLMPOP", "0.05", "1", "e", "LEFT")):
        assert_times_out_with_null(clients(), args, 0.05)
    assert blocked_count(raw) == 0


def test_inside_multi_blocking_commands_answer_at_once(raw):
    assert raw.command("MULTI") == "OK"
    for args in (("BLPOP", "e", "0"), ("BLMOVE", "e", "d", "LEFT", "LEFT", "0"),
                 ("BRPOPLPUSH", "e", "d", "0"), ("BLMPOP", "0", "1", "e", "LEFT")):
        assert raw.command(*args) == "QUEUED"
    raw.send(encode_command("EXEC"))
    expected = b"*4\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n"
    assert raw.peek(len(expected)) == expected


def test_argument_errors(raw):
    assert raw.command("BLPOP", "l", "-1") == RespError("ERR timeout is negative")
    assert raw.command("BLPOP", "l", "inf") == RespError("ERR timeout is negative")
    assert raw.command("BLPOP", "l", "abc") == RespError(
        "ERR timeout is not a float or out of range")
    assert raw.command("BLMOVE", "l", "d", "up", "LEFT", "0") == RespError("ERR syntax error")
    assert raw.command("BLMPOP", "0", "0", "l", "LEFT") == RespError(
        "ERR numkeys should be greater than 0")
    assert raw.command("BLMPOP", "0", "2", "l", "LEFT") == RespError("ERR syntax error")
    assert raw.command("BLMPOP", "0", "1", "l", "LEFT", "COUNT", "0") == RespError(
        "ERR count should be greater than 0")
    raw.command("SET", "s", "x")
    assert raw.command("BLPOP", "none", "s", "0") == WRONGTYPE
    assert blocked_count(raw) == 0


def test_blocked_client_is_listed(raw, clients):
    a = clients()
    a.send(encode_command("BLPOP", "l", "0"))
    wait_blocked(raw, 1)
    lines = [l for l in raw.command("CLIENT", "LIST").decode().splitlines() if "cmd=blpop" in l]
    assert len(lines) == 1 and " flags=b " in lines[0], lines


def test_disconnected_waiter_is_dropped_and_loses_nothing(raw, clients):
    a, b = clients(), clients()
    a.send(encode_command("BLPOP", "l", "0"))
    wait_blocked(raw, 1)
    b.send(encode_command("BLPOP", "l", "0"))
    wait_blocked(raw, 2)
    a.close()
    wait_blocked(raw, 1)
    assert raw.command("RPUSH", "l", "x") == 1
    assert b.read_reply() == [b"l", b"x"]
    b.close()
    wait_blocked(raw, 0)
    assert raw.command("RPUSH", "l", "y") == 1
    assert raw.command("LRANGE", "l", "0", "-1") == [b"y"]


def test_pipelined_commands_run_after_the_wait_ends(raw, clients):
    a = clients()
    a.send(encode_command("BLPOP", "pipe", "0") + encode_command("SET", "after", "1") +
           encode_command("GET", "after"))
    wait_blocked(raw, 1)
    assert raw.command("GET", "after") is None  # not run while blocked
    assert raw.command("RPUSH", "pipe", "v") == 1
    assert a.read_reply() == [b"pipe", b"v"]
    assert a.read_reply() == "OK"
    assert a.read_reply() == b"1"


def test_blocked_clients_are_exempt_from_idle_timeout(server_factory):
    srv = server_factory(extra_args=["--timeout", "1"])
    waiter, idle = srv.raw(), srv.raw()
    try:
        waiter.send(encode_command("BLPOP", "l", "0"))
        idle.command("PING")
        idle.read_until_closed(timeout_s=10)
        with srv.raw() as probe:
            assert probe.command("RPUSH", "l", "x") == 1
        assert waiter.read_reply() == [b"l", b"x"]
    finally:
        waiter.close()
        idle.close()


def resp(*args):
    return encode_command(*args)


def test_the_aof_gets_the_non_blocking_form_that_ran(server_factory):
    srv = server_factory(extra_args=["--appendonly", "yes", "--appendfsync", "always"])
    c, a, b, m = srv.raw(), srv.raw(), srv.raw(), srv.raw()
    try:
        a.send(encode_command("BLPOP", "l", "0"))
        wait_blocked(c, 1)
        b.send(encode_command("BLMOVE", "l", "d", "LEFT", "RIGHT", "0"))
        wait_blocked(c, 2)
        m.send(encode_command("BRPOPLPUSH", "l", "d", "0"))
        wait_blocked(c, 3)
        assert c.command("RPUSH", "l", "1", "2", "3", "4") == 4
        assert a.read_reply() == [b"l", b"1"]
        assert b.read_reply() == b"2"
        assert m.read_reply() == b"4"
        # Served at once: the client's own words for the ends.
        assert c.command("BLMOVE", "l", "d", "RIGHT", "left", "0") == b"3"
        assert c.command("RPUSH", "l", "x", "y", "z") == 3
        assert c.command("BLMPOP", "0", "1", "l", "LEFT", "COUNT", "10") == [b"l", [b"x", b"y", b"z"]]
        expected = (resp("SELECT", "0") + resp("RPUSH", "l", "1", "2", "3", "4") +
                    resp("LPOP", "l") + resp("LMOVE", "l", "d", "left", "right") +
                    resp("RPOPLPUSH", "l", "d") + resp("LMOVE", "l", "d", "RIGHT", "left") +
                    resp("RPUSH", "l", "x", "y", "z") + resp("LPOP", "l", "3"))

        def aof():
            files = sorted(Path(srv.dir, "appendonlydir").glob("*.incr.aof"))
            return files[0].read_bytes() if len(files) == 1 else b""
        wait_for(lambda: aof() == expected, 10, f"the AOF to hold {expected!r}")
    finally:
        for x in (c, a, b, m):
            x.close()
