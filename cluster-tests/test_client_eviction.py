"""Client eviction: maxmemory-clients and CLIENT NO-EVICT, as redis-server
7.0.15 behaves.

When the memory of all normal and pub/sub connections (CLIENT LIST tot-mem,
summed) reaches maxmemory-clients, the server closes the biggest evictable
ones, logs "Evicting client: <client info>" and counts INFO stats
evicted_clients. The figures themselves differ between the servers (their
buffers are not the same), so the scenarios use buffers of megabytes where
the fixed part of a connection (tens of KiB) does not matter.

The controlling connection of each test turns CLIENT NO-EVICT on first,
since it counts toward the limit like any other.
"""

import socket

import pytest

from harness import ConnectionClosed, RespClient, RespError, encode_command, info_fields, wait_for

MB = 1024 * 1024


def client_line(c, name):
    """CLIENT LIST fields of the connection called `name`, or None."""
    for line in c.command("CLIENT", "LIST").decode().splitlines():
        fields = dict(kv.split("=", 1) for kv in line.split(" ") if "=" in kv)
        if fields.get("name") == name:
            return fields
    return None


def stat(c, field, section="stats"):
    return int(info_fields(c.command("INFO", section))[field])


def controller(srv):
    c = srv.raw()
    assert c.command("CLIENT", "NO-EVICT", "on") == "OK"
    return c


def named(srv, name, rcvbuf=None):
    """A connection called `name`; `rcvbuf` shrinks its receive buffer
    before it connects, so replies it does not read stay on the server."""
    if rcvbuf is None:
        c = srv.raw()
    else:
        c = RespClient.__new__(RespClient)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        s.settimeout(10.0)
        s.connect(("127.0.0.1", srv.port))
        c.sock, c.timeout_s, c.buf = s, 10.0, bytearray()
    assert c.command("CLIENT", "SETNAME", name) == "OK"
    return c


def send_partial_set(c, nbytes):
    """Sends a SET whose value has nbytes + 1 bytes, all but the last: the
    command never completes and the bytes stay in the query buffer. A
    connection closed meanwhile (evicted as it grows) is not an error."""
    try:
        c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n" % (nbytes + 1))
        c.send(b"x" * nbytes)
    except OSError:
        pass


def fill_query_buffer(srv, ctl, name, nbytes):
    """A connection called `name` that has sent `nbytes` of a SET's value
    (send_partial_set); returns once the server holds them all."""
    c = named(srv, name)
    send_partial_set(c, nbytes)
    wait_for(lambda: (f := client_line(ctl, name)) is None or int(f["qbuf"]) >= nbytes, 30,
             f"{name}'s query buffer to hold {nbytes} bytes")
    return c


def is_closed(c, timeout_s=20):
    """Whether the server closed `c` (reads and drops what is pending)."""
    try:
        c.read_until_closed(timeout_s=timeout_s)
        return True
    except AssertionError:
        return False


def test_maxmemory_clients_validation(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        def config_error(value):
            reply = c.command("CONFIG", "SET", "maxmemory-clients", value)
            assert isinstance(reply, RespError), value
            return reply.message
        assert config_error("101%").endswith("percentage argument must be less or equal to 100")
        for bad in ("-1", "-5%", "1.5%", "abc", "%", "10%%"):
            assert config_error(bad).endswith("argument must be a memory or percent value"), bad
        assert c.command("CONFIG", "GET", "maxmemory-clients") == [b"maxmemory-clients", b"0"]
        for value, shown in (("100%", b"100%"), ("0%", b"0"), ("10k", b"10000"), ("2mb", b"2097152"),
                             ("50%", b"50%"), ("0", b"0")):
            assert c.command("CONFIG", "SET", "maxmemory-clients", value) == "OK"
            assert c.command("CONFIG", "GET", "maxmemory-clients") == [b"maxmemory-clients", shown]


def test_big_query_buffer_is_evicted(server_factory):
    srv = server_factory()
    with controller(srv) as ctl:
        assert stat(ctl, "evicted_clients") == 0
        big = fill_query_buffer(srv, ctl, "big", 8 * MB)
        fields = client_line(ctl, "big")
        assert int(fields["tot-mem"]) >= int(fields["qbuf"]) >= 8 * MB
        # mem_clients_normal includes it (counted after the read).
        wait_for(lambda: stat(ctl, "mem_clients_normal", "memory") >= 8 * MB, 10,
                 "mem_clients_normal to count the big query buffer")
        assert ctl.command("CONFIG", "SET", "maxmemory-clients", "4mb") == "OK"
        assert is_closed(big)
        wait_for(lambda: stat(ctl, "evicted_clients") == 1, 10, "evicted_clients to count it")
        assert client_line(ctl, "big") is None
        assert stat(ctl, "mem_clients_normal", "memory") < 4 * MB
        wait_for(lambda: "Evicting client: id=" in srv.log_text(), 10, "the eviction in the log")
        log = srv.log_text()
        line = next(l for l in log.splitlines() if "Evicting client: id=" in l)
        assert " name=big " in line and " tot-mem=" in line
        # The controller, protected, still works.
        assert ctl.command("PING") == "PONG"


def test_no_evict_protects(server_factory):
    srv = server_factory()
    with controller(srv) as ctl:
        assert ctl.command("CONFIG", "SET", "maxmemory-clients", "4mb") == "OK"
        guarded = named(srv, "guarded")
        assert guarded.command("CLIENT", "NO-EVICT", "on") == "OK"
        assert "e" in client_line(ctl, "guarded")["flags"]
        send_partial_set(guarded, 8 * MB)
        wait_for(lambda: int(client_line(ctl, "guarded")["qbuf"]) >= 8 * MB, 30,
                 "the guarded query buffer to fill")
        # Each command of the controller runs the check first: once it has
        # answered, the server has judged the guarded client.
        assert ctl.command("PING") == "PONG"
        assert stat(ctl, "evicted_clients") == 0
        assert client_line(ctl, "guarded") is not None
        # The rest of the value completes the command: still connected.
        # (NO-EVICT off now would let the next check evict it: its query
        # buffer stays allocated until the cron gives it back.)
        guarded.send(b"x\r\n")
        assert guarded.read_reply() == "OK"
        guarded.close()


def test_biggest_goes_first(server_factory):
    srv = server_factory()
    with controller(srv) as ctl:
        # Oldest and biggest first in line; the limit is set once all are
        # there, so only size decides.
        large = fill_query_buffer(srv, ctl, "large", 12 * MB)
        medium = fill_query_buffer(srv, ctl, "medium", 3 * MB)
        small = fill_query_buffer(srv, ctl, "small", 1 * MB)
        assert ctl.command("CONFIG", "SET", "maxmemory-clients", "10mb") == "OK"
        assert is_closed(large)
        wait_for(lambda: stat(ctl, "evicted_clients") == 1, 10, "one eviction")
        assert ctl.command("PING") == "PONG"
        assert stat(ctl, "evicted_clients") == 1
        assert client_line(ctl, "medium") is not None
        assert client_line(ctl, "small") is not None
        # Lower again: the medium one goes next, the small one stays.
        assert ctl.command("CONFIG", "SET", "maxmemory-clients", "3mb") == "OK"
        assert is_closed(medium)
        wait_for(lambda: stat(ctl, "evicted_clients") == 2, 10, "the second eviction")
        assert client_line(ctl, "small") is not None
        small.close()


def test_unread_replies_are_evicted(server_factory):
    srv = server_factory()
    with controller(srv) as ctl:
        assert ctl.command("SET", "big", "v" * MB) == "OK"
        assert ctl.command("CONFIG", "SET", "maxmemory-clients", "20mb") == "OK"
        greedy = named(srv, "greedy", rcvbuf=4096)
        # 60 MB of replies it never reads: past what the sockets hold, the
        # rest waits in the server's output buffer.
        greedy.send(encode_command("GET", "big") * 60)
        assert is_closed(greedy, timeout_s=30)
        wait_for(lambda: stat(ctl, "evicted_clients") == 1, 10, "evicted_clients to count it")
        assert ctl.command("STRLEN", "big") == MB


def test_subscriber_that_does_not_read_is_evicted(server_factory):
    srv = server_factory()
    with controller(srv) as ctl:
        assert ctl.command("CONFIG", "SET", "maxmemory-clients", "20mb") == "OK"
        sub = named(srv, "sub", rcvbuf=4096)
        assert sub.command("SUBSCRIBE", "news") == [b"subscribe", b"news", 1]
        message = b"m" * MB
        # One message at a time until it is gone: each PUBLISH answers how
        # many received it (bounded: 200 MB at most).
        for _ in range(200):
            if ctl.command("PUBLISH", "news", message) == 0:
                break
        else:
            pytest.fail("the subscriber was never evicted")
        assert is_closed(sub, timeout_s=30)
        assert stat(ctl, "evicted_clients") == 1
        # A pub/sub client that reads is left alone.
        with srv.raw() as reader:
            assert reader.command("SUBSCRIBE", "news") == [b"subscribe", b"news", 1]
            for _ in range(5):
                assert ctl.command("PUBLISH", "news", message) == 1
                assert reader.read_reply() == [b"message", b"news", message]
        assert stat(ctl, "evicted_clients") == 1


def test_limit_as_percentage_of_maxmemory(server_factory):
    srv = server_factory()
    with controller(srv) as ctl:
        # No maxmemory: a percentage means no limit.
        assert ctl.command("CONFIG", "SET", "maxmemory-clients", "1%") == "OK"
        big = fill_query_buffer(srv, ctl, "big", 8 * MB)
        assert ctl.command("PING") == "PONG"
        assert stat(ctl, "evicted_clients") == 0
        # 1% of 400 MB is 4 MB.
        assert ctl.command("CONFIG", "SET", "maxmemory", "400mb") == "OK"
        assert is_closed(big)
        wait_for(lambda: stat(ctl, "evicted_clients") == 1, 10, "the eviction")
        # 5% of 400 MB is 20 MB: an 8 MB client stays.
        assert ctl.command("CONFIG", "SET", "maxmemory-clients", "5%") == "OK"
        other = fill_query_buffer(srv, ctl, "other", 8 * MB)
        assert ctl.command("PING") == "PONG"
        assert stat(ctl, "evicted_clients") == 1
        other.close()


def test_evicted_clients_resets_with_resetstat(server_factory):
    srv = server_factory()
    with controller(srv) as ctl:
        assert ctl.command("CONFIG", "SET", "maxmemory-clients", "4mb") == "OK"
        c = named(srv, "big")
        # Evicted as it grows, while the value is still being sent.
        send_partial_set(c, 8 * MB)
        assert is_closed(c)
        wait_for(lambda: stat(ctl, "evicted_clients") == 1, 10, "the eviction")
        assert ctl.command("CONFIG", "RESETSTAT") == "OK"
        assert stat(ctl, "evicted_clients") == 0


def test_multi_queue_counts(server_factory):
    srv = server_factory()
    with controller(srv) as ctl:
        assert ctl.command("CONFIG", "SET", "maxmemory-clients", "4mb") == "OK"
        queuer = named(srv, "queuer")
        assert queuer.command("MULTI") == "OK"
        # Each queued command keeps its arguments: the query buffer they
        # came in is free again, the transaction holds 8 MB.
        try:
            for i in range(8):
                assert queuer.command("SET", f"k{i}", "q" * MB) == "QUEUED"
        except (OSError, ConnectionClosed):
            pass  # evicted before the last one
        assert is_closed(queuer)
        wait_for(lambda: stat(ctl, "evicted_clients") == 1, 10, "the eviction")
        log = srv.log_text()
        line = next(l for l in log.splitlines() if "Evicting client: id=" in l)
        assert " name=queuer " in line and " flags=x " in line


def test_replication_links_are_never_evicted(server_factory):
    args = ["--repl-diskless-sync-delay", "0"]
    primary, replica = server_factory(extra_args=args), server_factory(extra_args=args)
    with controller(primary) as pc, controller(replica) as rc:
        assert rc.command("REPLICAOF", "127.0.0.1", str(primary.port)) == "OK"
        wait_for(lambda: info_fields(rc.command("INFO", "replication")).get("master_link_status") == "up",
                 30, "the replica's link to be up")
        # The smallest limit there is (128 KiB): one 256 KiB value in the
        # link's buffers on each side would pass it.
        for c in (pc, rc):
            assert c.command("CONFIG", "SET", "maxmemory-clients", "1") == "OK"
        for i in range(8):
            assert pc.command("SET", f"big{i}", "r" * (256 * 1024)) == "OK"

        def in_sync():
            p = info_fields(pc.command("INFO", "replication"))
            r = info_fields(rc.command("INFO", "replication"))
            return r.get("master_link_status") == "up" and r["master_repl_offset"] == p["master_repl_offset"]
        wait_for(in_sync, 30, "the replica to reach the primary's offset")
        assert rc.command("STRLEN", "big7") == 256 * 1024
        for c in (pc, rc):
            assert stat(c, "evicted_clients") == 0
        assert info_fields(pc.command("INFO", "replication"))["connected_slaves"] == "1"
        assert stat(pc, "sync_full") == 1
