"""Sorted set pops over several keys and their blocking forms, with several
real clients: ZMPOP BZPOPMIN BZPOPMAX BZMPOP, and CLIENT UNBLOCK (for list
and sorted set waits). Who is served, in which order, timeouts, MULTI, and
what reaches the AOF (the pop that ran), as redis-server 7.0.15 behaves.

A test waits for a client to be blocked by polling INFO blocked_clients
(never a fixed sleep).
"""

from pathlib import Path

import pytest

from harness import RespError, assert_times_out_with_null, blocked_count, encode_command, info_fields, wait_blocked, wait_for

pytestmark = pytest.mark.needs_types

WRONGTYPE = RespError("WRONGTYPE Operation against a key holding the wrong kind of value")
UNBLOCKED = RespError("UNBLOCKED client unblocked via CLIENT UNBLOCK")


def block(raw, client, *args):
    """Sends a blocking command from `client` and waits until it blocks."""
    before = blocked_count(raw)
    client.send(encode_command(*args))
    wait_blocked(raw, before + 1)


def test_immediate_pops_reply_and_take_the_first_zset(raw):
    assert raw.command("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6.5", "f") == 6
    assert raw.command("BZPOPMIN", "none", "z", "0") == [b"z", b"a", b"1"]
    assert raw.command("BZPOPMAX", "z", "1.5") == [b"z", b"f", b"6.5"]
    assert raw.command("ZMPOP", "2", "none", "z", "MIN") == [b"z", [[b"b", b"2"]]]
    assert raw.command("ZMPOP", "1", "z", "max", "count", "2") == [b"z", [[b"e", b"5"], [b"d", b"4"]]]
    assert raw.command("BZMPOP", "0", "1", "z", "MIN", "COUNT", "10") == [b"z", [[b"c", b"3"]]]
    assert raw.command("EXISTS", "z") == 0
    assert raw.command("ZMPOP", "1", "z", "MIN") is None
    raw.command("SET", "s", "v")
    raw.command("ZADD", "z2", "1", "a")
    assert raw.command("ZMPOP", "2", "s", "z2", "MIN") == WRONGTYPE
    assert raw.command("ZMPOP", "2", "z2", "s", "MIN") == [b"z2", [[b"a", b"1"]]]


def test_skiplist_encoded_zset_pops_from_both_ends(raw):
    args = []
    for i in range(200):
        args += [str(i), f"m{i}"]
    assert raw.command("ZADD", "big", *args) == 200
    assert raw.command("OBJECT", "ENCODING", "big") == b"skiplist"
    assert raw.command("BZMPOP", "0", "1", "big", "MAX", "COUNT", "3") == [
        b"big", [[b"m199", b"199"], [b"m198", b"198"], [b"m197", b"197"]]]
    assert raw.command("BZPOPMIN", "big", "0") == [b"big", b"m0", b"0"]
    assert raw.command("ZCARD", "big") == 196


def test_waiters_are_served_in_arrival_order(raw, clients):
    a, b, c, d = clients(), clients(), clients(), clients()
    block(raw, a, "BZPOPMIN", "z", "0")
    block(raw, b, "BZPOPMAX", "other", "z", "0")
    block(raw, c, "BZMPOP", "0", "1", "z", "MAX", "COUNT", "5")
    block(raw, d, "BZPOPMIN", "z", "0")
    assert raw.command("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d") == 4
    assert a.read_reply() == [b"z", b"a", b"1"]
    assert b.read_reply() == [b"z", b"d", b"4"]
    assert c.read_reply() == [b"z", [[b"c", b"3"], [b"b", b"2"]]]
    assert blocked_count(raw) == 1  # d: the zset ran out
    assert raw.command("EXISTS", "z") == 0
    assert raw.command("ZADD", "z", "9", "late") == 1
    assert d.read_reply() == [b"z", b"late", b"9"]


def test_list_and_zset_waiters_on_one_key_are_served_by_type(raw, clients):
    a, b, c = clients(), clients(), clients()
    block(raw, a, "BLPOP", "k", "0")
    block(raw, b, "BZPOPMIN", "k", "0")
    block(raw, c, "BZPOPMAX", "k", "0")
    assert raw.command("ZADD", "k", "1", "x", "2", "y", "3", "z") == 3
    assert b.read_reply() == [b"k", b"x", b"1"]
    assert c.read_reply() == [b"k", b"z", b"3"]
    assert blocked_count(raw) == 1  # the list waiter keeps waiting
    assert raw.command("ZRANGE", "k", "0", "-1") == [b"y"]
    assert raw.command("DEL", "k") == 1
    assert raw.command("RPUSH", "k", "v") == 1
    assert a.read_reply() == [b"k", b"v"]
    # A list at the key does not serve a sorted set waiter.
    block(raw, b, "BZPOPMIN", "k2", "0")
    assert raw.command("RPUSH", "k2", "v") == 1
    assert raw.command("LRANGE", "k2", "0", "-1") == [b"v"]
    assert blocked_count(raw) == 1


@pytest.mark.parametrize("make", [
    ("ZINCRBY", "w", "2", "s"),
    ("ZUNIONSTORE", "w", "1", "src"),
    ("ZRANGESTORE", "w", "src", "0", "-1"),
    ("COPY", "src", "w"),
    ("RENAME", "src", "w"),
])
def test_every_way_of_making_a_zset_serves(raw, clients, make):
    raw.command("ZADD", "src", "2", "s")
    a = clients()
    block(raw, a, "BZPOPMIN", "w", "0")
    raw.command(*make)
    assert a.read_reply() == [b"w", b"s", b"2"]


def test_move_swapdb_and_exec_serve(raw, clients):
    a, b, c, d = clients(), clients(), clients(), clients()
    block(raw, a, "BZPOPMIN", "m", "0")
    block(raw, b, "BZPOPMAX", "sw", "0")
    assert raw.command("SELECT", "3") == "OK"
    raw.command("ZADD", "m", "1", "x")
    raw.command("ZADD", "sw", "5", "y")
    assert raw.command("MOVE", "m", "0") == 1
    assert a.read_reply() == [b"m", b"x", b"1"]
    assert raw.command("SWAPDB", "0", "3") == "OK"
    assert b.read_reply() == [b"sw", b"y", b"5"]
    assert raw.command("SELECT", "0") == "OK"
    block(raw, c, "BZPOPMIN", "t", "0")
    block(raw, d, "BZPOPMIN", "t", "0")
    assert raw.command("MULTI") == "OK"
    for args in (("ZADD", "t", "1", "a"), ("ZPOPMIN", "t"), ("ZADD", "t", "2", "c")):
        assert raw.command(*args) == "QUEUED"
    assert raw.command("EXEC") == [1, [b"a", b"1"], 1]
    assert c.read_reply() == [b"t", b"c", b"2"]
    assert blocked_count(raw) == 1


def test_timeout_answers_a_null_array(raw, clients):
    for args in (("BZPOPMIN", "e", "0.05"), ("BZPOPMAX", "e", "e2", "0.05"),
                 ("BZMPOP", "0.05", "1", "e", "MIN", "COUNT", "2")):
        assert_times_out_with_null(clients(), args, 0.05)
    assert blocked_count(raw) == 0


def test_inside_multi_they_answer_null_at_once(raw):
    assert raw.command("MULTI") == "OK"
    for args in (("BZPOPMIN", "e", "0"), ("BZPOPMAX", "e", "0"),
                 ("BZMPOP", "0", "1", "e", "MIN"), ("ZMPOP", "1", "e", "MAX")):
        assert raw.command(*args) == "QUEUED"
    raw.send(encode_command("EXEC"))
    expected = b"*4\r\n*-1\r\n*-1\r\n*-1\r\n*-1\r\n"
    assert raw.peek(len(expected)) == expected


def test_argument_errors(raw):
    err = RespError
    cases = [
        (("BZPOPMIN", "z", "-1"), err("ERR timeout is negative")),
        (("BZPOPMIN", "z", "inf"), err("ERR timeout is negative")),
        (("BZPOPMAX", "z", "abc"), err("ERR timeout is not a float or out of range")),
        (("ZMPOP", "0", "z", "MIN"), err("ERR numkeys should be greater than 0")),
        (("ZMPOP", "-1", "z", "MIN"), err("ERR numkeys should be greater than 0")),
        (("ZMPOP", "2", "z", "MIN"), err("ERR syntax error")),
        (("ZMPOP", "1", "z", "LEFT"), err("ERR syntax error")),
        (("ZMPOP", "1", "z", "foo", "COUNT", "0"), err("ERR syntax error")),
        (("ZMPOP", "1", "z", "MIN", "COUNT", "0"), err("ERR count should be greater than 0")),
        (("ZMPOP", "1", "z", "MIN", "COUNT", "x"), err("ERR count should be greater than 0")),
        (("ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "2"), err("ERR syntax error")),
        (("ZMPOP", "1", "z", "MIN", "extra"), err("ERR syntax error")),
        # The timeout of BZMPOP (and BLMPOP) is read after the other arguments.
        (("BZMPOP", "x", "0", "z", "MIN"), err("ERR numkeys should be greater than 0")),
        (("BZMPOP", "x", "1", "z", "MIN", "COUNT", "0"), err("ERR count should be greater than 0")),
        (("BZMPOP", "x", "1", "z", "MIN"), err("ERR timeout is not a float or out of range")),
        (("BLMPOP", "x", "0", "l", "LEFT"), err("ERR numkeys should be greater than 0")),
        (("ZMPOP", "1", "z"), err("ERR wrong number of arguments for 'zmpop' command")),
        (("BZMPOP", "0", "1", "z"), err("ERR wrong number of arguments for 'bzmpop' command")),
        (("BZPOPMIN", "z"), err("ERR wrong number of arguments for 'bzpopmin' command")),
    ]
    for args, want in cases:
        assert raw.command(*args) == want, args
    raw.command("SET", "s", "x")
    assert raw.command("BZPOPMIN", "none", "s", "0") == WRONGTYPE
    assert raw.command("BZMPOP", "0", "2", "none", "s", "MAX") == WRONGTYPE
    assert raw.command("ZMPOP", "1", "s", "MIN", "COUNT", "0") == RespError(
        "ERR count should be greater than 0")
    assert blocked_count(raw) == 0


def client_id(c):
    return c.command("CLIENT", "ID")


def test_client_unblock_gives_the_timeout_reply_or_an_error(raw, clients):
    a, b, c = clients(), clients(), clients()
    ids = [client_id(x) for x in (a, b, c)]
    a.send(encode_command("BZPOPMIN", "z", "0") + encode_command("PING"))
    wait_blocked(raw, 1)
    block(raw, b, "BLMOVE", "l", "d", "LEFT", "LEFT", "100")
    block(raw, c, "BLPOP", "l", "0")
    assert raw.command("CLIENT", "UNBLOCK", ids[0]) == 1  # TIMEOUT by default
    assert a.read_reply() is None
    assert a.read_reply() == "PONG"  # its pipelined input runs after the wait
    assert raw.command("CLIENT", "UNBLOCK", ids[1], "timeout") == 1
    assert b.peek(5) == b"*-1\r\n"  # BLMOVE's timeout reply is a null array
    assert b.read_reply() is None
    assert raw.command("CLIENT", "UNBLOCK", ids[2], "ERROR") == 1
    assert c.read_reply() == UNBLOCKED
    assert raw.command("CLIENT", "UNBLOCK", ids[2], "ERROR") == 0
    assert blocked_count(raw) == 0
    block(raw, c, "BZMPOP", "0", "1", "z", "MIN")
    assert raw.command("CLIENT", "UNBLOCK", ids[2], "error") == 1
    assert c.read_reply() == UNBLOCKED
    # Nobody waits any more: the data stays.
    assert raw.command("ZADD", "z", "1", "a") == 1
    assert raw.command("RPUSH", "l", "x") == 1
    assert raw.command("ZCARD", "z") == 1 and raw.command("LLEN", "l") == 1
    info = info_fields(raw.command("INFO", "clients"))
    assert info["blocked_clients"] == "0" and info["clients_in_timeout_table"] == "0"


def test_client_unblock_arguments(raw):
    err = RespError
    assert raw.command("CLIENT", "UNBLOCK", client_id(raw)) == 0  # itself: not blocked
    assert raw.command("CLIENT", "UNBLOCK", "99999") == 0
    assert raw.command("CLIENT", "UNBLOCK", "0") == 0
    assert raw.command("CLIENT", "UNBLOCK", "-5", "error") == 0
    assert raw.command("CLIENT", "UNBLOCK", "1.5") == err("ERR value is not an integer or out of range")
    assert raw.command("CLIENT", "UNBLOCK", "x", "foo") == err(
        "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
    assert raw.command("CLIENT", "UNBLOCK") == err(
        "ERR wrong number of arguments for 'client|unblock' command")
    assert raw.command("CLIENT", "unBLOCK", "1", "2", "3") == err(
        "ERR unknown subcommand or wrong number of arguments for 'unBLOCK'. Try CLIENT HELP.")
    help_lines = raw.command("CLIENT", "HELP")
    i = help_lines.index("UNBLOCK <clientid> [TIMEOUT|ERROR]")
    assert help_lines[i + 1] == "    Unblock the specified blocked client."
    assert help_lines[i - 1] == "    Assign the name <name> to the current connection."


def command_stats(c, name):
    text = c.command("INFO", "commandstats").decode()
    for line in text.split("\r\n"):
        if line.startswith(f"cmdstat_{name}:"):
            return dict(kv.split("=") for kv in line.split(":", 1)[1].split(","))
    return {}


def test_client_unblock_counts_a_failed_call_and_an_error_reply(raw, clients):
    a, b = clients(), clients()
    a_id = client_id(a)
    assert raw.command("CONFIG", "RESETSTAT") == "OK"
    block(raw, a, "BZPOPMAX", "z", "0")
    block(raw, b, "BZPOPMIN", "z", "0.3")
    assert raw.command("CLIENT", "UNBLOCK", a_id, "TIMEOUT") == 1
    assert a.read_reply() is None
    assert b.read_reply() is None  # a real timeout is no failure
    block(raw, a, "BZPOPMAX", "z", "0")
    assert raw.command("CLIENT", "UNBLOCK", a_id, "ERROR") == 1
    assert a.read_reply() == UNBLOCKED
    stats = command_stats(raw, "bzpopmax")
    assert (stats["calls"], stats["failed_calls"]) == ("2", "2")
    assert command_stats(raw, "bzpopmin")["failed_calls"] == "0"
    errors = info_fields(raw.command("INFO", "errorstats"))
    assert errors["errorstat_UNBLOCKED"] == "count=1"


def test_disconnected_waiter_is_dropped_and_loses_nothing(raw, clients):
    a, b = clients(), clients()
    block(raw, a, "BZPOPMIN", "z", "0")
    block(raw, b, "BZMPOP", "0", "1", "z", "MIN", "COUNT", "9")
    a.close()
    wait_blocked(raw, 1)
    assert raw.command("ZADD", "z", "1", "x") == 1
    assert b.read_reply() == [b"z", [[b"x", b"1"]]]
    b.close()
    wait_blocked(raw, 0)
    assert raw.command("ZADD", "z", "2", "y") == 1
    assert raw.command("ZRANGE", "z", "0", "-1") == [b"y"]


def test_command_info_matches(raw):
    # What both print alike; replikv does not print movablekeys (yet).
    want = {
        b"zmpop": (-4, {b"write"}, 0, 0, 0),
        b"bzpopmin": (-3, {b"write", b"noscript", b"blocking", b"fast"}, 1, -2, 1),
        b"bzpopmax": (-3, {b"write", b"noscript", b"blocking", b"fast"}, 1, -2, 1),
        b"bzmpop": (-5, {b"write", b"blocking"}, 0, 0, 0),
    }
    infos = raw.command("COMMAND", "INFO", *[n.decode() for n in want])
    for info in infos:
        arity, flags, first, last, step = want[info[0]]
        got_flags = {f.encode() if isinstance(f, str) else f for f in info[2]} - {b"movablekeys"}
        assert (info[1], got_flags, info[3], info[4], info[5]) == (arity, flags, first, last, step), info[0]


def resp(*args):
    return encode_command(*args)


def incr_aof(srv):
    files = sorted(Path(srv.dir, "appendonlydir").glob("*.incr.aof"))
    return files[0].read_bytes() if len(files) == 1 else b""


def run_aof_scenario(srv):
    """Immediate and served pops of every form; returns once every reply
    came back."""
    c, a, b, m, n = srv.raw(), srv.raw(), srv.raw(), srv.raw(), srv.raw()
    try:
        assert c.command("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f") == 6
        assert c.command("BZPOPMIN", "z", "0") == [b"z", b"a", b"1"]
        assert c.command("BZPOPMAX", "none", "z", "0") == [b"z", b"f", b"6"]
        assert c.command("ZMPOP", "1", "z", "MIN") == [b"z", [[b"b", b"2"]]]
        assert c.command("ZMPOP", "1", "z", "MAX", "COUNT", "1") == [b"z", [[b"e", b"5"]]]
        assert c.command("BZMPOP", "0", "1", "z", "MIN", "COUNT", "10") == [b"z", [[b"c", b"3"], [b"d", b"4"]]]
        a.send(encode_command("BZPOPMIN", "k", "0"))
        wait_blocked(c, 1)
        b.send(encode_command("BZPOPMAX", "k", "0"))
        wait_blocked(c, 2)
        m.send(encode_command("BZMPOP", "0", "1", "k", "MIN"))
        wait_blocked(c, 3)
        n.send(encode_command("BZMPOP", "0", "1", "k", "MAX", "COUNT", "10"))
        wait_blocked(c, 4)
        assert c.command("ZADD", "k", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f") == 6
        assert a.read_reply() == [b"k", b"a", b"1"]
        assert b.read_reply() == [b"k", b"f", b"6"]
        assert m.read_reply() == [b"k", [[b"b", b"2"]]]
        assert n.read_reply() == [b"k", [[b"e", b"5"], [b"d", b"4"], [b"c", b"3"]]]
        # Served after an EXEC: the transaction first, then the pop.
        a.send(encode_command("BZPOPMIN", "t", "0"))
        wait_blocked(c, 1)
        assert c.command("MULTI") == "OK"
        assert c.command("ZADD", "t", "1", "x") == "QUEUED"
        assert c.command("ZADD", "t", "2", "y") == "QUEUED"
        assert c.command("EXEC") == [1, 1]
        assert a.read_reply() == [b"t", b"x", b"1"]
    finally:
        for x in (c, a, b, m, n):
            x.close()


AOF_EXPECTED = (
    resp("SELECT", "0") + resp("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f") +
    resp("ZPOPMIN", "z") + resp("ZPOPMAX", "z") + resp("ZPOPMIN", "z", "1") +
    resp("ZPOPMAX", "z", "1") + resp("ZPOPMIN", "z", "2") +
    resp("ZADD", "k", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f") +
    resp("ZPOPMIN", "k") + resp("ZPOPMAX", "k") + resp("ZPOPMIN", "k", "1") + resp("ZPOPMAX", "k", "3") +
    resp("MULTI") + resp("ZADD", "t", "1", "x") + resp("ZADD", "t", "2", "y") + resp("EXEC") +
    resp("ZPOPMIN", "t"))


def test_the_aof_gets_the_pop_that_ran(server_factory, oracle_factory, target):
    args = ["--appendonly", "yes", "--appendfsync", "always"]
    srv = server_factory(extra_args=args)
    run_aof_scenario(srv)
    wait_for(lambda: incr_aof(srv) == AOF_EXPECTED, 10, f"the AOF to hold {AOF_EXPECTED!r}")
    if target != "redis":
        # The same scenario on the real server writes the same bytes.
        oracle = oracle_factory(extra_args=args)
        run_aof_scenario(oracle)
        wait_for(lambda: incr_aof(oracle) == incr_aof(srv), 10, "identical AOFs")
