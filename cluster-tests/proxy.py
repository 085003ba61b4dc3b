"""A fault-injecting TCP proxy for process tests (stdlib only).

    proxy = FaultProxy(target_port)        # listens on 127.0.0.1:proxy.port
    replica.replicaof("127.0.0.1", proxy.port)
    proxy.pause(); ...; proxy.resume()     # a stalled network, links stay open
    proxy.cut()                            # every current connection dropped
    proxy.throttle(64 * 1024)              # bytes/s per direction per link
    proxy.close()

Each accepted connection gets a connection to the target and two daemon
threads, one per direction. A thread holds at most one received chunk
(RECV_SIZE bytes); while the proxy is paused it neither reads nor writes,
so the peers' socket buffers fill up as on a stalled network. Sockets use
a short timeout so every thread notices pause/cut/close within POLL_S.

Thread safety: every public method may be called from any thread. When
pause() returns, no byte is forwarded (and no counter moves) until resume().
"""

import socket
import struct
import threading
import time

POLL_S = 0.05
RECV_SIZE = 64 * 1024
# Upper bound on simultaneous links; more are accepted and closed at once.
MAX_CONNECTIONS = 64

UP = 0    # client -> target
DOWN = 1  # target -> client


class _Link:
    """One proxied connection: the client socket and the target socket."""

    def __init__(self, client, target):
        self.socks = (client, target)  # index by the direction's source
        self.gates = (threading.Lock(), threading.Lock())
        self.next_send = [0.0, 0.0]    # throttle schedule per direction
        self.dead = False
        self.running = 2
        self.threads = []


class FaultProxy:
    def __init__(self, target_port, target_host="127.0.0.1",
                 listen_host="127.0.0.1"):
        self.target = (target_host, target_port)
        self._cond = threading.Condition()
        self._paused = False
        self._rate = None
        self._accepting = True
        self._closed = False
        self._links = []
        self.bytes_to_target = 0
        self.bytes_to_client = 0
        self.accepted = 0
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((listen_host, 0))
        self._listener.listen(16)
        self._listener.settimeout(POLL_S)
        self.port = self._listener.getsockname()[1]
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"proxy-accept-{self.port}",
            daemon=True)
        self._accept_thread.start()

    # ---- controls ---------------------------------------------------------

    def pause(self):
        """Stops forwarding in both directions; connections stay open."""
        with self._cond:
            self._paused = True
            links = list(self._links)
        # Wait for sends already in progress, so nothing moves after return.
        for link in links:
            for gate in link.gates:
                with gate:
                    pass

    def resume(self):
        with self._cond:
            self._paused = False
            self._cond.notify_all()

    def throttle(self, bytes_per_second):
        """Limits each direction of each link; None removes the limit."""
        if bytes_per_second is not None and bytes_per_second <= 0:
            raise ValueError("bytes_per_second must be positive or None")
        with self._cond:
            self._rate = bytes_per_second
            self._cond.notify_all()

    def set_accepting(self, accepting):
        """False: new connections are accepted and closed at once (the
        target looks down); current links are not touched."""
        with self._cond:
            self._accepting = accepting

    def cut(self, reset=False):
        """Drops every current connection at once (both sides see the link
        close; with reset=True they get a RST instead of a FIN). New
        connections are still proxied afterwards."""
        with self._cond:
            links = list(self._links)
        for link in links:
            self._kill(link, reset)
        self._join(links)

    def close(self):
        """Stops listening, drops every link and joins the threads."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._cond.notify_all()
        self._accept_thread.join(timeout=5)
        self._listener.close()
        self.cut()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def connections(self):
        """Links currently open."""
        with self._cond:
            return len(self._links)

    # ---- internals ----------------------------------------------------------

    def _accept_loop(self):
        while True:
            with self._cond:
                if self._closed:
                    return
            try:
                client, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._cond:
                refuse = (self._closed or not self._accepting
                          or len(self._links) >= MAX_CONNECTIONS)
            if refuse:
                client.close()
                continue
            try:
                target = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            for s in (client, target):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.settimeout(POLL_S)
            link = _Link(client, target)
            with self._cond:
                self._links.append(link)
                self.accepted += 1
            for direction in (UP, DOWN):
                t = threading.Thread(target=self._pump, args=(link, direction),
                                     name=f"proxy-{self.port}-{direction}",
                                     daemon=True)
                link.threads.append(t)
                t.start()

    def _kill(self, link, reset=False):
        with self._cond:
            if link.dead:
                return
            link.dead = True
            self._cond.notify_all()
        for s in link.socks:
            try:
                if reset:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack("ii", 1, 0))
                    s.shutdown(socket.SHUT_RD)  # wakes recv without a FIN
                else:
                    s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _join(self, links):
        me = threading.current_thread()
        for link in links:
            for t in link.threads:
                if t is not me:
                    t.join(timeout=5)

    def _wait_turn(self, link, direction, nbytes):
        """Blocks while paused or throttled; False once the link is dead."""
        while True:
            with self._cond:
                if link.dead or self._closed:
                    return False
                if self._paused:
                    self._cond.wait(POLL_S)
                    continue
                rate = self._rate
            if rate is None:
                return True
            delay = link.next_send[direction] - time.monotonic()
            if delay <= 0:
                return True
            time.sleep(min(delay, POLL_S))

    def _pump(self, link, direction):
        src = link.socks[direction]
        dst = link.socks[1 - direction]
        try:
            while not link.dead:
                if not self._wait_turn(link, direction, 0):
                    return
                try:
                    data = src.recv(RECV_SIZE)
                except socket.timeout:
                    continue
                except OSError:
                    self._kill(link)
                    return
                if not data:
                    # Pass the half-close on; the other direction goes on.
                    try:
                        dst.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    return
                if not self._forward(link, direction, dst, memoryview(data)):
                    return
        finally:
            self._finish(link)

    def _forward(self, link, direction, dst, pending):
        while pending:
            with self._cond:
                rate = self._rate
            n = len(pending) if rate is None else max(1, min(len(pending), rate // 20))
            if not self._wait_turn(link, direction, n):
                return False
            with link.gates[direction]:
                with self._cond:
                    if self._paused:
                        continue
                try:
                    sent = dst.send(pending[:n])
                except socket.timeout:
                    continue
                except OSError:
                    self._kill(link)
                    return False
                with self._cond:
                    if direction == UP:
                        self.bytes_to_target += sent
                    else:
                        self.bytes_to_client += sent
                    rate = self._rate
                if rate is not None:
                    start = max(link.next_send[direction], time.monotonic())
                    link.next_send[direction] = start + sent / rate
                pending = pending[sent:]
        return True

    def _finish(self, link):
        with self._cond:
            link.running -= 1
            last = link.running == 0
            if last and link in self._links:
                self._links.remove(link)
        if last:
            for s in link.socks:
                try:
                    s.close()
                except OSError:
                    pass
