"""Signals a server must survive, as Redis does: SIGPIPE (a write to a socket
whose peer has gone, e.g. a replica's ACK to a primary that was just
killed: before replikv ignored it, such a replica died without a log line)
and SIGHUP (its terminal closed)."""

import signal

import pytest


@pytest.mark.parametrize("signum", [signal.SIGPIPE, signal.SIGHUP], ids=["SIGPIPE", "SIGHUP"])
def test_the_server_ignores_the_signal(server_factory, signum):
    srv = server_factory()
    c = srv.client()
    c.set("k", "v")
    for _ in range(3):
        srv.proc.send_signal(signum)
    # The pending signals are acted on as soon as the server runs again, so
    # with their default action it would be gone before answering PING.
    assert c.ping()
    assert srv.alive()
    assert c.get("k") == b"v"
