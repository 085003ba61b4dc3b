"""Client limits and connection policy: maxclients, client-output-buffer-limit
(normal class), client-query-buffer-limit, timeout, rename-command and
protected mode, as redis-server 7.0.15 behaves.

Protected mode refuses clients that connect from a non-loopback address;
CI machines cannot make such a connection to a server bound to loopback, so
here only the loopback side is checked, and the address test itself
(IsLoopbackAddress) is unit-tested in server/tests/server_test.cpp.
"""

import socket

from harness import RespError, encode_command, info_fields, wait_for


def client_ids(c):
    return {int(l.split()[0][3:]) for l in c.command("CLIENT", "LIST").decode().splitlines()}


def test_maxclients_refuses_the_extra_connection(server_factory):
    srv = server_factory(extra_args=["--maxclients", "2"])
    a = srv.raw()
    b = None
    try:
        assert a.command("PING") == "PONG"
        # The start-up readiness probe's connection may still be closing.
        wait_for(lambda: len(client_ids(a)) == 1, 10, "only this client to be connected")
        b = srv.raw()
        assert b.command("PING") == "PONG"
        with srv.raw() as extra:
            # Answered before any command is sent, then closed.
            data = extra.read_until_closed(timeout_s=10)
            assert data == b"-ERR max number of clients reached\r\n"
        fields = info_fields(a.command("INFO", "stats"))
        assert fields["rejected_connections"] == "1"
        b.close()
        wait_for(lambda: len(client_ids(a)) == 1, 10, "the closed client to go")
        with srv.raw() as again:
            assert again.command("PING") == "PONG"
    finally:
        a.close()
        if b is not None:
            b.close()


def test_output_buffer_limit_drops_a_client_that_never_reads(server_factory):
    srv = server_factory(extra_args=["--client-output-buffer-limit", "normal 1mb 0 0"])
    setup, greedy, bystander = srv.raw(), srv.raw(), srv.raw()
    try:
        assert setup.command("SET", "big", "x" * 100000) == "OK"
        greedy_id = greedy.command("CLIENT", "ID")
        used_before = int(info_fields(bystander.command("INFO", "memory"))["used_memory"])
        greedy.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        # 40 MB of replies that the client never reads: the kernel buffers
        # fill, then the server's reply buffer passes 1 MB.
        greedy.send(encode_command("GET", "big") * 400)
        wait_for(lambda: greedy_id not in client_ids(bystander), 20,
                 "the greedy client to be disconnected")
        assert "scheduled to be closed ASAP for overcoming of output buffer limits" in srv.log_text()
        assert bystander.command("GET", "big") == b"x" * 100000
        # The dropped client's buffers are freed: memory returns to where it
        # was (give or take a few pages of allocator caching).
        wait_for(lambda: int(info_fields(bystander.command("INFO", "memory"))["used_memory"])
                 <= used_before + 256 * 1024, 10, "used_memory to return to its level before")
        fields = info_fields(bystander.command("INFO", "stats"))
        # Redis 7.0 has no counter for this (7.2 added it); replikv has it.
        if "client_output_buffer_limit_disconnections" in fields:
            assert fields["client_output_buffer_limit_disconnections"] == "1"
    finally:
        for c in (setup, greedy, bystander):
            c.close()


def test_output_limit_does_not_touch_clients_that_read(server_factory):
    srv = server_factory(extra_args=["--client-output-buffer-limit", "normal 1mb 0 0"])
    with srv.raw() as c:
        assert c.command("SET", "big", "x" * 100000) == "OK"
        # 5 MB in all, one reply at a time. (Pipelined in one write, the
        # same 50 GETs would pass 1 MB at once and be dropped, on Redis too.)
        for _ in range(50):
            assert c.command("GET", "big") == b"x" * 100000
        assert c.command("PING") == "PONG"


def test_query_buffer_limit_closes_the_client(server_factory):
    srv = server_factory(extra_args=["--client-query-buffer-limit", "1mb"])
    big, bystander = srv.raw(), srv.raw()
    try:
        # A bulk announced as 10 MB, of which 2 MB arrive: the query buffer
        # passes 1 MB before the command is complete.
        big.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10000000\r\n")
        chunk = b"y" * 65536
        try:
            for _ in range(32):
                big.send(chunk)
        except OSError:
            pass  # closed while sending: that is the expected outcome
        big.read_until_closed(timeout_s=10)
        assert "Closing client that reached max query buffer length" in srv.log_text()
        assert bystander.command("PING") == "PONG"
        assert bystander.command("EXISTS", "k") == 0
    finally:
        big.close()
        bystander.close()


def test_timeout_closes_idle_clients(server_factory):
    srv = server_factory(extra_args=["--timeout", "1"])
    idle = srv.raw()
    try:
        assert idle.command("PING") == "PONG"
        idle.read_until_closed(timeout_s=10)
        with srv.raw() as fresh:
            assert fresh.command("CONFIG", "GET", "timeout") == [b"timeout", b"1"]
    finally:
        idle.close()


def test_timeout_zero_keeps_idle_clients(server):
    # The default (0) never closes: a client idle across cron passes stays.
    with server.raw() as c:
        assert c.command("CONFIG", "GET", "timeout") == [b"timeout", b"0"]
        assert c.command("DEBUG", "SLEEP", "0") == "OK"
        assert c.command("PING") == "PONG"


def test_rename_command_from_the_config_file(server_factory, tmp_path):
    conf = tmp_path / "renamed.conf"
    conf.write_text('rename-command get myget\nrename-command flushall ""\n')
    srv = server_factory(config_file=conf)
    with srv.raw() as c:
        assert c.command("SET", "k", "v") == "OK"
        assert c.command("MYGET", "k") == b"v"
        assert c.command("myget", "k") == b"v"
        assert c.command("GET", "k") == RespError(
            "ERR unknown command 'GET', with args beginning with: 'k' ")
        assert c.command("FLUSHALL") == RespError(
            "ERR unknown command 'FLUSHALL', with args beginning with: ")
        assert c.command("FLUSHDB") == "OK"


def test_renamed_exec_still_runs_transactions(server_factory, tmp_path):
    conf = tmp_path / "renamed.conf"
    conf.write_text("rename-command exec commit\n")
    srv = server_factory(config_file=conf)
    with srv.raw() as c:
        assert c.command("MULTI") == "OK"
        assert c.command("SET", "k", "v") == "QUEUED"
        assert c.command("EXEC") == RespError(
            "ERR unknown command 'EXEC', with args beginning with: ")
        assert c.command("COMMIT") == RespError(
            "EXECABORT Transaction discarded because of previous errors.")
        assert c.command("MULTI") == "OK"
        assert c.command("SET", "k", "v") == "QUEUED"
        assert c.command("COMMIT") == ["OK"]


def test_protected_mode_accepts_loopback_without_a_password(server_factory):
    srv = server_factory(extra_args=["--protected-mode", "yes"])
    with srv.raw() as c:
        assert c.command("CONFIG", "GET", "protected-mode") == [b"protected-mode", b"yes"]
        assert c.command("PING") == "PONG"
