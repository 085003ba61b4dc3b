"""DUMP and RESTORE (and OBJECT FREQ / IDLETIME) exactly as redis-server
7.0.15: the payload is the value's RDB encoding, the RDB version (2 bytes
LE) and a CRC64 of everything before it, so payloads move between replikv
and the oracle in both directions for every type; errors, TTL handling,
access data and the propagated forms are Redis's. Damaged or forged
payloads are refused, never crash the server.
"""

import random
import time
from pathlib import Path

from crc64 import crc64
from harness import RespError, encode_command, wait_for

BUSY = RespError("BUSYKEY Target key name already exists.")
BAD_PAYLOAD = RespError("ERR DUMP payload version or checksum are wrong")
BAD_FORMAT = RespError("ERR Bad data format")
SYNTAX = RespError("ERR syntax error")
NOT_INT = RespError("ERR value is not an integer or out of range")
LFU_OFF = RespError(
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching "
    "between policies at runtime LRU and LFU data will take some time to adjust.")
LFU_ON = RespError(
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between "
    "policies at runtime LRU and LFU data will take some time to adjust.")


def seal(obj, version=10):
    """A DUMP payload around an RDB object: version and CRC64 appended."""
    body = bytes(obj) + version.to_bytes(2, "little")
    return body + crc64(body).to_bytes(8, "little")


def test_crc64_is_the_rdb_one():
    assert crc64(b"123456789") == 0xE9C6D914C4B8D9CA


def fill_every_type(c):
    """One key per type and encoding; returns the key names."""
    c.command("SET", "str", "hello")
    c.command("SET", "int", "12345")
    c.command("SET", "int64", "-1234567890123")
    c.command("SET", "lzf", "a" * 300)
    c.command("SET", "big", "".join(chr(97 + (i * 7) % 26) for i in range(20000)))
    c.command("SET", "bin", bytes(range(256)))
    c.command("RPUSH", "list", "a", "b", "1", "2", "-3")
    c.command("RPUSH", "biglist", *[str(i) * 3 for i in range(3000)])
    c.command("RPUSH", "list:bigelem", "x" * 100000, "y")
    c.command("SADD", "intset", "1", "2", "3", "-7", "100000000000")
    c.command("SADD", "set", "a", "b", "c")
    c.command("SADD", "bigintset", *[str(i) for i in range(600)])
    c.command("HSET", "hash", "f1", "v1", "f2", "2")
    c.command("HSET", "bighash", *[x for i in range(600) for x in (f"f{i}", f"v{i}")])
    c.command("HSET", "hash:longvalue", "f", "x" * 100)
    c.command("ZADD", "zset", "1", "a", "2.5", "b", "-inf", "c", "inf", "d")
    c.command("ZADD", "bigzset", *[x for i in range(200) for x in (repr(i * 0.37), f"m{i}")])
    c.command("PFADD", "hll", *[f"e{i}" for i in range(100)])
    c.command("PFADD", "hll:dense", *[f"e{i}" for i in range(5000)])
    c.command("GEOADD", "geo", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania")
    c.command("GEOADD", "biggeo", *[x for i in range(300) for x in (str(-170 + i), str(-80 + i * 0.5), f"p{i}")])
    return ["str", "int", "int64", "lzf", "big", "bin", "list", "biglist", "list:bigelem", "intset", "set",
            "bigintset", "hash", "bighash", "hash:longvalue", "zset", "bigzset", "hll", "hll:dense", "geo",
            "biggeo"]


# Payloads whose bytes are the same on both servers (compact encodings,
# strings); hash-table encodings may order their elements differently.
SAME_BYTES = ["str", "int", "int64", "lzf", "big", "bin", "list", "biglist", "list:bigelem", "intset",
              "hash", "hash:longvalue", "zset", "hll", "hll:dense", "geo"]


def describe(c, key):
    return (c.command("TYPE", key), c.command("OBJECT", "ENCODING", key), c.command("DEBUG", "DIGEST-VALUE", key))


def test_every_type_moves_both_ways(server, oracle_factory):
    oracle = oracle_factory()
    with server.raw() as ours, oracle.raw() as theirs:
        keys = fill_every_type(ours)
        assert fill_every_type(theirs) == keys
        for key in keys:
            mine, orig = ours.command("DUMP", key), theirs.command("DUMP", key)
            if key in SAME_BYTES:
                assert mine == orig, key
            assert ours.command("RESTORE", key + ":from-oracle", "0", orig) == "OK", key
            assert theirs.command("RESTORE", key + ":from-target", "0", mine) == "OK", key
            want = describe(theirs, key)
            assert describe(ours, key + ":from-oracle") == want, key
            assert describe(theirs, key + ":from-target") == want, key
            assert describe(ours, key) == want, key
        # Restored geo sets answer as the originals.
        assert ours.command("GEOPOS", "geo:from-oracle", "Palermo") == theirs.command("GEOPOS", "geo", "Palermo")
        assert ours.command("GEOSEARCH", "biggeo:from-oracle", "FROMLONLAT", "0", "0", "BYRADIUS", "3000", "km",
                            "WITHDIST") == theirs.command("GEOSEARCH", "biggeo", "FROMLONLAT", "0", "0",
                                                          "BYRADIUS", "3000", "km", "WITHDIST")
        assert ours.command("PFCOUNT", "hll:dense:from-oracle") == theirs.command("PFCOUNT", "hll:dense")
        assert ours.command("DUMP", "nokey") is None


def test_dump_follows_rdbcompression(raw):
    raw.command("SET", "k", "a" * 300)
    compressed = raw.command("DUMP", "k")
    assert raw.command("CONFIG", "SET", "rdbcompression", "no") == "OK"
    plain = raw.command("DUMP", "k")
    assert raw.command("CONFIG", "SET", "rdbcompression", "yes") == "OK"
    assert len(compressed) < 40 < len(plain)
    assert plain == seal(b"\x00" + b"\x41\x2c" + b"a" * 300)
    assert raw.command("RESTORE", "k2", "0", plain) == "OK"
    assert raw.command("GET", "k2") == b"a" * 300


def test_restore_options_and_errors(raw):
    raw.command("SET", "s", "hello")
    d = raw.command("DUMP", "s")
    assert d == b"\x00\x05hello\n\x00cr\xdfve4 \n"
    cases = [
        (("r", "0", d, "FREQ", "5", "IDLETIME", "4"), SYNTAX),
        (("r", "0", d, "IDLETIME", "5", "FREQ", "4"), SYNTAX),
        (("r", "0", d, "IDLETIME"), SYNTAX),
        (("r", "0", d, "REPLACE", "x"), SYNTAX),
        (("r", "-1", d), RespError("ERR Invalid TTL value, must be >= 0")),
        (("r", "x", d), NOT_INT),
        (("r", "1.5", d), NOT_INT),
        (("s", "0", d), BUSY),
        # The key is checked before the TTL and the payload.
        (("s", "-1", d), BUSY),
        (("s", "0", b"junk"), BUSY),
        (("r", "0", d, "IDLETIME", "-1"), RespError("ERR Invalid IDLETIME value, must be >= 0")),
        (("r", "0", d, "IDLETIME", "x"), NOT_INT),
        (("r", "0", d, "FREQ", "256"), RespError("ERR Invalid FREQ value, must be >= 0 and <= 255")),
        (("r", "0", d, "FREQ", "-1"), RespError("ERR Invalid FREQ value, must be >= 0 and <= 255")),
        (("r", "0", d, "FREQ", "x"), NOT_INT),
        # Options come first: a bad option beats a busy key.
        (("s", "0", d, "FREQ", "1000"), RespError("ERR Invalid FREQ value, must be >= 0 and <= 255")),
        (("r", "0", b"x" * 9), BAD_PAYLOAD),
        (("r", "0", d[:-1]), BAD_PAYLOAD),
        (("r", "0", b"\x63" + d[1:]), BAD_PAYLOAD),
        (("r", "0", b""), BAD_PAYLOAD),
        (("r", "0", seal(b"\x00\x05hello", version=11)), BAD_PAYLOAD),
        (("r", "0", seal(b"\x00\x05hello", version=9)), "OK"),
        (("r2", "0", d, "replace", "absttl", "replace"), "OK"),
        (("r3", "0", d, "IDLETIME", "5", "IDLETIME", "6"), "OK"),
    ]
    mismatches = [(args, got, want) for args, want in cases if (got := raw.command("RESTORE", *args)) != want]
    assert not mismatches, mismatches
    assert raw.command("RESTORE", "s", "0", d, "REPLACE") == "OK"
    assert raw.command("RESTORE") == RespError("ERR wrong number of arguments for 'restore' command")
    assert raw.command("DUMP", "a", "b") == RespError("ERR wrong number of arguments for 'dump' command")


def test_forged_payloads_are_bad_data_format(raw):
    cases = [
        b"",                                  # no type byte
        b"\x63",                              # unknown type
        b"\x06\x01",                          # module type (pre-GA)
        b"\x07\x81" + b"\x00" * 8,           # module type 2
        b"\x0f\x00",                          # stream: not in replikv or damaged
        b"\x14\x00",                          # set listpack: RDB 11, refused by 7.0
        b"\x00",                              # string without its length
        b"\x00\x80\xff\xff\xff\xff",         # a 4 GB string in a few bytes
        b"\x00\xc3\x05\x7fhello",             # LZF lengths that do not add up
        b"\x01\x00",                          # an empty list
        b"\x02\x00",                          # an empty set
        b"\x02\x02\x01a\x01a",                # a set with a duplicate
        b"\x04\x01\x01f",                     # a hash field without its value
        b"\x03\x01\x01a\xfd",                 # a NaN score
        b"\x0b\x04abcd",                      # a damaged intset
        b"\x11\x07" + b"\x07\x00\x00\x00\x00\x00\xff",  # an empty zset listpack
        b"\x10\x03xyz",                       # a hash listpack that is not one
        b"\x12\x01\x05\x00",                  # a quicklist node with a bad container
        b"\x0e\x01\x04abcd",                  # a quicklist of a damaged ziplist
        b"\x09\x02\x01\x02",                  # a damaged zipmap
    ]
    bad = [(obj, got) for obj in cases
           if (got := raw.command("RESTORE", "k", "0", seal(obj), "REPLACE")) != BAD_FORMAT]
    assert not bad, bad
    assert raw.command("EXISTS", "k") == 0
    # Redis reads the object from the whole payload: a length that runs
    # into the version and checksum reads them as data.
    assert raw.command("RESTORE", "k", "0", seal(b"\x00\x05hel")) == "OK"
    assert raw.command("GET", "k") == b"hel\n\x00"
    raw.command("DEL", "k")
    # Legacy encodings a payload may still hold load.
    assert raw.command("RESTORE", "k", "0", seal(b"\x01\x02\x01a\x01b")) == "OK"  # plain list
    assert raw.command("LRANGE", "k", "0", "-1") == [b"a", b"b"]
    assert raw.command("RESTORE", "z", "0", seal(b"\x03\x01\x01a\x031.5")) == "OK"  # text-score zset
    assert raw.command("ZSCORE", "z", "a") == b"1.5"


def test_damaged_payloads_never_crash(server_factory):
    # Sanitized on the oracle: without it Redis 7.0 trusts listpack
    # internals and may crash on forged ones; replikv always checks.
    srv = server_factory(extra_args=["--sanitize-dump-payload", "yes"])
    rng = random.Random(5)
    with srv.raw() as c:
        fill_every_type(c)
        payloads = [c.command("DUMP", k) for k in ("str", "lzf", "list", "biglist", "intset", "set", "hash",
                                                   "bighash", "zset", "bigzset", "hll", "geo")]
        for i in range(1500):
            p = bytearray(rng.choice(payloads)[:-10])
            for _ in range(rng.randint(1, 4)):
                op = rng.random()
                if op < 0.6 and p:
                    p[rng.randrange(len(p))] = rng.randrange(256)
                elif op < 0.8 and p:
                    del p[rng.randrange(len(p)):]
                else:
                    p[rng.randrange(len(p) + 1):0] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
            sealed = seal(p)
            got = c.command("RESTORE", "k", "0", sealed, "REPLACE")
            assert got in ("OK", BAD_FORMAT), (bytes(p), got)
            if rng.random() < 0.1:
                # Unsealed damage: always the checksum error.
                damaged = bytearray(sealed)
                damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
                assert c.command("RESTORE", "k", "0", bytes(damaged), "REPLACE") == BAD_PAYLOAD
        assert c.command("PING") == "PONG"


def test_restore_ttl_and_replace(raw):
    raw.command("SET", "s", "v")
    d = raw.command("DUMP", "s")
    assert raw.command("RESTORE", "a", "100000", d) == "OK"
    assert 99000 <= raw.command("PTTL", "a") <= 100000
    at = int(time.time() * 1000) + 500000
    assert raw.command("RESTORE", "b", str(at), d, "ABSTTL") == "OK"
    assert abs(raw.command("PEXPIRETIME", "b") - at) == 0
    # Already expired: no key, and REPLACE deletes the old one.
    assert raw.command("RESTORE", "c", "1", d, "ABSTTL") == "OK"
    assert raw.command("EXISTS", "c") == 0
    assert raw.command("RESTORE", "a", "1", d, "ABSTTL", "REPLACE") == "OK"
    assert raw.command("EXISTS", "a") == 0
    # A relative TTL that overflows counts as expired.
    assert raw.command("RESTORE", "e", "9223372036854775807", d) == "OK"
    assert raw.command("EXISTS", "e") == 0
    assert raw.command("RESTORE", "f", "9223372036854775806", d, "ABSTTL") == "OK"
    assert raw.command("PTTL", "f") > 10**15
    # REPLACE drops the old value and its TTL.
    raw.command("RPUSH", "l", "x")
    raw.command("EXPIRE", "l", "1000")
    assert raw.command("RESTORE", "l", "0", d, "REPLACE") == "OK"
    assert raw.command("GET", "l") == b"v"
    assert raw.command("TTL", "l") == -1


def test_restore_access_data(server_factory, oracle_factory, target):
    srv = server_factory()
    with srv.raw() as c:
        c.command("SET", "s", "v")
        d = c.command("DUMP", "s")
        assert c.command("OBJECT", "FREQ", "s") == LFU_OFF
        idle = {}
        for t in (0, 100, 16777214, 16777215, 16777216, 31536000, 10**9, 10**16, 9223372036854775807):
            c.command("RESTORE", f"i{t}", "0", d, "IDLETIME", str(t))
            idle[t] = c.command("OBJECT", "IDLETIME", f"i{t}")
        # FREQ without an LFU policy is accepted and ignored.
        assert c.command("RESTORE", "f", "0", d, "FREQ", "100") == "OK"
        assert c.command("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu") == "OK"
        assert c.command("OBJECT", "IDLETIME", "s") == LFU_ON
        assert c.command("RESTORE", "g", "0", d, "FREQ", "100") == "OK"
        assert c.command("OBJECT", "FREQ", "g") == 100
        assert c.command("RESTORE", "h", "0", d, "IDLETIME", "100") == "OK"
        assert c.command("OBJECT", "FREQ", "h") == 5  # a new key's counter
    assert idle[0] == 0 and idle[100] == 100 and idle[16777214] == 16777214
    # Redis's LRU clock has 24 bits: longer idle times wrap.
    assert idle[16777215] == 0 and idle[16777216] == 1
    if target != "redis":
        oracle = oracle_factory()
        with oracle.raw() as c:
            c.command("SET", "s", "v")
            for t in idle:
                c.command("RESTORE", f"i{t}", "0", d, "IDLETIME", str(t))
                assert abs(c.command("OBJECT", "IDLETIME", f"i{t}") - idle[t]) <= 1, t


# --------------------------------------------------------- propagation


def incr_aof(srv):
    files = sorted(Path(srv.dir, "appendonlydir").glob("*.incr.aof"))
    return files[0].read_bytes() if len(files) == 1 else b""


def test_propagated_forms_match_the_oracle(server_factory):
    srv = server_factory(extra_args=["--appendonly", "yes", "--appendfsync", "always"])
    with srv.raw() as c:
        c.command("SET", "s", "hello")
        d = c.command("DUMP", "s")
        before = int(time.time() * 1000)
        assert c.command("RESTORE", "a", "0", d) == "OK"
        assert c.command("RESTORE", "b", "100000", d, "IDLETIME", "5") == "OK"
        assert c.command("RESTORE", "b", "1000", d, "REPLACE") == "OK"
        assert c.command("RESTORE", "c", "1900000000000", d, "ABSTTL") == "OK"
        assert c.command("RESTORE", "c", "1", d, "ABSTTL", "REPLACE") == "OK"   # deletes c: DEL
        assert c.command("RESTORE", "x", "1", d, "ABSTTL") == "OK"              # nothing: not propagated
        assert c.command("RESTORE", "a", "0", d) == BUSY                         # not propagated
        after = int(time.time() * 1000)
        c.command("SET", "end", "1")
    wait_for(lambda: incr_aof(srv).endswith(encode_command("SET", "end", "1")), 10, "the AOF to be written")
    aof = incr_aof(srv)
    head = encode_command("SELECT", "0") + encode_command("SET", "s", "hello") + encode_command("RESTORE", "a", "0", d)
    assert aof.startswith(head)
    rest = aof[len(head):]
    # RESTORE b <abs> payload IDLETIME 5 ABSTTL; RESTORE b <abs> payload REPLACE ABSTTL
    for ttl, extra in ((100000, ["IDLETIME", "5"]), (1000, ["REPLACE"])):
        found = False
        for t in range(before + ttl, after + ttl + 1):
            cmd = encode_command("RESTORE", "b", str(t), d, *extra, "ABSTTL")
            if rest.startswith(cmd):
                rest = rest[len(cmd):]
                found = True
                break
        assert found, rest[:200]
    assert rest == (encode_command("RESTORE", "c", "1900000000000", d, "ABSTTL") + encode_command("DEL", "c") +
                    encode_command("SET", "end", "1"))
