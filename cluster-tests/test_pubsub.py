"""Pub/Sub with several real clients: message shapes, subscriber mode, PUBSUB
introspection, CLIENT LIST / INFO fields, and the pubsub output-buffer limit,
as redis-server 7.0.15 behaves.

Channel lists come back in hash order on Redis, so they are compared as sets.
"""

import socket

from harness import RespError, encode_command, info_fields, wait_for

CONTEXT = ("only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
           "allowed in this context")


def test_subscribe_acks_count_channels_and_patterns(raw):
    assert raw.command("SUBSCRIBE", "a", "b", "a") == [b"subscribe", b"a", 1]
    assert raw.read_reply() == [b"subscribe", b"b", 2]
    assert raw.read_reply() == [b"subscribe", b"a", 2]
    assert raw.command("PSUBSCRIBE", "h?llo") == [b"psubscribe", b"h?llo", 3]
    assert raw.command("UNSUBSCRIBE", "zz") == [b"unsubscribe", b"zz", 3]
    assert raw.command("PUNSUBSCRIBE", "h?llo") == [b"punsubscribe", b"h?llo", 2]


def test_publish_reaches_channel_then_pattern_subscribers(raw, clients):
    sub = clients()
    assert sub.command("SUBSCRIBE", "news") == [b"subscribe", b"news", 1]
    assert sub.command("PSUBSCRIBE", "n*") == [b"psubscribe", b"n*", 2]
    sub2 = clients()
    assert sub2.command("PSUBSCRIBE", "*s") == [b"psubscribe", b"*s", 1]
    assert raw.command("PUBLISH", "news", "hi") == 3
    assert sub.read_reply() == [b"message", b"news", b"hi"]
    assert sub.read_reply() == [b"pmessage", b"n*", b"news", b"hi"]
    assert sub2.read_reply() == [b"pmessage", b"*s", b"news", b"hi"]
    assert raw.command("PUBLISH", "nope", "x") == 1
    assert sub.read_reply() == [b"pmessage", b"n*", b"nope", b"x"]
    assert raw.command("PUBLISH", "other", "x") == 0


def test_message_bytes_on_the_wire(raw, clients):
    sub = clients()
    sub.command("SUBSCRIBE", "c")
    sub.command("PSUBSCRIBE", "c*")
    assert raw.command("PUBLISH", "c", "a\r\nb") == 2
    expected = (b"*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$4\r\na\r\nb\r\n"
                b"*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$1\r\nc\r\n$4\r\na\r\nb\r\n")
    assert sub.peek(len(expected)) == expected


def test_subscriber_mode_refuses_other_commands(raw):
    raw.command("SUBSCRIBE", "c")
    assert raw.command("GET", "x") == RespError("ERR Can't execute 'get': " + CONTEXT)
    assert raw.command("CLIENT", "LIST") == RespError(
        "ERR Can't execute 'client|list': " + CONTEXT)
    assert raw.command("NOSUCH") == RespError(
        "ERR unknown command 'NOSUCH', with args beginning with: ")
    assert raw.command("PING") == [b"pong", b""]
    assert raw.command("PING", "x") == [b"pong", b"x"]
    assert raw.command("PSUBSCRIBE", "p") == [b"psubscribe", b"p", 2]


def test_reset_and_last_unsubscribe_end_subscriber_mode(raw):
    raw.command("SUBSCRIBE", "c")
    assert raw.command("RESET") == "RESET"
    assert raw.command("GET", "x") is None
    raw.command("SUBSCRIBE", "c")
    raw.command("PSUBSCRIBE", "p*")
    assert raw.command("UNSUBSCRIBE") == [b"unsubscribe", b"c", 1]
    assert raw.command("GET", "x") == RespError("ERR Can't execute 'get': " + CONTEXT)
    assert raw.command("PUNSUBSCRIBE") == [b"punsubscribe", b"p*", 0]
    assert raw.command("PING") == "PONG"


def test_unsubscribe_without_arguments(raw):
    raw.send(encode_command("UNSUBSCRIBE"))
    expected = b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"
    assert raw.peek(len(expected)) == expected
    assert raw.read_reply() == [b"unsubscribe", None, 0]
    assert raw.command("PUNSUBSCRIBE") == [b"punsubscribe", None, 0]
    assert raw.command("SUNSUBSCRIBE") == [b"sunsubscribe", None, 0]
    raw.command("SUBSCRIBE", "a", "b", "c")
    raw.read_reply()
    raw.read_reply()
    acks = [raw.command("UNSUBSCRIBE")] + [raw.read_reply() for _ in range(2)]
    assert sorted(a[1] for a in acks) == [b"a", b"b", b"c"]
    assert sorted(a[2] for a in acks) == [0, 1, 2]


def test_pubsub_introspection(raw, clients):
    a, b = clients(), clients()
    a.command("SUBSCRIBE", "news", "sport")
    a.read_reply()
    b.command("SUBSCRIBE", "news")
    a.command("PSUBSCRIBE", "n*", "s*")
    a.read_reply()
    b.command("PSUBSCRIBE", "n*")
    assert sorted(raw.command("PUBSUB", "CHANNELS")) == [b"news", b"sport"]
    assert raw.command("PUBSUB", "CHANNELS", "s*") == [b"sport"]
    assert raw.command("PUBSUB", "NUMSUB", "news", "sport", "none") == [
        b"news", 2, b"sport", 1, b"none", 0]
    assert raw.command("PUBSUB", "NUMSUB") == []
    assert raw.command("PUBSUB", "NUMPAT") == 2  # distinct patterns
    assert raw.command("PUBSUB", "SHARDCHANNELS") == []
    assert raw.command("PUBSUB", "SHARDNUMSUB", "news") == [b"news", 0]
    assert raw.command("PUBSUB", "CHANNELS", "a", "b") == RespError(
        "ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. "
        "Try PUBSUB HELP.")
    assert raw.command("PUBSUB", "NUMPAT", "x") == RespError(
        "ERR wrong number of arguments for 'pubsub|numpat' command")
    assert raw.command("PUBSUB", "FOO") == RespError(
        "ERR unknown subcommand 'FOO'. Try PUBSUB HELP.")
    assert raw.command("PUBSUB") == RespError(
        "ERR wrong number of arguments for 'pubsub' command")
    help_lines = raw.command("PUBSUB", "HELP")
    assert help_lines[0] == "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert len(help_lines) == 14
    fields = info_fields(raw.command("INFO", "stats"))
    assert fields["pubsub_channels"] == "2"
    assert fields["pubsub_patterns"] == "2"


def test_shard_channels_are_separate(raw, clients):
    sub = clients()
    assert sub.command("SSUBSCRIBE", "c") == [b"ssubscribe", b"c", 1]
    assert raw.command("PUBLISH", "c", "m") == 0
    assert raw.command("SPUBLISH", "c", "m") == 1
    assert sub.read_reply() == [b"smessage", b"c", b"m"]
    assert raw.command("PUBSUB", "SHARDCHANNELS") == [b"c"]
    assert raw.command("PUBSUB", "SHARDNUMSUB", "c") == [b"c", 1]
    assert sub.command("GET", "x") == RespError("ERR Can't execute 'get': " + CONTEXT)
    assert sub.command("SUNSUBSCRIBE") == [b"sunsubscribe", b"c", 0]
    assert sub.command("GET", "x") is None


def test_client_list_shows_subscriptions(raw, clients):
    sub = clients()
    sub.command("SUBSCRIBE", "a", "b")
    sub.read_reply()
    sub.command("PSUBSCRIBE", "p*")
    lines = [l for l in raw.command("CLIENT", "LIST").decode().splitlines()
             if "cmd=psubscribe" in l]
    assert len(lines) == 1
    assert " flags=P db=0 sub=2 psub=1 ssub=0 multi=-1 " in lines[0], lines[0]
    ids = [l.split()[0] for l in raw.command("CLIENT", "LIST", "TYPE", "pubsub").decode().splitlines()]
    assert len(ids) == 1 and lines[0].startswith(ids[0] + " ")


def test_disconnected_subscriber_is_forgotten(raw, clients):
    sub = clients()
    sub.command("SUBSCRIBE", "c")
    sub.command("PSUBSCRIBE", "*")
    assert raw.command("PUBLISH", "c", "m") == 2
    sub.close()
    wait_for(lambda: raw.command("PUBLISH", "c", "m") == 0, 10,
             "the closed subscriber to be dropped")
    assert raw.command("PUBSUB", "NUMPAT") == 0
    assert raw.command("PUBSUB", "CHANNELS") == []


def test_subscribers_are_exempt_from_idle_timeout(server_factory):
    srv = server_factory(extra_args=["--timeout", "1"])
    sub, idle = srv.raw(), srv.raw()
    try:
        sub.command("SUBSCRIBE", "c")
        idle.command("PING")
        idle.read_until_closed(timeout_s=10)
        with srv.raw() as probe:  # a fresh connection, not idle yet
            assert probe.command("PUBLISH", "c", "still-here") == 1
        assert sub.read_reply() == [b"message", b"c", b"still-here"]
    finally:
        for c in (sub, idle):
            c.close()


def test_slow_subscriber_is_dropped_at_the_pubsub_limit(server_factory):
    srv = server_factory(extra_args=["--client-output-buffer-limit", "pubsub 256kb 0 0"])
    pub, slow, fast = srv.raw(), srv.raw(), srv.raw()
    try:
        # A small receive window so the server's buffer fills quickly.
        slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        assert slow.command("SUBSCRIBE", "c") == [b"subscribe", b"c", 1]
        assert fast.command("SUBSCRIBE", "c") == [b"subscribe", b"c", 1]
        payload = "x" * 65536
        dropped = False
        # Bounded: at most 32 MB published; the limit is 256 KB.
        for i in range(512):
            n = pub.command("PUBLISH", "c", payload)
            assert fast.read_reply() == [b"message", b"c", payload.encode()]
            if n == 1:
                dropped = True
                break
        assert dropped, "the slow subscriber was never disconnected"
        log = srv.log_text()
        assert "scheduled to be closed ASAP for overcoming of output buffer limits" in log
        assert pub.command("PUBSUB", "NUMSUB", "c") == [b"c", 1]
        fields = info_fields(pub.command("INFO", "stats"))
        # Redis 7.0 has no such counter (7.2 added it); replikv counts.
        if "client_output_buffer_limit_disconnections" in fields:
            assert fields["client_output_buffer_limit_disconnections"] == "1"
    finally:
        for c in (pub, slow, fast):
            c.close()
