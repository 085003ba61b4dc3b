"""SLOWLOG, LATENCY, CLIENT NO-EVICT and LOLWUT as redis-server 7.0.15
answers them: entry shapes, argument shortening, thresholds, subcommand
errors and help, latency samples of slow commands, the graph and doctor
texts, and the histogram of LATENCY HISTOGRAM.
"""

import re
import time

import pytest

from harness import RespError, SimpleString, wait_for


def slowlog_server(server_factory, slower_than="0", max_len="128"):
    return server_factory(extra_args=["--slowlog-log-slower-than", slower_than,
                                      "--slowlog-max-len", max_len])


def test_entry_shape_and_order(server_factory):
    srv = slowlog_server(server_factory)
    with srv.raw() as c:
        assert c.command("SLOWLOG", "RESET") == SimpleString("OK")
        assert c.command("CLIENT", "SETNAME", "nm") == SimpleString("OK")
        c.command("SET", "k", "v")
        addr = re.search(rb"addr=(\S+)", c.command("CLIENT", "INFO")).group(1)
        entries = c.command("SLOWLOG", "GET", "3")
    assert len(entries) == 3
    ids = [e[0] for e in entries]
    assert ids == sorted(ids, reverse=True) and ids[0] - ids[2] == 2
    newest = entries[1]  # entries[0] is CLIENT INFO
    assert newest[3] == [b"SET", b"k", b"v"]
    assert newest[4] == addr and newest[5] == b"nm"
    assert abs(newest[1] - time.time()) < 10 and newest[2] >= 0
    # The name is the client's after the command ran.
    assert entries[2][3] == [b"CLIENT", b"SETNAME", b"nm"] and entries[2][5] == b"nm"


def test_arguments_are_shortened(server_factory):
    srv = slowlog_server(server_factory)
    with srv.raw() as c:
        c.command("SET", "k", "a" * 200)
        c.command("RPUSH", "l", *[str(i) for i in range(1, 41)])
        c.command("AUTH", "xx")
        got = c.command("SLOWLOG", "GET", "3")
    assert got[0][3] == [b"AUTH", b"(redacted)"]
    assert got[1][3] == [b"RPUSH", b"l"] + [str(i).encode() for i in range(1, 30)] + [
        b"... (11 more arguments)"]
    assert got[2][3] == [b"SET", b"k", b"a" * 128 + b"... (72 more bytes)"]


def test_len_reset_count_and_max_len(server_factory):
    srv = slowlog_server(server_factory, max_len="5")
    with srv.raw() as c:
        for i in range(10):
            c.command("SET", f"k{i}", "v")
        assert c.command("SLOWLOG", "LEN") == 5
        got = c.command("SLOWLOG", "GET", "-1")
        assert len(got) == 5 and got[0][3][0] == b"SLOWLOG"
        assert c.command("SLOWLOG", "GET", "0") == []
        assert len(c.command("SLOWLOG", "GET")) == 5
        assert c.command("SLOWLOG", "RESET") == SimpleString("OK")
        assert c.command("SLOWLOG", "LEN") == 1  # the RESET itself was slow enough


def test_disabled_and_threshold(server_factory):
    srv = slowlog_server(server_factory, slower_than="-1")
    with srv.raw() as c:
        c.command("SET", "k", "v")
        assert c.command("SLOWLOG", "LEN") == 0
        assert c.command("CONFIG", "SET", "slowlog-log-slower-than", "100000") == SimpleString("OK")
        c.command("SET", "k", "v")
        assert c.command("DEBUG", "SLEEP", "0.15") == SimpleString("OK")
        got = c.command("SLOWLOG", "GET")
        assert [e[3] for e in got] == [[b"DEBUG", b"SLEEP", b"0.15"]]
        assert got[0][2] >= 150000


def test_exec_is_not_logged_but_its_commands_are(server_factory):
    srv = slowlog_server(server_factory)
    with srv.raw() as c:
        c.command("SLOWLOG", "RESET")
        c.pipeline([("MULTI",), ("SET", "a", "1"), ("EXEC",)])
        got = [e[3][0] for e in c.command("SLOWLOG", "GET")]
    assert got == [b"SET", b"MULTI", b"SLOWLOG"]


@pytest.mark.parametrize("args,error", [
    (("SLOWLOG", "GET", "-2"), "ERR count should be greater than or equal to -1"),
    (("SLOWLOG", "GET", "abc"), "ERR count should be greater than or equal to -1"),
    (("SLOWLOG", "get", "1", "2"),
     "ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP."),
    (("SLOWLOG", "FOO"), "ERR unknown subcommand 'FOO'. Try SLOWLOG HELP."),
    (("SLOWLOG", "LEN", "x"), "ERR wrong number of arguments for 'slowlog|len' command"),
    (("SLOWLOG", "RESET", "x"), "ERR wrong number of arguments for 'slowlog|reset' command"),
    (("SLOWLOG",), "ERR wrong number of arguments for 'slowlog' command"),
    (("LATENCY", "FOO"), "ERR unknown subcommand 'FOO'. Try LATENCY HELP."),
    (("LATENCY", "HISTORY"), "ERR wrong number of arguments for 'latency|history' command"),
    (("LATENCY", "GRAPH", "nosuch"), "ERR No samples available for event 'nosuch'"),
    (("LATENCY", "LATEST", "x"), "ERR wrong number of arguments for 'latency|latest' command"),
    (("CONFIG", "SET", "slowlog-log-slower-than", "-2"),
     "ERR CONFIG SET failed (possibly related to argument 'slowlog-log-slower-than') - "
     "argument must be between -1 and 9223372036854775807 inclusive"),
    (("CONFIG", "SET", "slowlog-max-len", "-1"),
     "ERR CONFIG SET failed (possibly related to argument 'slowlog-max-len') - "
     "argument must be between 0 and 9223372036854775807 inclusive"),
    (("CLIENT", "NO-EVICT", "maybe"), "ERR syntax error"),
    (("LOLWUT", "VERSION", "x"), "ERR value is not an integer or out of range"),
    (("LOLWUT", "VERSION", "5", "x"), "ERR value is not an integer or out of range"),
])
def test_errors(raw, args, error):
    assert raw.command(*args) == RespError(error)


def test_help_texts(raw):
    slowlog = raw.command("SLOWLOG", "HELP")
    assert slowlog[0] == "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert slowlog[1] == "GET [<count>]" and slowlog[-1] == "    Prints this help." and len(slowlog) == 12
    latency = raw.command("LATENCY", "HELP")
    assert latency[0] == "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert "HISTOGRAM [COMMAND ...]" in latency and len(latency) == 17


def latency_server(server_factory, threshold="1"):
    return server_factory(extra_args=["--latency-monitor-threshold", threshold])


def test_latency_samples_of_slow_commands(server_factory):
    srv = latency_server(server_factory)
    with srv.raw() as c:
        assert c.command("LATENCY", "LATEST") == []
        c.command("DEBUG", "SLEEP", "0.05")
        c.command("DEBUG", "SLEEP", "0.02")  # very likely the same second
        latest = c.command("LATENCY", "LATEST")
        assert len(latest) == 1
        name, when, last, worst = latest[0]
        assert name == b"command" and worst >= 50 and 20 <= last <= worst
        assert abs(when - time.time()) < 10
        history = c.command("LATENCY", "HISTORY", "command")
        assert 1 <= len(history) <= 2 and history[-1] == [when, last]
        assert c.command("LATENCY", "HISTORY", "nosuch") == []
        assert c.command("LATENCY", "RESET", "command", "nosuch") == 1
        assert c.command("LATENCY", "LATEST") == []
        assert c.command("LATENCY", "RESET") == 0


def test_threshold_zero_records_nothing(server_factory):
    srv = latency_server(server_factory, "0")
    with srv.raw() as c:
        c.command("DEBUG", "SLEEP", "0.02")
        assert c.command("LATENCY", "LATEST") == []


def test_graph_of_one_sample(server_factory):
    srv = latency_server(server_factory)
    with srv.raw() as c:
        c.command("DEBUG", "SLEEP", "0.03")
        worst = c.command("LATENCY", "LATEST")[0][3]
        graph = c.command("LATENCY", "GRAPH", "command").decode()
    lines = graph.split("\n")
    assert lines[0] == f"command - high {worst} ms, low {worst} ms (all time high {worst} ms)"
    assert lines[1] == "-" * 80
    # One column at the lowest level, a blank row, then its age ("0s"
    # or "1s") written downwards.
    assert lines[2:6] == [" ", " ", " ", "_"] and lines[6] == " "
    assert lines[7] in ("0", "1") and lines[8] == "s" and lines[9:] == [""]


def test_doctor_texts(server_factory):
    srv = latency_server(server_factory, "0")
    with srv.raw() as c:
        assert c.command("LATENCY", "DOCTOR").startswith(
            b"I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance.")
        assert c.command("CONFIG", "SET", "latency-monitor-threshold", "1") == SimpleString("OK")
        assert c.command("LATENCY", "DOCTOR") == (
            b"Dave, no latency spike was observed during the lifetime of this Redis instance, not in the "
            b"slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think "
            b"things over.\n")
        c.command("DEBUG", "SLEEP", "0.02")
        worst = c.command("LATENCY", "LATEST")[0][3]
        text = c.command("LATENCY", "DOCTOR").decode()
    assert text == (
        "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, "
        "do you Dave?\n\n"
        f"1. command: 1 latency spikes (average {worst}ms, mean deviation 0ms, period 1.00 sec). "
        f"Worst all time event {worst}ms.\n\n"
        "I have a few advices for you:\n\n"
        "- Your current Slow Log configuration only logs events that are slower than your configured "
        "latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than 1000'.\n"
        "- Check your Slow Log to understand what are the commands you are running which are too slow to "
        "execute. Please check https://redis.io/commands/slowlog for more information.\n"
        "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking "
        "operation. If you have very large objects that are often deleted, expired, or evicted, try to "
        "fragment those objects into multiple smaller objects.\n")


def test_histogram_is_cumulative_per_command(raw):
    raw.command("CONFIG", "RESETSTAT")
    for i in range(5):
        raw.command("SET", f"k{i}", "v")
    raw.command("GET", "k1")
    got = raw.command("LATENCY", "HISTOGRAM", "set", "get", "nosuch", "set")
    # In the order asked, a name asked twice twice, unknown names left out.
    assert got[0::2] == [b"set", b"get", b"set"] and got[1] == got[5]
    by_name = {got[0]: got[1], got[2]: got[3]}
    for name, calls in ((b"set", 5), (b"get", 1)):
        entry = by_name[name]
        assert entry[0] == b"calls" and entry[1] == calls and entry[2] == b"histogram_usec"
        buckets = entry[3]
        counts = buckets[1::2]
        assert counts == sorted(counts) and counts[-1] == calls
        # Buckets are the top of power-of-two steps from 1024 ns, in us.
        assert all(b in (1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113, 4227, 8454)
                   or b > 8454 for b in buckets[0::2])
    all_of_them = raw.command("LATENCY", "HISTOGRAM")
    names = all_of_them[0::2]
    assert b"set" in names and b"get" in names and b"config|resetstat" in names


def test_client_no_evict_flag(raw):
    assert raw.command("CLIENT", "NO-EVICT", "on") == SimpleString("OK")
    assert re.search(rb"flags=(\S+)", raw.command("CLIENT", "INFO")).group(1) == b"e"
    assert raw.command("CLIENT", "NO-EVICT", "OFF") == SimpleString("OK")
    assert re.search(rb"flags=(\S+)", raw.command("CLIENT", "INFO")).group(1) == b"N"


def test_lolwut(raw):
    plain = raw.command("LOLWUT").decode()
    assert re.fullmatch(r"(Redis|replikv) ver\. \d+\.\d+\.\d+\n", plain)
    assert raw.command("LOLWUT", "VERSION", "1") == plain.encode()
    art = raw.command("LOLWUT", "VERSION", "5", "10", "2", "2").decode()
    body, _, tail = art.rpartition("\n\n")
    assert tail == "Georg Nees - schotter, plotter on paper, 1968. " + plain
    rows = body.split("\n")
    assert all(len(r) == 10 and all(0x2800 <= ord(ch) <= 0x28FF for ch in r) for r in rows)
