"""Checks a restarted server against the writers' models.

For each writer: every key no in-flight command touched must hold exactly
the acknowledged state; the keys the in-flight units touched must together
hold the acknowledged state plus one prefix of those units (the AOF is
written in execution order, so a kill keeps a prefix of each connection's
commands). Short-TTL keys hold their last acknowledged value or an in-flight
one, or are gone if they may have expired. Anything else is a lost write (a
key's state is an earlier acknowledged state: the count of acknowledged
commands after it is the number lost) or corruption (no acknowledged state
of the key matches). On success the models are updated to the server's
state and a new checkpoint begins.
"""

import time

import model
from workload import KEYS_PER_TYPE, LONG_TTL_S, key_name

MAX_SCAN_ROUNDS = 100_000
# Short-key expiry times come from two clocks read around a round trip.
CLOCK_MARGIN_S = 0.005


class Result:
    def __init__(self):
        self.lost = 0
        self.corrupt = 0
        self.problems = []          # one line per wrong key
        self.inflight_applied = 0   # in-flight units the server kept
        self.inflight_dropped = 0   # in-flight units it did not


def universe(writers):
    """(normal keys, short keys) of every writer, in a stable order."""
    normal, short = [], []
    for w in range(writers):
        for kind, count in KEYS_PER_TYPE.items():
            for n in range(count):
                (short if kind == "short" else normal).append(key_name(w, kind, n))
    return normal, short


def read_keys(conn, keys):
    """key -> (model.Entry or None, pttl) as the server holds it, plus a
    list of structural problems seen while reading (an unsorted zset)."""
    head = conn.pipeline([c for k in keys for c in (("TYPE", k), ("PTTL", k))])
    reads, kinds = [], []
    for i, k in enumerate(keys):
        kind = str(head[2 * i])
        kinds.append(kind)
        reads.append({"string": ("GET", k), "list": ("LRANGE", k, 0, -1),
                      "hash": ("HGETALL", k), "set": ("SMEMBERS", k),
                      "zset": ("ZRANGE", k, 0, -1, "WITHSCORES"),
                      "none": ("EXISTS", k)}.get(kind, ("TYPE", k)))
    values = conn.pipeline(reads)
    out, problems = {}, []
    for i, k in enumerate(keys):
        kind, v, pttl = kinds[i], values[i], head[2 * i + 1]
        if kind == "none":
            out[k] = (None, pttl)
            continue
        if kind == "hash":
            v = dict(zip(v[0::2], v[1::2]))
        elif kind == "set":
            v = set(v)
        elif kind == "zset":
            pairs = [(float(s), m) for m, s in zip(v[0::2], v[1::2])]
            if pairs != sorted(pairs):
                problems.append(f"{k!r}: ZRANGE is not in (score, member) order")
            v = {m: s for s, m in pairs}
        elif kind not in ("string", "list"):
            problems.append(f"{k!r}: unexpected TYPE {kind!r}")
        out[k] = (model.Entry(kind, v, ttl=pttl != -1), pttl)
    return out, problems


def scan_all(conn):
    """Every key in the server (SCAN to the end, bounded)."""
    keys, cursor = set(), b"0"
    for _ in range(MAX_SCAN_ROUNDS):
        cursor, batch = conn.command("SCAN", cursor, "COUNT", 1000)
        keys.update(batch)
        if cursor == b"0":
            return keys
    raise AssertionError("SCAN did not finish")


def verify(conn, books, unacked_by_writer):
    """Compares the server with every book; unacked_by_writer[i] is writer
    i's in-flight units at the kill ([] after a clean stop)."""
    res = Result()
    normal, short = universe(len(books))
    t_read = time.time()
    server, problems = read_keys(conn, normal + short)
    t_after = time.time()
    for p in problems:
        res.corrupt += 1
        res.problems.append("corrupt: " + p)
    extra = scan_all(conn) - set(normal) - set(short)
    for k in sorted(extra)[:20]:
        res.problems.append(f"corrupt: unexpected key {k!r} in the server")
    res.corrupt += len(extra)
    for book in books:
        units = unacked_by_writer[book.index]
        _check_writer(book, [u for u in units if u.short_px is None],
                      server, res)
        _check_short(book, [u for u in units if u.short_px is not None],
                     server, (t_read, t_after), res)
    return res


def _check_ttl(key, entry, pttl, res):
    if entry is not None and entry.ttl and not 0 < pttl <= LONG_TTL_S * 1000:
        res.corrupt += 1
        res.problems.append(f"corrupt: {key!r} has PTTL {pttl}")


def _check_writer(book, units, server, res):
    prefix = f"soak:w{book.index}:".encode()
    mine = [k for k in server if k.startswith(prefix) and b":short:" not in k]
    touched = model.keys_of([c for u in units for c in u.commands])
    for k in mine:
        _check_ttl(k, server[k][0], server[k][1], res)
    wrong = [k for k in mine if k not in touched
             and server[k][0] != book.state.get(k)]
    # The in-flight units: find the prefix the server kept.
    cand = {k: (e.copy() if e is not None else None)
            for k, e in ((k, book.state.get(k)) for k in touched)}
    scratch = {k: e for k, e in cand.items() if e is not None}
    kept = None
    for m in range(len(units) + 1):
        if m > 0:
            for c in units[m - 1].commands:
                model.apply(scratch, c)
        if all(server[k][0] == scratch.get(k) for k in touched):
            kept = m
            break
    if kept is None:
        bad = [k for k in sorted(touched)
               if not _prefixes_matching(book.state.get(k), units, k, server[k][0])]
        if not bad:
            res.corrupt += 1
            res.problems.append(
                f"order: writer {book.index}: each key it was writing holds its "
                f"acknowledged state plus some in-flight commands, but no single "
                f"prefix of the in-flight units {[u.commands for u in units]!r} "
                f"explains them all")
        wrong += bad
    for k in wrong:
        _count_lost(book, k, server[k][0], res)
    if wrong or kept is None:
        return
    res.inflight_applied += kept
    res.inflight_dropped += len(units) - kept
    for k in mine:
        if server[k][0] is None:
            book.state.pop(k, None)
        else:
            book.state[k] = server[k][0]


def _prefixes_matching(entry, units, key, actual):
    """The m for which key, after the first m in-flight units, equals
    actual (looking at this key alone)."""
    state = {key: entry.copy()} if entry is not None else {}
    out = set()
    for m in range(len(units) + 1):
        if m > 0:
            for c in units[m - 1].commands:
                if model.keys_of([c]) == {key}:
                    model.apply(state, c)
        if state.get(key) == actual:
            out.add(m)
    return out


def _count_lost(book, key, actual, res):
    """How many acknowledged commands on key are missing: the key's
    acknowledged commands since the last checkpoint are replayed and the
    latest state equal to the server's is found. None equal: corruption."""
    log = book.key_log.get(key, [])
    match = None
    for i, e in enumerate(model.replay(book.checkpoint.get(key), log, key)):
        if e == actual:
            match = i
    where = (f"writer {book.index} key {key!r}: server has {actual!r}, "
             f"acknowledged state {book.state.get(key)!r}")
    if match is not None and match < len(log):
        lost = len(log) - match
        res.lost += lost
        res.problems.append(f"lost {lost}: {where}; missing {log[match:][:10]!r}")
        return
    res.corrupt += 1
    res.problems.append(f"corrupt: {where}; matches no acknowledged state since "
                        f"the last check ({len(log)} commands, last {log[-5:]!r})")


def _check_short(book, units, server, times, res):
    """times: wall clock before and after the read. Gone is fine once the
    key may have expired by the end of the read; a value found gives a
    lower bound of its expiry from the start of the read."""
    t_read, t_after = times
    prefix = f"soak:w{book.index}:short:".encode()
    for k in [k for k in server if k.startswith(prefix)]:
        entry, pttl = server[k]
        if entry is not None and entry.value is None:
            # TYPE saw it, then it expired before GET: gone.
            entry = None
        acked = book.short.get(k)
        inflight = [u for u in units if u.commands[0][1] == k]
        allowed = {c.commands[0][2] for c in inflight}
        if acked is not None and acked.value is not None:
            allowed.add(acked.value)
        where = f"writer {book.index} short key {k!r}"
        if entry is None:
            may_be_gone = (acked is None or acked.value is None
                           or t_after >= acked.earliest_expiry - CLOCK_MARGIN_S
                           or any(u.sent_wall + u.short_px / 1000 <= t_after + CLOCK_MARGIN_S
                                  for u in inflight))
            if not may_be_gone:
                res.lost += 1
                res.problems.append(
                    f"lost 1: {where} is gone {acked.earliest_expiry - t_after:.3f} s "
                    f"before its PX could have fired (value {acked.value!r})")
                continue
            book.short[k] = _short_key(None, None)
            continue
        if entry.kind != "string" or entry.value not in allowed or pttl == -1:
            res.corrupt += 1
            res.problems.append(f"corrupt: {where}: server has {entry!r} "
                                f"PTTL {pttl}, allowed {allowed!r}")
            continue
        # PTTL -2: it expired between GET and PTTL.
        book.short[k] = _short_key(entry.value, t_read + max(pttl, 0) / 1000
                                   - CLOCK_MARGIN_S)


def _short_key(value, earliest):
    from workload import ShortKey
    return ShortKey(value, earliest)
