"""Server and connection commands: PING ECHO TIME INFO CONFIG CLIENT COMMAND
DEBUG SHUTDOWN, as redis-server 7.0.15 answers them."""

import re
import time

import pytest

from harness import RespError, SimpleString, encode_command, ConnectionClosed

ZERO_DIGEST = "0" * 40


def info_fields(text):
    """INFO text -> {field: value} (bytes -> str), sections dropped."""
    fields = {}
    for line in text.decode().split("\r\n"):
        if line and not line.startswith("#"):
            name, _, value = line.partition(":")
            fields[name] = value
    return fields


def info_sections(text):
    return [line[2:] for line in text.decode().split("\r\n")
            if line.startswith("# ")]


def config_dict(reply):
    assert isinstance(reply, list) and len(reply) % 2 == 0
    return dict(zip(reply[0::2], reply[1::2]))


# ----------------------------------------------------------------- basics


def test_ping_echo(raw):
    assert raw.command("PING") == SimpleString("PONG")
    assert raw.command("PING", "hello") == b"hello"  # a bulk, not a status
    assert raw.command("ECHO", "a\r\nb") == b"a\r\nb"
    assert raw.command("ECHO", "") == b""


def test_time_is_seconds_and_microseconds(raw):
    before = time.time()
    sec, usec = raw.command("TIME")
    after = time.time()
    assert re.fullmatch(rb"\d+", sec) and re.fullmatch(rb"\d{1,6}", usec)
    t = int(sec) + int(usec) / 1e6
    assert before - 1 <= t <= after + 1


def test_dbsize_counts_the_selected_db(raw):
    assert raw.command("DBSIZE") == 0
    assert raw.command("MSET", "a", "1", "b", "2") == "OK"
    assert raw.command("DBSIZE") == 2
    assert raw.command("SELECT", "9") == "OK"
    assert raw.command("DBSIZE") == 0


def test_lastsave_is_a_unix_time(raw):
    assert abs(raw.command("LASTSAVE") - time.time()) < 3600 * 24 * 365


# ----------------------------------------------------------------- INFO


DEFAULT_SECTIONS = ["Server", "Clients", "Memory", "Persistence", "Stats",
                    "Replication", "CPU", "Modules", "Errorstats", "Cluster",
                    "Keyspace"]


def test_info_default_sections_and_fields(server, raw):
    assert raw.command("SET", "a", "1") == "OK"
    text = raw.command("INFO")
    assert isinstance(text, bytes) and text.endswith(b"\r\n")
    assert info_sections(text) == DEFAULT_SECTIONS
    f = info_fields(text)
    assert re.fullmatch(r"7\.0\.\d+", f["redis_version"])
    assert f["redis_mode"] == "standalone"
    assert f["tcp_port"] == str(server.port)
    assert f["process_id"] == str(server.pid)
    assert re.fullmatch(r"[0-9a-f]{40}", f["run_id"])
    assert f["arch_bits"] == "64"
    assert int(f["uptime_in_seconds"]) >= 0
    assert int(f["connected_clients"]) >= 1
    assert int(f["maxclients"]) > 0  # Redis lowers 10000 to fit ulimit -n
    assert int(f["used_memory"]) > 0
    assert f["maxmemory"] == "0"
    assert f["maxmemory_policy"] == "noeviction"
    assert f["loading"] == "0"
    assert int(f["rdb_changes_since_last_save"]) >= 1
    assert f["rdb_bgsave_in_progress"] == "0"
    assert f["aof_enabled"] == "0"
    assert f["role"] == "master"
    assert f["connected_slaves"] == "0"
    assert re.fullmatch(r"[0-9a-f]{40}", f["master_replid"])
    assert f["master_replid2"] == ZERO_DIGEST
    assert f["master_repl_offset"] == "0"
    assert f["second_repl_offset"] == "-1"
    assert f["cluster_enabled"] == "0"
    assert f["db0"] == "keys=1,expires=0,avg_ttl=0"
    for name in ["total_connections_received", "total_commands_processed",
                 "expired_keys", "evicted_keys", "keyspace_hits",
                 "keyspace_misses", "latest_fork_usec", "total_error_replies",
                 "used_memory_human", "used_memory_peak", "mem_allocator",
                 "rdb_last_save_time", "rdb_last_bgsave_status",
                 "aof_rewrite_in_progress", "repl_backlog_active",
                 "used_cpu_sys", "used_cpu_user", "executable", "config_file",
                 "hz", "configured_hz", "blocked_clients"]:
        assert name in f, name


def test_info_section_selection(raw):
    assert info_sections(raw.command("INFO", "server")) == ["Server"]
    assert info_sections(raw.command("INFO", "SERVER")) == ["Server"]
    assert info_sections(raw.command("INFO", "server", "clients")) == [
        "Server", "Clients"]
    assert raw.command("INFO", "foo") == b""
    assert info_sections(raw.command("INFO", "default")) == DEFAULT_SECTIONS
    everything = info_sections(raw.command("INFO", "everything"))
    assert "Commandstats" in everything and "Latencystats" in everything
    assert "Commandstats" in info_sections(raw.command("INFO", "all"))
    assert info_sections(raw.command("INFO", "keyspace")) == ["Keyspace"]
    assert raw.command("INFO", "keyspace") == b"# Keyspace\r\n"


def test_info_keyspace_lines(raw):
    assert raw.command("SET", "a", "1") == "OK"
    assert raw.command("SET", "b", "2", "EX", "100") == "OK"
    assert raw.command("SELECT", "3") == "OK"
    assert raw.command("SET", "c", "1") == "OK"
    text = raw.command("INFO", "keyspace").decode()
    assert re.fullmatch(
        r"# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=\d+\r\n"
        r"db3:keys=1,expires=0,avg_ttl=0\r\n", text), text


def test_info_counts_hits_misses_and_changes(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        assert c.command("SET", "a", "1") == "OK"
        assert c.command("MSET", "b", "1", "c", "2") == "OK"
        f = info_fields(c.command("INFO"))
        assert f["rdb_changes_since_last_save"] == "3"
        c.command("GET", "a")
        c.command("GET", "zz")
        c.command("GET", "zz")
        f = info_fields(c.command("INFO", "stats"))
        assert f["keyspace_hits"] == "1"
        assert f["keyspace_misses"] == "2"


def test_config_resetstat_clears_the_counters(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        assert c.command("SET", "a", "1") == "OK"
        c.command("GET", "a")
        c.command("GET", "missing")
        assert isinstance(c.command("INCR", "a", "b"), RespError)
        assert c.command("CONFIG", "RESETSTAT") == "OK"
        f = info_fields(c.command("INFO", "stats"))
        assert f["total_commands_processed"] == "1"  # the RESETSTAT itself
        assert f["keyspace_hits"] == "0" and f["keyspace_misses"] == "0"
        assert f["total_error_replies"] == "0"
        assert f["total_connections_received"] == "0"
        assert f["expired_keys"] == "0"
        assert c.command("INFO", "errorstats") == b"# Errorstats\r\n"
        cmdstats = c.command("INFO", "commandstats").decode()
        assert "cmdstat_get" not in cmdstats and "cmdstat_set" not in cmdstats
        # Counting restarts.
        c.command("GET", "a")
        c.command("GET", "zz")
        assert isinstance(c.command("SET", "a", "b", "c"), RespError)
        assert isinstance(c.command("nosuch"), RespError)
        f = info_fields(c.command("INFO", "stats"))
        assert f["keyspace_hits"] == "1" and f["keyspace_misses"] == "1"
        assert f["total_error_replies"] == "2"
        cmdstats = info_fields(c.command("INFO", "commandstats"))
        assert cmdstats["cmdstat_get"].startswith("calls=2,usec=")
        assert cmdstats["cmdstat_get"].endswith(
            ",rejected_calls=0,failed_calls=0")
        assert cmdstats["cmdstat_set"].endswith(
            ",rejected_calls=0,failed_calls=1")
        assert c.command("INFO", "errorstats") == (
            b"# Errorstats\r\nerrorstat_ERR:count=2\r\n")
        # Data is not touched.
        assert c.command("GET", "a") == b"1"


# ----------------------------------------------------------------- CONFIG


def test_config_get_set_round_trips(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        for name, value, expect in [
            ("maxmemory", "100mb", b"104857600"),
            ("maxmemory", "1gb", b"1073741824"),
            ("maxmemory", "10k", b"10000"),
            ("maxmemory", "5MB", b"5242880"),
            ("maxmemory", "0", b"0"),
            ("maxmemory-policy", "allkeys-lru", b"allkeys-lru"),
            ("hz", "20", b"20"),
            ("hz", "0", b"1"),          # clamped
            ("hz", "1000", b"500"),     # clamped
            ("hz", "10", b"10"),
            ("timeout", "5", b"5"),
            ("save", "900 1", b"900 1"),
            ("save", "", b""),
            ("proto-max-bulk-len", "2mb", b"2097152"),
            ("loglevel", "verbose", b"verbose"),
            ("lazyfree-lazy-eviction", "yes", b"yes"),
            ("appendfsync", "always", b"always"),
            ("list-max-ziplist-size", "5", b"5"),
        ]:
            assert c.command("CONFIG", "SET", name, value) == "OK", name
            assert c.command("CONFIG", "GET", name) == [name.encode(), expect]
        # The old name is an alias of the new one.
        assert c.command("CONFIG", "GET", "list-max-listpack-size") == [
            b"list-max-listpack-size", b"5"]
        # Names are case-insensitive; GET echoes the name as asked.
        assert c.command("CONFIG", "SET", "MaxMemory", "5mb") == "OK"
        assert c.command("CONFIG", "GET", "maxmemory") == [
            b"maxmemory", b"5242880"]
        assert c.command("CONFIG", "GET", "MAXMEMORY") == [
            b"MAXMEMORY", b"5242880"]


def test_config_get_patterns_and_multiple_names(server, raw):
    assert config_dict(raw.command("CONFIG", "GET", "port", "bind")) == {
        b"port": str(server.port).encode(), b"bind": b"127.0.0.1"}
    assert raw.command("CONFIG", "GET", "port", "port") == [
        b"port", str(server.port).encode()]
    assert raw.command("CONFIG", "GET", "nosuch") == []
    got = config_dict(raw.command("CONFIG", "GET", "*max-*-entries*"))
    assert got == {b"hash-max-listpack-entries": b"512",
                   b"zset-max-listpack-entries": b"128",
                   b"set-max-intset-entries": b"512",
                   b"zset-max-ziplist-entries": b"128",
                   b"hash-max-ziplist-entries": b"512"}
    got = config_dict(raw.command("CONFIG", "GET", "maxmemory*"))
    assert set(got) == {b"maxmemory", b"maxmemory-policy", b"maxmemory-clients",
                        b"maxmemory-samples", b"maxmemory-eviction-tenacity"}
    got = config_dict(raw.command("CONFIG", "GET", "*"))
    assert got[b"dir"] == str(server.dir).encode()
    assert got[b"appendonly"] == b"no"
    assert got[b"save"] == b""
    assert got[b"databases"] == b"16"
    assert got[b"enable-debug-command"] == b"yes"
    assert got[b"appendfilename"] == b"appendonly.aof"
    assert got[b"dbfilename"] == b"dump.rdb"
    assert got[b"replicaof"] == b""
    assert got[b"slaveof"] == b""
    assert got[b"requirepass"] == b""


def test_config_set_several_at_once_is_atomic(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        assert c.command("CONFIG", "SET", "hz", "11", "timeout", "7") == "OK"
        assert config_dict(c.command("CONFIG", "GET", "hz", "timeout")) == {
            b"hz": b"11", b"timeout": b"7"}
        assert c.command("CONFIG", "SET", "hz", "12", "nosuch", "1") == RespError(
            "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'")
        assert c.command("CONFIG", "SET", "hz", "13", "maxmemory", "abc") == (
            RespError("ERR CONFIG SET failed (possibly related to argument "
                      "'maxmemory') - argument must be a memory value"))
        assert c.command("CONFIG", "GET", "hz") == [b"hz", b"11"]
        assert c.command("CONFIG", "SET", "hz", "12", "hz", "13") == RespError(
            "ERR CONFIG SET failed (possibly related to argument 'hz') - "
            "duplicate parameter")


@pytest.mark.parametrize("args,error", [
    (["nosuch", "1"],
     "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"),
    (["maxmemory", "abc"],
     "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - "
     "argument must be a memory value"),
    (["maxmemory", "-1"],
     "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - "
     "argument must be a memory value"),
    (["maxmemory-policy", "foo"],
     "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') "
     "- argument(s) must be one of the following: volatile-lru, volatile-lfu, "
     "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, "
     "noeviction"),
    (["appendfsync", "foo"],
     "ERR CONFIG SET failed (possibly related to argument 'appendfsync') - "
     "argument(s) must be one of the following: everysec, always, no"),
    (["loglevel", "foo"],
     "ERR CONFIG SET failed (possibly related to argument 'loglevel') - "
     "argument(s) must be one of the following: debug, verbose, notice, "
     "warning"),
    (["lazyfree-lazy-eviction", "maybe"],
     "ERR CONFIG SET failed (possibly related to argument "
     "'lazyfree-lazy-eviction') - argument must be 'yes' or 'no'"),
    (["daemonize", "yes"],
     "ERR CONFIG SET failed (possibly related to argument 'daemonize') - "
     "can't set immutable config"),
    (["databases", "20"],
     "ERR CONFIG SET failed (possibly related to argument 'databases') - "
     "can't set immutable config"),
    (["enable-debug-command", "no"],
     "ERR CONFIG SET failed (possibly related to argument "
     "'enable-debug-command') - can't set immutable config"),
    (["dir", "/nonexistent/dir"],
     "ERR CONFIG SET failed (possibly related to argument 'dir') - "
     "can't set protected config"),
    (["hz"], "ERR wrong number of arguments for 'config|set' command"),
    ([], "ERR wrong number of arguments for 'config|set' command"),
])
def test_config_set_errors(raw, args, error):
    assert raw.command("CONFIG", "SET", *args) == RespError(error)


def test_config_other_errors(raw):
    assert raw.command("CONFIG", "GET") == RespError(
        "ERR wrong number of arguments for 'config|get' command")
    assert raw.command("CONFIG", "RESETSTAT", "x") == RespError(
        "ERR wrong number of arguments for 'config|resetstat' command")
    assert raw.command("CONFIG", "REWRITE") == RespError(
        "ERR The server is running without a config file")


def test_config_rewrite_updates_the_file_given_at_start(server_factory, tmp_path):
    conf = tmp_path / "server.conf"
    conf.write_text("# my comment\nmaxmemory 1mb\nhz 15\n")
    srv = server_factory(config_file=conf)
    with srv.raw() as c:
        assert c.command("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"1048576"]
        assert c.command("CONFIG", "GET", "hz") == [b"hz", b"15"]
        info = info_fields(c.command("INFO", "server"))
        assert info["config_file"] == str(conf)
        assert c.command("CONFIG", "SET", "maxmemory", "2mb") == "OK"
        assert c.command("CONFIG", "SET", "maxmemory-policy", "allkeys-lru") == "OK"
        assert c.command("CONFIG", "REWRITE") == "OK"
    lines = conf.read_text().splitlines()
    # The comment and untouched lines stay where they were; changed lines are
    # rewritten in place; new ones are appended after a marker.
    assert lines[0] == "# my comment"
    assert lines[1] == "maxmemory 2mb"
    assert lines[2] == "hz 15"
    assert "# Generated by CONFIG REWRITE" in lines
    marker = lines.index("# Generated by CONFIG REWRITE")
    assert "maxmemory-policy allkeys-lru" in lines[marker:]
    assert f"port {srv.port}" in lines[marker:]
    srv.stop()
    # The rewritten file starts a server with the same settings.
    again = server_factory(config_file=conf)
    with again.raw() as c:
        assert c.command("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"2097152"]
        assert c.command("CONFIG", "GET", "maxmemory-policy") == [
            b"maxmemory-policy", b"allkeys-lru"]


# ----------------------------------------------------------------- CLIENT


CLIENT_FIELDS = ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags",
                 "db", "sub", "psub", "ssub", "multi", "qbuf", "qbuf-free",
                 "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll", "omem",
                 "tot-mem", "events", "cmd", "user", "redir", "resp"]


def client_line_fields(line):
    return dict(item.split("=", 1) for item in line.strip().split(" "))


def test_client_id_setname_getname(raw):
    cid = raw.command("CLIENT", "ID")
    assert isinstance(cid, int) and cid > 0
    assert raw.command("CLIENT", "GETNAME") is None
    assert raw.command("CLIENT", "SETNAME", "myname") == "OK"
    assert raw.command("CLIENT", "GETNAME") == b"myname"
    assert raw.command("CLIENT", "SETNAME", "a b") == RespError(
        "ERR Client names cannot contain spaces, newlines or special "
        "characters.")
    assert raw.command("CLIENT", "SETNAME", "a\nb") == RespError(
        "ERR Client names cannot contain spaces, newlines or special "
        "characters.")
    assert raw.command("CLIENT", "GETNAME") == b"myname"
    assert raw.command("CLIENT", "SETNAME", "") == "OK"
    assert raw.command("CLIENT", "GETNAME") is None


def test_client_ids_increase(server):
    with server.raw() as a, server.raw() as b:
        assert b.command("CLIENT", "ID") > a.command("CLIENT", "ID")


def test_client_list_and_info_fields(server):
    with server.raw() as a, server.raw() as b:
        assert a.command("CLIENT", "SETNAME", "first") == "OK"
        assert b.command("SELECT", "2") == "OK"
        text = a.command("CLIENT", "LIST").decode()
        assert text.endswith("\n")
        lines = text.splitlines()
        assert len(lines) == 2
        parsed = [client_line_fields(line) for line in lines]
        for line, fields in zip(lines, parsed):
            assert [kv.split("=")[0] for kv in line.split(" ")] == CLIENT_FIELDS
        by_id = {int(f["id"]): f for f in parsed}
        fa = by_id[a.command("CLIENT", "ID")]
        fb = by_id[b.command("CLIENT", "ID")]
        assert fa["name"] == "first" and fb["name"] == ""
        assert fa["db"] == "0" and fb["db"] == "2"
        assert fa["cmd"] == "client|list" and fb["cmd"] == "select"
        assert fa["flags"] == "N" and fa["user"] == "default"
        assert fa["resp"] == "2" and fa["multi"] == "-1"
        assert fa["addr"].startswith("127.0.0.1:")
        assert fa["laddr"] == f"127.0.0.1:{server.port}"
        info = client_line_fields(a.command("CLIENT", "INFO").decode())
        assert list(info) == CLIENT_FIELDS
        assert info["id"] == fa["id"] and info["cmd"] == "client|info"
        own = a.command("CLIENT", "LIST", "ID", fb["id"]).decode().splitlines()
        assert len(own) == 1 and client_line_fields(own[0])["id"] == fb["id"]
        assert a.command("CLIENT", "LIST", "ID", "99999") == b""
        assert len(a.command("CLIENT", "LIST", "TYPE", "normal")
                   .decode().splitlines()) == 2
        assert a.command("CLIENT", "LIST", "TYPE", "foo") == RespError(
            "ERR Unknown client type 'foo'")
        assert a.command("CLIENT", "LIST", "ID", "abc") == RespError(
            "ERR Invalid client ID")
        assert a.command("CLIENT", "INFO", "x") == RespError(
            "ERR wrong number of arguments for 'client|info' command")


def test_client_kill(server):
    with server.raw() as killer, server.raw() as victim, server.raw() as v2:
        vid = victim.command("CLIENT", "ID")
        assert killer.command("CLIENT", "KILL", "ID", str(vid)) == 1
        victim.read_until_closed()
        assert killer.command("CLIENT", "KILL", "ID", str(vid)) == 0
        addr = client_line_fields(v2.command("CLIENT", "INFO").decode())["addr"]
        # The old form takes the address and answers +OK.
        assert killer.command("CLIENT", "KILL", addr) == "OK"
        v2.read_until_closed()
        assert killer.command("CLIENT", "KILL", addr) == RespError(
            "ERR No such client")
        assert killer.command("CLIENT", "KILL", "ADDR", "1.2.3.4:5") == 0
        assert killer.command("CLIENT", "KILL", "ID", "abc") == RespError(
            "ERR client-id should be greater than 0")
        assert killer.command("CLIENT", "KILL", "foo", "bar") == RespError(
            "ERR syntax error")
        assert killer.command("CLIENT", "KILL") == RespError(
            "ERR wrong number of arguments for 'client|kill' command")
        # SKIPME yes (the default) spares the caller.
        own = killer.command("CLIENT", "ID")
        assert killer.command("CLIENT", "KILL", "ID", str(own)) == 0
        assert killer.command("PING") == "PONG"


def test_client_kill_skipme_no_kills_the_caller(server):
    with server.raw() as c:
        own = c.command("CLIENT", "ID")
        c.send(encode_command("CLIENT", "KILL", "ID", str(own), "SKIPME", "no"))
        # The reply may or may not make it out before the close.
        data = c.read_until_closed()
        assert data in (b"", b":1\r\n")


# ----------------------------------------------------------------- COMMAND


def test_command_count_matches_the_command_list(raw):
    count = raw.command("COMMAND", "COUNT")
    table = raw.command("COMMAND")
    assert isinstance(count, int) and count == len(table)
    names = {entry[0] for entry in table}
    for name in [b"get", b"set", b"del", b"ping", b"info", b"config",
                 b"client", b"command", b"expire", b"scan", b"debug"]:
        assert name in names


def test_command_info_shape(raw):
    reply = raw.command("COMMAND", "INFO", "get", "set", "nosuch", "GET")
    assert len(reply) == 4
    get, set_, missing, get_upper = reply
    assert missing is None
    assert get_upper == get
    assert len(get) == 10
    assert get[0] == b"get" and get[1] == 2
    assert "readonly" in get[2] and "fast" in get[2]
    assert get[3:6] == [1, 1, 1]
    assert "@read" in get[6] and "@string" in get[6]
    assert set_[0] == b"set" and set_[1] == -3
    assert "write" in set_[2] and "denyoom" in set_[2]
    assert set_[3:6] == [1, 1, 1]
    config = raw.command("COMMAND", "INFO", "config")[0]
    assert config[1] == -2
    subs = {entry[0]: entry for entry in config[9]}
    assert subs[b"config|get"][1] == -3


def test_command_docs_shape(raw):
    reply = raw.command("COMMAND", "DOCS", "get")
    assert len(reply) == 2 and reply[0] == b"get"
    doc = config_dict(reply[1])
    # replikv's docs carry summary, since and group (what redis-cli's hints
    # need); Redis's own texts, complexity and argument specs are Redis-only.
    assert isinstance(doc[b"summary"], bytes) and doc[b"summary"]
    assert doc[b"since"] == b"1.0.0"
    assert doc[b"group"] == b"string"
    everything = raw.command("COMMAND", "DOCS")
    assert len(everything) % 2 == 0 and b"set" in everything[0::2]
    assert raw.command("COMMAND", "DOCS", "nosuch") == []


def test_command_errors(raw):
    assert raw.command("COMMAND", "foo") == RespError(
        "ERR unknown subcommand 'foo'. Try COMMAND HELP.")


# ----------------------------------------------------------------- DEBUG


def test_debug_sleep_zero(raw):
    assert raw.command("DEBUG", "SLEEP", "0") == "OK"
    assert raw.command("DEBUG", "SLEEP", "0.01") == "OK"


def test_debug_populate_default_names(raw):
    assert raw.command("DEBUG", "POPULATE", "1000") == "OK"
    assert raw.command("DBSIZE") == 1000
    assert raw.command("MGET", "key:0", "key:999", "key:1000") == [
        b"value:0", b"value:999", None]
    # Existing keys are left alone.
    assert raw.command("SET", "key:5", "mine") == "OK"
    assert raw.command("DEBUG", "POPULATE", "10") == "OK"
    assert raw.command("GET", "key:5") == b"mine"
    assert raw.command("DBSIZE") == 1000


def test_debug_populate_prefix_and_size(raw):
    assert raw.command("DEBUG", "POPULATE", "10", "key", "5") == "OK"
    assert raw.command("DBSIZE") == 10
    assert raw.command("MGET", "key:0", "key:9", "key:10") == [
        b"value", b"value", None]
    assert raw.command("DEBUG", "POPULATE", "3", "foo", "20") == "OK"
    assert raw.command("GET", "foo:2") == b"value:2" + b"\x00" * 13
    assert raw.command("DEBUG", "POPULATE", "2", "bar", "3") == "OK"
    assert raw.command("MGET", "bar:0", "bar:1") == [b"val", b"val"]
    err = RespError("ERR value is out of range, must be positive")
    assert raw.command("DEBUG", "POPULATE", "abc") == err
    assert raw.command("DEBUG", "POPULATE", "-1") == err
    assert raw.command("DEBUG", "POPULATE", "1", "x", "-1") == err


def test_debug_digest(raw):
    assert raw.command("DEBUG", "DIGEST") == ZERO_DIGEST
    assert raw.command("DEBUG", "DIGEST-VALUE") == []
    assert raw.command("DEBUG", "DIGEST-VALUE", "nokey") == [ZERO_DIGEST]
    assert raw.command("SET", "k", "v") == "OK"
    assert raw.command("DEBUG", "DIGEST") == \
        "264ccf65edec66bccfa7cc659414ccca432057d2"
    assert raw.command("DEBUG", "DIGEST-VALUE", "k", "nokey") == [
        "d79ee9fe5d5ad902d7f6620efc3b07b75ddd742f", ZERO_DIGEST]
    assert raw.command("SET", "n", "12345") == "OK"
    assert raw.command("DEBUG", "DIGEST-VALUE", "n") == [
        "e1cf90774e995ae03de66e8109dc5cb9d9c2dc83"]
    assert raw.command("DEBUG", "DIGEST") == \
        "39bd85711911b83f6d9db728d4a43b1f9bbc10d3"
    # The encoding does not matter, only the value.
    assert raw.command("SET", "n", "x") == "OK"
    assert raw.command("APPEND", "n", "") == 1
    assert raw.command("SETRANGE", "n", "0", "12345") == 5
    assert raw.command("OBJECT", "ENCODING", "n") == b"raw"
    assert raw.command("DEBUG", "DIGEST-VALUE", "n") == [
        "e1cf90774e995ae03de66e8109dc5cb9d9c2dc83"]


def test_debug_digest_is_order_independent_and_sees_dbs(raw):
    assert raw.command("MSET", "a", "1", "b", "2") == "OK"
    d1 = raw.command("DEBUG", "DIGEST")
    assert raw.command("FLUSHALL") == "OK"
    assert raw.command("MSET", "b", "2", "a", "1") == "OK"
    assert raw.command("DEBUG", "DIGEST") == d1
    assert raw.command("MOVE", "a", "1") == 1
    d2 = raw.command("DEBUG", "DIGEST")
    assert d2 != d1 and d2 != ZERO_DIGEST
    assert raw.command("PEXPIREAT", "b", "99999999999999") == 1
    assert raw.command("DEBUG", "DIGEST") not in (d1, d2)


def test_debug_object_fields(raw):
    assert raw.command("SET", "k", "v") == "OK"
    assert raw.command("SET", "n", "12345") == "OK"
    line = raw.command("DEBUG", "OBJECT", "k")
    assert re.fullmatch(
        r"Value at:0x[0-9a-f]+ refcount:1 encoding:embstr serializedlength:2 "
        r"lru:\d+ lru_seconds_idle:\d+", line), line
    line = raw.command("DEBUG", "OBJECT", "n")
    assert re.fullmatch(
        r"Value at:0x[0-9a-f]+ refcount:1 encoding:int serializedlength:3 "
        r"lru:\d+ lru_seconds_idle:\d+", line), line
    assert raw.command("DEBUG", "OBJECT", "nokey") == RespError("ERR no such key")


def test_debug_unknown_subcommand(raw):
    assert raw.command("DEBUG", "foo") == RespError(
        "ERR unknown subcommand or wrong number of arguments for 'foo'. "
        "Try DEBUG HELP.")


def test_debug_refused_when_disabled(server_factory):
    srv = server_factory(extra_args=["--enable-debug-command", "no"])
    err = RespError(
        "ERR DEBUG command not allowed. If the enable-debug-command option is "
        "set to \"local\", you can run it from a local connection, otherwise "
        "you need to set this option in the configuration file, and then "
        "restart the server.")
    with srv.raw() as c:
        assert c.command("CONFIG", "GET", "enable-debug-command") == [
            b"enable-debug-command", b"no"]
        assert c.command("DEBUG", "SLEEP", "0") == err
        assert c.command("DEBUG", "DIGEST") == err
        assert c.command("PING") == "PONG"


def test_debug_allowed_for_local_connections_when_local(server_factory):
    srv = server_factory(extra_args=["--enable-debug-command", "local"])
    with srv.raw() as c:
        assert c.command("DEBUG", "DIGEST") == ZERO_DIGEST


# ----------------------------------------------------------------- SHUTDOWN


def test_shutdown_nosave_ends_the_process(server_factory):
    srv = server_factory(extra_args=["--save", "900 1"])
    with srv.raw() as c:
        assert c.command("CONFIG", "GET", "save") == [b"save", b"900 1"]
        assert c.command("SET", "k", "v") == "OK"
        assert c.command("SHUTDOWN", "FOO") == RespError("ERR syntax error")
        assert c.command("SHUTDOWN", "NOSAVE", "SAVE") == RespError(
            "ERR syntax error")
        c.send(encode_command("SHUTDOWN", "NOSAVE"))
        with pytest.raises(ConnectionClosed):
            c.read_reply()
    assert srv.wait_exit(10) == 0
    assert not (srv.dir / "dump.rdb").exists()


def test_command_docs_has_a_summary_for_every_command(raw):
    # redis-cli shows the summary as a hint: no command may go without one.
    names = raw.command("COMMAND", "LIST")
    assert len(names) > 100
    docs = raw.command("COMMAND", "DOCS", *names)
    by_name = dict(zip(docs[0::2], docs[1::2]))
    for name in names:
        fields = dict(zip(by_name[name][0::2], by_name[name][1::2]))
        assert fields.get(b"summary") not in (None, b"", b"(no summary)"), name


# Every HELP text here is Redis 7.0's, line for line (DEBUG, COMMAND and
# MODULE HELP are compared in test_debug_hooks.py).
@pytest.mark.parametrize("command", ["CLIENT", "CONFIG", "MEMORY", "OBJECT", "PUBSUB"])
def test_help_texts_match_the_oracle(server, oracle_factory, command):
    oracle = oracle_factory(extra_args=["--enable-debug-command", "yes"])
    with oracle.raw() as c:
        expected = c.command(command, "HELP")
    with server.raw() as c:
        got = c.command(command, "HELP")
    assert got == expected


def test_command_info_matches_the_oracle_for_every_command(server, oracle_factory):
    # Arity, flags (in Redis's order), key positions and ACL categories of
    # every command replikv has, and of a few subcommands by "a|b" name, as
    # redis-server 7.0 describes them. Key specs and tips are not compared
    # (replikv sends none).
    oracle = oracle_factory()
    with server.raw() as c:
        names = [n.decode() for n in c.command("COMMAND", "LIST")]
        names += ["client|pause", "client|unblock", "config|get", "object|freq", "memory|usage"]
        ours = c.command("COMMAND", "INFO", *names)
    with oracle.raw() as c:
        theirs = c.command("COMMAND", "INFO", *names)
    mismatches = []
    for name, a, b in zip(names, ours, theirs):
        assert b is not None, f"redis-server has no {name}"
        if a is None or a[1:7] != b[1:7]:
            mismatches.append((name, a and a[1:7], b[1:7]))
    assert not mismatches, mismatches


def test_command_docs_since_and_group_match_the_oracle(server, oracle_factory):
    # COMMAND DOCS "since" and "group" of every command replikv has, as
    # redis-server 7.0 gives them (GETDEL and GETEX once said 1.0.0).
    oracle = oracle_factory()
    with server.raw() as c:
        names = c.command("COMMAND", "LIST")
        ours = c.command("COMMAND", "DOCS", *names)
    with oracle.raw() as c:
        theirs = c.command("COMMAND", "DOCS", *names)

    def fields(docs):
        out = {}
        for name, doc in zip(docs[0::2], docs[1::2]):
            d = dict(zip(doc[0::2], doc[1::2]))
            out[name] = (d.get(b"since"), d.get(b"group"))
        return out

    ours, theirs = fields(ours), fields(theirs)
    diff = [(n, ours[n], theirs.get(n)) for n in ours if n in theirs and ours[n] != theirs[n]]
    assert not diff
