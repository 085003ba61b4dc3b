"""Sorted set commands: replies, error texts, encodings and digests exactly
as redis-server 7.0.15 (scores in the %.17g form, ranges and their quirks).
"""

import pytest

from harness import RespError

SYNTAX = RespError("ERR syntax error")
NOT_INT = RespError("ERR value is not an integer or out of range")
NOT_FLOAT = RespError("ERR value is not a valid float")
RANGE_FLOAT = RespError("ERR min or max is not a float")
RANGE_LEX = RespError("ERR min or max not valid string range item")
POSITIVE = RespError("ERR value is out of range, must be positive")
WRONGTYPE = RespError(
    "WRONGTYPE Operation against a key holding the wrong kind of value")


def arity(cmd):
    return RespError(f"ERR wrong number of arguments for '{cmd}' command")


def encoding(raw, key):
    return raw.command("OBJECT", "ENCODING", key)


def zadd_many(raw, key, n, prefix="m", score=None):
    for i in range(0, n, 250):
        args = []
        for j in range(i, min(n, i + 250)):
            args += [str(j if score is None else score), f"{prefix}{j:05d}"]
        raw.command("ZADD", key, *args)


def test_zadd_basic_and_scores(raw):
    assert raw.command("ZADD", "z", "1", "a", "2", "b", "1.5", "c") == 3
    assert raw.command("ZADD", "z", "3", "a") == 0
    assert raw.command("ZSCORE", "z", "a") == b"3"
    assert raw.command("ZSCORE", "z", "c") == b"1.5"
    assert raw.command("ZSCORE", "z", "zz") is None
    assert raw.command("ZSCORE", "nokey", "a") is None
    assert raw.command("ZCARD", "z") == 3
    assert raw.command("ZCARD", "nokey") == 0
    assert raw.command("ZADD", "f", "0.1", "x", "-0", "y", "inf", "p", "-inf", "n",
                       "1e300", "big", "3.0e-5", "tiny") == 6
    assert raw.command("ZRANGE", "f", "0", "-1", "WITHSCORES") == [
        b"n", b"-inf", b"y", b"0", b"tiny", b"3.0000000000000001e-05",
        b"x", b"0.10000000000000001", b"big", b"1.0000000000000001e+300",
        b"p", b"inf"]
    assert raw.command("ZMSCORE", "z", "a", "zz", "c") == [b"3", None, b"1.5"]
    assert raw.command("ZMSCORE", "nokey", "a") == [None]
    assert raw.command("TYPE", "z") == "zset"


def test_zadd_errors(raw):
    assert raw.command("ZADD", "z", "1") == arity("zadd")
    assert raw.command("ZADD", "z", "1", "a", "2") == SYNTAX
    assert raw.command("ZADD", "z", "NX") == arity("zadd")
    assert raw.command("ZADD", "z", "NX", "XX", "1", "a") == RespError(
        "ERR XX and NX options at the same time are not compatible")
    for opts in (["GT", "LT"], ["GT", "NX"], ["LT", "NX"]):
        assert raw.command("ZADD", "z", *opts, "1", "a") == RespError(
            "ERR GT, LT, and/or NX options at the same time are not compatible")
    assert raw.command("ZADD", "z", "INCR", "1", "a", "2", "b") == RespError(
        "ERR INCR option supports a single increment-element pair")
    assert raw.command("ZADD", "z", "x", "a") == NOT_FLOAT
    assert raw.command("ZADD", "z", "nan", "a") == NOT_FLOAT
    assert raw.command("ZADD", "z", "1", "a", "bad", "b") == NOT_FLOAT
    assert raw.command("EXISTS", "z") == 0
    assert raw.command("ZADD", "z", "NX", "CH", "1") == SYNTAX


def test_zadd_flags(raw):
    raw.command("ZADD", "z", "1", "a", "2", "b")
    assert raw.command("ZADD", "z", "NX", "5", "a", "3", "c") == 1
    assert raw.command("ZSCORE", "z", "a") == b"1"
    assert raw.command("ZADD", "z", "XX", "5", "a", "4", "d") == 0
    assert raw.command("ZSCORE", "z", "a") == b"5"
    assert raw.command("ZSCORE", "z", "d") is None
    assert raw.command("ZADD", "z", "CH", "6", "a", "2", "b", "9", "e") == 2
    assert raw.command("ZADD", "z", "GT", "CH", "1", "a", "10", "b") == 1
    assert raw.command("ZMSCORE", "z", "a", "b") == [b"6", b"10"]
    assert raw.command("ZADD", "z", "LT", "CH", "1", "a", "20", "b") == 1
    assert raw.command("ZMSCORE", "z", "a", "b") == [b"1", b"10"]
    assert raw.command("ZADD", "z", "GT", "7", "new") == 1
    assert raw.command("ZADD", "z", "XX", "GT", "0", "new") == 0
    assert raw.command("ZADD", "nokey", "XX", "1", "a") == 0
    assert raw.command("EXISTS", "nokey") == 0
    assert raw.command("ZADD", "nokey", "XX", "INCR", "1", "a") is None


def test_zadd_incr_and_zincrby(raw):
    assert raw.command("ZADD", "z", "INCR", "1.5", "a") == b"1.5"
    assert raw.command("ZADD", "z", "INCR", "1", "a") == b"2.5"
    assert raw.command("ZINCRBY", "z", "-0.5", "a") == b"2"
    assert raw.command("ZINCRBY", "z", "0.1", "b") == b"0.10000000000000001"
    assert raw.command("ZADD", "z", "NX", "INCR", "1", "a") is None
    assert raw.command("ZADD", "z", "GT", "INCR", "-1", "a") is None
    assert raw.command("ZADD", "z", "LT", "INCR", "-1", "a") == b"1"
    assert raw.command("ZINCRBY", "z", "x", "a") == NOT_FLOAT
    raw.command("ZADD", "z", "inf", "i")
    assert raw.command("ZINCRBY", "z", "-inf", "i") == RespError(
        "ERR resulting score is not a number (NaN)")
    assert raw.command("ZINCRBY", "z", "inf", "i") == b"inf"
    assert raw.command("ZINCRBY", "z", "nx", "a") == SYNTAX
    assert raw.command("ZINCRBY", "z", "1") == arity("zincrby")


def test_zrem_zcard_delete_empty(raw):
    raw.command("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert raw.command("ZREM", "z", "a", "x", "a") == 1
    assert raw.command("ZREM", "nokey", "a") == 0
    assert raw.command("ZREM", "z", "b", "c") == 2
    assert raw.command("EXISTS", "z") == 0


def test_zrank_zrevrank(raw):
    raw.command("ZADD", "z", "1", "a", "2", "b", "2", "c", "3", "d")
    assert [raw.command("ZRANK", "z", m) for m in "abcd"] == [0, 1, 2, 3]
    assert [raw.command("ZREVRANK", "z", m) for m in "abcd"] == [3, 2, 1, 0]
    assert raw.command("ZRANK", "z", "x") is None
    assert raw.command("ZRANK", "nokey", "x") is None
    assert raw.command("ZREVRANK", "z", "x") is None


RANK_CASES = [("0", "-1"), ("1", "2"), ("-2", "-1"), ("-100", "100"),
              ("5", "1"), ("3", "3"), ("10", "20"), ("-1", "-2"), ("0", "0")]


@pytest.mark.parametrize("start,stop", RANK_CASES)
def test_zrange_by_rank(raw, start, stop):
    raw.command("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
    members = [b"a", b"b", b"c", b"d", b"e"]
    scores = {b"a": b"1", b"b": b"2", b"c": b"3", b"d": b"4", b"e": b"5"}

    def expect(seq):
        n = len(seq)
        s, e = int(start), int(stop)
        s, e = s + n if s < 0 else s, e + n if e < 0 else e
        s = max(s, 0)
        if s > e or s >= n:
            return []
        return seq[s:min(e, n - 1) + 1]
    assert raw.command("ZRANGE", "z", start, stop) == expect(members)
    assert raw.command("ZREVRANGE", "z", start, stop) == expect(members[::-1])
    assert raw.command("ZRANGE", "z", start, stop, "REV") == expect(members[::-1])
    with_scores = [x for m in expect(members) for x in (m, scores[m])]
    assert raw.command("ZRANGE", "z", start, stop, "WITHSCORES") == with_scores


def test_zrange_by_score(raw):
    raw.command("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
    assert raw.command("ZRANGEBYSCORE", "z", "2", "4") == [b"b", b"c", b"d"]
    assert raw.command("ZRANGEBYSCORE", "z", "(2", "(4") == [b"c"]
    assert raw.command("ZRANGEBYSCORE", "z", "-inf", "+inf") == [b"a", b"b", b"c", b"d", b"e"]
    assert raw.command("ZRANGEBYSCORE", "z", "4", "2") == []
    assert raw.command("ZRANGEBYSCORE", "z", "(2", "2") == []
    assert raw.command("ZRANGEBYSCORE", "z", "2", "4", "WITHSCORES", "LIMIT", "1", "1") == [b"c", b"3"]
    assert raw.command("ZRANGEBYSCORE", "z", "2", "4", "LIMIT", "0", "-1") == [b"b", b"c", b"d"]
    assert raw.command("ZRANGEBYSCORE", "z", "2", "4", "LIMIT", "-1", "2") == []
    assert raw.command("ZRANGEBYSCORE", "z", "2", "4", "LIMIT", "5", "2") == []
    assert raw.command("ZRANGEBYSCORE", "z", "2", "4", "LIMIT", "1", "0") == []
    assert raw.command("ZREVRANGEBYSCORE", "z", "4", "2") == [b"d", b"c", b"b"]
    assert raw.command("ZREVRANGEBYSCORE", "z", "2", "4") == []
    assert raw.command("ZREVRANGEBYSCORE", "z", "+inf", "(3", "LIMIT", "1", "5") == [b"d"]
    assert raw.command("ZRANGE", "z", "(1", "3", "BYSCORE") == [b"b", b"c"]
    assert raw.command("ZRANGE", "z", "3", "(1", "BYSCORE", "REV", "WITHSCORES") == \
        [b"c", b"3", b"b", b"2"]
    assert raw.command("ZRANGE", "z", "-inf", "inf", "BYSCORE", "LIMIT", "2", "2") == [b"c", b"d"]
    # Redis's strtod quirks: an empty bound is 0, leading spaces pass.
    assert raw.command("ZRANGEBYSCORE", "z", "", "2") == [b"a", b"b"]
    assert raw.command("ZRANGEBYSCORE", "z", " 2", "(3") == [b"b"]
    assert raw.command("ZRANGEBYSCORE", "z", "x", "2") == RANGE_FLOAT
    assert raw.command("ZRANGEBYSCORE", "z", "1", "nan") == RANGE_FLOAT
    assert raw.command("ZRANGEBYSCORE", "z", "1", "2", "LIMIT", "1") == SYNTAX
    assert raw.command("ZRANGEBYSCORE", "z", "1", "2", "LIMIT", "x", "1") == NOT_INT
    assert raw.command("ZRANGEBYSCORE", "z", "1", "2", "BYSCORE") == SYNTAX
    assert raw.command("ZRANGEBYSCORE", "z", "1", "2", "REV") == SYNTAX
    assert raw.command("ZRANGEBYSCORE", "nokey", "1", "2") == []
    assert raw.command("ZRANGEBYSCORE", "nokey", "x", "2") == RANGE_FLOAT


def test_zrange_option_errors(raw):
    raw.command("ZADD", "z", "1", "a")
    assert raw.command("ZRANGE", "z", "0", "-1", "LIMIT", "0", "1") == RespError(
        "ERR syntax error, LIMIT is only supported in combination with either "
        "BYSCORE or BYLEX")
    assert raw.command("ZRANGE", "z", "0", "-1", "LIMIT", "0", "-1") == [b"a"]
    assert raw.command("ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES") == RespError(
        "ERR syntax error, WITHSCORES not supported in combination with BYLEX")
    assert raw.command("ZRANGE", "z", "0", "-1", "BYSCORE", "BYLEX") == SYNTAX
    assert raw.command("ZRANGE", "z", "0", "-1", "REV", "REV") == SYNTAX
    assert raw.command("ZRANGE", "z", "a", "-1") == NOT_INT
    assert raw.command("ZRANGE", "z", "0", "-1", "foo") == SYNTAX
    assert raw.command("ZRANGE", "nokey", "0", "-1") == []
    assert raw.command("ZRANGE", "z", "0") == arity("zrange")
    assert raw.command("ZREVRANGE", "z", "0", "-1", "REV") == SYNTAX
    assert raw.command("ZRANGEBYLEX", "z", "-", "+", "WITHSCORES") == RespError(
        "ERR syntax error, WITHSCORES not supported in combination with BYLEX")


def test_zrange_by_lex(raw):
    raw.command("ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "ee")
    assert raw.command("ZRANGEBYLEX", "z", "-", "+") == [b"a", b"b", b"c", b"d", b"e", b"ee"]
    assert raw.command("ZRANGEBYLEX", "z", "[b", "(d") == [b"b", b"c"]
    assert raw.command("ZRANGEBYLEX", "z", "(b", "[e") == [b"c", b"d", b"e"]
    assert raw.command("ZRANGEBYLEX", "z", "[e", "+") == [b"e", b"ee"]
    assert raw.command("ZRANGEBYLEX", "z", "+", "-") == []
    assert raw.command("ZRANGEBYLEX", "z", "-", "-") == []
    assert raw.command("ZRANGEBYLEX", "z", "[c", "[c") == [b"c"]
    assert raw.command("ZRANGEBYLEX", "z", "(c", "[c") == []
    assert raw.command("ZRANGEBYLEX", "z", "-", "+", "LIMIT", "2", "2") == [b"c", b"d"]
    assert raw.command("ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", "1", "2") == [b"e", b"d"]
    assert raw.command("ZREVRANGEBYLEX", "z", "[d", "[b") == [b"d", b"c", b"b"]
    assert raw.command("ZRANGE", "z", "[d", "[b", "BYLEX", "REV") == [b"d", b"c", b"b"]
    assert raw.command("ZLEXCOUNT", "z", "-", "+") == 6
    assert raw.command("ZLEXCOUNT", "z", "[b", "(e") == 3
    assert raw.command("ZLEXCOUNT", "nokey", "-", "+") == 0
    for bad in (("a", "+"), ("-", "b"), ("", "+"), ("++", "-"), ("-x", "+")):
        assert raw.command("ZRANGEBYLEX", "z", *bad) == RANGE_LEX
        assert raw.command("ZLEXCOUNT", "z", *bad) == RANGE_LEX
        assert raw.command("ZREMRANGEBYLEX", "z", *bad) == RANGE_LEX
    assert raw.command("ZRANGEBYLEX", "z", "[", "(") == []
    assert raw.command("ZRANGEBYLEX", "z", "[", "+") == [b"a", b"b", b"c", b"d", b"e", b"ee"]


def test_zrange_by_lex_with_mixed_scores_in_a_listpack(raw):
    # Members are not in byte order here; Redis walks the listpack from one
    # end, which defines the reply.
    raw.command("ZADD", "z", "1", "d", "2", "a", "3", "c", "4", "b", "5", "e")
    assert raw.command("ZRANGEBYLEX", "z", "[b", "[d") == [b"d", b"a", b"c", b"b"]
    assert raw.command("ZRANGEBYLEX", "z", "[a", "[d") == [b"d", b"a", b"c", b"b"]
    assert raw.command("ZREVRANGEBYLEX", "z", "[d", "[b") == [b"b", b"c"]
    assert raw.command("ZLEXCOUNT", "z", "[a", "[c") == 0
    assert raw.command("ZLEXCOUNT", "z", "[a", "[d") == 4


def test_zcount(raw):
    raw.command("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert raw.command("ZCOUNT", "z", "-inf", "+inf") == 3
    assert raw.command("ZCOUNT", "z", "(1", "3") == 2
    assert raw.command("ZCOUNT", "z", "5", "1") == 0
    assert raw.command("ZCOUNT", "nokey", "1", "2") == 0
    assert raw.command("ZCOUNT", "z", "a", "2") == RANGE_FLOAT


def test_zremrange(raw):
    raw.command("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
    assert raw.command("ZREMRANGEBYSCORE", "z", "(1", "2") == 1
    assert raw.command("ZREMRANGEBYRANK", "z", "-2", "-1") == 2
    assert raw.command("ZRANGE", "z", "0", "-1") == [b"a", b"c"]
    assert raw.command("ZREMRANGEBYRANK", "z", "5", "10") == 0
    assert raw.command("ZREMRANGEBYRANK", "z", "x", "1") == NOT_INT
    assert raw.command("ZREMRANGEBYSCORE", "z", "x", "1") == RANGE_FLOAT
    assert raw.command("ZREMRANGEBYRANK", "nokey", "0", "1") == 0
    raw.command("ZADD", "l", "0", "a", "0", "b", "0", "c")
    assert raw.command("ZREMRANGEBYLEX", "l", "(a", "+") == 2
    assert raw.command("ZREMRANGEBYLEX", "l", "-", "+") == 1
    assert raw.command("EXISTS", "l") == 0
    assert raw.command("ZREMRANGEBYRANK", "z", "0", "-1") == 2
    assert raw.command("EXISTS", "z") == 0


def test_zpopmin_zpopmax(raw):
    raw.command("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
    assert raw.command("ZPOPMIN", "z") == [b"a", b"1"]
    assert raw.command("ZPOPMAX", "z") == [b"d", b"4"]
    assert raw.command("ZPOPMAX", "z", "5") == [b"c", b"3", b"b", b"2"]
    assert raw.command("EXISTS", "z") == 0
    assert raw.command("ZPOPMIN", "nokey") == []
    assert raw.command("ZPOPMIN", "nokey", "0") == []
    raw.command("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert raw.command("ZPOPMIN", "z", "0") == []
    assert raw.command("ZPOPMIN", "z", "2") == [b"a", b"1", b"b", b"2"]
    assert raw.command("ZPOPMIN", "z", "-1") == POSITIVE
    assert raw.command("ZPOPMIN", "z", "x") == POSITIVE
    assert raw.command("ZPOPMIN", "z", "1", "2") == SYNTAX
    raw.command("SET", "str", "v")
    assert raw.command("ZPOPMIN", "str", "0") == WRONGTYPE


def test_zrangestore(raw):
    raw.command("ZADD", "src", "1", "a", "2", "b", "3", "c", "4", "d")
    assert raw.command("ZRANGESTORE", "dst", "src", "1", "2") == 2
    assert raw.command("ZRANGE", "dst", "0", "-1", "WITHSCORES") == [b"b", b"2", b"c", b"3"]
    assert encoding(raw, "dst") == b"listpack"
    assert raw.command("ZRANGESTORE", "dst", "src", "(1", "+inf", "BYSCORE", "LIMIT", "0", "2") == 2
    assert raw.command("ZRANGE", "dst", "0", "-1") == [b"b", b"c"]
    assert raw.command("ZRANGESTORE", "dst", "src", "[c", "-", "BYLEX", "REV") == 3
    assert raw.command("ZRANGE", "dst", "0", "-1") == [b"a", b"b", b"c"]
    assert raw.command("ZRANGESTORE", "dst", "src", "5", "10") == 0
    assert raw.command("EXISTS", "dst") == 0
    assert raw.command("ZRANGESTORE", "dst", "nokey", "0", "-1") == 0
    assert raw.command("ZRANGESTORE", "dst", "src", "0", "-1", "WITHSCORES") == SYNTAX
    assert raw.command("ZRANGESTORE", "src", "src", "0", "1") == 2
    assert raw.command("ZRANGE", "src", "0", "-1") == [b"a", b"b"]
    raw.command("SET", "str", "v")
    assert raw.command("ZRANGESTORE", "str", "src", "0", "-1") == 2
    assert raw.command("TYPE", "str") == "zset"
    assert raw.command("ZRANGESTORE", "dst", "str2", "0") == arity("zrangestore")


def zscan_all(raw, key, *opts):
    seen = []
    cursor = b"0"
    for _ in range(10000):
        cursor, items = raw.command("ZSCAN", key, cursor, *opts)
        seen += list(zip(items[0::2], items[1::2]))
        if cursor == b"0":
            return seen
    raise AssertionError("ZSCAN did not finish")


def test_zscan(raw):
    raw.command("ZADD", "small", "1.5", "a", "2", "b")
    assert raw.command("ZSCAN", "small", "0") == [b"0", [b"a", b"1.5", b"b", b"2"]]
    zadd_many(raw, "big", 1000)
    got = zscan_all(raw, "big")
    assert sorted(set(got)) == sorted((f"m{j:05d}".encode(), str(j).encode())
                                      for j in range(1000))
    assert raw.command("ZSCAN", "nokey", "0") == [b"0", []]
    assert raw.command("ZSCAN", "big", "0", "COUNT", "-1") == SYNTAX


def test_skiplist_conversion_and_big_zsets(raw):
    zadd_many(raw, "z", 128)
    assert encoding(raw, "z") == b"listpack"
    raw.command("ZADD", "z", "1000", "one-more")
    assert encoding(raw, "z") == b"skiplist"
    raw.command("ZADD", "long", "1", "x" * 64)
    assert encoding(raw, "long") == b"listpack"
    raw.command("ZADD", "long", "1", "x" * 65)
    assert encoding(raw, "long") == b"skiplist"
    raw.command("ZADD", "first", "1", "y" * 65)
    assert encoding(raw, "first") == b"skiplist"
    # Duplicates in one ZADD do not count towards the threshold.
    raw.command("ZADD", "dups", *(["1", "a"] * 200))
    assert encoding(raw, "dups") == b"listpack"
    zadd_many(raw, "big", 5000)
    assert raw.command("ZCARD", "big") == 5000
    assert raw.command("ZRANK", "big", "m04321") == 4321
    assert raw.command("ZREVRANK", "big", "m04321") == 678
    assert raw.command("ZRANGE", "big", "2500", "2502", "WITHSCORES") == \
        [b"m02500", b"2500", b"m02501", b"2501", b"m02502", b"2502"]
    assert raw.command("ZRANGEBYSCORE", "big", "(4997", "+inf") == [b"m04998", b"m04999"]
    assert raw.command("ZREVRANGEBYSCORE", "big", "10", "-inf", "LIMIT", "2", "3") == \
        [b"m00008", b"m00007", b"m00006"]
    assert raw.command("ZCOUNT", "big", "100", "(200") == 100
    assert raw.command("ZINCRBY", "big", "10000", "m00000") == b"10000"
    assert raw.command("ZRANGE", "big", "-1", "-1") == [b"m00000"]
    assert raw.command("ZREMRANGEBYSCORE", "big", "1000", "1999") == 1000
    assert raw.command("ZREMRANGEBYRANK", "big", "0", "99") == 100
    assert raw.command("ZCARD", "big") == 3900
    assert raw.command("ZPOPMIN", "big", "2") == [b"m00101", b"101", b"m00102", b"102"]
    raw.command("ZREM", "big", *[f"m{j:05d}" for j in range(0, 5000)])
    assert raw.command("EXISTS", "big") == 0
    zadd_many(raw, "lex", 3000, score=0)
    assert raw.command("ZLEXCOUNT", "lex", "[m00100", "(m00200") == 100
    assert raw.command("ZRANGEBYLEX", "lex", "(m02997", "+") == [b"m02998", b"m02999"]
    assert raw.command("ZREVRANGEBYLEX", "lex", "+", "-", "LIMIT", "0", "2") == [b"m02999", b"m02998"]
    assert raw.command("ZREMRANGEBYLEX", "lex", "-", "(m01000") == 1000
    assert raw.command("ZRANGE", "lex", "0", "0") == [b"m01000"]


def test_negative_zero_listpack_vs_skiplist(server_factory):
    srv = server_factory(extra_args=["--zset-max-listpack-entries", "1"])
    with srv.raw() as c:
        c.command("ZADD", "lp", "-0", "a")
        assert encoding(c, "lp") == b"listpack"
        assert c.command("ZSCORE", "lp", "a") == b"0"
        c.command("ZADD", "sl", "-0", "a", "1", "b")
        assert encoding(c, "sl") == b"skiplist"
        # Converted from the listpack, where it was stored as 0.
        assert c.command("ZSCORE", "sl", "a") == b"0"
        c.command("ZADD", "sl", "-0", "c")
        assert c.command("ZSCORE", "sl", "c") == b"-0"
        assert c.command("ZRANGE", "sl", "0", "-1") == [b"a", b"c", b"b"]


def test_thresholds_follow_the_config(server_factory):
    srv = server_factory(extra_args=["--zset-max-listpack-entries", "2",
                                     "--zset-max-listpack-value", "3"])
    with srv.raw() as c:
        c.command("ZADD", "z", "1", "a", "2", "b")
        assert encoding(c, "z") == b"listpack"
        c.command("ZADD", "z", "3", "c")
        assert encoding(c, "z") == b"skiplist"
        c.command("ZADD", "v", "1", "abcd")
        assert encoding(c, "v") == b"skiplist"
        assert c.command("CONFIG", "SET", "zset-max-listpack-entries", "0") == "OK"
        c.command("ZADD", "e", "1", "a")
        assert encoding(c, "e") == b"skiplist"
        assert c.command("ZRANGESTORE", "d", "z", "0", "-1") == 3
        assert encoding(c, "d") == b"skiplist"


@pytest.mark.parametrize("args", [
    ["ZADD", "s", "1", "a"], ["ZINCRBY", "s", "1", "a"], ["ZREM", "s", "a"],
    ["ZCARD", "s"], ["ZSCORE", "s", "a"], ["ZMSCORE", "s", "a"],
    ["ZRANK", "s", "a"], ["ZREVRANK", "s", "a"], ["ZCOUNT", "s", "0", "1"],
    ["ZLEXCOUNT", "s", "-", "+"], ["ZRANGE", "s", "0", "1"],
    ["ZRANGESTORE", "d", "s", "0", "1"], ["ZREVRANGE", "s", "0", "1"],
    ["ZRANGEBYSCORE", "s", "0", "1"], ["ZREVRANGEBYSCORE", "s", "0", "1"],
    ["ZRANGEBYLEX", "s", "-", "+"], ["ZREVRANGEBYLEX", "s", "+", "-"],
    ["ZREMRANGEBYSCORE", "s", "0", "1"], ["ZREMRANGEBYRANK", "s", "0", "1"],
    ["ZREMRANGEBYLEX", "s", "-", "+"], ["ZPOPMIN", "s"], ["ZPOPMAX", "s", "2"],
    ["ZSCAN", "s", "0"],
])
def test_zset_commands_on_a_string_are_wrongtype(raw, args):
    raw.command("SET", "s", "x")
    assert raw.command(*args) == WRONGTYPE
    assert raw.command("GET", "s") == b"x"


def test_copy_rename_keep_the_zset(raw):
    raw.command("ZADD", "z", "1", "a", "2", "b")
    zadd_many(raw, "big", 300)
    for k in ("z", "big"):
        assert raw.command("COPY", k, k + "2") == 1
        assert encoding(raw, k + "2") == encoding(raw, k)
        assert raw.command("ZRANGE", k + "2", "0", "-1", "WITHSCORES") == \
            raw.command("ZRANGE", k, "0", "-1", "WITHSCORES")
    raw.command("ZADD", "big", "7", "new")
    assert raw.command("ZCARD", "big2") == 300
    assert raw.command("RENAME", "big2", "big3") == "OK"
    assert raw.command("ZSCORE", "big3", "m00299") == b"299"


def test_digest_matches_the_oracle(server, oracle_factory):
    oracle = oracle_factory()
    cmds = [
        ["ZADD", "small", "1", "a", "0.1", "b", "-inf", "c", "1e300", "d", "-0", "e"],
        ["ZADD", "big", *[x for j in range(300) for x in (str(j / 7), f"m{j}")]],
        ["ZADD", "big", "-0", "negzero", "inf", "pinf"],
        ["ZADD", "longm", "2.5", "x" * 70],
        ["ZADD", "ttl", "1", "a"], ["EXPIRE", "ttl", "1000"],
        ["ZRANGESTORE", "stored", "big", "10", "20"],
    ]
    with server.raw() as a, oracle.raw() as b:
        for c in cmds:
            assert a.command(*c) == b.command(*c)
        keys = ["small", "big", "longm", "ttl", "stored"]
        assert a.command("DEBUG", "DIGEST-VALUE", *keys) == \
            b.command("DEBUG", "DIGEST-VALUE", *keys)
        assert a.command("DEBUG", "DIGEST") == b.command("DEBUG", "DIGEST")


# ------------------------------------------------ ZUNION / ZINTER / ZDIFF


def test_zunion_zinter_zdiff(raw):
    raw.command("ZADD", "a", "1", "x", "2", "y", "3", "z")
    raw.command("ZADD", "b", "10", "y", "20", "z", "30", "w")
    raw.command("SADD", "s", "z", "w", "v")
    assert raw.command("ZUNION", "2", "a", "b", "WITHSCORES") == \
        [b"x", b"1", b"y", b"12", b"z", b"23", b"w", b"30"]
    assert raw.command("ZINTER", "2", "a", "b", "WITHSCORES") == \
        [b"y", b"12", b"z", b"23"]
    assert raw.command("ZDIFF", "2", "a", "b", "WITHSCORES") == [b"x", b"1"]
    assert raw.command("ZDIFF", "2", "b", "a") == [b"w"]
    assert raw.command("ZINTER", "3", "a", "b", "s", "WITHSCORES") == [b"z", b"24"]
    assert raw.command("ZUNION", "2", "a", "b", "WEIGHTS", "2", "0.5", "WITHSCORES") == \
        [b"x", b"2", b"y", b"9", b"w", b"15", b"z", b"16"]
    assert raw.command("ZUNION", "2", "a", "b", "AGGREGATE", "MIN", "WITHSCORES") == \
        [b"x", b"1", b"y", b"2", b"z", b"3", b"w", b"30"]
    assert raw.command("ZINTER", "2", "a", "b", "aggregate", "max") == [b"y", b"z"]
    assert raw.command("ZUNION", "2", "a", "nokey") == [b"x", b"y", b"z"]
    assert raw.command("ZINTER", "2", "a", "nokey") == []
    assert raw.command("ZDIFF", "2", "a", "a") == []
    assert raw.command("ZINTER", "2", "a", "a", "WITHSCORES") == \
        [b"x", b"2", b"y", b"4", b"z", b"6"]
    assert raw.command("ZINTERCARD", "2", "a", "b") == 2
    assert raw.command("ZINTERCARD", "2", "a", "b", "LIMIT", "1") == 1
    assert raw.command("ZINTERCARD", "1", "nokey") == 0


def test_zsetop_infinities_and_errors(raw):
    raw.command("ZADD", "p", "inf", "a", "1", "b")
    raw.command("ZADD", "n", "-inf", "a", "2", "b")
    assert raw.command("ZUNION", "2", "p", "n", "WITHSCORES") == [b"a", b"0", b"b", b"3"]
    assert raw.command("ZUNION", "1", "p", "WEIGHTS", "0", "WITHSCORES") == \
        [b"a", b"0", b"b", b"0"]
    assert raw.command("ZUNION", "0", "p") == RespError(
        "ERR at least 1 input key is needed for 'zunion' command")
    assert raw.command("ZUNIONSTORE", "d", "0", "p") == RespError(
        "ERR at least 1 input key is needed for 'zunionstore' command")
    assert raw.command("ZINTERCARD", "0", "p") == RespError(
        "ERR at least 1 input key is needed for 'zintercard' command")
    assert raw.command("ZUNION", "x", "p") == NOT_INT
    assert raw.command("ZUNION", "3", "p", "n") == SYNTAX
    assert raw.command("ZUNION", "2", "p", "n", "WEIGHTS", "1") == SYNTAX
    assert raw.command("ZUNION", "2", "p", "n", "WEIGHTS", "1", "x") == RespError(
        "ERR weight value is not a float")
    assert raw.command("ZUNION", "2", "p", "n", "AGGREGATE", "AVG") == SYNTAX
    assert raw.command("ZDIFF", "2", "p", "n", "WEIGHTS", "1", "2") == SYNTAX
    assert raw.command("ZUNIONSTORE", "d", "1", "p", "WITHSCORES") == SYNTAX
    assert raw.command("ZINTERCARD", "1", "p", "LIMIT", "-1") == RespError(
        "ERR LIMIT can't be negative")
    assert raw.command("ZINTERCARD", "1", "p", "WITHSCORES") == SYNTAX
    raw.command("SET", "str", "v")
    # Every key is type-checked before the options are parsed.
    assert raw.command("ZUNION", "2", "p", "str", "BAD") == WRONGTYPE
    assert raw.command("ZINTERSTORE", "d", "1", "str") == WRONGTYPE


def test_zsetop_store_forms(raw):
    raw.command("ZADD", "a", "1", "x", "2", "y")
    raw.command("ZADD", "b", "5", "y")
    raw.command("SET", "d", "old")
    raw.command("EXPIRE", "d", "100")
    assert raw.command("ZUNIONSTORE", "d", "2", "a", "b") == 2
    assert raw.command("ZRANGE", "d", "0", "-1", "WITHSCORES") == [b"x", b"1", b"y", b"7"]
    assert raw.command("TTL", "d") == -1
    assert encoding(raw, "d") == b"listpack"
    assert raw.command("ZINTERSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2") == 1
    assert raw.command("ZRANGE", "d", "0", "-1", "WITHSCORES") == [b"y", b"12"]
    assert raw.command("ZDIFFSTORE", "d", "2", "a", "b") == 1
    assert raw.command("ZRANGE", "d", "0", "-1") == [b"x"]
    assert raw.command("ZINTERSTORE", "d", "2", "a", "nokey") == 0
    assert raw.command("EXISTS", "d") == 0
    assert raw.command("ZUNIONSTORE", "a", "2", "a", "b") == 2
    assert raw.command("ZSCORE", "a", "y") == b"7"
    zadd_many(raw, "big", 200)
    assert raw.command("ZUNIONSTORE", "d", "1", "big") == 200
    assert encoding(raw, "d") == b"skiplist"
    assert raw.command("ZINTERSTORE", "d", "2", "big", "a") == 0


def test_zrandmember(raw):
    assert raw.command("ZRANDMEMBER", "nokey") is None
    assert raw.command("ZRANDMEMBER", "nokey", "3") == []
    raw.command("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert raw.command("ZRANDMEMBER", "z") in (b"a", b"b", b"c")
    # The whole zset comes back highest first.
    assert raw.command("ZRANDMEMBER", "z", "5", "WITHSCORES") == \
        [b"c", b"3", b"b", b"2", b"a", b"1"]
    got = raw.command("ZRANDMEMBER", "z", "2")
    assert len(got) == 2 and len(set(got)) == 2
    got = raw.command("ZRANDMEMBER", "z", "-7", "WITHSCORES")
    assert len(got) == 14
    assert all({b"a": b"1", b"b": b"2", b"c": b"3"}[m] == s for m, s in zip(got[0::2], got[1::2]))
    assert raw.command("ZRANDMEMBER", "z", "0") == []
    assert raw.command("ZRANDMEMBER", "z", "1", "x") == SYNTAX
    assert raw.command("ZRANDMEMBER", "z", "x") == NOT_INT
    assert raw.command("ZRANDMEMBER", "z", "4611686018427387904", "WITHSCORES") == RespError(
        "ERR value is out of range")
    zadd_many(raw, "big", 1000)
    for n in ("10", "500", "1000", "-3000"):
        got = raw.command("ZRANDMEMBER", "big", n)
        assert len(got) == min(abs(int(n)), 1000 if int(n) > 0 else 3000)
        if int(n) > 0:
            assert len(set(got)) == len(got)
    raw.command("SET", "str", "v")
    assert raw.command("ZRANDMEMBER", "str") == WRONGTYPE
