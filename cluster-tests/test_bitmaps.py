"""Bitmap commands (SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO):
replies, error texts and propagated forms exactly as redis-server 7.0.15.

Each test runs on both servers with the same expectations; the table-driven
tests also run every command on a private redis-server and compare replies
one by one.
"""

from pathlib import Path

import pytest

from harness import RespError, encode_command, wait_for

SYNTAX = RespError("ERR syntax error")
NOT_INT = RespError("ERR value is not an integer or out of range")
BAD_OFFSET = RespError("ERR bit offset is not an integer or out of range")
BAD_BIT = RespError("ERR bit is not an integer or out of range")
BAD_TYPE = RespError("ERR Invalid bitfield type. Use something like i16 u8. "
                     "Note that u64 is not supported but i64 is.")
WRONGTYPE = RespError("WRONGTYPE Operation against a key holding the wrong kind of value")


def test_setbit_getbit(raw):
    assert raw.command("SETBIT", "b", "7", "1") == 0
    assert raw.command("GET", "b") == b"\x01"
    assert raw.command("SETBIT", "b", "7", "1") == 1
    assert raw.command("SETBIT", "b", "0", "1") == 0
    assert raw.command("GET", "b") == b"\x81"
    assert raw.command("SETBIT", "b", "20", "0") == 0
    assert raw.command("GET", "b") == b"\x81\x00\x00"
    assert raw.command("GETBIT", "b", "0") == 1
    assert raw.command("GETBIT", "b", "1") == 0
    assert raw.command("GETBIT", "b", "7") == 1
    assert raw.command("GETBIT", "b", "100000") == 0
    assert raw.command("GETBIT", "nokey", "5") == 0
    assert raw.command("OBJECT", "ENCODING", "b") == b"raw"
    # An integer-encoded string is read as its digits.
    raw.command("SET", "n", "1")  # "1" = 0x31
    assert [raw.command("GETBIT", "n", str(i)) for i in range(8)] == [0, 0, 1, 1, 0, 0, 0, 1]
    assert raw.command("SETBIT", "n", "6", "1") == 0
    assert raw.command("GET", "n") == b"3"


def test_setbit_getbit_errors(raw):
    assert raw.command("SETBIT", "b", "7", "2") == BAD_BIT
    assert raw.command("SETBIT", "b", "7", "x") == BAD_BIT
    assert raw.command("SETBIT", "b", "-1", "1") == BAD_OFFSET
    assert raw.command("SETBIT", "b", "x", "2") == BAD_OFFSET  # the offset is checked first
    assert raw.command("SETBIT", "b", "4294967296", "1") == BAD_OFFSET
    assert raw.command("GETBIT", "b", "4294967296") == BAD_OFFSET
    assert raw.command("GETBIT", "b", "-1") == BAD_OFFSET
    assert raw.command("EXISTS", "b") == 0
    raw.command("RPUSH", "l", "a")
    assert raw.command("SETBIT", "l", "0", "1") == WRONGTYPE
    assert raw.command("GETBIT", "l", "0") == WRONGTYPE
    assert raw.command("SETBIT", "l", "x", "1") == BAD_OFFSET
    assert raw.command("SETBIT") == RespError("ERR wrong number of arguments for 'setbit' command")


def test_setbit_at_the_last_offset_respects_proto_max_bulk_len(server_factory):
    srv = server_factory(extra_args=["--proto-max-bulk-len", "1mb"])
    with srv.raw() as c:
        assert c.command("SETBIT", "b", str(8 * 1024 * 1024 - 1), "1") == 0
        assert c.command("STRLEN", "b") == 1024 * 1024
        assert c.command("SETBIT", "b", str(8 * 1024 * 1024), "1") == BAD_OFFSET
        assert c.command("BITFIELD", "b", "GET", "u8", "#1048576") == BAD_OFFSET
        assert c.command("BITFIELD", "b", "GET", "u8", "#1048575") == [1]


def test_bitcount(raw):
    raw.command("SET", "s", "foobar")
    assert raw.command("BITCOUNT", "s") == 26
    assert raw.command("BITCOUNT", "s", "0", "0") == 4
    assert raw.command("BITCOUNT", "s", "1", "1") == 6
    assert raw.command("BITCOUNT", "s", "1", "1", "BYTE") == 6
    assert raw.command("BITCOUNT", "s", "5", "30", "BIT") == 17
    assert raw.command("BITCOUNT", "s", "-3", "-1", "bit") == 1
    assert raw.command("BITCOUNT", "s", "2", "1") == 0
    assert raw.command("BITCOUNT", "s", "-100", "-50") == 4
    assert raw.command("BITCOUNT", "s", "-1", "-5", "foo") == 0  # empty before the unit is read
    assert raw.command("BITCOUNT", "s", "0", "-1", "bit") == 26
    assert raw.command("BITCOUNT", "s", "3", "3", "bit") == 0
    assert raw.command("BITCOUNT", "s", "1", "6", "bit") == 4
    assert raw.command("BITCOUNT", "s", "0", "1000") == 26
    big = bytes(range(256)) * 9
    raw.command("SET", "big", big)
    assert raw.command("BITCOUNT", "big") == sum(bin(b).count("1") for b in big)
    assert raw.command("BITCOUNT", "big", "3", "2000") == sum(bin(b).count("1") for b in big[3:2001])
    raw.command("SET", "empty", "")
    assert raw.command("BITCOUNT", "empty") == 0
    assert raw.command("BITCOUNT", "empty", "0", "-1") == 0


def test_bitcount_errors(raw):
    raw.command("SET", "s", "foobar")
    assert raw.command("BITCOUNT", "s", "0") == SYNTAX
    assert raw.command("BITCOUNT", "s", "0", "1", "2") == SYNTAX
    assert raw.command("BITCOUNT", "s", "0", "1", "bit", "x") == SYNTAX
    assert raw.command("BITCOUNT", "s", "a", "b") == NOT_INT
    assert raw.command("BITCOUNT", "s", "0", "-1", "foo") == SYNTAX
    # A missing key answers 0 before the range is looked at.
    assert raw.command("BITCOUNT", "nokey", "0") == 0
    assert raw.command("BITCOUNT", "nokey", "0", "x") == 0
    assert raw.command("BITCOUNT", "nokey", "0", "-1", "foo") == 0
    raw.command("RPUSH", "l", "a")
    assert raw.command("BITCOUNT", "l") == WRONGTYPE
    assert raw.command("BITCOUNT", "l", "x", "y") == WRONGTYPE


def test_bitpos(raw):
    raw.command("SET", "s", "foobar")
    assert raw.command("BITPOS", "s", "1") == 1
    assert raw.command("BITPOS", "s", "0") == 0
    assert raw.command("BITPOS", "s", "0", "1", "1") == 8
    assert raw.command("BITPOS", "s", "1", "-1", "-1", "bit") == -1
    assert raw.command("BITPOS", "s", "1", "2") == 17
    assert raw.command("BITPOS", "s", "0", "-1") == 40
    assert raw.command("BITPOS", "s", "1", "7", "15", "BIT") == 9
    assert raw.command("BITPOS", "s", "1", "0", "-1", "BYTE") == 1
    assert raw.command("BITPOS", "s", "1", "3", "2") == -1
    raw.command("SET", "ff", b"\xff\xff")
    assert raw.command("BITPOS", "ff", "0") == 16  # past the end: zeros
    assert raw.command("BITPOS", "ff", "0", "0") == 16
    assert raw.command("BITPOS", "ff", "0", "1") == 16
    assert raw.command("BITPOS", "ff", "0", "1", "bit") == NOT_INT
    assert raw.command("BITPOS", "ff", "0", "0", "-1") == -1  # an explicit end
    assert raw.command("BITPOS", "ff", "0", "0", "1", "bit") == -1
    assert raw.command("BITPOS", "ff", "0", "5", "6", "bit") == -1
    assert raw.command("BITPOS", "nokey", "0") == 0
    assert raw.command("BITPOS", "nokey", "1") == -1
    assert raw.command("BITPOS", "nokey", "1", "0", "x") == -1
    raw.command("SET", "zeros", b"\x00" * 100 + b"\x10" + b"\x00" * 50)
    assert raw.command("BITPOS", "zeros", "1") == 803
    assert raw.command("BITPOS", "zeros", "1", "101") == -1
    assert raw.command("BITPOS", "zeros", "0", "100", "100") == 800
    raw.command("SET", "ones", b"\xff" * 100 + b"\xfe" + b"\xff" * 50)
    assert raw.command("BITPOS", "ones", "0") == 807
    assert raw.command("BITPOS", "ones", "0", "101") == 151 * 8
    assert raw.command("BITPOS", "ones", "0", "101", "-1") == -1
    raw.command("SET", "empty", "")
    assert raw.command("BITPOS", "empty", "0") == -1
    assert raw.command("BITPOS", "empty", "1") == -1


def test_bitpos_errors(raw):
    raw.command("SET", "s", "foobar")
    assert raw.command("BITPOS", "s", "2") == RespError("ERR The bit argument must be 1 or 0.")
    assert raw.command("BITPOS", "nokey", "2") == RespError("ERR The bit argument must be 1 or 0.")
    assert raw.command("BITPOS", "s", "x") == NOT_INT
    assert raw.command("BITPOS", "s", "1", "x") == NOT_INT
    assert raw.command("BITPOS", "s", "1", "0", "x") == NOT_INT
    assert raw.command("BITPOS", "s", "1", "0", "-1", "foo") == SYNTAX
    assert raw.command("BITPOS", "s", "1", "0", "-1", "bit", "x") == SYNTAX
    raw.command("RPUSH", "l", "a")
    assert raw.command("BITPOS", "l", "1") == WRONGTYPE


def test_bitop(raw):
    raw.command("SET", "a", b"\xf0\x0f\xaa")
    raw.command("SET", "b", b"\xff\x01")
    assert raw.command("BITOP", "AND", "d", "a", "b") == 3
    assert raw.command("GET", "d") == b"\xf0\x01\x00"
    assert raw.command("BITOP", "or", "d", "a", "b") == 3
    assert raw.command("GET", "d") == b"\xff\x0f\xaa"
    assert raw.command("BITOP", "Xor", "d", "a", "b") == 3
    assert raw.command("GET", "d") == b"\x0f\x0e\xaa"
    assert raw.command("BITOP", "NOT", "d", "b") == 2
    assert raw.command("GET", "d") == b"\x00\xfe"
    assert raw.command("BITOP", "AND", "d", "a", "nokey") == 3
    assert raw.command("GET", "d") == b"\x00\x00\x00"
    assert raw.command("BITOP", "OR", "d", "a") == 3
    assert raw.command("GET", "d") == b"\xf0\x0f\xaa"
    assert raw.command("OBJECT", "ENCODING", "d") == b"raw"
    # The destination may be a source; its TTL goes.
    raw.command("EXPIRE", "d", "100")
    assert raw.command("BITOP", "XOR", "d", "d", "a") == 3
    assert raw.command("GET", "d") == b"\x00\x00\x00"
    assert raw.command("TTL", "d") == -1
    # Empty inputs delete the destination.
    assert raw.command("BITOP", "OR", "d", "nokey", "nokey2") == 0
    assert raw.command("EXISTS", "d") == 0
    raw.command("SET", "n", "12")
    assert raw.command("BITOP", "NOT", "d", "n") == 2
    assert raw.command("GET", "d") == b"\xce\xcd"


def test_bitop_errors(raw):
    raw.command("SET", "a", "x")
    assert raw.command("BITOP", "foo", "d", "a") == SYNTAX
    assert raw.command("BITOP", "NOT", "d", "a", "a") == RespError(
        "ERR BITOP NOT must be called with a single source key.")
    assert raw.command("BITOP", "NOT", "d") == RespError("ERR wrong number of arguments for 'bitop' command")
    raw.command("RPUSH", "l", "a")
    assert raw.command("BITOP", "AND", "d", "a", "l") == WRONGTYPE
    assert raw.command("BITOP", "AND", "l", "a") == 1  # a list destination is replaced
    assert raw.command("TYPE", "l") == "string"


def test_bitfield_get_set_incrby(raw):
    assert raw.command("BITFIELD", "k", "SET", "u8", "0", "255", "GET", "u8", "0") == [0, 255]
    assert raw.command("BITFIELD", "k", "INCRBY", "u8", "0", "10") == [9]
    assert raw.command("BITFIELD", "k", "GET", "i8", "0", "GET", "u4", "0", "GET", "i4", "4") == [9, 0, -7]
    assert raw.command("BITFIELD", "k", "SET", "i16", "#1", "-2") == [0]
    assert raw.command("GET", "k") == b"\x09\x00\xff\xfe"
    assert raw.command("BITFIELD", "k", "GET", "u16", "#1", "GET", "i5", "3", "GET", "i5", "20") == [65534, 9, -1]
    value = b"\x09\x00\xff\xfe\x00\x00\x00\x00"
    assert raw.command("BITFIELD", "k", "GET", "i64", "0", "GET", "u63", "1") == [
        int.from_bytes(value, "big", signed=True), int.from_bytes(value, "big") & ((1 << 63) - 1)]
    assert raw.command("BITFIELD", "k", "SET", "i64", "100", "-9223372036854775808") == [0]
    assert raw.command("BITFIELD", "k", "GET", "i64", "100") == [-9223372036854775808]
    assert raw.command("BITFIELD", "k", "INCRBY", "i64", "100", "-1") == [9223372036854775807]
    assert raw.command("BITFIELD", "k", "SET", "u63", "200", "9223372036854775807") == [0]
    assert raw.command("BITFIELD", "k", "INCRBY", "u63", "200", "1") == [0]
    # Only GETs: nothing is created, no array for no operation.
    assert raw.command("BITFIELD", "nokey", "GET", "u8", "0") == [0]
    assert raw.command("BITFIELD", "nokey") == []
    assert raw.command("BITFIELD_RO", "nokey") == []
    assert raw.command("EXISTS", "nokey") == 0
    assert raw.command("BITFIELD_RO", "k", "GET", "u8", "0", "GET", "u4", "#5") == [9, 15]
    assert raw.command("BITFIELD_RO", "k", "OVERFLOW", "sat", "GET", "u8", "0") == [9]


def test_bitfield_overflow(raw):
    c = raw.command
    assert c("BITFIELD", "k", "SET", "u8", "0", "300") == [0]  # WRAP is the default
    assert c("BITFIELD", "k", "GET", "u8", "0") == [44]
    assert c("BITFIELD", "k", "OVERFLOW", "SAT", "SET", "u8", "0", "300", "GET", "u8", "0") == [44, 255]
    assert c("BITFIELD", "k", "OVERFLOW", "SAT", "SET", "u8", "0", "-1", "GET", "u8", "0") == [255, 255]
    assert c("BITFIELD", "k", "OVERFLOW", "WRAP", "SET", "u8", "0", "-1", "GET", "u8", "0") == [255, 255]
    assert c("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1", "GET", "u8", "0") == [None, 255]
    assert c("BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "-300") == [0]
    assert c("BITFIELD", "k", "INCRBY", "u8", "0", "-1") == [255]
    assert c("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "-256") == [None]
    assert c("BITFIELD", "k", "INCRBY", "i8", "0", "1", "INCRBY", "i8", "0", "127") == [0, 127]
    assert c("BITFIELD", "k", "INCRBY", "i8", "0", "1") == [-128]
    assert c("BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "-1") == [-128]
    assert c("BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "1000", "INCRBY", "i8", "0", "1") == [127, 127]
    assert c("BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "i8", "0", "128", "SET", "i8", "0", "-128") == [None, 127]
    assert c("BITFIELD", "k", "OVERFLOW", "WRAP", "SET", "i8", "0", "200", "GET", "i8", "0") == [-128, -56]
    assert c("BITFIELD", "k", "SET", "i64", "8", "9223372036854775807",
             "OVERFLOW", "SAT", "INCRBY", "i64", "8", "5",
             "OVERFLOW", "WRAP", "INCRBY", "i64", "8", "1",
             "OVERFLOW", "FAIL", "INCRBY", "i64", "8", "-1") == [0, 9223372036854775807, -9223372036854775808, None]
    assert c("BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i3", "20", "-100", "GET", "i3", "20") == [-4, -4]
    assert c("BITFIELD", "k", "OVERFLOW", "WRAP", "INCRBY", "u2", "30", "7") == [3]
    assert c("BITFIELD", "k", "SET", "u1", "0", "2", "GET", "u1", "0") == [1, 0]


def test_bitfield_errors(raw):
    c = raw.command
    c("SET", "k", "x")
    assert c("BITFIELD", "k", "GET", "u64", "0") == BAD_TYPE
    assert c("BITFIELD", "k", "GET", "i65", "0") == BAD_TYPE
    assert c("BITFIELD", "k", "GET", "i0", "0") == BAD_TYPE
    assert c("BITFIELD", "k", "GET", "x8", "0") == BAD_TYPE
    assert c("BITFIELD", "k", "GET", "u", "0") == BAD_TYPE
    assert c("BITFIELD", "k", "GET", "u99", "x") == BAD_TYPE  # the type is checked first
    assert c("BITFIELD", "k", "GET", "u8", "-1") == BAD_OFFSET
    assert c("BITFIELD", "k", "GET", "u8", "4294967296") == BAD_OFFSET
    assert c("BITFIELD", "k", "GET", "u8", "4294967295") == [0]
    assert c("BITFIELD", "k", "GET", "i64", "#67108863") == [0]
    assert c("BITFIELD", "k", "GET", "i64", "#67108864") == BAD_OFFSET
    assert c("BITFIELD", "k", "GET", "i8", "#-1") == BAD_OFFSET
    # Redis multiplies "#N" by the width with 64-bit wrap-around.
    assert c("BITFIELD", "k", "GET", "i8", "#-9223372036854775808") == [120]
    assert c("BITFIELD", "k", "GET", "i8", "#2305843009213693952") == [120]
    assert c("BITFIELD", "k", "GET", "i8", "#x") == BAD_OFFSET
    assert c("BITFIELD", "k", "GET", "i8", "#") == BAD_OFFSET
    assert c("BITFIELD", "k", "SET", "u8", "0", "x") == NOT_INT
    assert c("BITFIELD", "k", "INCRBY", "u8", "0", "1.5") == NOT_INT
    assert c("BITFIELD", "k", "OVERFLOW", "foo") == RespError("ERR Invalid OVERFLOW type specified")
    assert c("BITFIELD", "k", "OVERFLOW") == SYNTAX
    assert c("BITFIELD", "k", "foo") == SYNTAX
    assert c("BITFIELD", "k", "GET", "u8") == SYNTAX
    assert c("BITFIELD", "k", "SET", "u8", "0") == SYNTAX
    assert c("BITFIELD", "k", "GET", "u8", "0", "bar") == SYNTAX
    assert c("BITFIELD_RO", "k", "SET", "u8", "0", "1") == RespError(
        "ERR BITFIELD_RO only supports the GET subcommand")
    assert c("BITFIELD_RO", "k", "SET", "u99", "0", "1") == BAD_TYPE
    assert c("BITFIELD_RO", "k", "INCRBY", "u8", "0", "1") == RespError(
        "ERR BITFIELD_RO only supports the GET subcommand")
    assert c("GET", "k") == b"x"
    c("RPUSH", "l", "a")
    assert c("BITFIELD", "l", "GET", "u8", "0") == WRONGTYPE
    assert c("BITFIELD", "l", "SET", "u8", "0", "1") == WRONGTYPE
    assert c("BITFIELD_RO", "l", "GET", "u8", "0") == WRONGTYPE
    assert c("BITFIELD_RO", "nokey", "GET", "u8", "0") == [0]


def test_bitfield_fail_still_creates_the_key(raw):
    # Redis 7.0 makes room before it runs the operations.
    assert raw.command("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u8", "8", "300") == [None]
    assert raw.command("GET", "k") == b"\x00\x00"


# --------------------------------------------------------- propagation


def incr_aof(srv):
    files = sorted(Path(srv.dir, "appendonlydir").glob("*.incr.aof"))
    return files[0].read_bytes() if len(files) == 1 else b""


AOF_SCENARIO = [
    ("SETBIT", "b", "7", "1"),
    ("SETBIT", "b", "7", "1"),      # no change: not propagated
    ("SETBIT", "b", "3", "0"),      # no change either
    ("SETBIT", "b", "20", "0"),     # grows the string: propagated
    ("SETBIT", "b", "x", "1"),
    ("GETBIT", "b", "7"),
    ("BITCOUNT", "b"),
    ("BITOP", "NOT", "d", "b"),
    ("BITOP", "AND", "e", "nokey"),  # nothing to delete: not propagated
    ("BITOP", "AND", "d", "nokey"),  # deletes d
    ("BITFIELD", "f", "GET", "u8", "0"),
    ("BITFIELD", "f", "SET", "u8", "0", "5", "GET", "u8", "0"),
    ("BITFIELD", "f", "SET", "u8", "0", "5"),  # same value: not propagated
    ("BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1000"),
    ("BITFIELD", "f", "INCRBY", "u4", "4", "1"),
    ("BITFIELD_RO", "f", "GET", "u8", "0"),
    ("SET", "end", "1"),
]


def run_scenario(srv):
    with srv.raw() as c:
        replies = [c.command(*cmd) for cmd in AOF_SCENARIO]
    return replies


def test_propagated_forms_match_the_oracle(server_factory, oracle_factory, target):
    args = ["--appendonly", "yes", "--appendfsync", "always"]
    srv = server_factory(extra_args=args)
    ours = run_scenario(srv)
    expected = (encode_command("SELECT", "0") + encode_command("SETBIT", "b", "7", "1") +
                encode_command("SETBIT", "b", "20", "0") + encode_command("BITOP", "NOT", "d", "b") +
                encode_command("BITOP", "AND", "d", "nokey") +
                encode_command("BITFIELD", "f", "SET", "u8", "0", "5", "GET", "u8", "0") +
                encode_command("BITFIELD", "f", "INCRBY", "u4", "4", "1") +
                encode_command("SET", "end", "1"))
    wait_for(lambda: incr_aof(srv).endswith(encode_command("SET", "end", "1")), 10, "the AOF to be written")
    assert incr_aof(srv) == expected
    if target != "redis":
        oracle = oracle_factory(extra_args=args)
        assert run_scenario(oracle) == ours


# --------------------------------------------------------- side by side

SIDE_BY_SIDE = [
    ("SET", "s", "foobar"), ("SET", "n", "-123"), ("SETBIT", "z", "1000", "1"),
    ("SET", "ff", b"\xff" * 40 + b"\x7f" + b"\xff" * 3),
] + [("BITCOUNT", "s", str(a), str(b), u) for a in (-7, -1, 0, 3, 9) for b in (-9, -2, 0, 5, 40)
     for u in ("BYTE", "BIT")] + [
    ("BITPOS", k, str(bit), str(a), str(b), u) for k in ("s", "z", "ff", "n") for bit in (0, 1)
    for a in (-9, 0, 2, 121) for b in (-1, 3, 126) for u in ("BYTE", "BIT")] + [
    ("BITPOS", k, str(bit), str(a)) for k in ("s", "z", "ff") for bit in (0, 1) for a in (-3, 0, 7, 1000)] + [
    ("BITFIELD", "bf", "OVERFLOW", ow, op, t, str(off), str(v), "GET", t, str(off))
    for ow in ("WRAP", "SAT", "FAIL") for op in ("SET", "INCRBY") for t in ("i5", "u5", "i63", "u63", "i64")
    for off in (0, 3, "#2") for v in (-40, -1, 17, 9223372036854775807, -9223372036854775808)] + [
    ("GET", "bf"),
    ("BITOP", "XOR", "x", "s", "z", "ff", "n"), ("GET", "x"),
]


def test_replies_match_the_oracle(server, oracle_factory):
    oracle = oracle_factory()
    mismatches = []
    with server.raw() as ours, oracle.raw() as theirs:
        for cmd in SIDE_BY_SIDE:
            a, b = ours.command(*cmd), theirs.command(*cmd)
            if a != b:
                mismatches.append((cmd, a, b))
    assert not mismatches, mismatches[:10]
