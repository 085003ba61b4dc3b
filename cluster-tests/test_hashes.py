"""Hash commands: replies, error texts, encodings and digests exactly as
redis-server 7.0.15.

Field order is only compared for listpack hashes (insertion order in both
servers); a "hashtable" hash iterates in an unspecified order, so those
replies are compared as sets or sorted.
"""

import hashlib

import pytest

from harness import RespError

SYNTAX = RespError("ERR syntax error")
NOT_INT = RespError("ERR value is not an integer or out of range")
NOT_FLOAT = RespError("ERR value is not a valid float")
WRONGTYPE = RespError(
    "WRONGTYPE Operation against a key holding the wrong kind of value")


def arity(cmd):
    return RespError(f"ERR wrong number of arguments for '{cmd}' command")


def pairs(flat):
    return sorted(zip(flat[0::2], flat[1::2]))


def test_hset_hget_hmget_hlen(raw):
    assert raw.command("HSET", "h", "a", "1", "b", "2") == 2
    assert raw.command("HSET", "h", "a", "10", "c", "3") == 1
    assert raw.command("HGET", "h", "a") == b"10"
    assert raw.command("HGET", "h", "zz") is None
    assert raw.command("HGET", "nokey", "a") is None
    assert raw.command("HMGET", "h", "a", "zz", "c") == [b"10", None, b"3"]
    assert raw.command("HMGET", "nokey", "a", "b") == [None, None]
    assert raw.command("HLEN", "h") == 3
    assert raw.command("HLEN", "nokey") == 0
    assert raw.command("HMSET", "h", "d", "4") == "OK"
    assert raw.command("HEXISTS", "h", "d") == 1
    assert raw.command("HEXISTS", "h", "e") == 0
    assert raw.command("HEXISTS", "nokey", "e") == 0
    assert raw.command("HSTRLEN", "h", "a") == 2
    assert raw.command("HSTRLEN", "h", "zz") == 0
    assert raw.command("HSTRLEN", "nokey", "a") == 0
    assert raw.command("TYPE", "h") == "hash"


def test_hset_arity_errors(raw):
    assert raw.command("HSET", "h", "a", "1", "b") == arity("hset")
    assert raw.command("HMSET", "h", "a", "1", "b") == arity("hmset")
    assert raw.command("HSET", "h", "a") == arity("hset")
    assert raw.command("HGET", "h") == arity("hget")
    assert raw.command("HDEL", "h") == arity("hdel")
    assert raw.command("EXISTS", "h") == 0


def test_hsetnx(raw):
    assert raw.command("HSETNX", "h", "a", "1") == 1
    assert raw.command("HSETNX", "h", "a", "2") == 0
    assert raw.command("HGET", "h", "a") == b"1"


def test_hdel_deletes_the_empty_hash(raw):
    raw.command("HSET", "h", "a", "1", "b", "2", "c", "3")
    assert raw.command("HDEL", "h", "a", "zz", "a") == 1
    assert raw.command("HDEL", "nokey", "a") == 0
    assert raw.command("HDEL", "h", "b", "c", "d") == 2
    assert raw.command("EXISTS", "h") == 0


def test_listpack_order_is_insertion_order(raw):
    raw.command("HSET", "h", "z", "1", "a", "2", "m", "3")
    raw.command("HSET", "h", "a", "20")  # update keeps the place
    raw.command("HDEL", "h", "z")
    raw.command("HSET", "h", "b", "4")
    assert raw.command("HGETALL", "h") == [b"a", b"20", b"m", b"3", b"b", b"4"]
    assert raw.command("HKEYS", "h") == [b"a", b"m", b"b"]
    assert raw.command("HVALS", "h") == [b"20", b"3", b"4"]
    assert raw.command("HGETALL", "nokey") == []
    assert raw.command("HKEYS", "nokey") == []
    assert raw.command("HVALS", "nokey") == []


def test_binary_fields_and_values(raw):
    f, v = b"f\x00\r\n\xff", b"\x00" * 3 + b"\xfe"
    assert raw.command("HSET", "h", f, v, b"", b"") == 2
    assert raw.command("HGET", "h", f) == v
    assert raw.command("HGET", "h", b"") == b""
    assert raw.command("HSTRLEN", "h", f) == 4


def test_hincrby(raw):
    assert raw.command("HINCRBY", "h", "n", "5") == 5
    assert raw.command("HINCRBY", "h", "n", "-7") == -2
    assert raw.command("HINCRBY", "h", "n", "x") == NOT_INT
    assert raw.command("HINCRBY", "h", "n", "1.5") == NOT_INT
    raw.command("HSET", "h", "s", "abc", "big", "9223372036854775807", "f", "1.5")
    assert raw.command("HINCRBY", "h", "s", "1") == RespError(
        "ERR hash value is not an integer")
    assert raw.command("HINCRBY", "h", "f", "1") == RespError(
        "ERR hash value is not an integer")
    assert raw.command("HINCRBY", "h", "big", "1") == RespError(
        "ERR increment or decrement would overflow")
    assert raw.command("HINCRBY", "h", "neg", "-9223372036854775808") == \
        -9223372036854775808
    assert raw.command("HINCRBY", "h", "neg", "-1") == RespError(
        "ERR increment or decrement would overflow")
    # A bad increment is refused before the key is created.
    assert raw.command("HINCRBY", "new", "n", "x") == NOT_INT
    assert raw.command("EXISTS", "new") == 0


def test_hincrbyfloat(raw):
    assert raw.command("HINCRBYFLOAT", "h", "f", "10.5") == b"10.5"
    assert raw.command("HINCRBYFLOAT", "h", "f", "0.1") == b"10.6"
    assert raw.command("HINCRBYFLOAT", "h", "f", "-10.6") == b"0"
    assert raw.command("HINCRBYFLOAT", "h", "f", "5.0e3") == b"5000"
    assert raw.command("HINCRBYFLOAT", "h", "g", "1.23456789012345678") == \
        b"1.23456789012345678"
    assert raw.command("HINCRBYFLOAT", "h", "f", "abc") == NOT_FLOAT
    assert raw.command("HINCRBYFLOAT", "h", "f", "") == NOT_FLOAT
    assert raw.command("HINCRBYFLOAT", "h", "f", " 1") == NOT_FLOAT
    assert raw.command("HINCRBYFLOAT", "h", "f", "nan") == NOT_FLOAT
    assert raw.command("HINCRBYFLOAT", "h", "f", "inf") == RespError(
        "ERR value is NaN or Infinity")
    raw.command("HSET", "h", "s", "abc", "big", "1e308")
    assert raw.command("HINCRBYFLOAT", "h", "s", "1") == RespError(
        "ERR hash value is not a float")
    # 2e308 as a long double, printed with %.17Lf (Redis's digits exactly).
    two = raw.command("HINCRBYFLOAT", "h", "big", "1e308")
    assert hashlib.sha1(two).hexdigest() == \
        "347172c5cfd7ea1ea1d0b5371aeab161e1006135"
    raw.command("HSET", "h", "huge", "1.1e4932")
    assert raw.command("HINCRBYFLOAT", "h", "huge", "1.1e4932") == RespError(
        "ERR increment would produce NaN or Infinity")
    assert raw.command("HINCRBYFLOAT", "h", "huge", "1e4933") == NOT_FLOAT
    assert raw.command("HGET", "h", "f") == b"5000"


def test_hrandfield(raw):
    assert raw.command("HRANDFIELD", "nokey") is None
    assert raw.command("HRANDFIELD", "nokey", "3") == []
    assert raw.command("HRANDFIELD", "nokey", "3", "WITHVALUES") == []
    fields = {b"a": b"1", b"b": b"2", b"c": b"3", b"d": b"4"}
    for f, v in fields.items():
        raw.command("HSET", "h", f, v)
    assert raw.command("HRANDFIELD", "h") in fields
    assert raw.command("HRANDFIELD", "h", "0") == []
    got = raw.command("HRANDFIELD", "h", "3")
    assert len(got) == 3 and len(set(got)) == 3 and set(got) <= set(fields)
    assert sorted(raw.command("HRANDFIELD", "h", "10")) == sorted(fields)
    got = raw.command("HRANDFIELD", "h", "-10")
    assert len(got) == 10 and set(got) <= set(fields)
    got = raw.command("HRANDFIELD", "h", "-6", "withvalues")
    assert len(got) == 12
    for f, v in zip(got[0::2], got[1::2]):
        assert fields[f] == v
    got = raw.command("HRANDFIELD", "h", "2", "WITHVALUES")
    assert len(got) == 4 and got[0] != got[2]
    assert raw.command("HRANDFIELD", "h", "1", "foo") == SYNTAX
    assert raw.command("HRANDFIELD", "h", "1", "withvalues", "x") == SYNTAX
    assert raw.command("HRANDFIELD", "h", "x") == NOT_INT
    assert raw.command("HRANDFIELD", "h", "-9223372036854775808") == RespError(
        "ERR value is out of range, value must between "
        "-9223372036854775807 and 9223372036854775807")
    assert raw.command("HRANDFIELD", "h", "4611686018427387904",
                       "withvalues") == RespError("ERR value is out of range")


def test_hrandfield_on_a_big_hash(raw):
    for i in range(0, 1000, 100):
        raw.command("HSET", "h", *[x for j in range(i, i + 100)
                                   for x in (f"f{j}", str(j))])
    assert raw.command("OBJECT", "ENCODING", "h") == b"hashtable"
    for count in ("10", "400", "999", "1000", "5000"):
        got = raw.command("HRANDFIELD", "h", count)
        n = min(int(count), 1000)
        assert len(got) == n and len(set(got)) == n
    got = raw.command("HRANDFIELD", "h", "-2000", "WITHVALUES")
    assert len(got) == 4000
    assert all(b"f" + v == f for f, v in zip(got[0::2], got[1::2]))


def hscan_all(raw, key, *opts):
    seen = []
    cursor = b"0"
    for _ in range(10000):
        cursor, items = raw.command("HSCAN", key, cursor, *opts)
        seen += list(zip(items[0::2], items[1::2]))
        if cursor == b"0":
            return seen
    raise AssertionError("HSCAN did not finish")


def test_hscan(raw):
    raw.command("HSET", "small", "a", "1", "b", "2", "ab", "3")
    assert raw.command("HSCAN", "small", "0") == [b"0", [b"a", b"1", b"b", b"2", b"ab", b"3"]]
    assert raw.command("HSCAN", "small", "0", "MATCH", "a*") == \
        [b"0", [b"a", b"1", b"ab", b"3"]]
    assert raw.command("HSCAN", "small", "0", "COUNT", "1") == \
        [b"0", [b"a", b"1", b"b", b"2", b"ab", b"3"]]
    assert raw.command("HSCAN", "nokey", "0") == [b"0", []]
    assert raw.command("HSCAN", "nokey", "0", "bad", "opt") == [b"0", []]
    assert raw.command("HSCAN", "small", "0", "COUNT", "0") == SYNTAX
    assert raw.command("HSCAN", "small", "0", "COUNT", "x") == NOT_INT
    assert raw.command("HSCAN", "small", "0", "MATCH") == SYNTAX
    assert raw.command("HSCAN", "small", "0", "foo", "bar") == SYNTAX
    assert raw.command("HSCAN", "small", "x") == RespError("ERR invalid cursor")
    assert raw.command("HSCAN", "small", " 1") == RespError("ERR invalid cursor")
    assert raw.command("HSCAN", "small", "-1")[0] == b"0"
    for i in range(0, 2000, 200):
        raw.command("HSET", "big", *[x for j in range(i, i + 200)
                                     for x in (f"k{j}", f"v{j}")])
    got = hscan_all(raw, "big")
    assert sorted(set(got)) == sorted((f"k{j}".encode(), f"v{j}".encode())
                                      for j in range(2000))
    got = hscan_all(raw, "big", "MATCH", "k1??", "COUNT", "50")
    assert sorted(set(got)) == sorted((f"k{j}".encode(), f"v{j}".encode())
                                      for j in range(100, 200))


@pytest.mark.parametrize("args", [
    ["HSET", "s", "a", "1"], ["HSETNX", "s", "a", "1"], ["HGET", "s", "a"],
    ["HMGET", "s", "a"], ["HMSET", "s", "a", "1"], ["HDEL", "s", "a"],
    ["HLEN", "s"], ["HEXISTS", "s", "a"], ["HGETALL", "s"], ["HKEYS", "s"],
    ["HVALS", "s"], ["HINCRBY", "s", "a", "1"], ["HINCRBYFLOAT", "s", "a", "1"],
    ["HSTRLEN", "s", "a"], ["HSCAN", "s", "0"], ["HRANDFIELD", "s"],
    ["HRANDFIELD", "s", "2"],
])
def test_hash_commands_on_a_string_are_wrongtype(raw, args):
    raw.command("SET", "s", "x")
    assert raw.command(*args) == WRONGTYPE
    assert raw.command("GET", "s") == b"x"


def test_other_types_on_a_hash_are_wrongtype(raw):
    raw.command("HSET", "h", "a", "1")
    for args in (["GET", "h"], ["LPUSH", "h", "x"], ["SADD", "h", "x"],
                 ["ZADD", "h", "1", "x"], ["INCR", "h"]):
        assert raw.command(*args) == WRONGTYPE


# ------------------------------------------------------------- encodings


def encoding(raw, key):
    return raw.command("OBJECT", "ENCODING", key)


def test_encoding_converts_past_512_fields(raw):
    for i in range(0, 512, 128):
        raw.command("HSET", "h", *[x for j in range(i, i + 128)
                                   for x in (f"f{j}", "v")])
    assert raw.command("HLEN", "h") == 512
    assert encoding(raw, "h") == b"listpack"
    raw.command("HSET", "h", "f0", "updated")
    assert encoding(raw, "h") == b"listpack"
    raw.command("HSET", "h", "one-more", "v")
    assert encoding(raw, "h") == b"hashtable"
    # Never back, even when small again.
    for i in range(513):
        raw.command("HDEL", "h", f"f{i}")
    assert raw.command("HLEN", "h") == 1
    assert encoding(raw, "h") == b"hashtable"


def test_encoding_converts_for_a_value_over_64_bytes(raw):
    raw.command("HSET", "a", "f", "x" * 64, "g" * 64, "v")
    assert encoding(raw, "a") == b"listpack"
    raw.command("HSET", "b", "f", "x" * 65)
    assert encoding(raw, "b") == b"hashtable"
    raw.command("HSET", "c", "f" * 65, "x")
    assert encoding(raw, "c") == b"hashtable"
    # HINCRBY/HINCRBYFLOAT with a long field convert too.
    raw.command("HSET", "d", "a", "1")
    raw.command("HINCRBY", "d", "n" * 65, "1")
    assert encoding(raw, "d") == b"hashtable"
    # HSETNX on an existing field sets nothing and converts nothing.
    raw.command("HSET", "e", "a", "1")
    assert raw.command("HSETNX", "e", "a", "x" * 100) == 0
    assert encoding(raw, "e") == b"listpack"
    assert raw.command("HSETNX", "e", "b", "x" * 100) == 1
    assert encoding(raw, "e") == b"hashtable"
    # HSET checks every argument before setting any.
    raw.command("HSET", "f", "a", "1", "b", "y" * 65)
    assert encoding(raw, "f") == b"hashtable"
    assert raw.command("HGET", "f", "a") == b"1"


def test_encoding_thresholds_follow_the_config(server_factory):
    srv = server_factory(extra_args=["--hash-max-listpack-entries", "2",
                                     "--hash-max-listpack-value", "3"])
    with srv.raw() as c:
        c.command("HSET", "h", "a", "1", "b", "2")
        assert encoding(c, "h") == b"listpack"
        c.command("HSET", "h", "c", "3")
        assert encoding(c, "h") == b"hashtable"
        c.command("HSET", "v", "a", "abc")
        assert encoding(c, "v") == b"listpack"
        c.command("HSET", "v", "a", "abcd")
        assert encoding(c, "v") == b"hashtable"
        assert c.command("CONFIG", "SET", "hash-max-listpack-entries", "0") == "OK"
        c.command("HSET", "z", "a", "1")
        assert encoding(c, "z") == b"hashtable"


def test_big_hash_operations(raw):
    for i in range(0, 3000, 300):
        raw.command("HSET", "h", *[x for j in range(i, i + 300)
                                   for x in (f"f{j}", str(j))])
    assert raw.command("HLEN", "h") == 3000
    assert raw.command("HGET", "h", "f2999") == b"2999"
    assert raw.command("HINCRBY", "h", "f10", "5") == 15
    assert raw.command("HDEL", "h", *[f"f{j}" for j in range(0, 3000, 2)]) == 1500
    assert raw.command("HLEN", "h") == 1500
    got = pairs(raw.command("HGETALL", "h"))
    assert got == sorted((f"f{j}".encode(), str(j).encode())
                         for j in range(1, 3000, 2))
    assert sorted(raw.command("HKEYS", "h")) == sorted(
        f"f{j}".encode() for j in range(1, 3000, 2))


def test_copy_rename_move_keep_the_hash(raw):
    raw.command("HSET", "h", "a", "1", "b", "2")
    raw.command("HSET", "big", *[x for j in range(600) for x in (f"f{j}", "v")])
    assert raw.command("COPY", "h", "h2") == 1
    assert raw.command("COPY", "big", "big2") == 1
    raw.command("HSET", "h", "c", "3")
    assert raw.command("HGETALL", "h2") == [b"a", b"1", b"b", b"2"]
    assert encoding(raw, "big2") == b"hashtable"
    assert raw.command("HLEN", "big2") == 600
    assert raw.command("RENAME", "h2", "h3") == "OK"
    assert raw.command("HGET", "h3", "b") == b"2"
    assert raw.command("MOVE", "h3", "1") == 1
    assert raw.command("SELECT", "1") == "OK"
    assert raw.command("HGETALL", "h3") == [b"a", b"1", b"b", b"2"]
    assert raw.command("DEBUG", "DIGEST-VALUE", "h3") != [b"0" * 40]


def test_digest_matches_the_oracle(server, oracle_factory):
    oracle = oracle_factory()
    cmds = [
        ["HSET", "small", "a", "1", "b", "2", "c", "x" * 30],
        ["HSET", "big", *[x for j in range(700) for x in (f"f{j}", f"v{j}")]],
        ["HSET", "longv", "f", "y" * 100],
        ["HINCRBYFLOAT", "small", "fl", "1.5"],
        ["HSET", "ttl", "a", "b"], ["EXPIRE", "ttl", "1000"],
        ["HSET", "empty-ish", "", ""],
    ]
    with server.raw() as a, oracle.raw() as b:
        for c in cmds:
            assert a.command(*c) == b.command(*c)
        keys = ["small", "big", "longv", "ttl", "empty-ish", "none"]
        assert a.command("DEBUG", "DIGEST-VALUE", *keys) == \
            b.command("DEBUG", "DIGEST-VALUE", *keys)
        assert a.command("DEBUG", "DIGEST") == b.command("DEBUG", "DIGEST")
