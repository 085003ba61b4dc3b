"""MONITOR as redis-server 7.0.15 does it: the line format and quoting, the
db shown after the command ran, redacted secrets, commands that are not
shown (admin ones, refused ones), EXEC after the commands it ran, the
monitor's own restrictions, and MONITOR inside MULTI.
"""

import re

from harness import RespError, SimpleString, wait_for

LINE = re.compile(r'^(\d+)\.(\d{6}) \[(\d+) ([^\]]+)\] (.*)$')


def start_monitor(server):
    m = server.raw()
    assert m.command("MONITOR") == SimpleString("OK")
    return m


def lines(m, c, marker="monitor-done"):
    """The monitor lines up to (not including) a PING <marker> sent by c."""
    assert c.command("PING", marker) == marker.encode()
    out = []
    for _ in range(200):
        line = m.read_reply(timeout_s=5)
        assert isinstance(line, SimpleString), line
        found = LINE.match(line)
        assert found, line
        if found.group(5) == f'"PING" "{marker}"':
            return out
        out.append(found)
    raise AssertionError("no marker line")


def client_addr(c):
    info = c.command("CLIENT", "INFO").decode()
    return re.search(r"addr=(\S+)", info).group(1)


def test_line_format_and_quoting(server):
    with server.raw() as c:
        addr = client_addr(c)
        m = start_monitor(server)
        c.command("SET", b"k", b"v w\"\\\n\r\t\x07\x08\x01\xff~ ")
        c.command("SET", "12", "-5")
        c.command("ECHO", "\u00e9")
        got = lines(m, c)
    m.close()
    assert [g.group(5) for g in got] == [
        '"SET" "k" "v w\\"\\\\\\n\\r\\t\\a\\b\\x01\\xff~ "',
        '"SET" "12" "-5"',
        '"ECHO" "\\xc3\\xa9"',
    ]
    assert all(g.group(4) == addr and g.group(3) == "0" for g in got)


def test_db_after_the_command_and_admin_commands_hidden(server):
    m = start_monitor(server)
    with server.raw() as c:
        c.pipeline([("SELECT", "3"), ("SET", "n", "1"), ("SELECT", "0"),
                    ("CONFIG", "GET", "port"), ("DEBUG", "SLEEP", "0"),
                    ("CLIENT", "SETNAME", "nm"), ("CLIENT", "NO-EVICT", "on"),
                    ("SLOWLOG", "LEN"), ("INFO", "server"), ("NOSUCH", "x"), ("GET",)])
        got = lines(m, c)
    m.close()
    assert [(g.group(3), g.group(5)) for g in got] == [
        ("3", '"SELECT" "3"'), ("3", '"SET" "n" "1"'), ("0", '"SELECT" "0"'),
        ("0", '"CLIENT" "SETNAME" "nm"'), ("0", '"INFO" "server"'),
    ]


def test_secrets_are_redacted(server):
    m = start_monitor(server)
    with server.raw() as c:
        # (MIGRATE's AUTH/AUTH2 are redacted too, but replikv has no MIGRATE.)
        c.pipeline([("AUTH", "pw"), ("AUTH", "user", "pw"), ("HELLO", "2", "AUTH", "u", "p")])
        got = lines(m, c)
    m.close()
    assert [g.group(5) for g in got] == [
        '"AUTH" "(redacted)"',
        '"AUTH" "(redacted)" "(redacted)"',
        '"HELLO" "2" "AUTH" "(redacted)" "(redacted)"',
    ]


def test_exec_comes_after_its_commands(server):
    m = start_monitor(server)
    with server.raw() as c:
        assert c.pipeline([("MULTI",), ("SET", "a", "1"), ("INCR", "a"), ("EXEC",)])[-1] == [
            SimpleString("OK"), 2]
        got = lines(m, c)
    m.close()
    assert [g.group(5) for g in got] == ['"MULTI"', '"SET" "a" "1"', '"INCR" "a"', '"EXEC"']


def test_every_monitor_gets_every_line_in_order(server):
    m1, m2 = start_monitor(server), start_monitor(server)
    with server.raw() as c:
        for i in range(20):
            c.command("SET", f"k{i}", str(i))
        got1, got2 = lines(m1, c), lines(m2, c)
    m1.close()
    m2.close()
    expected = [f'"SET" "k{i}" "{i}"' for i in range(20)]
    assert [g.group(5) for g in got1] == expected
    assert [g.group(5) for g in got2] == expected


def test_monitor_client_restrictions(server):
    m = start_monitor(server)
    assert m.command("PING") == SimpleString("PONG")
    assert LINE.match(m.read_reply()).group(5) == '"PING"'
    assert m.command("GET", "x") == RespError("ERR Replica can't interact with the keyspace")
    assert m.command("SET", "x", "1") == RespError("ERR Replica can't interact with the keyspace")
    flags = re.search(r"flags=(\S+)", m.command("CLIENT", "INFO").decode()).group(1)
    assert flags == "O"
    assert LINE.match(m.read_reply()).group(5) == '"CLIENT" "INFO"'
    # MONITOR again is ignored without a reply: the next reply is QUIT's.
    m.send(b"*1\r\n$7\r\nMONITOR\r\n")
    assert m.command("QUIT") == SimpleString("OK")
    m.close()


def test_monitor_is_not_allowed_in_exec(raw):
    assert raw.pipeline([("MULTI",), ("MONITOR",), ("EXEC",)]) == [
        SimpleString("OK"), SimpleString("QUEUED"),
        [RespError("ERR MONITOR isn't allowed for DENY BLOCKING client")]]
    flags = re.search(r"flags=(\S+)", raw.command("CLIENT", "INFO").decode()).group(1)
    assert flags == "N"


def test_reset_leaves_monitor_mode(server):
    m = start_monitor(server)
    assert m.command("RESET") == SimpleString("RESET")
    assert m.command("SET", "x", "1") == SimpleString("OK")
    with server.raw() as c:
        wait_for(lambda: b"flags=O" not in c.command("CLIENT", "LIST"), 5, "no monitor listed")
    m.close()


def test_closed_monitor_is_dropped(server):
    m = start_monitor(server)
    m.close()
    with server.raw() as c:
        wait_for(lambda: b"flags=O" not in c.command("CLIENT", "LIST"), 5, "monitor gone")
        assert c.command("SET", "a", "1") == SimpleString("OK")
