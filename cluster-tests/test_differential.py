"""Differential test: one seeded random command sequence, run on the real
redis-server and on the target side by side, every reply compared.

The [redis] run compares redis with redis: it validates the generator and the
normalisation (it must never report a difference). The [replikv] run is the
real check.

Environment:
  DIFF_SEED      seed (default: random, printed on failure)
  DIFF_COMMANDS  number of commands (default 20000)
  DIFF_BATCH     commands pipelined per round trip (default 64)

Only legitimately non-deterministic replies are normalised: TTL-like values
(within a tolerance, since the two servers run the command a few ms apart),
RANDOMKEY (nil or not), SCAN (iterated to the end; the set of keys is
compared), KEYS order; for the aggregate types (TypeCommands): HSCAN/SSCAN/
ZSCAN iterated to the end, the order of hashtable-encoded sets and hashes
(SMEMBERS, SINTER, HGETALL...: compared sorted), SRANDMEMBER/HRANDFIELD/
ZRANDMEMBER (the whole set when it is asked for, else only the size). SPOP
is only generated in deterministic forms (the whole set). DUMP + RESTORE run as a pair outside the batches: each server
restores the payload the OTHER one dumped (only whether DUMP found the key
is compared, since hashtable encodings may order a payload's elements
differently). DEBUG DIGEST is compared every DIGEST_EVERY commands and
at the end. Relative TTLs are at least a day and absolute ones are in the
past or far in the future, so no key expires while the run lasts; keys stored
already expired (SET ... EXAT <past>) are removed only by lazy expiry, as the
active expiry cycle is switched off (DEBUG SET-ACTIVE-EXPIRE 0) on both.

Each primary has a replica following the whole run (the oracle's is a real
redis-server too); at the end the target's replica must hold what Redis's
replica holds (DEBUG DIGEST).
"""

import os
import random
import time

import pytest

from harness import RespClient, RespError, encode_command, wait_for

DIGEST_EVERY = 500
TTL_TOLERANCE_S = 2
PTTL_TOLERANCE_MS = 2000
MAX_SCAN_CALLS = 10000

KEYS = [b"k1", b"k2", b"k3", b"k4", b"k5", b"n1", b"n2", b"f1",
        b"bin\x00\r\nkey", b"", b"long:" + b"x" * 40]
# Keys the aggregate-type commands prefer (see TypeCommands). The first of
# each family is in the generic pool too, so RENAME/COPY/MOVE/DEL/SET...
# reach every type; the others mostly keep their type and grow. The lex-only
# sorted sets are not in the generic pool: only score-0 members enter them.
LIST_KEYS = [b"l1", b"l2", b"l3"]
HASH_KEYS = [b"h1", b"h2", b"h3"]
SET_KEYS = [b"s1", b"s2", b"s3", b"s4"]
ZSET_KEYS = [b"z1", b"z2", b"z3"]
ZLEX_KEYS = [b"zl1", b"zl2"]
STREAM_KEYS = [b"x1", b"x2", b"x3"]
GEO_KEYS = [b"geo1", b"geo2", b"geo3"]
KEYS = KEYS + [LIST_KEYS[0], HASH_KEYS[0], SET_KEYS[0], ZSET_KEYS[0], STREAM_KEYS[0], GEO_KEYS[0]]
INT_VALUES = [b"0", b"1", b"-1", b"42", b"9223372036854775807",
              b"-9223372036854775808", b"9223372036854775806", b"010", b"+5",
              b" 5", b"10000", b"-0", b"18446744073709551616"]
FLOAT_VALUES = [b"1.5", b"10.5", b"3.0e3", b"-0.1", b"1e308", b"-1e308",
                b"inf", b"-inf", b"nan", b".5", b"1.", b"0x10", b"1e", b"0.1",
                b"5.0e-1", b"1.23456789012345678"]
JUNK = [b"abc", b"", b"1.5", b" 1", b"1x", b"99999999999999999999"]
PATTERNS = [b"*", b"k*", b"?1", b"[kn]1", b"[^k]*", b"*\x00*", b"long:*",
            b"nomatch", b"k[1-3]", b"\\k1", b"*1*"]
TTL_COMMANDS = {b"TTL": TTL_TOLERANCE_S, b"EXPIRETIME": TTL_TOLERANCE_S,
                b"PTTL": PTTL_TOLERANCE_MS, b"PEXPIRETIME": PTTL_TOLERANCE_MS}


class TypeCommands:
    """The aggregate-type part of the generator (lists, hashes, sets, sorted
    sets): a mixin of Generator, kept apart from the string/key/expiry part.
    Only deterministic forms are generated: SPOP pops whole sets, random
    members are compared by size (see normalise_types), lex ranges only
    touch sorted sets whose scores are all 0 (Redis's lex walk over mixed
    scores depends on its skiplist's random levels)."""

    MEMBERS = [b"a", b"b", b"c", b"x", b"y", b"z", b"1", b"2", b"3", b"-1",
               b"10", b"100", b"007", b"", b"bin\x00\xff", b"-0", b"+5"]

    def types_table(self):
        return [
            (4, self.t_push), (3, self.t_pop), (2, self.t_lrange),
            (1, self.t_lindex), (1, self.t_lset), (1, self.t_lrem),
            (1, self.t_ltrim), (1, self.t_linsert), (1, self.t_lpos),
            (1, self.t_lmove), (1, self.t_llen),
            (4, self.t_hset), (2, self.t_hget), (1, self.t_hdel),
            (1, self.t_hgetall), (1, self.t_hincr), (1, self.t_hmisc),
            (1, self.t_hrandfield),
            (4, self.t_sadd), (1, self.t_srem), (2, self.t_sread),
            (1, self.t_spop), (1, self.t_srandmember), (1, self.t_smove),
            (2, self.t_setop),
            (4, self.t_zadd), (1, self.t_zincrby), (1, self.t_zrem),
            (3, self.t_zrange), (1, self.t_zread), (1, self.t_zremrange),
            (1, self.t_zpop), (1, self.t_zlex), (1, self.t_zrangestore),
            (1, self.t_zsetop), (0.5, self.t_zrandmember),
            (1, self.t_typescan), (1, self.t_type_encoding),
        ]

    # ---- helpers
    def t_key(self, pool):
        return self.rnd.choice(pool) if self.rnd.random() < 0.85 else self.key()

    def t_member(self, big_pool=50):
        r = self.rnd.random()
        if r < 0.45:
            return self.rnd.choice(self.MEMBERS)
        if r < 0.8:
            return str(self.rnd.randint(-5, big_pool)).encode()
        if r < 0.95:
            return b"m%d" % self.rnd.randint(0, big_pool)
        return bytes(self.rnd.choice(b"pq") for _ in
                     range(self.rnd.choice([63, 64, 65, 70])))

    def t_members(self, lo, hi, big_pool=50):
        if self.rnd.random() < 0.03:  # a batch that may cross a threshold
            return [b"m%d" % self.rnd.randint(0, 700) for _ in range(150)]
        return [self.t_member(big_pool) for _ in range(self.rnd.randint(lo, hi))]

    def t_index(self):
        return self.int_arg(-8, 8)

    def t_score(self):
        r = self.rnd.random()
        if r < 0.6:
            return str(self.rnd.randint(-5, 5)).encode()
        if r < 0.85:
            return self.rnd.choice([b"1.5", b"-0.25", b"0.1", b"inf", b"-inf",
                                    b"-0", b"1e300", b"3.0e-5"])
        return self.rnd.choice(FLOAT_VALUES + JUNK)

    def t_score_bound(self):
        b = self.rnd.choice([b"-inf", b"+inf", b"0", b"1", b"-2", b"3", b"1.5",
                             b"", b"x", b"nan"])
        if b not in (b"", b"x", b"nan") and self.rnd.random() < 0.3:
            b = b"(" + b
        return b

    def t_lex_bound(self):
        return self.rnd.choice([b"-", b"+", b"[a", b"(a", b"[c", b"(x", b"[m1",
                                b"[", b"(", b"a", b"", b"+x"])

    def t_limit(self):
        if self.rnd.random() < 0.3:
            return [b"LIMIT", self.int_arg(-2, 5), self.int_arg(-2, 5)]
        return []

    # ---- lists
    def t_push(self):
        name = self.rnd.choice([b"LPUSH", b"RPUSH", b"LPUSH", b"RPUSH",
                                b"LPUSHX", b"RPUSHX"])
        return [name, self.t_key(LIST_KEYS)] + self.t_members(1, 5)

    def t_pop(self):
        cmd = [self.rnd.choice([b"LPOP", b"RPOP"]), self.t_key(LIST_KEYS)]
        if self.rnd.random() < 0.4:
            cmd.append(self.int_arg(-1, 6))
        return cmd

    def t_lrange(self):
        return [b"LRANGE", self.t_key(LIST_KEYS), self.t_index(), self.t_index()]

    def t_lindex(self):
        return [b"LINDEX", self.t_key(LIST_KEYS), self.t_index()]

    def t_lset(self):
        return [b"LSET", self.t_key(LIST_KEYS), self.t_index(), self.t_member()]

    def t_lrem(self):
        return [b"LREM", self.t_key(LIST_KEYS), self.int_arg(-3, 3), self.t_member()]

    def t_ltrim(self):
        return [b"LTRIM", self.t_key(LIST_KEYS), self.t_index(), self.t_index()]

    def t_linsert(self):
        return [b"LINSERT", self.t_key(LIST_KEYS),
                self.rnd.choice([b"BEFORE", b"AFTER", b"after", b"MIDDLE"]),
                self.t_member(), self.t_member()]

    def t_lpos(self):
        cmd = [b"LPOS", self.t_key(LIST_KEYS), self.t_member()]
        for opt in (b"RANK", b"COUNT", b"MAXLEN"):
            if self.rnd.random() < 0.3:
                cmd += [opt, self.int_arg(-3, 4)]
        return cmd

    def t_lmove(self):
        if self.rnd.random() < 0.3:
            return [b"RPOPLPUSH", self.t_key(LIST_KEYS), self.t_key(LIST_KEYS)]
        return [b"LMOVE", self.t_key(LIST_KEYS), self.t_key(LIST_KEYS),
                self.rnd.choice([b"LEFT", b"RIGHT", b"left", b"UP"]),
                self.rnd.choice([b"LEFT", b"RIGHT", b"right"])]

    def t_llen(self):
        return [b"LLEN", self.t_key(LIST_KEYS)]

    # ---- hashes
    def t_field(self):
        if self.rnd.random() < 0.1:
            return b"f%d" % self.rnd.randint(0, 600)
        return self.t_member(30)

    def t_hset(self):
        name = self.rnd.choice([b"HSET", b"HSET", b"HMSET", b"HSETNX"])
        if name == b"HSETNX":
            return [name, self.t_key(HASH_KEYS), self.t_field(), self.value()]
        args = []
        n = 60 if self.rnd.random() < 0.03 else self.rnd.randint(1, 4)
        for _ in range(n):
            args += [self.t_field(), self.value()[:80]]
        return [name, self.t_key(HASH_KEYS)] + args

    def t_hget(self):
        if self.rnd.random() < 0.5:
            return [b"HGET", self.t_key(HASH_KEYS), self.t_field()]
        return [b"HMGET", self.t_key(HASH_KEYS)] + [self.t_field() for _ in range(3)]

    def t_hdel(self):
        return [b"HDEL", self.t_key(HASH_KEYS)] + [self.t_field() for _ in
                                                 range(self.rnd.randint(1, 3))]

    def t_hgetall(self):
        return [self.rnd.choice([b"HGETALL", b"HKEYS", b"HVALS", b"HLEN"]),
                self.t_key(HASH_KEYS)]

    def t_hincr(self):
        if self.rnd.random() < 0.5:
            return [b"HINCRBY", self.t_key(HASH_KEYS), self.t_field(),
                    self.int_arg(-100, 100)]
        by = self.rnd.choice([b"1.5", b"-0.1", b"10", b"1e3", b"inf", b"x",
                              b"5.0e-1"])
        return [b"HINCRBYFLOAT", self.t_key(HASH_KEYS), self.t_field(), by]

    def t_hmisc(self):
        return [self.rnd.choice([b"HEXISTS", b"HSTRLEN"]), self.t_key(HASH_KEYS),
                self.t_field()]

    def t_hrandfield(self):
        cmd = [b"HRANDFIELD", self.t_key(HASH_KEYS)]
        if self.rnd.random() < 0.7:
            cmd.append(self.int_arg(-5, 1000))
            if self.rnd.random() < 0.4:
                cmd.append(self.rnd.choice([b"WITHVALUES", b"withvalues", b"x"]))
        return cmd

    # ---- sets
    def t_sadd(self):
        if self.rnd.random() < 0.05:  # an intset that crosses 512
            base = self.rnd.randint(0, 300)
            return [b"SADD", self.t_key(SET_KEYS)] + \
                [str(base + i).encode() for i in range(300)]
        return [b"SADD", self.t_key(SET_KEYS)] + self.t_members(1, 5, 700)

    def t_srem(self):
        return [b"SREM", self.t_key(SET_KEYS)] + self.t_members(1, 4, 700)

    def t_sread(self):
        r = self.rnd.random()
        if r < 0.3:
            return [b"SISMEMBER", self.t_key(SET_KEYS), self.t_member(700)]
        if r < 0.5:
            return [b"SMISMEMBER", self.t_key(SET_KEYS)] + self.t_members(1, 3, 700)
        if r < 0.75:
            return [b"SCARD", self.t_key(SET_KEYS)]
        return [b"SMEMBERS", self.t_key(SET_KEYS)]

    def t_spop(self):
        # Only forms whose effect is deterministic: the whole set, or errors.
        # Queued as pending so that mutate() cannot drop the count (a plain
        # SPOP pops a random member and the datasets would drift apart).
        key = self.t_key(SET_KEYS)
        self.pending.append([b"SPOP", key,
                             self.rnd.choice([b"100000", b"0", b"-1", b"x"])])
        return [b"SCARD", key]

    def t_srandmember(self):
        cmd = [b"SRANDMEMBER", self.t_key(SET_KEYS)]
        if self.rnd.random() < 0.7:
            cmd.append(self.int_arg(-5, 1000))
        return cmd

    def t_smove(self):
        return [b"SMOVE", self.t_key(SET_KEYS), self.t_key(SET_KEYS),
                self.t_member(700)]

    def t_setop(self):
        keys = [self.t_key(SET_KEYS) for _ in range(self.rnd.randint(1, 3))]
        r = self.rnd.random()
        if r < 0.15:
            cmd = [b"SINTERCARD", str(len(keys)).encode()] + keys
            if self.rnd.random() < 0.4:
                cmd += [b"LIMIT", self.int_arg(-1, 4)]
            return cmd
        name = self.rnd.choice([b"SINTER", b"SUNION", b"SDIFF", b"SINTERSTORE",
                                b"SUNIONSTORE", b"SDIFFSTORE"])
        if name.endswith(b"STORE"):
            return [name, self.t_key(SET_KEYS)] + keys
        return [name] + keys

    # ---- sorted sets
    def t_zadd(self):
        opts = []
        for o in (b"NX", b"XX", b"GT", b"LT", b"CH", b"INCR"):
            if self.rnd.random() < 0.08:
                opts.append(o)
        args = []
        n = 140 if self.rnd.random() < 0.02 else self.rnd.randint(1, 3)
        for _ in range(n):
            args += [self.t_score(), self.t_member(200)]
        return [b"ZADD", self.t_key(ZSET_KEYS)] + opts + args

    def t_zincrby(self):
        return [b"ZINCRBY", self.t_key(ZSET_KEYS), self.t_score(), self.t_member(200)]

    def t_zrem(self):
        return [b"ZREM", self.t_key(ZSET_KEYS)] + self.t_members(1, 3, 200)

    def t_zrange(self):
        key = self.t_key(ZSET_KEYS)
        r = self.rnd.random()
        if r < 0.3:
            cmd = [self.rnd.choice([b"ZRANGE", b"ZREVRANGE"]), key, self.t_index(),
                   self.t_index()]
            if self.rnd.random() < 0.4:
                cmd.append(b"WITHSCORES")
            if cmd[0] == b"ZRANGE" and self.rnd.random() < 0.2:
                cmd.append(b"REV")
            return cmd
        if r < 0.8:
            name = self.rnd.choice([b"ZRANGEBYSCORE", b"ZREVRANGEBYSCORE"])
            cmd = [name, key, self.t_score_bound(), self.t_score_bound()]
            if self.rnd.random() < 0.4:
                cmd.append(b"WITHSCORES")
            return cmd + self.t_limit()
        cmd = [b"ZRANGE", key, self.t_score_bound(), self.t_score_bound(), b"BYSCORE"]
        if self.rnd.random() < 0.4:
            cmd.append(b"REV")
        if self.rnd.random() < 0.3:
            cmd.append(b"WITHSCORES")
        return cmd + self.t_limit()

    def t_zread(self):
        key = self.t_key(ZSET_KEYS)
        r = self.rnd.random()
        if r < 0.25:
            return [b"ZSCORE", key, self.t_member(200)]
        if r < 0.4:
            return [b"ZMSCORE", key] + self.t_members(1, 3, 200)
        if r < 0.6:
            return [self.rnd.choice([b"ZRANK", b"ZREVRANK"]), key, self.t_member(200)]
        if r < 0.8:
            return [b"ZCOUNT", key, self.t_score_bound(), self.t_score_bound()]
        return [b"ZCARD", key]

    def t_zremrange(self):
        key = self.t_key(ZSET_KEYS)
        if self.rnd.random() < 0.5:
            return [b"ZREMRANGEBYRANK", key, self.t_index(), self.t_index()]
        return [b"ZREMRANGEBYSCORE", key, self.t_score_bound(), self.t_score_bound()]

    def t_zpop(self):
        cmd = [self.rnd.choice([b"ZPOPMIN", b"ZPOPMAX"]), self.t_key(ZSET_KEYS)]
        if self.rnd.random() < 0.5:
            cmd.append(self.int_arg(-1, 4))
        return cmd

    def t_zlex(self):
        key = self.rnd.choice(ZLEX_KEYS)
        r = self.rnd.random()
        if r < 0.35:
            args = []
            for _ in range(self.rnd.randint(1, 4)):
                args += [b"0", self.t_member(200)]
            return [b"ZADD", key] + args
        if r < 0.5:
            return [b"ZLEXCOUNT", key, self.t_lex_bound(), self.t_lex_bound()]
        if r < 0.6:
            return [b"ZREMRANGEBYLEX", key, self.t_lex_bound(), self.t_lex_bound()]
        if r < 0.7:
            return [b"ZRANGE", key, self.t_lex_bound(), self.t_lex_bound(), b"BYLEX"] + \
                ([b"REV"] if self.rnd.random() < 0.5 else []) + self.t_limit()
        name = self.rnd.choice([b"ZRANGEBYLEX", b"ZREVRANGEBYLEX"])
        return [name, key, self.t_lex_bound(), self.t_lex_bound()] + self.t_limit()

    def t_zrangestore(self):
        if self.rnd.random() < 0.3:
            dst, src = self.rnd.choice(ZLEX_KEYS), self.rnd.choice(ZLEX_KEYS)
        else:
            dst, src = self.t_key(ZSET_KEYS), self.rnd.choice(ZSET_KEYS + ZLEX_KEYS)
        r = self.rnd.random()
        if r < 0.5:
            return [b"ZRANGESTORE", dst, src, self.t_index(), self.t_index()]
        return [b"ZRANGESTORE", dst, src, self.t_score_bound(), self.t_score_bound(),
                b"BYSCORE"] + self.t_limit()

    def t_zsetop(self):
        pool = ZSET_KEYS + ZLEX_KEYS + SET_KEYS[:2]
        keys = [self.rnd.choice(pool) for _ in range(self.rnd.randint(1, 3))]
        name = self.rnd.choice([b"ZUNION", b"ZINTER", b"ZDIFF", b"ZUNIONSTORE",
                                b"ZINTERSTORE", b"ZDIFFSTORE", b"ZINTERCARD"])
        numkeys = str(len(keys)).encode()
        if self.rnd.random() < 0.05:
            numkeys = self.rnd.choice([b"0", b"5", b"x"])
        opts = []
        if name != b"ZINTERCARD" and self.rnd.random() < 0.3:
            opts += [b"WEIGHTS"] + [self.rnd.choice([b"1", b"2", b"0.5", b"-1", b"0",
                                                    b"inf", b"x"]) for _ in keys]
        if name != b"ZINTERCARD" and self.rnd.random() < 0.3:
            opts += [b"AGGREGATE", self.rnd.choice([b"SUM", b"MIN", b"max", b"avg"])]
        if not name.endswith(b"STORE") and self.rnd.random() < 0.3:
            opts.append(b"WITHSCORES")
        if name == b"ZINTERCARD" and self.rnd.random() < 0.4:
            opts += [b"LIMIT", self.int_arg(-1, 3)]
        if name.endswith(b"STORE"):
            return [name, self.t_key(ZSET_KEYS), numkeys] + keys + opts
        return [name, numkeys] + keys + opts

    def t_zrandmember(self):
        cmd = [b"ZRANDMEMBER", self.t_key(ZSET_KEYS)]
        if self.rnd.random() < 0.7:
            cmd.append(self.int_arg(-5, 1000))
            if self.rnd.random() < 0.4:
                cmd.append(self.rnd.choice([b"WITHSCORES", b"x"]))
        return cmd

    # ---- all types
    def t_typescan(self):
        name, pool = self.rnd.choice([(b"HSCAN", HASH_KEYS), (b"SSCAN", SET_KEYS),
                                      (b"ZSCAN", ZSET_KEYS)])
        cmd = [name, self.t_key(pool), b"0"]
        if self.rnd.random() < 0.4:
            cmd += [b"MATCH", self.rnd.choice([b"*", b"m1*", b"?", b"*a*"])]
        if self.rnd.random() < 0.4:
            cmd += [b"COUNT", self.rnd.choice([b"1", b"5", b"100", b"0"])]
        return cmd

    def t_type_encoding(self):
        key = self.rnd.choice(LIST_KEYS + HASH_KEYS + SET_KEYS + ZSET_KEYS + ZLEX_KEYS)
        r = self.rnd.random()
        if r < 0.5:
            return [b"OBJECT", b"ENCODING", key]
        if r < 0.8:
            return [b"DEBUG", b"DIGEST-VALUE", key]
        return [b"TYPE", key]


class StreamCommands:
    """Streams in deterministic forms only: XADD with explicit ids (from a
    growing clock, sometimes behind it so the id is refused), trims, deletes,
    ranges, and groups read and claimed without anything that depends on the
    time (no XPENDING ranges, XINFO CONSUMERS or FULL: idle and delivery
    times differ between the two servers)."""

    GROUPS = [b"g1", b"g2"]
    CONSUMERS = [b"c1", b"c2", b"c3"]
    FIELDS = [b"a", b"b", b"f", b"1", b"", b"long-field-name"]

    def streams_table(self):
        self.stream_ms = 1
        return [
            (6, self.x_add), (2, self.x_range), (1, self.x_len), (1, self.x_del),
            (1, self.x_trim), (1, self.x_read), (1, self.x_group), (2, self.x_readgroup),
            (1, self.x_ack), (1, self.x_claim), (1, self.x_info), (0.3, self.x_setid),
        ]

    def x_id(self):
        r = self.rnd.random()
        if r < 0.8:
            self.stream_ms += self.rnd.choice([0, 1, 1, 2, 50])
            if self.rnd.random() < 0.3:
                return b"%d-*" % self.stream_ms
            return b"%d-%d" % (self.stream_ms, self.rnd.randint(0, 3))
        if r < 0.95:
            return b"%d-%d" % (max(0, self.stream_ms - self.rnd.randint(0, 20)), self.rnd.randint(0, 3))
        return self.rnd.choice([b"0-0", b"bad", b"-", b"+", b"1"])

    def x_some_id(self):
        r = self.rnd.random()
        if r < 0.7:
            return b"%d-%d" % (self.rnd.randint(0, self.stream_ms + 2), self.rnd.randint(0, 3))
        return self.rnd.choice([b"-", b"+", b"0", b"(5-0", b"%d" % self.stream_ms, b"x"])

    def x_add(self):
        cmd = [b"XADD", self.t_key(STREAM_KEYS)]
        r = self.rnd.random()
        if r < 0.1:
            cmd += [b"NOMKSTREAM"]
        elif r < 0.25:
            cmd += [b"MAXLEN", self.rnd.choice([b"~", b"=", b"~"]), b"%d" % self.rnd.randint(0, 300)]
        elif r < 0.3:
            cmd += [b"MINID", b"~", b"%d" % max(0, self.stream_ms - 200), b"LIMIT", b"%d" % self.rnd.randint(0, 200)]
        cmd.append(self.x_id())
        fields = self.rnd.sample(self.FIELDS, self.rnd.randint(1, 3))
        if self.rnd.random() < 0.6:
            fields = [b"a", b"b"]
        for f in fields:
            cmd += [f, self.t_member()]
        return cmd

    def x_range(self):
        name = self.rnd.choice([b"XRANGE", b"XREVRANGE"])
        a, b = self.x_some_id(), self.x_some_id()
        cmd = [name, self.t_key(STREAM_KEYS)] + ([b"-", b"+"] if self.rnd.random() < 0.3 else [a, b])
        if self.rnd.random() < 0.5:
            cmd += [b"COUNT", self.rnd.choice([b"1", b"3", b"10", b"0", b"-1"])]
        return cmd

    def x_len(self):
        return [b"XLEN", self.t_key(STREAM_KEYS)]

    def x_del(self):
        return [b"XDEL", self.t_key(STREAM_KEYS)] + [self.x_some_id() for _ in range(self.rnd.randint(1, 4))]

    def x_trim(self):
        if self.rnd.random() < 0.5:
            return [b"XTRIM", self.t_key(STREAM_KEYS), b"MAXLEN", self.rnd.choice([b"~", b"="]),
                    b"%d" % self.rnd.randint(0, 200)]
        return [b"XTRIM", self.t_key(STREAM_KEYS), b"MINID", self.x_some_id()]

    def x_read(self):
        keys = self.rnd.sample(STREAM_KEYS, self.rnd.randint(1, 2))
        cmd = [b"XREAD"]
        if self.rnd.random() < 0.5:
            cmd += [b"COUNT", b"%d" % self.rnd.randint(1, 5)]
        return cmd + [b"STREAMS"] + keys + [self.x_some_id() for _ in keys]

    def x_group(self):
        key, g = self.t_key(STREAM_KEYS), self.rnd.choice(self.GROUPS)
        r = self.rnd.random()
        if r < 0.4:
            cmd = [b"XGROUP", b"CREATE", key, g, self.rnd.choice([b"0", b"$", self.x_some_id()])]
            if self.rnd.random() < 0.3:
                cmd.append(b"MKSTREAM")
            return cmd
        if r < 0.6:
            return [b"XGROUP", b"SETID", key, g, self.rnd.choice([b"0", b"$", self.x_some_id()])]
        if r < 0.7:
            return [b"XGROUP", b"DESTROY", key, g]
        if r < 0.85:
            return [b"XGROUP", b"CREATECONSUMER", key, g, self.rnd.choice(self.CONSUMERS)]
        return [b"XGROUP", b"DELCONSUMER", key, g, self.rnd.choice(self.CONSUMERS)]

    def x_readgroup(self):
        cmd = [b"XREADGROUP", b"GROUP", self.rnd.choice(self.GROUPS), self.rnd.choice(self.CONSUMERS)]
        if self.rnd.random() < 0.5:
            cmd += [b"COUNT", b"%d" % self.rnd.randint(1, 5)]
        if self.rnd.random() < 0.2:
            cmd.append(b"NOACK")
        return cmd + [b"STREAMS", self.t_key(STREAM_KEYS), self.rnd.choice([b">", b">", b"0"])]

    def x_ack(self):
        return [b"XACK", self.t_key(STREAM_KEYS), self.rnd.choice(self.GROUPS)] + [
            self.x_some_id() for _ in range(self.rnd.randint(1, 3))]

    def x_claim(self):
        key, g, c = self.t_key(STREAM_KEYS), self.rnd.choice(self.GROUPS), self.rnd.choice(self.CONSUMERS)
        if self.rnd.random() < 0.5:
            return [b"XAUTOCLAIM", key, g, c, b"0", self.x_some_id(), b"COUNT",
                    b"%d" % self.rnd.randint(1, 5), b"JUSTID"]
        return [b"XCLAIM", key, g, c, b"0"] + [self.x_some_id() for _ in range(self.rnd.randint(1, 3))] + [
            b"JUSTID"] + ([b"FORCE"] if self.rnd.random() < 0.3 else [])

    def x_info(self):
        key = self.t_key(STREAM_KEYS)
        r = self.rnd.random()
        if r < 0.35:
            return [b"XINFO", b"STREAM", key]
        if r < 0.6:
            return [b"XINFO", b"GROUPS", key]
        if r < 0.8:
            return [b"XPENDING", key, self.rnd.choice(self.GROUPS)]
        return [b"DEBUG", b"DIGEST-VALUE", key]

    def x_setid(self):
        return [b"XSETID", self.t_key(STREAM_KEYS), b"%d-9" % (self.stream_ms + self.rnd.randint(0, 5))]


class ExecCommand(list):
    """EXEC, carrying the commands it runs so its reply (an array of their
    replies) is compared element by element with their normalisation."""

    def __init__(self, queued):
        super().__init__([b"EXEC"])
        self.queued = queued


TX_EXCLUDED = {b"MULTI", b"EXEC", b"DISCARD", b"WATCH", b"UNWATCH"} | {
    b"SCAN", b"HSCAN", b"SSCAN", b"ZSCAN"} | {  # scans are iterated outside
    b"DUMP"}  # DUMP + RESTORE pairs run outside batches (DumpRestore)


class TransactionCommands:
    """MULTI/EXEC/DISCARD/WATCH blocks built from the other generators'
    commands; mixed into Generator (uses its rnd, funcs, pending, mutate)."""

    def transactions_table(self):
        return [(1.5, self.tx_block), (1, self.tx_watch_block)]

    def tx_body_command(self):
        """Any generated command that can be queued (not a transaction
        command, not a scan, not one that queues follow-ups)."""
        for _ in range(20):
            before = len(self.pending)
            cmd = self.mutate(self.rnd.choices(self.funcs, self.weights)[0]())
            if len(self.pending) != before:
                del self.pending[before:]
                continue
            if cmd[0].upper() not in TX_EXCLUDED:
                return cmd
        return [b"PING"]

    def tx_commands(self):
        """MULTI, up to 5 commands, EXEC; sometimes a queuing error first
        (EXECABORT), sometimes DISCARD instead of EXEC."""
        body = [self.tx_body_command() for _ in range(self.rnd.randint(0, 5))]
        r = self.rnd.random()
        if r < 0.04:
            body.insert(self.rnd.randint(0, len(body)), [b"NOSUCHCMD", b"x"])
        elif r < 0.08:
            body.insert(self.rnd.randint(0, len(body)), [b"GET"])
        elif r < 0.1:
            body.insert(self.rnd.randint(0, len(body)), [b"MULTI"])
        queued = [c for c in body if c != [b"MULTI"]]  # a nested MULTI is not queued
        end = [b"DISCARD"] if self.rnd.random() < 0.1 else ExecCommand(queued)
        return [[b"MULTI"]] + body + [end]

    def tx_block(self):
        cmds = self.tx_commands()
        self.pending += cmds[1:]
        return cmds[0]

    def tx_watch_block(self):
        """WATCH some keys, maybe change one (the connection's own write
        marks its WATCH too), maybe UNWATCH, then a transaction."""
        pool = KEYS + LIST_KEYS + HASH_KEYS + SET_KEYS + ZSET_KEYS
        keys = [self.rnd.choice(pool) for _ in range(self.rnd.randint(1, 3))]
        if self.rnd.random() < 0.5:
            self.pending.append(self.tx_body_command())
        if self.rnd.random() < 0.1:
            self.pending.append([b"UNWATCH"])
        self.pending += self.tx_commands()
        return [b"WATCH"] + keys


HLL_KEYS = [b"hll1", b"hll2", b"hll3"]


class DataCommands:
    """Bitmaps, HyperLogLog, LCS and SORT (a mixin of Generator). SORT is
    generated only in deterministic forms: no BY (a constant BY keeps a
    hashtable set's order; ALPHA BY may tie), so the order is the values'."""

    def data_table(self):
        return [
            (2, self.d_setbit), (1, self.d_getbit), (1, self.d_bitcount),
            (1, self.d_bitpos), (1, self.d_bitop), (1.5, self.d_bitfield),
            (3, self.d_pfadd), (1.5, self.d_pfcount), (0.7, self.d_pfmerge),
            (0.5, self.d_lcs), (1.5, self.d_sort),
        ]

    def d_setbit(self):
        return [b"SETBIT", self.key(), self.int_arg(0, 300), self.rnd.choice([b"0", b"1", b"1", b"2"])]

    def d_getbit(self):
        return [b"GETBIT", self.key(), self.int_arg(0, 300)]

    def d_bitcount(self):
        cmd = [b"BITCOUNT", self.key()]
        if self.rnd.random() < 0.6:
            cmd += [self.int_arg(-40, 40), self.int_arg(-40, 40)]
            if self.rnd.random() < 0.5:
                cmd.append(self.rnd.choice([b"BYTE", b"BIT", b"bit", b"foo"]))
        return cmd

    def d_bitpos(self):
        cmd = [b"BITPOS", self.key(), self.rnd.choice([b"0", b"1", b"1", b"2"])]
        for _ in range(self.rnd.randint(0, 2)):
            cmd.append(self.int_arg(-40, 40))
        if len(cmd) == 5 and self.rnd.random() < 0.5:
            cmd.append(self.rnd.choice([b"BYTE", b"BIT"]))
        return cmd

    def d_bitop(self):
        op = self.rnd.choice([b"AND", b"OR", b"XOR", b"NOT", b"nope"])
        n = 1 if op == b"NOT" and self.rnd.random() < 0.9 else self.rnd.randint(1, 3)
        return [b"BITOP", op, self.key()] + [self.key() for _ in range(n)]

    def d_bitfield(self):
        cmd = [self.rnd.choice([b"BITFIELD", b"BITFIELD", b"BITFIELD_RO"]), self.key()]
        for _ in range(self.rnd.randint(0, 3)):
            t = self.rnd.choice([b"i", b"u"]) + str(self.rnd.choice([1, 3, 8, 16, 63, 64])).encode()
            off = self.int_arg(0, 100) if self.rnd.random() < 0.8 else b"#" + self.int_arg(0, 10)
            op = self.rnd.choice([b"GET", b"SET", b"INCRBY", b"OVERFLOW"])
            if op == b"OVERFLOW":
                cmd += [op, self.rnd.choice([b"WRAP", b"SAT", b"FAIL"])]
            elif op == b"GET":
                cmd += [op, t, off]
            else:
                cmd += [op, t, off, self.int_arg(-300, 300)]
        return cmd

    def hll_key(self):
        return self.rnd.choice(HLL_KEYS) if self.rnd.random() < 0.85 else self.key()

    def d_pfadd(self):
        return [b"PFADD", self.hll_key()] + [self.value()[:12] for _ in range(self.rnd.randint(0, 30))]

    def d_pfcount(self):
        return [b"PFCOUNT"] + [self.hll_key() for _ in range(self.rnd.randint(1, 3))]

    def d_pfmerge(self):
        return [b"PFMERGE"] + [self.hll_key() for _ in range(self.rnd.randint(1, 3))]

    def d_lcs(self):
        cmd = [b"LCS", self.key(), self.key()]
        cmd += self.rnd.sample([b"LEN", b"IDX", b"WITHMATCHLEN", b"MINMATCHLEN", b"2"], self.rnd.randint(0, 2))
        return cmd

    def d_sort(self):
        key = self.rnd.choice(LIST_KEYS + SET_KEYS + ZSET_KEYS + [self.key()])
        cmd = [self.rnd.choice([b"SORT", b"SORT_RO"]), key]
        if self.rnd.random() < 0.6:
            cmd.append(b"ALPHA")
        if self.rnd.random() < 0.3:
            cmd.append(b"DESC")
        if self.rnd.random() < 0.3:
            cmd += [b"LIMIT", self.int_arg(-2, 5), self.int_arg(-2, 5)]
        if self.rnd.random() < 0.2:
            cmd += [b"STORE", self.rnd.choice(LIST_KEYS)]
        return cmd


class DumpRestore(list):
    """DUMP src on both servers, then RESTORE dst <ttl> <payload> [options]
    on each with the OTHER server's payload: payloads cross between the
    two (redis-server's into replikv and the reverse) while the datasets
    stay equal. Compared: whether DUMP found the key, and the two RESTORE
    replies."""

    def __init__(self, src, dst, ttl, options, damage=False):
        super().__init__([b"DUMP", src])
        self.dst, self.ttl, self.options, self.damage = dst, ttl, options, damage

    def restore_args(self, payload):
        if self.damage and payload:
            payload = payload[:-1] + bytes([payload[-1] ^ 1])
        return [b"RESTORE", self.dst, self.ttl, payload] + self.options


class GeoDumpCommands:
    """Geo commands and DUMP/RESTORE (a mixin of Generator). Points come from
    a coarse grid, so members share positions (ties in every sort) and cell
    edges are hit; searches cover every shape, option and radius up to the
    whole earth; GEOSEARCHSTORE writes into the geo and sorted-set keys."""

    GEO_GRID = [b"-180", b"-179.99", b"-10.5", b"0", b"0.001", b"13.361389", b"15.087269", b"179.9", b"180"]
    GEO_LAT = [b"-85.05112878", b"-45", b"0", b"0.001", b"37.502669", b"38.115556", b"70", b"85"]

    def geo_table(self):
        return [(3, self.g_geoadd), (1.5, self.g_georead), (2, self.g_geosearch),
                (1.5, self.g_geostore), (2.5, self.g_dumprestore)]

    def g_key(self):
        return self.rnd.choice(GEO_KEYS) if self.rnd.random() < 0.85 else self.t_key(ZSET_KEYS)

    def g_member(self):
        return b"p%d" % self.rnd.randint(0, 150) if self.rnd.random() < 0.8 else self.t_member(30)

    def g_point(self):
        if self.rnd.random() < 0.03:
            return [self.rnd.choice([b"181", b"x", b"0"]), self.rnd.choice([b"86", b"0", b"nan"])]
        return [self.rnd.choice(self.GEO_GRID), self.rnd.choice(self.GEO_LAT)]

    def g_geoadd(self):
        opts = [o for o in (b"NX", b"XX", b"CH") if self.rnd.random() < 0.07]
        args = []
        n = 140 if self.rnd.random() < 0.02 else self.rnd.randint(1, 5)
        for _ in range(n):
            args += self.g_point() + [self.g_member()]
        return [b"GEOADD", self.g_key()] + opts + args

    def g_georead(self):
        key = self.g_key()
        r = self.rnd.random()
        if r < 0.35:
            cmd = [b"GEODIST", key, self.g_member(), self.g_member()]
            if self.rnd.random() < 0.6:
                cmd.append(self.rnd.choice([b"m", b"km", b"mi", b"ft", b"KM", b"yd"]))
            return cmd
        name = b"GEOPOS" if r < 0.7 else b"GEOHASH"
        return [name, key] + [self.g_member() for _ in range(self.rnd.randint(1, 3))]

    def g_shape(self):
        unit = self.rnd.choice([b"m", b"km", b"mi", b"ft"])
        size = self.rnd.choice([b"0", b"1", b"500", b"50", b"2000", b"20000", b"1e5", b"-1", b"x"])
        if self.rnd.random() < 0.6:
            return [b"BYRADIUS", size, unit]
        return [b"BYBOX", size, self.rnd.choice([b"1", b"100", b"3000", b"50"]), unit]

    def g_from(self):
        if self.rnd.random() < 0.4:
            return [b"FROMMEMBER", self.g_member()]
        return [b"FROMLONLAT"] + self.g_point()

    def g_options(self, store):
        opts = []
        if not store:
            opts += [o for o in (b"WITHDIST", b"WITHCOORD", b"WITHHASH") if self.rnd.random() < 0.3]
        r = self.rnd.random()
        opts += [b"ASC"] if r < 0.3 else [b"DESC"] if r < 0.5 else []
        if self.rnd.random() < 0.4:
            opts += [b"COUNT", self.rnd.choice([b"1", b"2", b"3", b"10", b"0", b"x"])]
            if self.rnd.random() < 0.3:
                opts.append(b"ANY")
        elif self.rnd.random() < 0.03:
            opts.append(b"ANY")
        return opts

    def g_geosearch(self):
        key = self.g_key()
        r = self.rnd.random()
        if r < 0.6:
            return [b"GEOSEARCH", key] + self.g_from() + self.g_shape() + self.g_options(False)
        shape = self.g_shape()
        if shape[0] == b"BYBOX":
            shape = [shape[1], shape[3]]
        else:
            shape = shape[1:]
        if r < 0.8:
            return [self.rnd.choice([b"GEORADIUS", b"GEORADIUS_RO"]), key] + self.g_point() + shape + \
                self.g_options(False)
        return [self.rnd.choice([b"GEORADIUSBYMEMBER", b"GEORADIUSBYMEMBER_RO"]), key, self.g_member()] + \
            shape + self.g_options(False)

    def g_geostore(self):
        dst = self.rnd.choice(GEO_KEYS + ZSET_KEYS[:1])
        if self.rnd.random() < 0.7:
            cmd = [b"GEOSEARCHSTORE", dst, self.g_key()] + self.g_from() + self.g_shape() + self.g_options(True)
            if self.rnd.random() < 0.3:
                cmd.append(b"STOREDIST")
            return cmd
        shape = self.g_shape()
        shape = [shape[1], shape[-1]]
        return [b"GEORADIUS", self.g_key()] + self.g_point() + shape + self.g_options(True) + \
            [self.rnd.choice([b"STORE", b"STOREDIST"]), dst]

    def g_dumprestore(self):
        pool = KEYS + LIST_KEYS + HASH_KEYS + SET_KEYS + ZSET_KEYS + GEO_KEYS + HLL_KEYS
        src, dst = self.rnd.choice(pool), self.rnd.choice(pool)
        r = self.rnd.random()
        ttl = b"0" if r < 0.7 else self.rel_ms() if r < 0.85 else self.abs_ms()
        opts = []
        if self.rnd.random() < 0.7:
            opts.append(b"REPLACE")
        if ttl != b"0" and r >= 0.85:
            opts.append(b"ABSTTL")
        if self.rnd.random() < 0.1:
            opts += [self.rnd.choice([b"IDLETIME", b"FREQ"]), self.int_arg(-1, 300)]
        self.rnd.shuffle(opts)
        return DumpRestore(src, dst, ttl, opts, damage=self.rnd.random() < 0.05)


class Generator(TypeCommands, StreamCommands, TransactionCommands, DataCommands, GeoDumpCommands):
    """Produces commands (lists of bytes). Deterministic for a seed, apart
    from absolute times, which are offsets from the start time."""

    def __init__(self, seed):
        self.rnd = random.Random(seed)
        self.now_s = int(time.time())
        table = [
            (8, self.get), (10, self.set), (2, self.setnx), (2, self.setex),
            (2, self.getset), (2, self.getdel), (3, self.getex),
            (3, self.mget), (3, self.mset), (2, self.msetnx),
            (5, self.incr), (4, self.incrby), (4, self.incrbyfloat),
            (4, self.append), (3, self.strlen), (3, self.getrange),
            (3, self.setrange), (3, self.del_), (3, self.exists),
            (2, self.type_), (2, self.rename), (1, self.randomkey),
            (2, self.dbsize), (2, self.keys_cmd), (1, self.scan), (2, self.select),
            (1, self.swapdb), (2, self.move), (3, self.object_encoding),
            (2, self.digest_value), (6, self.expire), (4, self.ttl),
            (2, self.persist), (0.15, self.flush), (1, self.echo),
        ] + self.types_table() + self.streams_table() + self.transactions_table() + self.data_table() + \
            self.geo_table()
        self.pending = []
        self.funcs = [f for _, f in table]
        self.weights = [w for w, _ in table]

    def next(self):
        if self.pending:
            return self.pending.pop(0)
        cmd = self.rnd.choices(self.funcs, self.weights)[0]()
        return self.mutate(cmd)

    # ---- helpers
    def key(self):
        return self.rnd.choice(KEYS)

    def key_list(self, lo, hi):
        return [self.key() for _ in range(self.rnd.randint(lo, hi))]

    def value(self):
        r = self.rnd.random()
        if r < 0.3:
            return self.rnd.choice(INT_VALUES)
        if r < 0.4:
            return str(self.rnd.randint(-10**6, 10**6)).encode()
        if r < 0.55:
            return self.rnd.choice(FLOAT_VALUES)
        if r < 0.65:
            return self.rnd.choice([b"a" * 44, b"a" * 45, b"b" * 20])
        if r < 0.75:
            return bytes(self.rnd.randrange(256)
                         for _ in range(self.rnd.randint(0, 20)))
        if r < 0.77:
            return b"z" * self.rnd.randint(100, 2000)
        return bytes(self.rnd.choice(b"abcxyz") for _ in
                     range(self.rnd.randint(0, 10)))

    def int_arg(self, lo=-100, hi=100):
        r = self.rnd.random()
        if r < 0.8:
            return str(self.rnd.randint(lo, hi)).encode()
        if r < 0.9:
            return self.rnd.choice(INT_VALUES)
        return self.rnd.choice(JUNK)

    def rel_seconds(self):
        """Relative TTL: none expires during the run, or non-positive."""
        r = self.rnd.random()
        if r < 0.8:
            return str(self.rnd.randint(86400, 10**8)).encode()
        if r < 0.9:
            return self.rnd.choice([b"0", b"-1", b"-100"])
        return self.rnd.choice([b"9223372036854775807", b"9223372036854775",
                                b"-9223372036854775808"] + JUNK)

    def rel_ms(self):
        r = self.rnd.random()
        if r < 0.8:
            return str(self.rnd.randint(86400 * 1000, 10**11)).encode()
        if r < 0.9:
            return self.rnd.choice([b"0", b"-1"])
        return self.rnd.choice([b"9223372036854775807"] + JUNK)

    def abs_seconds(self):
        r = self.rnd.random()
        if r < 0.75:
            return str(self.now_s + self.rnd.randint(86400, 10**8)).encode()
        if r < 0.9:
            return self.rnd.choice([b"1", b"0", str(self.now_s - 1000).encode()])
        return self.rnd.choice([b"9223372036854775807", b"9223372036854775"] +
                               JUNK)

    def abs_ms(self):
        r = self.rnd.random()
        if r < 0.75:
            return str((self.now_s + self.rnd.randint(86400, 10**8)) * 1000 +
                       self.rnd.randint(0, 999)).encode()
        if r < 0.9:
            return self.rnd.choice([b"1", str(self.now_s * 1000 - 5000).encode()])
        return self.rnd.choice([b"9223372036854775807"] + JUNK)

    def ttl_option(self):
        kind = self.rnd.choice([b"EX", b"PX", b"EXAT", b"PXAT"])
        value = {b"EX": self.rel_seconds, b"PX": self.rel_ms,
                 b"EXAT": self.abs_seconds, b"PXAT": self.abs_ms}[kind]()
        return [kind, value]

    def mutate(self, cmd):
        """Occasionally break a command: wrong arity or an extra argument."""
        if isinstance(cmd, DumpRestore):
            return cmd
        r = self.rnd.random()
        if r < 0.02 and len(cmd) > 1:
            return cmd[:-1]
        if r < 0.04:
            return cmd + [self.rnd.choice([b"foo", b"1", b"NX", b"EX"])]
        return cmd

    # ---- strings
    def get(self):
        return [b"GET", self.key()]

    def set(self):
        # Options are built as groups and shuffled, so a time value stays
        # after its option; two groups of one kind make an invalid mix.
        groups = []
        if self.rnd.random() < 0.3:
            groups.append([self.rnd.choice([b"NX", b"XX"])])
        if self.rnd.random() < 0.3:
            groups.append(self.ttl_option())
        elif self.rnd.random() < 0.1:
            groups.append([b"KEEPTTL"])
        if self.rnd.random() < 0.2:
            groups.append([b"GET"])
        if self.rnd.random() < 0.05:
            groups.append(self.rnd.choice([[b"NX"], [b"XX"], [b"KEEPTTL"],
                                           [b"GET"], [b"EX"]]))
            if self.rnd.random() < 0.5:
                groups.append(self.ttl_option())
        self.rnd.shuffle(groups)
        return [b"SET", self.key(), self.value()] + [a for g in groups for a in g]

    def setnx(self):
        return [b"SETNX", self.key(), self.value()]

    def setex(self):
        if self.rnd.random() < 0.5:
            return [b"SETEX", self.key(), self.rel_seconds(), self.value()]
        return [b"PSETEX", self.key(), self.rel_ms(), self.value()]

    def getset(self):
        return [b"GETSET", self.key(), self.value()]

    def getdel(self):
        return [b"GETDEL", self.key()]

    def getex(self):
        cmd = [b"GETEX", self.key()]
        r = self.rnd.random()
        if r < 0.5:
            cmd += self.ttl_option()
        elif r < 0.7:
            cmd.append(b"PERSIST")
        elif r < 0.75:
            cmd += [b"PERSIST"] + self.ttl_option()
        return cmd

    def mget(self):
        return [b"MGET"] + self.key_list(1, 5)

    def mset(self):
        cmd = [b"MSET"]
        for k in self.key_list(1, 4):
            cmd += [k, self.value()]
        return cmd

    def msetnx(self):
        cmd = [b"MSETNX"]
        for k in self.key_list(1, 3):
            cmd += [k, self.value()]
        return cmd

    def incr(self):
        return [self.rnd.choice([b"INCR", b"DECR"]), self.key()]

    def incrby(self):
        by = self.int_arg(-1000, 1000)
        if self.rnd.random() < 0.1:
            by = self.rnd.choice([b"9223372036854775807", b"-9223372036854775808"])
        return [self.rnd.choice([b"INCRBY", b"DECRBY"]), self.key(), by]

    def incrbyfloat(self):
        if self.rnd.random() < 0.6:
            by = str(round(self.rnd.uniform(-100, 100), self.rnd.randint(0, 4)))
            return [b"INCRBYFLOAT", self.key(), by.encode()]
        return [b"INCRBYFLOAT", self.key(), self.rnd.choice(FLOAT_VALUES + JUNK)]

    def append(self):
        return [b"APPEND", self.key(), self.value()[:50]]

    def strlen(self):
        return [b"STRLEN", self.key()]

    def getrange(self):
        return [self.rnd.choice([b"GETRANGE", b"SUBSTR"]), self.key(),
                self.int_arg(-60, 60), self.int_arg(-60, 60)]

    def setrange(self):
        offset = self.int_arg(0, 100)
        if self.rnd.random() < 0.05:
            offset = self.rnd.choice([b"-1", b"536870912"])
        return [b"SETRANGE", self.key(), offset, self.value()[:30]]

    # ---- keys
    def del_(self):
        return [self.rnd.choice([b"DEL", b"UNLINK"])] + self.key_list(1, 3)

    def exists(self):
        return [b"EXISTS"] + self.key_list(1, 4)

    def type_(self):
        return [b"TYPE", self.key()]

    def rename(self):
        return [self.rnd.choice([b"RENAME", b"RENAMENX"]), self.key(), self.key()]

    def randomkey(self):
        # RANDOMKEY deletes the expired keys it happens to pick, which would
        # make the two keyspaces drift apart. A full SCAN first deletes every
        # expired key of the db (deterministically), so RANDOMKEY finds none.
        self.pending.append([b"RANDOMKEY"])
        return [b"SCAN", b"0", b"COUNT", b"100"]

    def dbsize(self):
        return [b"DBSIZE"]

    def keys_cmd(self):
        return [b"KEYS", self.rnd.choice(PATTERNS)]

    def scan(self):
        cmd = [b"SCAN", b"0"]
        if self.rnd.random() < 0.5:
            cmd += [b"MATCH", self.rnd.choice(PATTERNS)]
        if self.rnd.random() < 0.5:
            cmd += [b"COUNT", self.rnd.choice([b"1", b"3", b"10", b"0", b"abc"])]
        if self.rnd.random() < 0.3:
            cmd += [b"TYPE", self.rnd.choice([b"string", b"list", b"foo"])]
        if self.rnd.random() < 0.05:
            cmd[1] = self.rnd.choice([b"abc", b"18446744073709551616"])
        return cmd

    def select(self):
        return [b"SELECT", self.rnd.choice([b"0", b"0", b"1", b"2", b"16",
                                            b"-1", b"x"])]

    def swapdb(self):
        return [b"SWAPDB", self.rnd.choice([b"0", b"1", b"2", b"16", b"x"]),
                self.rnd.choice([b"0", b"1", b"2", b"x"])]

    def move(self):
        return [b"MOVE", self.key(), self.rnd.choice([b"0", b"1", b"2", b"16",
                                                      b"x"])]

    def object_encoding(self):
        if self.rnd.random() < 0.1:
            return [b"OBJECT", b"FREQ", self.key()]
        return [b"OBJECT", b"ENCODING", self.key()]

    def digest_value(self):
        return [b"DEBUG", b"DIGEST-VALUE"] + self.key_list(1, 3)

    def flush(self):
        return [self.rnd.choice([b"FLUSHDB", b"FLUSHDB", b"FLUSHALL"])]

    def echo(self):
        return [self.rnd.choice([b"ECHO", b"PING"]), self.value()[:20]]

    # ---- expiry
    def expire(self):
        name = self.rnd.choice([b"EXPIRE", b"PEXPIRE", b"EXPIREAT", b"PEXPIREAT"])
        when = {b"EXPIRE": self.rel_seconds, b"PEXPIRE": self.rel_ms,
                b"EXPIREAT": self.abs_seconds, b"PEXPIREAT": self.abs_ms}[name]()
        cmd = [name, self.key(), when]
        r = self.rnd.random()
        if r < 0.4:
            cmd.append(self.rnd.choice([b"NX", b"XX", b"GT", b"LT"]))
        elif r < 0.45:
            cmd += self.rnd.sample([b"NX", b"XX", b"GT", b"LT", b"foo"], 2)
        return cmd

    def ttl(self):
        return [self.rnd.choice(list(TTL_COMMANDS)), self.key()]

    def persist(self):
        return [b"PERSIST", self.key()]


# --------------------------------------------------------------- running


def run_batch(conn, cmds):
    conn.send(b"".join(encode_command(*c) for c in cmds))
    return [conn.read_reply() for _ in cmds]


def run_scan(conn, cmd):
    """Iterates SCAN to the end; returns the sorted distinct keys or the
    first error reply."""
    seen = set()
    args = list(cmd)
    for _ in range(MAX_SCAN_CALLS):
        reply = conn.command(*args)
        if isinstance(reply, RespError):
            return reply
        cursor, keys = reply
        seen.update(keys)
        if cursor == b"0":
            return ("scan-keys", sorted(seen))
        args[1] = cursor
    raise AssertionError(f"SCAN did not finish in {MAX_SCAN_CALLS} calls")


SCAN_LIKE = {b"SCAN", b"HSCAN", b"SSCAN", b"ZSCAN"}


def run_type_scan(conn, cmd):
    """Iterates HSCAN/SSCAN/ZSCAN to the end; returns the sorted distinct
    elements (field/value and member/score pairs as tuples) or the first
    error reply."""
    seen = set()
    args = list(cmd)
    pairs = cmd[0] != b"SSCAN"
    for _ in range(MAX_SCAN_CALLS):
        reply = conn.command(*args)
        if isinstance(reply, RespError):
            return reply
        cursor, items = reply
        seen.update(zip(items[0::2], items[1::2]) if pairs else items)
        if cursor == b"0":
            return ("scan-elements", sorted(seen))
        args[2] = cursor
    raise AssertionError(f"{cmd[0]} did not finish in {MAX_SCAN_CALLS} calls")


def run_any_scan(conn, cmd):
    return run_scan(conn, cmd) if cmd[0] == b"SCAN" else run_type_scan(conn, cmd)


def run_dump_restore(oracle, target, cmd):
    """A DumpRestore step on both servers; returns the compared replies of
    each: (found by DUMP, RESTORE reply)."""
    pa, pb = oracle.command(*cmd), target.command(*cmd)
    ra = oracle.command(*cmd.restore_args(pb)) if isinstance(pb, bytes) else None
    rb = target.command(*cmd.restore_args(pa)) if isinstance(pa, bytes) else None
    return (isinstance(pa, bytes), ra), (isinstance(pb, bytes), rb)


# Replies whose order is unspecified for a "hashtable" set or hash: compared
# sorted (listpack/intset order is checked by test_hashes.py/test_sets.py).
UNORDERED = {b"SMEMBERS", b"SINTER", b"SUNION", b"SDIFF", b"HKEYS", b"HVALS"}


def normalise_types(cmd, reply):
    """Normalises an aggregate-type reply; None if cmd is not one."""
    name = cmd[0].upper()
    if isinstance(reply, RespError):
        return None
    if name in UNORDERED and isinstance(reply, list):
        return sorted(reply)
    if name == b"HGETALL" and isinstance(reply, list):
        return sorted(zip(reply[0::2], reply[1::2]))
    if name == b"SPOP" and isinstance(reply, list):
        return sorted(reply)
    if name in (b"SRANDMEMBER", b"HRANDFIELD", b"ZRANDMEMBER"):
        if not isinstance(reply, list):
            return "nil" if reply is None else "some"
        count = int(cmd[2])
        per = 2 if len(cmd) > 3 else 1
        if 0 <= count and len(reply) < count * per:
            # The whole set or hash: the same members, any order.
            return ("all", sorted(zip(reply[0::2], reply[1::2])) if per == 2
                    else sorted(reply))
        return ("some", len(reply))
    return None


def normalise(cmd, reply):
    typed = normalise_types(cmd, reply)
    if typed is not None:
        return typed
    name = cmd[0].upper()
    if name == b"KEYS" and isinstance(reply, list):
        return sorted(reply)
    if name == b"RANDOMKEY" and isinstance(reply, bytes):
        return "<some key>"
    return reply


def same(cmd, a, b):
    name = cmd[0].upper()
    if isinstance(cmd, ExecCommand) and isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(
            same(q, x, y) for q, x, y in zip(cmd.queued, a, b))
    if name in TTL_COMMANDS and isinstance(a, int) and isinstance(b, int):
        if a < 0 or b < 0:
            return a == b
        return abs(a - b) <= TTL_COMMANDS[name]
    return normalise(cmd, a) == normalise(cmd, b)


class Divergence(AssertionError):
    pass


def dump_state(conn, max_keys=40):
    """Keys, encodings and PTTLs of dbs 0-2 (what the generator uses), for
    the failure message. Uses a second connection to leave SELECT alone."""
    lines = []
    host, port = conn.sock.getpeername()[:2]
    with RespClient(host, port, 10) as c:
        for db in range(3):
            c.command(b"SELECT", str(db))
            keys = c.command(b"KEYS", b"*")
            if not isinstance(keys, list):
                lines.append(f"    db{db}: {keys!r}")
                continue
            entries = []
            for k in sorted(keys)[:max_keys]:
                entries.append((k, c.command(b"GETRANGE", k, b"0", b"24"),
                                c.command(b"PTTL", k)))
            lines.append(f"    db{db} ({len(keys)} keys): {entries!r}")
    return "\n".join(lines)


def describe(seed, index, cmd, a, b, history, log_path, conns=None):
    lines = [
        f"replies differ at command #{index} (seed {seed}; rerun with "
        f"DIFF_SEED={seed}; full command log: {log_path})",
        f"  command : {cmd!r}",
        f"  redis   : {a!r}",
        f"  target  : {b!r}",
        "  previous commands:",
    ]
    lines += [f"    #{i}: {c!r}" for i, c in history[-15:]]
    if conns is not None:
        lines += ["  redis state:", dump_state(conns[0]),
                  "  target state:", dump_state(conns[1])]
    return "\n".join(lines)


def compare_digests(oracle, target, seed, index, log_path):
    da = oracle.command(b"DEBUG", b"DIGEST")
    db = target.command(b"DEBUG", b"DIGEST")
    if da != db:
        raise Divergence(
            f"DEBUG DIGEST differs after command #{index} (seed {seed}, rerun "
            f"with DIFF_SEED={seed}; log {log_path}): redis {da!r}, target "
            f"{db!r}. The difference arose after the previous digest check "
            f"({DIGEST_EVERY} commands earlier) without a differing reply.\n"
            f"  redis state:\n{dump_state(oracle)}\n"
            f"  target state:\n{dump_state(target)}")


def run_differential(oracle, target, seed, total, batch, log_path):
    gen = Generator(seed)
    history = []
    done = 0
    next_digest = DIGEST_EVERY
    # SET ... EXAT <past> stores a key that is already expired; only access
    # (lazy expiry) or the active cycle removes it. The active cycle runs on
    # each server's own timer, so it is switched off to keep DBSIZE, KEYS
    # and DEBUG DIGEST comparable; lazy expiry is deterministic.
    for conn in (oracle, target):
        assert conn.command(b"DEBUG", b"SET-ACTIVE-EXPIRE", b"0") == "OK"
    # A MULTI block may span batches; nothing else (SCAN walks, DEBUG
    # DIGEST) may be sent between its commands, or it would be queued too.
    in_tx = False
    with open(log_path, "w") as log:
        while done < total:
            cmds = []
            scan_cmd = None
            while len(cmds) < batch and done + len(cmds) < total:
                c = gen.next()
                if c[0] in SCAN_LIKE or isinstance(c, DumpRestore):
                    if in_tx:
                        continue  # not generated inside a transaction
                    scan_cmd = c
                    break
                cmds.append(c)
                if c[0].upper() == b"MULTI":
                    in_tx = True
                elif c[0].upper() in (b"EXEC", b"DISCARD"):
                    in_tx = False
            for c in cmds:
                log.write(repr(c) + "\n")
            ra = run_batch(oracle, cmds) if cmds else []
            rb = run_batch(target, cmds) if cmds else []
            for i, (c, a, b) in enumerate(zip(cmds, ra, rb)):
                index = done + i
                if not same(c, a, b):
                    raise Divergence(describe(seed, index, c, a, b, history,
                                              log_path, (oracle, target)))
                history.append((index, c))
            done += len(cmds)
            if scan_cmd is not None and done < total:
                log.write(repr(scan_cmd) + "\n")
                if isinstance(scan_cmd, DumpRestore):
                    a, b = run_dump_restore(oracle, target, scan_cmd)
                else:
                    a = run_any_scan(oracle, scan_cmd)
                    b = run_any_scan(target, scan_cmd)
                if a != b:
                    raise Divergence(describe(seed, done, scan_cmd, a, b,
                                              history, log_path,
                                              (oracle, target)))
                history.append((done, scan_cmd))
                done += 1
            del history[:-50]
            if done >= next_digest and not in_tx:
                compare_digests(oracle, target, seed, done, log_path)
                next_digest += DIGEST_EVERY
        if in_tx:
            # The run ended inside a transaction: close it the same way on both.
            log.write(repr([b"DISCARD"]) + "\n")
            if run_batch(oracle, [[b"DISCARD"]]) != run_batch(target, [[b"DISCARD"]]):
                raise AssertionError("DISCARD at the end of the run answered differently")
    compare_digests(oracle, target, seed, done, log_path)
    return done


def _env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value else default


@pytest.mark.slow
def test_random_commands_match_the_oracle(server_factory, oracle_factory,
                                          tmp_path):
    seed = _env_int("DIFF_SEED", random.SystemRandom().randrange(1 << 32))
    total = _env_int("DIFF_COMMANDS", 20000)
    batch = max(1, _env_int("DIFF_BATCH", 64))
    oracle_srv = oracle_factory(extra_args=["--repl-diskless-sync-delay", "0"])
    target_srv = server_factory(extra_args=["--repl-diskless-sync-delay", "0"])
    # Each side has a replica following the whole run: replication must carry
    # every command of the mix. The oracle's replica is a real redis-server.
    oracle_replica = _follow(oracle_factory(), oracle_srv)
    target_replica = _follow(server_factory(), target_srv)
    log_path = tmp_path / "commands.log"
    with oracle_srv.raw(timeout_s=60) as a, target_srv.raw(timeout_s=60) as b:
        print(f"differential: seed={seed} commands={total} log={log_path}")
        ran = run_differential(a, b, seed, total, batch, log_path)
        assert ran == total
        # The run really exercised the keyspace.
        assert a.command(b"DEBUG", b"DIGEST") == b.command(b"DEBUG", b"DIGEST")
        # Nothing expires on the primaries from here on, so every dataset
        # stays still once the replicas have their primary's offset.
        for conn in (a, b):
            conn.command(b"DEBUG", b"SET-ACTIVE-EXPIRE", b"0")
        oracle_digest = _caught_up_digest(oracle_replica, oracle_srv)
        target_digest = _caught_up_digest(target_replica, target_srv)
    # The replica must hold what a Redis replica holds, which is not always
    # its primary's data: Redis 7.0 itself diverges where a value's encoding
    # differs on the two nodes (SORT turns a zset into a skiplist on the
    # primary only, and a listpack stores a -0 score as 0, a skiplist keeps
    # -0). Where Redis's pair agrees, so must replikv's.
    assert target_digest == oracle_digest, (
        f"seed={seed}: the target's replica differs from redis-server's replica")


def _follow(replica_srv, primary_srv):
    rc = replica_srv.client()
    rc.execute_command("REPLICAOF", "127.0.0.1", primary_srv.port)
    wait_for(lambda: rc.info("replication")["master_link_status"] == "up",
             60, "the replica linked")
    return replica_srv


def _caught_up_digest(replica_srv, primary_srv):
    """The replica's DEBUG DIGEST once it has its primary's offset."""
    rc, pc = replica_srv.client(), primary_srv.client()
    wait_for(lambda: rc.info("replication")["master_repl_offset"] ==
             pc.info("replication")["master_repl_offset"], 60,
             "the replica at its primary's offset")
    digest = rc.execute_command("DEBUG", "DIGEST")
    return digest.decode() if isinstance(digest, bytes) else digest


def test_generator_is_deterministic_for_a_seed():
    g1, g2 = Generator(1234), Generator(1234)
    assert [g1.next() for _ in range(500)] == [g2.next() for _ in range(500)]
    g3 = Generator(99)
    assert [g3.next() for _ in range(50)] != [Generator(1234).next()
                                              for _ in range(50)]


def test_normalisation_rules():
    assert same([b"TTL", b"k"], 100, 101)
    assert not same([b"TTL", b"k"], 100, 110)
    assert not same([b"TTL", b"k"], -1, 5)
    assert not same([b"PTTL", b"k"], -2, -1)
    assert same([b"PTTL", b"k"], 100000, 99000)
    assert same([b"KEYS", b"*"], [b"a", b"b"], [b"b", b"a"])
    assert same([b"RANDOMKEY"], b"a", b"b")
    assert not same([b"RANDOMKEY"], b"a", None)
    assert not same([b"GET", b"k"], b"1", b"2")
    assert not same([b"GET", b"k"], RespError("ERR x"), RespError("ERR y"))


def test_a_behaviour_difference_is_detected(oracle_factory, tmp_path):
    """Self-check of the comparison: a server whose OBJECT FREQ answers
    differently (LFU policy) must be reported, with the command."""
    plain = oracle_factory()
    lfu = oracle_factory(extra_args=["--maxmemory-policy", "allkeys-lfu"])
    with plain.raw() as a, lfu.raw() as b:
        with pytest.raises(Divergence) as info:
            run_differential(a, b, 7, 20000, 64, tmp_path / "commands.log")
    text = str(info.value)
    assert "DIFF_SEED=7" in text and "FREQ" in text
