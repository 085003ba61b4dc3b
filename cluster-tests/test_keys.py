"""Generic key commands, databases, SCAN and OBJECT, as redis-server 7.0.15."""

import pytest

from harness import RespError, encode_command, wait_for

SYNTAX = RespError("ERR syntax error")
NOT_INT = RespError("ERR value is not an integer or out of range")
NO_SUCH_KEY = RespError("ERR no such key")
DB_RANGE = RespError("ERR DB index is out of range")


def arity(name):
    return RespError(f"ERR wrong number of arguments for '{name}' command")


def test_del_and_unlink_count_removed_keys_once(raw):
    assert raw.command("MSET", "a", "1", "b", "2", "c", "3") == "OK"
    assert raw.command("DEL", "a", "a", "b", "missing") == 2
    assert raw.command("UNLINK", "c", "c") == 1
    assert raw.command("DEL", "a") == 0
    assert raw.command("UNLINK", "missing") == 0
    assert raw.command("DBSIZE") == 0


def test_exists_counts_duplicates(raw):
    assert raw.command("MSET", "a", "1", "b", "2") == "OK"
    assert raw.command("EXISTS", "a", "a", "a", "b", "missing") == 4
    assert raw.command("EXISTS", "missing") == 0
    assert raw.command("EXISTS", "a") == 1


@pytest.mark.parametrize("args,name", [
    (["DEL"], "del"), (["UNLINK"], "unlink"), (["EXISTS"], "exists"),
    (["TYPE"], "type"), (["KEYS"], "keys"), (["RANDOMKEY", "x"], "randomkey"),
    (["DBSIZE", "x"], "dbsize"), (["RENAME", "a"], "rename"),
    (["RENAMENX", "a"], "renamenx"), (["SWAPDB", "0"], "swapdb"),
    (["MOVE", "a"], "move"), (["SELECT", "0", "1"], "select"),
    (["OBJECT", "ENCODING"], "object|encoding"),
    (["OBJECT", "IDLETIME"], "object|idletime"),
    (["OBJECT", "ENCODING", "a", "b"], "object|encoding"),
])
def test_key_command_arity_errors(raw, args, name):
    assert raw.command(*args) == arity(name)


def test_type_of_a_string_and_of_a_missing_key(raw):
    assert raw.command("SET", "s", "v") == "OK"
    assert raw.command("TYPE", "s") == "string"
    assert raw.command("TYPE", "missing") == "none"


@pytest.mark.needs_types
def test_type_of_a_list(raw):
    """needs_types: creates a list with LPUSH."""
    assert raw.command("LPUSH", "l", "x") == 1
    assert raw.command("TYPE", "l") == "list"


def test_rename(raw):
    assert raw.command("RENAME", "missing", "x") == NO_SUCH_KEY
    assert raw.command("RENAMENX", "missing", "x") == NO_SUCH_KEY
    assert raw.command("MSET", "a", "1", "b", "2", "keepme", "v") == "OK"
    assert raw.command("RENAME", "a", "a") == "OK"
    assert raw.command("RENAMENX", "a", "a") == 0
    assert raw.command("RENAME", "a", "z") == "OK"
    assert raw.command("GET", "z") == b"1"
    assert raw.command("EXISTS", "a") == 0
    assert raw.command("RENAMENX", "b", "z") == 0
    assert raw.command("GET", "b") == b"2"
    assert raw.command("RENAMENX", "b", "y") == 1
    assert raw.command("GET", "y") == b"2"
    # RENAME overwrites the destination.
    assert raw.command("RENAME", "y", "keepme") == "OK"
    assert raw.command("GET", "keepme") == b"2"
    assert raw.command("DBSIZE") == 2


def test_rename_moves_the_ttl_and_drops_the_destination_ttl(raw):
    assert raw.command("SET", "t", "v", "EX", "100") == "OK"
    assert raw.command("RENAME", "t", "t2") == "OK"
    assert raw.command("TTL", "t2") in (99, 100)
    assert raw.command("SET", "plain", "v") == "OK"
    assert raw.command("SET", "dst", "v", "EX", "100") == "OK"
    assert raw.command("RENAME", "plain", "dst") == "OK"
    assert raw.command("TTL", "dst") == -1


def test_randomkey(raw):
    assert raw.command("RANDOMKEY") is None
    assert raw.command("SET", "only", "v") == "OK"
    assert raw.command("RANDOMKEY") == b"only"
    assert raw.command("MSET", "a", "1", "b", "2") == "OK"
    seen = {raw.command("RANDOMKEY") for _ in range(200)}
    assert seen <= {b"only", b"a", b"b"}
    assert len(seen) >= 2


def test_dbsize_flushdb_flushall(raw):
    assert raw.command("DBSIZE") == 0
    assert raw.command("MSET", "a", "1", "b", "2") == "OK"
    assert raw.command("DBSIZE") == 2
    assert raw.command("SELECT", "1") == "OK"
    assert raw.command("SET", "c", "3") == "OK"
    assert raw.command("FLUSHDB") == "OK"
    assert raw.command("DBSIZE") == 0
    assert raw.command("SELECT", "0") == "OK"
    assert raw.command("DBSIZE") == 2  # FLUSHDB touched db 1 only
    assert raw.command("FLUSHDB", "ASYNC") == "OK"
    assert raw.command("DBSIZE") == 0
    assert raw.command("SET", "a", "1") == "OK"
    assert raw.command("FLUSHDB", "sync") == "OK"
    assert raw.command("DBSIZE") == 0
    for mode in [[], ["ASYNC"], ["SYNC"]]:
        assert raw.command("SET", "a", "1") == "OK"
        assert raw.command("SELECT", "5") == "OK"
        assert raw.command("SET", "b", "1") == "OK"
        assert raw.command("FLUSHALL", *mode) == "OK"
        assert raw.command("DBSIZE") == 0
        assert raw.command("SELECT", "0") == "OK"
        assert raw.command("DBSIZE") == 0


def test_flush_option_errors(raw):
    assert raw.command("FLUSHDB", "foo") == SYNTAX
    assert raw.command("FLUSHALL", "foo") == SYNTAX
    assert raw.command("FLUSHDB", "1", "2") == SYNTAX
    assert raw.command("FLUSHALL", "ASYNC", "SYNC") == SYNTAX


GLOB_KEYS = [b"hello", b"hallo", b"hxllo", b"hllo", b"heeeello", b"hbllo",
             b"h*llo", b"h[ae]llo", b"h\\llo", b"x"]


@pytest.mark.parametrize("pattern,expected", [
    ("*", GLOB_KEYS),
    ("h?llo", [b"hello", b"hallo", b"hxllo", b"hbllo", b"h*llo", b"h\\llo"]),
    ("h*llo", [k for k in GLOB_KEYS if k != b"x"]),
    ("h[ae]llo", [b"hello", b"hallo"]),
    ("h[^e]llo", [b"hallo", b"hxllo", b"hbllo", b"h*llo", b"h\\llo"]),
    ("h[a-b]llo", [b"hallo", b"hbllo"]),
    ("h[b-a]llo", [b"hallo", b"hbllo"]),
    ("h\\*llo", [b"h*llo"]),
    ("h\\[ae]llo", [b"h[ae]llo"]),
    ("h\\[ae\\]llo", [b"h[ae]llo"]),
    ("h\\\\llo", [b"h\\llo"]),
    ("h[", []),
    ("[", []),
    ("nomatch*", []),
    ("x", [b"x"]),
    ("X", []),
    ("*llo*", [k for k in GLOB_KEYS if k != b"x"]),
])
def test_keys_glob_patterns(raw, pattern, expected):
    for k in GLOB_KEYS:
        assert raw.command("SET", k, "1") == "OK"
    assert sorted(raw.command("KEYS", pattern)) == sorted(expected)


def _full_scan(raw, *options, adder=None, max_calls=100000):
    """Runs SCAN from cursor 0 to 0; returns the list of keys returned.
    adder(i) is called between calls (to add keys during the scan)."""
    seen = []
    cursor = b"0"
    for i in range(max_calls):
        reply = raw.command("SCAN", cursor, *options)
        assert isinstance(reply, list) and len(reply) == 2, reply
        cursor, keys = reply
        seen.extend(keys)
        if cursor == b"0":
            return seen
        if adder is not None:
            adder(i)
    raise AssertionError(f"SCAN did not finish in {max_calls} calls")


def _bulk_set(raw, keys):
    raw.send(b"".join(encode_command("SET", k, "v") for k in keys))
    for _ in keys:
        assert raw.read_reply() == "OK"


def test_scan_returns_every_key_while_keys_are_added(server):
    with server.raw() as raw, server.raw() as writer:
        original = [b"key:%d" % i for i in range(10000)]
        for i in range(0, len(original), 1000):
            _bulk_set(raw, original[i:i + 1000])
        assert raw.command("DBSIZE") == 10000
        added = []

        def add_keys(i):
            batch = [b"new:%d:%d" % (i, j) for j in range(20)]
            _bulk_set(writer, batch)
            added.extend(batch)

        seen = _full_scan(raw, "COUNT", "100", adder=add_keys)
        seen_set = set(seen)
        missing = [k for k in original if k not in seen_set]
        assert not missing, f"{len(missing)} keys never returned, e.g. {missing[:5]}"
        assert seen_set <= set(original) | set(added)
        assert len(added) > 0  # the table really grew during the scan


def test_scan_match_count_type(raw):
    _bulk_set(raw, [b"user:%d" % i for i in range(300)] +
              [b"item:%d" % i for i in range(200)])
    seen = _full_scan(raw, "MATCH", "user:*", "COUNT", "50")
    assert set(seen) == {b"user:%d" % i for i in range(300)}
    seen = _full_scan(raw, "MATCH", "item:1?", "COUNT", "1000")
    assert set(seen) == {b"item:%d" % i for i in range(10, 20)}
    seen = _full_scan(raw, "TYPE", "string")
    assert len(set(seen)) == 500
    assert _full_scan(raw, "TYPE", "foo") == []
    assert _full_scan(raw, "TYPE", "list") == []
    # A later MATCH replaces an earlier one.
    assert set(_full_scan(raw, "MATCH", "nope", "MATCH", "item:7")) == {b"item:7"}
    assert raw.command("SCAN", "0", "MATCH", "*", "COUNT", "1000") [0] == b"0"


@pytest.mark.needs_types
def test_scan_type_filter_with_a_list(raw):
    """needs_types: creates a list with LPUSH."""
    assert raw.command("MSET", "a", "1", "b", "2") == "OK"
    assert raw.command("LPUSH", "l", "x") == 1
    assert _full_scan(raw, "TYPE", "list") == [b"l"]
    assert _full_scan(raw, "TYPE", "LIST") == [b"l"]
    assert sorted(_full_scan(raw, "TYPE", "string")) == [b"a", b"b"]


def test_scan_errors(raw):
    assert raw.command("SCAN", "abc") == RespError("ERR invalid cursor")
    assert raw.command("SCAN", "18446744073709551616") == RespError(
        "ERR invalid cursor")
    assert raw.command("SCAN", "0", "COUNT", "0") == SYNTAX
    assert raw.command("SCAN", "0", "COUNT", "-1") == SYNTAX
    assert raw.command("SCAN", "0", "COUNT", "abc") == NOT_INT
    assert raw.command("SCAN", "0", "foo") == SYNTAX
    assert raw.command("SCAN", "0", "MATCH") == SYNTAX
    assert raw.command("SCAN") == arity("scan")


def test_scan_of_an_empty_db(raw):
    assert raw.command("SCAN", "0") == [b"0", []]


def test_select_and_its_errors(raw):
    assert raw.command("SET", "k", "db0") == "OK"
    assert raw.command("SELECT", "15") == "OK"
    assert raw.command("GET", "k") is None
    assert raw.command("SET", "k", "db15") == "OK"
    assert raw.command("SELECT", "16") == DB_RANGE
    assert raw.command("SELECT", "-1") == DB_RANGE
    assert raw.command("SELECT", "abc") == NOT_INT
    assert raw.command("GET", "k") == b"db15"  # a failed SELECT keeps the db
    assert raw.command("SELECT", "0") == "OK"
    assert raw.command("GET", "k") == b"db0"


def test_swapdb(server):
    with server.raw() as a, server.raw() as b:
        assert a.command("SET", "k", "in0") == "OK"
        assert a.command("SELECT", "1") == "OK"
        assert a.command("MSET", "k", "in1", "other", "x") == "OK"
        assert b.command("GET", "k") == b"in0"  # b is on db 0
        assert a.command("SWAPDB", "0", "1") == "OK"
        # Connected clients see the swapped data without reselecting.
        assert b.command("GET", "k") == b"in1"
        assert b.command("DBSIZE") == 2
        assert a.command("GET", "k") == b"in0"
        assert a.command("SWAPDB", "1", "0") == "OK"
        assert b.command("GET", "k") == b"in0"
        assert a.command("SWAPDB", "0", "0") == "OK"
        assert a.command("SWAPDB", "0", "16") == DB_RANGE
        assert a.command("SWAPDB", "-1", "0") == DB_RANGE
        assert a.command("SWAPDB", "abc", "0") == RespError(
            "ERR invalid first DB index")
        assert a.command("SWAPDB", "0", "abc") == RespError(
            "ERR invalid second DB index")


def test_move(raw):
    assert raw.command("SET", "k", "v") == "OK"
    assert raw.command("MOVE", "k", "0") == RespError(
        "ERR source and destination objects are the same")
    assert raw.command("MOVE", "k", "16") == DB_RANGE
    assert raw.command("MOVE", "k", "abc") == NOT_INT
    assert raw.command("MOVE", "missing", "1") == 0
    assert raw.command("MOVE", "k", "1") == 1
    assert raw.command("EXISTS", "k") == 0
    assert raw.command("SET", "k", "again") == "OK"
    assert raw.command("MOVE", "k", "1") == 0  # destination exists
    assert raw.command("GET", "k") == b"again"
    assert raw.command("SET", "t", "v", "EX", "100") == "OK"
    assert raw.command("MOVE", "t", "1") == 1
    assert raw.command("SELECT", "1") == "OK"
    assert raw.command("GET", "k") == b"v"
    assert raw.command("TTL", "t") in (99, 100)


@pytest.mark.parametrize("value,encoding", [
    ("12345", b"int"), ("-1", b"int"), ("0", b"int"), ("10000", b"int"),
    ("9223372036854775807", b"int"), ("-9223372036854775808", b"int"),
    ("9223372036854775808", b"embstr"), ("01", b"embstr"), (" 12", b"embstr"),
    ("+1", b"embstr"), ("1.5", b"embstr"), ("abc", b"embstr"), ("", b"embstr"),
    ("a" * 44, b"embstr"), ("a" * 45, b"raw"), ("1" * 21, b"embstr"),
    ("a" * 1000, b"raw"),
])
def test_object_encoding_of_set_values(raw, value, encoding):
    assert raw.command("SET", "s", value) == "OK"
    assert raw.command("OBJECT", "ENCODING", "s") == encoding


def test_object_encoding_after_edits(raw):
    assert raw.command("SET", "s", "abc") == "OK"
    assert raw.command("APPEND", "s", "x") == 4
    assert raw.command("OBJECT", "ENCODING", "s") == b"raw"
    assert raw.command("SETRANGE", "r", "0", "ab") == 2
    assert raw.command("OBJECT", "ENCODING", "r") == b"raw"
    # APPEND to a missing key stores the value as SET would; a second
    # APPEND makes it raw.
    assert raw.command("APPEND", "fresh", "ab") == 2
    assert raw.command("OBJECT", "ENCODING", "fresh") == b"embstr"
    assert raw.command("APPEND", "fresh", "c") == 3
    assert raw.command("OBJECT", "ENCODING", "fresh") == b"raw"
    assert raw.command("SET", "n", "5") == "OK"
    assert raw.command("APPEND", "n", "1") == 2
    assert raw.command("OBJECT", "ENCODING", "n") == b"raw"
    assert raw.command("GETSET", "g", "12") is None
    assert raw.command("OBJECT", "ENCODING", "g") == b"int"
    assert raw.command("MSET", "m1", "123", "m2", "abc") == "OK"
    assert raw.command("OBJECT", "ENCODING", "m1") == b"int"
    assert raw.command("OBJECT", "ENCODING", "m2") == b"embstr"
    assert raw.command("SETEX", "x", "100", "123") == "OK"
    assert raw.command("OBJECT", "ENCODING", "x") == b"int"
    assert raw.command("INCR", "n") == 52  # INCR turns "51" back into an int
    assert raw.command("OBJECT", "ENCODING", "n") == b"int"
    assert raw.command("INCRBYFLOAT", "f", "1.5") == b"1.5"
    assert raw.command("OBJECT", "ENCODING", "f") == b"embstr"
    assert raw.command("OBJECT", "ENCODING", "missing") is None


def test_object_freq_refused_under_the_default_policy(raw):
    assert raw.command("SET", "s", "v") == "OK"
    assert raw.command("OBJECT", "FREQ", "s") == RespError(
        "ERR An LFU maxmemory policy is not selected, access frequency not "
        "tracked. Please note that when switching between policies at "
        "runtime LRU and LFU data will take some time to adjust.")
    assert raw.command("OBJECT", "FREQ", "missing") is None


def test_object_freq_under_an_lfu_policy(server_factory):
    srv = server_factory(extra_args=["--maxmemory-policy", "allkeys-lfu"])
    with srv.raw() as c:
        assert c.command("SET", "s", "v") == "OK"
        freq = c.command("OBJECT", "FREQ", "s")
        assert isinstance(freq, int) and 0 <= freq <= 255


def test_object_idletime_grows_and_resets_on_access(raw):
    assert raw.command("SET", "s", "v") == "OK"
    assert raw.command("OBJECT", "IDLETIME", "s") == 0
    assert raw.command("OBJECT", "IDLETIME", "missing") is None
    # OBJECT IDLETIME itself does not touch the key.
    wait_for(lambda: raw.command("OBJECT", "IDLETIME", "s") >= 2, 10,
             "idle time to reach 2 seconds", interval_s=0.1)
    assert raw.command("GET", "s") == b"v"
    assert raw.command("OBJECT", "IDLETIME", "s") in (0, 1)
