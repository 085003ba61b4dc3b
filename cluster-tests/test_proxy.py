"""Tests of the fault-injecting proxy itself (proxy.py), against a local
echo server: no replikv or redis-server involved."""

import socket
import threading
import time

import pytest

from proxy import FaultProxy


class EchoServer:
    """Echoes every byte back; one daemon thread per connection."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.closed = False
        self.conns = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.closed:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.conns.append(c)
            threading.Thread(target=self._echo, args=(c,), daemon=True).start()

    @staticmethod
    def _echo(c):
        try:
            while True:
                data = c.recv(65536)
                if not data:
                    break
                c.sendall(data)
        except OSError:
            pass
        finally:
            c.close()

    def close(self):
        self.closed = True
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def echo():
    srv = EchoServer()
    yield srv
    srv.close()


@pytest.fixture
def proxy(echo):
    p = FaultProxy(echo.port)
    yield p
    p.close()


def connect(proxy):
    return socket.create_connection(("127.0.0.1", proxy.port), timeout=5)


def recv_exactly(sock, n, timeout=5.0):
    sock.settimeout(timeout)
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            break
        out += chunk
    return out


def wait_for(cond, timeout=5.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def test_forwards_both_ways_and_counts_bytes(proxy):
    with connect(proxy) as c:
        c.sendall(b"hello" * 1000)
        assert recv_exactly(c, 5000) == b"hello" * 1000
    wait_for(lambda: proxy.bytes_to_client == 5000, what="down count")
    assert proxy.bytes_to_target == 5000
    assert proxy.accepted == 1


def test_pause_holds_bytes_and_resume_delivers(proxy):
    with connect(proxy) as c:
        c.sendall(b"x")
        assert recv_exactly(c, 1) == b"x"
        proxy.pause()
        up, down = proxy.bytes_to_target, proxy.bytes_to_client
        c.sendall(b"during pause")
        c.settimeout(0.3)
        with pytest.raises(socket.timeout):
            c.recv(100)
        assert (proxy.bytes_to_target, proxy.bytes_to_client) == (up, down)
        assert proxy.connections == 1  # the link stays open
        proxy.resume()
        assert recv_exactly(c, 12) == b"during pause"


def test_cut_closes_current_connections_and_new_ones_work(proxy):
    a = connect(proxy)
    b = connect(proxy)
    for s in (a, b):
        s.sendall(b"ping")
        assert recv_exactly(s, 4) == b"ping"
    proxy.cut()
    for s in (a, b):
        s.settimeout(5)
        try:
            assert s.recv(10) == b""
        except ConnectionResetError:
            pass
        s.close()
    assert proxy.connections == 0
    with connect(proxy) as c:
        c.sendall(b"again")
        assert recv_exactly(c, 5) == b"again"


def test_cut_with_reset_resets_the_peer(proxy):
    c = connect(proxy)
    c.sendall(b"ping")
    assert recv_exactly(c, 4) == b"ping"
    proxy.cut(reset=True)
    c.settimeout(5)
    with pytest.raises((ConnectionResetError, BrokenPipeError)):
        # A RST may arrive after an EOF read; writing surfaces it.
        for _ in range(50):
            if c.recv(10) == b"":
                c.sendall(b"x")
            time.sleep(0.02)
    c.close()


def test_throttle_limits_rate_and_none_lifts_it(proxy):
    proxy.throttle(40_000)  # bytes per second, each direction
    payload = b"t" * 20_000
    with connect(proxy) as c:
        start = time.monotonic()
        c.sendall(payload)
        assert recv_exactly(c, len(payload), timeout=10) == payload
        elapsed = time.monotonic() - start
    # 20 KB at 40 KB/s: about 0.5 s (the directions overlap).
    assert elapsed >= 0.4, elapsed
    proxy.throttle(None)
    with connect(proxy) as c:
        start = time.monotonic()
        c.sendall(payload * 10)
        assert recv_exactly(c, len(payload) * 10) == payload * 10
        assert time.monotonic() - start < 2.0


def test_refused_when_not_accepting(proxy):
    proxy.set_accepting(False)
    with connect(proxy) as c:
        c.settimeout(5)
        try:
            assert c.recv(10) == b""
        except ConnectionResetError:
            pass
    proxy.set_accepting(True)
    with connect(proxy) as c:
        c.sendall(b"ok")
        assert recv_exactly(c, 2) == b"ok"


def test_target_down_closes_client(echo):
    port = echo.port
    echo.close()
    with FaultProxy(port) as p:
        with connect(p) as c:
            c.settimeout(5)
            try:
                assert c.recv(10) == b""
            except ConnectionResetError:
                pass


def test_close_stops_listening_and_threads(echo):
    p = FaultProxy(echo.port)
    c = connect(p)
    c.sendall(b"a")
    assert recv_exactly(c, 1) == b"a"
    p.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", p.port), timeout=1)
    c.close()
    # The proxy's accept and pump threads are gone (echo threads may linger
    # until they see the close).
    wait_for(lambda: not any(t.name.startswith(f"proxy-{p.port}")
                             or t.name == f"proxy-accept-{p.port}"
                             for t in threading.enumerate()),
             what="proxy threads to exit")
