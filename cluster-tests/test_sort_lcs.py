"""SORT, SORT_RO and LCS as redis-server 7.0.15: replies, error texts,
propagated forms.

Sets are only sorted (or given BY nosort) when their order is defined:
an intset's, or a sort that leaves no ties.
"""

from pathlib import Path

import pytest

from harness import RespError, encode_command, wait_for

SYNTAX = RespError("ERR syntax error")
NOT_INT = RespError("ERR value is not an integer or out of range")
WRONGTYPE = RespError("WRONGTYPE Operation against a key holding the wrong kind of value")
NOT_DOUBLE = RespError("ERR One or more scores can't be converted into double")


def test_sort_numeric_and_alpha(raw):
    c = raw.command
    c("RPUSH", "l", "3", "10", "1", "2.5", "-4", "1e1")
    assert c("SORT", "l") == [b"-4", b"1", b"2.5", b"3", b"10", b"1e1"]  # ties by bytes
    assert c("SORT", "l", "DESC") == [b"1e1", b"10", b"3", b"2.5", b"1", b"-4"]
    assert c("SORT", "l", "ALPHA") == [b"-4", b"1", b"10", b"1e1", b"2.5", b"3"]
    assert c("SORT", "l", "alpha", "desc", "limit", "1", "2") == [b"2.5", b"1e1"]
    assert c("SORT", "l", "LIMIT", "0", "0") == []
    assert c("SORT", "l", "LIMIT", "4", "100") == [b"10", b"1e1"]
    assert c("SORT", "l", "LIMIT", "-5", "2") == [b"-4", b"1"]
    assert c("SORT", "l", "LIMIT", "2", "-1") == [b"2.5", b"3", b"10", b"1e1"]
    assert c("SORT", "l", "LIMIT", "6", "1") == []
    assert c("SORT", "l", "LIMIT", "1", "2", "LIMIT", "0", "1") == [b"-4"]  # the last wins
    # A count near INT64_MAX: clamped before start + count (no overflow).
    assert c("SORT", "l", "LIMIT", "4", "9223372036854775807") == [b"10", b"1e1"]
    assert c("SORT", "l", "LIMIT", "9223372036854775807", "9223372036854775807") == []
    assert c("SORT", "l", "ASC", "DESC", "ASC") == c("SORT", "l")
    c("RPUSH", "bad", "1", "x", "2")
    assert c("SORT", "bad") == NOT_DOUBLE
    assert c("SORT", "bad", "ALPHA") == [b"1", b"2", b"x"]
    c("RPUSH", "odd", "", " 5", "0x10", "inf", "-inf")
    assert c("SORT", "odd") == [b"-inf", b"", b" 5", b"0x10", b"inf"]
    c("RPUSH", "nan", "nan")
    assert c("SORT", "nan") == NOT_DOUBLE
    c("RPUSH", "huge", "1e400")
    assert c("SORT", "huge") == NOT_DOUBLE
    assert c("SORT", "nokey") == []
    assert c("SORT", "nokey", "LIMIT", "0", "1") == []


def test_sort_sets_and_zsets(raw):
    c = raw.command
    c("SADD", "ints", "5", "-1", "30", "2")
    assert c("SORT", "ints") == [b"-1", b"2", b"5", b"30"]
    assert c("SORT", "ints", "BY", "nosort") == [b"-1", b"2", b"5", b"30"]  # intset order
    assert c("SORT", "ints", "BY", "nosort", "DESC") == [b"-1", b"2", b"5", b"30"]
    c("SADD", "words", "pear", "apple", "fig", "banana")
    assert c("SORT", "words", "ALPHA") == [b"apple", b"banana", b"fig", b"pear"]
    assert c("SORT", "words") == NOT_DOUBLE
    c("ZADD", "z", "3", "c", "1", "a", "2", "b", "0", "10")
    assert c("OBJECT", "ENCODING", "z") == b"listpack"
    assert c("SORT", "z", "ALPHA") == [b"10", b"a", b"b", b"c"]
    assert c("OBJECT", "ENCODING", "z") == b"skiplist"  # 7.0 converts it
    assert c("SORT", "z", "BY", "nosort") == [b"10", b"a", b"b", b"c"]
    assert c("SORT", "z", "BY", "nosort", "DESC") == [b"c", b"b", b"a", b"10"]
    assert c("SORT", "z", "BY", "nosort", "LIMIT", "1", "2") == [b"a", b"b"]
    assert c("SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "5") == [b"b", b"a", b"10"]
    assert c("SORT", "z", "BY", "nosort", "LIMIT", "1", "0") == []
    c("RPUSH", "l", "a", "b", "c", "d")
    assert c("SORT", "l", "BY", "nosort") == [b"a", b"b", b"c", b"d"]
    assert c("SORT", "l", "BY", "nosort", "DESC") == [b"d", b"c", b"b", b"a"]
    assert c("SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2") == [b"c", b"b"]
    assert c("SORT", "l", "BY", "nosort", "LIMIT", "3", "10") == [b"d"]
    assert c("SORT", "l", "BY", "nosort", "LIMIT", "4", "10") == []


def test_sort_by_and_get_patterns(raw):
    c = raw.command
    c("RPUSH", "ids", "1", "2", "3", "4")
    c("MSET", "w_1", "40", "w_2", "10", "w_3", "30", "name_1", "one", "name_2", "two", "name_4", "four")
    c("HSET", "h_1", "age", "9", "nick", "uno")
    c("HSET", "h_2", "age", "7")
    c("HSET", "h_3", "age", "8", "nick", "tres")
    c("HSET", "h_4", "age", "11")
    assert c("SORT", "ids", "BY", "w_*") == [b"4", b"2", b"3", b"1"]  # missing weighs 0
    assert c("SORT", "ids", "BY", "w_*", "DESC") == [b"1", b"3", b"2", b"4"]
    assert c("SORT", "ids", "BY", "w_*", "ALPHA") == [b"4", b"2", b"3", b"1"]
    assert c("SORT", "ids", "BY", "h_*->age") == [b"2", b"3", b"1", b"4"]
    assert c("SORT", "ids", "BY", "h_*->age", "LIMIT", "1", "2") == [b"3", b"1"]
    assert c("SORT", "ids", "BY", "h_*->nick", "ALPHA", "LIMIT", "2", "2") == [b"3", b"1"]
    assert c("SORT", "ids", "BY", "w_*", "GET", "name_*", "GET", "#", "GET", "h_*->nick") == [
        b"four", b"4", None, b"two", b"2", None, None, b"3", b"tres", b"one", b"1", b"uno"]
    assert c("SORT", "ids", "GET", "nopattern", "GET", "h_*->") == [None] * 8
    assert c("SORT", "ids", "BY", "nosort", "GET", "name_*", "LIMIT", "0", "2") == [b"one", b"two"]
    # The pattern's key holds the wrong type: treated as missing.
    c("RPUSH", "w_4", "x")
    assert c("SORT", "ids", "BY", "w_*", "GET", "w_*") == [None, b"10", b"30", b"40"]
    c("SET", "w_2", "ten")
    assert c("SORT", "ids", "BY", "w_*") == NOT_DOUBLE
    assert c("SORT", "ids", "BY", "w_*", "ALPHA") == [b"4", b"3", b"1", b"2"]


def test_sort_store(raw):
    c = raw.command
    c("RPUSH", "l", "3", "1", "2")
    c("MSET", "n_1", "one", "n_3", "three")
    assert c("SORT", "l", "STORE", "dst") == 3
    assert c("LRANGE", "dst", "0", "-1") == [b"1", b"2", b"3"]
    assert c("SORT", "l", "GET", "#", "GET", "n_*", "STORE", "dst") == 6
    assert c("LRANGE", "dst", "0", "-1") == [b"1", b"one", b"2", b"", b"3", b"three"]
    c("EXPIRE", "dst", "100")
    assert c("SORT", "l", "DESC", "STORE", "dst") == 3
    assert c("TTL", "dst") == -1
    assert c("TYPE", "dst") == "list"
    assert c("SORT", "nokey", "STORE", "dst") == 0
    assert c("EXISTS", "dst") == 0
    assert c("SORT", "l", "LIMIT", "0", "0", "STORE", "dst") == 0
    c("SET", "str", "x")
    assert c("SORT", "l", "STORE", "str") == 3
    assert c("TYPE", "str") == "list"
    c("RPUSH", "bad", "x")
    assert c("SORT", "bad", "STORE", "dst2") == NOT_DOUBLE
    assert c("EXISTS", "dst2") == 0
    # An unordered set stored BY a constant is sorted ALPHA instead.
    c("SADD", "s", "b", "c", "a")
    assert c("SORT", "s", "BY", "nosort", "STORE", "dst") == 3
    assert c("LRANGE", "dst", "0", "-1") == [b"a", b"b", b"c"]


def test_sort_errors(raw):
    c = raw.command
    c("RPUSH", "l", "1")
    c("SET", "str", "x")
    c("HSET", "h", "f", "v")
    assert c("SORT", "str") == WRONGTYPE
    assert c("SORT", "h") == WRONGTYPE
    assert c("SORT", "l", "foo") == SYNTAX
    assert c("SORT", "l", "LIMIT", "0") == SYNTAX
    assert c("SORT", "l", "LIMIT", "x", "1") == NOT_INT
    assert c("SORT", "l", "LIMIT", "0", "1.5") == NOT_INT
    assert c("SORT", "l", "BY") == SYNTAX
    assert c("SORT", "l", "GET") == SYNTAX
    assert c("SORT", "l", "STORE") == SYNTAX
    assert c("SORT", "str", "foo") == SYNTAX  # options before the key
    assert c("SORT_RO", "l", "STORE", "d") == SYNTAX
    assert c("SORT_RO", "l", "DESC", "LIMIT", "0", "1", "GET", "#") == [b"1"]
    assert c("SORT_RO", "str") == WRONGTYPE
    assert c("SORT") == RespError("ERR wrong number of arguments for 'sort' command")


def test_lcs(raw):
    c = raw.command
    c("MSET", "a", "ohmytext", "b", "mynewtext")
    assert c("LCS", "a", "b") == b"mytext"
    assert c("LCS", "a", "b", "LEN") == 6
    assert c("LCS", "a", "b", "IDX") == [
        b"matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], b"len", 6]
    assert c("LCS", "a", "b", "IDX", "MINMATCHLEN", "4") == [b"matches", [[[4, 7], [5, 8]]], b"len", 6]
    assert c("LCS", "a", "b", "IDX", "MINMATCHLEN", "-4", "WITHMATCHLEN") == [
        b"matches", [[[4, 7], [5, 8], 4], [[2, 3], [0, 1], 2]], b"len", 6]
    assert c("LCS", "a", "nokey") == b""
    assert c("LCS", "nokey", "nokey2", "IDX") == [b"matches", [], b"len", 0]
    c("SET", "n", "12345")
    c("SET", "m", "2x4")
    assert c("LCS", "n", "m", "idx", "withmatchlen") == [
        b"matches", [[[3, 3], [2, 2], 1], [[1, 1], [0, 0], 1]], b"len", 2]
    c("SET", "x", "abcabcabc")
    c("SET", "y", "cbacba")
    assert c("LCS", "x", "y") == c("LCS", "x", "y")
    assert c("LCS", "x", "y", "LEN") == 4


def test_lcs_errors(raw):
    c = raw.command
    c("SET", "a", "x")
    c("RPUSH", "l", "x")
    assert c("LCS", "a", "l") == RespError("ERR The specified keys must contain string values")
    assert c("LCS", "l", "a", "foo") == RespError("ERR The specified keys must contain string values")
    assert c("LCS", "a", "a", "foo") == SYNTAX
    assert c("LCS", "a", "a", "MINMATCHLEN") == SYNTAX
    assert c("LCS", "a", "a", "MINMATCHLEN", "x") == NOT_INT
    assert c("LCS", "a", "a", "LEN", "IDX") == RespError(
        "ERR If you want both the length and indexes, please just use IDX.")
    assert c("LCS", "a") == RespError("ERR wrong number of arguments for 'lcs' command")


def test_lcs_table_is_bounded_by_proto_max_bulk_len(server_factory):
    srv = server_factory(extra_args=["--proto-max-bulk-len", "1mb"])
    with srv.raw() as c:
        c.command("SET", "a", "x" * 600)
        c.command("SET", "b", "y" * 600)
        assert c.command("LCS", "a", "b") == RespError(
            "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
        c.command("SET", "b", "x" * 400)
        assert c.command("LCS", "a", "b", "LEN") == 400


# ------------------------------------------------------- side by side

def seed(c):
    c.command("RPUSH", "l", *[str((i * 7919) % 103 - 50) for i in range(60)])
    c.command("RPUSH", "w", *[f"w{i % 13}" for i in range(40)])
    c.command("SADD", "s", *[str(i * 3) for i in range(30)])
    c.command("ZADD", "z", *sum(([str(i % 7), f"m{i}"] for i in range(50)), []))
    for i in range(13):
        c.command("SET", f"weight_w{i}", str((i * 5) % 11))
        c.command("HSET", f"obj_w{i}", "rank", str(13 - i), "label", f"L{(i * 3) % 13:02d}")
    c.command("MSET", "x", "GATTACAGATTACA", "y", "TAGACATTAG")


SIDE_BY_SIDE = [
    ("SORT", k, *opts) for k in ("l", "w", "s", "z")
    for opts in [(), ("ALPHA",), ("DESC",), ("ALPHA", "DESC", "LIMIT", "3", "7"), ("LIMIT", "-1", "4"),
                 ("BY", "nosort"), ("BY", "nosort", "DESC", "LIMIT", "2", "5"), ("BY", "weight_*"),
                 ("BY", "weight_*", "GET", "#", "GET", "obj_*->label"), ("BY", "obj_*->rank", "DESC"),
                 ("BY", "obj_*->label", "ALPHA", "LIMIT", "0", "5", "GET", "obj_*->rank"),
                 ("GET", "weight_*", "LIMIT", "10", "3", "ALPHA")]
] + [
    ("SORT", "w", "BY", "weight_*", "STORE", "out"), ("LRANGE", "out", "0", "-1"),
    ("SORT", "s", "BY", "nosort", "STORE", "out"), ("LRANGE", "out", "0", "-1"),
    ("SORT_RO", "z", "BY", "nosort", "DESC"),
    ("LCS", "x", "y"), ("LCS", "x", "y", "IDX"), ("LCS", "y", "x", "IDX", "WITHMATCHLEN", "MINMATCHLEN", "2"),
    ("LCS", "x", "x", "IDX"),
]


def test_replies_match_the_oracle(server, oracle_factory):
    oracle = oracle_factory()
    mismatches = []
    with server.raw() as ours, oracle.raw() as theirs:
        seed(ours)
        seed(theirs)
        for cmd in SIDE_BY_SIDE:
            a, b = ours.command(*cmd), theirs.command(*cmd)
            if a != b:
                mismatches.append((cmd, a, b))
    assert not mismatches, mismatches[:10]


# --------------------------------------------------------- propagation

def incr_aof(srv):
    files = sorted(Path(srv.dir, "appendonlydir").glob("*.incr.aof"))
    return files[0].read_bytes() if len(files) == 1 else b""


SCENARIO = [
    ("RPUSH", "l", "2", "1"),
    ("SORT", "l"),                              # no STORE: not propagated
    ("SORT", "l", "STORE", "d"),
    ("SORT", "nokey", "STORE", "e"),            # nothing to delete: not propagated
    ("SORT", "nokey", "STORE", "d"),            # deletes d
    ("SORT_RO", "l"),
    ("LCS", "l", "l"),
    ("SET", "end", "1"),
]


def test_propagated_forms(server_factory, oracle_factory, target):
    args = ["--appendonly", "yes", "--appendfsync", "always"]
    srv = server_factory(extra_args=args)
    with srv.raw() as c:
        ours = [c.command(*cmd) for cmd in SCENARIO]
    wait_for(lambda: incr_aof(srv).endswith(encode_command("SET", "end", "1")), 10, "the AOF to be written")
    expected = b"".join(encode_command(*cmd) for cmd in [
        ("SELECT", "0"), ("RPUSH", "l", "2", "1"), ("SORT", "l", "STORE", "d"),
        ("SORT", "nokey", "STORE", "d"), ("SET", "end", "1")])
    assert incr_aof(srv) == expected
    if target != "redis":
        oracle = oracle_factory(extra_args=args)
        with oracle.raw() as c:
            assert [c.command(*cmd) for cmd in SCENARIO] == ours
