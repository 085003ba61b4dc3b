"""RESP3 side by side: a broad list of commands (every family) run on the
real redis-server and on the target over HELLO 3, their raw reply bytes
compared; and the same list over RESP2, which must not change.

Most replies are compared byte for byte. Where a value legitimately
differs between two servers (ids, times, memory figures, INFO text), the
reply's shape is compared instead: every type byte and aggregate length,
with the scalar values left out (SHAPE), or only the outer type (TYPE).
Replies whose order depends on a hash table's layout (a small set of
strings, CONFIG GET of several parameters) are compared with their
elements (a map's pairs) sorted (UNORDERED).
"""

import pytest

from harness import RespError, blocked_count, encode_command, wait_for

EXACT, SHAPE, TYPE, UNORDERED = "exact", "shape", "type", "unordered"

# (mode, args). The list runs in order on a fresh database; later commands
# read what earlier ones wrote.
COMMANDS = [
    # connection
    (EXACT, ("PING",)), (EXACT, ("PING", "x")), (EXACT, ("ECHO", "e")),
    (EXACT, ("SELECT", "0")),
    # strings
    (EXACT, ("SET", "s", "v")), (EXACT, ("GET", "s")), (EXACT, ("GET", "nokey")),
    (EXACT, ("SET", "s", "w", "GET")), (EXACT, ("SET", "s2", "x", "NX", "GET")),
    (EXACT, ("SET", "s2", "y", "NX")), (EXACT, ("MGET", "s", "nokey", "s2")),
    (EXACT, ("GETDEL", "nokey")), (EXACT, ("GETEX", "nokey")),
    (EXACT, ("INCR", "n")), (EXACT, ("INCRBYFLOAT", "f", "1.5")),
    (EXACT, ("INCRBYFLOAT", "f", "1e3")), (EXACT, ("APPEND", "s", "z")),
    (EXACT, ("STRLEN", "s")), (EXACT, ("GETRANGE", "s", "0", "1")),
    (EXACT, ("SETRANGE", "s", "1", "ab")), (EXACT, ("MSETNX", "a1", "1", "a2", "2")),
    (EXACT, ("LCS", "s", "s2")), (EXACT, ("SET", "l1", "ohmytext")),
    (EXACT, ("SET", "l2", "mynewtext")), (EXACT, ("LCS", "l1", "l2", "IDX")),
    (EXACT, ("LCS", "l1", "l2", "IDX", "WITHMATCHLEN", "MINMATCHLEN", "2")),
    (EXACT, ("LCS", "l1", "l2", "LEN")), (EXACT, ("GETSET", "s", "q")),
    (EXACT, ("SUBSTR", "s", "0", "-1")),
    # keys
    (EXACT, ("EXISTS", "s", "nokey")), (EXACT, ("TYPE", "s")), (EXACT, ("TYPE", "nokey")),
    (EXACT, ("EXPIRE", "s", "1000")), (EXACT, ("TTL", "s")), (EXACT, ("PERSIST", "s")),
    (EXACT, ("TTL", "nokey")), (EXACT, ("EXPIRETIME", "s")), (EXACT, ("RENAME", "a1", "a3")),
    (EXACT, ("COPY", "a3", "a4")), (EXACT, ("DUMP", "nokey")), (SHAPE, ("RANDOMKEY",)),
    (EXACT, ("OBJECT", "ENCODING", "s")), (EXACT, ("OBJECT", "ENCODING", "nokey")),
    (EXACT, ("OBJECT", "FREQ", "nokey")), (EXACT, ("OBJECT", "REFCOUNT", "s")),
    (SHAPE, ("OBJECT", "IDLETIME", "s")), (TYPE, ("OBJECT", "HELP")),
    (EXACT, ("TOUCH", "s")), (EXACT, ("UNLINK", "a4")),
    (SHAPE, ("SCAN", "0", "COUNT", "1000", "MATCH", "zzz*")),
    (EXACT, ("KEYS", "zzz*")),
    # lists
    (EXACT, ("RPUSH", "L", "a", "b", "c", "a")), (EXACT, ("LRANGE", "L", "0", "-1")),
    (EXACT, ("LPOP", "L")), (EXACT, ("LPOP", "L", "1")), (EXACT, ("LPOP", "nokey")),
    (EXACT, ("LPOP", "nokey", "2")), (EXACT, ("RPOP", "nokey")), (EXACT, ("LINDEX", "L", "9")),
    (EXACT, ("LPOS", "L", "a")), (EXACT, ("LPOS", "L", "zz")), (EXACT, ("LPOS", "L", "a", "COUNT", "0")),
    (EXACT, ("LMPOP", "1", "nokey", "LEFT")), (EXACT, ("RPUSH", "L", "x", "y")),
    (EXACT, ("LMPOP", "2", "nokey", "L", "LEFT", "COUNT", "2")),
    (EXACT, ("BLPOP", "nokey", "0.01")), (EXACT, ("BRPOP", "L", "0.01")),
    (EXACT, ("BLMPOP", "0.01", "1", "nokey", "LEFT")), (EXACT, ("BLMOVE", "nokey", "L", "LEFT", "LEFT", "0.01")),
    (EXACT, ("RPOPLPUSH", "nokey", "L")), (EXACT, ("LMOVE", "L", "L2", "LEFT", "RIGHT")),
    (EXACT, ("BRPOPLPUSH", "nokey", "L", "0.01")),
    (EXACT, ("LINSERT", "L", "BEFORE", "zz", "q")), (EXACT, ("LLEN", "L")),
    # hashes
    (EXACT, ("HSET", "H", "f1", "v1", "f2", "v2", "f3", "3")), (EXACT, ("HGETALL", "H")),
    (EXACT, ("HGETALL", "nokey")), (EXACT, ("HGET", "H", "zz")), (EXACT, ("HMGET", "H", "f1", "zz")),
    (EXACT, ("HKEYS", "H")), (EXACT, ("HVALS", "H")), (EXACT, ("HLEN", "H")),
    (EXACT, ("HINCRBYFLOAT", "H", "f3", "0.5")), (EXACT, ("HINCRBY", "H", "n", "2")),
    (EXACT, ("HSTRLEN", "H", "f1")), (EXACT, ("HEXISTS", "H", "f1")),
    (EXACT, ("HRANDFIELD", "nokey")), (EXACT, ("HRANDFIELD", "nokey", "2")),
    (EXACT, ("HRANDFIELD", "nokey", "2", "WITHVALUES")),
    (SHAPE, ("HRANDFIELD", "H", "-1", "WITHVALUES")),
    (SHAPE, ("HRANDFIELD", "H", "2", "WITHVALUES")), (SHAPE, ("HRANDFIELD", "H", "5", "WITHVALUES")),
    (SHAPE, ("HRANDFIELD", "H", "-3")), (SHAPE, ("HRANDFIELD", "H")),
    (EXACT, ("HSCAN", "H", "0")), (EXACT, ("HSETNX", "H", "f1", "x")),
    (EXACT, ("HDEL", "H", "n")),
    # sets
    (EXACT, ("SADD", "S", "1", "2", "3")), (EXACT, ("SADD", "T", "2", "3", "4")),
    (EXACT, ("SADD", "U", "a", "b")),
    (EXACT, ("SMEMBERS", "S")), (EXACT, ("SMEMBERS", "nokey")), (UNORDERED, ("SMEMBERS", "U")),
    (EXACT, ("SINTER", "S", "T")), (EXACT, ("SUNION", "S", "T")), (EXACT, ("SDIFF", "S", "T")),
    (EXACT, ("SINTER", "S", "nokey")), (EXACT, ("SDIFF", "nokey", "S")),
    (EXACT, ("SINTERCARD", "2", "S", "T")), (EXACT, ("SISMEMBER", "S", "1")),
    (EXACT, ("SMISMEMBER", "S", "1", "9")), (EXACT, ("SCARD", "S")),
    (EXACT, ("SRANDMEMBER", "nokey")), (EXACT, ("SRANDMEMBER", "nokey", "2")),
    (SHAPE, ("SRANDMEMBER", "S")), (EXACT, ("SRANDMEMBER", "S", "5")), (SHAPE, ("SRANDMEMBER", "S", "-2")),
    (SHAPE, ("SRANDMEMBER", "S", "2")),
    (EXACT, ("SPOP", "nokey")), (EXACT, ("SPOP", "nokey", "2")), (EXACT, ("SADD", "P", "x")),
    (EXACT, ("SPOP", "P", "0")), (EXACT, ("SPOP", "P", "3")), (EXACT, ("SADD", "P", "x", "y", "z")), (SHAPE, ("SPOP", "P", "1")),
    (SHAPE, ("SPOP", "P")), (EXACT, ("SMOVE", "S", "T", "1")), (EXACT, ("SSCAN", "S", "0")),
    (EXACT, ("SINTERSTORE", "D", "S", "T")), (EXACT, ("SREM", "S", "9")),
    # sorted sets
    (EXACT, ("ZADD", "Z", "1", "a", "2.5", "b", "3", "c")), (EXACT, ("ZADD", "Z", "INCR", "1", "a")),
    (EXACT, ("ZADD", "Z", "NX", "INCR", "1", "a")), (EXACT, ("ZSCORE", "Z", "a")),
    (EXACT, ("ZSCORE", "Z", "zz")), (EXACT, ("ZMSCORE", "Z", "a", "zz")),
    (EXACT, ("ZINCRBY", "Z", "0.1", "b")), (EXACT, ("ZADD", "Z", "inf", "i", "-inf", "j")),
    (EXACT, ("ZRANGE", "Z", "0", "-1")), (EXACT, ("ZRANGE", "Z", "0", "-1", "WITHSCORES")),
    (EXACT, ("ZRANGE", "nokey", "0", "-1", "WITHSCORES")),
    (EXACT, ("ZREVRANGE", "Z", "0", "1", "WITHSCORES")),
    (EXACT, ("ZRANGEBYSCORE", "Z", "-inf", "+inf", "WITHSCORES")),
    (EXACT, ("ZREVRANGEBYSCORE", "Z", "+inf", "-inf", "WITHSCORES", "LIMIT", "0", "2")),
    (EXACT, ("ZRANGE", "Z", "(1", "5", "BYSCORE", "WITHSCORES")),
    (EXACT, ("ZRANGEBYLEX", "Z", "-", "+")), (EXACT, ("ZRANK", "Z", "b")), (EXACT, ("ZRANK", "Z", "zz")),
    (EXACT, ("ZREVRANK", "Z", "b")), (EXACT, ("ZCARD", "Z")), (EXACT, ("ZCOUNT", "Z", "0", "5")),
    (EXACT, ("ZPOPMIN", "Z")), (EXACT, ("ZPOPMAX", "Z", "2")), (EXACT, ("ZPOPMIN", "nokey")),
    (EXACT, ("ZPOPMIN", "nokey", "2")), (EXACT, ("ZPOPMAX", "Z", "1")),
    (EXACT, ("ZADD", "Z", "1", "a", "2", "b", "3", "c", "4", "d")),
    (EXACT, ("BZPOPMIN", "Z", "0.01")), (EXACT, ("BZPOPMAX", "nokey", "0.01")),
    (EXACT, ("ZMPOP", "1", "Z", "MIN")), (EXACT, ("ZMPOP", "2", "nokey", "Z", "MAX", "COUNT", "2")),
    (EXACT, ("ZMPOP", "1", "nokey", "MIN")), (EXACT, ("BZMPOP", "0.01", "1", "Z", "MIN")),
    (EXACT, ("BZMPOP", "0.01", "1", "nokey", "MIN")),
    (EXACT, ("ZADD", "Z", "1", "a", "2", "b", "3", "c", "4", "d")),
    (EXACT, ("ZADD", "Y", "1", "a", "5", "b")),
    (EXACT, ("ZUNION", "2", "Z", "Y", "WITHSCORES")), (EXACT, ("ZUNION", "2", "Z", "Y")),
    (EXACT, ("ZINTER", "2", "Z", "Y", "WITHSCORES")), (EXACT, ("ZDIFF", "2", "Z", "Y", "WITHSCORES")),
    (EXACT, ("ZDIFF", "2", "Z", "Y")), (EXACT, ("ZINTERCARD", "2", "Z", "Y")),
    (EXACT, ("ZUNIONSTORE", "ZD", "2", "Z", "Y")), (EXACT, ("ZRANGESTORE", "ZD2", "Z", "0", "1")),
    (EXACT, ("ZRANDMEMBER", "nokey")), (EXACT, ("ZRANDMEMBER", "nokey", "2")),
    (EXACT, ("ZRANDMEMBER", "nokey", "2", "WITHSCORES")),
    (EXACT, ("ZRANDMEMBER", "Y", "5", "WITHSCORES")), (SHAPE, ("ZRANDMEMBER", "Z", "2", "WITHSCORES")),
    (SHAPE, ("ZRANDMEMBER", "Z", "-3", "WITHSCORES")), (SHAPE, ("ZRANDMEMBER", "Z")),
    (EXACT, ("ZSCAN", "Z", "0")), (EXACT, ("ZLEXCOUNT", "Z", "-", "+")),
    (EXACT, ("ZREM", "Z", "zz")), (EXACT, ("ZREMRANGEBYRANK", "ZD2", "0", "0")),
    # streams
    (EXACT, ("XADD", "X", "1-1", "a", "1")), (EXACT, ("XADD", "X", "2-1", "b", "2", "c", "3")),
    (EXACT, ("XADD", "X2", "5-1", "q", "1")),
    (EXACT, ("XRANGE", "X", "-", "+")), (EXACT, ("XREVRANGE", "X", "+", "-", "COUNT", "1")),
    (EXACT, ("XRANGE", "nokey", "-", "+")), (EXACT, ("XLEN", "X")),
    (EXACT, ("XREAD", "STREAMS", "X", "X2", "0", "0")), (EXACT, ("XREAD", "STREAMS", "X", "9-0")),
    (EXACT, ("XREAD", "COUNT", "1", "STREAMS", "X", "0")),
    (EXACT, ("XREAD", "BLOCK", "10", "STREAMS", "X", "$")),
    (EXACT, ("XGROUP", "CREATE", "X", "g", "0")), (EXACT, ("XGROUP", "CREATECONSUMER", "X", "g", "c2")),
    (EXACT, ("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "X", ">")),
    (EXACT, ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "X", "0")),
    (EXACT, ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "10", "STREAMS", "X", ">")),
    (EXACT, ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "X", ">")),
    (EXACT, ("XPENDING", "X", "g")), (SHAPE, ("XPENDING", "X", "g", "-", "+", "10")),
    (EXACT, ("XACK", "X", "g", "1-1")), (SHAPE, ("XCLAIM", "X", "g", "c2", "0", "2-1")),
    (SHAPE, ("XCLAIM", "X", "g", "c2", "0", "2-1", "JUSTID")),
    (SHAPE, ("XAUTOCLAIM", "X", "g", "c", "0", "0")),
    (SHAPE, ("XAUTOCLAIM", "X", "g", "c", "0", "0", "JUSTID")),
    (SHAPE, ("XINFO", "STREAM", "X")), (SHAPE, ("XINFO", "STREAM", "X", "FULL")),
    (SHAPE, ("XINFO", "GROUPS", "X")), (SHAPE, ("XINFO", "CONSUMERS", "X", "g")),
    (EXACT, ("XTRIM", "X", "MAXLEN", "5")), (EXACT, ("XDEL", "X", "9-9")),
    (EXACT, ("XSETID", "X2", "9-9")), (EXACT, ("XGROUP", "DESTROY", "X", "g")),
    # geo
    (EXACT, ("GEOADD", "G", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania")),
    (EXACT, ("GEODIST", "G", "Palermo", "Catania")), (EXACT, ("GEODIST", "G", "Palermo", "zz")),
    (EXACT, ("GEOPOS", "G", "Palermo", "zz")), (EXACT, ("GEOHASH", "G", "Palermo", "zz")),
    (EXACT, ("GEOSEARCH", "G", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC")),
    (EXACT, ("GEOSEARCH", "G", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC",
             "WITHCOORD", "WITHDIST", "WITHHASH")),
    (EXACT, ("GEORADIUS", "G", "15", "37", "200", "km", "WITHDIST", "WITHCOORD", "ASC")),
    (EXACT, ("GEORADIUSBYMEMBER", "G", "Palermo", "100", "km", "WITHDIST")),
    (EXACT, ("GEOSEARCHSTORE", "G2", "G", "FROMMEMBER", "Palermo", "BYBOX", "400", "400", "km")),
    # hyperloglog
    (EXACT, ("PFADD", "HL", "a", "b", "c")), (EXACT, ("PFCOUNT", "HL")), (EXACT, ("PFMERGE", "HL2", "HL")),
    # bitmaps
    (EXACT, ("SETBIT", "B", "7", "1")), (EXACT, ("GETBIT", "B", "7")), (EXACT, ("BITCOUNT", "B")),
    (EXACT, ("BITPOS", "B", "1")), (EXACT, ("BITOP", "OR", "B2", "B")),
    (EXACT, ("BITFIELD", "B", "GET", "u8", "0", "INCRBY", "u8", "0", "300", "OVERFLOW", "FAIL",
             "INCRBY", "u8", "0", "300")),
    (EXACT, ("BITFIELD_RO", "B", "GET", "u4", "0")),
    # sort
    (EXACT, ("RPUSH", "SL", "3", "1", "2")), (EXACT, ("SORT", "SL")),
    (EXACT, ("SORT", "SL", "GET", "nokey*")), (EXACT, ("SORT_RO", "SL", "DESC")),
    # pubsub (no subscriber on this connection)
    (EXACT, ("PUBLISH", "ch", "m")), (EXACT, ("PUBSUB", "CHANNELS")), (EXACT, ("PUBSUB", "NUMSUB", "ch")),
    (EXACT, ("PUBSUB", "NUMPAT")), (EXACT, ("PUBSUB", "SHARDCHANNELS")),
    (EXACT, ("PUBSUB", "SHARDNUMSUB", "ch")), (EXACT, ("SPUBLISH", "ch", "m")),
    # transactions
    (EXACT, ("MULTI",)), (EXACT, ("GET", "nokey")), (EXACT, ("ZSCORE", "Y", "a")),
    (EXACT, ("HGETALL", "H")), (EXACT, ("SMEMBERS", "T")), (EXACT, ("EXEC",)),
    (EXACT, ("WATCH", "s")), (EXACT, ("SET", "s", "changed")), (EXACT, ("MULTI",)),
    (EXACT, ("GET", "s")), (EXACT, ("EXEC",)), (EXACT, ("DISCARD",)),
    # scripting
    (EXACT, ("EVAL", "return nil", "0")), (EXACT, ("EVAL", "return {1,2,{3,'x'}}", "0")),
    (EXACT, ("EVAL", "return true", "0")), (EXACT, ("EVAL", "return false", "0")),
    (EXACT, ("EVAL", "return redis.call('get', KEYS[1])", "1", "nokey")),
    (EXACT, ("EVAL", "return redis.call('hgetall', KEYS[1])", "1", "H")),
    (EXACT, ("EVAL", "return redis.call('zscore', KEYS[1], 'a')", "1", "Y")),
    (EXACT, ("EVAL", "return {err='x'}", "0")), (EXACT, ("EVAL", "return {ok='fine'}", "0")),
    (EXACT, ("SCRIPT", "LOAD", "return 1")),
    (EXACT, ("SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "00")),
    # server
    (EXACT, ("CONFIG", "GET", "maxmemory")), (EXACT, ("CONFIG", "GET", "nosuchparam")),
    (UNORDERED, ("CONFIG", "GET", "maxmemory-policy", "hz", "appendonly")),
    (TYPE, ("INFO",)), (TYPE, ("INFO", "server")), (TYPE, ("INFO", "nosuchsection")),
    (TYPE, ("CLIENT", "LIST")), (TYPE, ("CLIENT", "INFO")), (SHAPE, ("CLIENT", "ID")),
    (EXACT, ("CLIENT", "GETNAME")), (EXACT, ("CLIENT", "SETNAME", "me")), (EXACT, ("CLIENT", "GETNAME")),
    (TYPE, ("CLIENT", "HELP")),
    (EXACT, ("COMMAND", "DOCS", "nosuchcmd")),
    (EXACT, ("COMMAND", "GETKEYS", "set", "a", "b")), (UNORDERED, ("COMMAND", "LIST", "FILTERBY", "PATTERN", "xa*")),
    (EXACT, ("COMMAND", "GETKEYSANDFLAGS", "set", "a", "b")),
    (SHAPE, ("COMMAND", "COUNT")), (EXACT, ("DBSIZE",)), (SHAPE, ("TIME",)), (SHAPE, ("LASTSAVE",)),
    (SHAPE, ("MEMORY", "USAGE", "s")), (EXACT, ("MEMORY", "USAGE", "nokey")),
    (TYPE, ("MEMORY", "STATS")), (TYPE, ("MEMORY", "DOCTOR")),
    (TYPE, ("LATENCY", "DOCTOR")), (EXACT, ("LATENCY", "LATEST")), (EXACT, ("LATENCY", "HISTORY", "command")),
    (TYPE, ("LATENCY", "HISTOGRAM", "set")), (EXACT, ("LATENCY", "HISTOGRAM", "nosuchcmd")),
    (SHAPE, ("SLOWLOG", "GET", "0")), (EXACT, ("SLOWLOG", "LEN")), (TYPE, ("LOLWUT",)),
    (EXACT, ("ROLE",)), (EXACT, ("WAIT", "0", "0")), (EXACT, ("MODULE", "LIST")),
    (EXACT, ("DEBUG", "SLEEP", "0")), (EXACT, ("DEBUG", "OBJECT", "nokey")),
    (EXACT, ("DEBUG", "PROTOCOL", "string")), (EXACT, ("DEBUG", "PROTOCOL", "integer")),
    (EXACT, ("DEBUG", "PROTOCOL", "double")), (EXACT, ("DEBUG", "PROTOCOL", "bignum")),
    (EXACT, ("DEBUG", "PROTOCOL", "null")), (EXACT, ("DEBUG", "PROTOCOL", "array")),
    (EXACT, ("DEBUG", "PROTOCOL", "set")), (EXACT, ("DEBUG", "PROTOCOL", "map")),
    (EXACT, ("DEBUG", "PROTOCOL", "attrib")), (EXACT, ("DEBUG", "PROTOCOL", "verbatim")),
    (EXACT, ("DEBUG", "PROTOCOL", "true")), (EXACT, ("DEBUG", "PROTOCOL", "false")),
    (TYPE, ("LOLWUT", "VERSION", "5", "1", "1", "1")), (TYPE, ("MEMORY", "DOCTOR")),
    (EXACT, ("ZADD", "Z", "XX", "INCR", "1", "nosuchmember")), (EXACT, ("ZINCRBY", "Z", "1e400", "a")),
    (EXACT, ("ZADD", "Q", "1", "a")), (EXACT, ("ZINCRBY", "Q", "-inf", "a")), (EXACT, ("ZSCORE", "Q", "a")),
    (EXACT, ("XINFO", "HELP")), (EXACT, ("OBJECT", "ENCODING", "Q")),
    (EXACT, ("XADD", "XD", "1-1", "f", "v")), (EXACT, ("XGROUP", "CREATE", "XD", "g", "0")),
    (EXACT, ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "XD", ">")), (EXACT, ("XDEL", "XD", "1-1")),
    (EXACT, ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "XD", "0")),  # a deleted entry: [id, nil]
    (SHAPE, ("XINFO", "STREAM", "XD", "FULL")), (EXACT, ("XINFO", "STREAM", "nokey")),
    (EXACT, ("OBJECT", "ENCODING", "Z")),
    # errors
    (EXACT, ("NOSUCHCOMMAND",)), (EXACT, ("GET",)), (EXACT, ("LPUSH", "s", "x")),
    (EXACT, ("HELLO", "4")), (EXACT, ("HELLO", "x")),
]


def read_raw(c):
    """The raw bytes of one reply (any RESP2 or RESP3 type)."""
    line = c._line()
    out = [line, b"\r\n"]
    t, rest = line[:1], line[1:]
    if t in (b"$", b"=", b"!") and int(rest) >= 0:
        out += [c._exact(int(rest)), b"\r\n"]
    elif t in (b"*", b"~", b">", b"%", b"|"):
        n = int(rest)
        for _ in range(2 * n if t in (b"%", b"|") else max(n, 0)):
            out.append(read_raw(c))
        if t == b"|":  # the attribute precedes the reply it describes
            out.append(read_raw(c))
    return b"".join(out)


def shape(c, depth=0):
    """One reply with its scalar values dropped: type bytes and aggregate
    lengths only (a map of n pairs: its length, its values' shapes)."""
    line = c._line()
    t, rest = line[:1], line[1:]
    if t in (b"$", b"=", b"!"):
        if int(rest) >= 0:
            c._exact(int(rest))
        return t.decode() + ("-1" if rest == b"-1" else "")
    if t in (b"*", b"~", b">", b"%", b"|"):
        n = int(rest)
        items = [shape(c, depth + 1) for _ in range(2 * n if t in (b"%", b"|") else max(n, 0))]
        return [t.decode() + rest.decode()] + items
    return t.decode()


def outer_type(c):
    s = shape(c)
    return s[0][:1] if isinstance(s, list) else s[:1]


def unordered(c):
    """The aggregate's header line and its elements sorted (a map's
    key-value pairs sorted as pairs)."""
    line = c._line()
    t, n = line[:1], int(line[1:])
    items = [read_raw(c) for _ in range(2 * n if t == b"%" else n)]
    if t == b"%":
        items = [items[i] + items[i + 1] for i in range(0, len(items), 2)]
    return line, sorted(items)


READERS = {EXACT: read_raw, SHAPE: shape, TYPE: outer_type, UNORDERED: unordered}


def run_list(conn, proto):
    # HELLO's reply carries the connection id: compared by shape.
    conn.send(encode_command("HELLO", str(proto)))
    out = [("HELLO", shape(conn))]
    for mode, args in COMMANDS:
        conn.send(encode_command(*args))
        out.append((" ".join(args), READERS[mode](conn)))
    return out


def both(oracle_factory, server_factory):
    return oracle_factory(), server_factory()


def compare(oracle_srv, target_srv, proto):
    with oracle_srv.raw() as a, target_srv.raw() as b:
        got_a = run_list(a, proto)
        got_b = run_list(b, proto)
    diffs = [(ca, ra, rb) for (ca, ra), (_, rb) in zip(got_a, got_b) if ra != rb]
    assert not diffs, "\n".join(f"{cmd}:\n  oracle {ra!r}\n  target {rb!r}" for cmd, ra, rb in diffs)


def test_resp3_replies_match_the_oracle(oracle_factory, server_factory):
    compare(*both(oracle_factory, server_factory), 3)


def test_malloc_stats_type_follows_the_allocator(server_factory):
    # Redis 7.0 answers jemalloc's text as a verbatim string and, built
    # without jemalloc, a plain bulk saying so; the sanitizer build has no
    # jemalloc, so the oracle's reply is only the answer for the first case.
    with server_factory().raw() as c:
        c.send(encode_command("HELLO", "3"))
        read_raw(c)
        c.send(encode_command("INFO", "memory"))
        info = read_raw(c)
        c.send(encode_command("MEMORY", "MALLOC-STATS"))
        reply = read_raw(c)
    if b"mem_allocator:jemalloc" in info:
        assert reply[:1] == b"=" and b"\r\ntxt:" in reply[:24]
    else:
        assert reply.endswith(b"\r\nStats not supported for the current allocator\r\n")
        assert reply[:1] == b"$"


def test_resp2_replies_match_the_oracle(oracle_factory, server_factory):
    compare(*both(oracle_factory, server_factory), 2)


def test_command_info_and_docs_use_resp3_types(target, server_factory):
    # COMMAND INFO/DOCS carry fewer details than Redis's (no key specs or
    # argument docs, in RESP2 too), so only their RESP3 types are checked:
    # flags, categories, tips, key specs and subcommands are sets; the docs
    # are a map of maps.
    srv = server_factory()
    with srv.raw() as c:
        c.command("HELLO", "3")
        c.send(encode_command("COMMAND", "INFO", "get"))
        s = shape(c)
        assert s[0] == "*1" and s[1][0] == "*10"
        info = s[1]
        assert info[1:3] == ["$", ":"]
        assert info[3][0] == "~2" and info[7][0] == "~3"  # flags, categories
        assert info[8][0] == "~0"                          # tips
        assert info[9][0].startswith("~") and info[10][0].startswith("~")
        c.send(encode_command("COMMAND", "DOCS", "get"))
        s = shape(c)
        assert s[0] == "%1" and s[1] == "$" and s[2][0].startswith("%")
        c.send(encode_command("COMMAND", "GETKEYSANDFLAGS", "set", "a", "b"))
        assert read_raw(c) == b"*1\r\n*2\r\n$1\r\na\r\n~2\r\n+OW\r\n+update\r\n"


# ------------------------------------------------------------- pub/sub


def pubsub_transcript(srv, proto):
    """A subscriber's whole byte stream through a scripted session: its
    confirmations, the messages another client publishes, and (in RESP3)
    ordinary commands run while subscribed."""
    out = []
    with srv.raw() as sub, srv.raw() as pub:
        sub.command("HELLO", str(proto))
        pub.command("CONFIG", "SET", "notify-keyspace-events", "KEA")

        def sub_cmd(*args, replies=1):
            sub.send(encode_command(*args))
            out.extend(read_raw(sub) for _ in range(replies))

        def publish(*args, deliveries=1):
            pub.command(*args)
            out.extend(read_raw(sub) for _ in range(deliveries))

        sub_cmd("SUBSCRIBE", "ch1", "ch2", replies=2)
        sub_cmd("PSUBSCRIBE", "c*")
        sub_cmd("SSUBSCRIBE", "sh")
        publish("PUBLISH", "ch1", "hello", deliveries=2)  # message + pmessage
        publish("PUBLISH", "cx", "x")
        publish("SPUBLISH", "sh", "shard")
        sub_cmd("PING")
        sub_cmd("PING", "arg")
        if proto == 3:
            # RESP3 clients run any command while subscribed; the pushes
            # interleave with the replies.
            sub_cmd("SET", "k", "v")
            sub_cmd("GET", "nokey")
            sub_cmd("HSET", "h", "f", "v")
            sub_cmd("HGETALL", "h")
            sub_cmd("SUBSCRIBE", "__keyspace@0__:k")
            publish("SET", "k", "w")
            # Its own write and publish: the push comes before the reply.
            sub_cmd("SET", "k", "x", replies=2)
            sub_cmd("PUBLISH", "ch2", "self", replies=2)
        sub_cmd("UNSUBSCRIBE", "ch1")
        sub_cmd("PUNSUBSCRIBE")
        sub_cmd("SUNSUBSCRIBE")
        # Named: an UNSUBSCRIBE of all goes in the server's hash order.
        if proto == 3:
            sub_cmd("UNSUBSCRIBE", "ch2", "__keyspace@0__:k", replies=2)
        else:
            sub_cmd("UNSUBSCRIBE", "ch2")
        sub_cmd("UNSUBSCRIBE")  # none left: a nil channel
        sub_cmd("PUNSUBSCRIBE")
        sub_cmd("PING")
    return out


@pytest.mark.parametrize("proto", [2, 3])
def test_pubsub_pushes_match_the_oracle(oracle_factory, server_factory, proto):
    oracle_srv, target_srv = both(oracle_factory, server_factory)
    got_a = pubsub_transcript(oracle_srv, proto)
    got_b = pubsub_transcript(target_srv, proto)
    assert got_a == got_b
    if proto == 3:
        assert all(r.startswith(b">") for r in got_a[:4])


# ------------------------------------------------------------- HELLO


def hello_transcript(srv):
    out = []
    with srv.raw() as c:
        for args in [("HELLO", "3", "SETNAME", "bad name"), ("HELLO", "3", "AUTH", "default", "nopass"),
                     ("HELLO", "3", "SETNAME", "conn1"), ("CLIENT", "GETNAME"), ("HELLO", "2"),
                     ("HELLO", "3", "AUTH", "default"), ("HELLO", "3", "BOGUS"), ("HELLO", "1"),
                     ("HELLO",), ("RESET",), ("HGETALL", "nokey"), ("HELLO", "3", "AUTH", "default", "pw"),
                     ("HGETALL", "nokey")]:
            c.send(encode_command(*args))
            out.append(shape(c) if args[0] == "HELLO" else read_raw(c))
    # With requirepass: HELLO 3 AUTH authenticates and switches at once.
    with srv.raw() as c:
        c.command("CONFIG", "SET", "requirepass", "pw")
    with srv.raw() as c:
        for args in [("GET", "x"), ("HELLO", "3"), ("HELLO", "3", "AUTH", "default", "wrong"),
                     ("HELLO", "3", "AUTH", "default", "pw", "SETNAME", "n2"), ("CLIENT", "GETNAME"),
                     ("GET", "x"), ("CONFIG", "SET", "requirepass", "")]:
            c.send(encode_command(*args))
            out.append(shape(c) if args[0] == "HELLO" and len(args) > 3 and args[4] == "pw" else read_raw(c))
    return out


def test_hello_matches_the_oracle(oracle_factory, server_factory):
    oracle_srv, target_srv = both(oracle_factory, server_factory)
    assert hello_transcript(oracle_srv) == hello_transcript(target_srv)


def test_hello_3_reply_is_a_map(target, server_factory):
    srv = server_factory()
    with srv.raw() as c:
        c.send(encode_command("HELLO", "3"))
        raw = read_raw(c)
    assert raw.startswith(b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
                          b"$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:")
    assert raw.endswith(b"$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
                        b"$7\r\nmodules\r\n*0\r\n")


# ------------------------------------------------------------- scripting

SCRIPTS = [
    "return true", "return false", "return nil", "return 1.5", "return 'x'",
    "redis.setresp(3); return true", "redis.setresp(3); return false", "redis.setresp(3); return nil",
    "return {double=3.5}", "return {double=-1/0}", "return {double=0/0}",
    "return {big_number='123456789012345678901234567890'}",
    "return {map={a=1}}", "return {set={a=true}}", "return {verbatim_string={format='txt', string='hi'}}",
    "return {verbatim_string={format='toolong', string='hi'}}",
    "return {1, {double=2.5}, {map={x={set={q=true}}}}}",
    "return {double='x'}", "return {map=5}", "return {err='x', map={a=1}}",
    "redis.setresp(3); return redis.call('hgetall', 'h')",
    "redis.setresp(3); local r = redis.call('hgetall', 'h'); return {type(r.map), r.map.a}",
    "redis.setresp(3); return redis.call('smembers', 'n')",
    "redis.setresp(3); local r = redis.call('smembers', 'n'); return {type(r.set), tostring(r.set['1'])}",
    "redis.setresp(3); return redis.call('zscore', 'z', 'm')",
    "redis.setresp(3); local r = redis.call('zscore', 'z', 'm'); return tostring(r.double)",
    "redis.setresp(3); return redis.call('zrange', 'z', 0, -1, 'withscores')",
    "redis.setresp(3); return redis.call('get', 'nokey')",
    "redis.setresp(3); return type(redis.call('get', 'nokey'))",
    "redis.setresp(3); return redis.call('xread', 'streams', 'nokey', '0')",
    "redis.setresp(3); return redis.call('lpop', 'nokey')",
    "redis.setresp(3); redis.setresp(2); return redis.call('hgetall', 'h')",
    "return redis.setresp(4)", "return redis.setresp()",
    "return redis.call('hgetall', 'h')", "return redis.call('zscore', 'z', 'm')",
    "redis.setresp(3); return redis.pcall('hgetall', 'z')",
]


@pytest.mark.parametrize("proto", [2, 3])
def test_script_conversions_match_the_oracle(oracle_factory, server_factory, proto):
    out = []
    for srv in both(oracle_factory, server_factory):
        got = []
        with srv.raw() as c:
            c.command("HSET", "h", "a", "1")
            c.command("SADD", "n", "1")
            c.command("ZADD", "z", "1.5", "m")
            c.command("HELLO", str(proto))
            for s in SCRIPTS:
                c.send(encode_command("EVAL", s, "0"))
                got.append((s, read_raw(c)))
        out.append(got)
    diffs = [(a, b) for a, b in zip(*out) if a != b]
    assert not diffs, diffs


# ------------------------------------------------------------- blocked, then served


BLOCKING = [
    (("BLPOP", "bl", "5"), ("RPUSH", "bl", "a")),
    (("BLMPOP", "5", "1", "bl", "LEFT", "COUNT", "2"), ("RPUSH", "bl", "a", "b")),
    (("BLMOVE", "bl", "bl2", "LEFT", "LEFT", "5"), ("RPUSH", "bl", "a")),
    (("BZPOPMIN", "bz", "5"), ("ZADD", "bz", "1.5", "m")),
    (("BZMPOP", "5", "1", "bz", "MAX", "COUNT", "3"), ("ZADD", "bz", "1.5", "m", "2", "n")),
    (("XREAD", "BLOCK", "5000", "STREAMS", "bx", "$"), ("XADD", "bx", "1-1", "f", "v")),
    (("XREADGROUP", "GROUP", "g", "c", "BLOCK", "5000", "STREAMS", "by", ">"), ("XADD", "by", "2-1", "f", "v")),
]


@pytest.mark.parametrize("proto", [2, 3])
def test_blocked_clients_are_served_in_their_protocol(oracle_factory, server_factory, proto):
    out = []
    for srv in both(oracle_factory, server_factory):
        got = []
        with srv.raw() as c, srv.raw() as w:
            w.command("XGROUP", "CREATE", "by", "g", "$", "MKSTREAM")
            c.command("HELLO", str(proto))
            for blocked, waker in BLOCKING:
                c.send(encode_command(*blocked))
                wait_for(lambda: blocked_count(w) == 1, 10, "the client to block")
                w.command(*waker)
                got.append(read_raw(c))
        out.append(got)
    assert out[0] == out[1]


def test_monitor_lines_are_status_replies_in_resp3(oracle_factory, server_factory):
    out = []
    for srv in both(oracle_factory, server_factory):
        with srv.raw() as m, srv.raw() as c:
            m.command("HELLO", "3")
            assert m.command("MONITOR") == "OK"
            c.command("SET", "k", "v")
            line = read_raw(m)
            out.append(line[:1] + line.split(b'"', 1)[1])  # drop the time and address
    assert out[0] == out[1] == b'+SET" "k" "v"\r\n'


def test_memory_stats_is_a_map_of_the_same_fields(oracle_factory, server_factory):
    out = []
    for srv in both(oracle_factory, server_factory):
        with srv.raw() as c:
            c.command("SET", "k", "v")
            c.command("HELLO", "3")
            stats = c.command("MEMORY", "STATS")
            assert isinstance(stats, dict)
            out.append({k: type(v).__name__ for k, v in stats.items()})
    assert out[0] == out[1]


def test_debug_protocol_push_matches_the_oracle(oracle_factory, server_factory):
    out = []
    for srv in both(oracle_factory, server_factory):
        with srv.raw() as c:
            c.send(encode_command("DEBUG", "PROTOCOL", "push"))
            got = [read_raw(c)]
            c.command("HELLO", "3")
            c.send(encode_command("DEBUG", "PROTOCOL", "push"))
            got += [read_raw(c), read_raw(c)]
        out.append(got)
    assert out[0] == out[1]
    assert out[0][1].startswith(b">2\r\n")


# ------------------------------------------------------------- ACL and FUNCTION
# Redis 7.0's RESP3 shapes: ACL GETUSER a map (flags a set, selectors maps),
# ACL LOG entries maps with a double age; FUNCTION LIST libraries and
# functions maps (flags a set, a nil description), FUNCTION STATS a map of
# maps; FCALL converts its Lua value like EVAL. Skipped where the target has
# no such commands.

ACL_FUNCTION_COMMANDS = [
    (EXACT, ("ACL", "SETUSER", "u1", "on", ">pw", "~k*", "&ch", "+get", "(+set ~x*)")),
    (EXACT, ("ACL", "GETUSER", "u1")), (EXACT, ("ACL", "GETUSER", "nouser")),
    (EXACT, ("AUTH", "u1", "bad")), (SHAPE, ("ACL", "LOG", "1")), (EXACT, ("ACL", "LOG", "RESET")),
    (EXACT, ("ACL", "WHOAMI")), (EXACT, ("ACL", "DRYRUN", "u1", "get", "k1")),
    (EXACT, ("ACL", "DRYRUN", "u1", "set", "k1", "v")), (EXACT, ("ACL", "DELUSER", "u1")),
    # One function while listing: libraries and functions are listed in
    # the server's hash order.
    (EXACT, ("FUNCTION", "LOAD",
             "#!lua name=lib\n"
             "redis.register_function{function_name='f', callback=function(k, a) return {map={a=1}} end,"
             " flags={'no-writes'}}")),
    (EXACT, ("FUNCTION", "LIST")), (EXACT, ("FUNCTION", "LIST", "WITHCODE")), (EXACT, ("FUNCTION", "STATS")),
    (EXACT, ("FUNCTION", "LOAD",
             "#!lua name=lib2\n"
             "redis.register_function('g', function(k, a) return redis.call('hgetall', k[1]) end)\n"
             "redis.register_function('h', function(k, a) redis.setresp(3) return redis.call('hgetall', k[1]) end)")),
    (EXACT, ("FCALL", "f", "0")), (EXACT, ("FCALL_RO", "f", "0")), (EXACT, ("HSET", "fh", "a", "1")),
    (EXACT, ("FCALL", "g", "1", "fh")), (EXACT, ("FCALL", "h", "1", "fh")), (EXACT, ("FUNCTION", "FLUSH")),
]


@pytest.mark.parametrize("proto", [2, 3])
def test_acl_and_function_replies_match_the_oracle(oracle_factory, server_factory, proto):
    out = []
    for srv in both(oracle_factory, server_factory):
        got = []
        with srv.raw() as c:
            for args in (("ACL", "WHOAMI"), ("FUNCTION", "STATS")):
                reply = c.command(*args)
                if isinstance(reply, RespError) and "unknown" in reply.message:
                    pytest.skip(f"{srv.kind} has no {args[0]}")
            c.command("HELLO", str(proto))
            for mode, args in ACL_FUNCTION_COMMANDS:
                c.send(encode_command(*args))
                got.append((args[:2], READERS[mode](c)))
        out.append(got)
    diffs = [(a, b) for a, b in zip(*out) if a != b]
    assert not diffs, diffs
