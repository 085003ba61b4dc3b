"""List commands: replies, error texts and digests exactly as redis-server
7.0.15 (every list is a "quicklist" in 7.0, small or big).
"""

import pytest

from harness import RespError

SYNTAX = RespError("ERR syntax error")
NOT_INT = RespError("ERR value is not an integer or out of range")
POSITIVE = RespError("ERR value is out of range, must be positive")
WRONGTYPE = RespError(
    "WRONGTYPE Operation against a key holding the wrong kind of value")


def arity(cmd):
    return RespError(f"ERR wrong number of arguments for '{cmd}' command")


def test_push_pop_len(raw):
    assert raw.command("LPUSH", "l", "a", "b") == 2
    assert raw.command("RPUSH", "l", "c", "d") == 4
    assert raw.command("LRANGE", "l", "0", "-1") == [b"b", b"a", b"c", b"d"]
    assert raw.command("LLEN", "l") == 4
    assert raw.command("LLEN", "nokey") == 0
    assert raw.command("LPOP", "l") == b"b"
    assert raw.command("RPOP", "l") == b"d"
    assert raw.command("LPOP", "nokey") is None
    assert raw.command("LPOP", "nokey", "2") is None
    assert raw.command("LPOP", "l", "0") == []
    assert raw.command("RPOP", "l", "5") == [b"c", b"a"]
    assert raw.command("EXISTS", "l") == 0
    assert raw.command("TYPE", "l") == "none"
    raw.command("RPUSH", "l", "1", "2", "3")
    assert raw.command("LPOP", "l", "2") == [b"1", b"2"]
    assert raw.command("LPOP", "l", "-1") == POSITIVE
    assert raw.command("LPOP", "l", "x") == POSITIVE
    assert raw.command("LPOP", "l", "1", "2") == arity("lpop")
    assert raw.command("RPOP", "l", "1", "2") == arity("rpop")
    assert raw.command("LPUSH", "l") == arity("lpush")
    assert raw.command("OBJECT", "ENCODING", "l") == b"quicklist"


def test_pushx(raw):
    assert raw.command("LPUSHX", "l", "a") == 0
    assert raw.command("RPUSHX", "l", "a") == 0
    assert raw.command("EXISTS", "l") == 0
    raw.command("RPUSH", "l", "x")
    assert raw.command("LPUSHX", "l", "a", "b") == 3
    assert raw.command("RPUSHX", "l", "c") == 4
    assert raw.command("LRANGE", "l", "0", "-1") == [b"b", b"a", b"x", b"c"]


@pytest.mark.parametrize("start,stop", [
    ("0", "-1"), ("1", "2"), ("-2", "-1"), ("-100", "100"), ("5", "1"),
    ("3", "3"), ("10", "20"), ("-1", "-2"), ("0", "0"), ("-5", "-3")])
def test_lrange_and_ltrim_index_rules(raw, start, stop):
    items = [b"a", b"b", b"c", b"d", b"e"]
    raw.command("RPUSH", "l", *items)

    def expect():
        n = len(items)
        s, e = int(start), int(stop)
        s, e = s + n if s < 0 else s, e + n if e < 0 else e
        s = max(s, 0)
        if s > e or s >= n:
            return []
        return items[s:min(e, n - 1) + 1]
    assert raw.command("LRANGE", "l", start, stop) == expect()
    assert raw.command("LTRIM", "l", start, stop) == "OK"
    assert raw.command("LRANGE", "l", "0", "-1") == expect()
    assert raw.command("EXISTS", "l") == (1 if expect() else 0)


def test_lrange_ltrim_errors(raw):
    assert raw.command("LRANGE", "nokey", "0", "-1") == []
    assert raw.command("LRANGE", "nokey", "x", "-1") == NOT_INT
    assert raw.command("LTRIM", "nokey", "0", "1") == "OK"
    assert raw.command("LTRIM", "nokey", "0", "x") == NOT_INT


def test_lindex_lset(raw):
    raw.command("RPUSH", "l", "a", "b", "c")
    assert raw.command("LINDEX", "l", "0") == b"a"
    assert raw.command("LINDEX", "l", "-1") == b"c"
    assert raw.command("LINDEX", "l", "3") is None
    assert raw.command("LINDEX", "l", "-4") is None
    assert raw.command("LINDEX", "l", "x") == NOT_INT
    assert raw.command("LINDEX", "nokey", "x") is None
    assert raw.command("LSET", "l", "1", "B") == "OK"
    assert raw.command("LSET", "l", "-1", "C" * 300) == "OK"
    assert raw.command("LRANGE", "l", "0", "-1") == [b"a", b"B", b"C" * 300]
    assert raw.command("LSET", "l", "0", "") == "OK"
    assert raw.command("LINDEX", "l", "0") == b""
    assert raw.command("LSET", "l", "3", "x") == RespError("ERR index out of range")
    assert raw.command("LSET", "l", "x", "x") == NOT_INT
    assert raw.command("LSET", "nokey", "0", "x") == RespError("ERR no such key")
    assert raw.command("LSET", "nokey", "x", "x") == RespError("ERR no such key")


def test_lrem(raw):
    raw.command("RPUSH", "l", "a", "b", "a", "c", "a", "b", "a")
    assert raw.command("LREM", "l", "2", "a") == 2
    assert raw.command("LRANGE", "l", "0", "-1") == [b"b", b"c", b"a", b"b", b"a"]
    assert raw.command("LREM", "l", "-1", "b") == 1
    assert raw.command("LRANGE", "l", "0", "-1") == [b"b", b"c", b"a", b"a"]
    assert raw.command("LREM", "l", "0", "a") == 2
    assert raw.command("LREM", "l", "0", "zz") == 0
    assert raw.command("LREM", "nokey", "0", "a") == 0
    assert raw.command("LREM", "l", "x", "a") == NOT_INT
    assert raw.command("LREM", "l", "0", "b") == 1
    assert raw.command("LREM", "l", "-5", "c") == 1
    assert raw.command("EXISTS", "l") == 0


def test_linsert(raw):
    raw.command("RPUSH", "l", "a", "b", "c")
    assert raw.command("LINSERT", "l", "BEFORE", "b", "x") == 4
    assert raw.command("LINSERT", "l", "after", "c", "y") == 5
    assert raw.command("LINSERT", "l", "AFTER", "a", "z") == 6
    assert raw.command("LRANGE", "l", "0", "-1") == [b"a", b"z", b"x", b"b", b"c", b"y"]
    assert raw.command("LINSERT", "l", "BEFORE", "nope", "q") == -1
    assert raw.command("LINSERT", "nokey", "BEFORE", "a", "q") == 0
    assert raw.command("LINSERT", "l", "MIDDLE", "a", "q") == SYNTAX
    assert raw.command("LINSERT", "nokey", "MIDDLE", "a", "q") == SYNTAX


def test_lpos(raw):
    raw.command("RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c")
    assert raw.command("LPOS", "l", "c") == 2
    assert raw.command("LPOS", "l", "zz") is None
    assert raw.command("LPOS", "l", "c", "RANK", "2") == 6
    assert raw.command("LPOS", "l", "c", "RANK", "-1") == 7
    assert raw.command("LPOS", "l", "c", "RANK", "-3") == 2
    assert raw.command("LPOS", "l", "c", "RANK", "4") is None
    assert raw.command("LPOS", "l", "c", "COUNT", "2") == [2, 6]
    assert raw.command("LPOS", "l", "c", "COUNT", "0") == [2, 6, 7]
    assert raw.command("LPOS", "l", "c", "COUNT", "0", "RANK", "-2") == [6, 2]
    assert raw.command("LPOS", "l", "c", "COUNT", "0", "MAXLEN", "7") == [2, 6]
    assert raw.command("LPOS", "l", "c", "MAXLEN", "2") is None
    assert raw.command("LPOS", "l", "c", "RANK", "-1", "MAXLEN", "1") == 7
    assert raw.command("LPOS", "l", "zz", "COUNT", "3") == []
    assert raw.command("LPOS", "nokey", "a") is None
    assert raw.command("LPOS", "nokey", "a", "COUNT", "1") == []
    assert raw.command("LPOS", "l", "c", "RANK", "0") == RespError(
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from "
        "the second ... or use negative to start from the end of the list")
    assert raw.command("LPOS", "l", "c", "COUNT", "-1") == RespError(
        "ERR COUNT can't be negative")
    assert raw.command("LPOS", "l", "c", "MAXLEN", "-1") == RespError(
        "ERR MAXLEN can't be negative")
    assert raw.command("LPOS", "l", "c", "RANK", "x") == NOT_INT
    assert raw.command("LPOS", "l", "c", "RANK") == SYNTAX
    assert raw.command("LPOS", "l", "c", "FOO", "1") == SYNTAX
    # Redis 7.0 negates RANK in a signed long: the most negative value
    # stays negative and every match qualifies.
    assert raw.command("LPOS", "l", "c", "RANK", "-9223372036854775808") == 7
    assert raw.command("LPOS", "l", "c", "RANK", "-9223372036854775808",
                       "COUNT", "1") == [7, 6, 2]


def test_lmove_rpoplpush(raw):
    raw.command("RPUSH", "src", "a", "b", "c")
    assert raw.command("LMOVE", "src", "dst", "LEFT", "RIGHT") == b"a"
    assert raw.command("LMOVE", "src", "dst", "right", "left") == b"c"
    assert raw.command("LRANGE", "dst", "0", "-1") == [b"c", b"a"]
    assert raw.command("RPOPLPUSH", "dst", "src") == b"a"
    assert raw.command("LRANGE", "src", "0", "-1") == [b"a", b"b"]
    assert raw.command("LMOVE", "src", "src", "LEFT", "RIGHT") == b"a"
    assert raw.command("LRANGE", "src", "0", "-1") == [b"b", b"a"]
    raw.command("RPUSH", "one", "x")
    assert raw.command("RPOPLPUSH", "one", "one") == b"x"
    assert raw.command("LRANGE", "one", "0", "-1") == [b"x"]
    assert raw.command("RPOPLPUSH", "one", "two") == b"x"
    assert raw.command("EXISTS", "one") == 0
    assert raw.command("LMOVE", "nokey", "dst", "LEFT", "LEFT") is None
    assert raw.command("LMOVE", "src", "dst", "UP", "LEFT") == SYNTAX
    assert raw.command("LMOVE", "src", "dst", "LEFT", "DOWN") == SYNTAX
    raw.command("SET", "str", "v")
    assert raw.command("LMOVE", "nokey", "str", "LEFT", "LEFT") is None
    assert raw.command("LMOVE", "src", "str", "LEFT", "LEFT") == WRONGTYPE
    assert raw.command("LMOVE", "str", "src", "LEFT", "LEFT") == WRONGTYPE
    assert raw.command("RPOPLPUSH", "src", "str") == WRONGTYPE
    assert raw.command("LRANGE", "src", "0", "-1") == [b"b", b"a"]


def test_big_list_operations(raw):
    n = 20000
    for i in range(0, n, 1000):
        raw.command("RPUSH", "l", *[f"e{j}" for j in range(i, i + 1000)])
    assert raw.command("LLEN", "l") == n
    assert raw.command("LINDEX", "l", "12345") == b"e12345"
    assert raw.command("LINDEX", "l", "-12345") == f"e{n - 12345}".encode()
    assert raw.command("LRANGE", "l", "9998", "10001") == \
        [b"e9998", b"e9999", b"e10000", b"e10001"]
    assert raw.command("LSET", "l", "10000", "X" * 5000) == "OK"
    assert raw.command("LINDEX", "l", "10000") == b"X" * 5000
    assert raw.command("LINSERT", "l", "BEFORE", "e15000", "ins") == n + 1
    assert raw.command("LINDEX", "l", "15000") == b"ins"
    assert raw.command("LREM", "l", "0", "ins") == 1
    assert raw.command("LPOS", "l", "e19999") == n - 1
    assert raw.command("LTRIM", "l", "100", "-101") == "OK"
    assert raw.command("LLEN", "l") == n - 200
    assert raw.command("LRANGE", "l", "0", "0") == [b"e100"]
    assert raw.command("RPOP", "l", "3") == [b"e19899", b"e19898", b"e19897"]
    for i in range(0, n, 3000):
        raw.command("LPUSH", "m", *[f"x{j}" for j in range(i, min(n, i + 3000))])
    got = raw.command("LRANGE", "m", "0", "-1")
    assert got == [f"x{j}".encode() for j in range(n - 1, -1, -1)]
    popped = raw.command("LPOP", "m", str(n))
    assert len(popped) == n and raw.command("EXISTS", "m") == 0


def test_elements_of_any_size(raw):
    sizes = [0, 1, 126, 127, 128, 129, 4000, 8191, 8192, 20000, 70000]
    values = [bytes([65 + i % 26]) * s for i, s in enumerate(sizes)]
    for v in values:
        raw.command("RPUSH", "l", v)
        raw.command("LPUSH", "r", v)
    assert raw.command("LRANGE", "l", "0", "-1") == values
    assert raw.command("LRANGE", "r", "0", "-1") == values[::-1]
    for i, v in enumerate(values):
        assert raw.command("LINDEX", "l", str(i)) == v
    assert raw.command("LREM", "l", "0", values[5]) == 1
    assert raw.command("LINSERT", "l", "AFTER", values[8], b"mid") == len(values)
    assert raw.command("LPOS", "l", b"mid") == 8
    assert raw.command("RPOP", "l") == values[-1]


def test_binary_elements(raw):
    vals = [b"\x00", b"\r\n", b"\xff" * 200, b""]
    raw.command("RPUSH", "l", *vals)
    assert raw.command("LRANGE", "l", "0", "-1") == vals
    assert raw.command("LPOS", "l", b"\r\n") == 1


@pytest.mark.parametrize("args", [
    ["LPUSH", "s", "a"], ["RPUSH", "s", "a"], ["LPUSHX", "s", "a"],
    ["RPUSHX", "s", "a"], ["LPOP", "s"], ["RPOP", "s", "2"], ["LLEN", "s"],
    ["LRANGE", "s", "0", "1"], ["LINDEX", "s", "0"], ["LSET", "s", "0", "x"],
    ["LREM", "s", "0", "x"], ["LTRIM", "s", "0", "1"],
    ["LINSERT", "s", "BEFORE", "a", "b"], ["LPOS", "s", "a"],
    ["LMOVE", "s", "d", "LEFT", "LEFT"], ["RPOPLPUSH", "s", "d"],
])
def test_list_commands_on_a_string_are_wrongtype(raw, args):
    raw.command("SET", "s", "x")
    assert raw.command(*args) == WRONGTYPE
    assert raw.command("GET", "s") == b"x"


def test_copy_rename_move_keep_the_list(raw):
    raw.command("RPUSH", "l", *[f"e{j}" for j in range(3000)])
    assert raw.command("COPY", "l", "l2") == 1
    raw.command("RPUSH", "l", "more")
    assert raw.command("LLEN", "l2") == 3000
    assert raw.command("RENAME", "l2", "l3") == "OK"
    assert raw.command("LINDEX", "l3", "-1") == b"e2999"
    assert raw.command("MOVE", "l3", "1") == 1
    assert raw.command("SELECT", "1") == "OK"
    assert raw.command("LLEN", "l3") == 3000


def test_digest_matches_the_oracle(server, oracle_factory):
    oracle = oracle_factory()
    cmds = [
        ["RPUSH", "small", "a", "1", "", "x" * 100],
        ["RPUSH", "big", *[f"e{j}" for j in range(5000)]],
        ["LPUSH", "ttl", "a"], ["EXPIRE", "ttl", "1000"],
        ["LINSERT", "big", "AFTER", "e2500", "inserted"],
        ["LREM", "big", "0", "e100"],
    ]
    with server.raw() as a, oracle.raw() as b:
        for c in cmds:
            assert a.command(*c) == b.command(*c)
        keys = ["small", "big", "ttl"]
        assert a.command("DEBUG", "DIGEST-VALUE", *keys) == \
            b.command("DEBUG", "DIGEST-VALUE", *keys)
        assert a.command("DEBUG", "DIGEST") == b.command("DEBUG", "DIGEST")
