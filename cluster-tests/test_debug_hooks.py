"""The hooks Redis's test tooling and operators use, as redis-server 7.0.15
has them: the start-up logo and process title, DEBUG's test and inspection
subcommands, COMMAND GETKEYS / GETKEYSANDFLAGS / LIST FILTERBY, MODULE
without modules, and INFO latencystats."""

import re
import socket
import subprocess
import time

import pytest

from harness import RespError, SimpleString, info_fields, wait_for

# ---------------------------------------------------------------- start-up


def _stdout_text(srv):
    try:
        return srv.stdout_file.read_text(errors="replace")
    except OSError:
        return ""


def test_logo_gives_port_and_pid_on_stdout_and_the_port_is_already_bound(server_factory):
    # Logging to stdout (no logfile), not a terminal: always-show-logo yes
    # still prints the logo block, after the listeners are bound, so a
    # harness may connect as soon as it reads the PID.
    srv = server_factory(extra_args=["--logfile", "", "--always-show-logo", "yes"], start=False)
    srv.spawn()
    m = wait_for(lambda: re.search(r"PID: (\d+)", _stdout_text(srv)), 15, "PID: in stdout")
    assert int(m.group(1)) == srv.pid
    text = _stdout_text(srv)
    assert re.search(r"Port: (\d+)", text).group(1) == str(srv.port)
    assert "Running in standalone mode" in text
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as s:
        s.sendall(b"*1\r\n$4\r\nPING\r\n")
        assert s.recv(64) in (b"+PONG\r\n", b"-LOADING Redis is loading the dataset in memory\r\n")


def test_without_the_logo_one_line_names_mode_and_port(server_factory):
    srv = server_factory()
    log = srv.logfile.read_text(errors="replace")
    assert f"Running mode=standalone, port={srv.port}." in log
    assert "PID: " not in log


def _ps_args(pid):
    out = subprocess.run(["ps", "-o", "args=", "-p", str(pid)], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_process_title_follows_the_template(server_factory):
    srv = server_factory(extra_args=[
        "--proc-title-template", "{title} {listen-addr} {server-mode} [{port}] [{unixsocket}] [{config-file}]"])
    assert _ps_args(srv.pid) == f"{srv.binary} 127.0.0.1:{srv.port}  [{srv.port}] [] [-]"
    with srv.raw() as c:
        assert c.command("CONFIG", "SET", "proc-title-template", "{title} {port}") == "OK"
        assert _ps_args(srv.pid) == f"{srv.binary} {srv.port}"
        assert c.command("CONFIG", "SET", "proc-title-template", "{bad}") == RespError(
            "ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - template format is "
            "invalid or contains unknown variables")


def test_default_process_title(server_factory):
    srv = server_factory()
    assert _ps_args(srv.pid) == f"{srv.binary} 127.0.0.1:{srv.port}"


# ---------------------------------------------------------------- DEBUG

# DEBUG HELP entries replikv does not have (crash helpers, allocator and
# cluster knobs); the rest of the text is Redis's, line for line.
DEBUG_HELP_NOT_IMPLEMENTED = (
    "ASSERT", "CONFIG-REWRITE-FORCE-ALL", "CRASH-AND-RECOVER", "LEAK", "REPLICATE", "MALLCTL", "MALLCTL-STR",
    "DROP-CLUSTER-PACKET-FILTER", "OOM", "PANIC", "RESTART", "SDSLEN", "SEGFAULT", "SET-SKIP-CHECKSUM-VALIDATION",
    "STRUCTSIZE", "CLIENT-EVICTION", "CLUSTERLINK")


@pytest.mark.parametrize("command", ["DEBUG", "COMMAND", "MODULE"])
def test_help_matches_the_oracle(server, oracle_factory, command):
    oracle = oracle_factory()
    with oracle.raw() as c:
        expected = c.command(command, "HELP")
    with server.raw() as c:
        got = c.command(command, "HELP")
    skip = DEBUG_HELP_NOT_IMPLEMENTED if command == "DEBUG" and server.kind == "replikv" else ()
    kept, skipping = [], False
    for line in expected:
        if not line.startswith(" "):
            skipping = line.split(" ")[0] in skip
        if not skipping:
            kept.append(line)
    assert got == kept


def _unknown(sub):
    return RespError(f"ERR unknown subcommand or wrong number of arguments for '{sub}'. Try DEBUG HELP.")


def test_debug_log_error_and_arity(server, raw):
    assert raw.command("DEBUG", "LOG", "hooks test marker 4711") == "OK"
    wait_for(lambda: "DEBUG LOG: hooks test marker 4711" in server.logfile.read_text(errors="replace"), 5,
             "the DEBUG LOG line")
    assert raw.command("DEBUG", "LOG") == _unknown("LOG")
    assert raw.command("DEBUG", "ERROR", "hello world") == RespError("hello world")
    assert raw.command("DEBUG", "ERROR", "ERR x") == RespError("ERR x")
    assert raw.command("DEBUG", "ERROR") == _unknown("ERROR")
    assert raw.command("DEBUG", "nosuch", "x") == _unknown("nosuch")


def test_debug_stringmatch_test(server):
    # Redis 7.0's fuzz run takes a while on a slow machine.
    with server.raw(timeout_s=120) as c:
        assert c.command("DEBUG", "stringmatch-test") == "Apparently Redis did not crash: test passed"


def test_debug_protocol_sends_the_resp2_forms(server):
    expected = {
        "string": b"$11\r\nHello World\r\n",
        "integer": b":12345\r\n",
        "double": b"$5\r\n3.141\r\n",
        "bignum": b"$37\r\n1234567999999999999999999999999999999\r\n",
        "null": b"$-1\r\n",
        "array": b"*3\r\n:0\r\n:1\r\n:2\r\n",
        "set": b"*3\r\n:0\r\n:1\r\n:2\r\n",
        "map": b"*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n",
        "attrib": b"$39\r\nSome real reply following the attribute\r\n",
        "push": b"-ERR RESP2 is not supported by this command\r\n",
        "verbatim": b"$25\r\nThis is a verbatim\nstring\r\n",
        "true": b":1\r\n",
        "false": b":0\r\n",
        "nosuch": b"-ERR Wrong protocol type name. Please use one of the following: "
                  b"string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false\r\n",
    }
    with server.raw() as c:
        for name, wire in expected.items():
            c.send(b"*3\r\n$5\r\nDEBUG\r\n$8\r\nPROTOCOL\r\n$%d\r\n%s\r\n" % (len(name), name.encode()))
            assert c.peek(len(wire), timeout_s=5) == wire, name
            c.read_reply()


def test_debug_switches_reply_as_the_oracle(raw):
    assert raw.command("DEBUG", "PAUSE-CRON", "0") == "OK"
    assert raw.command("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "NEVER") == "OK"
    assert raw.command("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "RESET") == "OK"
    assert raw.command("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "100") == "OK"
    assert raw.command("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "x") == RespError(
        "ERR value is not an integer or out of range")
    assert raw.command("DEBUG", "REPLYBUFFER", "RESIZING", "1") == "OK"
    assert raw.command("DEBUG", "REPLYBUFFER", "nosuch", "1") == _unknown("REPLYBUFFER")
    assert raw.command("DEBUG", "SET-DISABLE-DENY-SCRIPTS", "0") == "OK"
    assert raw.command("DEBUG", "AOF-FLUSH-SLEEP", "0") == "OK"
    assert raw.command("DEBUG", "AOF-FLUSH-SLEEP") == _unknown("AOF-FLUSH-SLEEP")


def test_pause_cron_stops_active_expiry(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        assert c.command("DEBUG", "PAUSE-CRON", "1") == "OK"
        assert c.command("SET", "k", "v", "PX", "20") == "OK"
        t0 = time.monotonic()
        # Time must pass for the key to expire; poll the clock, not a sleep.
        wait_for(lambda: time.monotonic() - t0 > 0.5, 2, "half a second")
        assert c.command("DBSIZE") == 1  # expired, but nothing has removed it
        assert c.command("DEBUG", "PAUSE-CRON", "0") == "OK"
        wait_for(lambda: c.command("DBSIZE") == 0, 10, "active expiry after PAUSE-CRON 0")


def test_quicklist_packed_threshold_bounds(server_factory):
    srv = server_factory()
    bad = RespError("ERR argument must be a memory value bigger than 1 and smaller than 4gb")
    with srv.raw() as c:
        for arg in ("x", "-1", "4gb", "4293918721"):
            assert c.command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", arg) == bad, arg
        for arg in ("1", "1k", "4293918720", "0"):
            assert c.command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", arg) == "OK", arg


def test_large_elements_in_plain_nodes_keep_list_semantics(server_factory):
    srv = server_factory()
    big = [b"x" * 40 + str(i).encode() for i in range(5)]
    with srv.raw() as c:
        assert c.command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "32") == "OK"
        assert c.command("RPUSH", "l", "a", big[0], "b", big[1]) == 4
        assert c.command("LPUSH", "l", big[2], "c") == 6
        assert c.command("LINSERT", "l", "BEFORE", "b", big[3]) == 7
        assert c.command("LSET", "l", "0", big[4]) == "OK"
        want = [big[4], big[2], b"a", big[0], big[3], b"b", big[1]]
        assert c.command("LRANGE", "l", "0", "-1") == want
        assert c.command("OBJECT", "ENCODING", "l") == b"quicklist"
        assert c.command("DEBUG", "QUICKLIST", "l") == "Quicklist structure printed on stdout"
        assert c.command("DEBUG", "QUICKLIST", "l", "1") == "Quicklist structure printed on stdout"
        assert c.command("LREM", "l", "0", big[0]) == 1
        assert c.command("RPOP", "l") == big[1]
        assert c.command("LRANGE", "l", "0", "-1") == [big[4], big[2], b"a", big[3], b"b"]
        digest = c.command("DEBUG", "DIGEST-VALUE", "l")
        assert c.command("DEBUG", "RELOAD") == "OK"
        assert c.command("DEBUG", "DIGEST-VALUE", "l") == digest
        assert c.command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0") == "OK"


def test_listpack_and_quicklist_inspection(raw):
    assert raw.command("RPUSH", "l", "a") == 1
    assert raw.command("HSET", "h", "f", "v") == 1
    assert raw.command("DEBUG", "LISTPACK", "nokey") == RespError("ERR no such key")
    assert raw.command("DEBUG", "QUICKLIST", "nokey") == RespError("ERR no such key")
    assert raw.command("DEBUG", "LISTPACK", "l") == RespError("ERR Not a listpack encoded object.")
    assert raw.command("DEBUG", "QUICKLIST", "h") == RespError("ERR Not a quicklist encoded object.")
    assert raw.command("DEBUG", "LISTPACK", "h") == "Listpack structure printed on stdout"
    assert raw.command("DEBUG", "QUICKLIST", "l") == "Quicklist structure printed on stdout"
    assert raw.command("DEBUG", "LISTPACK", "h", "x") == _unknown("LISTPACK")


STATS_RE = (r"Hash table 0 stats \(main hash table\):\n"
            r"(No stats available for empty dictionaries\n|"
            r" table size: \d+\n number of elements: \d+\n different slots: \d+\n max chain length: \d+\n"
            r" avg chain length \(counted\): \d+\.\d\d\n avg chain length \(computed\): \d+\.\d\d\n"
            r" Chain length distribution:\n(   \d+: \d+ \(\d+\.\d\d%\)\n)+)"
            r"(Hash table 1 stats \(rehashing target\):\n[^\[]*)?")


def test_htstats(raw):
    assert raw.command("DEBUG", "HTSTATS", "0").decode() in (
        "[Dictionary HT]\nHash table 0 stats (main hash table):\nNo stats available for empty dictionaries\n"
        "[Expires HT]\nHash table 0 stats (main hash table):\nNo stats available for empty dictionaries\n",)
    assert raw.command("MSET", "a", "1", "b", "2", "c", "3") == "OK"
    text = raw.command("DEBUG", "HTSTATS", "0").decode()
    assert re.fullmatch(r"\[Dictionary HT\]\n" + STATS_RE + r"\[Expires HT\]\n" + STATS_RE, text), text
    assert "number of elements: 3\n" in text
    assert raw.command("DEBUG", "HTSTATS", "99") == RespError("ERR Out of range database")
    assert raw.command("DEBUG", "HTSTATS", "-1") == RespError("ERR Out of range database")
    assert raw.command("DEBUG", "HTSTATS", "x") == RespError("ERR value is not an integer or out of range")
    assert raw.command("DEBUG", "HTSTATS", "0", "full") == _unknown("HTSTATS")  # 7.0 has no FULL


def test_htstats_key(raw):
    assert raw.command("SADD", "s", *[f"member-{i}" for i in range(200)]) == 200
    assert raw.command("HSET", "small", "f", "v") == 1
    assert raw.command("SET", "str", "v") == "OK"
    text = raw.command("DEBUG", "HTSTATS-KEY", "s").decode()
    assert re.fullmatch(STATS_RE, text), text
    # A table still growing shows its two halves (main and rehashing target).
    assert sum(int(n) for n in re.findall(r"number of elements: (\d+)", text)) == 200, text
    not_ht = RespError("ERR The value stored at the specified key is not represented using an hash table")
    assert raw.command("DEBUG", "HTSTATS-KEY", "small") == not_ht
    assert raw.command("DEBUG", "HTSTATS-KEY", "str") == not_ht
    assert raw.command("DEBUG", "HTSTATS-KEY", "nokey") == RespError("ERR no such key")


def test_debug_reload_options(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        assert c.command("DEBUG", "RELOAD", "NOSAVE") == RespError("ERR Error trying to load the RDB dump")
        assert c.command("MSET", "a", "1", "b", "1") == "OK"
        assert c.command("DEBUG", "RELOAD") == "OK"  # save, flush, load
        assert c.command("MGET", "a", "b") == [b"1", b"1"]
        assert c.command("MSET", "a", "2", "c", "2") == "OK"
        assert c.command("DEBUG", "RELOAD", "NOSAVE") == "OK"  # back to the file
        assert c.command("MGET", "a", "b", "c") == [b"1", b"1", None]
        assert c.command("MSET", "a", "3", "d", "3") == "OK"
        # Keep what is not in the file (d), take the file's version of the rest (a).
        assert c.command("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE") == "OK"
        assert c.command("MGET", "a", "b", "d") == [b"1", b"1", b"3"]
        assert c.command("DEBUG", "RELOAD", "FOO") == RespError(
            "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")


def test_debug_loadaof_reloads_without_rewriting_the_aof(server_factory):
    srv = server_factory(extra_args=["--appendonly", "yes"])
    with srv.raw() as c:
        wait_for(lambda: info_fields(c.command("INFO", "persistence")).get("aof_rewrite_in_progress") == "0"
                 and info_fields(c.command("INFO", "persistence")).get("aof_rewrite_scheduled") == "0",
                 10, "the first AOF rewrite")
        assert c.command("INCR", "n") == 1
        assert c.command("RPUSH", "l", "a", "b") == 2
        assert c.command("SET", "gone", "x") == "OK"
        assert c.command("DEBUG", "LOADAOF") == "OK"
        assert c.command("MGET", "n", "gone") == [b"1", b"x"]
        assert c.command("LRANGE", "l", "0", "-1") == [b"a", b"b"]
        assert c.command("INCR", "n") == 2
        assert c.command("DEL", "gone") == 1
        # Had the first reload written the replayed commands to the AOF
        # again, this one would replay them twice.
        assert c.command("DEBUG", "LOADAOF") == "OK"
        assert c.command("MGET", "n", "gone") == [b"2", None]
        assert c.command("LRANGE", "l", "0", "-1") == [b"a", b"b"]


# ---------------------------------------------------------------- COMMAND

GETKEYS_CASES = [
    (("get", "a"), [b"a"]),
    (("GET", "a"), [b"a"]),
    (("set", "a", "b"), [b"a"]),
    (("mset", "a", "1", "b", "2"), [b"a", b"b"]),
    (("mset", "a", "1", "b"), [b"a", b"b"]),
    (("exists", "a", "b"), [b"a", b"b"]),
    (("lmove", "a", "b", "left", "right"), [b"a", b"b"]),
    (("zunionstore", "d", "2", "a", "b"), [b"d", b"a", b"b"]),
    (("zinter", "2", "a", "b"), [b"a", b"b"]),
    (("zdiff", "2", "a", "b"), [b"a", b"b"]),
    (("sintercard", "2", "a", "b"), [b"a", b"b"]),
    (("lmpop", "2", "a", "b", "left"), [b"a", b"b"]),
    (("blmpop", "0", "2", "a", "b", "left"), [b"a", b"b"]),
    (("bzmpop", "1", "2", "a", "b", "min"), [b"a", b"b"]),
    (("object", "encoding", "k"), [b"k"]),
    (("memory", "usage", "k"), [b"k"]),
    (("zunionstore", "d", "3", "a", "b"), RespError("ERR Invalid arguments specified for command")),
    (("zunionstore", "d", "0", "a"), RespError("ERR Invalid arguments specified for command")),
    (("zunionstore", "d", "x", "a"), RespError("ERR Invalid arguments specified for command")),
    (("sintercard", "0", "a", "b"), RespError("ERR Invalid arguments specified for command")),
    (("lmpop", "0", "a", "left"), RespError("ERR Invalid arguments specified for command")),
    (("zunion", "2", "a"), RespError("ERR Invalid arguments specified for command")),
    (("get", "a", "b"), RespError("ERR Invalid number of arguments specified for command")),
    (("memory", "usage"), RespError("ERR Invalid number of arguments specified for command")),
    (("nosuch", "a"), RespError("ERR Invalid command specified")),
    (("config|get", "x"), RespError("ERR Invalid command specified")),
    (("ping", "x"), RespError("ERR The command has no key arguments")),
    (("config", "get", "x"), RespError("ERR The command has no key arguments")),
    (("client", "list"), RespError("ERR The command has no key arguments")),
    (("publish", "a", "b"), RespError("ERR The command has no key arguments")),
    (("command", "getkeys", "get", "a"), RespError("ERR The command has no key arguments")),
]


@pytest.mark.parametrize("line,expected", GETKEYS_CASES, ids=[" ".join(c[0]) for c in GETKEYS_CASES])
def test_command_getkeys(raw, line, expected):
    assert raw.command("COMMAND", "GETKEYS", *line) == expected


def test_command_getkeys_arity(raw):
    for args in (("COMMAND", "GETKEYS"), ("COMMAND", "GETKEYS", "get"), ("COMMAND", "GETKEYS", "ping")):
        assert raw.command(*args) == RespError("ERR wrong number of arguments for 'command|getkeys' command")
    assert raw.command("COMMAND", "GETKEYSANDFLAGS", "get") == RespError(
        "ERR wrong number of arguments for 'command|getkeysandflags' command")


def test_command_getkeysandflags(raw):
    assert raw.command("COMMAND", "GETKEYSANDFLAGS", "set", "a", "b") == [[b"a", ["OW", "update"]]]
    assert raw.command("COMMAND", "GETKEYSANDFLAGS", "set", "a", "b", "GET") == [[b"a", ["RW", "access", "update"]]]
    assert raw.command("COMMAND", "GETKEYS", "spublish", "a", "b") == RespError(
        "ERR The command has no key arguments")
    assert raw.command("COMMAND", "GETKEYSANDFLAGS", "get", "a") == [[b"a", ["RO", "access"]]]
    assert raw.command("COMMAND", "GETKEYSANDFLAGS", "lmove", "a", "b", "left", "right") == [
        [b"a", ["RW", "access", "delete"]], [b"b", ["RW", "insert"]]]
    assert raw.command("COMMAND", "GETKEYSANDFLAGS", "del", "a", "b") == [
        [b"a", ["RM", "delete"]], [b"b", ["RM", "delete"]]]
    assert raw.command("COMMAND", "GETKEYSANDFLAGS", "object", "encoding", "k") == [[b"k", ["RO"]]]


def _command_lines(c):
    """A plausible command line for each command with keys (from its arity
    and first key), to compare GETKEYSANDFLAGS across the two servers."""
    lines = []
    for info in c.command("COMMAND"):
        name, arity = info[0].decode(), info[1]
        subs = [(s[0].decode().split("|")[1], s[1]) for s in info[9]]
        for sub, sub_arity in subs or [(None, arity)]:
            words = [name] + ([sub] if sub else [])
            n = abs(sub_arity)
            lines.append(words + [f"k{i}" for i in range(max(0, n - len(words)))])
    return lines


def test_command_getkeysandflags_matches_the_oracle(server, oracle_factory):
    # Every command replikv has, with arguments "k0 k1 ..." up to its arity
    # (and the numkeys commands with a count), answered as Redis answers it.
    oracle = oracle_factory()
    with server.raw() as c:
        lines = _command_lines(c)
        lines += [["zunionstore", "d", "2", "a", "b"], ["zinterstore", "d", "1", "a", "weights", "1"],
                  ["lmpop", "1", "a", "left"], ["blmpop", "0", "1", "a", "right", "count", "2"],
                  ["zmpop", "2", "a", "b", "max"], ["mget", "a", "b", "c"], ["msetnx", "a", "1", "b", "2"],
                  ["rename", "a", "b"], ["copy", "a", "b"], ["smove", "a", "b", "m"], ["brpoplpush", "a", "b", "0"]]
        ours = c.pipeline([("COMMAND", "GETKEYSANDFLAGS", *line) for line in lines])
    with oracle.raw() as c:
        theirs = c.pipeline([("COMMAND", "GETKEYSANDFLAGS", *line) for line in lines])
    mismatches = [(line, a, b) for line, a, b in zip(lines, ours, theirs) if a != b]
    assert not mismatches, mismatches


def test_command_list_filterby_matches_the_oracle_on_shared_commands(server, oracle_factory):
    oracle = oracle_factory()
    filters = [("PATTERN", "config*"), ("PATTERN", "CONFIG|G*"), ("PATTERN", "ge?"), ("PATTERN", "*pop*"),
               ("ACLCAT", "admin"), ("ACLCAT", "LIST"), ("ACLCAT", "slow"), ("ACLCAT", "keyspace"),
               ("ACLCAT", "nosuch"), ("ACLCAT", "@read"), ("MODULE", "foo")]
    with server.raw() as c:
        ours = {f: sorted(c.command("COMMAND", "LIST", "FILTERBY", *f)) for f in filters}
        everything = set(c.command("COMMAND", "LIST", "FILTERBY", "PATTERN", "*"))
    with oracle.raw() as c:
        theirs = {f: sorted(n for n in c.command("COMMAND", "LIST", "FILTERBY", *f) if n in everything)
                  for f in filters}
    assert ours == theirs
    assert ours[("MODULE", "foo")] == [] and ours[("ACLCAT", "nosuch")] == []
    assert b"config|get" in everything and b"get" in everything


def test_command_list_filterby_syntax(raw):
    for args in (("foo",), ("FILTERBY",), ("FILTERBY", "foo", "x"), ("FILTERBY", "PATTERN")):
        assert raw.command("COMMAND", "LIST", *args) == RespError("ERR syntax error"), args


# ---------------------------------------------------------------- MODULE


def test_module_without_modules(server_factory):
    srv = server_factory()
    not_allowed = RespError(
        "ERR MODULE command not allowed. If the enable-module-command option is set to \"local\", you can run it "
        "from a local connection, otherwise you need to set this option in the configuration file, and then "
        "restart the server.")
    with srv.raw() as c:
        assert c.command("MODULE", "LIST") == []
        assert c.command("MODULE", "LOAD", "/nonexistent/module.so") == not_allowed
        assert c.command("MODULE", "UNLOAD", "foo") == not_allowed
        assert c.command("MODULE", "LOAD") == RespError("ERR wrong number of arguments for 'module|load' command")
        assert c.command("MODULE", "LIST", "x") == RespError(
            "ERR wrong number of arguments for 'module|list' command")
        assert c.command("MODULE", "FOO") == RespError("ERR unknown subcommand 'FOO'. Try MODULE HELP.")


def test_module_load_fails_as_for_a_missing_library(server_factory):
    srv = server_factory(extra_args=["--enable-module-command", "yes"])
    with srv.raw() as c:
        for args in (("LOAD", "/nonexistent/module.so"), ("LOAD", "/nonexistent/module.so", "a"),
                     ("LOADEX", "/x.so", "CONFIG", "a", "b", "ARGS", "x")):
            assert c.command("MODULE", *args) == RespError(
                "ERR Error loading the extension. Please check the server logs."), args
        assert c.command("MODULE", "UNLOAD", "foo") == RespError(
            "ERR Error unloading module: no such module with that name")
        assert c.command("MODULE", "LIST") == []
    wait_for(lambda: "Module /nonexistent/module.so failed to load" in srv.logfile.read_text(errors="replace"),
             5, "the module load failure in the log")


def test_module_command_info(server, oracle_factory):
    oracle = oracle_factory()
    names = ["module", "module|list", "module|load", "module|loadex", "module|unload", "module|help"]
    with server.raw() as c:
        ours = c.command("COMMAND", "INFO", *names)
        docs = c.command("COMMAND", "DOCS", "module")
    with oracle.raw() as c:
        theirs = c.command("COMMAND", "INFO", *names)
    assert [a[1:7] for a in ours] == [b[1:7] for b in theirs]
    fields = dict(zip(docs[1][0::2], docs[1][1::2]))
    assert fields[b"since"] == b"4.0.0" and fields[b"group"] == b"server"


# ---------------------------------------------------------------- latencystats

PCT = r"\d+\.\d{3}"


def test_info_latencystats(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        assert c.command("CONFIG", "RESETSTAT") == "OK"
        for _ in range(20):
            assert c.command("SET", "a", "b") == "OK"
        assert c.command("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"0"]
        text = c.command("INFO", "latencystats").decode()
        assert text.startswith("# Latencystats\r\n")
        lines = dict(line.split(":", 1) for line in text.split("\r\n")[1:] if line)
        assert re.fullmatch(rf"p50={PCT},p99={PCT},p99\.9={PCT}", lines["latency_percentiles_usec_set"])
        assert "latency_percentiles_usec_config|get" in lines
        p50, p99, p999 = (float(v.split("=")[1]) for v in lines["latency_percentiles_usec_set"].split(","))
        assert 0 < p50 <= p99 <= p999
        assert "latency_percentiles_usec_" not in c.command("INFO").decode()
        assert "# Latencystats" in c.command("INFO", "all").decode()

        assert c.command("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99.99 0 100 12.5") == "OK"
        text = c.command("INFO", "latencystats").decode()
        assert re.search(rf"latency_percentiles_usec_set:p50={PCT},p99\.99={PCT},p0={PCT},p100={PCT},p12\.5={PCT}\r\n",
                         text), text
        assert c.command("CONFIG", "SET", "latency-tracking-info-percentiles", "") == "OK"
        assert "latency_percentiles_usec_set:\r\n" in c.command("INFO", "latencystats").decode()
        assert c.command("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9") == "OK"

        assert c.command("CONFIG", "SET", "latency-tracking", "no") == "OK"
        assert c.command("INFO", "latencystats") == b"# Latencystats\r\n"
        assert c.command("CONFIG", "SET", "latency-tracking", "yes") == "OK"
        assert c.command("CONFIG", "RESETSTAT") == "OK"
        text = c.command("INFO", "latencystats").decode()
        assert "latency_percentiles_usec_set:" not in text


def test_latency_percentiles_quantize_as_the_oracle(server_factory):
    # DEBUG SLEEP 0.01 takes 10 ms and a bit: Redis's histogram keeps two
    # significant digits, so p0 and p100 sit at the bounds of one sub-range
    # (a width of 64 us there).
    srv = server_factory()
    with srv.raw() as c:
        assert c.command("CONFIG", "SET", "latency-tracking-info-percentiles", "0 100") == "OK"
        assert c.command("DEBUG", "SLEEP", "0.01") == "OK"
        text = c.command("INFO", "latencystats").decode()
        m = re.search(rf"latency_percentiles_usec_debug:p0=({PCT}),p100=({PCT})", text)
        lo, hi = float(m.group(1)), float(m.group(2))
        assert 10000 <= hi < 20000
        assert round((hi - lo) * 1000) + 1 in (65536, 131072), (lo, hi)
