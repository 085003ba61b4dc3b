"""Transactions: MULTI EXEC DISCARD WATCH UNWATCH with several real clients,
as redis-server 7.0.15 answers them, and what an EXEC writes to the AOF.

Every expected reply here was observed on redis-server 7.0.15.
"""

import time
from pathlib import Path

import pytest

from harness import RespError, SimpleString, encode_command, info_fields, wait_for

EXECABORT = RespError("EXECABORT Transaction discarded because of previous errors.")
SUBSCRIBE_CONTEXT = ("only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
                     "RESET are allowed in this context")


def transaction(c, *commands):
    """MULTI, the commands (each must answer QUEUED), EXEC; returns EXEC's
    reply."""
    assert c.command("MULTI") == "OK"
    for args in commands:
        assert c.command(*args) == "QUEUED", args
    return c.command("EXEC")


# ------------------------------------------------------------ queuing, EXEC


def test_exec_runs_the_queue_with_per_command_replies(raw):
    assert raw.command("MULTI") == "OK"
    assert raw.command("SET", "a", "x") == SimpleString("QUEUED")
    assert raw.command("INCR", "a") == "QUEUED"
    assert raw.command("GET", "a") == "QUEUED"
    assert raw.command("EXEC") == [
        "OK", RespError("ERR value is not an integer or out of range"), b"x"]
    assert raw.command("EXEC") == RespError("ERR EXEC without MULTI")


def test_other_clients_see_nothing_until_exec(server, raw):
    other = server.raw()
    try:
        assert raw.command("MULTI") == "OK"
        assert raw.command("SET", "k", "v") == "QUEUED"
        assert other.command("GET", "k") is None
        assert raw.command("EXEC") == ["OK"]
        assert other.command("GET", "k") == b"v"
    finally:
        other.close()


def test_queuing_errors_make_exec_abort(raw):
    assert raw.command("MULTI") == "OK"
    assert raw.command("NOSUCH", "x") == RespError(
        "ERR unknown command 'NOSUCH', with args beginning with: 'x' ")
    assert raw.command("SET", "a", "1") == "QUEUED"
    assert raw.command("GET") == RespError(
        "ERR wrong number of arguments for 'get' command")
    assert raw.command("CONFIG", "NOPE") == RespError(
        "ERR unknown subcommand 'NOPE'. Try CONFIG HELP.")
    assert raw.command("EXEC") == EXECABORT
    assert raw.command("EXISTS", "a") == 0
    assert raw.command("EXEC") == RespError("ERR EXEC without MULTI")


def test_exec_with_wrong_arity_aborts_with_its_reason(raw):
    assert raw.command("MULTI") == "OK"
    assert raw.command("SET", "x", "1") == "QUEUED"
    assert raw.command("EXEC", "extra") == RespError(
        "EXECABORT Transaction discarded because of: wrong number of "
        "arguments for 'exec' command")
    assert raw.command("EXEC") == RespError("ERR EXEC without MULTI")
    assert raw.command("EXISTS", "x") == 0


def test_nested_multi_and_watch_inside_multi_keep_the_transaction(raw):
    assert raw.command("MULTI") == "OK"
    assert raw.command("MULTI") == RespError("ERR MULTI calls can not be nested")
    assert raw.command("WATCH", "a") == RespError(
        "ERR WATCH inside MULTI is not allowed")
    assert raw.command("SET", "a", "1") == "QUEUED"
    assert raw.command("EXEC") == ["OK"]


def test_exec_and_discard_without_multi_and_arity(raw):
    assert raw.command("EXEC") == RespError("ERR EXEC without MULTI")
    assert raw.command("DISCARD") == RespError("ERR DISCARD without MULTI")
    assert raw.command("MULTI", "x") == RespError(
        "ERR wrong number of arguments for 'multi' command")
    assert raw.command("WATCH") == RespError(
        "ERR wrong number of arguments for 'watch' command")
    assert raw.command("UNWATCH", "x") == RespError(
        "ERR wrong number of arguments for 'unwatch' command")
    assert raw.command("MULTI") == "OK"
    assert raw.command("DISCARD", "x") == RespError(
        "ERR wrong number of arguments for 'discard' command")
    assert raw.command("EXEC") == EXECABORT


def test_discard_drops_the_queue(raw):
    assert raw.command("MULTI") == "OK"
    assert raw.command("SET", "a", "1") == "QUEUED"
    assert raw.command("DISCARD") == "OK"
    assert raw.command("EXISTS", "a") == 0
    assert raw.command("DISCARD") == RespError("ERR DISCARD without MULTI")


def test_no_multi_command_is_refused_inside_multi(raw):
    assert raw.command("MULTI") == "OK"
    assert raw.command("SHUTDOWN") == RespError(
        "ERR Command not allowed inside a transaction")
    assert raw.command("SET", "a", "1") == "QUEUED"
    assert raw.command("EXEC") == EXECABORT


def test_reset_and_quit_act_at_once_inside_multi(server, raw):
    assert raw.command("MULTI") == "OK"
    assert raw.command("SET", "a", "1") == "QUEUED"
    assert raw.command("RESET") == "RESET"
    assert raw.command("EXEC") == RespError("ERR EXEC without MULTI")
    assert raw.command("EXISTS", "a") == 0
    assert raw.command("MULTI") == "OK"
    assert raw.command("QUIT") == "OK"
    raw.read_until_closed()


def test_select_inside_exec_stays_selected(raw):
    assert transaction(raw, ("SELECT", "3"), ("SET", "q", "1")) == ["OK", "OK"]
    assert raw.command("GET", "q") == b"1"
    assert raw.command("SELECT", "0") == "OK"
    assert raw.command("EXISTS", "q") == 0


def test_empty_transaction(raw):
    assert transaction(raw) == []


def test_client_list_shows_the_open_transaction(server, raw):
    other = server.raw()
    try:
        assert raw.command("MULTI") == "OK"
        assert raw.command("SET", "a", "1") == "QUEUED"
        assert raw.command("GET", "a") == "QUEUED"
        listing = other.command("CLIENT", "LIST").decode()
        line = [l for l in listing.splitlines() if "cmd=get" in l]
        assert len(line) == 1, listing
        assert " flags=x " in line[0] and " multi=2 " in line[0], line[0]
    finally:
        other.close()


# ------------------------------------------------------------------ WATCH


@pytest.fixture
def other(server):
    c = server.raw()
    yield c
    c.close()


def test_watched_key_changed_by_another_client_fails_exec(raw, other):
    assert raw.command("WATCH", "k") == "OK"
    assert other.command("SET", "k", "v") == "OK"
    assert raw.command("MULTI") == "OK"
    assert raw.command("SET", "r", "1") == "QUEUED"
    raw.send(encode_command("EXEC"))
    assert raw.peek(5) == b"*-1\r\n"  # a null array, not a null bulk
    assert raw.read_reply() is None
    assert raw.command("EXISTS", "r") == 0


def test_watched_key_changed_by_the_watcher_fails_exec(raw):
    assert raw.command("WATCH", "k") == "OK"
    assert raw.command("SET", "k", "v") == "OK"
    assert transaction(raw, ("SET", "r", "1")) is None


@pytest.mark.parametrize("change", [
    ("SET", "k", "other"),
    ("SET", "k", "v"),          # same value: still a change
    ("DEL", "k"),
    ("APPEND", "k", "x"),
    ("EXPIRE", "k", "100"),
    ("RENAME", "k", "z"),
    ("MOVE", "k", "1"),
    ("FLUSHALL",),
    ("FLUSHDB",),
])
def test_changes_to_an_existing_watched_key_fail_exec(raw, other, change):
    assert raw.command("SET", "k", "v") == "OK"
    assert raw.command("WATCH", "k") == "OK"
    reply = other.command(*change)
    assert not isinstance(reply, RespError), reply
    assert transaction(raw, ("PING",)) is None


@pytest.mark.parametrize("attempt", [
    ("GET", "k"),
    ("SETNX", "k", "w"),        # exists: nothing set
    ("INCR", "k"),              # not an integer: error
    ("PERSIST", "k"),           # no TTL: nothing to do
    ("DEL", "missing"),
    ("SET", "missing", "1", "XX"),
    ("RENAME", "missing", "k"),
    ("SET", "unrelated", "1"),
])
def test_reads_and_no_op_writes_do_not_fail_exec(raw, other, attempt):
    assert raw.command("SET", "k", "v") == "OK"
    assert raw.command("WATCH", "k", "missing") == "OK"
    other.command(*attempt)
    assert transaction(raw, ("PING",)) == ["PONG"]


def test_same_key_name_in_another_db_is_another_key(raw, other):
    assert raw.command("WATCH", "k") == "OK"
    assert other.command("SELECT", "5") == "OK"
    assert other.command("SET", "k", "v") == "OK"
    assert transaction(raw, ("PING",)) == ["PONG"]


def test_flushall_and_swapdb_touch_only_keys_that_exist(raw, other):
    assert raw.command("WATCH", "absent") == "OK"
    assert other.command("FLUSHALL") == "OK"
    assert other.command("SWAPDB", "0", "1") == "OK"
    assert transaction(raw, ("PING",)) == ["PONG"]
    assert other.command("SELECT", "1") == "OK"
    assert other.command("SET", "k", "v") == "OK"
    assert raw.command("WATCH", "k") == "OK"
    assert other.command("SWAPDB", "0", "1") == "OK"  # brings k into db 0
    assert transaction(raw, ("PING",)) is None


def test_key_expiring_after_watch_fails_exec(raw):
    assert raw.command("SET", "k", "v", "PX", "50") == "OK"
    assert raw.command("WATCH", "k") == "OK"
    start = time.monotonic()
    wait_for(lambda: time.monotonic() - start > 0.1, 5, "the TTL to pass")
    assert transaction(raw, ("PING",)) is None


def test_key_already_expired_when_watched_counts_as_absent(raw, other):
    assert raw.command("SET", "k", "v", "PX", "20") == "OK"
    # Wait until the key is logically expired without touching it.
    start = time.monotonic()
    wait_for(lambda: time.monotonic() - start > 0.06, 5, "the TTL to pass")
    assert raw.command("WATCH", "k") == "OK"
    assert other.command("GET", "k") is None  # deletes it: no logical change
    assert transaction(raw, ("PING",)) == ["PONG"]


def test_unwatch_and_discard_forget_watches(raw, other):
    assert raw.command("WATCH", "k") == "OK"
    assert other.command("SET", "k", "1") == "OK"
    assert raw.command("UNWATCH") == "OK"
    assert transaction(raw, ("PING",)) == ["PONG"]
    assert raw.command("WATCH", "k") == "OK"
    assert raw.command("MULTI") == "OK"
    assert raw.command("DISCARD") == "OK"
    assert other.command("SET", "k", "2") == "OK"
    assert transaction(raw, ("PING",)) == ["PONG"]


def test_exec_unwatches_even_when_it_runs(raw, other):
    assert raw.command("WATCH", "k") == "OK"
    assert transaction(raw, ("PING",)) == ["PONG"]
    assert other.command("SET", "k", "1") == "OK"
    assert transaction(raw, ("PING",)) == ["PONG"]


def test_writes_inside_exec_fail_other_watchers(raw, other):
    assert other.command("WATCH", "k") == "OK"
    assert transaction(raw, ("SET", "k", "1")) == ["OK"]
    assert transaction(other, ("PING",)) is None


@pytest.mark.needs_types
def test_list_hash_and_set_changes_touch_watchers(raw, other):
    for setup, change in [
        (("RPUSH", "k", "a"), ("LPUSH", "k", "b")),
        (("RPUSH", "k", "a", "b"), ("LPOP", "k")),
        (("HSET", "k", "f", "v"), ("HSET", "k", "g", "v")),
        (("SADD", "k", "a"), ("SADD", "k", "b")),
        (("ZADD", "k", "1", "a"), ("ZINCRBY", "k", "1", "a")),
    ]:
        assert raw.command("DEL", "k") in (0, 1)
        raw.command(*setup)
        assert raw.command("WATCH", "k") == "OK"
        other.command(*change)
        assert transaction(raw, ("PING",)) is None, change
    raw.command("SADD", "s", "a")
    assert raw.command("WATCH", "s") == "OK"
    assert other.command("SREM", "s", "zz") == 0      # no change
    assert transaction(raw, ("PING",)) == ["PONG"]


@pytest.mark.needs_types
def test_store_commands_do_not_touch_their_sources(raw, other):
    # Redis looks the sources up "for writing" but marks only the
    # destination as modified.
    raw.command("SADD", "s", "a")
    assert raw.command("WATCH", "s") == "OK"
    assert other.command("SINTERSTORE", "d1", "s") == 1
    assert other.command("SUNIONSTORE", "d2", "s", "none") == 1
    assert other.command("SDIFFSTORE", "d3", "s", "none") == 1
    assert transaction(raw, ("PING",)) == ["PONG"]


# ------------------------------------------------------- pub/sub in MULTI


def test_subscribe_inside_exec_enters_subscriber_mode(raw):
    assert transaction(raw, ("SUBSCRIBE", "a"), ("PING",)) == [
        [b"subscribe", b"a", 1], [b"pong", b""]]
    assert raw.command("MULTI") == RespError(
        "ERR Can't execute 'multi': " + SUBSCRIBE_CONTEXT)
    assert raw.command("EXEC") == RespError(
        "EXECABORT Transaction discarded because of: Can't execute 'exec': "
        + SUBSCRIBE_CONTEXT)


def test_ssubscribe_is_refused_inside_exec(raw):
    assert transaction(raw, ("SSUBSCRIBE", "a")) == [
        RespError("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")]
    assert raw.command("PING") == "PONG"


# ------------------------------------------------------------------ AOF


def incr_aof_bytes(srv):
    files = sorted(Path(srv.dir, "appendonlydir").glob("*.incr.aof"))
    assert len(files) == 1, files
    return files[0].read_bytes()


def resp(*args):
    return encode_command(*args)


def test_exec_is_written_to_the_aof_as_one_multi_exec_block(server_factory):
    srv = server_factory(extra_args=["--appendonly", "yes", "--appendfsync", "always"])
    c = srv.raw()
    try:
        assert transaction(c, ("SET", "a", "1"), ("GET", "a"), ("SET", "b", "2")) == [
            "OK", b"1", "OK"]
        assert transaction(c, ("SET", "only", "1"), ("GET", "only")) == ["OK", b"1"]
        assert transaction(c, ("GET", "a"), ("DEL", "missing")) == [b"1", 0]
        assert c.command("MULTI") == "OK"
        assert c.command("SET", "c", "1") == "QUEUED"
        assert isinstance(c.command("NOSUCH"), RespError)
        assert c.command("EXEC") == EXECABORT
        expected = (resp("SELECT", "0") + resp("MULTI") + resp("SET", "a", "1") +
                    resp("SET", "b", "2") + resp("EXEC") + resp("SET", "only", "1"))
        wait_for(lambda: incr_aof_bytes(srv) == expected, 10,
                 "the AOF to hold the transactions")
    finally:
        c.close()


# ------------------------------------------------------------ statistics


def test_a_command_failing_inside_exec_counts_only_against_itself(server_factory):
    # Redis 7.0: the failing command's failed_calls, not EXEC's (issue 16,
    # item 3). EXEC's own errors are EXEC's.
    raw = server_factory().raw()
    assert raw.command("SET", "s", "x") == "OK"
    assert transaction(raw, ("INCR", "s"), ("SET", "t", "1"), ("LPUSH", "s", "a")) == [
        RespError("ERR value is not an integer or out of range"), "OK",
        RespError("WRONGTYPE Operation against a key holding the wrong kind of value")]
    stats = info_fields(raw.command("INFO", "commandstats"))
    assert stats["cmdstat_exec"].startswith("calls=1,")
    assert stats["cmdstat_exec"].endswith(",rejected_calls=0,failed_calls=0")
    assert stats["cmdstat_incr"].endswith(",rejected_calls=0,failed_calls=1")
    assert stats["cmdstat_lpush"].endswith(",rejected_calls=0,failed_calls=1")
    assert stats["cmdstat_set"].endswith(",rejected_calls=0,failed_calls=0")
    assert raw.command("EXEC") == RespError("ERR EXEC without MULTI")
    stats = info_fields(raw.command("INFO", "commandstats"))
    assert stats["cmdstat_exec"].endswith(",rejected_calls=0,failed_calls=1")
    errors = info_fields(raw.command("INFO", "stats"))["total_error_replies"]
    assert errors == "3"
