"""A replica whose link is lost (or which restarts) while a transaction from
its primary is only half received: the primary had sent MULTI and some of
the queued commands, not the EXEC. The replica must resume from the MULTI
(its offset never counts an unfinished transaction, as Redis's reploff),
so that the whole transaction is sent again and applied once, atomically.

A scripted primary on 127.0.0.1 drives both kinds of replica the same way:
a full sync of an empty dataset at offset 1000, a few commands, a
transaction cut before its EXEC; then it takes the replica's PSYNC,
records the offset asked for and continues with the whole transaction."""

import socket
import threading

import pytest

import harness
from crc64 import crc64

SYNC_TIMEOUT_S = 30
REPLID = b"9" * 40
FULL_SYNC_OFFSET = 1000


def command(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def empty_rdb():
    body = b"REDIS0010\xff"
    return body + crc64(body).to_bytes(8, "little")


BEFORE = command("SELECT", 3) + command("SET", "before", "1")
TRANSACTION_HEAD = command("MULTI") + command("SET", "tx:1", "a") + command("INCR", "tx:n")
TRANSACTION_TAIL = command("SET", "tx:2", "b") + command("EXEC")
AFTER = command("SET", "after", "1")


class ScriptedPrimary:
    """Accepts replicas one link at a time: the first link gets a full sync,
    BEFORE and TRANSACTION_HEAD; every later link gets +CONTINUE and the
    stream from the offset the replica asked for. Records each PSYNC."""

    def __init__(self, cut_first_link):
        self.cut_first_link = cut_first_link
        self.stream = BEFORE + TRANSACTION_HEAD + TRANSACTION_TAIL + AFTER
        self.psyncs = []  # (replid, offset) as asked
        self.first_link_fed = threading.Event()
        self._links = []
        self._stop = threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._links.append(conn)
            conn.settimeout(5)
            try:
                self._link(conn)
            except OSError:
                pass

    def _link(self, conn):
        buf = b""
        for _ in range(20):  # a handshake is a handful of commands
            while (taken := harness.take_command(buf)) is None:
                data = conn.recv(4096)
                if not data:
                    return
                buf += data
            args, buf = taken
            name = args[0].upper()
            if name == b"PING":
                conn.sendall(b"+PONG\r\n")
            elif name == b"REPLCONF":
                conn.sendall(b"+OK\r\n")
            elif name == b"PSYNC":
                self.psyncs.append((args[1], int(args[2])))
                break
        else:
            return
        if len(self.psyncs) == 1:
            rdb = empty_rdb()
            conn.sendall(b"+FULLRESYNC %s %d\r\n$%d\r\n%s" % (REPLID, FULL_SYNC_OFFSET, len(rdb), rdb)
                         + BEFORE + TRANSACTION_HEAD)
            self.first_link_fed.set()
            if self.cut_first_link:
                conn.shutdown(socket.SHUT_RDWR)
                conn.close()
                return
        else:
            start = self.psyncs[-1][1] - FULL_SYNC_OFFSET - 1
            if not 0 <= start <= len(self.stream):
                conn.sendall(b"-ERR offset out of range\r\n")
                return
            conn.sendall(b"+CONTINUE %s\r\n" % REPLID + self.stream[start:])
        # Keep the link: read (and drop) the replica's ACKs until closed.
        while not self._stop.is_set():
            try:
                if not conn.recv(4096):
                    return
            except socket.timeout:
                continue

    def close(self):
        self._stop.set()
        for conn in self._links:
            try:
                conn.close()
            except OSError:
                pass
        try:
            self.sock.close()
        except OSError:
            pass
        self._thread.join(timeout=10)


def info_int(c, field):
    return int(c.info("replication")[field])


@pytest.mark.parametrize("how", ["link-lost", "restart"])
def test_a_half_received_transaction_is_asked_for_again_whole(server_factory, how):
    fake = ScriptedPrimary(cut_first_link=how == "link-lost")
    try:
        args = ["--replicaof", "127.0.0.1", str(fake.port)]
        if how == "restart":
            args += ["--save", "3600 1"]  # the shutdown saves the dataset and its offset
        replica = server_factory(extra_args=args)
        rc = replica.client(db=3)
        harness.wait_for(lambda: rc.get("before") == b"1", SYNC_TIMEOUT_S,
                         "the replica applying the stream before the transaction")
        assert fake.first_link_fed.wait(SYNC_TIMEOUT_S)
        if how == "restart":
            replica.stop()
            replica.start()
            rc = replica.client(db=3)
        harness.wait_for(lambda: len(fake.psyncs) >= 2, SYNC_TIMEOUT_S, "the replica's next PSYNC")
        replid, offset = fake.psyncs[1]
        assert replid == REPLID
        # The next byte wanted is the MULTI's first: nothing of the
        # transaction was counted.
        assert offset == FULL_SYNC_OFFSET + len(BEFORE) + 1
        harness.wait_for(lambda: rc.get("after") == b"1", SYNC_TIMEOUT_S, "the stream after the transaction")
        assert rc.mget("tx:1", "tx:2", "tx:n") == [b"a", b"b", b"1"]  # applied once, whole
        assert info_int(rc, "master_repl_offset") == FULL_SYNC_OFFSET + len(fake.stream)
        assert len(fake.psyncs) == 2
    finally:
        fake.close()
