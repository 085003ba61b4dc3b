"""CLIENT PAUSE / UNPAUSE and CLIENT REPLY OFF|SKIP|ON with several real
clients, as redis-server 7.0.15 behaves: who waits under WRITE and ALL,
that a parked command completes (in arrival order) after UNPAUSE or the
timeout, how a parked client shows in CLIENT LIST, the static dataset during
a pause, and the exact bytes a client gets with its replies turned off.

A parked client is waited for by polling CLIENT LIST (flags=b), never with
a fixed sleep. Every test ends with the pause lifted (the fixture), so the
shared server is left as it was found.
"""

import socket
import time

import pytest

from harness import RespError, encode_command, info_fields, wait_for

E = encode_command


@pytest.fixture(autouse=True)
def lift_pause(server):
    """After each test the shared server is unpaused (an ALL pause parks
    UNPAUSE itself until its end: tests keep those short)."""
    yield
    ctl = server.raw(timeout_s=20.0)
    try:
        assert ctl.command("CLIENT", "UNPAUSE") == "OK"
    finally:
        ctl.close()


def parked_ids(c):
    out = set()
    for line in c.command("CLIENT", "LIST").decode().splitlines():
        fields = dict(f.split("=", 1) for f in line.split(" ") if "=" in f)
        if "b" in fields.get("flags", ""):  # "xb" inside MULTI
            out.add(int(fields["id"]))
    return out


def wait_parked(c, n):
    wait_for(lambda: len(parked_ids(c)) == n, 10, f"{n} parked clients")


def no_reply_within(c, seconds):
    """True if c gets nothing for `seconds` (used only to show a reply is
    held; every positive wait polls)."""
    try:
        c.read_reply(timeout_s=seconds)
    except (socket.timeout, TimeoutError):
        return True
    return False


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("args,error", [
    (("PAUSE",), "ERR wrong number of arguments for 'client|pause' command"),
    (("PAUSE", "abc"), "ERR timeout is not an integer or out of range"),
    (("PAUSE", "1.5"), "ERR timeout is not an integer or out of range"),
    (("PAUSE", "99999999999999999999"), "ERR timeout is not an integer or out of range"),
    (("PAUSE", "abc", "foo"), "ERR CLIENT PAUSE mode must be WRITE or ALL"),
    (("PAUSE", "10", "foo"), "ERR CLIENT PAUSE mode must be WRITE or ALL"),
    (("PAUSE", "-1"), "ERR timeout is negative"),
    (("PAUSE", "1", "write", "x"),
     "ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP."),
    (("UNPAUSE", "x"), "ERR wrong number of arguments for 'client|unpause' command"),
    (("REPLY",), "ERR wrong number of arguments for 'client|reply' command"),
    (("REPLY", "on", "x"), "ERR wrong number of arguments for 'client|reply' command"),
    (("REPLY", "foo"), "ERR syntax error"),
])
def test_argument_errors(raw, args, error):
    assert raw.command("CLIENT", *args) == RespError(error)


def test_timeout_past_the_clock_range_pauses_nothing(raw, clients):
    # Redis 7.0 adds the timeout to the clock unchecked: the sum wraps into
    # the past, so the pause is over at once.
    assert raw.command("CLIENT", "PAUSE", "9223372036854775807", "WRITE") == "OK"
    assert clients().command("SET", "k", "v") == "OK"


def test_help_lists_pause_and_unpause(raw):
    lines = [str(x) for x in raw.command("CLIENT", "HELP")]
    i = lines.index("UNPAUSE")
    assert lines[i:i + 4] == [
        "UNPAUSE", "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds."]
    assert lines[i + 4] == "REPLY (ON|OFF|SKIP)"


# ---------------------------------------------------------------- WRITE pause


def test_write_pause_parks_writes_and_lets_reads_run(raw, clients):
    assert raw.command("SET", "k", "old") == "OK"
    assert raw.command("CLIENT", "PAUSE", "100000", "WRITE") == "OK"
    w = clients()
    w.send(E("SET", "k", "new"))
    wait_parked(raw, 1)
    readers = [clients() for _ in range(3)]
    for rd in readers:
        assert rd.command("GET", "k") == b"old"
        assert rd.command("PING") == "PONG"
        assert rd.command("SELECT", "0") == "OK"
    assert raw.command("CLIENT", "UNPAUSE") == "OK"
    assert w.read_reply() == "OK"
    assert raw.command("GET", "k") == b"new"


@pytest.mark.parametrize("cmd", [
    ("PUBLISH", "ch", "m"), ("SPUBLISH", "ch", "m"), ("FLUSHALL",),
    ("PERSIST", "x"), ("SWAPDB", "0", "1"), ("BLPOP", "nolist", "1"),
])
def test_write_pause_parks_what_may_replicate(raw, clients, cmd):
    assert raw.command("CLIENT", "PAUSE", "100000", "WRITE") == "OK"
    c = clients()
    c.send(E(*cmd))
    wait_parked(raw, 1)
    assert raw.command("CLIENT", "UNPAUSE") == "OK"
    c.read_reply()  # whatever it answers, it runs once the pause is over


def test_parked_writes_complete_in_arrival_order(raw, clients):
    assert raw.command("CLIENT", "PAUSE", "100000", "WRITE") == "OK"
    writers = [clients() for _ in range(4)]
    for i, w in enumerate(writers):
        w.send(E("APPEND", "k", str(i)))
        wait_parked(raw, i + 1)
    assert raw.command("CLIENT", "UNPAUSE") == "OK"
    assert [w.read_reply() for w in writers] == [1, 2, 3, 4]
    assert raw.command("GET", "k") == b"0123"


def test_pipeline_after_a_parked_command_runs_after_it(raw, clients):
    assert raw.command("CLIENT", "PAUSE", "100000", "WRITE") == "OK"
    p = clients()
    p.send(E("SET", "a", "1") + E("GET", "a") + E("INCR", "n"))
    wait_parked(raw, 1)
    assert no_reply_within(p, 0.2)
    assert raw.command("CLIENT", "UNPAUSE") == "OK"
    assert [p.read_reply() for _ in range(3)] == ["OK", b"1", 1]


def test_parked_write_completes_when_the_pause_times_out(raw, clients):
    start = time.monotonic()
    assert raw.command("CLIENT", "PAUSE", "400", "WRITE") == "OK"
    w = clients()
    w.send(E("SET", "k", "v"))
    assert w.read_reply(timeout_s=10) == "OK"
    assert time.monotonic() - start >= 0.35
    assert raw.command("GET", "k") == b"v"


def test_arity_errors_are_answered_at_once(raw, clients):
    assert raw.command("CLIENT", "PAUSE", "100000", "WRITE") == "OK"
    c = clients()
    assert c.command("SET", "k") == RespError("ERR wrong number of arguments for 'set' command")


# ---------------------------------------------------------------- ALL pause


def test_all_pause_parks_every_command_unpause_included(raw, clients):
    start = time.monotonic()
    assert raw.command("CLIENT", "PAUSE", "500", "ALL") == "OK"
    g, u = clients(), clients()
    g.send(E("GET", "k"))
    u.send(E("CLIENT", "UNPAUSE"))
    assert g.read_reply(timeout_s=10) is None
    assert u.read_reply(timeout_s=10) == "OK"
    assert time.monotonic() - start >= 0.45


def test_stricter_mode_and_later_end_win(raw, clients):
    # Under ALL the pausing client waits too: both pauses go in one EXEC.
    start = time.monotonic()
    assert raw.pipeline([("MULTI",), ("CLIENT", "PAUSE", "800", "ALL"), ("CLIENT", "PAUSE", "100", "WRITE"),
                         ("EXEC",)])[-1] == ["OK", "OK"]
    g = clients()
    g.send(E("GET", "k"))
    assert g.read_reply(timeout_s=10) is None
    assert time.monotonic() - start >= 0.75


def test_a_zero_all_pause_turns_a_write_pause_into_all(raw, clients):
    start = time.monotonic()
    assert raw.command("CLIENT", "PAUSE", "800", "WRITE") == "OK"
    assert raw.command("CLIENT", "PAUSE", "0", "ALL") == "OK"
    g = clients()
    g.send(E("GET", "k"))
    assert g.read_reply(timeout_s=10) is None
    assert time.monotonic() - start >= 0.75


# ---------------------------------------------------------------- MULTI


def test_writes_inside_multi_wait_and_exec_of_reads_runs(raw, clients):
    q = clients()
    assert q.command("MULTI") == "OK"
    assert q.command("SET", "k", "queued") == "QUEUED"
    assert raw.command("CLIENT", "PAUSE", "100000", "WRITE") == "OK"
    m = clients()
    assert m.command("MULTI") == "OK"
    assert m.command("GET", "k") == "QUEUED"
    m.send(E("SET", "k", "2"))  # parked before it is even queued
    wait_parked(raw, 1)
    q.send(E("EXEC"))  # its transaction holds a write
    wait_parked(raw, 2)
    ro = clients()
    assert ro.command("MULTI") == "OK"
    assert ro.command("GET", "k") == "QUEUED"
    assert ro.command("EXEC") == [None]
    assert raw.command("CLIENT", "UNPAUSE") == "OK"
    assert m.read_reply() == "QUEUED"
    assert q.read_reply() == ["OK"]
    assert m.command("EXEC") == [b"queued", "OK"]


# ---------------------------------------------------------------- introspection


def test_client_list_shows_a_parked_client(raw, clients):
    assert raw.command("CLIENT", "PAUSE", "100000", "WRITE") == "OK"
    w = clients()
    w.send(E("SET", "k", "v"))
    wait_parked(raw, 1)
    (wid,) = parked_ids(raw)
    line = raw.command("CLIENT", "LIST", "ID", str(wid)).decode()
    fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
    assert fields["flags"] == "b"
    assert fields["cmd"] == "set"
    assert fields["qbuf"] == "0"
    assert fields["argv-mem"] == "5"


def test_info_has_no_pause_fields(raw, clients):
    assert raw.command("CLIENT", "PAUSE", "100000", "WRITE") == "OK"
    fields = info_fields(raw.command("INFO", "everything"))
    assert [k for k in fields if "paus" in k and not k.startswith(("cmdstat_", "latency_"))] == []


def test_parked_clients_count_as_blocked_in_info(raw, clients):
    assert raw.command("CLIENT", "PAUSE", "100000", "WRITE") == "OK"
    for _ in range(2):
        clients().send(E("SET", "k", "v"))
    wait_parked(raw, 2)
    fields = info_fields(raw.command("INFO", "clients"))
    assert fields["blocked_clients"] == "2"
    assert fields["clients_in_timeout_table"] == "0"


# ---------------------------------------------------------------- static dataset


def test_expired_keys_stay_until_the_pause_ends(raw, clients):
    assert raw.command("CONFIG", "RESETSTAT") == "OK"
    assert raw.command("SET", "e1", "v", "PX", "50") == "OK"
    assert raw.command("SET", "e2", "v", "PX", "50") == "OK"
    assert raw.command("CLIENT", "PAUSE", "100000", "WRITE") == "OK"
    wait_for(lambda: raw.command("PTTL", "e1") == -2, 10, "e1 to expire")
    assert raw.command("GET", "e1") is None
    assert raw.command("EXISTS", "e2") == 0
    assert raw.command("KEYS", "*") == []
    assert raw.command("DBSIZE") == 2  # still stored: nothing is deleted
    assert no_reply_within(raw, 0.3)  # leave the cron time to (not) expire
    assert raw.command("DBSIZE") == 2
    assert info_fields(raw.command("INFO", "stats"))["expired_keys"] == "0"
    assert raw.command("CLIENT", "UNPAUSE") == "OK"
    wait_for(lambda: raw.command("DBSIZE") == 0, 10, "active expiry after the pause")
    assert info_fields(raw.command("INFO", "stats"))["expired_keys"] == "2"


# ---------------------------------------------------------------- CLIENT REPLY


def session(server, payload):
    """Sends payload then a sentinel (CLIENT REPLY ON, ECHO end) and returns
    every byte received before the sentinel's replies."""
    c = server.raw()
    try:
        c.send(payload + E("CLIENT", "REPLY", "ON") + E("ECHO", "end"))
        tail = b"+OK\r\n$3\r\nend\r\n"
        deadline = time.monotonic() + 10
        while not c.buf.endswith(tail):
            assert time.monotonic() < deadline, bytes(c.buf)
            c.sock.settimeout(10)
            c._fill()
        return bytes(c.buf[:-len(tail)])
    finally:
        c.close()


REPLY_CASES = {
    "off_suppresses_errors_too": (
        E("CLIENT", "REPLY", "OFF") + E("SET", "a", "1") + E("GET", "a") + E("FOO") + E("GET")
        + E("CLIENT", "REPLY", "BAR") + E("CLIENT", "REPLY", "ON") + E("GET", "a") + E("CLIENT", "REPLY", "OFF"),
        b"+OK\r\n$1\r\n1\r\n"),
    "skip": (E("CLIENT", "REPLY", "SKIP") + E("SET", "a", "1") + E("GET", "a"), b"$1\r\n1\r\n"),
    "skip_twice": (E("CLIENT", "REPLY", "SKIP") + E("CLIENT", "REPLY", "SKIP") + E("PING") + E("PING") + E("PING"),
                   b"+PONG\r\n+PONG\r\n"),
    "on_ends_skip_and_answers": (E("CLIENT", "REPLY", "SKIP") + E("CLIENT", "REPLY", "ON") + E("PING"),
                                 b"+OK\r\n+PONG\r\n"),
    "skip_under_off_is_ignored": (E("CLIENT", "REPLY", "OFF") + E("CLIENT", "REPLY", "SKIP") + E("PING")
                                  + E("CLIENT", "REPLY", "ON") + E("PING"), b"+OK\r\n+PONG\r\n"),
    "off_while_skipped": (E("CLIENT", "REPLY", "SKIP") + E("CLIENT", "REPLY", "OFF") + E("PING")
                          + E("CLIENT", "REPLY", "ON") + E("PING"), b"+OK\r\n+PONG\r\n"),
    "skip_an_error": (E("CLIENT", "REPLY", "SKIP") + E("NOPE") + E("PING"), b"+PONG\r\n"),
    "skip_inline": (b"CLIENT REPLY SKIP\r\nPING\r\nPING\r\n", b"+PONG\r\n"),
    "skip_multi": (E("CLIENT", "REPLY", "SKIP") + E("MULTI") + E("PING") + E("EXEC") + E("PING"),
                   b"+QUEUED\r\n*1\r\n+PONG\r\n+PONG\r\n"),
    "skip_inside_exec": (E("MULTI") + E("CLIENT", "REPLY", "SKIP") + E("PING") + E("EXEC") + E("PING") + E("PING"),
                         b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+PONG\r\n+PONG\r\n"),
    "off_inside_exec": (E("MULTI") + E("CLIENT", "REPLY", "OFF") + E("PING") + E("EXEC") + E("PING"),
                        b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n"),
    "skip_a_blocking_timeout": (E("CLIENT", "REPLY", "SKIP") + E("BLPOP", "nolist", "0.1") + E("PING"),
                                b"+PONG\r\n"),
    "reset_ends_off": (E("CLIENT", "REPLY", "OFF") + E("RESET") + E("PING"), b"+RESET\r\n+PONG\r\n"),
    "reset_keeps_its_own_skip": (E("CLIENT", "REPLY", "SKIP") + E("RESET") + E("PING"), b"+PONG\r\n"),
}


@pytest.mark.parametrize("name", sorted(REPLY_CASES))
def test_reply_bytes(server, name):
    payload, expected = REPLY_CASES[name]
    assert session(server, payload) == expected


def test_reply_off_still_counts_errors(raw):
    assert raw.command("CONFIG", "RESETSTAT") == "OK"
    raw.send(E("CLIENT", "REPLY", "OFF") + E("NOPE") + E("GET") + E("CLIENT", "REPLY", "ON"))
    assert raw.read_reply() == "OK"
    stats = info_fields(raw.command("INFO", "errorstats"))
    assert stats["errorstat_ERR"] == "count=2"


def test_skip_holds_for_a_parked_command(raw, clients):
    assert raw.command("CLIENT", "PAUSE", "100000", "WRITE") == "OK"
    c = clients()
    c.send(E("CLIENT", "REPLY", "SKIP") + E("SET", "k", "v") + E("GET", "k"))
    wait_parked(raw, 1)
    assert raw.command("CLIENT", "UNPAUSE") == "OK"
    assert c.read_reply() == b"v"


def test_messages_reach_a_subscriber_with_replies_off(raw, clients):
    sub = clients()
    sub.send(E("CLIENT", "REPLY", "OFF") + E("SUBSCRIBE", "other"))
    wait_for(lambda: raw.command("PUBLISH", "other", "hello") == 1, 10, "a subscriber")
    # Pushes are exempt from OFF in Redis 7.0; the ack is the next test's.
    reply = sub.read_reply()
    if reply[0] == b"subscribe":
        reply = sub.read_reply()
    assert reply == [b"message", b"other", b"hello"]


def test_subscribe_acks_reach_a_client_with_replies_off(raw, clients):
    sub = clients()
    sub.send(E("CLIENT", "REPLY", "OFF") + E("SUBSCRIBE", "c2"))
    assert sub.read_reply() == [b"subscribe", b"c2", 1]
    assert raw.command("PUBLISH", "c2", "hello") == 1
    assert sub.read_reply() == [b"message", b"c2", b"hello"]
