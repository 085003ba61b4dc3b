"""Set commands: replies, error texts, encodings and digests exactly as
redis-server 7.0.15.

Member order is only compared for intsets (ascending in both servers); a
"hashtable" set iterates in an unspecified order, so those replies are
compared sorted.
"""

import pytest

from harness import RespError

SYNTAX = RespError("ERR syntax error")
NOT_INT = RespError("ERR value is not an integer or out of range")
WRONGTYPE = RespError(
    "WRONGTYPE Operation against a key holding the wrong kind of value")
POSITIVE = RespError("ERR value is out of range, must be positive")


def arity(cmd):
    return RespError(f"ERR wrong number of arguments for '{cmd}' command")


def encoding(raw, key):
    return raw.command("OBJECT", "ENCODING", key)


def members(raw, key):
    return sorted(raw.command("SMEMBERS", key))


def test_sadd_srem_scard_sismember(raw):
    assert raw.command("SADD", "s", "a", "b", "a") == 2
    assert raw.command("SADD", "s", "b", "c") == 1
    assert raw.command("SCARD", "s") == 3
    assert raw.command("SCARD", "nokey") == 0
    assert raw.command("SISMEMBER", "s", "a") == 1
    assert raw.command("SISMEMBER", "s", "z") == 0
    assert raw.command("SISMEMBER", "nokey", "a") == 0
    assert raw.command("SMISMEMBER", "s", "a", "z", "c") == [1, 0, 1]
    assert raw.command("SMISMEMBER", "nokey", "a", "b") == [0, 0]
    assert raw.command("SREM", "s", "a", "z") == 1
    assert raw.command("SREM", "nokey", "a") == 0
    assert members(raw, "s") == [b"b", b"c"]
    assert raw.command("SREM", "s", "b", "c", "d") == 2
    assert raw.command("EXISTS", "s") == 0
    assert raw.command("SMEMBERS", "nokey") == []
    assert raw.command("TYPE", "s") == "none"
    assert raw.command("SADD", "s") == arity("sadd")
    assert raw.command("SMISMEMBER", "s") == arity("smismember")


def test_intset_replies_are_sorted(raw):
    assert raw.command("SADD", "s", "5", "-3", "100000", "0", "7") == 5
    assert encoding(raw, "s") == b"intset"
    assert raw.command("SMEMBERS", "s") == [b"-3", b"0", b"5", b"7", b"100000"]
    assert raw.command("SADD", "s", "9223372036854775807", "-9223372036854775808") == 2
    assert encoding(raw, "s") == b"intset"
    assert raw.command("SMEMBERS", "s")[0] == b"-9223372036854775808"
    assert raw.command("SISMEMBER", "s", "9223372036854775807") == 1
    assert raw.command("SISMEMBER", "s", "007") == 0
    assert raw.command("SSCAN", "s", "0") == [b"0", raw.command("SMEMBERS", "s")]


@pytest.mark.parametrize("member", ["a", "007", "+1", "-0", " 1", "1.0",
                                    "9223372036854775808", ""])
def test_non_canonical_integers_make_a_hashtable(raw, member):
    raw.command("SADD", "s", "1", "2")
    assert encoding(raw, "s") == b"intset"
    raw.command("SADD", "s", member)
    assert encoding(raw, "s") == b"hashtable"
    assert raw.command("SISMEMBER", "s", member) == 1
    assert raw.command("SISMEMBER", "s", "1") == 1


def test_intset_converts_past_512_entries(raw):
    raw.command("SADD", "s", *[str(i) for i in range(512)])
    assert encoding(raw, "s") == b"intset"
    raw.command("SADD", "s", "511")
    assert encoding(raw, "s") == b"intset"
    raw.command("SADD", "s", "512")
    assert encoding(raw, "s") == b"hashtable"
    raw.command("SREM", "s", *[str(i) for i in range(1, 513)])
    assert encoding(raw, "s") == b"hashtable"
    assert raw.command("SMEMBERS", "s") == [b"0"]


def test_first_member_picks_the_encoding(raw):
    raw.command("SADD", "a", "x", "1")
    assert encoding(raw, "a") == b"hashtable"
    raw.command("SADD", "b", "1", "2")
    assert encoding(raw, "b") == b"intset"


def test_intset_threshold_follows_the_config(server_factory):
    srv = server_factory(extra_args=["--set-max-intset-entries", "3"])
    with srv.raw() as c:
        c.command("SADD", "s", "1", "2", "3")
        assert encoding(c, "s") == b"intset"
        c.command("SADD", "s", "4")
        assert encoding(c, "s") == b"hashtable"
        assert c.command("CONFIG", "SET", "set-max-intset-entries", "0") == "OK"
        c.command("SADD", "t", "1")
        assert encoding(c, "t") == b"hashtable"


def test_spop(raw):
    assert raw.command("SPOP", "nokey") is None
    assert raw.command("SPOP", "nokey", "3") == []
    raw.command("SADD", "s", "a", "b", "c", "d", "e")
    m = raw.command("SPOP", "s")
    assert m in (b"a", b"b", b"c", b"d", b"e")
    assert raw.command("SISMEMBER", "s", m) == 0
    assert raw.command("SPOP", "s", "0") == []
    got = raw.command("SPOP", "s", "2")
    assert len(got) == 2 and len(set(got)) == 2
    assert raw.command("SCARD", "s") == 2
    rest = raw.command("SPOP", "s", "10")
    assert len(rest) == 2
    assert sorted(set(got) | set(rest) | {m}) == [b"a", b"b", b"c", b"d", b"e"]
    assert raw.command("EXISTS", "s") == 0
    raw.command("SADD", "s", "1")
    assert raw.command("SPOP", "s", "-1") == POSITIVE
    assert raw.command("SPOP", "s", "x") == POSITIVE
    assert raw.command("SPOP", "s", "1", "2") == SYNTAX
    assert raw.command("SPOP", "s") == b"1"
    assert raw.command("EXISTS", "s") == 0


def test_spop_whole_intset_replies_sorted(raw):
    raw.command("SADD", "s", "3", "1", "2")
    assert raw.command("SPOP", "s", "3") == [b"1", b"2", b"3"]


def test_spop_on_a_big_set(raw):
    raw.command("SADD", "s", *[f"m{i}" for i in range(2000)])
    seen = set()
    for n in (1, 10, 500, 1400):
        got = raw.command("SPOP", "s", str(n))
        assert len(got) == n and len(set(got)) == n
        assert not (set(got) & seen)
        seen |= set(got)
    assert raw.command("SCARD", "s") == 89
    seen |= set(raw.command("SPOP", "s", "1000"))
    assert seen == {f"m{i}".encode() for i in range(2000)}
    assert raw.command("EXISTS", "s") == 0


def test_srandmember(raw):
    assert raw.command("SRANDMEMBER", "nokey") is None
    assert raw.command("SRANDMEMBER", "nokey", "5") == []
    raw.command("SADD", "s", "a", "b", "c", "d")
    assert raw.command("SRANDMEMBER", "s") in (b"a", b"b", b"c", b"d")
    assert raw.command("SRANDMEMBER", "s", "0") == []
    got = raw.command("SRANDMEMBER", "s", "3")
    assert len(got) == 3 and len(set(got)) == 3
    assert sorted(raw.command("SRANDMEMBER", "s", "10")) == [b"a", b"b", b"c", b"d"]
    got = raw.command("SRANDMEMBER", "s", "-10")
    assert len(got) == 10 and set(got) <= {b"a", b"b", b"c", b"d"}
    assert raw.command("SCARD", "s") == 4
    assert raw.command("SRANDMEMBER", "s", "x") == NOT_INT
    assert raw.command("SRANDMEMBER", "s", "1", "2") == SYNTAX
    assert raw.command("SRANDMEMBER", "s", "-9223372036854775808") == RespError(
        "ERR value is out of range, value must between "
        "-9223372036854775807 and 9223372036854775807")
    raw.command("SADD", "i", "3", "1", "2")
    assert raw.command("SRANDMEMBER", "i", "5") == [b"1", b"2", b"3"]


def test_srandmember_on_a_big_set(raw):
    raw.command("SADD", "s", *[f"m{i}" for i in range(1000)])
    for n in (5, 300, 999, 1000, 3000):
        got = raw.command("SRANDMEMBER", "s", str(n))
        assert len(got) == min(n, 1000) and len(set(got)) == len(got)
    assert len(raw.command("SRANDMEMBER", "s", "-3000")) == 3000


def test_smove(raw):
    raw.command("SADD", "a", "1", "2")
    raw.command("SADD", "b", "x")
    assert raw.command("SMOVE", "a", "b", "1") == 1
    assert members(raw, "b") == [b"1", b"x"]
    assert raw.command("SMOVE", "a", "b", "9") == 0
    assert raw.command("SMOVE", "a", "new", "2") == 1
    assert raw.command("EXISTS", "a") == 0
    assert encoding(raw, "new") == b"intset"
    assert raw.command("SMOVE", "nokey", "b", "x") == 0
    assert raw.command("SMOVE", "b", "b", "x") == 1
    assert raw.command("SMOVE", "b", "b", "zz") == 0
    raw.command("SET", "str", "v")
    assert raw.command("SMOVE", "nokey", "str", "x") == 0
    assert raw.command("SMOVE", "b", "str", "x") == WRONGTYPE
    assert raw.command("SMOVE", "str", "b", "x") == WRONGTYPE
    raw.command("SADD", "c", "x")
    assert raw.command("SMOVE", "b", "c", "x") == 1  # already there: still 1
    assert members(raw, "c") == [b"x"]


def test_sinter_sunion_sdiff(raw):
    raw.command("SADD", "a", "1", "2", "3", "x")
    raw.command("SADD", "b", "2", "3", "4", "x")
    raw.command("SADD", "c", "3", "x", "y")
    assert sorted(raw.command("SINTER", "a", "b", "c")) == [b"3", b"x"]
    assert raw.command("SINTER", "a", "nokey") == []
    assert sorted(raw.command("SUNION", "a", "nokey", "c")) == \
        [b"1", b"2", b"3", b"x", b"y"]
    assert sorted(raw.command("SDIFF", "a", "b")) == [b"1"]
    assert sorted(raw.command("SDIFF", "a", "nokey")) == [b"1", b"2", b"3", b"x"]
    assert raw.command("SDIFF", "nokey", "a") == []
    assert raw.command("SDIFF", "a", "a") == []
    raw.command("SADD", "i1", "5", "1", "3")
    raw.command("SADD", "i2", "2", "4")
    assert raw.command("SUNION", "i1", "i2") == [b"1", b"2", b"3", b"4", b"5"]
    assert raw.command("SINTER", "i1", "i1") == [b"1", b"3", b"5"]
    raw.command("SET", "str", "v")
    assert raw.command("SINTER", "nokey", "str") == WRONGTYPE
    assert raw.command("SUNION", "str", "a") == WRONGTYPE
    assert raw.command("SDIFF", "a", "str") == WRONGTYPE


def test_store_forms(raw):
    raw.command("SADD", "a", "1", "2", "3", "x")
    raw.command("SADD", "b", "2", "3", "4", "x")
    raw.command("SET", "dst", "old")
    raw.command("EXPIRE", "dst", "100")
    assert raw.command("SINTERSTORE", "dst", "a", "b") == 3
    assert members(raw, "dst") == [b"2", b"3", b"x"]
    assert raw.command("TTL", "dst") == -1
    assert raw.command("SINTERSTORE", "ints", "a", "b", "ints") == 0
    assert raw.command("SDIFFSTORE", "ints", "a", "b") == 1
    assert encoding(raw, "ints") == b"intset"
    assert raw.command("SUNIONSTORE", "u", "a", "b") == 5
    assert encoding(raw, "u") == b"hashtable"
    # An intersection of hashtable sets that is all integers is an intset.
    assert raw.command("SINTERSTORE", "i", "a", "b") == 3
    raw.command("SREM", "a", "x")
    assert raw.command("SINTERSTORE", "i", "a", "b") == 2
    assert encoding(raw, "i") == b"intset"
    assert raw.command("SMEMBERS", "i") == [b"2", b"3"]
    # Empty results delete the destination.
    assert raw.command("SINTERSTORE", "dst", "a", "nokey") == 0
    assert raw.command("EXISTS", "dst") == 0
    raw.command("SADD", "dst", "z")
    assert raw.command("SDIFFSTORE", "dst", "a", "a") == 0
    assert raw.command("EXISTS", "dst") == 0
    assert raw.command("SUNIONSTORE", "dst", "nokey") == 0
    # The destination may be a source.
    assert raw.command("SUNIONSTORE", "a", "a", "b") == 5
    assert members(raw, "a") == [b"1", b"2", b"3", b"4", b"x"]
    raw.command("SET", "str", "v")
    assert raw.command("SINTERSTORE", "dst", "a", "str") == WRONGTYPE
    assert raw.command("SUNIONSTORE", "str", "a") == 5
    assert raw.command("TYPE", "str") == "set"


def test_sintercard(raw):
    raw.command("SADD", "a", "1", "2", "3", "x")
    raw.command("SADD", "b", "2", "3", "4", "x")
    assert raw.command("SINTERCARD", "2", "a", "b") == 3
    assert raw.command("SINTERCARD", "2", "a", "b", "LIMIT", "2") == 2
    assert raw.command("SINTERCARD", "2", "a", "b", "LIMIT", "0") == 3
    assert raw.command("SINTERCARD", "1", "a") == 4
    assert raw.command("SINTERCARD", "2", "a", "nokey") == 0
    assert raw.command("SINTERCARD", "0", "a") == RespError(
        "ERR numkeys should be greater than 0")
    assert raw.command("SINTERCARD", "x", "a") == RespError(
        "ERR numkeys should be greater than 0")
    assert raw.command("SINTERCARD", "3", "a", "b") == RespError(
        "ERR Number of keys can't be greater than number of args")
    assert raw.command("SINTERCARD", "2", "a", "b", "LIMIT", "-1") == RespError(
        "ERR LIMIT can't be negative")
    assert raw.command("SINTERCARD", "2", "a", "b", "LIMIT", "x") == RespError(
        "ERR LIMIT can't be negative")
    assert raw.command("SINTERCARD", "2", "a", "b", "LIMIT") == SYNTAX
    assert raw.command("SINTERCARD", "2", "a", "b", "foo") == SYNTAX
    raw.command("SET", "str", "v")
    assert raw.command("SINTERCARD", "2", "a", "str") == WRONGTYPE


def sscan_all(raw, key, *opts):
    seen = []
    cursor = b"0"
    for _ in range(10000):
        cursor, items = raw.command("SSCAN", key, cursor, *opts)
        seen += items
        if cursor == b"0":
            return seen
    raise AssertionError("SSCAN did not finish")


def test_sscan(raw):
    raw.command("SADD", "s", *[f"m{i}" for i in range(1500)])
    assert set(sscan_all(raw, "s")) == {f"m{i}".encode() for i in range(1500)}
    assert set(sscan_all(raw, "s", "MATCH", "m1?", "COUNT", "7")) == \
        {f"m1{i}".encode() for i in range(10)}
    raw.command("SADD", "small", "a", "b")
    cursor, items = raw.command("SSCAN", "small", "0")
    assert cursor == b"0" and sorted(items) == [b"a", b"b"]
    assert raw.command("SSCAN", "nokey", "0") == [b"0", []]
    assert raw.command("SSCAN", "s", "0", "COUNT", "0") == SYNTAX
    assert raw.command("SSCAN", "s", "abc") == RespError("ERR invalid cursor")


@pytest.mark.parametrize("args", [
    ["SADD", "s", "a"], ["SREM", "s", "a"], ["SMEMBERS", "s"],
    ["SISMEMBER", "s", "a"], ["SMISMEMBER", "s", "a"], ["SCARD", "s"],
    ["SPOP", "s"], ["SPOP", "s", "1"], ["SRANDMEMBER", "s"],
    ["SRANDMEMBER", "s", "1"], ["SINTER", "s"], ["SUNION", "s"], ["SDIFF", "s"],
    ["SSCAN", "s", "0"], ["SINTERCARD", "1", "s"],
])
def test_set_commands_on_a_string_are_wrongtype(raw, args):
    raw.command("SET", "s", "x")
    assert raw.command(*args) == WRONGTYPE
    assert raw.command("GET", "s") == b"x"


def test_copy_rename_move_keep_the_set(raw):
    raw.command("SADD", "i", "1", "2")
    raw.command("SADD", "h", "a", "b")
    raw.command("SADD", "big", *[f"m{i}" for i in range(300)])
    for k in ("i", "h", "big"):
        assert raw.command("COPY", k, k + "2") == 1
        assert encoding(raw, k + "2") == encoding(raw, k)
        assert members(raw, k + "2") == members(raw, k)
    raw.command("SADD", "i", "3")
    assert raw.command("SMEMBERS", "i2") == [b"1", b"2"]
    assert raw.command("RENAME", "big2", "big3") == "OK"
    assert raw.command("SCARD", "big3") == 300
    assert raw.command("MOVE", "big3", "2") == 1
    assert raw.command("SELECT", "2") == "OK"
    assert raw.command("SCARD", "big3") == 300


def test_digest_matches_the_oracle(server, oracle_factory):
    oracle = oracle_factory()
    cmds = [
        ["SADD", "ints", "1", "-5", "300000", "9223372036854775807"],
        ["SADD", "strs", "a", "b", "", "x" * 100],
        ["SADD", "big", *[f"m{i}" for i in range(700)]],
        ["SADD", "bigints", *[str(i) for i in range(600)]],
        ["SADD", "ttl", "a"], ["PEXPIRE", "ttl", "100000"],
        ["SINTERSTORE", "inter", "ints", "bigints"],
    ]
    with server.raw() as a, oracle.raw() as b:
        for c in cmds:
            assert a.command(*c) == b.command(*c)
        keys = ["ints", "strs", "big", "bigints", "ttl", "inter"]
        assert a.command("DEBUG", "DIGEST-VALUE", *keys) == \
            b.command("DEBUG", "DIGEST-VALUE", *keys)
        assert a.command("DEBUG", "DIGEST") == b.command("DEBUG", "DIGEST")
