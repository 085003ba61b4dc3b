"""The soak's client-side model of the keyspace: a deterministic simulator of
the write commands the workload sends, and the comparison of a model state
with what a server holds.

A state is a dict key -> Entry. Every command the workload sends touches
exactly one key and its effect on that key depends only on that key's
previous state, so the effect of a sequence of commands can be replayed per
key (used to count how many acknowledged writes a damaged key lost).

Replies are predicted in the shapes harness.RespClient returns: "OK" (a str
compares equal to SimpleString), int, bytes, None, list. Sorted-set scores
are Score values, compared numerically with the bulk string the server
sends, so the server's number formatting does not matter (the workload only
uses multiples of 0.5, which are exact in a double).
"""

# The only commands the simulator knows. Anything else is a workload bug.
WRITE_COMMANDS = frozenset([
    "SET", "APPEND", "INCRBY", "DEL", "EXPIRE", "PERSIST",
    "RPUSH", "LPUSH", "LPOP", "RPOP", "LTRIM",
    "HSET", "HDEL", "HINCRBY",
    "SADD", "SREM",
    "ZADD", "ZREM", "ZINCRBY", "ZPOPMIN",
])


class Score(float):
    """An expected sorted-set score: equal to a bulk reply holding the same
    number."""

    def matches(self, actual):
        if not isinstance(actual, (bytes, str)):
            return False
        try:
            return float(actual) == float(self)
        except ValueError:
            return False


class Entry:
    """One key: kind ("string", "list", "hash", "set", "zset"), a value
    (bytes, list of bytes, dict bytes->bytes, set of bytes, dict
    bytes->float) and whether it has a (long, never firing) TTL."""

    __slots__ = ("kind", "value", "ttl")

    def __init__(self, kind, value, ttl=False):
        self.kind = kind
        self.value = value
        self.ttl = ttl

    def copy(self):
        v = self.value
        if isinstance(v, (list, dict, set)):
            v = v.copy()
        return Entry(self.kind, v, self.ttl)

    def __eq__(self, other):
        return (isinstance(other, Entry) and self.kind == other.kind
                and self.ttl == other.ttl and self.value == other.value)

    def __repr__(self):
        return f"Entry({self.kind}, ttl={self.ttl}, {abridge(self.value)})"


def abridge(value, limit=300):
    """repr() cut to limit characters, for failure reports."""
    text = repr(sorted(value) if isinstance(value, set) else value)
    if len(text) > limit:
        text = text[:limit] + f"... ({len(value)} items)"
    return text


def _b(x):
    if isinstance(x, bytes):
        return x
    return str(x).encode()


def _get(state, key, kind):
    """The entry at key if it has kind, else None (absent). The workload
    names keys by type, so another kind here is a model bug."""
    e = state.get(key)
    if e is not None and e.kind != kind:
        raise AssertionError(f"model: {key!r} is a {e.kind}, not a {kind}")
    return e


def _drop_if_empty(state, key):
    if not state[key].value:
        del state[key]


def apply(state, cmd):
    """Applies one command (a tuple: name, key, args...) to state in place
    and returns the reply the server must send."""
    name, key = cmd[0], _b(cmd[1])
    args = [_b(a) for a in cmd[2:]]
    if name == "SET":
        # SET k v [EX seconds]: replaces any value and any TTL.
        state[key] = Entry("string", args[0], ttl=len(args) > 1)
        return "OK"
    if name == "APPEND":
        e = _get(state, key, "string")
        if e is None:
            e = state[key] = Entry("string", b"")
        e.value += args[0]
        return len(e.value)
    if name == "INCRBY":
        e = _get(state, key, "string")
        if e is None:
            e = state[key] = Entry("string", b"0")
        e.value = str(int(e.value) + int(args[0])).encode()
        return int(e.value)
    if name == "DEL":
        return 1 if state.pop(key, None) is not None else 0
    if name == "EXPIRE":
        e = state.get(key)
        if e is None:
            return 0
        e.ttl = True
        return 1
    if name == "PERSIST":
        e = state.get(key)
        if e is None or not e.ttl:
            return 0
        e.ttl = False
        return 1
    if name in ("RPUSH", "LPUSH", "LPOP", "RPOP", "LTRIM"):
        return _apply_list(state, name, key, args)
    if name in ("HSET", "HDEL", "HINCRBY"):
        return _apply_hash(state, name, key, args)
    if name in ("SADD", "SREM"):
        return _apply_set(state, name, key, args)
    if name in ("ZADD", "ZREM", "ZINCRBY", "ZPOPMIN"):
        return _apply_zset(state, name, key, args)
    raise AssertionError(f"model: unknown command {cmd!r}")


def _apply_list(state, name, key, args):
    e = _get(state, key, "list")
    if name in ("RPUSH", "LPUSH"):
        if e is None:
            e = state[key] = Entry("list", [])
        for a in args:
            if name == "RPUSH":
                e.value.append(a)
            else:
                e.value.insert(0, a)
        return len(e.value)
    if e is None:
        return None if name != "LTRIM" else "OK"
    if name == "LPOP":
        v = e.value.pop(0)
    elif name == "RPOP":
        v = e.value.pop()
    else:  # LTRIM start stop, with Redis's index rules
        n = len(e.value)
        start, stop = int(args[0]), int(args[1])
        start = start + n if start < 0 else start
        stop = stop + n if stop < 0 else stop
        start = max(start, 0)
        if start > stop or start >= n:
            e.value = []
        else:
            e.value = e.value[start:min(stop, n - 1) + 1]
        v = "OK"
    _drop_if_empty(state, key)
    return v


def _apply_hash(state, name, key, args):
    e = _get(state, key, "hash")
    if name == "HSET":
        if e is None:
            e = state[key] = Entry("hash", {})
        added = 0
        for i in range(0, len(args), 2):
            added += args[i] not in e.value
            e.value[args[i]] = args[i + 1]
        return added
    if name == "HINCRBY":
        if e is None:
            e = state[key] = Entry("hash", {})
        n = int(e.value.get(args[0], b"0")) + int(args[1])
        e.value[args[0]] = str(n).encode()
        return n
    if e is None:  # HDEL
        return 0
    removed = 0
    for f in args:
        removed += e.value.pop(f, None) is not None
    _drop_if_empty(state, key)
    return removed


def _apply_set(state, name, key, args):
    e = _get(state, key, "set")
    if name == "SADD":
        if e is None:
            e = state[key] = Entry("set", set())
        before = len(e.value)
        e.value.update(args)
        return len(e.value) - before
    if e is None:
        return 0
    before = len(e.value)
    e.value.difference_update(args)
    removed = before - len(e.value)
    _drop_if_empty(state, key)
    return removed


def _apply_zset(state, name, key, args):
    e = _get(state, key, "zset")
    if name == "ZADD":
        if e is None:
            e = state[key] = Entry("zset", {})
        added = 0
        for i in range(0, len(args), 2):
            added += args[i + 1] not in e.value
            e.value[args[i + 1]] = float(args[i])
        return added
    if name == "ZINCRBY":
        if e is None:
            e = state[key] = Entry("zset", {})
        score = e.value.get(args[1], 0.0) + float(args[0])
        e.value[args[1]] = score
        return Score(score)
    if e is None:
        return 0 if name == "ZREM" else []
    if name == "ZREM":
        removed = 0
        for m in args:
            removed += e.value.pop(m, None) is not None
        _drop_if_empty(state, key)
        return removed
    # ZPOPMIN key count: lowest score first, ties by member bytes.
    count = int(args[0]) if args else 1
    order = sorted(e.value.items(), key=lambda kv: (kv[1], kv[0]))[:count]
    out = []
    for member, score in order:
        del e.value[member]
        out += [member, Score(score)]
    _drop_if_empty(state, key)
    return out


def reply_matches(expected, actual):
    """True if the server's reply equals the predicted one."""
    if isinstance(expected, Score):
        return expected.matches(actual)
    if isinstance(expected, list):
        return (isinstance(actual, list) and len(actual) == len(expected)
                and all(reply_matches(e, a) for e, a in zip(expected, actual)))
    if isinstance(expected, str):
        return isinstance(actual, str) and actual == expected
    if isinstance(expected, bool) or isinstance(actual, bool):
        return False
    return type(expected) is type(actual) and expected == actual


def keys_of(commands):
    """The keys a list of commands touches (each touches its argument 1)."""
    return {_b(c[1]) for c in commands}


def replay(entry, commands, key):
    """Yields the entry (or None when absent) before any of commands and
    after each one, applied to key alone; entry is not modified."""
    state = {key: entry.copy()} if entry is not None else {}
    yield state.get(key)
    for c in commands:
        apply(state, c)
        yield state.get(key)
