"""HyperLogLog (PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST) as redis-server
7.0.15: replies, error texts, propagated forms, and the values themselves,
byte for byte (a value written by one server is read by the other).
"""

from pathlib import Path

import pytest

from harness import RespError, encode_command, wait_for

WRONGTYPE = RespError("WRONGTYPE Operation against a key holding the wrong kind of value")
NOT_HLL = RespError("WRONGTYPE Key is not a valid HyperLogLog string value.")
CORRUPT = RespError("INVALIDOBJ Corrupted HLL object detected")

EMPTY = b"HYLL\x01" + b"\x00" * 11 + b"\x7f\xff"
ABC = b"HYLL\x01" + b"\x00" * 10 + b"\x80`\xf3\x80P\xb1\x84K\xfb\x80BZ"


def test_pfadd_pfcount_basics(raw):
    assert raw.command("PFADD", "h") == 1  # creates the key
    assert raw.command("GET", "h") == EMPTY[:15] + b"\x80" + EMPTY[16:]
    assert raw.command("PFADD", "h") == 0
    assert raw.command("PFCOUNT", "h") == 0
    assert raw.command("GET", "h") == EMPTY  # the cache is valid again
    assert raw.command("PFADD", "h", "a", "b", "c") == 1
    assert raw.command("GET", "h") == ABC
    assert raw.command("PFADD", "h", "a", "b") == 0
    assert raw.command("PFCOUNT", "h") == 3
    assert raw.command("GET", "h") == ABC[:8] + b"\x03" + b"\x00" * 7 + ABC[16:]
    assert raw.command("PFCOUNT", "nokey") == 0
    assert raw.command("PFCOUNT", "h", "nokey") == 3
    assert raw.command("TYPE", "h") == "string"
    assert raw.command("PFDEBUG", "ENCODING", "h") == "sparse"
    assert raw.command("PFDEBUG", "DECODE", "h") == b"Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"


def test_counts_are_close_and_the_same_on_both(raw):
    for start in range(0, 20000, 1000):
        raw.command("PFADD", "h", *[f"e{i}" for i in range(start, start + 1000)])
    n = raw.command("PFCOUNT", "h")
    assert abs(n - 20000) < 20000 * 0.03
    assert raw.command("PFDEBUG", "ENCODING", "h") == "dense"
    assert len(raw.command("GET", "h")) == 12304


def test_pfmerge(raw):
    raw.command("PFADD", "a", *[f"x{i}" for i in range(100)])
    raw.command("PFADD", "b", *[f"x{i}" for i in range(50, 200)])
    assert raw.command("PFMERGE", "d", "a", "b") == "OK"
    n = raw.command("PFCOUNT", "d")
    assert abs(n - 200) <= 6
    assert raw.command("PFCOUNT", "a", "b") == n
    assert raw.command("PFDEBUG", "ENCODING", "d") == "sparse"
    assert raw.command("PFMERGE", "e") == "OK"  # creates an empty one
    assert raw.command("PFCOUNT", "e") == 0
    assert raw.command("PFMERGE", "a", "nokey") == "OK"
    # A dense source makes the result dense.
    raw.command("PFADD", "big", *[f"y{i}" for i in range(3000)])
    assert raw.command("PFDEBUG", "ENCODING", "big") == "dense"
    assert raw.command("PFMERGE", "d2", "a", "big") == "OK"
    assert raw.command("PFDEBUG", "ENCODING", "d2") == "dense"


def test_wrong_type_and_corrupt_values(raw):
    raw.command("RPUSH", "l", "a")
    raw.command("SET", "s", "not an hll at all")
    raw.command("SET", "i", "12")
    for key in ("s", "i"):
        assert raw.command("PFADD", key, "a") == NOT_HLL
        assert raw.command("PFCOUNT", key) == NOT_HLL
        assert raw.command("PFCOUNT", "nokey", key) == NOT_HLL
        assert raw.command("PFMERGE", "d", key) == NOT_HLL
        assert raw.command("PFDEBUG", "GETREG", key) == NOT_HLL
    assert raw.command("PFADD", "l", "a") == WRONGTYPE
    assert raw.command("PFCOUNT", "l") == WRONGTYPE
    assert raw.command("PFMERGE", "l") == WRONGTYPE
    assert raw.command("PFMERGE", "d", "l") == WRONGTYPE
    # A dense header of the wrong size, an unknown encoding.
    raw.command("SET", "bad", b"HYLL\x00" + b"\x00" * 20)
    assert raw.command("PFCOUNT", "bad") == NOT_HLL
    raw.command("SET", "bad", b"HYLL\x02" + b"\x00" * 20)
    assert raw.command("PFCOUNT", "bad") == NOT_HLL
    # Sparse opcodes that do not cover every register.
    raw.command("SET", "bad", b"HYLL\x01" + b"\x00" * 10 + b"\x80\x7f\x00")
    assert raw.command("PFCOUNT", "bad") == CORRUPT
    assert raw.command("PFCOUNT", "bad", "nokey") == CORRUPT
    assert raw.command("PFMERGE", "d", "bad") == CORRUPT
    assert raw.command("PFDEBUG", "TODENSE", "bad") == CORRUPT
    assert raw.command("PFADD", "bad", "a", "b", "c") == 1  # their registers are covered
    raw.command("SET", "bad2", b"HYLL\x01" + b"\x00" * 10 + b"\x80\x40\x00")
    assert raw.command("PFADD", "bad2", "a") == CORRUPT
    # A valid cached cardinality is returned without looking further.
    raw.command("SET", "cached", b"HYLL\x01\x00\x00\x00\x07" + b"\x00" * 7 + b"\x7f")
    assert raw.command("PFCOUNT", "cached") == 7


def test_pfdebug(raw):
    assert raw.command("PFDEBUG", "GETREG", "nokey") == RespError("ERR The specified key does not exist")
    raw.command("PFADD", "h", "a", "b", "c")
    assert raw.command("PFDEBUG", "foo", "h") == RespError("ERR Unknown PFDEBUG subcommand 'foo'")
    assert raw.command("PFDEBUG", "DECODE", "h") == b"Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"
    regs = raw.command("PFDEBUG", "GETREG", "h")  # turns it dense
    assert len(regs) == 16384 and sorted(regs)[-3:] == [1, 1, 2]
    assert regs[8436] == 1 and regs[8437 + 4274] == 2
    assert raw.command("PFDEBUG", "ENCODING", "h") == "dense"
    assert raw.command("PFDEBUG", "DECODE", "h") == RespError("ERR HLL encoding is not sparse")
    assert raw.command("PFDEBUG", "TODENSE", "h") == 0
    raw.command("PFADD", "h2", "x")
    assert raw.command("PFDEBUG", "todense", "h2") == 1
    assert raw.command("PFDEBUG", "GETREG") == RespError("ERR wrong number of arguments for 'pfdebug' command")
    assert raw.command("PFCOUNT", "h") == 3


def test_pfselftest(raw):
    assert raw.command("PFSELFTEST") == "OK"


def test_sparse_max_bytes_decides_when_to_turn_dense(server_factory):
    srv = server_factory(extra_args=["--hll-sparse-max-bytes", "30"])
    with srv.raw() as c:
        c.command("PFADD", "h", "a", "b", "c")
        assert c.command("PFDEBUG", "ENCODING", "h") == "sparse"
        c.command("PFADD", "h", "d", "e", "f", "g")
        assert c.command("PFDEBUG", "ENCODING", "h") == "dense"
        assert c.command("CONFIG", "SET", "hll-sparse-max-bytes", "3000") == "OK"
        assert c.command("CONFIG", "GET", "hll-sparse-max-bytes") == [b"hll-sparse-max-bytes", b"3000"]


# ----------------------------------------------------- byte-identical values

def element_batches():
    # Small, mixed-length and binary elements; enough of them to go through
    # sparse growth, merging of runs, and the switch to dense.
    yield [f"k{i}" for i in range(10)]
    yield [b"\x00\xff" * i for i in range(1, 40)]
    yield [("x" * (i % 17)) + str(i) for i in range(300)]
    yield [f"element:{i}" for i in range(300, 4000)]


def test_values_are_byte_identical_to_the_oracle(server, oracle_factory):
    oracle = oracle_factory()
    with server.raw() as ours, oracle.raw() as theirs:
        for i, batch in enumerate(element_batches()):
            for c in (ours, theirs):
                c.command("PFADD", "h", *batch)
                c.command("PFADD", f"one{i}", *batch[:5])
            assert ours.command("GET", "h") == theirs.command("GET", "h"), f"after batch {i}"
            assert ours.command("PFCOUNT", "h") == theirs.command("PFCOUNT", "h")
            assert ours.command("GET", "h") == theirs.command("GET", "h")
        for c in (ours, theirs):
            c.command("PFMERGE", "m", "one0", "one1", "one2")
            c.command("PFMERGE", "m2", "one3", "h")
        for key in ("m", "m2", "one0", "one3"):
            assert ours.command("GET", key) == theirs.command("GET", key), key
        assert ours.command("PFCOUNT", "one0", "one1", "one2", "one3") == theirs.command(
            "PFCOUNT", "one0", "one1", "one2", "one3")


def test_values_cross_between_servers(server, oracle_factory):
    oracle = oracle_factory()
    with server.raw() as ours, oracle.raw() as theirs:
        theirs.command("PFADD", "sparse", *[f"s{i}" for i in range(200)])
        theirs.command("PFADD", "dense", *[f"d{i}" for i in range(5000)])
        ours.command("PFADD", "mine", *[f"m{i}" for i in range(700)])
        for key in ("sparse", "dense"):
            ours.command("SET", key, theirs.command("GET", key))
        theirs.command("SET", "mine", ours.command("GET", "mine"))
        for key in ("sparse", "dense", "mine"):
            assert ours.command("PFCOUNT", key) == theirs.command("PFCOUNT", key), key
        for c in (ours, theirs):
            c.command("PFADD", "sparse", "more", "and more")
        assert ours.command("GET", "sparse") == theirs.command("GET", "sparse")


# --------------------------------------------------------- propagation

def incr_aof(srv):
    files = sorted(Path(srv.dir, "appendonlydir").glob("*.incr.aof"))
    return files[0].read_bytes() if len(files) == 1 else b""


SCENARIO = [
    ("PFADD", "h", "a", "b"),
    ("PFADD", "h", "a"),         # no change: not propagated
    ("PFCOUNT", "h"),            # refreshes the cache: propagated
    ("PFCOUNT", "h"),            # cached: not propagated
    ("PFCOUNT", "h", "nokey"),   # many keys: never propagated
    ("PFMERGE", "m", "h"),
    ("PFDEBUG", "ENCODING", "m"),
    ("PFDEBUG", "TODENSE", "m"),
    ("PFDEBUG", "TODENSE", "m"),
    ("PFCOUNT", "nokey"),
    ("SET", "end", "1"),
]


def test_propagated_forms(server_factory, oracle_factory, target):
    args = ["--appendonly", "yes", "--appendfsync", "always"]
    srv = server_factory(extra_args=args)
    with srv.raw() as c:
        ours = [c.command(*cmd) for cmd in SCENARIO]
    wait_for(lambda: incr_aof(srv).endswith(encode_command("SET", "end", "1")), 10, "the AOF to be written")
    expected = b"".join(encode_command(*cmd) for cmd in [
        ("SELECT", "0"), ("PFADD", "h", "a", "b"), ("PFCOUNT", "h"), ("PFMERGE", "m", "h"),
        ("PFDEBUG", "TODENSE", "m"), ("SET", "end", "1")])
    assert incr_aof(srv) == expected
    if target != "redis":
        oracle = oracle_factory(extra_args=args)
        with oracle.raw() as c:
            assert [c.command(*cmd) for cmd in SCENARIO] == ours
