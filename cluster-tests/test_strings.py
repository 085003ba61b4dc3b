"""String commands: replies and error texts exactly as redis-server 7.0.15.

Exact error texts are checked through the raw RESP client (redis-py rewrites
error messages). Tests that need a list key are marked needs_types.
"""

import time

import pytest

from harness import RespError

SYNTAX = RespError("ERR syntax error")
NOT_INT = RespError("ERR value is not an integer or out of range")
NOT_FLOAT = RespError("ERR value is not a valid float")
OVERFLOW = RespError("ERR increment or decrement would overflow")
WRONGTYPE = RespError(
    "WRONGTYPE Operation against a key holding the wrong kind of value")


def invalid_expire(cmd):
    return RespError(f"ERR invalid expire time in '{cmd}' command")


# ----------------------------------------------------------------- SET/GET


def test_get_set_basic(raw):
    assert raw.command("GET", "k") is None
    assert raw.command("SET", "k", "v") == "OK"
    assert raw.command("GET", "k") == b"v"
    assert raw.command("SET", "k", "") == "OK"
    assert raw.command("GET", "k") == b""
    assert raw.command("EXISTS", "k") == 1


def test_set_ex_px_exat_pxat_set_the_ttl(raw):
    now = int(time.time())
    assert raw.command("SET", "a", "v", "EX", "100") == "OK"
    assert raw.command("TTL", "a") in (99, 100)
    assert raw.command("SET", "b", "v", "PX", "100000") == "OK"
    assert 99000 <= raw.command("PTTL", "b") <= 100000
    assert raw.command("SET", "c", "v", "EXAT", str(now + 100)) == "OK"
    assert raw.command("EXPIRETIME", "c") == now + 100
    assert raw.command("SET", "d", "v", "PXAT", str(now * 1000 + 100000)) == "OK"
    assert raw.command("PEXPIRETIME", "d") == now * 1000 + 100000
    # Options are case-insensitive.
    assert raw.command("set", "e", "v", "ex", "100") == "OK"
    assert raw.command("TTL", "e") in (99, 100)


def test_set_with_a_past_exat_deletes_the_key(raw):
    assert raw.command("SET", "k", "old") == "OK"
    assert raw.command("SET", "k", "v", "EXAT", "1") == "OK"
    assert raw.command("EXISTS", "k") == 0
    assert raw.command("SET", "k", "v", "PXAT", "1") == "OK"
    assert raw.command("GET", "k") is None


def test_set_nx_xx(raw):
    assert raw.command("SET", "k", "v", "XX") is None
    assert raw.command("EXISTS", "k") == 0
    assert raw.command("SET", "k", "v1", "NX") == "OK"
    assert raw.command("SET", "k", "v2", "NX") is None
    assert raw.command("GET", "k") == b"v1"
    assert raw.command("SET", "k", "v3", "XX") == "OK"
    assert raw.command("GET", "k") == b"v3"


def test_set_get_returns_the_old_value(raw):
    assert raw.command("SET", "k", "v1", "GET") is None
    assert raw.command("SET", "k", "v2", "GET") == b"v1"
    assert raw.command("GET", "k") == b"v2"
    # NX + GET: old value returned, nothing set.
    assert raw.command("SET", "k", "v3", "NX", "GET") == b"v2"
    assert raw.command("GET", "k") == b"v2"
    assert raw.command("SET", "n", "v", "NX", "GET") is None
    assert raw.command("GET", "n") == b"v"
    # XX + GET on a missing key: nil, nothing set.
    assert raw.command("SET", "m", "v", "XX", "GET") is None
    assert raw.command("EXISTS", "m") == 0
    assert raw.command("SET", "k", "v4", "GET", "GET") == b"v2"


def test_set_keepttl_keeps_and_plain_set_clears_the_ttl(raw):
    assert raw.command("SETEX", "k", "100", "v") == "OK"
    assert raw.command("SET", "k", "v2", "KEEPTTL") == "OK"
    assert raw.command("TTL", "k") in (99, 100)
    assert raw.command("GET", "k") == b"v2"
    assert raw.command("SET", "k", "v3") == "OK"
    assert raw.command("TTL", "k") == -1
    assert raw.command("SET", "k", "v4", "KEEPTTL", "KEEPTTL") == "OK"
    assert raw.command("TTL", "k") == -1


def test_set_repeated_identical_options_are_accepted(raw):
    # The same option twice: the last value wins.
    assert raw.command("SET", "k", "v", "EX", "10", "EX", "200") == "OK"
    assert raw.command("TTL", "k") in (199, 200)
    assert raw.command("SET", "k", "v", "PX", "5000", "PX", "100000") == "OK"
    assert 99000 <= raw.command("PTTL", "k") <= 100000
    assert raw.command("SET", "k", "v", "NX", "NX") is None


@pytest.mark.parametrize("args", [
    ["EX", "10", "PX", "100"], ["EX", "10", "KEEPTTL"], ["PX", "10", "EXAT", "1"],
    ["EX", "10", "PXAT", "1"], ["KEEPTTL", "PXAT", "1"], ["NX", "XX"],
    ["XX", "NX"], ["foo"], ["EX"], ["PX"], ["GET", "foo"], ["EX", "10", "v"],
])
def test_set_invalid_option_combinations_are_syntax_errors(raw, args):
    assert raw.command("SET", "k", "v", *args) == SYNTAX
    assert raw.command("EXISTS", "k") == 0


@pytest.mark.parametrize("args", [
    ["EX", "0"], ["EX", "-1"], ["PX", "0"], ["PX", "-100"], ["EXAT", "0"],
    ["PXAT", "-1"], ["EX", "9223372036854775807"],
    ["PX", "9223372036854775807"], ["EXAT", "9223372036854775807"],
    ["EX", "9223372036854775"], ["EX", "92233720368547758"],
])
def test_set_invalid_expire_time(raw, args):
    assert raw.command("SET", "k", "v", *args) == invalid_expire("set")
    assert raw.command("EXISTS", "k") == 0


@pytest.mark.parametrize("args", [["EX", "abc"], ["PX", "1.5"], ["EXAT", ""],
                                  ["PXAT", "1e3"], ["EX", " 1"]])
def test_set_non_integer_expire_time(raw, args):
    assert raw.command("SET", "k", "v", *args) == NOT_INT


def test_setnx_setex_psetex(raw):
    assert raw.command("SETNX", "k", "v") == 1
    assert raw.command("SETNX", "k", "w") == 0
    assert raw.command("GET", "k") == b"v"
    assert raw.command("SETEX", "e", "100", "v") == "OK"
    assert raw.command("TTL", "e") in (99, 100)
    assert raw.command("PSETEX", "p", "100000", "v") == "OK"
    assert 99000 <= raw.command("PTTL", "p") <= 100000
    assert raw.command("SETEX", "e", "0", "v") == invalid_expire("setex")
    assert raw.command("SETEX", "e", "-5", "v") == invalid_expire("setex")
    assert raw.command("PSETEX", "e", "0", "v") == invalid_expire("psetex")
    assert raw.command("SETEX", "e", "abc", "v") == NOT_INT
    assert raw.command("SETEX", "e", "10") == RespError(
        "ERR wrong number of arguments for 'setex' command")
    # A failed SETEX leaves the old key alone.
    assert raw.command("TTL", "e") in (99, 100)


def test_getset_getdel(raw):
    assert raw.command("GETSET", "k", "a") is None
    assert raw.command("GETSET", "k", "b") == b"a"
    assert raw.command("SETEX", "t", "100", "v") == "OK"
    assert raw.command("GETSET", "t", "w") == b"v"
    assert raw.command("TTL", "t") == -1  # GETSET clears the TTL
    assert raw.command("GETDEL", "k") == b"b"
    assert raw.command("GETDEL", "k") is None
    assert raw.command("EXISTS", "k") == 0


def test_getex_options(raw):
    assert raw.command("GETEX", "missing") is None
    assert raw.command("GETEX", "missing", "EX", "10") is None
    assert raw.command("EXISTS", "missing") == 0
    assert raw.command("SET", "k", "v") == "OK"
    assert raw.command("GETEX", "k", "EX", "100") == b"v"
    assert raw.command("TTL", "k") in (99, 100)
    assert raw.command("GETEX", "k", "PX", "50000") == b"v"
    assert 49000 <= raw.command("PTTL", "k") <= 50000
    assert raw.command("GETEX", "k") == b"v"  # no option: TTL unchanged
    assert 49000 <= raw.command("PTTL", "k") <= 50000
    assert raw.command("GETEX", "k", "PERSIST") == b"v"
    assert raw.command("TTL", "k") == -1
    now = int(time.time())
    assert raw.command("GETEX", "k", "EXAT", str(now + 100)) == b"v"
    assert raw.command("EXPIRETIME", "k") == now + 100
    assert raw.command("GETEX", "k", "PXAT", str(now * 1000 + 100000)) == b"v"
    assert raw.command("PEXPIRETIME", "k") == now * 1000 + 100000
    # A time in the past returns the value and deletes the key.
    assert raw.command("GETEX", "k", "EXAT", "1") == b"v"
    assert raw.command("EXISTS", "k") == 0


def test_getex_errors(raw):
    assert raw.command("SET", "k", "v") == "OK"
    assert raw.command("GETEX", "k", "EX", "0") == invalid_expire("getex")
    assert raw.command("GETEX", "k", "PX", "-1") == invalid_expire("getex")
    assert raw.command("GETEX", "k", "EX", "abc") == NOT_INT
    assert raw.command("GETEX", "k", "PERSIST", "EX", "10") == SYNTAX
    assert raw.command("GETEX", "k", "EX", "10", "PX", "10") == SYNTAX
    assert raw.command("GETEX", "k", "foo") == SYNTAX
    assert raw.command("GETEX", "k", "EX") == SYNTAX
    assert raw.command("TTL", "k") == -1


def test_mget_mset_msetnx(raw):
    assert raw.command("MSET", "a", "1", "b", "2") == "OK"
    assert raw.command("MGET", "a", "b", "missing", "a") == [b"1", b"2", None, b"1"]
    assert raw.command("MSET", "a") == RespError(
        "ERR wrong number of arguments for 'mset' command")
    assert raw.command("MSET", "a", "1", "b") == RespError(
        "ERR wrong number of arguments for 'mset' command")
    assert raw.command("MSETNX", "a", "x", "c", "3") == 0
    assert raw.command("EXISTS", "c") == 0  # all or nothing
    assert raw.command("MSETNX", "c", "3", "d", "4") == 1
    assert raw.command("MGET", "a", "b", "c", "d") == [b"1", b"2", b"3", b"4"]
    assert raw.command("MSETNX", "e", "5", "f") == RespError(
        "ERR wrong number of arguments for 'msetnx' command")
    # Last one wins when a key repeats.
    assert raw.command("MSET", "r", "1", "r", "2") == "OK"
    assert raw.command("GET", "r") == b"2"


# ----------------------------------------------------------------- counters


def test_incr_decr_family(raw):
    assert raw.command("INCR", "n") == 1
    assert raw.command("INCRBY", "n", "10") == 11
    assert raw.command("DECR", "n") == 10
    assert raw.command("DECRBY", "n", "20") == -10
    assert raw.command("INCRBY", "n", "-5") == -15
    assert raw.command("GET", "n") == b"-15"
    assert raw.command("DECR", "fresh") == -1


def test_incr_keeps_the_ttl(raw):
    assert raw.command("SETEX", "n", "100", "5") == "OK"
    assert raw.command("INCR", "n") == 6
    assert raw.command("TTL", "n") in (99, 100)


@pytest.mark.parametrize("value", [
    "abc", "1.5", "12 ", " 12", "012", "+12", "-0", "00", "-", "",
    "18446744073709551616", "9223372036854775808", "0x10", "1e3"])
def test_incr_on_a_non_integer_string(raw, value):
    assert raw.command("SET", "s", value) == "OK"
    assert raw.command("INCR", "s") == NOT_INT
    assert raw.command("GET", "s") == value.encode()


@pytest.mark.parametrize("by", ["abc", "1.5", "9223372036854775808", "", " 1"])
def test_incrby_with_a_non_integer_increment(raw, by):
    assert raw.command("INCRBY", "n", by) == NOT_INT
    assert raw.command("DECRBY", "n", by) == NOT_INT
    assert raw.command("EXISTS", "n") == 0


def test_integer_overflow_error_texts(raw):
    assert raw.command("SET", "x", "9223372036854775807") == "OK"
    assert raw.command("INCR", "x") == OVERFLOW
    assert raw.command("INCRBY", "x", "1") == OVERFLOW
    assert raw.command("INCRBY", "x", "0") == 9223372036854775807
    assert raw.command("SET", "y", "-9223372036854775808") == "OK"
    assert raw.command("DECR", "y") == OVERFLOW
    assert raw.command("INCRBY", "y", "-1") == OVERFLOW
    assert raw.command("DECRBY", "z", "9223372036854775807") == -9223372036854775807
    assert raw.command("DECRBY", "z", "2") == OVERFLOW
    # Negating the smallest int64 is its own error.
    assert raw.command("DECRBY", "w", "-9223372036854775808") == RespError(
        "ERR decrement would overflow")
    assert raw.command("SET", "m", "9223372036854775806") == "OK"
    assert raw.command("INCRBY", "m", "1") == 9223372036854775807
    assert raw.command("INCRBY", "m", "-9223372036854775807") == 0


def test_incr_on_a_value_changed_by_append(raw):
    assert raw.command("SET", "n", "100") == "OK"
    assert raw.command("APPEND", "n", "5") == 4
    assert raw.command("INCR", "n") == 1006


@pytest.mark.parametrize("start,by,expected", [
    ("10.5", "0.1", b"10.6"),
    ("10.5", "3.0e3", b"3010.5"),
    (None, "3.0e3", b"3000"),
    (None, "10", b"10"),
    (None, "0.1", b"0.1"),
    (None, "1.5e-10", b"0.00000000015"),
    (None, "-0", b"0"),
    (None, "5.0e-1", b"0.5"),
    (None, "1E2", b"100"),
    (None, "12345678901234567890", b"12345678901234567890"),
    ("1.", "1", b"2"),
    (".5", "1", b"1.5"),
    ("5", "1.0", b"6"),
    ("5", "0x10", b"21"),
    ("1.23456789012345678", "0", b"1.23456789012345678"),
    ("10.6", "3.0e3", b"3010.60000000000000009"),
    ("10", "-5.0e3", b"-4990"),
])
def test_incrbyfloat_result_formatting(raw, start, by, expected):
    if start is not None:
        assert raw.command("SET", "f", start) == "OK"
    assert raw.command("INCRBYFLOAT", "f", by) == expected
    assert raw.command("GET", "f") == expected


def test_incrbyfloat_accumulates_in_long_double(raw):
    replies = [raw.command("INCRBYFLOAT", "f", "0.1") for _ in range(5)]
    assert replies == [b"0.1", b"0.2", b"0.3", b"0.4", b"0.5"]
    assert raw.command("INCRBYFLOAT", "f", "-1.1") == b"-0.6"


def test_incrbyfloat_errors(raw):
    assert raw.command("SET", "f", "1.5") == "OK"
    assert raw.command("INCRBYFLOAT", "f", "inf") == RespError(
        "ERR increment would produce NaN or Infinity")
    assert raw.command("INCRBYFLOAT", "f", "-inf") == RespError(
        "ERR increment would produce NaN or Infinity")
    for bad in ["nan", "abc", " 1", "1e", "", "1.5x"]:
        assert raw.command("INCRBYFLOAT", "f", bad) == NOT_FLOAT, bad
    assert raw.command("GET", "f") == b"1.5"
    for stored in ["abc", "", "1 "]:
        assert raw.command("SET", "g", stored) == "OK"
        assert raw.command("INCRBYFLOAT", "g", "1") == NOT_FLOAT, stored
    assert raw.command("INCR", "f") == NOT_INT


def test_float_operands_are_limited_to_5119_characters(raw):
    # Redis's string2ld reads into a 5 KiB buffer: 5119 characters parse,
    # 5120 do not, for an argument and for a stored value alike.
    fits, too_long = "0" * 5118 + "1", "0" * 5119 + "1"
    assert raw.command("INCRBYFLOAT", "f", fits) == b"1"
    assert raw.command("HINCRBYFLOAT", "h", "x", fits) == b"1"
    assert raw.command("INCRBYFLOAT", "f", too_long) == NOT_FLOAT
    assert raw.command("HINCRBYFLOAT", "h", "x", too_long) == NOT_FLOAT
    assert raw.command("SET", "g", too_long) == "OK"
    assert raw.command("INCRBYFLOAT", "g", "1") == NOT_FLOAT
    assert raw.command("HSET", "h", "y", too_long) == 1
    assert raw.command("HINCRBYFLOAT", "h", "y", "1") == RespError("ERR hash value is not a float")


def test_incrbyfloat_keeps_the_ttl(raw):
    assert raw.command("SETEX", "f", "100", "1.5") == "OK"
    assert raw.command("INCRBYFLOAT", "f", "1") == b"2.5"
    assert raw.command("TTL", "f") in (99, 100)


# ----------------------------------------------------------------- ranges


def test_append_strlen(raw):
    assert raw.command("APPEND", "a", "hello") == 5
    assert raw.command("APPEND", "a", " world") == 11
    assert raw.command("STRLEN", "a") == 11
    assert raw.command("STRLEN", "missing") == 0
    assert raw.command("GET", "a") == b"hello world"
    assert raw.command("APPEND", "a", "") == 11
    assert raw.command("SET", "n", "12") == "OK"
    assert raw.command("STRLEN", "n") == 2  # int-encoded values count digits


@pytest.mark.parametrize("start,end,expected", [
    ("0", "4", b"hello"), ("-5", "-1", b"world"), ("-100", "-1", b"hello world"),
    ("5", "2", b""), ("0", "100", b"hello world"), ("-1", "-5", b""),
    ("100", "200", b""), ("0", "-1", b"hello world"), ("0", "0", b"h"),
    ("-1", "-1", b"d"), ("10", "10", b"d"), ("11", "11", b""),
    ("3", "-100", b""),
])
def test_getrange(raw, start, end, expected):
    assert raw.command("SET", "a", "hello world") == "OK"
    assert raw.command("GETRANGE", "a", start, end) == expected


def test_getrange_edge_cases(raw):
    assert raw.command("GETRANGE", "missing", "0", "-1") == b""
    assert raw.command("SET", "a", "hello") == "OK"
    assert raw.command("GETRANGE", "a", "abc", "1") == NOT_INT
    assert raw.command("SUBSTR", "a", "0", "2") == b"hel"
    assert raw.command("SET", "n", "12345") == "OK"
    assert raw.command("GETRANGE", "n", "1", "2") == b"23"


def test_setrange(raw):
    assert raw.command("SET", "a", "hello world") == "OK"
    assert raw.command("SETRANGE", "a", "6", "WORLD") == 11
    assert raw.command("GET", "a") == b"hello WORLD"
    assert raw.command("SETRANGE", "a", "9", "LD!!") == 13
    assert raw.command("GET", "a") == b"hello WORLD!!"
    # Zero padding on a new key.
    assert raw.command("SETRANGE", "b", "3", "xy") == 5
    assert raw.command("GET", "b") == b"\x00\x00\x00xy"
    assert raw.command("SETRANGE", "b", "0", "") == 5
    # An empty value never creates a key.
    assert raw.command("SETRANGE", "c", "3", "") == 0
    assert raw.command("EXISTS", "c") == 0
    assert raw.command("SETRANGE", "c", "536870911", "") == 0
    assert raw.command("EXISTS", "c") == 0
    # Int-encoded values are edited as strings.
    assert raw.command("SET", "n", "12345") == "OK"
    assert raw.command("SETRANGE", "n", "1", "9") == 5
    assert raw.command("INCR", "n") == 19346


def test_setrange_errors(raw):
    assert raw.command("SET", "a", "hello") == "OK"
    assert raw.command("SETRANGE", "a", "-1", "x") == RespError(
        "ERR offset is out of range")
    assert raw.command("SETRANGE", "a", "abc", "x") == NOT_INT
    assert raw.command("SETRANGE", "a", "536870912", "x") == RespError(
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)")
    assert raw.command("SETRANGE", "new", "536870912", "x") == RespError(
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)")
    assert raw.command("EXISTS", "new") == 0
    assert raw.command("GET", "a") == b"hello"


# ----------------------------------------------------------------- WRONGTYPE


@pytest.mark.needs_types
@pytest.mark.parametrize("args", [
    ["GET", "l"], ["APPEND", "l", "x"], ["STRLEN", "l"], ["INCR", "l"],
    ["DECRBY", "l", "1"], ["INCRBYFLOAT", "l", "1"], ["GETRANGE", "l", "0", "1"],
    ["SETRANGE", "l", "0", "x"], ["GETSET", "l", "x"], ["GETDEL", "l"],
    ["GETEX", "l"], ["SET", "l", "v", "GET"], ["SET", "l", "v", "XX", "GET"],
    ["SUBSTR", "l", "0", "1"],
])
def test_string_commands_on_a_list_are_wrongtype(raw, args):
    """needs_types: creates a list with LPUSH (replikv's list type comes
    later; deselect with -m "not needs_types" until then)."""
    assert raw.command("LPUSH", "l", "x") == 1
    assert raw.command(*args) == WRONGTYPE
    assert raw.command("TYPE", "l") == "list"


@pytest.mark.needs_types
def test_string_commands_that_ignore_or_replace_other_types(raw):
    """needs_types: creates a list with LPUSH. MGET answers nil for a
    non-string, SETNX/MSETNX see the key as existing, SET replaces it."""
    assert raw.command("LPUSH", "l", "x") == 1
    assert raw.command("MGET", "l", "missing") == [None, None]
    assert raw.command("SETNX", "l", "v") == 0
    assert raw.command("MSETNX", "l", "v", "other", "w") == 0
    assert raw.command("SET", "l", "v", "NX") is None
    assert raw.command("TYPE", "l") == "list"
    assert raw.command("SET", "l", "v") == "OK"
    assert raw.command("TYPE", "l") == "string"
    assert raw.command("LPUSH", "m", "x") == 1
    assert raw.command("MSET", "m", "v") == "OK"
    assert raw.command("GET", "m") == b"v"
