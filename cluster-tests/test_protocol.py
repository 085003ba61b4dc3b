"""Wire-level behaviour: framing, inline commands, protocol errors, AUTH, HELLO.

Every expected byte string here was observed on redis-server 7.0.15.
"""

import re
import socket

import pytest

from harness import RespError, SimpleString, encode_command, ConnectionClosed


def test_pipeline_of_1000_commands_in_one_write_answers_in_order(raw):
    payload = b"".join(encode_command("INCR", "counter") for _ in range(1000))
    payload += encode_command("GET", "counter")
    raw.send(payload)
    replies = [raw.read_reply() for _ in range(1001)]
    assert replies[:1000] == list(range(1, 1001))
    assert replies[1000] == b"1000"


def test_mixed_pipeline_keeps_reply_types_and_order(raw):
    raw.send(encode_command("SET", "k", "v") + encode_command("GET", "k") +
             encode_command("GET", "missing") + encode_command("INCR", "k") +
             encode_command("EXISTS", "k") + b"PING\r\n")
    assert raw.read_reply() == SimpleString("OK")
    assert raw.read_reply() == b"v"
    assert raw.read_reply() is None
    assert raw.read_reply() == RespError(
        "ERR value is not an integer or out of range")
    assert raw.read_reply() == 1
    assert raw.read_reply() == "PONG"


def test_multibulk_request_sent_one_byte_at_a_time(raw):
    data = encode_command("SET", "slow", "a\r\nb") + encode_command("GET", "slow")
    for i in range(len(data)):
        raw.send(data[i:i + 1])
    assert raw.read_reply() == "OK"
    assert raw.read_reply() == b"a\r\nb"


def test_inline_request_sent_one_byte_at_a_time(raw):
    data = b"SET slow \"x y\"\r\nGET slow\r\n"
    for i in range(len(data)):
        raw.send(data[i:i + 1])
    assert raw.read_reply() == "OK"
    assert raw.read_reply() == b"x y"


def test_reply_comes_only_after_the_last_byte(raw):
    data = encode_command("PING")
    raw.send(data[:-1])
    with pytest.raises(socket.timeout):
        raw.read_reply(timeout_s=0.3)
    raw.send(data[-1:])
    assert raw.read_reply() == "PONG"


def test_inline_commands_split_on_spaces_and_honour_quotes(raw):
    assert raw.inline("set  plain   value") == "OK"
    assert raw.inline("get plain") == b"value"
    assert raw.inline("set \"a b\" 'c d'") == "OK"
    assert raw.inline("get \"a b\"") == b"c d"
    assert raw.inline(r'echo "\x41\n\t\"q\""') == b'A\n\t"q"'
    assert raw.inline(r"echo 'it\'s'") == b"it's"
    assert raw.inline("echo \"\"") == b""


def test_inline_command_accepts_a_bare_newline_terminator(raw):
    raw.send(b"PING\n")
    assert raw.read_reply() == "PONG"


def test_empty_inline_lines_are_ignored(raw):
    raw.send(b"\r\n\r\n\n   \r\nPING\r\n")
    assert raw.read_reply() == "PONG"
    # Nothing was queued for the empty lines: the next reply is ours.
    assert raw.command("ECHO", "next") == b"next"


def test_empty_multibulk_is_ignored(raw):
    raw.send(b"*0\r\n*-1\r\n" + encode_command("PING"))
    assert raw.read_reply() == "PONG"
    assert raw.command("ECHO", "next") == b"next"


PROTOCOL_ERRORS = [
    (b"*abc\r\n", "ERR Protocol error: invalid multibulk length"),
    (b"*+1\r\n", "ERR Protocol error: invalid multibulk length"),
    (b"*2147483648\r\n", "ERR Protocol error: invalid multibulk length"),
    (b"*1\r\n$abc\r\n", "ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$-1\r\n", "ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$-5\r\n", "ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$2147483648\r\n", "ERR Protocol error: invalid bulk length"),
    (b"*1\r\nfoo\r\n", "ERR Protocol error: expected '$', got 'f'"),
    (b"*2\r\n$4\r\necho\r\n:5\r\n", "ERR Protocol error: expected '$', got ':'"),
    (b"x" * 70000, "ERR Protocol error: too big inline request"),
    (b"*" + b"1" * 70000, "ERR Protocol error: too big mbulk count string"),
    (b"*1\r\n$" + b"1" * 70000, "ERR Protocol error: too big bulk count string"),
    (b"set a \"b\r\n", "ERR Protocol error: unbalanced quotes in request"),
    (b"echo \"a\"b\r\n", "ERR Protocol error: unbalanced quotes in request"),
    (b"echo 'a\r\n", "ERR Protocol error: unbalanced quotes in request"),
]


@pytest.mark.parametrize(
    "request_bytes,error", PROTOCOL_ERRORS,
    ids=[e[1].split(": ")[1].replace(" ", "_") + f"-{i}"
         for i, e in enumerate(PROTOCOL_ERRORS)])
def test_protocol_error_is_replied_then_connection_closed(
        server, request_bytes, error):
    with server.raw() as bystander, server.raw() as bad:
        assert bystander.command("SET", "k", "v") == "OK"
        bad.send(request_bytes)
        assert bad.read_reply() == RespError(error)
        assert bad.read_until_closed() == b""
        # The server keeps serving everyone else.
        assert bystander.command("GET", "k") == b"v"
        with server.raw() as newcomer:
            assert newcomer.command("PING") == "PONG"


def test_commands_before_a_protocol_error_are_executed(server):
    with server.raw() as bad:
        bad.send(encode_command("SET", "before", "1") + b"*1\r\n$x\r\n")
        assert bad.read_reply() == "OK"
        assert bad.read_reply() == RespError(
            "ERR Protocol error: invalid bulk length")
        bad.read_until_closed()
    assert server.client().get("before") == b"1"


def test_bulk_over_proto_max_bulk_len_is_refused(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        assert c.command("CONFIG", "SET", "proto-max-bulk-len", "1mb") == "OK"
        assert c.command("CONFIG", "GET", "proto-max-bulk-len") == [
            b"proto-max-bulk-len", b"1048576"]
        # Exactly the limit is fine.
        assert c.command("SET", "big", b"x" * 1048576) == "OK"
        assert c.command("STRLEN", "big") == 1048576
        c.send(b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$1048577\r\n")
        assert c.read_reply() == RespError(
            "ERR Protocol error: invalid bulk length")
        c.read_until_closed()
    with srv.raw() as c:
        err = c.command("CONFIG", "SET", "proto-max-bulk-len", "1000")
        assert isinstance(err, RespError)
        assert err.message == (
            "ERR CONFIG SET failed (possibly related to argument "
            "'proto-max-bulk-len') - argument must be between 1048576 and "
            "9223372036854775807 inclusive")


def test_unknown_command_error_lists_the_arguments(raw):
    assert raw.command("foo", "a", "b") == RespError(
        "ERR unknown command 'foo', with args beginning with: 'a' 'b' ")
    assert raw.command("FOO") == RespError(
        "ERR unknown command 'FOO', with args beginning with: ")
    assert raw.command("") == RespError(
        "ERR unknown command '', with args beginning with: ")
    # The connection stays usable.
    assert raw.command("PING") == "PONG"


def test_unknown_command_error_truncates_long_names_and_arguments(raw):
    reply = raw.command("foo", "a" * 200, "b", "c")
    assert reply == RespError(
        "ERR unknown command 'foo', with args beginning with: '" +
        "a" * 128 + "' ")
    reply = raw.command("F" * 200, "a")
    assert reply == RespError(
        "ERR unknown command '" + "F" * 128 +
        "', with args beginning with: 'a' ")


@pytest.mark.parametrize("args,name", [
    (["GET"], "get"), (["get", "a", "b"], "get"), (["SET", "a"], "set"),
    (["ping", "a", "b"], "ping"), (["echo"], "echo"), (["select"], "select"),
    (["config"], "config"), (["CONFIG", "GET"], "config|get"),
    (["object"], "object"), (["client"], "client"),
])
def test_wrong_arity_error_text(raw, args, name):
    assert raw.command(*args) == RespError(
        f"ERR wrong number of arguments for '{name}' command")


def test_unknown_subcommand_error_text(raw):
    assert raw.command("CONFIG", "foo") == RespError(
        "ERR unknown subcommand 'foo'. Try CONFIG HELP.")
    assert raw.command("object", "foo") == RespError(
        "ERR unknown subcommand 'foo'. Try OBJECT HELP.")
    assert raw.command("client", "foo") == RespError(
        "ERR unknown subcommand 'foo'. Try CLIENT HELP.")


def test_keys_and_values_are_binary_safe(raw, r):
    key = b"k\r\n\x00ey\xff"
    value = bytes(range(256)) + b"\r\n$3\r\n*1\r\n\x00"
    assert raw.command("SET", key, value) == "OK"
    assert raw.command("GET", key) == value
    assert raw.command("STRLEN", key) == len(value)
    assert raw.command("KEYS", "*") == [key]
    assert r.get(key) == value
    assert r.exists(key) == 1
    assert raw.command("APPEND", key, b"\x00\r\n") == len(value) + 3
    assert r.get(key) == value + b"\x00\r\n"


@pytest.mark.slow
def test_50mb_value_round_trip(r):
    value = (bytes(range(256)) * (50 * 1024 * 4))[:50 * 1024 * 1024]
    assert len(value) == 50 * 1024 * 1024
    assert r.set("huge", value) is True
    assert r.strlen("huge") == len(value)
    assert r.get("huge") == value
    assert r.getrange("huge", 50 * 1024 * 1024 - 3, -1) == value[-3:]


def test_quit_replies_ok_and_closes_without_running_later_commands(server):
    with server.raw() as c:
        c.send(b"QUIT\r\n" + encode_command("SET", "after-quit", "1"))
        assert c.read_reply() == "OK"
        assert c.read_until_closed() == b""
    assert server.client().exists("after-quit") == 0


# ------------------------------------------------------------------ AUTH


NOAUTH = RespError("NOAUTH Authentication required.")
WRONGPASS = RespError(
    "WRONGPASS invalid username-password pair or user is disabled.")


@pytest.fixture
def auth_server(server_factory):
    return server_factory(extra_args=["--requirepass", "secret"])


@pytest.mark.parametrize("args", [
    ["PING"], ["GET", "a"], ["SET", "a", "1"], ["SELECT", "1"],
    ["CLIENT", "ID"], ["CONFIG", "GET", "port"], ["INFO"], ["ECHO", "x"],
    ["DBSIZE"], ["COMMAND"], ["DEBUG", "SLEEP", "0"],
])
def test_every_command_is_refused_before_auth(auth_server, args):
    with auth_server.raw() as c:
        assert c.command(*args) == NOAUTH
        # Refused, not disconnected.
        assert c.command(*args) == NOAUTH


def test_unknown_command_before_auth_gets_unknown_command_error(auth_server):
    with auth_server.raw() as c:
        assert c.command("foo", "x") == RespError(
            "ERR unknown command 'foo', with args beginning with: 'x' ")


def test_wrong_password_texts(auth_server):
    with auth_server.raw() as c:
        assert c.command("AUTH", "wrong") == WRONGPASS
        assert c.command("AUTH", "default", "wrong") == WRONGPASS
        assert c.command("AUTH", "a", "b", "c") == RespError("ERR syntax error")
        assert c.command("AUTH") == RespError(
            "ERR wrong number of arguments for 'auth' command")
        assert c.command("GET", "a") == NOAUTH


def test_auth_then_commands_work(auth_server):
    with auth_server.raw() as c:
        assert c.command("AUTH", "secret") == "OK"
        assert c.command("SET", "a", "1") == "OK"
        assert c.command("GET", "a") == b"1"
    with auth_server.raw() as c:
        assert c.command("AUTH", "default", "secret") == "OK"
        assert c.command("GET", "a") == b"1"


def test_hello_before_auth(auth_server):
    with auth_server.raw() as c:
        assert c.command("HELLO", "2") == RespError(
            "NOAUTH HELLO must be called with the client already "
            "authenticated, otherwise the HELLO AUTH <user> <pass> option "
            "can be used to authenticate the client and select the RESP "
            "protocol version at the same time")
        assert c.command("HELLO", "2", "AUTH", "default", "wrong") == WRONGPASS
        reply = c.command("HELLO", "2", "AUTH", "default", "secret")
        assert isinstance(reply, list) and reply[4:6] == [b"proto", 2]
        assert c.command("GET", "a") is None


def test_quit_is_allowed_before_auth(auth_server):
    with auth_server.raw() as c:
        assert c.command("QUIT") == "OK"
        c.read_until_closed()


def test_auth_without_a_configured_password(raw):
    assert raw.command("AUTH", "x") == RespError(
        "ERR AUTH <password> called without any password configured for the "
        "default user. Are you sure your configuration is correct?")
    # The default user is "nopass": any password is accepted for it by name.
    assert raw.command("AUTH", "default", "x") == "OK"
    assert raw.command("AUTH", "nosuchuser", "x") == WRONGPASS
    assert raw.command("PING") == "PONG"


# ------------------------------------------------------------------ HELLO


def _hello_fields(reply):
    if isinstance(reply, dict):
        return reply
    assert isinstance(reply, list) and len(reply) % 2 == 0
    return dict(zip(reply[0::2], reply[1::2]))


def test_hello_2_reply_shape(raw):
    client_id = raw.command("CLIENT", "ID")
    reply = raw.command("HELLO", "2")
    assert isinstance(reply, list) and len(reply) == 14
    assert reply[0::2] == [b"server", b"version", b"proto", b"id", b"mode",
                           b"role", b"modules"]
    fields = _hello_fields(reply)
    assert fields[b"server"] == b"redis"
    assert re.fullmatch(rb"7\.0\.\d+", fields[b"version"])
    info = raw.command("INFO", "server")
    assert b"redis_version:" + fields[b"version"] + b"\r\n" in info
    assert fields[b"proto"] == 2
    assert fields[b"id"] == client_id
    assert fields[b"mode"] == b"standalone"
    assert fields[b"role"] == b"master"
    assert fields[b"modules"] == []
    # HELLO without a version is the same shape and keeps the protocol.
    assert _hello_fields(raw.command("HELLO"))[b"proto"] == 2
    assert raw.command("GET", "missing") is None


def test_hello_setname_sets_the_client_name(raw):
    raw.command("HELLO", "2", "SETNAME", "myname")
    assert raw.command("CLIENT", "GETNAME") == b"myname"


def test_hello_errors(raw):
    assert raw.command("HELLO", "4") == RespError(
        "NOPROTO unsupported protocol version")
    assert raw.command("HELLO", "1") == RespError(
        "NOPROTO unsupported protocol version")
    assert raw.command("HELLO", "abc") == RespError(
        "ERR Protocol version is not an integer or out of range")
    assert raw.command("HELLO", "3", "SETNAME") == RespError(
        "ERR Syntax error in HELLO option 'SETNAME'")
    assert raw.command("HELLO", "2", "SETNAME", "x", "y") == RespError(
        "ERR Syntax error in HELLO option 'y'")
    # Still RESP2 after the failures.
    assert raw.command("GET", "missing") is None


def test_hello_3_switches_to_resp3_or_is_refused_with_noproto(server, target):
    """Redis answers RESP3. replikv may choose to stay RESP2-only, in which
    case HELLO 3 must fail with NOPROTO and leave the connection in RESP2."""
    with server.raw() as c:
        c.send(encode_command("HELLO", "3"))
        first = c.peek(1)  # RESP3 answers with a map (%)
        reply = c.read_reply()
        if target == "replikv" and isinstance(reply, RespError):
            assert reply.message == "NOPROTO unsupported protocol version"
            assert c.command("GET", "missing") is None
            return
        assert first == b"%"
        assert reply[b"proto"] == 3
        assert reply[b"server"] == b"redis"
        assert reply[b"modules"] == []
        c.send(encode_command("GET", "missing"))
        assert c.peek(3) == b"_\r\n"
        assert c.read_reply() is None
        assert c.command("PING") == "PONG"
        assert c.command("SET", "k", "v") == "OK"
        assert c.command("GET", "k") == b"v"
        assert c.command("INCR", "n") == 1
        assert isinstance(c.command("NOSUCH"), RespError)
        # Back to RESP2.
        reply = c.command("HELLO", "2")
        assert isinstance(reply, list)
        c.send(encode_command("GET", "missing"))
        assert c.peek(5) == b"$-1\r\n"
        assert c.read_reply() is None


def test_connection_closed_error_is_reported_by_the_client(server):
    # Harness self-check: a close mid-reply surfaces as ConnectionClosed.
    with server.raw() as c:
        c.send(b"QUIT\r\n")
        assert c.read_reply() == "OK"
        with pytest.raises(ConnectionClosed):
            c.read_reply()
