"""The soak's writers: each owns a disjoint set of keys, sends seeded random
write commands in pipelined batches on its own connection and records a
command's effect in its model only once the server's reply has been read.

Because no two writers share a key and one connection's commands execute in
order, a writer's model is exact: after a kill -9 the server holds the
writer's acknowledged state plus some prefix (possibly empty) of the units
that were sent but not acknowledged. A unit is one command, or several in a
MULTI/EXEC block (applied all or none).

Key names: soak:w<writer>:<type>:<n>. The type in the name keeps every
command on the right type (never WRONGTYPE). "short" keys are strings set
with a short PX; they are checked apart from the model (gone once they may
have expired, otherwise holding an acknowledged or in-flight value).
"""

import threading
import traceback
import time

import model
from harness import ConnectionClosed, encode_command

# Keys per writer and type. Aggregates are bounded below (see _bounded_*)
# but can pass the listpack/intset thresholds (128 entries, 64-byte values)
# so both encodings are written and loaded.
KEYS_PER_TYPE = {"str": 12, "cnt": 6, "list": 6, "hash": 6, "set": 6,
                 "zset": 6, "short": 8}
LONG_TTL_S = 1_000_000        # never fires during a run
SHORT_TTL_MS = (30, 3000)
MAX_STRING = 2000
MAX_LIST = 300
MAX_FIELDS = 150
MULTI_CHANCE = 0.05
MAX_BATCHES = 10_000_000      # a writer stops long before this
REPLY_TIMEOUT_S = 60.0        # appendfsync always under ASan can be slow


def key_name(writer, kind, n):
    return f"soak:w{writer}:{kind}:{n}".encode()


class Unit:
    """Commands acknowledged together: one, or a MULTI/EXEC block."""

    __slots__ = ("commands", "multi", "short_px", "sent_wall")

    def __init__(self, commands, multi=False, short_px=None):
        self.commands = commands
        self.multi = multi
        self.short_px = short_px  # set for SET <short key> v PX n
        self.sent_wall = None

    def wire(self):
        if self.multi:
            return [("MULTI",)] + self.commands + [("EXEC",)]
        return self.commands


class ShortKey:
    """What the model knows of a short-TTL key: its last acknowledged value
    and the earliest wall-clock time it may have expired (None: never set,
    or resynced as absent)."""

    __slots__ = ("value", "earliest_expiry")

    def __init__(self, value=None, earliest_expiry=None):
        self.value = value
        self.earliest_expiry = earliest_expiry


class Generator:
    """Seeded random units for one writer. Bounds use the writer's
    acknowledged model; a batch in flight can overshoot a bound by at most
    one batch, which keeps sizes bounded all the same."""

    def __init__(self, writer, rnd, state):
        self.w = writer
        self.rnd = rnd
        self.state = state
        self.keys = {k: [key_name(writer, k, n) for n in range(c)]
                     for k, c in KEYS_PER_TYPE.items()}
        self.kinds = [k for k in KEYS_PER_TYPE if k != "short"]

    def value(self):
        r = self.rnd
        n = r.choice((1, 3, 8, 20, 40, 70, 100))
        # Arbitrary bytes (CR, LF, NUL included) half the time.
        if r.random() < 0.5:
            return r.randbytes(r.randint(1, n))
        return str(r.randrange(10 ** 6)).encode() * (1 + n // 8)

    def unit(self):
        r = self.rnd
        if r.random() < 0.08:
            key = r.choice(self.keys["short"])
            px = r.randint(*SHORT_TTL_MS)
            return Unit([("SET", key, self.value(), "PX", px)], short_px=px)
        if r.random() < MULTI_CHANCE:
            return Unit([self.command() for _ in range(r.randint(2, 4))],
                        multi=True)
        return Unit([self.command()])

    def command(self):
        r = self.rnd
        kind = r.choice(self.kinds)
        key = r.choice(self.keys[kind])
        e = self.state.get(key)
        x = r.random()
        if x < 0.04:
            return ("EXPIRE", key, LONG_TTL_S)
        if x < 0.08:
            return ("PERSIST", key)
        if x < 0.095:
            return ("DEL", key)
        return getattr(self, "_" + kind)(key, e)

    def _str(self, key, e):
        r = self.rnd
        x = r.random()
        if x < 0.45 or (e is not None and len(e.value) > MAX_STRING):
            if r.random() < 0.2:
                return ("SET", key, self.value(), "EX", LONG_TTL_S)
            return ("SET", key, self.value())
        return ("APPEND", key, self.value())

    def _cnt(self, key, e):
        return ("INCRBY", key, self.rnd.randint(-1000, 1000))

    def _list(self, key, e):
        r = self.rnd
        n = len(e.value) if e is not None else 0
        if n > MAX_LIST:
            return ("LTRIM", key, -(MAX_LIST // 2), -1)
        x = r.random()
        if x < 0.35:
            return ("RPUSH", key, *[self.value() for _ in range(r.randint(1, 4))])
        if x < 0.6:
            return ("LPUSH", key, *[self.value() for _ in range(r.randint(1, 4))])
        if x < 0.75:
            return ("LPOP", key)
        if x < 0.9:
            return ("RPOP", key)
        return ("LTRIM", key, r.randint(0, 3), r.choice((-1, -2, 50, 200)))

    def _hash(self, key, e):
        r = self.rnd
        x = r.random()
        if x < 0.5:
            args = []
            for _ in range(r.randint(1, 4)):
                args += [f"f{r.randrange(MAX_FIELDS)}", self.value()]
            return ("HSET", key, *args)
        if x < 0.8:
            return ("HDEL", key, *[f"f{r.randrange(MAX_FIELDS)}"
                                   for _ in range(r.randint(1, 4))])
        return ("HINCRBY", key, f"n{r.randrange(10)}", r.randint(-50, 50))

    def _member(self, key):
        # Even-numbered set keys hold integers only (intset encoding);
        # odd ones mix in strings.
        r = self.rnd
        if key[-1] % 2 == 0 or r.random() < 0.5:
            return str(r.randrange(MAX_FIELDS * 2))
        return f"m{r.randrange(MAX_FIELDS)}"

    def _set(self, key, e):
        r = self.rnd
        members = [self._member(key) for _ in range(r.randint(1, 5))]
        return ("SADD" if r.random() < 0.55 else "SREM", key, *members)

    def _zset(self, key, e):
        r = self.rnd
        x = r.random()
        if x < 0.45:
            args = []
            for _ in range(r.randint(1, 4)):
                args += [str(r.randint(-400, 400) / 2), f"z{r.randrange(MAX_FIELDS)}"]
            return ("ZADD", key, *args)
        if x < 0.65:
            return ("ZINCRBY", key, str(r.randint(-10, 10) / 2),
                    f"z{r.randrange(MAX_FIELDS)}")
        if x < 0.88:
            return ("ZREM", key, *[f"z{r.randrange(MAX_FIELDS)}"
                                   for _ in range(r.randint(1, 4))])
        return ("ZPOPMIN", key, r.randint(1, 3))


class Writer(threading.Thread):
    """One connection's writes. Created per cycle on the current server;
    the model objects (state, short, key_log) outlive it and are handed to
    the next cycle's writer.

    After the thread ends: `unacked` holds the units sent but not fully
    acknowledged (in order), `error` a reply that contradicted the model
    (a bug in the server or in the soak), `io_error` the exception that
    ended the connection (expected after a kill)."""

    def __init__(self, index, rnd, book, port, max_batch):
        super().__init__(daemon=True, name=f"soak-writer-{index}")
        self.index = index
        self.rnd = rnd
        self.book = book
        self.port = port
        self.max_batch = max_batch
        self.stop_event = threading.Event()
        self.unacked = []
        self.error = None
        self.io_error = None
        self.acked_units = 0

    def run(self):
        from harness import RespClient
        gen = Generator(self.index, self.rnd, self.book.state)
        try:
            conn = RespClient("127.0.0.1", self.port, timeout_s=REPLY_TIMEOUT_S)
        except OSError as e:
            self.io_error = e
            return
        try:
            for _ in range(MAX_BATCHES):
                if self.stop_event.is_set():
                    break
                units = [gen.unit() for _ in range(self.rnd.randint(1, self.max_batch))]
                self.unacked = list(units)
                payload = []
                now = time.time()
                for u in units:
                    u.sent_wall = now
                    payload += [encode_command(*c) for c in u.wire()]
                conn.send(b"".join(payload))
                for u in units:
                    replies = [conn.read_reply() for _ in u.wire()]
                    if not self.book.acknowledge(u, replies, self):
                        return
                    self.unacked.pop(0)
                    self.acked_units += 1
        except (ConnectionClosed, OSError, ValueError) as e:
            self.io_error = e
        except Exception:  # noqa: BLE001 - a soak bug must fail the run
            self.error = f"writer {self.index} crashed:\n{traceback.format_exc()}"
        finally:
            conn.close()


class Book:
    """One writer's model: `state` (acknowledged, key -> model.Entry),
    `short` (key -> ShortKey), and since the last verification the
    checkpoint of every key and the acknowledged commands on each key (to
    count lost writes exactly if a key comes back wrong)."""

    def __init__(self, index):
        self.index = index
        self.state = {}
        self.short = {}
        self.checkpoint = {}
        self.key_log = {}
        self.acked_commands = 0

    def acknowledge(self, unit, replies, writer):
        """Checks a unit's replies against the model and applies it. False
        (with writer.error set) if a reply contradicts the model."""
        if unit.short_px is not None:
            if replies != ["OK"]:
                writer.error = f"{unit.commands[0]!r} -> {replies!r}"
                return False
            cmd = unit.commands[0]
            self.short[cmd[1]] = ShortKey(cmd[2], unit.sent_wall + unit.short_px / 1000)
            self.acked_commands += 1
            return True
        results = replies
        if unit.multi:
            n = len(unit.commands)
            if replies[0] != "OK" or any(q != "QUEUED" for q in replies[1:n + 1]):
                writer.error = f"MULTI block {unit.commands!r} -> {replies!r}"
                return False
            results = replies[n + 1]
            if not isinstance(results, list) or len(results) != n:
                writer.error = f"EXEC of {unit.commands!r} -> {results!r}"
                return False
        for cmd, actual in zip(unit.commands, results):
            expected = model.apply(self.state, cmd)
            if not model.reply_matches(expected, actual):
                recent = self.key_log.get(cmd[1], [])[-5:]
                writer.error = (f"writer {self.index}: {cmd!r} replied {actual!r}, "
                                f"model expected {expected!r}; earlier commands "
                                f"on the key since the last check: {recent!r}")
                return False
            self.key_log.setdefault(cmd[1], []).append(cmd)
            self.acked_commands += 1
        return True

    def new_checkpoint(self):
        """Called after a successful verification: the model is the truth."""
        self.checkpoint = {k: e.copy() for k, e in self.state.items()}
        self.key_log = {}
