"""Lua scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT, side by
side on redis-server 7.0.15 and replikv: the Lua <-> reply conversions, the
redis.* library, the sandbox, the script cache, busy scripts (-BUSY, SCRIPT
KILL, -UNKILLABLE, SHUTDOWN NOSAVE) and how a script's writes reach the AOF
and replicas (its effects, as one MULTI ... EXEC, never the script).

Every expected reply here was observed on redis-server 7.0.15.
"""

import hashlib
import threading
import time
from pathlib import Path

import pytest
import redis as redis_py

import harness
from harness import RespError, SimpleString, encode_command, info_fields, wait_for


def sha1(body):
    return hashlib.sha1(body.encode() if isinstance(body, str) else body).hexdigest()


def script_error(message, body, line=1):
    """The reply of an error raised inside `body` (Redis 7.0 appends where)."""
    return RespError(f"{message} script: {sha1(body)}, on @user_script:{line}.")


# ------------------------------------------------------------ conversions

CONVERSIONS = [
    ("return 1", 1),
    ("return 3.99", 3),
    ("return -3.99", -3),
    ("return 2^63", -9223372036854775808),
    ("return 0/0", -9223372036854775808),
    ("return 'ciao'", b"ciao"),
    ("return 'a' .. 1.5", b"a1.5"),
    ("return true", 1),
    ("return false", None),
    ("return nil", None),
    ("return {1,2,3,'ciao',{1,2}}", [1, 2, 3, b"ciao", [1, 2]]),
    ("return {1,2,nil,3}", [1, 2]),
    ("return {1, 2.5, 'x', false, true, nil, 3}", [1, 2, b"x", None, 1]),
    ("local t = {} t[1] = 1 t[3] = 3 return t", [1]),
    ("return {['a']=1}", []),
    ("return {ok='fine'}", SimpleString("fine")),
    ("return {err='My Error'}", RespError("My Error")),
    ("return {err='-MYCODE My Error'}", RespError("-MYCODE My Error")),
    ("return {1,{err='x'},{ok='y'}}", [1, RespError("x"), SimpleString("y")]),
    ("return redis.error_reply('boom')", RespError("ERR boom")),
    ("return redis.error_reply('-X boom')", RespError("X boom")),
    ("return redis.error_reply('X boom')", RespError("X boom")),
    ("return redis.error_reply(1)", RespError("ERR wrong number or type of arguments")),
    ("return redis.status_reply('yo')", SimpleString("yo")),
    ("return redis.status_reply({})", RespError("ERR wrong number or type of arguments")),
    ("return redis.sha1hex('')", b"da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    ("return redis.sha1hex(123)", b"40bd001563085fc35165329ea1ff5c5ecbdbbeef"),
    ("return cjson.decode('[1,2,\"x\"]')", [1, 2, b"x"]),
    ("return cjson.encode({1,2})", b"[1,2]"),
    ("return bit.band(7,3)", 3),
    ("return bit.tohex(255)", b"000000ff"),
    ("return string.format('%d', 5)", b"5"),
    ("return table.concat({'a','b'}, ',')", b"a,b"),
    ("return _VERSION", b"Lua 5.1"),
    ("return type(loadstring)", b"function"),
    ("return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}",
     [0, 1, 2, 2, 3]),
    ("return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}", [0, 1, 2, 3]),
    ("return redis.replicate_commands()", 1),
    ("return redis.breakpoint()", None),
    ("return redis.debug('x')", None),
    ("return redis.log(redis.LOG_WARNING, 'from a script')", None),
    ("return redis.log(redis.LOG_WARNING, 1, {})", None),
    ("return redis.set_repl(redis.REPL_ALL)", None),
    ("return redis.setresp(2)", None),
]


@pytest.mark.parametrize("body,expected", CONVERSIONS, ids=[c[0][:40] for c in CONVERSIONS])
def test_lua_values_become_replies(raw, body, expected):
    assert raw.command("EVAL", body, "0") == expected


def test_replies_become_lua_values(raw):
    assert raw.command("ZADD", "z", "1.5", "m") == 1
    assert raw.command("EVAL", "return redis.call('zrange','z','0','-1','withscores')", "0") == [b"m", b"1.5"]
    assert raw.command("EVAL", "return redis.call('get','nokey') == false", "0") == 1
    assert raw.command("EVAL", "return redis.call('hgetall','nokey')", "0") == []
    assert raw.command("EVAL", "return type(redis.call('set','k','v'))", "0") == b"table"
    assert raw.command("EVAL", "return redis.call('set','k','v')['ok']", "0") == b"OK"
    assert raw.command("EVAL", "return redis.call('set','k','v')", "0") == "OK"
    assert raw.command("EVAL", "return redis.call('type','k')", "0") == SimpleString("string")
    assert raw.command("EVAL", "return redis.call('exists','nokey')", "0") == 0
    assert raw.command("EVAL", "return redis.call('echo', 'a\\0b')", "0") == b"a\x00b"
    # Numbers as arguments: shortest form; booleans are refused.
    assert raw.command("EVAL", "return redis.call('set', 1.5, 2)", "0") == "OK"
    assert raw.command("GET", "1.5") == b"2"
    assert raw.command("EVAL", "local e = redis.pcall('incr','k') return e['err']", "0") == \
        b"ERR value is not an integer or out of range"


def test_a_table_that_contains_itself_ends_at_the_stack_limit(server):
    with server.raw() as c:
        c.send(encode_command("EVAL", "local t = {} t[1] = t return t", "0"))
        depth = 0
        line = c._line()
        while line == b"*1":
            depth += 1
            line = c._line()
        assert line == b"-ERR reached lua stack limit"
        assert depth == 7995
        assert c.command("PING") == "PONG"


def test_keys_and_argv(raw):
    assert raw.command("EVAL", "return {KEYS[1], ARGV[1], #KEYS, #ARGV}", "1", "k1", "a1") == [b"k1", b"a1", 1, 1]
    assert raw.command("EVAL", "return {#KEYS, #ARGV}", "0", "a", "b") == [0, 2]
    assert raw.command("EVAL", "return redis.call('set', KEYS[1], ARGV[1])", "1", "kk", "vv") == "OK"
    assert raw.command("GET", "kk") == b"vv"


# ------------------------------------------------------------ errors

def test_numkeys_errors(raw):
    assert raw.command("EVAL", "return 1", "2", "a") == RespError(
        "ERR Number of keys can't be greater than number of args")
    assert raw.command("EVAL", "return 1", "-1") == RespError("ERR Number of keys can't be negative")
    assert raw.command("EVAL", "return 1", "abc") == RespError("ERR value is not an integer or out of range")
    assert raw.command("EVAL", "return 1", "1.5") == RespError("ERR value is not an integer or out of range")
    assert raw.command("EVAL", "return 1") == RespError("ERR wrong number of arguments for 'eval' command")
    assert raw.command("EVAL", "return 1", "0", "extra") == 1


RAISED = [
    ("return x", "ERR user_script:1: Script attempted to access nonexistent global variable 'x'"),
    ("x = 1", "ERR user_script:1: Attempt to modify a readonly table"),
    ("redis = nil", "ERR user_script:1: Attempt to modify a readonly table"),
    ("redis.call = nil", "ERR user_script:1: Attempt to modify a readonly table"),
    ("rawset(_G, 'x', 1) return x", "ERR Attempt to modify a readonly table"),
    ("setmetatable(_G, nil) x = 1 return x", "ERR Attempt to modify a readonly table"),
    ("return _G.foo", "ERR user_script:1: Script attempted to access nonexistent global variable 'foo'"),
    ("return loadfile", "ERR user_script:1: Script attempted to access nonexistent global variable 'loadfile'"),
    ("return dofile('/etc/passwd')",
     "ERR user_script:1: Script attempted to access nonexistent global variable 'dofile'"),
    ("return os", "ERR user_script:1: Script attempted to access nonexistent global variable 'os'"),
    ("return io", "ERR user_script:1: Script attempted to access nonexistent global variable 'io'"),
    ("return print", "ERR user_script:1: Script attempted to access nonexistent global variable 'print'"),
    ("return type(getfenv)", "ERR user_script:1: Script attempted to access nonexistent global variable 'getfenv'"),
    ("return type(require)", "ERR user_script:1: Script attempted to access nonexistent global variable 'require'"),
    ("return type(debug)", "ERR user_script:1: Script attempted to access nonexistent global variable 'debug'"),
    ("return redis.call('nosuch')", "ERR Unknown Redis command called from script"),
    ("return redis.call('get')", "ERR Wrong number of args calling Redis command from script"),
    ("return redis.call()", "ERR Please specify at least one argument for this redis lib call"),
    ("return redis.call({})", "ERR Lua redis lib command arguments must be strings or integers"),
    ("return redis.call('set', 'a', true)", "ERR Lua redis lib command arguments must be strings or integers"),
    ("return redis.call('eval','return 1','0')", "ERR This Redis command is not allowed from script"),
    ("return redis.call('multi')", "ERR This Redis command is not allowed from script"),
    ("return redis.call('blpop','x',0)", "ERR This Redis command is not allowed from script"),
    ("return redis.call('subscribe','x')", "ERR This Redis command is not allowed from script"),
    ("return redis.call('script','load','return 1')", "ERR This Redis command is not allowed from script"),
    ("return redis.call('client','id')", "ERR This Redis command is not allowed from script"),
    ("return redis.call('select', 99)", "ERR DB index is out of range"),
    ("return redis.call('ping', 'a', 'b')", "ERR wrong number of arguments for 'ping' command"),
    ("return error('plain')", "ERR user_script:1: plain"),
    ("error('plain', 0)", "ERR plain"),
    ("error()", "ERR nil"),
    ("error(5)", "ERR user_script:1: 5"),
    ("error({err='tbl'})", "tbl"),
    ("error(redis.error_reply('MY x'))", "MY x"),
    ("return redis.sha1hex()", "ERR wrong number of arguments"),
    ("return redis.setresp(4)", "ERR RESP version must be 2 or 3."),
    ("return redis.setresp()", "ERR redis.setresp() requires one argument."),
    ("return redis.set_repl(99)",
     "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE."),
    ("return redis.set_repl()", "ERR redis.set_repl() requires two arguments."),
    ("return redis.log(99, 'hi')", "ERR Invalid debug level."),
    ("return redis.log()", "ERR redis.log() requires two arguments or more."),
    ("return redis.log('x', 'y')", "ERR First argument must be a number (log level)."),
]


@pytest.mark.parametrize("body,message", RAISED, ids=[c[0][:40] for c in RAISED])
def test_raised_errors_name_the_script_and_line(raw, body, message):
    assert raw.command("EVAL", body, "0") == script_error(message, body)


def test_errors_from_commands_keep_their_code(raw):
    body = "redis.call('set','s','x'); return redis.call('incr','s')"
    assert raw.command("EVAL", body, "0") == script_error("ERR value is not an integer or out of range", body)
    body = "return redis.call('lpush','s','x')"
    assert raw.command("EVAL", body, "0") == script_error(
        "WRONGTYPE Operation against a key holding the wrong kind of value", body)
    # redis.pcall hands the error back: returned, it is the plain reply.
    assert raw.command("EVAL", "return redis.pcall('lpush','s','x')", "0") == RespError(
        "WRONGTYPE Operation against a key holding the wrong kind of value")
    assert raw.command("EVAL", "return redis.pcall('nosuch')", "0") == RespError(
        "ERR Unknown Redis command called from script")
    assert raw.command("EVAL", "return redis.pcall('get','a','b')", "0") == RespError(
        "ERR Wrong number of args calling Redis command from script")
    # Lua's pcall sees an error of redis.call as its message string.
    assert raw.command("EVAL", "local ok, e = pcall(redis.call, 'nosuch') return {type(e), e}", "0") == [
        b"string", b"ERR Unknown Redis command called from script"]
    assert raw.command("EVAL", "local ok, e = pcall(function() return x end) return e", "0") == \
        b"user_script:1: Script attempted to access nonexistent global variable 'x'"


def test_compile_errors(raw):
    assert raw.command("EVAL", "retur 1", "0") == RespError(
        "ERR Error compiling script (new function): user_script:1: '=' expected near '1'")
    assert raw.command("SCRIPT", "LOAD", "retur 1") == RespError(
        "ERR Error compiling script (new function): user_script:1: '=' expected near '1'")
    assert raw.command("SCRIPT", "EXISTS", sha1("retur 1")) == [0]


def test_loadstring_chunks_stay_in_the_sandbox(raw):
    # The error names the chunk it happened in (its source is the string).
    body = "local f = loadstring('x = 1') return f()"
    assert raw.command("EVAL", body, "0") == RespError(
        f"ERR [string \"x = 1\"]:1: Attempt to modify a readonly table script: {sha1(body)}, on x = 1:1.")
    assert raw.command("EVAL", "return loadstring(string.dump(function() return 1 end))", "0") is None
    assert raw.command("EVAL", "return type(load)", "0") == b"function"
    assert raw.command("EVAL", "local f = load(function() return nil end) return type(f)", "0") == b"function"


def test_library_tables_are_read_only(raw):
    body = "string.foo = 1"
    assert raw.command("EVAL", body, "0") == script_error("ERR user_script:1: Attempt to modify a readonly table",
                                                          body)
    body = "math.random = nil"
    assert raw.command("EVAL", body, "0") == script_error("ERR user_script:1: Attempt to modify a readonly table",
                                                          body)
    assert raw.command("EVAL", "return type(getmetatable('').__index)", "0") == b"table"
    assert raw.command("EVAL", "return ('abc'):upper()", "0") == b"ABC"
    assert raw.command("EVAL", "return type(coroutine)", "0") == b"table"


# ------------------------------------------------------------ shebang and read-only scripts

def test_shebang_flags_and_errors(raw):
    assert raw.command("EVAL", "#!lua\nreturn 1", "0") == 1
    assert raw.command("EVAL", "#!lua flags=\nreturn 1", "0") == 1
    assert raw.command("EVAL", "#!lua flags=allow-oom,allow-stale,no-cluster,no-writes\nreturn 1", "0") == 1
    assert raw.command("EVAL", "#!lua   flags=no-writes  \nreturn 1", "0") == 1
    assert raw.command("EVAL", "#!lua flags=bad\nreturn 1", "0") == RespError(
        "ERR Unexpected flag in script shebang: bad")
    assert raw.command("EVAL", "#!lua name=x\nreturn 1", "0") == RespError("ERR Unknown lua shebang option: name=x")
    assert raw.command("EVAL", "#!luax\nreturn 1", "0") == RespError(
        "ERR Unexpected engine in script shebang: #!luax")
    assert raw.command("EVAL", "#!lua flags=no-writes", "0") == RespError("ERR Invalid script shebang")
    body = "#!lua\nreturn x"
    assert raw.command("EVAL", body, "0") == script_error(
        "ERR user_script:2: Script attempted to access nonexistent global variable 'x'", body, line=2)
    body = "#!lua flags=no-writes\nreturn redis.call('set','k','v')"
    assert raw.command("EVAL", body, "1", "k") == script_error(
        "ERR Write commands are not allowed from read-only scripts.", body, line=2)
    assert raw.command("EVAL", "#!lua flags=no-writes\nreturn redis.call('get','k')", "0") is None


def test_read_only_variants_refuse_writes(raw):
    body = "return redis.call('set','k','v')"
    assert raw.command("EVAL_RO", body, "1", "k") == script_error(
        "ERR Write commands are not allowed from read-only scripts.", body)
    assert raw.command("EVAL_RO", "return redis.pcall('set','k','v')", "1", "k") == RespError(
        "ERR Write commands are not allowed from read-only scripts.")
    assert raw.command("EVAL_RO", "#!lua\nreturn 1", "0") == RespError(
        "ERR Can not execute a script with write flag using *_ro command.")
    assert raw.command("EVAL_RO", "return redis.call('get', 'k')", "0") is None
    assert raw.command("SCRIPT", "LOAD", "return 7") == sha1("return 7").encode()
    assert raw.command("EVALSHA_RO", sha1("return 7"), "0") == 7
    assert raw.command("EXISTS", "k") == 0


def test_over_maxmemory_writes_are_refused_unless_allow_oom(raw):
    assert raw.command("CONFIG", "SET", "maxmemory", "1") == "OK"
    try:
        body = "return redis.call('set','a','1')"
        oom = "OOM command not allowed when used memory > 'maxmemory'."
        assert raw.command("EVAL", body, "0") == script_error(oom, body)
        assert raw.command("EVAL", "return redis.pcall('set','a','1')", "0") == RespError(oom)
        assert raw.command("EVAL", "return redis.call('get','a')", "0") is None
        assert raw.command("EVAL", "return redis.call('del','a')", "0") == 0
        # A script with a shebang is judged as a whole, before it runs.
        assert raw.command("EVAL", "#!lua\nreturn 1", "0") == RespError(oom)
        assert raw.command("EVAL", "#!lua flags=no-writes\nreturn 1", "0") == 1
        assert raw.command("EVAL", "#!lua flags=allow-oom\nreturn redis.call('set','a','1')", "0") == "OK"
    finally:
        assert raw.command("CONFIG", "SET", "maxmemory", "0") == "OK"


def test_time_stands_still_for_keys_inside_a_script(raw):
    # A key that expires while the script runs still exists for the script.
    assert raw.command("SET", "tk", "v", "PX", "100") == "OK"
    body = ("local t0 = redis.call('time') repeat local t = redis.call('time') "
            "until (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 250000 return redis.call('get', 'tk')")
    assert raw.command("EVAL", body, "0") == b"v"
    assert raw.command("GET", "tk") is None


def test_eval_inside_multi_and_a_waiting_blpop(server, raw, clients):
    waiter = clients()
    waiter.send(encode_command("BLPOP", "q", "5"))
    wait_for(lambda: harness.blocked_count(raw) == 1, 10, "the BLPOP to block")
    assert raw.command("EVAL", "redis.call('rpush','q','a') redis.call('rpush','q','b') return 1", "0") == 1
    assert waiter.read_reply() == [b"q", b"a"]
    assert raw.command("MULTI") == "OK"
    assert raw.command("EVAL", "return redis.call('incr','n')", "0") == "QUEUED"
    assert raw.command("EVAL", "return redis.call('incr','n')", "0") == "QUEUED"
    assert raw.command("EXEC") == [1, 2]
    assert raw.command("LRANGE", "q", "0", "-1") == [b"b"]


def test_select_inside_a_script_leaves_the_caller_alone(raw):
    assert raw.command("EVAL", "redis.call('select', '1') return redis.call('set','dbk','1')", "0") == "OK"
    assert raw.command("EXISTS", "dbk") == 0
    assert raw.command("SELECT", "1") == "OK"
    assert raw.command("EXISTS", "dbk") == 1
    assert raw.command("EVAL", "return redis.call('exists','dbk')", "0") == 1


# ------------------------------------------------------------ the script cache

def test_evalsha_and_script_subcommands(raw):
    assert raw.command("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0") == RespError(
        "NOSCRIPT No matching script. Please use EVAL.")
    assert raw.command("EVALSHA", "fff", "0") == RespError("NOSCRIPT No matching script. Please use EVAL.")
    sha = sha1("return 1")
    assert raw.command("SCRIPT", "LOAD", "return 1") == sha.encode()
    assert raw.command("EVALSHA", sha, "0") == 1
    assert raw.command("EVALSHA", sha.upper(), "0") == 1
    assert raw.command("SCRIPT", "EXISTS", sha, "ffff") == [1, 0]
    # EVAL caches too.
    assert raw.command("EVAL", "return 2", "0") == 2
    assert raw.command("SCRIPT", "EXISTS", sha1("return 2")) == [1]
    assert raw.command("SCRIPT", "FLUSH") == "OK"
    assert raw.command("SCRIPT", "EXISTS", sha, sha1("return 2")) == [0, 0]
    assert raw.command("EVALSHA", sha, "0") == RespError("NOSCRIPT No matching script. Please use EVAL.")
    assert raw.command("SCRIPT", "FLUSH", "SYNC") == "OK"
    assert raw.command("SCRIPT", "FLUSH", "async") == "OK"
    assert raw.command("SCRIPT", "FLUSH", "bogus") == RespError("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
    assert raw.command("SCRIPT", "FLUSH", "ASYNC", "x") == RespError(
        "ERR SCRIPT FLUSH only support SYNC|ASYNC option")
    assert raw.command("SCRIPT", "KILL") == RespError("NOTBUSY No scripts in execution right now.")
    assert raw.command("SCRIPT", "nosuch") == RespError("ERR unknown subcommand 'nosuch'. Try SCRIPT HELP.")
    assert raw.command("SCRIPT", "LOAD") == RespError("ERR wrong number of arguments for 'script|load' command")
    assert raw.command("SCRIPT", "EXISTS") == RespError(
        "ERR wrong number of arguments for 'script|exists' command")
    assert raw.command("SCRIPT") == RespError("ERR wrong number of arguments for 'script' command")
    assert raw.command("SCRIPT", "DEBUG", "no") == "OK"
    assert raw.command("SCRIPT", "DEBUG", "bad") == RespError("ERR Use SCRIPT DEBUG YES/SYNC/NO")
    help_lines = raw.command("SCRIPT", "HELP")
    assert len(help_lines) == 17
    assert help_lines[0] == "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert "KILL" in help_lines and "LOAD <script>" in help_lines


def test_info_memory_counts_cached_scripts(raw):
    raw.command("SCRIPT", "FLUSH")
    before = info_fields(raw.command("INFO", "memory").decode())
    assert int(before["number_of_cached_scripts"]) == 0
    assert int(before["used_memory_scripts_eval"]) == 0
    assert int(before["used_memory_lua"]) > 0
    for field in ("used_memory_vm_eval", "used_memory_lua_human", "number_of_functions",
                  "used_memory_vm_total", "used_memory_scripts", "used_memory_scripts_human"):
        assert field in before
    for i in range(3):
        raw.command("EVAL", f"return {i}", "0")
    after = info_fields(raw.command("INFO", "memory").decode())
    assert int(after["number_of_cached_scripts"]) == 3
    assert int(after["used_memory_scripts_eval"]) > 0
    raw.command("SCRIPT", "FLUSH")
    assert int(info_fields(raw.command("INFO", "memory").decode())["number_of_cached_scripts"]) == 0


def test_command_info_for_the_scripting_commands(raw):
    info = raw.command("COMMAND", "INFO", "eval", "eval_ro", "script")
    assert info[0][:6] == [b"eval", -3, ["noscript", "stale", "skip_monitor", "no_mandatory_keys", "movablekeys"],
                           0, 0, 0]
    assert info[1][:3] == [b"eval_ro", -3,
                           ["readonly", "noscript", "stale", "skip_monitor", "no_mandatory_keys", "movablekeys"]]
    assert info[0][6] == ["@slow", "@scripting"]
    assert info[1][6] == ["@slow", "@scripting"]  # no @read for scripting commands
    assert info[2][:2] == [b"script", -2]
    assert info[2][6] == ["@slow"]
    subs = {sub[0]: sub for sub in info[2][9]}
    assert subs[b"script|kill"][:3] == [b"script|kill", 2, ["noscript", "allow_busy"]]
    assert subs[b"script|load"][:3] == [b"script|load", 3, ["noscript", "stale"]]
    assert subs[b"script|load"][6] == ["@slow", "@scripting"]


def test_command_getkeys_for_scripts(raw):
    assert raw.command("COMMAND", "GETKEYS", "EVAL", "return 1", "2", "a", "b", "c") == [b"a", b"b"]
    assert raw.command("COMMAND", "GETKEYS", "EVALSHA_RO", "abc", "1", "k") == [b"k"]
    # No key is an answer for a command that needs none.
    assert raw.command("COMMAND", "GETKEYS", "EVAL", "return 1", "0") == []
    assert raw.command("COMMAND", "GETKEYS", "EVAL", "return 1", "5", "a") == []


def test_math_random_follows_the_same_sequence(server_factory):
    # A fresh server starts the generator in the same state as Redis's.
    with server_factory().raw() as c:
        assert c.command("EVAL", "return math.random(1000)", "0") == 397
        assert c.command("EVAL", "return math.random(1000)", "0") == 841
        assert c.command("EVAL", "math.randomseed(1) return math.random(1000)", "0") == 42
        assert c.command("EVAL", "math.randomseed(1) return {math.random(1,10), math.random(1,10)}", "0") == \
            c.command("EVAL", "math.randomseed(1) return {math.random(1,10), math.random(1,10)}", "0")


def test_a_lock_from_the_client_library(r):
    lock = r.lock("resource", timeout=5)
    assert lock.acquire(blocking=False)
    assert not r.lock("resource", timeout=5).acquire(blocking=False)
    assert lock.extend(5)
    lock.release()
    assert r.exists("resource") == 0
    with pytest.raises(redis_py.exceptions.LockError):
        lock.release()


# ------------------------------------------------------------ atomicity and busy scripts

SPIN = "local i = 0 while true do i = i + 1 end"
WRITE_THEN_SPIN = "redis.call('set','x','1') while true do end"
BUSY = RespError("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.")


def start_script(srv, *args):
    """Sends EVAL on a new connection without waiting; returns the client."""
    c = srv.raw(timeout_s=30.0)
    c.send(encode_command("EVAL", *args))
    return c


def wait_busy(c):
    wait_for(lambda: c.command("PING") == BUSY, 10, "the script to be reported busy")


def test_other_clients_wait_for_a_running_script(server_factory):
    srv = server_factory()
    body = ("redis.call('set','a','1') local t0 = redis.call('time') "
            "repeat local t = redis.call('time') "
            "until (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 300000 "
            "redis.call('set','b','1') return 1")
    runner = start_script(srv, body, "0")
    with srv.raw() as c:
        time.sleep(0.05)  # let the script start; the MGET then waits behind it
        assert c.command("MGET", "a", "b") == [b"1", b"1"]
    assert runner.read_reply() == 1
    runner.close()


def test_script_kill_stops_a_script_that_did_not_write(server_factory):
    srv = server_factory(extra_args=["--busy-reply-threshold", "100"])
    runner = start_script(srv, SPIN, "0")
    with srv.raw() as c:
        wait_busy(c)
        assert c.command("GET", "x") == BUSY
        assert c.command("SHUTDOWN") == BUSY
        with srv.raw() as other:
            assert other.command("MULTI") == "OK"  # allow-busy
            assert other.command("DISCARD") == "OK"
        assert c.command("SCRIPT", "KILL") == "OK"
        assert runner.read_reply() == script_error("ERR Script killed by user with SCRIPT KILL...", SPIN)
        assert c.command("PING") == "PONG"
        assert c.command("SCRIPT", "KILL") == RespError("NOTBUSY No scripts in execution right now.")
    assert runner.command("PING") == "PONG"  # the caller is read again
    runner.close()
    assert "Slow script detected" in srv.log_text()


def test_a_script_that_wrote_is_unkillable_until_shutdown_nosave(server_factory):
    srv = server_factory(extra_args=["--busy-reply-threshold", "100"])
    runner = start_script(srv, WRITE_THEN_SPIN, "0")
    with srv.raw() as c:
        wait_busy(c)
        assert c.command("SCRIPT", "KILL") == RespError(
            "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either "
            "wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.")
        c.send(encode_command("SHUTDOWN", "NOSAVE"))
        with pytest.raises(harness.ConnectionClosed):
            c.read_reply()
    srv.wait_exit(10)
    assert not srv.alive()
    runner.close()


def test_sigterm_during_a_busy_script_waits_for_its_end(server_factory):
    srv = server_factory(extra_args=["--busy-reply-threshold", "100"])
    runner = start_script(srv, SPIN, "0")
    with srv.raw() as c:
        wait_busy(c)
        srv.proc.send_signal(15)
        wait_for(lambda: "Received SIGTERM" in srv.log_text(), 10, "the signal to be logged")
        assert c.command("PING") == BUSY
        assert srv.alive()
        assert c.command("SCRIPT", "KILL") == "OK"
    srv.wait_exit(10)
    assert not srv.alive()
    runner.close()


def test_a_pcall_inside_the_script_does_not_stop_script_kill(server_factory):
    srv = server_factory(extra_args=["--busy-reply-threshold", "100"])
    body = "while true do pcall(function() while true do end end) end"
    runner = start_script(srv, body, "0")
    with srv.raw() as c:
        wait_busy(c)
        assert c.command("SCRIPT", "KILL") == "OK"
        reply = runner.read_reply()
        assert isinstance(reply, RespError)
        assert "Script killed by user with SCRIPT KILL..." in reply.message
        assert c.command("PING") == "PONG"
    runner.close()


# ------------------------------------------------------------ effects replication

def aof_incr_bytes(srv):
    files = sorted(Path(srv.dir, "appendonlydir").glob("*.incr.aof"))
    assert len(files) == 1, files
    return files[0].read_bytes()


def resp(*args):
    return encode_command(*args)


def test_the_aof_gets_the_effects_wrapped_in_multi_exec(server_factory):
    srv = server_factory(extra_args=["--appendonly", "yes", "--appendfsync", "always"])
    with srv.raw() as c:
        assert c.command("EVAL", "redis.call('set','a','1') redis.call('incr','a') return 1", "0") == 1
        assert c.command("EVAL", "return redis.call('set','only','1')", "0") == "OK"
        assert c.command("EVAL", "return redis.call('get','a')", "0") == b"2"
        assert c.command("EVAL", "redis.call('set','x','1') error('after')", "0") == script_error(
            "ERR user_script:1: after", "redis.call('set','x','1') error('after')")
        body = "redis.set_repl(redis.REPL_NONE) redis.call('set','hidden','1') return 1"
        assert c.command("EVAL", body, "0") == 1
        # Relative and random forms are written in their absolute effect.
        assert c.command("EVAL", "return redis.call('expire','a','100')", "0") == 1
        body = ("redis.call('set','p','1') redis.set_repl(redis.REPL_NONE) redis.call('set','hidden2','1') "
                "redis.set_repl(redis.REPL_ALL) redis.call('set','q','1')")
        assert c.command("EVAL", body, "0") is None
        # The commands as the script spelt them; the writes before an error stay.
        expected_start = (resp("SELECT", "0") + resp("MULTI") + resp("set", "a", "1") + resp("incr", "a") +
                          resp("EXEC") + resp("set", "only", "1") + resp("set", "x", "1"))
        expected_end = resp("MULTI") + resp("set", "p", "1") + resp("set", "q", "1") + resp("EXEC")
        wait_for(lambda: aof_incr_bytes(srv).startswith(expected_start) and
                 aof_incr_bytes(srv).endswith(expected_end), 10, "the AOF to hold the script effects")
        data = aof_incr_bytes(srv)
        assert b"EVAL" not in data and b"hidden" not in data
        assert b"PEXPIREAT" in data and b"expire" not in data
        digest = c.command("DEBUG", "DIGEST")
    srv.stop()
    srv.start()
    with srv.raw() as c:
        assert c.command("GET", "a") == b"2"
        assert c.command("EXISTS", "hidden") == 0
        assert c.command("DEBUG", "DIGEST") != digest  # hidden was not replayed
        assert c.command("SET", "hidden", "1") == "OK"
        assert c.command("SET", "hidden2", "1") == "OK"
        assert c.command("DEBUG", "DIGEST") == digest


def test_a_replica_applies_the_effects_and_matches_the_digest(server_factory):
    primary = server_factory()
    replica = server_factory()
    pc, rc = primary.client(), replica.client()
    try:
        rc.execute_command("REPLICAOF", "127.0.0.1", primary.port)
        wait_for(lambda: rc.info("replication").get("master_link_status") == "up", 15, "the replica link")
        pc.eval("for i = 1, 50 do redis.call('rpush', 'l', i) redis.call('hset', 'h', 'f' .. i, i) end", 0)
        pc.eval("redis.call('sadd', 's', 'a', 'b', 'c', 'd') return redis.call('spop', 's')", 0)
        pc.eval("return redis.call('incrbyfloat', 'f', '1.5')", 0)
        pc.eval("return redis.call('set', 'ttl', 'v', 'EX', '100')", 0)
        sha = pc.script_load("return redis.call('incr', KEYS[1])")
        for _ in range(5):
            pc.evalsha(sha, 1, "counter")
        want = pc.info("replication")["master_repl_offset"]
        wait_for(lambda: rc.info("replication")["master_repl_offset"] == want, 15, "the replica to catch up")
        assert rc.execute_command("DEBUG", "DIGEST") == pc.execute_command("DEBUG", "DIGEST")
        assert rc.get("counter") == b"5"
        assert rc.scard("s") == 3
        # The replica never saw the script: its cache is empty.
        assert rc.script_exists(sha) == [False]
        # A read-only replica refuses a script's writes (a shebang script
        # that may write is refused before it runs).
        readonly = "READONLY You can't write against a read only replica."
        with replica.raw() as c:
            body = "return redis.call('set','a','1')"
            assert c.command("EVAL", body, "0") == script_error(readonly, body)
            assert c.command("EVAL", "return redis.pcall('set','a','1')", "0") == RespError(readonly)
            assert c.command("EVAL", "#!lua\nreturn 1", "0") == RespError(readonly)
            assert c.command("EVAL", "#!lua flags=no-writes\nreturn 1", "0") == 1
            assert c.command("EVAL_RO", "return redis.call('get','counter')", "0") == b"5"
    finally:
        pc.close()
        rc.close()


def test_a_busy_script_on_a_replica_does_not_lose_the_primary_stream(server_factory):
    primary = server_factory()
    replica = server_factory(extra_args=["--busy-reply-threshold", "100"])
    pc, rc = primary.client(), replica.client()
    runner = None
    try:
        rc.execute_command("REPLICAOF", "127.0.0.1", primary.port)
        wait_for(lambda: rc.info("replication").get("master_link_status") == "up", 15, "the replica link")
        runner = replica.raw(timeout_s=30.0)
        runner.send(encode_command("EVAL_RO", SPIN, "0"))
        with replica.raw() as c:
            wait_busy(c)
            for i in range(200):
                pc.set(f"k{i}", i)
            pc.eval("for i = 1, 20 do redis.call('rpush', 'l', i) end", 0)
            assert c.command("SCRIPT", "KILL") == "OK"
        reply = runner.read_reply()
        assert isinstance(reply, RespError) and "Script killed by user" in reply.message
        want = pc.info("replication")["master_repl_offset"]
        wait_for(lambda: rc.info("replication")["master_repl_offset"] == want, 15, "the replica to catch up")
        assert rc.execute_command("DEBUG", "DIGEST") == pc.execute_command("DEBUG", "DIGEST")
        assert rc.dbsize() == 201
    finally:
        if runner is not None:
            runner.close()
        pc.close()
        rc.close()
