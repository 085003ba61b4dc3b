"""Keyspace notifications (notify-keyspace-events) as redis-server 7.0.15
sends them: the event names, their classes, their order within a command and
across commands, the keyspace (K) and keyevent (E) channel forms, expired,
evicted and keymiss events, and the directive's CONFIG forms.

The table below was recorded on redis-server 7.0.15 with
notify-keyspace-events EAn: each case runs its setup, subscribes to every
__key*__ channel, runs its commands (errors are part of some cases), and
compares the keyevent messages, in order, written "event key" (plus " @db"
outside db 0).
"""

import pytest

import harness
from harness import RespError, SimpleString, wait_for

DONE = "notifications-done"

CASES = {
    "set": (
        [],
        [('SET', 'k', 'v'), ('SET', 'k', 'w', 'NX'), ('SET', 'k', 'w', 'XX', 'EX', '100'), ('SET', 'k', 'v', 'KEEPTTL'), ('SET', 'k', 'v', 'GET'), ('SET', 'n', 'v', 'PXAT', '1')],
        ['new k', 'set k', 'set k', 'expire k', 'set k', 'set k', 'new n', 'set n', 'expire n']),
    "setnx_setex": (
        [],
        [('SETNX', 'a', '1'), ('SETNX', 'a', '2'), ('SETEX', 'b', '100', 'v'), ('PSETEX', 'c', '100000', 'v'), ('GETSET', 'a', '3')],
        ['new a', 'set a', 'new b', 'set b', 'expire b', 'new c', 'set c', 'expire c', 'set a']),
    "getdel_getex": (
        [('SET', 'a', '1'), ('SET', 'b', '2')],
        [('GETDEL', 'a'), ('GETDEL', 'a'), ('GETEX', 'b', 'EX', '100'), ('GETEX', 'b', 'PERSIST'), ('GETEX', 'b'), ('GETEX', 'b', 'PXAT', '1')],
        ['del a', 'expire b', 'persist b', 'del b']),
    "mset": (
        [],
        [('MSET', 'a', '1', 'b', '2'), ('MSETNX', 'c', '1', 'a', '2'), ('MSETNX', 'c', '1', 'd', '2')],
        ['new a', 'set a', 'new b', 'set b', 'new c', 'set c', 'new d', 'set d']),
    "incr": (
        [],
        [('INCR', 'i'), ('DECR', 'i'), ('INCRBY', 'i', '5'), ('DECRBY', 'i', '2'), ('INCRBYFLOAT', 'i', '1.5'), ('INCR', 'bad')],
        ['new i', 'incrby i', 'incrby i', 'incrby i', 'incrby i', 'incrbyfloat i', 'new bad', 'incrby bad']),
    "append_setrange": (
        [],
        [('APPEND', 'a', 'x'), ('APPEND', 'a', 'y'), ('SETRANGE', 'b', '3', 'z'), ('SETRANGE', 'b', '0', ''), ('SETRANGE', 'nokey', '0', '')],
        ['new a', 'append a', 'append a', 'new b', 'setrange b']),
    "bits": (
        [('SET', 's', 'ab')],
        [('SETBIT', 'b', '7', '1'), ('SETBIT', 'b', '7', '1'), ('BITOP', 'AND', 'd', 's', 'b'), ('BITOP', 'OR', 'd', 'none1', 'none2'), ('BITFIELD', 'f', 'SET', 'u8', '0', '255'), ('BITFIELD', 'f', 'GET', 'u8', '0'), ('BITFIELD', 'f', 'INCRBY', 'u8', '0', '1')],
        ['new b', 'setbit b', 'new d', 'set d', 'del d', 'new f', 'setbit f', 'setbit f']),
    "del_unlink": (
        [('SET', 'a', '1'), ('SET', 'b', '1'), ('SET', 'c', '1')],
        [('DEL', 'a', 'b', 'zz'), ('UNLINK', 'c', 'zz')],
        ['del a', 'del b', 'del c']),
    "rename": (
        [('SET', 'a', '1'), ('SET', 'b', '2'), ('SET', 'c', '3')],
        [('RENAME', 'a', 'x'), ('RENAME', 'x', 'b'), ('RENAMENX', 'b', 'c'), ('RENAMENX', 'b', 'y'), ('RENAME', 'y', 'y')],
        ['new x', 'rename_from a', 'rename_to x', 'new b', 'rename_from x', 'rename_to b', 'new y', 'rename_from b', 'rename_to y']),
    "rename_ttl": (
        [('SET', 'a', '1', 'EX', '100')],
        [('RENAME', 'a', 'b')],
        ['new b', 'rename_from a', 'rename_to b']),
    "move_copy": (
        [('SET', 'a', '1'), ('SET', 'b', '2'), ('SET', 'd', '3')],
        [('MOVE', 'a', '1'), ('COPY', 'b', 'c'), ('COPY', 'b', 'd'), ('COPY', 'b', 'd', 'REPLACE'), ('COPY', 'b', 'e', 'DB', '2')],
        ['new a @1', 'move_from a', 'move_to a @1', 'new c', 'copy_to c', 'new d', 'copy_to d', 'new e @2', 'copy_to e @2']),
    "expire": (
        [('SET', 'a', '1'), ('SET', 'b', '1'), ('SET', 'c', '1')],
        [('EXPIRE', 'a', '100'), ('PEXPIRE', 'a', '100000'), ('EXPIREAT', 'a', '99999999999'), ('PEXPIREAT', 'a', '99999999999999'), ('EXPIRE', 'a', '100', 'NX'), ('PERSIST', 'a'), ('PERSIST', 'a'), ('EXPIRE', 'b', '0'), ('PEXPIREAT', 'c', '1'), ('EXPIRE', 'none', '10')],
        ['expire a', 'expire a', 'expire a', 'expire a', 'persist a', 'del b', 'del c']),
    "restore": (
        [('SET', 'a', 'hello')],
        [('RESTORE', 'b', '0', b'\x00\x05hello\n\x00cr\xdfve4 \n'), ('RESTORE', 'a', '0', b'\x00\x05hello\n\x00cr\xdfve4 \n', 'REPLACE'), ('RESTORE', 'c', '100', b'\x00\x05hello\n\x00cr\xdfve4 \n')],
        ['new b', 'restore b', 'new a', 'restore a', 'new c', 'restore c']),
    "sort": (
        [('RPUSH', 'l', '3', '1', '2')],
        [('SORT', 'l', 'STORE', 'd'), ('SORT', 'none', 'STORE', 'd'), ('SORT', 'none', 'STORE', 'd')],
        ['new d', 'sortstore d', 'del d']),
    "lists": (
        [],
        [('LPUSH', 'l', 'a', 'b'), ('RPUSH', 'l', 'c'), ('LPUSHX', 'l', 'd'), ('RPUSHX', 'l', 'e'), ('LPUSHX', 'none', 'x'), ('LINSERT', 'l', 'BEFORE', 'a', 'z'), ('LINSERT', 'l', 'BEFORE', 'nope', 'z'), ('LSET', 'l', '0', 'q'), ('LREM', 'l', '1', 'q'), ('LREM', 'l', '1', 'q'), ('LTRIM', 'l', '0', '1'), ('LTRIM', 'l', '5', '6')],
        ['new l', 'lpush l', 'rpush l', 'lpush l', 'rpush l', 'linsert l', 'lset l', 'lrem l', 'ltrim l', 'ltrim l', 'del l']),
    "list_pops": (
        [('RPUSH', 'l', 'a', 'b', 'c', 'd', 'e')],
        [('LPOP', 'l'), ('RPOP', 'l'), ('LPOP', 'l', '2'), ('RPOP', 'l', '5'), ('LPOP', 'l')],
        ['lpop l', 'rpop l', 'lpop l', 'rpop l', 'del l']),
    "list_moves": (
        [('RPUSH', 'l', 'a', 'b', 'c')],
        [('LMOVE', 'l', 'm', 'LEFT', 'RIGHT'), ('RPOPLPUSH', 'l', 'm'), ('LMOVE', 'l', 'l', 'LEFT', 'LEFT'), ('LMOVE', 'l', 'm', 'RIGHT', 'LEFT'), ('LMPOP', '1', 'm', 'LEFT', 'COUNT', '5'), ('BLPOP', 'none', 'm2', '0.01')],
        ['new m', 'rpush m', 'lpop l', 'lpush m', 'rpop l', 'lpush l', 'lpop l', 'lpush m', 'rpop l', 'del l', 'lpop m', 'del m']),
    "blocking_nonblock": (
        [('RPUSH', 'l', 'a', 'b'), ('ZADD', 'z', '1', 'a', '2', 'b')],
        [('BLPOP', 'l', '1'), ('BRPOP', 'l', '1'), ('BZPOPMIN', 'z', '1'), ('BZPOPMAX', 'z', '1'), ('RPUSH', 'l', 'a', 'b'), ('BLMOVE', 'l', 'm', 'LEFT', 'LEFT', '1'), ('BRPOPLPUSH', 'l', 'm', '1')],
        ['lpop l', 'rpop l', 'del l', 'zpopmin z', 'zpopmax z', 'del z', 'new l', 'rpush l', 'new m', 'lpush m', 'lpop l', 'lpush m', 'rpop l', 'del l']),
    "hashes": (
        [],
        [('HSET', 'h', 'a', '1', 'b', '2'), ('HSET', 'h', 'a', '1'), ('HSETNX', 'h', 'a', '1'), ('HSETNX', 'h', 'c', '1'), ('HMSET', 'h', 'd', '1'), ('HINCRBY', 'h', 'i', '3'), ('HINCRBYFLOAT', 'h', 'f', '1.5'), ('HDEL', 'h', 'zz'), ('HDEL', 'h', 'a', 'b'), ('HDEL', 'h', 'c', 'd', 'i', 'f')],
        ['new h', 'hset h', 'hset h', 'hset h', 'hset h', 'hincrby h', 'hincrbyfloat h', 'hdel h', 'hdel h', 'del h']),
    "sets": (
        [],
        [('SADD', 's', 'a', 'b', 'c'), ('SADD', 's', 'a'), ('SREM', 's', 'zz'), ('SREM', 's', 'a'), ('SPOP', 's'), ('SPOP', 's', '5'), ('SADD', 's', 'a', 'b'), ('SMOVE', 's', 't', 'a'), ('SMOVE', 's', 't', 'zz'), ('SMOVE', 's', 't', 'b')],
        ['new s', 'sadd s', 'srem s', 'spop s', 'spop s', 'del s', 'new s', 'sadd s', 'srem s', 'new t', 'sadd t', 'srem s', 'del s', 'sadd t']),
    "set_stores": (
        [('SADD', 'a', '1', '2', '3'), ('SADD', 'b', '2', '3', '4'), ('SET', 'str', 'x')],
        [('SINTERSTORE', 'd', 'a', 'b'), ('SUNIONSTORE', 'd', 'a', 'b'), ('SDIFFSTORE', 'd', 'a', 'b'), ('SINTERSTORE', 'd', 'a', 'none'), ('SINTERSTORE', 'd', 'a', 'none'), ('SUNIONSTORE', 'e', 'n1', 'n2'), ('SDIFFSTORE', 'str', 'a', 'b')],
        ['new d', 'sinterstore d', 'sunionstore d', 'sdiffstore d', 'del d', 'sdiffstore str']),
    "spop_count": (
        [('SADD', 's', 'a', 'b', 'c', 'd', 'e')],
        [('SPOP', 's', '2'), ('SPOP', 's', '0'), ('SPOP', 's', '10')],
        ['spop s', 'spop s', 'del s']),
    "zsets": (
        [],
        [('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'), ('ZADD', 'z', '1', 'a'), ('ZADD', 'z', 'INCR', '5', 'a'), ('ZADD', 'z', 'XX', '1', 'new'), ('ZINCRBY', 'z', '1', 'b'), ('ZREM', 'z', 'zz'), ('ZREM', 'z', 'a'), ('ZREMRANGEBYSCORE', 'z', '0', '2'), ('ZREMRANGEBYRANK', 'z', '0', '0'), ('ZADD', 'z', '0', 'x', '0', 'y', '0', 'w'), ('ZREMRANGEBYLEX', 'z', '[x', '[y'), ('ZREMRANGEBYLEX', 'z', '-', '+')],
        ['new z', 'zadd z', 'zincr z', 'zincr z', 'zrem z', 'zremrangebyrank z', 'zadd z', 'zremrangebylex z', 'del z']),
    "zpops": (
        [('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd')],
        [('ZPOPMIN', 'z'), ('ZPOPMAX', 'z'), ('ZMPOP', '1', 'z', 'MIN', 'COUNT', '1'), ('ZPOPMIN', 'z', '5'), ('ZPOPMIN', 'z')],
        ['zpopmin z', 'zpopmax z', 'zpopmin z', 'zpopmin z', 'del z']),
    "zstores": (
        [('ZADD', 'a', '1', 'x', '2', 'y'), ('ZADD', 'b', '1', 'y', '3', 'z')],
        [('ZUNIONSTORE', 'd', '2', 'a', 'b'), ('ZINTERSTORE', 'd', '2', 'a', 'b'), ('ZDIFFSTORE', 'd', '2', 'a', 'b'), ('ZRANGESTORE', 'r', 'a', '0', '-1'), ('ZINTERSTORE', 'd', '2', 'a', 'none'), ('ZRANGESTORE', 'r', 'a', '5', '6'), ('ZUNIONSTORE', 'e', '1', 'none')],
        ['new d', 'zunionstore d', 'zinterstore d', 'zdiffstore d', 'new r', 'zrangestore r', 'del d', 'del r']),
    "streams": (
        [],
        [('XADD', 's', '1-1', 'f', 'v'), ('XADD', 's', '2-1', 'f', 'v'), ('XADD', 's', 'NOMKSTREAM', '3-1', 'f', 'v'), ('XADD', 'none', 'NOMKSTREAM', '3-1', 'f', 'v'), ('XDEL', 's', '1-1'), ('XDEL', 's', '9-9'), ('XTRIM', 's', 'MAXLEN', '0'), ('XTRIM', 's', 'MAXLEN', '0'), ('XSETID', 's', '5-5'), ('XADD', 's', 'MAXLEN', '1', '6-1', 'f', 'v')],
        ['new s', 'xadd s', 'xadd s', 'xadd s', 'xdel s', 'xtrim s', 'xsetid s', 'xadd s']),
    "stream_groups": (
        [('XADD', 's', '1-1', 'f', 'v')],
        [('XGROUP', 'CREATE', 's', 'g', '0'), ('XGROUP', 'CREATE', 't', 'g', '$', 'MKSTREAM'), ('XGROUP', 'CREATECONSUMER', 's', 'g', 'c1'), ('XGROUP', 'CREATECONSUMER', 's', 'g', 'c1'), ('XREADGROUP', 'GROUP', 'g', 'c2', 'STREAMS', 's', '>'), ('XCLAIM', 's', 'g', 'c3', '0', '1-1'), ('XAUTOCLAIM', 's', 'g', 'c4', '0', '0'), ('XACK', 's', 'g', '1-1'), ('XGROUP', 'SETID', 's', 'g', '0'), ('XGROUP', 'DELCONSUMER', 's', 'g', 'c1'), ('XGROUP', 'DESTROY', 's', 'g'), ('XGROUP', 'DESTROY', 's', 'g')],
        ['xgroup-create s', 'new t', 'xgroup-create t', 'xgroup-createconsumer s', 'xgroup-createconsumer s', 'xgroup-createconsumer s', 'xgroup-createconsumer s', 'xgroup-setid s', 'xgroup-delconsumer s', 'xgroup-destroy s']),
    "geo": (
        [],
        [('GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'), ('GEOADD', 'g', '13.361389', '38.115556', 'Palermo'), ('GEORADIUS', 'g', '15', '37', '200', 'km', 'STORE', 'd'), ('GEORADIUSBYMEMBER', 'g', 'Palermo', '200', 'km', 'STOREDIST', 'd2'), ('GEOSEARCHSTORE', 'd3', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'), ('GEOSEARCHSTORE', 'd3', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'), ('GEORADIUS', 'g', '0', '0', '1', 'km', 'STORE', 'd')],
        ['new g', 'zadd g', 'new d', 'georadiusstore d', 'new d2', 'georadiusstore d2', 'new d3', 'geosearchstore d3', 'del d3', 'del d']),
    "hll": (
        [],
        [('PFADD', 'h', 'a', 'b'), ('PFADD', 'h', 'a'), ('PFADD', 'h2'), ('PFMERGE', 'm', 'h', 'h2'), ('PFCOUNT', 'h'), ('PFMERGE', 'm2')],
        ['new h', 'pfadd h', 'new h2', 'pfadd h2', 'new m', 'pfadd m', 'new m2', 'pfadd m2']),
    "flush_swap": (
        [('SET', 'a', '1')],
        [('SWAPDB', '0', '1'), ('FLUSHDB',), ('FLUSHALL',)],
        []),
    "multi": (
        [],
        [('MULTI',), ('SET', 'a', '1'), ('LPUSH', 'l', 'x'), ('EXEC',)],
        ['new a', 'set a', 'new l', 'lpush l']),
    "errors_fire_nothing": (
        [('SET', 's', 'x'), ('RPUSH', 'l', 'a')],
        [('LPUSH', 's', 'x'), ('HSET', 'l', 'f', 'v'), ('INCR', 'l'), ('LSET', 'l', '9', 'x'), ('ZADD', 'z', 'nan', 'a'), ('XADD', 'x', '0-0', 'f', 'v'), ('SETRANGE', 's', '-1', 'x')],
        []),
    "same_list_move": (
        [('RPUSH', 'l', 'a')],
        [('RPOPLPUSH', 'l', 'l'), ('LMOVE', 'l', 'l', 'LEFT', 'RIGHT')],
        ['lpush l', 'rpop l', 'rpush l', 'lpop l']),
    "smove_same_and_missing": (
        [('SADD', 's', 'a')],
        [('SMOVE', 's', 's', 'a'), ('SMOVE', 'none', 's', 'a'), ('SPOP', 'none'), ('SREM', 'none', 'a')],
        []),
    "zadd_flags": (
        [('ZADD', 'z', '5', 'a')],
        [('ZADD', 'z', 'GT', '1', 'a'), ('ZADD', 'z', 'LT', '1', 'a'), ('ZADD', 'z', 'NX', '9', 'a'), ('ZADD', 'z', 'XX', 'CH', '2', 'a'), ('ZADD', 'z', 'GT', 'CH', 'INCR', '1', 'a'), ('ZPOPMAX', 'z', '0'), ('ZINCRBY', 'z', '1', 'b')],
        ['zadd z', 'zadd z', 'zincr z', 'zincr z']),
    "expire_options": (
        [('SET', 'a', '1', 'EX', '100')],
        [('EXPIRE', 'a', '50', 'GT'), ('EXPIRE', 'a', '500', 'GT'), ('PEXPIRE', 'a', '1000', 'LT'), ('EXPIRE', 'a', '10', 'XX'), ('PERSIST', 'a'), ('EXPIRE', 'a', '10', 'XX')],
        ['expire a', 'expire a', 'expire a', 'persist a']),
    "multi_pops": (
        [('RPUSH', 'l', 'a', 'b', 'c'), ('ZADD', 'z', '1', 'a', '2', 'b')],
        [('BLMPOP', '0.01', '2', 'none', 'l', 'RIGHT', 'COUNT', '2'), ('BZMPOP', '0.01', '1', 'z', 'MAX', 'COUNT', '5'), ('ZMPOP', '1', 'none', 'MIN'), ('LMPOP', '1', 'l', 'LEFT')],
        ['rpop l', 'zpopmax z', 'del z', 'lpop l', 'del l']),
    "zstore_variants": (
        [('ZADD', 'a', '1', 'x', '2', 'y'), ('ZADD', 'b', '3', 'y')],
        [('ZUNIONSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2'), ('ZRANGESTORE', 'r', 'a', '1', '2', 'BYSCORE'), ('ZINTERSTORE', 'a', '2', 'a', 'b'), ('ZDIFFSTORE', 'e', '1', 'none')],
        ['new d', 'zunionstore d', 'new r', 'zrangestore r', 'zinterstore a']),
    "copy_other_db_replace": (
        [('SET', 'a', '1'), ('SELECT', '2'), ('SET', 'a', '2'), ('SELECT', '0')],
        [('COPY', 'a', 'a', 'DB', '2', 'REPLACE'), ('MOVE', 'a', '2')],
        ['new a @2', 'copy_to a @2']),
    "xgroup_mkstream_existing": (
        [('XADD', 's', '1-1', 'f', 'v')],
        [('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'), ('XTRIM', 's', 'MAXLEN', '~', '0'), ('XTRIM', 's', 'MINID', '2'), ('XDEL', 's', '1-1')],
        ['xgroup-create s', 'xtrim s']),
    "geo_flags": (
        [('GEOADD', 'g', '13.3', '38.1', 'P')],
        [('GEOADD', 'g', 'NX', '13.3', '38.1', 'P'), ('GEOADD', 'g', 'XX', '13.4', '38.1', 'P'), ('GEOADD', 'g', 'CH', '13.4', '38.1', 'P'), ('GEOADD', 'g', 'XX', '13.4', '38.1', 'Q')],
        ['zadd g']),
    "pfadd_empty_existing": (
        [('PFADD', 'h', 'a')],
        [('PFADD', 'h'), ('PFADD', 'h', 'a'), ('PFADD', 'h', 'b')],
        ['pfadd h']),
    "hash_empties": (
        [('HSET', 'h', 'a', '1')],
        [('HDEL', 'h', 'a', 'b'), ('HSETNX', 'h', 'a', '2'), ('HINCRBYFLOAT', 'h', 'a', '1')],
        ['hdel h', 'del h', 'new h', 'hset h', 'hincrbyfloat h']),
    "append_to_int": (
        [('SET', 'n', '5')],
        [('APPEND', 'n', '1'), ('INCRBY', 'n', '1'), ('SETRANGE', 'n', '0', '9'), ('GETSET', 'n', 'x'), ('GETDEL', 'n')],
        ['append n', 'incrby n', 'setrange n', 'set n', 'del n']),
    "setex_replaces_ttl": (
        [('SET', 'a', '1', 'EX', '100')],
        [('SET', 'a', '2'), ('SETEX', 'a', '5', '3'), ('SET', 'a', '4', 'KEEPTTL'), ('INCRBYFLOAT', 'a', '1')],
        ['set a', 'set a', 'expire a', 'set a', 'incrbyfloat a']),
}


@pytest.fixture(scope="module")
def nserver(target, tmp_path_factory):
    """One server per target with every class but keymiss on (EAn)."""
    srv = harness.ServerProcess(target, tmp_path_factory.mktemp(target),
                                extra_args=["--notify-keyspace-events", "EAn"])
    srv.start()
    yield srv
    srv.stop()


def collect(sub, pub, run, limit=200):
    """Runs run() and returns the messages `sub` got before the DONE marker
    that pub publishes afterwards (bounded by `limit` messages)."""
    run()
    assert pub.command("PUBLISH", DONE, "x") == 1
    got = []
    for _ in range(limit):
        m = sub.read_reply(timeout_s=5)
        if m[0] == b"message" and m[1] == DONE.encode():
            return got
        got.append(m)
    raise AssertionError(f"no {DONE} marker after {limit} messages: {got[:20]}")


def subscribe(sub, pattern="__key*__:*"):
    assert sub.command("PSUBSCRIBE", pattern) == [b"psubscribe", pattern.encode(), 1]
    assert sub.command("SUBSCRIBE", DONE) == [b"subscribe", DONE.encode(), 2]


def as_events(messages):
    out = []
    for kind, _pattern, channel, payload in messages:
        assert kind == b"pmessage"
        prefix, event = channel.decode().split(":", 1)
        assert prefix.startswith("__keyevent@") and prefix.endswith("__")
        db = prefix[len("__keyevent@"):-2]
        out.append(f"{event} {payload.decode()}" + ("" if db == "0" else f" @{db}"))
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_command_events_in_order(nserver, case):
    setup, commands, expected = CASES[case]
    with nserver.raw() as c, nserver.raw() as sub:
        assert c.command("FLUSHALL") == SimpleString("OK")
        for args in setup:
            assert not isinstance(c.command(*args), RespError), args
        subscribe(sub)
        got = collect(sub, c, lambda: c.pipeline(commands))
    assert as_events(got) == expected


def private(server_factory, flags):
    return server_factory(extra_args=["--notify-keyspace-events", flags])


def test_keyspace_and_keyevent_forms_in_order(server_factory):
    srv = private(server_factory, "KEA")
    with srv.raw() as c, srv.raw() as sub:
        subscribe(sub)
        got = collect(sub, c, lambda: c.pipeline([
            ("SET", "k", "v"), ("SELECT", "3"), ("LPUSH", "l", "x"), ("SELECT", "0")]))
    # K before E for each event; "new" is not part of A.
    assert got == [
        [b"pmessage", b"__key*__:*", b"__keyspace@0__:k", b"set"],
        [b"pmessage", b"__key*__:*", b"__keyevent@0__:set", b"k"],
        [b"pmessage", b"__key*__:*", b"__keyspace@3__:l", b"lpush"],
        [b"pmessage", b"__key*__:*", b"__keyevent@3__:lpush", b"l"],
    ]


def test_only_enabled_classes_fire(server_factory):
    srv = private(server_factory, "K$")
    with srv.raw() as c, srv.raw() as sub:
        subscribe(sub)
        got = collect(sub, c, lambda: c.pipeline([
            ("SET", "k", "v"), ("LPUSH", "l", "x"), ("DEL", "k"), ("INCR", "n"),
            ("EXPIRE", "n", "100"), ("HSET", "h", "f", "v")]))
    assert [(m[2], m[3]) for m in got] == [
        (b"__keyspace@0__:k", b"set"), (b"__keyspace@0__:n", b"incrby")]


def test_nothing_fires_without_k_or_e(server_factory):
    srv = private(server_factory, "A")
    with srv.raw() as c, srv.raw() as sub:
        subscribe(sub)
        assert collect(sub, c, lambda: c.pipeline([("SET", "k", "v"), ("DEL", "k")])) == []


def test_config_set_turns_events_on_and_off(server_factory):
    srv = server_factory()
    with srv.raw() as c, srv.raw() as sub:
        subscribe(sub)
        assert collect(sub, c, lambda: c.command("SET", "a", "1")) == []
        assert c.command("CONFIG", "SET", "notify-keyspace-events", "E$") == SimpleString("OK")
        got = collect(sub, c, lambda: c.command("SET", "a", "2"))
        assert as_events(got) == ["set a"]
        assert c.command("CONFIG", "SET", "notify-keyspace-events", "") == SimpleString("OK")
        assert collect(sub, c, lambda: c.command("SET", "a", "3")) == []


@pytest.mark.parametrize("given,shown", [
    ("KEA", "AKE"), ("Ag$", "A"), ("g$lshzxetd", "A"), ("KEAmn", "AKEm"),
    ("Kx", "xK"), ("", ""), ("EmK", "KEm"), ("n", "n"), ("Ez", "zE"),
    ("KEAd", "AKE"), ("KEg$lshzxet", "g$lshzxetKE"),
])
def test_config_get_normalised_form(server_factory, given, shown):
    srv = server_factory()
    with srv.raw() as c:
        assert c.command("CONFIG", "SET", "notify-keyspace-events", given) == SimpleString("OK")
        assert c.command("CONFIG", "GET", "notify-keyspace-events") == [
            b"notify-keyspace-events", shown.encode()]


def test_bad_class_character_is_refused(server_factory):
    srv = server_factory(extra_args=["--notify-keyspace-events", "KEA"])
    with srv.raw() as c:
        assert c.command("CONFIG", "SET", "notify-keyspace-events", "KX") == RespError(
            "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - "
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
        assert c.command("CONFIG", "GET", "notify-keyspace-events") == [
            b"notify-keyspace-events", b"AKE"]


def test_config_file_and_rewrite(server_factory, tmp_path):
    conf = tmp_path / "n.conf"
    conf.write_text("notify-keyspace-events Ex$\n")
    srv = server_factory(config_file=str(conf))
    with srv.raw() as c:
        assert c.command("CONFIG", "GET", "notify-keyspace-events") == [
            b"notify-keyspace-events", b"$xE"]
        assert c.command("CONFIG", "SET", "notify-keyspace-events", "KA") == SimpleString("OK")
        assert c.command("CONFIG", "REWRITE") == SimpleString("OK")
    lines = [ln for ln in conf.read_text().splitlines()
             if ln.startswith("notify-keyspace-events")]
    assert lines == ['notify-keyspace-events "AK"']


KEYMISS_COMMANDS = [
    (("GET", "none"), ["none"]), (("EXISTS", "none"), ["none"]), (("TYPE", "none"), ["none"]),
    (("TTL", "none"), ["none"]), (("LRANGE", "none", "0", "-1"), ["none"]),
    (("HGET", "none", "f"), ["none"]), (("MGET", "none1", "none2"), ["none1", "none2"]),
    (("GETDEL", "none"), ["none"]), (("INCR", "none2"), []),
    (("OBJECT", "ENCODING", "none"), []), (("STRLEN", "none"), ["none"]),
    (("DUMP", "none"), ["none"]), (("SCARD", "none"), ["none"]),
    (("SISMEMBER", "none", "x"), ["none"]), (("ZSCORE", "none", "x"), ["none"]),
    (("XRANGE", "none", "-", "+"), ["none"]), (("GETRANGE", "none", "0", "1"), ["none"]),
    (("TOUCH", "none"), ["none"]), (("PFCOUNT", "none"), ["none"]),
    (("BITCOUNT", "none"), ["none"]), (("SORT", "none"), ["none"]),
    (("HGETALL", "none"), ["none"]), (("SET", "none", "v"), []),
]


@pytest.mark.parametrize("args,missed", KEYMISS_COMMANDS, ids=lambda v: "-".join(v) if isinstance(v, tuple) else None)
def test_keymiss_fires_on_read_lookups(server_factory, args, missed):
    srv = private(server_factory, "Em")
    with srv.raw() as c, srv.raw() as sub:
        subscribe(sub)
        got = collect(sub, c, lambda: c.command(*args))
    assert as_events(got) == [f"keymiss {k}" for k in missed]


def test_expired_event_then_keymiss(server_factory):
    srv = private(server_factory, "KEA")
    with srv.raw() as c, srv.raw() as sub:
        assert c.command("DEBUG", "SET-ACTIVE-EXPIRE", "0") == SimpleString("OK")
        assert c.command("SET", "k", "v", "PX", "1") == SimpleString("OK")
        assert c.command("CONFIG", "SET", "notify-keyspace-events", "KEAm") == SimpleString("OK")
        subscribe(sub)

        def poll():
            # Waits (bounded) until the key is past its time: the first
            # lookup that finds it expired deletes it and fires "expired"
            # (PTTL 0 is a key in its last millisecond, still there).
            wait_for(lambda: c.command("PTTL", "k") == -2, 5, "k's time to pass")
            c.command("GET", "k")
        got = collect(sub, c, poll)
    assert [(m[2], m[3]) for m in got][:2] == [
        (b"__keyspace@0__:k", b"expired"), (b"__keyevent@0__:expired", b"k")]
    assert (b"__keyevent@0__:keymiss", b"k") in [(m[2], m[3]) for m in got]


def test_active_expiry_fires_expired(server_factory):
    srv = private(server_factory, "Ex")
    with srv.raw() as c, srv.raw() as sub:
        subscribe(sub)
        assert c.command("SET", "k", "v", "PX", "20") == SimpleString("OK")
        m = sub.read_reply(timeout_s=10)  # the active cycle runs at hz 10
    assert m == [b"pmessage", b"__key*__:*", b"__keyevent@0__:expired", b"k"]


def test_evicted_events_name_evicted_keys(server_factory):
    srv = private(server_factory, "Ee")
    with srv.raw() as c, srv.raw() as sub:
        for i in range(200):
            c.command("SET", f"key:{i}", "x" * 1000)
        subscribe(sub)
        used = harness.info_fields(c.command("INFO", "memory").decode())["used_memory"]
        assert c.command("CONFIG", "SET", "maxmemory-policy", "allkeys-random") == SimpleString("OK")
        got = collect(sub, c, lambda: (
            c.command("CONFIG", "SET", "maxmemory", str(int(used) - 50000)),
            c.command("SET", "trigger", "1")))
        evicted = [k for k in as_events(got) if k.startswith("evicted ")]
        assert len(evicted) >= 10
        names = [e.split(" ", 1)[1] for e in evicted]
        assert len(set(names)) == len(names)
        assert c.command("EXISTS", *names) == 0


def test_transaction_fires_as_commands_run(server_factory):
    srv = private(server_factory, "E$lg")
    with srv.raw() as c, srv.raw() as sub:
        subscribe(sub)
        got = collect(sub, c, lambda: c.pipeline([
            ("MULTI",), ("SET", "a", "1"), ("RPUSH", "l", "x"), ("DEL", "a"), ("EXEC",)]))
    assert as_events(got) == ["set a", "rpush l", "del a"]


def test_replica_fires_events_and_monitors_see_the_primary_stream(server_factory):
    primary = server_factory(extra_args=["--repl-diskless-sync-delay", "0"])
    replica = server_factory(extra_args=["--notify-keyspace-events", "EA",
                                         "--replicaof", "127.0.0.1", str(primary.port)])
    with primary.raw() as pc, replica.raw() as rc, replica.raw() as sub, replica.raw() as mon:
        wait_for(lambda: b"master_link_status:up" in rc.command("INFO", "replication"), 15,
                 "replica linked")
        subscribe(sub)
        assert mon.command("MONITOR") == SimpleString("OK")
        assert pc.command("SET", "k", "v") == SimpleString("OK")
        assert pc.command("LPUSH", "l", "x") == 1
        # The replica runs the primary's stream: the same events fire there.
        events = []
        for _ in range(10):
            events.append(sub.read_reply(timeout_s=10))
            if len(events) == 2:
                break
        assert [(m[2], m[3]) for m in events] == [
            (b"__keyevent@0__:set", b"k"), (b"__keyevent@0__:lpush", b"l")]
        shown = []
        for _ in range(50):
            line = mon.read_reply(timeout_s=10)
            if '"LPUSH" "l" "x"' in line:
                break
            shown.append(line)
        assert any(line.endswith('"SET" "k" "v"') for line in shown)
