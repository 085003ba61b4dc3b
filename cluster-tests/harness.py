"""Process management for redis-server / replikv-server and a raw RESP client.

Both servers are started with the same command line

    <bin> [config-file] --port N --bind 127.0.0.1 --dir D --save '' \
          --appendonly no --enable-debug-command yes --logfile D/server.log ...

so that every test can run against the real Redis 7.0 (the oracle) and against
replikv. Each ServerProcess owns one temp dir and one port; it only ever
signals the pid it spawned.

RespClient speaks raw RESP over a socket: it sends exact bytes and reads one
reply at a time. Protocol tests use it where redis-py would hide the bytes.
"""

import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import redis

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REPLIKV = REPO_ROOT / "build" / "bin" / "replikv-server"

# How long a server may take to answer PING after spawn, and to exit after
# SIGTERM before it gets SIGKILL.
READY_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0
# Ports are chosen by binding to port 0; another process may grab the port
# between our close() and the server's bind(), so start is retried.
START_ATTEMPTS = 5
POLL_INTERVAL_S = 0.01


class BinaryMissing(Exception):
    """The binary for a target does not exist or is not executable."""


def binary_for(kind):
    """Returns the path of the server binary for kind ("redis" or "replikv").

    REDIS_SERVER defaults to `redis-server` on PATH. REPLIKV_SERVER defaults
    to <repo>/build/bin/replikv-server. Raises BinaryMissing with a message
    that says how to fix it; callers turn it into a test failure, never a skip.
    """
    if kind == "redis":
        name = os.environ.get("REDIS_SERVER", "redis-server")
        found = _which(name)
        if found is None:
            raise BinaryMissing(
                f"redis-server not found (REDIS_SERVER={name!r}); "
                "install Redis 7.0 or set REDIS_SERVER")
        return found
    if kind == "replikv":
        name = os.environ.get("REPLIKV_SERVER", str(DEFAULT_REPLIKV))
        found = _which(name)
        if found is None:
            raise BinaryMissing(
                f"replikv-server binary not found at {name!r}: build it "
                f"(cmake --build build) or set REPLIKV_SERVER=/path/to/"
                "replikv-server; to run only the oracle use -k redis")
        return found
    raise ValueError(f"unknown server kind {kind!r}")


def _which(name):
    if os.sep in name:
        return name if os.path.isfile(name) and os.access(name, os.X_OK) else None
    for d in os.environ.get("PATH", "").split(os.pathsep):
        p = os.path.join(d, name)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def check_rdb_binary(kind):
    """The RDB checker that goes with a target: redis-check-rdb for "redis"
    (REDIS_CHECK_RDB overrides), replikv-check-rdb next to the replikv
    server binary for "replikv" (REPLIKV_CHECK_RDB overrides)."""
    if kind == "redis":
        name = os.environ.get("REDIS_CHECK_RDB", "redis-check-rdb")
    elif kind == "replikv":
        default = os.path.join(os.path.dirname(binary_for("replikv")),
                               "replikv-check-rdb")
        name = os.environ.get("REPLIKV_CHECK_RDB", default)
    else:
        raise ValueError(f"unknown server kind {kind!r}")
    found = _which(name)
    if found is None:
        raise BinaryMissing(f"RDB checker for {kind} not found at {name!r}")
    return found


def info_fields(text):
    """INFO reply (bytes or str) -> {field: value as str}; section headers
    and blank lines are dropped."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    out = {}
    for line in text.split("\r\n"):
        if not line or line.startswith("#") or ":" not in line:
            continue
        k, v = line.split(":", 1)
        out[k] = v
    return out


def pick_free_port():
    """A port that was free a moment ago on 127.0.0.1 (bind to port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BackgroundWork:
    """A load a test runs beside what it checks (writers, followers):
    `with Sub(...) as w:` starts _run() on a daemon thread; leaving the
    block (or stop()) sets self._stop and joins. _run must watch self._stop
    and be bounded on its own."""

    def __init__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        raise NotImplementedError

    def __enter__(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=30)

    def __exit__(self, *exc):
        self.stop()


def wait_for(predicate, timeout_s, what, interval_s=POLL_INTERVAL_S):
    """Polls predicate() until it returns a truthy value or the deadline
    passes; returns the value or raises AssertionError naming `what`.
    Bounded both in time and in iterations."""
    deadline = time.monotonic() + timeout_s
    max_iterations = int(timeout_s / interval_s) + 2
    for _ in range(max_iterations):
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            break
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


def blocked_count(c):
    """INFO blocked_clients of the server behind RespClient `c`."""
    return int(info_fields(c.command("INFO", "clients"))["blocked_clients"])


def wait_blocked(c, n):
    wait_for(lambda: blocked_count(c) == n, 10, f"{n} blocked clients")


def assert_times_out_with_null(c, args, timeout_s):
    """Sends the blocking command `args` (its timeout `timeout_s`) on a fresh
    RespClient `c` and checks it answers *-1 no sooner than the timeout."""
    start = time.monotonic()
    c.send(encode_command(*args))
    assert c.peek(5, timeout_s=10) == b"*-1\r\n", args
    assert c.read_reply() is None
    assert time.monotonic() - start >= timeout_s


class ServerProcess:
    """One redis-server or replikv-server process on 127.0.0.1.

    Lifecycle: construct -> start() -> (use) -> stop(). start() may be
    called again after stop() or after the process died; it then picks a
    fresh port. The dir is kept after stop so logs can be read.
    """

    def __init__(self, kind, workdir, extra_args=(), config_file=None, binary=None):
        self.kind = kind
        self.binary = binary or binary_for(kind)
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.extra_args = list(extra_args)
        self.config_file = config_file
        self.logfile = self.dir / "server.log"
        self.stdout_file = self.dir / "stdout.log"
        self.port = None
        self.proc = None

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def command_line(self, port):
        args = [self.binary]
        if self.config_file is not None:
            args.append(str(self.config_file))
        args += [
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--dir", str(self.dir),
            "--save", "",
            "--appendonly", "no",
            "--enable-debug-command", "yes",
            "--logfile", str(self.logfile),
            "--daemonize", "no",
        ]
        return args + self.extra_args

    def spawn(self, port=None):
        """Starts the process on `port` (default: a fresh one) without
        waiting for it to be ready (for tests that watch start-up itself:
        loading, a refused file, a restart on the same port). No retry on a
        lost port race; use start() when that matters."""
        port = port or pick_free_port()
        out = open(self.stdout_file, "ab")
        try:
            self.proc = subprocess.Popen(
                self.command_line(port), cwd=str(self.dir),
                stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)
        finally:
            out.close()
        self.port = port
        return self

    def start(self, ready_timeout_s=READY_TIMEOUT_S):
        """Spawns the server and waits until it answers PING (a NOAUTH reply
        also counts as ready). Retries with a new port if the bind failed."""
        last_error = ""
        for _ in range(START_ATTEMPTS):
            log_start = self._log_sizes()
            self.spawn()
            port = self.port
            status = self._wait_ready(ready_timeout_s)
            if status == "ready":
                return self
            tail = self.log_tail()
            if status == "exited" and "in use" in self._log_since(log_start):
                last_error = tail
                continue  # lost the port race; try another one
            self.stop()
            raise AssertionError(
                f"{self.kind} server did not become ready ({status}); "
                f"cmd={self.command_line(port)}\n--- log tail ---\n{tail}")
        raise AssertionError(
            f"{self.kind} server failed to bind after {START_ATTEMPTS} "
            f"attempts\n{last_error}")

    def _wait_ready(self, timeout_s):
        deadline = time.monotonic() + timeout_s
        max_iterations = int(timeout_s / POLL_INTERVAL_S) + 2
        for _ in range(max_iterations):
            if self.proc.poll() is not None:
                return "exited"
            if self._ping_once():
                return "ready"
            if time.monotonic() >= deadline:
                return "timeout"
            time.sleep(POLL_INTERVAL_S)
        return "timeout"

    def _ping_once(self):
        return self.answers_ping(timeout_s=0.5)

    def answers_ping(self, timeout_s=5.0):
        """True if a PING is answered (PONG or NOAUTH) within timeout_s."""
        try:
            with socket.create_connection(("127.0.0.1", self.port),
                                          timeout=timeout_s) as s:
                s.sendall(b"*1\r\n$4\r\nPING\r\n")
                data = s.recv(64)
                return data.startswith(b"+PONG") or data.startswith(b"-NOAUTH")
        except OSError:
            return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout_s):
        """Returns the exit code, or None if still running at the deadline."""
        if self.proc is None:
            return None
        try:
            return self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return None

    def kill(self, timeout_s=STOP_TIMEOUT_S):
        """SIGKILL to our own pid (a crash), then reap it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=timeout_s)

    def stop(self, timeout_s=STOP_TIMEOUT_S):
        """SIGTERM, then SIGKILL after timeout_s. Only our own pid."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            if self.wait_exit(timeout_s) is None:
                self.proc.kill()
                self.proc.wait(timeout=timeout_s)

    def _log_sizes(self):
        sizes = []
        for f in (self.logfile, self.stdout_file):
            try:
                sizes.append(f.stat().st_size)
            except OSError:
                sizes.append(0)
        return sizes

    def _log_since(self, sizes):
        """Log text written after _log_sizes() returned sizes (bounded)."""
        text = ""
        for f, start in zip((self.logfile, self.stdout_file), sizes):
            try:
                with open(f, "rb") as fh:
                    fh.seek(start)
                    text += fh.read(256 * 1024).decode("utf-8", "replace")
            except OSError:
                pass
        return text

    def log_text(self, start=0, limit=4 << 20):
        """The server log from byte `start` on (at most `limit` bytes), for
        tests that look for a line; "" if there is no log yet."""
        try:
            with open(self.logfile, "rb") as fh:
                fh.seek(start)
                return fh.read(limit).decode("utf-8", "replace")
        except OSError:
            return ""

    def log_size(self):
        """Current size of the server log: pass it to log_text() later to
        see only what was logged after this moment."""
        try:
            return self.logfile.stat().st_size
        except OSError:
            return 0

    def log_tail(self, lines=60):
        out = []
        for f in (self.logfile, self.stdout_file):
            try:
                with open(f, "rb") as fh:
                    fh.seek(0, os.SEEK_END)
                    size = fh.tell()
                    fh.seek(max(0, size - 64 * 1024))
                    text = fh.read().decode("utf-8", "replace")
            except OSError:
                continue
            if text.strip():
                out.append(f"[{f.name}]\n" + "\n".join(text.splitlines()[-lines:]))
        return "\n".join(out) if out else "(no log output)"

    def client(self, **kwargs):
        """A redis-py client (binary-safe: decode_responses=False)."""
        kwargs.setdefault("decode_responses", False)
        kwargs.setdefault("socket_timeout", 30)
        return redis.Redis(host="127.0.0.1", port=self.port, **kwargs)

    def raw(self, timeout_s=10.0):
        return RespClient("127.0.0.1", self.port, timeout_s)

    def __repr__(self):
        return f"<{self.kind} pid={self.pid} port={self.port} dir={self.dir}>"


def sentinel_binary():
    """redis-sentinel (REDIS_SENTINEL overrides); BinaryMissing if absent."""
    name = os.environ.get("REDIS_SENTINEL", "redis-sentinel")
    found = _which(name)
    if found is None:
        raise BinaryMissing(f"redis-sentinel not found (REDIS_SENTINEL={name!r}); "
                            "install Redis 7.0 or set REDIS_SENTINEL")
    return found


class SentinelProcess(ServerProcess):
    """One real redis-sentinel on 127.0.0.1 with a config generated in its
    own dir (Sentinel rewrites that file, so it must be its own).

    `monitors` is a list of (name, port, quorum); `options` maps a master
    name to its `sentinel <option> <name> <value...>` lines, given as
    tuples, e.g. ("down-after-milliseconds", 1000) or
    ("rename-command", "CONFIG", "XCONFIG"). Start/stop/logs as
    ServerProcess.
    """

    def __init__(self, workdir, monitors, options=None, binary=None):
        super().__init__("sentinel", workdir, binary=binary or sentinel_binary())
        self.logfile = self.dir / "sentinel.log"
        self.config_path = self.dir / "sentinel.conf"
        self.monitors = list(monitors)
        self.options = dict(options or {})

    def command_line(self, port):
        lines = [f"port {port}", "bind 127.0.0.1", f"dir {self.dir}",
                 f"logfile {self.logfile}", "loglevel verbose", "daemonize no"]
        for name, master_port, quorum in self.monitors:
            lines.append(f"sentinel monitor {name} 127.0.0.1 {master_port} {quorum}")
            for option in self.options.get(name, ()):
                words = " ".join(str(w) for w in option[1:])
                lines.append(f"sentinel {option[0]} {name} {words}")
        self.config_path.write_text("\n".join(lines) + "\n")
        return [self.binary, str(self.config_path)]

    def query(self, *args):
        """One command on a fresh RespClient (Sentinel's replies are small)."""
        with self.raw() as c:
            return c.command(*args)

    def master_addr(self, name):
        """SENTINEL get-master-addr-by-name -> port (int), or None."""
        reply = self.query("SENTINEL", "get-master-addr-by-name", name)
        return int(reply[1]) if reply else None

    def instances(self, *args):
        """SENTINEL replicas|sentinels|masters ... -> list of dicts (str -> str)."""
        out = []
        for flat in self.query("SENTINEL", *args):
            pairs = [x.decode() for x in flat]
            out.append(dict(zip(pairs[0::2], pairs[1::2])))
        return out


# ---------------------------------------------------------------- RESP client


class RespError:
    """An error reply (-ERR ...). Compared by its message text."""

    __slots__ = ("message",)

    def __init__(self, message):
        self.message = message

    def __eq__(self, other):
        return isinstance(other, RespError) and other.message == self.message

    def __hash__(self):
        return hash(self.message)

    def __repr__(self):
        return f"RespError({self.message!r})"


class SimpleString(str):
    """A +status reply, kept distinct from a bulk string (bytes)."""


class RespPush(list):
    """A RESP3 > push message."""


class RespSet(list):
    """A RESP3 ~ set (kept in wire order)."""


class ConnectionClosed(Exception):
    """The peer closed the connection before a full reply arrived."""


MAX_NESTING = 64
MAX_BULK = 1 << 31


def encode_command(*args):
    """Multibulk encoding of args (str, bytes or int)."""
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(parts)


def take_command(buf):
    """Splits the first complete multibulk command off `buf` (bytes):
    returns (args, rest), or None while it is incomplete. For tests that
    play a server (a scripted primary reading a replica's handshake)."""
    if not buf:
        return None
    if buf[:1] != b"*":
        raise ValueError(f"not a multibulk: {buf[:20]!r}")
    try:
        line, rest = buf.split(b"\r\n", 1)
        args = []
        for _ in range(int(line[1:])):
            hdr, rest = rest.split(b"\r\n", 1)
            n = int(hdr[1:])
            if len(rest) < n + 2:
                return None
            args.append(rest[:n])
            rest = rest[n + 2:]
    except ValueError:  # a line not complete yet
        return None
    return args, rest


class RespClient:
    """A raw RESP connection. Replies are parsed as:
    +x -> SimpleString, -x -> RespError, :n -> int, $ -> bytes or None,
    * -> list or None, and RESP3 types (_ # , ( = % ~ > |) when HELLO 3 is on.
    """

    def __init__(self, host, port, timeout_s=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout_s)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout_s = timeout_s
        self.buf = bytearray()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def command(self, *args):
        """Sends one command as a multibulk and returns its reply."""
        self.send(encode_command(*args))
        return self.read_reply()

    def pipeline(self, commands):
        """Sends every command (a sequence of argument tuples) in one write,
        then reads and returns their replies in order."""
        commands = list(commands)
        self.send(b"".join(encode_command(*args) for args in commands))
        return [self.read_reply() for _ in commands]

    def inline(self, line):
        """Sends one inline command (line without the terminator)."""
        if isinstance(line, str):
            line = line.encode()
        self.send(line + b"\r\n")
        return self.read_reply()

    def _fill(self):
        try:
            data = self.sock.recv(1 << 20)
        except ConnectionResetError:
            data = b""
        if not data:
            raise ConnectionClosed(
                f"connection closed; unparsed bytes: {bytes(self.buf[:200])!r}")
        self.buf += data

    def _line(self):
        # Each _fill adds at least one byte, so this terminates once the peer
        # sends CRLF or closes; socket timeout bounds the wait.
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 2]
                return line
            if len(self.buf) > MAX_BULK:
                raise ValueError("reply line too long")
            self._fill()

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data = bytes(self.buf[:n])
        if self.buf[n:n + 2] != b"\r\n":
            raise ValueError(f"bulk not terminated by CRLF: {bytes(self.buf[n:n+2])!r}")
        del self.buf[:n + 2]
        return data

    def read_reply(self, timeout_s=None):
        """Reads exactly one reply (socket.timeout if none arrives)."""
        self.sock.settimeout(timeout_s if timeout_s is not None else self.timeout_s)
        return self._parse(0)

    def _parse(self, depth):
        if depth > MAX_NESTING:
            raise ValueError("reply nested too deeply")
        line = self._line()
        if not line:
            raise ValueError("empty reply line")
        t, rest = line[:1], line[1:]
        if t == b"+":
            return SimpleString(rest.decode("utf-8", "surrogateescape"))
        if t == b"-":
            return RespError(rest.decode("utf-8", "surrogateescape"))
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n == -1:
                return None
            if n < 0 or n > MAX_BULK:
                raise ValueError(f"bad bulk length {n}")
            return self._exact(n)
        if t in (b"*", b"~", b">"):
            n = int(rest)
            if n == -1:
                return None
            if n < 0 or n > MAX_BULK:
                raise ValueError(f"bad aggregate length {n}")
            items = [self._parse(depth + 1) for _ in range(n)]
            if t == b"~":
                return RespSet(items)
            if t == b">":
                return RespPush(items)
            return items
        if t == b"%":
            n = int(rest)
            out = {}
            for _ in range(n):
                k = self._parse(depth + 1)
                out[_hashable(k)] = self._parse(depth + 1)
            return out
        if t == b"|":
            n = int(rest)
            for _ in range(2 * n):
                self._parse(depth + 1)
            return self._parse(depth)
        if t == b"_":
            return None
        if t == b"#":
            return rest == b"t"
        if t == b",":
            return float(rest.decode())  # inf, -inf and nan parse as well
        if t == b"(":
            return int(rest)
        if t in (b"=", b"!"):
            data = self._exact(int(rest))
            if t == b"!":
                return RespError(data.decode("utf-8", "surrogateescape"))
            return data[4:]  # drop the "txt:" format prefix
        raise ValueError(f"unknown reply type in line {line[:80]!r}")

    def peek(self, n, timeout_s=None):
        """Returns the next n unread bytes without consuming them (waits for
        them to arrive); lets a test check the exact reply type byte."""
        self.sock.settimeout(timeout_s if timeout_s is not None else self.timeout_s)
        while len(self.buf) < n:
            self._fill()
        return bytes(self.buf[:n])

    def read_until_closed(self, timeout_s=5.0):
        """Reads until the peer closes. Returns the bytes received meanwhile
        (parsed-but-unread buffer included); raises AssertionError if the
        connection is still open at the deadline."""
        deadline = time.monotonic() + timeout_s
        data = bytes(self.buf)
        self.buf.clear()
        max_iterations = 100000
        for _ in range(max_iterations):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                return data
            if not chunk:
                return data
            data += chunk
        raise AssertionError(
            f"connection still open after {timeout_s}s; got {data[:200]!r}")


def _hashable(v):
    if isinstance(v, list):
        return tuple(_hashable(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((k, _hashable(x)) for k, x in v.items()))
    return v
