"""Client-side caching (CLIENT TRACKING) side by side: each case runs the
same script of commands on the real redis-server 7.0 (the oracle) and on
the target, over several connections, and compares the raw bytes every
connection received: replies and invalidation pushes (RESP3), invalidation
messages on __redis__:invalidate (RESP2 redirect), in order.

Pushes are collected at sync points: a connection sends PING and
everything it receives before the PONG is recorded. An invalidation caused
by another connection's command is written in the same loop iteration as
that command's reply (BCAST ones too: they are broadcast before replies
are written), so once the writer has its reply the receiver's PING comes
after them. Values that differ between two servers (client ids, random
key picks of tracking-table-max-keys) are normalised or counted instead.
"""

import ast
import re

import pytest

from harness import encode_command, info_fields, wait_for
from test_resp3 import read_raw

PONGS = (b"+PONG\r\n", b"*2\r\n$4\r\npong\r\n$0\r\n\r\n")


class Session:
    """Named raw connections to one server and the transcript of what each
    received. Client ids in replies are replaced by names (ID(a)) so the
    two servers' transcripts compare."""

    def __init__(self, srv):
        self.srv = srv
        self.conns = {}
        self.ids = {}
        self.log = []
        self.resp3 = set()

    def open(self, name, proto=2):
        c = self.srv.raw()
        self.conns[name] = c
        c.send(encode_command("CLIENT", "ID"))
        self.ids[name] = int(read_raw(c)[1:-2])
        if proto == 3:
            c.send(encode_command("HELLO", "3"))
            read_raw(c)
            self.resp3.add(name)
        return c

    def id(self, name):
        return str(self.ids[name])

    def _norm(self, data):
        for name, cid in sorted(self.ids.items(), key=lambda kv: -len(str(kv[1]))):
            data = re.sub(rb"(?:(?<=\n:)|(?<=^:)|(?<=redir=))%d(?=\r\n| )" % cid,
                          b"ID(" + name.encode() + b")", data)
        return data

    def do(self, name, *args):
        """Sends one command and records its reply. Pushes that arrive
        before the reply (left from an earlier command) are recorded first,
        as a "<pushes>" entry. Client ids are named in the replies of CLIENT
        only (an INCR's :1 stays)."""
        c = self.conns[name]
        c.send(encode_command(*args))
        before = []
        reply = read_raw(c)
        while reply.startswith(b">"):
            before.append(reply)
            reply = read_raw(c)
        if before:
            self.log.append((name, "<pushes>", self._norm(b"".join(before))))
        names = {str(cid): f"ID({n})" for n, cid in self.ids.items()}
        shown = " ".join(names.get(a, a) if args[0] == "CLIENT" else a for a in args)
        self.log.append((name, shown, self._norm(reply) if args[0] == "CLIENT" else reply))
        return reply

    def quiet(self, name, *args):
        """Sends one command and returns its reply without recording it."""
        c = self.conns[name]
        c.send(encode_command(*args))
        return read_raw(c)

    def wait_gone(self, gone, via):
        """Waits until the server has dropped connection `gone` (closed by
        us), asking on connection `via`."""
        needle = b"id=%d " % self.ids[gone]
        wait_for(lambda: needle not in self.quiet(via, "CLIENT", "LIST"), 5, f"{gone} gone")

    def pipeline(self, name, *commands):
        c = self.conns[name]
        c.send(b"".join(encode_command(*args) for args in commands))
        replies = [read_raw(c) for _ in commands]
        self.log.append((name, "pipeline", self._norm(b"".join(replies))))
        return replies

    def sync(self, name):
        """Records everything `name` received before the PONG of a PING."""
        c = self.conns[name]
        c.send(encode_command("PING"))
        got = []
        for _ in range(1000):
            r = read_raw(c)
            if r in PONGS:
                break
            got.append(r)
        self.log.append((name, "<pushes>", self._norm(b"".join(got))))
        return got

    def close(self, name):
        self.conns.pop(name).close()

    def close_all(self):
        for c in self.conns.values():
            c.close()


def run_both(oracle_factory, server_factory, script, extra_args=()):
    """Runs script(session) on the oracle and on the target; asserts the
    transcripts are equal and returns the target's."""
    logs = []
    for srv in (oracle_factory(extra_args=extra_args), server_factory(extra_args=extra_args)):
        s = Session(srv)
        try:
            script(s)
        finally:
            s.close_all()
        logs.append(s.log)
    oracle, target = logs
    diffs = [f"{o[0]} {o[1]}:\n  oracle {o[2]!r}\n  target {t[2]!r}"
             for o, t in zip(oracle, target) if o != t]
    assert len(oracle) == len(target)
    assert not diffs, "\n".join(diffs)
    return target


def pushes(log, name):
    return [entry[2] for entry in log if entry[0] == name and entry[1] == "<pushes>"]


def inv(*keys):
    """The RESP3 invalidation push of `keys`."""
    out = b">2\r\n$10\r\ninvalidate\r\n*%d\r\n" % len(keys)
    for k in keys:
        out += b"$%d\r\n%s\r\n" % (len(k), k.encode())
    return out


# --- the options, their errors and the introspection ----------------------

def options_script(proto):
    def script(s):
        s.open("a", proto)
        s.open("x")
        for args in [
            ("CLIENT", "TRACKINGINFO"), ("CLIENT", "GETREDIR"),
            ("CLIENT", "CACHING", "yes"), ("CLIENT", "CACHING", "maybe"),
            ("CLIENT", "TRACKING"), ("CLIENT", "TRACKING", "maybe"),
            ("CLIENT", "TRACKING", "on", "foo"), ("CLIENT", "TRACKING", "on", "redirect"),
            ("CLIENT", "TRACKING", "on", "redirect", "x"),
            ("CLIENT", "TRACKING", "on", "redirect", "0"),
            ("CLIENT", "TRACKING", "on", "redirect", "-1"),
            ("CLIENT", "TRACKING", "on", "redirect", "987654"),
            ("CLIENT", "TRACKING", "on", "redirect", s.id("x"), "redirect", s.id("x")),
            ("CLIENT", "TRACKING", "on", "optin", "optout"),
            ("CLIENT", "TRACKING", "on", "prefix", "a"),
            ("CLIENT", "TRACKING", "on", "bcast", "optin"),
            ("CLIENT", "TRACKING", "on", "bcast", "optout"),
            ("CLIENT", "TRACKING", "on", "bcast", "prefix", "a", "prefix", "a"),
            ("CLIENT", "TRACKING", "on", "bcast", "prefix", "ab", "prefix", "a"),
            ("CLIENT", "TRACKINGINFO"),
            ("CLIENT", "TRACKING", "on", "optin"),
            ("CLIENT", "TRACKINGINFO"), ("CLIENT", "GETREDIR"),
            ("CLIENT", "CACHING", "no"), ("CLIENT", "CACHING", "yes"),
            ("CLIENT", "TRACKINGINFO"),
            ("CLIENT", "TRACKING", "on", "optout"), ("CLIENT", "TRACKING", "on", "bcast"),
            ("CLIENT", "TRACKING", "on", "noloop"),
            ("CLIENT", "TRACKINGINFO"),
            ("CLIENT", "TRACKING", "off"), ("CLIENT", "TRACKING", "on", "optout"),
            ("CLIENT", "CACHING", "yes"), ("CLIENT", "CACHING", "no"),
            ("CLIENT", "TRACKINGINFO"), ("CLIENT", "TRACKING", "off"),
            ("CLIENT", "TRACKING", "on", "redirect", s.id("x"), "bcast", "prefix", "b", "prefix", "a",
             "noloop"),
            ("CLIENT", "TRACKINGINFO"), ("CLIENT", "GETREDIR"),
            ("CLIENT", "TRACKING", "on", "bcast", "prefix", "ab"),
            ("CLIENT", "TRACKING", "on", "bcast", "prefix", "c"),
            ("CLIENT", "TRACKINGINFO"),
            ("CLIENT", "TRACKING", "on", "bcast"),
            ("CLIENT", "TRACKINGINFO"),
            ("CLIENT", "TRACKING", "off", "bcast"), ("CLIENT", "TRACKINGINFO"),
            ("CLIENT", "TRACKING", "on", "redirect", s.id("a")), ("CLIENT", "GETREDIR"),
            ("CLIENT", "TRACKINGINFO", "x"), ("CLIENT", "GETREDIR", "x"),
            ("CLIENT", "CACHING"),
        ]:
            s.do("a", *args)
    return script


@pytest.mark.parametrize("proto", [2, 3])
def test_options_errors_and_info_match_the_oracle(oracle_factory, server_factory, proto):
    log = run_both(oracle_factory, server_factory, options_script(proto))
    replies = [e[2] for e in log]
    assert b"-ERR OPTIN and OPTOUT are not compatible with BCAST\r\n" in replies
    assert any(b"broken" not in r and b"noloop" in r for r in replies)


def test_help_lists_the_tracking_subcommands(oracle_factory, server_factory):
    def script(s):
        s.open("a")
        s.do("a", "CLIENT", "HELP")
    log = run_both(oracle_factory, server_factory, script)
    assert b"TRACKINGINFO" in log[0][2] and b"CACHING (YES|NO)" in log[0][2]


def test_overlap_after_the_first_prefix_is_one_error_reply(target, server_factory):
    # Redis 7.0 answers this with the error and then +OK (tracking is
    # enabled anyway); replikv answers the error only and stays off
    # (README: "Differences from Redis 7.0"). The error text is Redis's.
    srv = server_factory()
    with srv.raw() as c:
        c.send(encode_command("CLIENT", "TRACKING", "on", "bcast", "prefix", "x", "prefix", "a", "prefix", "ab"))
        assert read_raw(c) == (b"-ERR Prefix 'a' overlaps with another provided prefix 'ab'. "
                               b"Prefixes for a single client must not overlap.\r\n")
        if target == "redis":
            assert read_raw(c) == b"+OK\r\n"
            return
        c.send(encode_command("CLIENT", "GETREDIR"))
        assert read_raw(c) == b":-1\r\n"


# --- default mode ---------------------------------------------------------

def default_mode_script(s):
    s.open("a", 3)
    s.open("b")
    s.do("b", "SET", "k", "v")
    s.do("b", "RPUSH", "L", "x")
    s.do("b", "SADD", "S", "m")
    s.do("a", "CLIENT", "TRACKING", "on")
    s.do("a", "GET", "k")
    s.do("b", "SET", "k", "w")
    s.sync("a")                       # invalidate k
    s.do("b", "SET", "k", "w2")
    s.sync("a")                       # nothing: told once until read again
    s.do("a", "MGET", "k", "k2", "k")
    s.do("b", "MSET", "k2", "1", "k", "2", "other", "3")
    s.sync("a")                       # k2 then k, one push each
    s.do("a", "LRANGE", "L", "0", "-1")
    s.do("a", "SMEMBERS", "S")
    s.do("a", "GET", "n")
    s.do("b", "INCR", "L")            # WRONGTYPE: no change, no invalidation
    s.do("b", "SADD", "S", "m")       # no-op write
    s.sync("a")
    s.do("b", "RPUSH", "L", "y")      # in-place change of an existing list
    s.do("b", "SADD", "S", "n")
    s.do("b", "INCR", "n")
    s.sync("a")
    s.do("a", "STRLEN", "k")
    s.do("a", "EXISTS", "k")
    s.do("b", "EXPIRE", "k", "100")
    s.sync("a")
    s.do("a", "GET", "k")
    s.do("b", "DEL", "k")
    s.sync("a")
    # A write by the tracking client itself: after its own reply.
    s.do("a", "GET", "own")
    s.do("a", "SET", "own", "1")
    s.do("a", "GET", "own")
    s.do("a", "DEL", "own")
    # Tracking ignores the db: a write in another db invalidates too.
    s.do("a", "GET", "k")
    s.do("b", "SELECT", "3")
    s.do("b", "SET", "k", "db3")
    s.sync("a")
    s.do("b", "SELECT", "0")
    # NOLOOP: own writes are not sent, others' are.
    s.do("a", "CLIENT", "TRACKING", "on", "noloop")
    s.do("a", "MGET", "p", "q")
    s.do("a", "SET", "p", "1")
    s.do("b", "SET", "q", "1")
    s.sync("a")
    s.do("a", "CLIENT", "TRACKING", "off")
    s.do("a", "GET", "z")
    s.do("b", "SET", "z", "1")
    s.sync("a")


def test_default_mode_invalidations_match_the_oracle(oracle_factory, server_factory):
    log = run_both(oracle_factory, server_factory, default_mode_script)
    got = pushes(log, "a")
    assert got[0] == inv("k")
    assert got[1] == b""
    assert got[2] == inv("k2") + inv("k")
    assert got[3] == b""
    assert got[4] == inv("L") + inv("S") + inv("n")
    assert got[-1] == b""   # after CLIENT TRACKING off
    # A write by the tracking client itself: the push follows its reply.
    i = [e[1] for e in log].index("SET own 1")
    assert log[i][2] == b"+OK\r\n"
    assert log[i + 1][1:] == ("<pushes>", inv("own"))


def tracking_fields(s):
    """INFO's tracking_* fields (clients and stats sections), asked on b."""
    f = info_fields(s.quiet("b", "INFO").split(b"\r\n", 1)[1].decode())
    return {k: f[k] for k in f if k.startswith("tracking_")}


def test_tracking_info_fields_match_the_oracle(oracle_factory, server_factory):
    def script(s):
        s.open("a", 3)
        s.open("c", 3)
        s.open("b")
        s.do("a", "CLIENT", "TRACKING", "on")
        s.do("c", "CLIENT", "TRACKING", "on", "bcast", "prefix", "x", "prefix", "y")
        s.do("a", "MGET", "k1", "k2", "k3")
        s.do("c", "MGET", "k1", "k2")       # BCAST: remembers nothing
        s.log.append(("b", "fields", repr(tracking_fields(s)).encode()))
        s.do("b", "MSET", "k1", "1", "x1", "2")
        s.sync("a")
        s.sync("c")
        s.do("a", "RESET")
        s.close("c")
        s.wait_gone("c", "b")
        s.log.append(("b", "after", repr(tracking_fields(s)).encode()))
    log = run_both(oracle_factory, server_factory, script)
    fields = ast.literal_eval([e for e in log if e[1] == "fields"][0][2].decode())
    assert fields == {"tracking_clients": "2", "tracking_total_keys": "3",
                      "tracking_total_items": "3", "tracking_total_prefixes": "2"}
    after = ast.literal_eval([e for e in log if e[1] == "after"][0][2].decode())
    # k2 and k3 stay in the table after the reader left (as Redis).
    assert after == {"tracking_clients": "0", "tracking_total_keys": "2", "tracking_total_items": "2",
                     "tracking_total_prefixes": "0"}


def test_client_list_flags_and_redir_match_the_oracle(oracle_factory, server_factory):
    def fields(reply):
        return b" ".join(re.findall(rb"(?:flags|redir|resp)=\S+", reply))

    def script(s):
        s.open("a")
        s.open("r")
        s.open("bc", 3)
        s.do("a", "CLIENT", "TRACKING", "on", "redirect", s.id("r"))
        s.do("bc", "CLIENT", "TRACKING", "on", "bcast", "noloop")
        for name in ("a", "r", "bc"):
            c = s.conns[name]
            c.send(encode_command("CLIENT", "INFO"))
            s.log.append((name, "CLIENT INFO", s._norm(fields(read_raw(c)))))
        s.do("a", "GET", "k")
        s.close("r")
        s.wait_gone("r", "bc")
        s.do("bc", "SET", "k", "1")   # a's redirect target is gone: broken
        s.do("a", "CLIENT", "TRACKINGINFO")
        c = s.conns["a"]
        c.send(encode_command("CLIENT", "INFO"))
        s.log.append(("a", "CLIENT INFO", s._norm(fields(read_raw(c)))))
    log = run_both(oracle_factory, server_factory, script)
    infos = [e[2] for e in log if e[1] == "CLIENT INFO"]
    assert infos[0] == b"flags=t redir=ID(r) resp=2"
    assert infos[2] == b"flags=tB redir=0 resp=3"
    assert infos[3] == b"flags=tR redir=ID(r) resp=2"


# --- FLUSHALL / FLUSHDB ---------------------------------------------------

def test_flush_sends_a_null_invalidation_to_every_tracking_client(oracle_factory, server_factory):
    def script(s):
        s.open("a", 3)
        s.open("c", 3)
        s.open("sub")
        s.open("r2")
        s.do("sub", "SUBSCRIBE", "__redis__:invalidate")
        s.do("a", "CLIENT", "TRACKING", "on")
        s.do("c", "CLIENT", "TRACKING", "on", "bcast")
        s.do("r2", "CLIENT", "TRACKING", "on", "redirect", s.id("sub"))
        s.do("a", "GET", "k")
        s.do("a", "FLUSHALL")            # +OK, then the null
        s.sync("c")
        s.sync("sub")
        s.do("a", "SET", "k", "1")       # the table was emptied: nothing
        s.do("r2", "FLUSHDB")
        s.sync("a")
        s.sync("c")
        s.sync("sub")
        s.do("a", "MULTI")
        s.do("a", "FLUSHDB")
        s.do("a", "FLUSHALL")
        s.do("a", "EXEC")                # two flushes, two nulls after EXEC
        s.do("a", "FLUSHDB", "ASYNC")
        s.sync("c")
    log = run_both(oracle_factory, server_factory, script)
    own = [e for e in log if e[0] == "a"]
    i = [e[1] for e in own].index("FLUSHALL")
    assert own[i][2] == b"+OK\r\n"
    assert own[i + 1] == ("a", "<pushes>", b">2\r\n$10\r\ninvalidate\r\n_\r\n")
    assert pushes(log, "sub")[0] == b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n"


# --- delivery: RESP2 redirect, RESP3 redirect, broken redirect --------------

def test_redirect_delivery_matches_the_oracle(oracle_factory, server_factory):
    def script(s):
        s.open("a")
        s.open("sub")
        s.open("r3", 3)
        s.open("b")
        s.do("a", "CLIENT", "TRACKING", "on", "redirect", s.id("sub"))
        s.do("a", "MGET", "k", "j")
        s.do("b", "SET", "k", "1")
        s.sync("sub")                     # RESP2, not subscribed: nothing
        s.do("sub", "SUBSCRIBE", "__redis__:invalidate")
        s.do("b", "SET", "j", "1")
        s.sync("sub")                     # a pubsub message
        s.do("a", "GET", "k")
        s.do("b", "SET", "k", "2")
        s.sync("sub")
        s.do("a", "CLIENT", "TRACKING", "on", "redirect", s.id("r3"))
        s.do("a", "GET", "k")
        s.do("b", "SET", "k", "3")
        s.sync("r3")                      # a RESP3 target gets a push
        s.sync("a")
        # The target goes away: RESP2 gets nothing, RESP3 is told once per
        # invalidation it misses.
        s.do("a", "GET", "k")
        s.close("r3")
        s.wait_gone("r3", "b")
        s.do("b", "SET", "k", "4")
        s.sync("a")
        s.do("a", "CLIENT", "TRACKINGINFO")
        s.quiet("a", "HELLO", "3")
        s.do("a", "GET", "k")
        s.do("b", "SET", "k", "5")
        s.sync("a")
        s.do("a", "CLIENT", "TRACKINGINFO")
        s.do("a", "CLIENT", "TRACKING", "on")   # a new redirect (none) clears it
        s.do("a", "CLIENT", "TRACKINGINFO")
    log = run_both(oracle_factory, server_factory, script)
    sub = pushes(log, "sub")
    assert sub[0] == b""
    assert sub[1] == b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nj\r\n"
    assert pushes(log, "r3")[0] == inv("k")
    assert pushes(log, "a")[-1] == b">2\r\n$21\r\ntracking-redir-broken\r\n:ID(r3)\r\n"


def test_redirect_with_the_python_client(target, server_factory):
    # redis-py (Debian's python3-redis) has no client-side cache of its own
    # in this version: it is the RESP2 redirect flow that its users write.
    srv = server_factory()
    r = srv.client()
    p = r.pubsub()
    p.subscribe("__redis__:invalidate")
    assert p.get_message(timeout=5)["type"] == "subscribe"
    subscribers = [c for c in r.client_list() if c["flags"] == "P"]
    assert len(subscribers) == 1
    sub_id = int(subscribers[0]["id"])
    tracker = srv.client(single_connection_client=True)
    assert tracker.client_tracking_on(clientid=sub_id) in (True, b"OK")
    assert tracker.client_trackinginfo()[1][0] == b"on"
    assert tracker.get("cached") is None
    r.set("cached", "1")
    msg = wait_for(lambda: p.get_message(timeout=0.1), 5, "invalidation message")
    assert msg["channel"] == b"__redis__:invalidate"
    assert msg["data"] == [b"cached"]
    assert tracker.client_tracking_off() in (True, b"OK")
    p.close()
    tracker.close()


# --- BCAST ----------------------------------------------------------------

def test_bcast_invalidations_match_the_oracle(oracle_factory, server_factory):
    def script(s):
        s.open("a", 3)
        s.open("n", 3)
        s.open("b")
        s.do("a", "CLIENT", "TRACKING", "on", "bcast", "prefix", "u:", "prefix", "o:")
        s.do("n", "CLIENT", "TRACKING", "on", "bcast", "prefix", "u:", "noloop")
        s.do("b", "MSET", "u:2", "1", "u:1", "2", "x", "3", "o:1", "4")
        s.sync("a")                        # one push per prefix, keys sorted
        s.sync("n")
        # One event loop iteration: the pipeline's keys come in one push,
        # each once, sorted.
        s.pipeline("b", ("SET", "u:9", "1"), ("SET", "u:8", "1"), ("DEL", "u:9"), ("SET", "o:1", "5"),
                   ("SET", "zz", "0"))
        s.sync("a")
        s.sync("n")
        # NOLOOP: n's own writes are left out, others' kept.
        s.pipeline("n", ("SET", "u:n", "1"), ("SET", "u:3", "1"))
        s.do("b", "SET", "u:b", "1")
        s.sync("a")
        s.sync("n")
        s.pipeline("n", ("SET", "u:only", "1"))
        s.sync("n")                        # nothing left: no push at all
        s.sync("a")
        # A script's writes are its own client's, not its caller's (NOLOOP
        # keeps them); a transaction's are the client's.
        s.do("n", "EVAL", "redis.call('set', 'u:script', '1') return 1", "0")
        s.sync("n")
        s.do("n", "MULTI")
        s.do("n", "SET", "u:multi", "1")
        s.do("n", "EXEC")
        s.sync("n")
        s.sync("a")
        # Reads remember nothing in BCAST mode.
        s.do("a", "GET", "zz")
        s.do("b", "SET", "zz", "1")
        s.sync("a")
        # Empty prefix: every key.
        s.do("a", "CLIENT", "TRACKING", "off")
        s.do("a", "CLIENT", "TRACKING", "on", "bcast")
        s.do("b", "SET", "zz", "2")
        s.sync("a")
        # The last client of a prefix leaves: the prefix goes.
        s.do("n", "CLIENT", "TRACKING", "off")
        f = info_fields(s.quiet("b", "INFO", "stats").split(b"\r\n", 1)[1].decode())
        s.log.append(("b", "prefixes", f["tracking_total_prefixes"].encode()))
    log = run_both(oracle_factory, server_factory, script)
    a = pushes(log, "a")
    assert a[0] == inv("o:1") + inv("u:1", "u:2")
    assert a[1] == inv("o:1") + inv("u:8", "u:9")
    assert pushes(log, "n")[2] == inv("u:b")
    assert pushes(log, "n")[3] == b""
    assert pushes(log, "n")[4] == inv("u:script")
    assert pushes(log, "n")[5] == b""


# --- OPTIN / OPTOUT -------------------------------------------------------

def test_optin_and_optout_match_the_oracle(oracle_factory, server_factory):
    def script(s):
        s.open("a", 3)
        s.open("b")
        s.do("a", "CLIENT", "TRACKING", "on", "optin")
        s.do("a", "GET", "k1")
        s.do("a", "CLIENT", "CACHING", "yes")
        s.do("a", "CLIENT", "TRACKINGINFO")
        s.do("a", "GET", "k2")
        s.do("a", "GET", "k3")              # CACHING applied to one command
        s.do("a", "CLIENT", "CACHING", "yes")
        s.do("a", "CLIENT", "ID")           # any CLIENT subcommand keeps it
        s.do("a", "GET", "k4")
        s.do("b", "MSET", "k1", "1", "k2", "2", "k3", "3", "k4", "4")
        s.sync("a")
        s.do("a", "CLIENT", "CACHING", "yes")
        s.do("a", "MULTI")
        s.do("a", "GET", "m1")
        s.do("a", "GET", "m2")
        s.do("a", "EXEC")                   # the whole transaction
        s.do("a", "GET", "m3")
        s.do("b", "MSET", "m1", "1", "m2", "2", "m3", "3")
        s.sync("a")
        s.do("a", "CLIENT", "TRACKING", "off")
        s.do("a", "CLIENT", "TRACKING", "on", "optout")
        s.do("a", "GET", "k1")
        s.do("a", "CLIENT", "CACHING", "no")
        s.do("a", "GET", "k2")
        s.do("a", "GET", "k3")
        s.do("b", "MSET", "k1", "1", "k2", "2", "k3", "3")
        s.sync("a")
    log = run_both(oracle_factory, server_factory, script)
    assert pushes(log, "a") == [inv("k2") + inv("k4"), inv("m1") + inv("m2"), inv("k1") + inv("k3")]


# --- transactions, scripts, functions -------------------------------------

def test_multi_scripts_and_functions_match_the_oracle(oracle_factory, server_factory):
    lib = ("#!lua name=tlib\n"
           "redis.register_function{function_name='rd', callback=function(k, a) return redis.call('get', k[1]) end,"
           " flags={'no-writes'}}\n"
           "redis.register_function('rw', function(k, a) redis.call('set', 'fw', '1') "
           "return redis.call('get', k[1]) end)")

    def script(s):
        s.open("a", 3)
        s.open("b")
        s.do("a", "CLIENT", "TRACKING", "on")
        s.do("a", "MGET", "m1", "m2")
        s.do("a", "MULTI")
        s.do("a", "SET", "m1", "1")
        s.do("a", "GET", "m3")
        s.do("a", "SET", "m3", "1")
        s.do("a", "INCR", "m2")
        s.do("a", "EXEC")                   # replies, then m1, m3, m2
        s.do("a", "GET", "s1")
        # The script's reads remember its KEYS (Redis 7.0 takes them from
        # the EVAL), not the keys it happened to read; its writes invalidate
        # after its reply.
        s.do("a", "EVAL", "redis.call('set', 's1', '1') redis.call('get', 'undeclared') "
             "return redis.call('get', KEYS[1])", "1", "s2")
        s.do("b", "MSET", "s2", "1", "undeclared", "1")
        s.sync("a")
        s.do("a", "EVAL", "redis.call('set', 'w', '1') return 1", "1", "s2")   # no read: nothing kept
        s.do("a", "EVAL_RO", "return redis.call('get', KEYS[1])", "1", "s3")
        s.do("b", "MSET", "s2", "2", "s3", "2")
        s.sync("a")
        s.do("b", "FUNCTION", "LOAD", lib)
        s.do("a", "FCALL", "rw", "1", "f1")
        s.do("a", "FCALL_RO", "rd", "1", "f2")
        s.do("a", "GET", "fw")
        s.do("b", "MSET", "f1", "1", "f2", "2", "fw", "3")
        s.sync("a")
        s.do("b", "FUNCTION", "FLUSH")
    log = run_both(oracle_factory, server_factory, script)
    i = [e[1] for e in log].index("EXEC")
    assert log[i][2] == b"*4\r\n+OK\r\n_\r\n+OK\r\n:1\r\n"
    # After EXEC's reply, in the order of the changes.
    assert log[i + 1][1:] == ("<pushes>", inv("m1") + inv("m3") + inv("m2"))
    got = b"".join(pushes(log, "a"))
    assert inv("s2") in got and inv("s1") in got and inv("f1") in got
    assert b"undeclared" not in got


# --- expiry, eviction, tracking-table-max-keys ----------------------------

def test_expiry_and_eviction_invalidate(oracle_factory, server_factory):
    def script(s):
        s.open("a", 3)
        s.open("b")
        s.do("a", "CLIENT", "TRACKING", "on")
        s.do("b", "SET", "e", "1", "PX", "150")
        s.do("a", "GET", "e")
        # Active expiry deletes it while nobody touches it.
        got = []

        def invalidated():
            got.extend(s.sync("a"))
            return got
        wait_for(invalidated, 10, "expiry invalidation")
        s.log = [e for e in s.log if e[1] != "<pushes>"]
        s.log.append(("a", "expired", b"".join(got)))
        s.do("b", "SET", "ev", "1")
        s.do("a", "GET", "ev")
        s.do("b", "CONFIG", "SET", "maxmemory-policy", "allkeys-random")
        s.do("b", "CONFIG", "SET", "maxmemory", "1")
        s.do("b", "GET", "nothing")         # evicts every key
        s.do("b", "CONFIG", "SET", "maxmemory", "0")
        s.sync("a")
    log = run_both(oracle_factory, server_factory, script)
    assert [e[2] for e in log if e[1] == "expired"] == [inv("e")]
    assert pushes(log, "a")[-1] == inv("ev")


def test_table_limit_evicts_keys_with_invalidations(target, server_factory):
    # Which keys go is random (in Redis too): the count is compared.
    srv = server_factory(extra_args=["--tracking-table-max-keys", "2", "--hz", "1"])
    s = Session(srv)
    try:
        s.open("a", 3)
        s.open("b")
        s.do("a", "CLIENT", "TRACKING", "on")
        s.do("a", "MGET", "t1", "t2", "t3", "t4", "t5")
        got = s.sync("a")   # the next command brings the table back under the limit first
        assert len(got) == 3
        keys = {g.split(b"\r\n")[-2] for g in got}
        assert keys < {b"t1", b"t2", b"t3", b"t4", b"t5"} and len(keys) == 3
        fields = info_fields(s.do("b", "INFO", "stats").split(b"\r\n", 1)[1].decode())
        assert fields["tracking_total_keys"] == "2"
        assert fields["tracking_total_items"] == "2"
        # The two left are the ones not invalidated.
        left = {b"t1", b"t2", b"t3", b"t4", b"t5"} - keys
        s.do("b", "MSET", *[x for k in sorted(left) for x in (k.decode(), "1")])
        assert sorted(s.sync("a")) == sorted(inv(k.decode()) for k in left)
        # 0: no limit.
        s.do("b", "CONFIG", "SET", "tracking-table-max-keys", "0")
        s.do("a", "MGET", "t1", "t2", "t3", "t4", "t5")
        assert s.sync("a") == []
        assert info_fields(s.do("b", "INFO", "stats").split(b"\r\n", 1)[1].decode())["tracking_total_keys"] == "5"
    finally:
        s.close_all()


# --- replication ----------------------------------------------------------

def test_replica_invalidates_on_its_primary_writes(target, server_factory):
    primary = server_factory(extra_args=["--repl-diskless-sync-delay", "0"])
    replica = server_factory()
    rc = replica.client()
    assert rc.execute_command("REPLICAOF", "127.0.0.1", primary.port) == b"OK"
    wait_for(lambda: rc.info("replication").get("master_link_status") == "up", 20, "link up")
    pc = primary.client()
    pc.set("k", "1")
    wait_for(lambda: rc.get("k") == b"1", 10, "k replicated")
    s = Session(replica)
    try:
        s.open("a", 3)
        s.do("a", "CLIENT", "TRACKING", "on")
        assert s.do("a", "GET", "k") == b"$1\r\n1\r\n"
        pc.set("k", "2")
        got = []
        wait_for(lambda: got.extend(s.sync("a")) or got, 10, "invalidation on the replica")
        assert got == [inv("k")]
        s.do("a", "GET", "k")
        pc.flushall()
        got = []
        wait_for(lambda: got.extend(s.sync("a")) or got, 10, "flush invalidation on the replica")
        assert got == [b">2\r\n$10\r\ninvalidate\r\n_\r\n"]
    finally:
        s.close_all()
        rc.close()
        pc.close()


def test_full_sync_sends_bcast_clients_the_flush_not_every_key(target, server_factory):
    # The replica empties its data for the primary's snapshot (one null
    # invalidation) and loads it: loaded keys are not changes. The stream
    # after it is.
    primary = server_factory(extra_args=["--repl-diskless-sync-delay", "0"])
    pc = primary.client()
    for i in range(100):
        pc.set(f"k:{i}", i)
    replica = server_factory()
    rc = replica.client()
    s = Session(replica)
    try:
        s.open("a", 3)
        s.do("a", "CLIENT", "TRACKING", "on", "bcast", "prefix", "k:")
        assert rc.execute_command("REPLICAOF", "127.0.0.1", primary.port) == b"OK"
        wait_for(lambda: rc.info("replication").get("master_link_status") == "up", 20, "link up")
        wait_for(lambda: rc.dbsize() == 100, 10, "the snapshot loaded")
        assert s.sync("a") == [b">2\r\n$10\r\ninvalidate\r\n_\r\n"]
        pc.set("k:7", "x")
        got = []
        wait_for(lambda: got.extend(s.sync("a")) or got, 10, "the stream's invalidation")
        assert got == [inv("k:7")]
    finally:
        s.close_all()
        rc.close()
        pc.close()
