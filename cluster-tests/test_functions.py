"""Functions: FUNCTION LOAD/DELETE/FLUSH/LIST/STATS/DUMP/RESTORE/KILL/HELP,
FCALL and FCALL_RO, redis.register_function and its flags, side by side on
redis-server 7.0.15 and replikv; how libraries persist (RDB, AOF, AOF
rewrite, a reference server's RDB), how FUNCTION DUMP payloads move between
the two servers, and how libraries and FCALL effects reach replicas.

Every expected reply here was observed on redis-server 7.0.15. Redis lists
libraries in its hash table's order, so tests compare sorted lists.
"""

import hashlib
import shutil
from pathlib import Path

import pytest

import harness
from harness import RespError, encode_command, wait_for

TESTDATA = Path(__file__).resolve().parent.parent / "persistence" / "tests" / "testdata"

LIB = "#!lua name=mylib\nredis.register_function('myset', function(keys, args) return redis.call('set', keys[1], args[1]) end)"


@pytest.fixture
def fr(raw):
    """A raw client on a server with no libraries (FLUSHALL keeps them)."""
    assert raw.command("FUNCTION", "FLUSH") == "OK"
    return raw


def lib(name, *functions):
    """A library registering each (fname, lua body) positionally."""
    lines = [f"#!lua name={name}"]
    for fname, body in functions:
        lines.append(f"redis.register_function('{fname}', function(keys, args) {body} end)")
    return "\n".join(lines)


def by_name(listing):
    """FUNCTION LIST's libraries, and each one's functions, by name."""
    out = []
    for entry in sorted(listing, key=lambda entry: entry[1]):
        entry = list(entry)
        entry[5] = sorted(entry[5], key=lambda f: f[1])
        out.append(entry)
    return out


# ------------------------------------------------------------ LOAD and FCALL

def test_load_replies_the_library_name_and_fcall_runs_it(fr):
    assert fr.command("FUNCTION", "LOAD", LIB) == b"mylib"
    assert fr.command("FCALL", "myset", "1", "k", "v") == "OK"
    assert fr.command("GET", "k") == b"v"
    # Function names ignore case; library names do not.
    assert fr.command("FCALL", "MYSET", "1", "k", "w") == "OK"
    assert fr.command("FUNCTION", "DELETE", "MYLIB") == RespError("ERR Library not found")
    body = lib("echo", ("echo", "return {keys, args, #keys, #args}"))
    assert fr.command("FUNCTION", "LOAD", body) == b"echo"
    assert fr.command("FCALL", "echo", "2", "a", "b", "c") == [[b"a", b"b"], [b"c"], 2, 1]
    assert fr.command("FCALL", "echo", "0") == [[], [], 0, 0]


def test_list_shows_libraries_functions_flags_and_code(fr):
    table_form = (
        "#!lua name=flagged\n"
        "redis.register_function{function_name='ro', callback=function(k) return redis.call('get', k[1]) end, "
        "flags={'allow-cross-slot-keys', 'NO-WRITES', 'no-cluster', 'allow-stale', 'allow-oom'}, "
        "description='reads a key'}\n"
        "redis.register_function(7, function() return 7 end)")
    assert fr.command("FUNCTION", "LOAD", table_form) == b"flagged"
    assert fr.command("FUNCTION", "LOAD", LIB) == b"mylib"
    listing = by_name(fr.command("FUNCTION", "LIST"))
    assert listing[1] == [b"library_name", b"mylib", b"engine", b"LUA", b"functions",
                          [[b"name", b"myset", b"description", None, b"flags", []]]]
    assert listing[0][:5] == [b"library_name", b"flagged", b"engine", b"LUA", b"functions"]
    assert sorted(listing[0][5], key=lambda f: f[1]) == [
        [b"name", b"7", b"description", None, b"flags", []],
        [b"name", b"ro", b"description", b"reads a key", b"flags",
         ["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"]],
    ]
    with_code = fr.command("FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "MY*")
    assert with_code == [[b"library_name", b"mylib", b"engine", b"LUA", b"functions",
                          [[b"name", b"myset", b"description", None, b"flags", []]],
                          b"library_code", LIB.encode()]]
    assert fr.command("FUNCTION", "LIST", "libraryname", "nomatch*") == []
    assert fr.command("FUNCTION", "LIST", "LIBRARYNAME") == RespError("ERR library name argument was not given")
    assert fr.command("FUNCTION", "LIST", "foo") == RespError("ERR Unknown argument foo")
    assert fr.command("FUNCTION", "LIST", "WITHCODE", "WITHCODE") == RespError("ERR Unknown argument WITHCODE")
    assert fr.command("FUNCTION", "STATS") == [
        b"running_script", None, b"engines", [b"LUA", [b"libraries_count", 2, b"functions_count", 3]]]


LOAD_ERRORS = [
    ("return 1", "ERR Missing library metadata"),
    ("#!lua", "ERR Invalid library metadata"),
    ("#!lua name=a \"open\nreturn 1", "ERR Invalid library metadata"),
    ("#!lua\nreturn 1", "ERR Library name was not given"),
    ("#!lua name=a name=b\nreturn 1", "ERR Invalid metadata value, name argument was given multiple times"),
    ("#!lua foo=bar\nreturn 1", "ERR Invalid metadata value given: foo=bar"),
    ("#!lua name=a-b\nreturn 1", "ERR Library names can only contain letters, numbers, or underscores(_) and "
                                "must be at least one character long"),
    ("#!lua name=\nreturn 1", "ERR Library names can only contain letters, numbers, or underscores(_) and "
                             "must be at least one character long"),
    ("#!py name=x\nreturn 1", "ERR Engine 'py' not found"),
    ("#! name=x\nreturn 1", "ERR Engine '' not found"),
    ("#!lua name=x\nreturn 1", "ERR No functions registered"),
    ("#!lua name=x\nreturn 1 +", "ERR Error compiling function: user_function:2: unexpected symbol near '<eof>'"),
]


@pytest.mark.parametrize("code,error", LOAD_ERRORS, ids=[e[1][4:40] for e in LOAD_ERRORS])
def test_load_errors(fr, code, error):
    assert fr.command("FUNCTION", "LOAD", code) == RespError(error)
    assert fr.command("FUNCTION", "LIST") == []


REG = "ERR Error registering functions: ERR "
# What the library's code does at load, and the error.
REGISTER_ERRORS = [
    ("redis.call('set','a','b')", "user_function:2: Script attempted to access nonexistent global variable 'call'"),
    ("redis.pcall('set','a','b')", "user_function:2: Script attempted to access nonexistent global variable 'pcall'"),
    ("redis.setresp(3)", "user_function:2: Script attempted to access nonexistent global variable 'setresp'"),
    ("local a = string.len('a')", "user_function:2: Script attempted to access nonexistent global variable 'string'"),
    ("error('boom')", "user_function:2: Script attempted to access nonexistent global variable 'error'"),
    ("foo = 1", "user_function:2: Attempt to modify a readonly table"),
    ("redis.register_function('g', function() end)\nredis.register_function('g', function() end)",
     "Function already exists in the library"),
    ("redis.register_function('g-1', function() end)",
     "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"),
    ("redis.register_function('g')", "calling redis.register_function with a single argument is only applicable "
                                     "to Lua table (representing named arguments)."),
    ("redis.register_function('g', 1)", "second argument to redis.register_function must be a function"),
    ("redis.register_function({}, function() end)", "first argument to redis.register_function must be a string"),
    ("redis.register_function()", "wrong number of arguments to redis.register_function"),
    ("redis.register_function('a', function() end, 3)", "wrong number of arguments to redis.register_function"),
    ("redis.register_function{function_name='g'}", "redis.register_function must get a callback argument"),
    ("redis.register_function{callback=function() end}", "redis.register_function must get a function name argument"),
    ("redis.register_function{function_name='g', callback=function() end, flags={'bad'}}", "unknown flag given"),
    ("redis.register_function{function_name='g', callback=function() end, flags={1}}", "unknown flag given"),
    ("redis.register_function{function_name='g', callback=function() end, flags='no-writes'}",
     "flags argument to redis.register_function must be a table representing function flags"),
    ("redis.register_function{function_name='g', callback=function() end, foo=1}",
     "unknown argument given to redis.register_function"),
    ("redis.register_function{function_name={}, callback=function() end}",
     "function_name argument given to redis.register_function must be a string"),
    ("redis.register_function{function_name='g', callback=1}",
     "callback argument given to redis.register_function must be a function"),
    ("redis.register_function{function_name='g', callback=function() end, description={}}",
     "description argument given to redis.register_function must be a string"),
    ("redis.register_function{[true]='g'}", "named argument key given to redis.register_function is not a string"),
    ("redis.register_function{[1]='g', callback=function() end}", "unknown argument given to redis.register_function"),
    ("local a = 0 while true do a = a + 1 end", "FUNCTION LOAD timeout"),
]


@pytest.mark.parametrize("code,error", REGISTER_ERRORS, ids=[e[0][:40] for e in REGISTER_ERRORS])
def test_register_and_sandbox_errors_at_load(fr, code, error):
    assert fr.command("FUNCTION", "LOAD", "#!lua name=bad\n" + code) == RespError(REG + error)
    assert fr.command("FUNCTION", "LIST") == []


def test_load_time_api_has_log_and_version(fr):
    code = ("#!lua name=v\nredis.log(redis.LOG_WARNING, 'loading v')\nlocal at_load = redis.REDIS_VERSION\n"
            "redis.register_function('v', function() return {at_load, redis.REDIS_VERSION_NUM} end)")
    assert fr.command("FUNCTION", "LOAD", code) == b"v"
    assert fr.command("FCALL", "v", "0") == [b"7.0.15", 0x07000F]


def test_load_options_replace_and_collisions(fr):
    assert fr.command("FUNCTION", "LOAD", LIB) == b"mylib"
    assert fr.command("FUNCTION", "LOAD", LIB) == RespError("ERR Library 'mylib' already exists")
    assert fr.command("FUNCTION", "LOAD", "FOO", LIB) == RespError("ERR Unknown option given: FOO")
    assert fr.command("FUNCTION", "LOAD") == RespError("ERR wrong number of arguments for 'function|load' command")
    other = lib("other", ("MYSET", "return 2"))
    assert fr.command("FUNCTION", "LOAD", other) == RespError("ERR Function MYSET already exists")
    replaced = lib("mylib", ("myget", "return redis.call('get', keys[1])"))
    assert fr.command("FUNCTION", "LOAD", "replace", "REPLACE", replaced) == b"mylib"
    assert fr.command("FCALL", "myset", "1", "k", "v") == RespError("ERR Function not found")
    assert fr.command("FUNCTION", "LOAD", other) == b"other"
    # A REPLACE that fails keeps the old library.
    clash = lib("mylib", ("myset", "return 1"), ("myset2", "return 2"))
    assert fr.command("FUNCTION", "LOAD", "REPLACE", lib("mylib", ("MySet", "return 3"))) == RespError(
        "ERR Function MySet already exists")
    assert fr.command("FUNCTION", "LOAD", "REPLACE", clash) == RespError("ERR Function myset already exists")
    assert fr.command("SET", "k", "v") == "OK"
    assert fr.command("FCALL", "myget", "1", "k") == b"v"
    assert fr.command("FUNCTION", "LOAD", "REPLACE", "#!lua name=mylib\nreturn 1") == RespError(
        "ERR No functions registered")
    assert fr.command("FCALL", "myget", "1", "k") == b"v"
    # Library names are case-sensitive: another library.
    assert fr.command("FUNCTION", "LOAD", lib("MYLIB", ("up", "return 1"))) == b"MYLIB"


def test_delete_flush_stats_help(fr):
    assert fr.command("FUNCTION", "LOAD", LIB) == b"mylib"
    assert fr.command("FUNCTION", "LOAD", lib("two", ("a", "return 1"), ("b", "return 2"))) == b"two"
    assert fr.command("FUNCTION", "STATS")[3] == [b"LUA", [b"libraries_count", 2, b"functions_count", 3]]
    assert fr.command("FUNCTION", "DELETE", "nope") == RespError("ERR Library not found")
    assert fr.command("FUNCTION", "DELETE") == RespError(
        "ERR wrong number of arguments for 'function|delete' command")
    assert fr.command("FUNCTION", "DELETE", "two") == "OK"
    assert fr.command("FCALL", "a", "0") == RespError("ERR Function not found")
    assert fr.command("FUNCTION", "FLUSH", "foo") == RespError("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
    assert fr.command("FUNCTION", "FLUSH", "sync", "x") == RespError(
        "ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP.")
    assert fr.command("FUNCTION", "FLUSH", "ASYNC") == "OK"
    assert fr.command("FUNCTION", "STATS")[3] == [b"LUA", [b"libraries_count", 0, b"functions_count", 0]]
    assert fr.command("FUNCTION", "LOAD", LIB) == b"mylib"
    assert fr.command("FUNCTION", "FLUSH", "SYNC") == "OK"
    assert fr.command("FUNCTION", "LIST") == []
    # FLUSHALL keeps libraries.
    assert fr.command("FUNCTION", "LOAD", LIB) == b"mylib"
    assert fr.command("FLUSHALL") == "OK"
    assert len(fr.command("FUNCTION", "LIST")) == 1
    assert fr.command("FUNCTION", "KILL") == RespError("NOTBUSY No scripts in execution right now.")
    help_lines = fr.command("FUNCTION", "HELP")
    assert help_lines[0] == "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert len(help_lines) == 40
    assert fr.command("FUNCTION", "FOO") == RespError("ERR unknown subcommand 'FOO'. Try FUNCTION HELP.")


def test_info_memory_counts_libraries_and_functions(fr):
    assert fr.command("FUNCTION", "LOAD", lib("two", ("a", "return 1"), ("b", "return 2"))) == b"two"
    fields = harness.info_fields(fr.command("INFO", "memory").decode())
    assert fields["number_of_libraries"] == "1"
    assert fields["number_of_functions"] == "2"
    assert int(fields["used_memory_vm_functions"]) > 0
    assert int(fields["used_memory_vm_total"]) == \
        int(fields["used_memory_vm_eval"]) + int(fields["used_memory_vm_functions"])
    assert int(fields["used_memory_functions"]) > 0
    # SCRIPT FLUSH leaves the libraries.
    assert fr.command("SCRIPT", "FLUSH") == "OK"
    assert fr.command("FCALL", "b", "0") == 2


def test_fcall_errors(fr):
    code = ("#!lua name=e\n"
            "redis.register_function('e1', function(k,a) return redis.call('nosuch') end)\n"
            "redis.register_function('e2', function(k,a) return x end)\n"
            "redis.register_function('e3', function(k,a) error('xx') end)\n"
            "redis.register_function('e4', function(k,a) return redis.error_reply('MY err') end)\n"
            "redis.register_function('e5', function(k,a) return redis.register_function('a', function() end) end)\n"
            "redis.register_function('e6', function(k,a) x = 1 end)\n"
            "local reg = redis.register_function\n"
            "redis.register_function('e7', function(k,a) reg('z', function() end) end)\n"
            "redis.register_function('w', function(k,a) return redis.call('set', k[1], 'v') end)")
    assert fr.command("FUNCTION", "LOAD", code) == b"e"
    assert fr.command("FCALL", "nope", "0") == RespError("ERR Function not found")
    assert fr.command("FCALL", "w", "x") == RespError("ERR Bad number of keys provided")
    assert fr.command("FCALL", "w", "-1") == RespError("ERR Number of keys can't be negative")
    assert fr.command("FCALL", "w", "5") == RespError("ERR Number of keys can't be greater than number of args")
    assert fr.command("FCALL") == RespError("ERR wrong number of arguments for 'fcall' command")
    assert fr.command("FCALL_RO", "w", "1", "k") == RespError(
        "ERR Can not execute a script with write flag using *_ro command.")
    assert fr.command("FCALL", "e1", "0") == RespError(
        "ERR Unknown Redis command called from script script: e1, on @user_function:2.")
    assert fr.command("FCALL", "e2", "0") == RespError(
        "ERR user_function:3: Script attempted to access nonexistent global variable 'x' script: e2, on "
        "@user_function:3.")
    assert fr.command("FCALL", "e3", "0") == RespError("ERR user_function:4: xx script: e3, on @user_function:4.")
    assert fr.command("FCALL", "e4", "0") == RespError("MY err")
    assert fr.command("FCALL", "e5", "0") == RespError(
        "ERR user_function:6: attempt to call field 'register_function' (a nil value) script: e5, on "
        "@user_function:6.")
    assert fr.command("FCALL", "e6", "0") == RespError(
        "ERR user_function:7: Attempt to modify a readonly table script: e6, on @user_function:7.")
    assert fr.command("FCALL", "e7", "0") == RespError(
        "ERR redis.register_function can only be called on FUNCTION LOAD command script: e7, on @user_function:9.")
    assert fr.command("FUNCTION", "LOAD", "#!lua name=x\nredis.call('ping')") == RespError(
        REG + "user_function:2: Script attempted to access nonexistent global variable 'call'")
    # Not from inside a script.
    body = "return redis.call('fcall', 'w', '1', 'k')"
    assert fr.command("EVAL", body, "0") == RespError(
        "ERR This Redis command is not allowed from script script: "
        f"{hashlib.sha1(body.encode()).hexdigest()}, on @user_script:1.")


def test_function_flags_decide_what_may_run(fr):
    code = ("#!lua name=fl\n"
            "redis.register_function{function_name='ro', callback=function(k) return redis.call('set', k[1], 'v') "
            "end, flags={'no-writes'}}\n"
            "redis.register_function{function_name='rw', callback=function(k) return redis.call('set', k[1], 'v') "
            "end}\n"
            "redis.register_function{function_name='oomok', callback=function(k) return redis.call('set', k[1], "
            "'v') end, flags={'allow-oom'}}\n"
            "redis.register_function{function_name='get', callback=function(k) return redis.call('get', k[1]) "
            "end, flags={'no-writes'}}")
    assert fr.command("FUNCTION", "LOAD", code) == b"fl"
    ro_error = RespError("ERR Write commands are not allowed from read-only scripts. script: ro, on @user_function:2.")
    assert fr.command("FCALL", "ro", "1", "k") == ro_error
    assert fr.command("FCALL_RO", "ro", "1", "k") == ro_error
    assert fr.command("FCALL_RO", "get", "1", "k") is None
    try:
        assert fr.command("CONFIG", "SET", "maxmemory", "1") == "OK"
        oom = RespError("OOM command not allowed when used memory > 'maxmemory'.")
        assert fr.command("FCALL", "rw", "1", "k") == oom
        assert fr.command("FCALL", "oomok", "1", "k") == "OK"
        assert fr.command("FCALL", "get", "1", "k") == b"v"
        assert fr.command("FUNCTION", "LOAD", lib("x", ("x", "return 1"))) == oom
    finally:
        assert fr.command("CONFIG", "SET", "maxmemory", "0") == "OK"


def test_command_info_and_getkeys_for_fcall(fr):
    info = fr.command("COMMAND", "INFO", "fcall", "fcall_ro")
    assert info[0][:6] == [b"fcall", -3, ["noscript", "stale", "skip_monitor", "no_mandatory_keys", "movablekeys"],
                           0, 0, 0]
    assert info[1][:3] == [b"fcall_ro", -3,
                           ["readonly", "noscript", "stale", "skip_monitor", "no_mandatory_keys", "movablekeys"]]
    assert fr.command("COMMAND", "GETKEYS", "FCALL", "f", "2", "a", "b", "c") == [b"a", b"b"]
    subs = {sub[0]: sub[:3] for sub in fr.command("COMMAND", "INFO", "function")[0][9]}
    assert subs[b"function|load"] == [b"function|load", -3, ["write", "denyoom", "noscript"]]
    assert subs[b"function|kill"] == [b"function|kill", 2, ["noscript", "allow_busy"]]
    assert subs[b"function|stats"] == [b"function|stats", 2, ["noscript", "allow_busy"]]
    assert subs[b"function|restore"] == [b"function|restore", -3, ["write", "denyoom", "noscript"]]


# ------------------------------------------------------------ DUMP / RESTORE

def test_dump_and_restore_policies(fr):
    assert fr.command("FUNCTION", "LOAD", LIB) == b"mylib"
    assert fr.command("FUNCTION", "LOAD", lib("two", ("a", "return 1"))) == b"two"
    payload = fr.command("FUNCTION", "DUMP")
    listing = by_name(fr.command("FUNCTION", "LIST", "WITHCODE"))
    assert fr.command("FUNCTION", "RESTORE", payload) == RespError("ERR Library mylib already exists") or \
        fr.command("FUNCTION", "RESTORE", payload) == RespError("ERR Library two already exists")
    assert fr.command("FUNCTION", "RESTORE", payload, "REPLACE") == "OK"
    assert by_name(fr.command("FUNCTION", "LIST", "WITHCODE")) == listing
    assert fr.command("FUNCTION", "FLUSH") == "OK"
    assert fr.command("FUNCTION", "LOAD", lib("three", ("c", "return 3"))) == b"three"
    assert fr.command("FUNCTION", "RESTORE", payload) == "OK"  # APPEND
    assert len(fr.command("FUNCTION", "LIST")) == 3
    assert fr.command("FUNCTION", "RESTORE", payload, "flush") == "OK"
    assert by_name(fr.command("FUNCTION", "LIST", "WITHCODE")) == listing
    # A function of the payload clashing with another library's.
    assert fr.command("FUNCTION", "DELETE", "two") == "OK"
    assert fr.command("FUNCTION", "LOAD", lib("clash", ("A", "return 9"))) == b"clash"
    assert fr.command("FUNCTION", "RESTORE", payload, "REPLACE") == RespError("ERR Function a already exists")
    assert fr.command("FCALL", "a", "0") == 9
    assert fr.command("FCALL", "myset", "1", "k", "v") == "OK"
    assert fr.command("FUNCTION", "RESTORE", "abc") == RespError("ERR DUMP payload version or checksum are wrong")
    assert fr.command("FUNCTION", "RESTORE", "abc", "bad") == RespError(
        "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
    assert fr.command("FUNCTION", "RESTORE", "abc", "append", "x") == RespError(
        "ERR unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION HELP.")
    assert fr.command("SET", "s", "value") == "OK"
    assert fr.command("FUNCTION", "RESTORE", fr.command("DUMP", "s")) == RespError(
        "ERR given type is not a function")
    assert fr.command("FUNCTION", "FLUSH") == "OK"
    empty = fr.command("FUNCTION", "DUMP")
    assert len(empty) == 10
    assert fr.command("FUNCTION", "RESTORE", empty) == "OK"


def test_dump_payloads_move_between_the_servers(server, oracle_factory):
    """A payload from redis-server restores here and ours restores there
    (with LZF-compressed code: a long library)."""
    oracle = oracle_factory()
    long_lib = "#!lua name=long\n-- " + "padding " * 60 + "\nredis.register_function('flong', function() return 5 end)"
    with server.raw() as ours, oracle.raw() as theirs:
        ours.command("FUNCTION", "FLUSH")
        for c in (ours, theirs):
            assert c.command("FUNCTION", "LOAD", long_lib) == b"long"
        assert theirs.command("FUNCTION", "LOAD", LIB) == b"mylib"
        assert ours.command("FUNCTION", "LOAD", lib("mine", ("m", "return 'm'"))) == b"mine"
        from_oracle = theirs.command("FUNCTION", "DUMP")
        from_ours = ours.command("FUNCTION", "DUMP")
        assert ours.command("FUNCTION", "RESTORE", from_oracle, "FLUSH") == "OK"
        assert by_name(ours.command("FUNCTION", "LIST", "WITHCODE")) == \
            by_name(theirs.command("FUNCTION", "LIST", "WITHCODE"))
        assert ours.command("FCALL", "flong", "0") == 5
        assert theirs.command("FUNCTION", "RESTORE", from_ours, "FLUSH") == "OK"
        assert theirs.command("FCALL", "m", "0") == b"m"
        assert theirs.command("FCALL", "flong", "0") == 5
        assert ours.command("FUNCTION", "FLUSH") == "OK"


# ------------------------------------------------------------ busy functions

SPIN_LIB = ("#!lua name=busy\n"
            "redis.register_function('spin', function() while true do end end)\n"
            "redis.register_function('wspin', function() redis.call('set', 'x', '1') while true do end end)")
FBUSY = RespError("BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.")


def start_fcall(srv, *args):
    c = srv.raw(timeout_s=30.0)
    c.send(encode_command("FCALL", *args))
    return c


def test_function_kill_stops_a_busy_function(server_factory):
    srv = server_factory(extra_args=["--busy-reply-threshold", "100"])
    with srv.raw() as c:
        assert c.command("FUNCTION", "LOAD", SPIN_LIB) == b"busy"
    runner = start_fcall(srv, "spin", "0")
    with srv.raw() as c:
        wait_for(lambda: c.command("PING") == FBUSY, 10, "the function to be reported busy")
        assert c.command("SCRIPT", "KILL") == FBUSY
        assert c.command("FUNCTION", "LIST") == FBUSY
        stats = c.command("FUNCTION", "STATS")
        assert stats[1][:4] == [b"name", b"spin", b"command", [b"FCALL", b"spin", b"0"]]
        assert stats[1][4] == b"duration_ms" and stats[1][5] >= 100
        assert c.command("FUNCTION", "KILL") == "OK"
        assert runner.read_reply() == RespError(
            "ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.")
        assert c.command("PING") == "PONG"
        assert c.command("FUNCTION", "STATS")[1] is None
    runner.close()


def test_function_kill_cannot_stop_an_eval_nor_a_function_that_wrote(server_factory):
    srv = server_factory(extra_args=["--busy-reply-threshold", "100"])
    with srv.raw() as c:
        assert c.command("FUNCTION", "LOAD", SPIN_LIB) == b"busy"
    runner = srv.raw(timeout_s=30.0)
    runner.send(encode_command("EVAL", "while true do end", "0"))
    busy = RespError("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.")
    with srv.raw() as c:
        wait_for(lambda: c.command("PING") == busy, 10, "the script to be reported busy")
        assert c.command("FUNCTION", "KILL") == busy
        assert c.command("SCRIPT", "KILL") == "OK"
        assert isinstance(runner.read_reply(), RespError)
    runner.close()
    runner = start_fcall(srv, "wspin", "0")
    with srv.raw() as c:
        wait_for(lambda: c.command("PING") == FBUSY, 10, "the function to be reported busy")
        unkillable = RespError(
            "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either "
            "wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.")
        assert c.command("FUNCTION", "KILL") == unkillable
        assert c.command("SCRIPT", "KILL") == unkillable
        c.send(encode_command("SHUTDOWN", "NOSAVE"))
        with pytest.raises(harness.ConnectionClosed):
            c.read_reply()
    srv.wait_exit(10)
    runner.close()


# ------------------------------------------------------------ persistence

MIX_LIB = ("#!lua name=mix\n"
           "redis.register_function('bump', function(keys, args) redis.call('incr', keys[1]) "
           "return redis.call('rpush', keys[2], args[1]) end)\n"
           "redis.register_function('pop', function(keys) return redis.call('spop', keys[1]) end)\n"
           "redis.register_function('ttl', function(keys) return redis.call('set', keys[1], 'v', 'EX', '100') end)\n"
           "redis.register_function{function_name='peek', callback=function(keys) return redis.call('get', keys[1]) "
           "end, flags={'no-writes'}}")


def run_mix(c):
    assert c.command("FUNCTION", "LOAD", MIX_LIB) == b"mix"
    for i in range(20):
        assert c.command("FCALL", "bump", "2", "n", "l", str(i)) == i + 1
    assert c.command("SADD", "s", "a", "b", "c", "d") == 4
    assert c.command("FCALL", "pop", "1", "s") in (b"a", b"b", b"c", b"d")
    assert c.command("FCALL", "ttl", "1", "t") == "OK"
    assert c.command("FCALL_RO", "peek", "1", "n") == b"20"
    assert c.command("FUNCTION", "LOAD", lib("gone", ("g", "return 1"))) == b"gone"
    assert c.command("FUNCTION", "DELETE", "gone") == "OK"


def aof_incr_bytes(srv):
    files = sorted(Path(srv.dir, "appendonlydir").glob("*.incr.aof"))
    assert len(files) == 1, files
    return files[0].read_bytes()


def test_the_aof_gets_function_commands_and_fcall_effects(server_factory):
    srv = server_factory(extra_args=["--appendonly", "yes", "--appendfsync", "always"])
    with srv.raw() as c:
        run_mix(c)
        digest = c.command("DEBUG", "DIGEST")
        listing = by_name(c.command("FUNCTION", "LIST", "WITHCODE"))
        payload = c.command("FUNCTION", "DUMP")
        assert c.command("FUNCTION", "FLUSH", "ASYNC") == "OK"
        assert c.command("FUNCTION", "RESTORE", payload) == "OK"
    data = aof_incr_bytes(srv)
    assert encode_command("FUNCTION", "LOAD", MIX_LIB) in data
    assert (encode_command("MULTI") + encode_command("incr", "n") + encode_command("rpush", "l", "0") +
            encode_command("EXEC")) in data
    assert encode_command("FUNCTION", "DELETE", "gone") in data
    assert encode_command("FUNCTION", "FLUSH", "ASYNC") in data
    assert encode_command("FUNCTION", "RESTORE", payload) in data
    assert b"FCALL" not in data and b"fcall" not in data
    assert b"PEXPIREAT" in data or b"PXAT" in data
    srv.stop()
    srv.start()
    with srv.raw() as c:
        assert c.command("DEBUG", "DIGEST") == digest
        assert by_name(c.command("FUNCTION", "LIST", "WITHCODE")) == listing
        assert c.command("FCALL", "bump", "2", "n", "l", "x") == 21


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_aof_rewrite_keeps_the_libraries(server_factory, preamble):
    srv = server_factory(extra_args=["--appendonly", "yes", "--aof-use-rdb-preamble", preamble])
    with srv.raw() as c:
        run_mix(c)
        assert c.command("FUNCTION", "LOAD", lib("other", ("o", "return 'o'"))) == b"other"
        digest = c.command("DEBUG", "DIGEST")
        listing = by_name(c.command("FUNCTION", "LIST", "WITHCODE"))
        assert c.command("BGREWRITEAOF") == "Background append only file rewriting started"
        wait_for(lambda: harness.info_fields(c.command("INFO", "persistence").decode())
                 .get("aof_rewrite_in_progress") == "0" and
                 harness.info_fields(c.command("INFO", "persistence").decode()).get("aof_rewrites") == "1",
                 20, "the rewrite to end")
    base = sorted(Path(srv.dir, "appendonlydir").glob("*.base.*"))
    assert len(base) == 1
    if preamble == "no":
        assert base[0].read_bytes().startswith(encode_command("FUNCTION", "LOAD", MIX_LIB)) or \
            base[0].read_bytes().startswith(encode_command("FUNCTION", "LOAD", lib("other", ("o", "return 'o'"))))
    srv.stop()
    srv.start()
    with srv.raw() as c:
        assert c.command("DEBUG", "DIGEST") == digest
        assert by_name(c.command("FUNCTION", "LIST", "WITHCODE")) == listing
        assert c.command("FCALL", "o", "0") == b"o"


def test_the_rdb_keeps_the_libraries_across_restart_and_debug_reload(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        run_mix(c)
        listing = by_name(c.command("FUNCTION", "LIST", "WITHCODE"))
        assert c.command("DEBUG", "RELOAD") == "OK"
        assert by_name(c.command("FUNCTION", "LIST", "WITHCODE")) == listing
        assert c.command("SAVE") == "OK"
    srv.stop()
    srv.start()
    with srv.raw() as c:
        assert by_name(c.command("FUNCTION", "LIST", "WITHCODE")) == listing
        assert c.command("FCALL_RO", "peek", "1", "n") == b"20"


def test_a_reference_rdb_with_libraries_loads(server_factory):
    """redis70_functions.rdb (made by redis-server 7.0.15, make_golden.sh)."""
    srv = server_factory(start=False)
    shutil.copy(TESTDATA / "redis70_functions.rdb", Path(srv.dir) / "dump.rdb")
    srv.start()
    with srv.raw() as c:
        listing = by_name(c.command("FUNCTION", "LIST"))
        assert [entry[1] for entry in listing] == [b"lib_a", b"lib_b", b"lib_long"]
        fb = {f[1]: f for f in listing[1][5]}
        assert fb[b"fb_ro"] == [b"name", b"fb_ro", b"description", b"reads one key", b"flags",
                                ["no-writes", "allow-stale"]]
        assert fb[b"fb_oom"][5] == ["allow-oom", "no-cluster", "allow-cross-slot-keys"]
        assert c.command("FCALL", "fa", "1", "counter") == 42
        assert c.command("FCALL_RO", "fb_ro", "1", "counter") == b"42"
        assert c.command("FCALL", "flong", "0", "a", "b") == 2


def test_an_rdb_we_write_loads_in_the_reference_server(server_factory, oracle_factory):
    srv = server_factory()
    with srv.raw() as c:
        c.command("FUNCTION", "FLUSH")
        run_mix(c)
        listing = by_name(c.command("FUNCTION", "LIST", "WITHCODE"))
        assert c.command("SAVE") == "OK"
    oracle = oracle_factory()
    oracle.stop()
    shutil.copy(Path(srv.dir) / "dump.rdb", Path(oracle.dir) / "dump.rdb")
    oracle.start()
    with oracle.raw() as c:
        assert by_name(c.command("FUNCTION", "LIST", "WITHCODE")) == listing
        assert c.command("FCALL_RO", "peek", "1", "n") == b"20"


# ------------------------------------------------------------ replication

def test_a_replica_gets_the_libraries_by_full_sync_and_by_the_stream(server_factory):
    primary = server_factory()
    replica = server_factory()
    with primary.raw() as p, replica.raw() as r:
        assert p.command("FUNCTION", "LOAD", LIB) == b"mylib"
        # The replica's own library goes: the full sync replaces them all.
        assert r.command("FUNCTION", "LOAD", lib("local_only", ("lo", "return 1"))) == b"local_only"
        assert r.command("REPLICAOF", "127.0.0.1", str(primary.port)) == "OK"
        wait_for(lambda: b"master_link_status:up" in r.command("INFO", "replication"), 15, "the replica link")
        assert [entry[1] for entry in r.command("FUNCTION", "LIST")] == [b"mylib"]
        # Live: LOAD, FCALL effects, DELETE.
        assert p.command("FUNCTION", "LOAD", MIX_LIB) == b"mix"
        for i in range(5):
            assert p.command("FCALL", "bump", "2", "n", "l", str(i)) == i + 1
        assert p.command("FCALL", "myset", "1", "k", "v") == "OK"
        assert p.command("FUNCTION", "DELETE", "mylib") == "OK"

        def caught_up():
            want = harness.info_fields(p.command("INFO", "replication").decode())["master_repl_offset"]
            return harness.info_fields(r.command("INFO", "replication").decode())["master_repl_offset"] == want
        wait_for(caught_up, 15, "the replica to catch up")
        assert r.command("DEBUG", "DIGEST") == p.command("DEBUG", "DIGEST")
        assert [entry[1] for entry in r.command("FUNCTION", "LIST")] == [b"mix"]
        assert r.command("FCALL_RO", "peek", "1", "n") == b"5"
        # A read-only replica refuses a function that may write, before it runs.
        assert r.command("FCALL", "bump", "2", "n", "l", "x") == RespError(
            "READONLY You can't write against a read only replica.")
        assert r.command("FUNCTION", "LOAD", lib("nope", ("n", "return 1"))) == RespError(
            "READONLY You can't write against a read only replica.")
        assert r.command("FUNCTION", "STATS")[3] == [b"LUA", [b"libraries_count", 1, b"functions_count", 4]]
        assert p.command("FUNCTION", "FLUSH") == "OK"
        wait_for(caught_up, 15, "the replica to catch up")
        assert r.command("FUNCTION", "LIST") == []


# ------------------------------------------------------------ MONITOR

def test_monitor_shows_the_call_then_its_commands_as_lua(server, fr):
    from test_monitor import client_addr, lines, start_monitor
    assert fr.command("FUNCTION", "LOAD", LIB) == b"mylib"
    m = start_monitor(server)
    try:
        assert fr.command("FCALL", "myset", "1", "k", "v") == "OK"
        assert fr.command("EVAL", "return redis.call('get', KEYS[1])", "1", "k") == b"v"
        seen = [(found.group(3), found.group(4), found.group(5)) for found in lines(m, fr)]
        addr = client_addr(fr)
        assert seen == [("0", addr, '"FCALL" "myset" "1" "k" "v"'), ("0", "lua", '"set" "k" "v"'),
                        ("0", addr, '"EVAL" "return redis.call(\'get\', KEYS[1])" "1" "k"'),
                        ("0", "lua", '"get" "k"')]
    finally:
        m.close()


def test_the_rdb_checker_accepts_a_file_with_libraries(server_factory, target):
    """Each target's checker on an RDB its server wrote with libraries;
    replikv-check-rdb also lists them."""
    import subprocess
    srv = server_factory()
    with srv.raw() as c:
        run_mix(c)
        assert c.command("FUNCTION", "LOAD", "#!lua name=long\n-- " + "x" * 400 +
                         "\nredis.register_function('fl', function() return 1 end)") == b"long"
        assert c.command("SAVE") == "OK"
    out = subprocess.run([harness.check_rdb_binary(target), str(Path(srv.dir) / "dump.rdb")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "RDB looks OK" in out.stdout
    if target == "replikv":
        assert "[info] 2 function libraries" in out.stdout
        assert "[info] function library '#!lua name=mix'" in out.stdout


def test_allow_stale_lets_a_function_run_on_a_stale_replica(server_factory):
    replica = server_factory(extra_args=["--replica-serve-stale-data", "no"])
    with replica.raw() as r:
        code = ("#!lua name=stale\n"
                "redis.register_function{function_name='fresh', callback=function() return 1 end, "
                "flags={'no-writes'}}\n"
                "redis.register_function{function_name='old', callback=function() return 2 end, "
                "flags={'no-writes', 'allow-stale'}}")
        assert r.command("FUNCTION", "LOAD", code) == b"stale"
        # A primary that is not there: the link stays down.
        assert r.command("REPLICAOF", "127.0.0.1", str(harness.pick_free_port())) == "OK"
        masterdown = RespError("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.")
        assert r.command("FCALL", "fresh", "0") == masterdown
        assert r.command("FCALL_RO", "fresh", "0") == masterdown
        assert r.command("FCALL", "old", "0") == 2
        assert r.command("FCALL_RO", "old", "0") == 2
        assert r.command("FUNCTION", "LIST", "LIBRARYNAME", "none") == masterdown
        assert r.command("FUNCTION", "HELP")[0].startswith("FUNCTION")
