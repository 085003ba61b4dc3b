"""Geo commands (GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH GEOSEARCHSTORE and
the deprecated GEORADIUS family): replies, error texts, encodings, the
propagated forms and RDB interop exactly as redis-server 7.0.15.

A geo set is a sorted set of 52-bit geohash scores, so the scores, the
coordinates decoded from them (17 decimals), the distances (4 decimals,
Redis's fixed-point rounding), the order of unsorted results (Redis's nine
cells, in its order) and the order of members at equal distances (its
partial quicksort under COUNT) are all compared with the oracle.
"""

import random
import shutil
from pathlib import Path

from harness import RespError, encode_command, wait_for

SYNTAX = RespError("ERR syntax error")
NOT_FLOAT = RespError("ERR value is not a valid float")
NOT_INT = RespError("ERR value is not an integer or out of range")
WRONGTYPE = RespError("WRONGTYPE Operation against a key holding the wrong kind of value")
BAD_UNIT = RespError("ERR unsupported unit provided. please use M, KM, FT, MI")
NO_MEMBER = RespError("ERR could not decode requested zset member")

SICILY = ["13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"]
PALERMO_POS = [b"13.36138933897018433", b"38.11555639549629859"]
CATANIA_POS = [b"15.08726745843887329", b"37.50266842333162032"]


def arity(cmd):
    return RespError(f"ERR wrong number of arguments for '{cmd}' command")


def test_geoadd_scores_and_geopos_decodes_them(raw):
    assert raw.command("GEOADD", "g", *SICILY) == 2
    assert raw.command("ZRANGE", "g", "0", "-1", "WITHSCORES") == [
        b"Palermo", b"3479099956230698", b"Catania", b"3479447370796909"]
    assert raw.command("GEOPOS", "g", "Palermo", "nope", "Catania") == [PALERMO_POS, None, CATANIA_POS]
    assert raw.command("GEOPOS", "nokey", "a", "b") == [None, None]
    assert raw.command("GEOHASH", "g", "Palermo", "Catania", "nope") == [
        b"sqc8b49rny0", b"sqdtr74hyu0", None]
    assert raw.command("GEOHASH", "nokey", "a") == [None]
    assert raw.command("TYPE", "g") == "zset"
    assert raw.command("OBJECT", "ENCODING", "g") == b"listpack"


def test_geoadd_edges_of_the_world(raw):
    # The extreme coordinates encode past the 52 bits (as Redis's do) and
    # decode back clamped.
    assert raw.command("GEOADD", "g", "180", "85.05112878", "ne", "-180", "-85.05112878", "sw",
                       "0", "0", "origin", "-0.0000001", "0.0000001", "near") == 4
    assert raw.command("ZMSCORE", "g", "ne", "sw", "origin", "near") == [
        b"13510798882111488", b"0", b"3377699720527872", b"1876499844737706"]
    assert raw.command("GEOPOS", "g", "ne", "sw", "origin") == [
        [b"180", b"85.0511287799999991"], [b"-179.99999731779098511", b"-85.05112751263942528"],
        [b"0.00000268220901489", b"0.00000126736058093"]]
    assert raw.command("GEOHASH", "g", "ne", "sw", "origin") == [b"bp05b5048p0", b"00bh0hbj200", b"s0000000000"]


def test_geoadd_options(raw):
    raw.command("GEOADD", "g", *SICILY)
    assert raw.command("GEOADD", "g", *SICILY) == 0
    assert raw.command("GEOADD", "g", "CH", "13.5", "38.1", "Palermo", "1", "1", "x") == 2
    assert raw.command("GEOADD", "g", "NX", "10", "10", "Palermo", "2", "2", "y") == 1
    assert raw.command("GEOPOS", "g", "Palermo")[0][0] == b"13.50000053644180298"
    assert raw.command("GEOADD", "g", "XX", "CH", "3", "3", "y", "4", "4", "zz") == 1
    assert raw.command("GEOPOS", "g", "zz") == [None]
    assert raw.command("GEOADD", "nokey", "XX", "1", "1", "a") == 0
    assert raw.command("EXISTS", "nokey") == 0
    assert raw.command("GEOADD", "g", "xx", "ch", "nx", "1", "1", "a") == SYNTAX


def test_geoadd_errors(raw):
    assert raw.command("GEOADD", "g", "1", "2") == arity("geoadd")
    assert raw.command("GEOADD", "g", "1", "2", "a", "3") == SYNTAX
    assert raw.command("GEOADD", "g", "NX", "XX", "1", "2", "a") == SYNTAX
    assert raw.command("GEOADD", "g", "CH", "CH", "CH") == SYNTAX
    assert raw.command("GEOADD", "g", "GT", "1", "2", "a") == SYNTAX
    assert raw.command("GEOADD", "g", "x", "2", "a") == NOT_FLOAT
    assert raw.command("GEOADD", "g", "1", "nan", "a") == NOT_FLOAT
    assert raw.command("GEOADD", "g", "200", "100", "a") == RespError(
        "ERR invalid longitude,latitude pair 200.000000,100.000000")
    assert raw.command("GEOADD", "g", "inf", "1", "a") == RespError(
        "ERR invalid longitude,latitude pair inf,1.000000")
    assert raw.command("GEOADD", "g", "1", "-85.06", "a") == RespError(
        "ERR invalid longitude,latitude pair 1.000000,-85.060000")
    # All or nothing: a bad pair later in the list adds nothing.
    assert raw.command("GEOADD", "g", "1", "1", "a", "1", "91", "b") == RespError(
        "ERR invalid longitude,latitude pair 1.000000,91.000000")
    assert raw.command("EXISTS", "g") == 0
    raw.command("SET", "s", "x")
    assert raw.command("GEOADD", "s", "1", "1", "a") == WRONGTYPE
    for cmd in ("GEOPOS", "GEOHASH"):
        assert raw.command(cmd, "s", "a") == WRONGTYPE
    assert raw.command("GEODIST", "s", "a", "b") == WRONGTYPE


def test_geodist_units(raw):
    raw.command("GEOADD", "g", *SICILY)
    assert raw.command("GEODIST", "g", "Palermo", "Catania") == b"166274.1516"
    assert raw.command("GEODIST", "g", "Palermo", "Catania", "km") == b"166.2742"
    assert raw.command("GEODIST", "g", "Palermo", "Catania", "KM") == b"166.2742"
    assert raw.command("GEODIST", "g", "Palermo", "Catania", "mi") == b"103.3182"
    assert raw.command("GEODIST", "g", "Palermo", "Catania", "ft") == b"545518.8700"
    assert raw.command("GEODIST", "g", "Palermo", "Palermo") == b"0.0000"
    assert raw.command("GEODIST", "g", "Palermo", "nope") is None
    assert raw.command("GEODIST", "nokey", "a", "b") is None
    # The unit is checked first, even for a missing key.
    assert raw.command("GEODIST", "nokey", "a", "b", "parsec") == BAD_UNIT
    assert raw.command("GEODIST", "g", "a", "b", "km", "x") == SYNTAX
    assert raw.command("GEODIST", "g", "a") == arity("geodist")


def test_geodist_on_one_meridian_and_rounding(raw):
    # Same longitude: Redis's latitude-only shortcut; a distance on the
    # rounding boundary of the fourth decimal: its fixed-point rounding.
    raw.command("GEOADD", "g", "10", "10", "a", "10", "40", "b", "15.55000215768814087",
                "52.17436195855819392", "c")
    assert raw.command("GEODIST", "g", "a", "b") == b"3336788.8868"
    assert raw.command("GEORADIUS_RO", "g", "161.03", "-61.048789", "72494257.97127126", "ft",
                       "WITHDIST", "DESC", "COUNT", "1") == [[b"c", b"58149815.4162"]]


def test_geosearch_reply_shapes(raw):
    raw.command("GEOADD", "g", *SICILY)
    assert raw.command("GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km", "WITHDIST",
                       "WITHCOORD", "WITHHASH") == [
        [b"Palermo", b"0.0000", 3479099956230698, PALERMO_POS],
        [b"Catania", b"166.2742", 3479447370796909, CATANIA_POS]]
    assert raw.command("GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "ASC",
                       "WITHDIST") == [[b"Catania", b"56.4413"], [b"Palermo", b"190.4424"]]
    assert raw.command("GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "100", "km") == [b"Catania"]
    assert raw.command("GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "DESC",
                       "COUNT", "1") == [b"Palermo"]
    assert raw.command("GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km",
                       "COUNT", "1", "ANY") == [b"Palermo"]
    assert raw.command("GEOSEARCH", "nokey", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km") == []
    assert raw.command("GEOSEARCH", "nokey", "FROMMEMBER", "x", "BYRADIUS", "1", "km") == []
    assert raw.command("GEORADIUS", "g", "15", "37", "200", "km", "ASC") == [b"Catania", b"Palermo"]
    assert raw.command("GEORADIUSBYMEMBER", "g", "Palermo", "100", "km") == [b"Palermo"]
    assert raw.command("GEORADIUSBYMEMBER_RO", "g", "Catania", "1", "m", "WITHCOORD") == [
        [b"Catania", CATANIA_POS]]
    # No source key: the member and the radius are not even parsed.
    assert raw.command("GEORADIUSBYMEMBER", "nokey", "m", "-5", "parsec") == []


def test_geosearch_errors(raw):
    raw.command("GEOADD", "g", *SICILY)
    cases = [
        (("GEOSEARCH", "g", "BYBOX", "1", "1", "km", "ASC"),
         RespError("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH")),
        (("geosearch", "g", "FROMMEMBER", "Palermo", "WITHDIST", "ASC", "WITHHASH"),
         RespError("ERR exactly one of BYRADIUS and BYBOX can be specified for geosearch")),
        (("GEOSEARCH", "g", "FROMMEMBER", "nosuch", "BYRADIUS", "1", "km"), NO_MEMBER),
        (("GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "-1", "km"),
         RespError("ERR radius cannot be negative")),
        (("GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "x", "km"), RespError("ERR need numeric radius")),
        (("GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYBOX", "x", "1", "km"), RespError("ERR need numeric width")),
        (("GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYBOX", "1", "x", "km"), RespError("ERR need numeric height")),
        (("GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYBOX", "1", "-1", "km"),
         RespError("ERR height or width cannot be negative")),
        (("GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYBOX", "1", "1", "yd"), BAD_UNIT),
        (("GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "ANY"),
         RespError("ERR the ANY argument requires COUNT argument")),
        (("GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "COUNT", "0"),
         RespError("ERR COUNT must be > 0")),
        (("GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "COUNT", "x"), NOT_INT),
        (("GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "COUNT"), SYNTAX),
        (("GEOSEARCH", "g", "FROMMEMBER", "Palermo", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"), SYNTAX),
        (("GEOSEARCH", "g", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "BYBOX", "1", "1", "km"), SYNTAX),
        (("GEOSEARCH", "g", "FROMLONLAT", "1", "95", "BYRADIUS", "1", "km"),
         RespError("ERR invalid longitude,latitude pair 1.000000,95.000000")),
        (("GEOSEARCH", "g", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "STORE", "d"), SYNTAX),
        (("GEOSEARCH", "g", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "STOREDIST"), SYNTAX),
        (("GEOSEARCHSTORE", "d", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "WITHDIST"),
         RespError("ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options")),
        (("GEORADIUS", "g", "15", "37", "200", "km", "STORE", "d", "WITHCOORD"),
         RespError("ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options")),
        (("GEORADIUS_RO", "g", "15", "37", "200", "km", "STORE", "d"), SYNTAX),
        (("GEORADIUS", "g", "15", "37", "200", "km", "FROMMEMBER", "Palermo"), SYNTAX),
        (("GEORADIUS", "g", "15", "37", "200", "furlong"), BAD_UNIT),
        (("GEORADIUS", "g", "x", "37", "200", "km"), NOT_FLOAT),
        (("GEORADIUSBYMEMBER", "g", "nosuch", "200", "km"), NO_MEMBER),
        (("GEOSEARCH", "g", "FROMMEMBER", "Palermo"), arity("geosearch")),
        (("GEOSEARCHSTORE", "d", "g", "FROMMEMBER", "Palermo"), arity("geosearchstore")),
        (("GEORADIUS", "g", "1", "2", "3"), arity("georadius")),
    ]
    mismatches = [(cmd, got, want) for cmd, want in cases if (got := raw.command(*cmd)) != want]
    assert not mismatches, mismatches
    raw.command("SET", "s", "x")
    assert raw.command("GEOSEARCH", "s", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km") == WRONGTYPE
    # The type is checked before anything else.
    assert raw.command("GEORADIUS", "s", "x", "x", "x", "x") == WRONGTYPE


def test_geosearchstore_and_georadius_store(raw):
    raw.command("GEOADD", "g", *SICILY)
    assert raw.command("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km",
                       "ASC") == 2
    assert raw.command("ZRANGE", "d", "0", "-1", "WITHSCORES") == [
        b"Palermo", b"3479099956230698", b"Catania", b"3479447370796909"]
    assert raw.command("OBJECT", "ENCODING", "d") == b"listpack"
    assert raw.command("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km",
                       "ASC", "COUNT", "1", "STOREDIST") == 1
    assert raw.command("ZRANGE", "d", "0", "-1", "WITHSCORES") == [b"Catania", b"56.441257870158204"]
    raw.command("PEXPIRE", "d", "100000")
    assert raw.command("GEORADIUS", "g", "15", "37", "200", "km", "STOREDIST", "d") == 2
    assert raw.command("PTTL", "d") == -1  # the stored key replaces the old one, TTL and all
    assert raw.command("GEORADIUSBYMEMBER", "g", "Palermo", "10", "km", "STORE", "d2") == 1
    assert raw.command("ZRANGE", "d2", "0", "-1") == [b"Palermo"]
    # Nothing found, or no source: the destination goes.
    assert raw.command("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m") == 0
    assert raw.command("EXISTS", "d") == 0
    assert raw.command("GEORADIUS", "nokey", "0", "0", "1", "m", "STORE", "d2") == 0
    assert raw.command("EXISTS", "d2") == 0
    # The source may be the destination.
    assert raw.command("GEOSEARCHSTORE", "g", "g", "FROMMEMBER", "Catania", "BYRADIUS", "1", "km") == 1
    assert raw.command("ZRANGE", "g", "0", "-1") == [b"Catania"]


def test_geo_set_encodings(raw):
    args = []
    for i in range(128):
        args += [str(-170 + i), str(-80 + i * 0.5), f"m{i}"]
    raw.command("GEOADD", "g", *args)
    assert raw.command("OBJECT", "ENCODING", "g") == b"listpack"
    raw.command("GEOADD", "g", "1", "1", "one-more")
    assert raw.command("OBJECT", "ENCODING", "g") == b"skiplist"
    raw.command("GEOADD", "h", "1", "1", "x" * 65)
    assert raw.command("OBJECT", "ENCODING", "h") == b"skiplist"
    assert raw.command("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "20000", "km") == 129
    assert raw.command("OBJECT", "ENCODING", "d") == b"skiplist"


# --------------------------------------------------------- side by side


def geo_commands(seed, n):
    """A seeded mix of every geo command and option, with clustered points
    (ties, cell edges), points at the poles' limits and the antimeridian,
    radii from 0 to beyond the earth, and sets on both sides of the
    listpack/skiplist threshold."""
    rnd = random.Random(seed)
    members = [f"m{i}" for i in range(300)]
    keys = ["g1", "g2", "g3"]

    def coord():
        r = rnd.random()
        if r < 0.5:
            lon = rnd.choice([13.36, -0.1, 179.99, -179.99, 0.0, 100.5]) + rnd.uniform(-0.5, 0.5)
            lat = rnd.choice([38.1, 51.5, 0.0, -33.9, 84.9, -84.9, 70.0, -81.0]) + rnd.uniform(-0.5, 0.5)
            return min(180, max(-180, lon)), min(85.05112878, max(-85.05112878, lat))
        if r < 0.6:
            return rnd.choice([180, -180, 0, 13.5]), rnd.choice([85.05112878, -85.05112878, 0, 10.25])
        return rnd.uniform(-180, 180), rnd.uniform(-85.05112878, 85.05112878)

    def fmt(x):
        return rnd.choice(["%.6f", "%.10f", "%r", "%.2f"]) % x

    out = []
    for _ in range(n):
        r = rnd.random()
        k = rnd.choice(keys)
        if r < 0.35:
            cmd = ["GEOADD", k] + [o for o in ("NX", "XX", "CH") if rnd.random() < 0.05]
            for _ in range(rnd.choice([1, 2, 5, 50]) if rnd.random() < 0.9 else 150):
                lon, lat = coord()
                cmd += [fmt(lon), fmt(lat), rnd.choice(members)]
            out.append(cmd)
            continue
        if r < 0.4:
            out.append(["GEOPOS", k] + rnd.sample(members, 3))
            continue
        if r < 0.45:
            out.append(["GEOHASH", k] + rnd.sample(members, 3))
            continue
        if r < 0.5:
            out.append(["GEODIST", k, rnd.choice(members), rnd.choice(members)] +
                       ([rnd.choice(["m", "km", "ft", "mi", "KM"])] if rnd.random() < 0.7 else []))
            continue
        if r < 0.52:
            out.append(["ZREM", k] + rnd.sample(members, 5))
            continue
        kind = rnd.choice(["GEOSEARCH", "GEOSEARCHSTORE", "GEORADIUS", "GEORADIUSBYMEMBER", "GEORADIUS_RO"])
        unit = rnd.choice(["m", "km", "mi", "ft"])
        scale = {"m": 1, "km": 1000, "mi": 1609.34, "ft": 0.3048}[unit]
        dist = rnd.choice([0, 1, 100, 1000, 10000, 50000, 200000, 10**6, 5 * 10**6, 2 * 10**7, 4 * 10**7]) \
            * rnd.uniform(0.5, 1.5) / scale
        lon, lat = coord()
        opts = [o for o, p in (("WITHDIST", 0.3), ("WITHCOORD", 0.2), ("WITHHASH", 0.2)) if rnd.random() < p]
        s = rnd.random()
        opts += ["ASC"] if s < 0.3 else ["DESC"] if s < 0.5 else []
        if rnd.random() < 0.4:
            if rnd.random() < 0.3:
                opts.append("ANY")
            rnd.shuffle(opts)
            opts += ["COUNT", str(rnd.choice([1, 2, 3, 5, 10, 50]))]
        else:
            rnd.shuffle(opts)
        if kind in ("GEOSEARCH", "GEOSEARCHSTORE"):
            frm = ["FROMMEMBER", rnd.choice(members)] if rnd.random() < 0.4 else ["FROMLONLAT", fmt(lon), fmt(lat)]
            if rnd.random() < 0.5:
                by = ["BYRADIUS", repr(dist), unit]
            else:
                by = ["BYBOX", repr(dist * rnd.uniform(0.3, 2)), repr(dist * rnd.uniform(0.3, 2)), unit]
            if kind == "GEOSEARCHSTORE":
                opts = [o for o in opts if not o.startswith("WITH")] + (["STOREDIST"] if rnd.random() < 0.4 else [])
                out.append(["GEOSEARCHSTORE", rnd.choice(keys + ["dst"]), k] + frm + by + opts)
            else:
                out.append(["GEOSEARCH", k] + frm + by + opts)
            continue
        if kind == "GEORADIUSBYMEMBER":
            cmd = [kind, k, rnd.choice(members), repr(dist), unit]
        else:
            cmd = [kind, k, fmt(lon), fmt(lat), repr(dist), unit]
        if kind != "GEORADIUS_RO" and rnd.random() < 0.2:
            opts = [o for o in opts if not o.startswith("WITH")] + [rnd.choice(["STORE", "STOREDIST"]),
                                                                  rnd.choice(["dst", "g3"])]
        out.append(cmd + opts)
    return out


def test_replies_match_the_oracle(server, oracle_factory):
    oracle = oracle_factory()
    mismatches = []
    with server.raw() as ours, oracle.raw() as theirs:
        for i, cmd in enumerate(geo_commands(seed=20260101, n=3000)):
            a, b = ours.command(*cmd), theirs.command(*cmd)
            if a != b:
                mismatches.append((cmd, a, b))
            if i % 250 == 0:
                assert ours.command("DEBUG", "DIGEST") == theirs.command("DEBUG", "DIGEST"), cmd
        assert ours.command("DEBUG", "DIGEST") == theirs.command("DEBUG", "DIGEST")
        # Ties under every sort and COUNT (see test_equal_distances_keep_redis_order).
        rng = random.Random(3)
        args = []
        for i in range(200):
            lon, lat = rng.choice([(1.0, 1.0), (1.001, 1.0), (0.999, 1.0), (1.0, 1.001), (1.0, 0.999)])
            args += [repr(lon), repr(lat), f"t{i}"]
        for c in (ours, theirs):
            c.command("GEOADD", "ties", *args)
        for count in ("1", "7", "8", "41", "60", "150", "199", "200"):
            for order in ([], ["ASC"], ["DESC"], ["ANY"], ["ANY", "DESC"]):
                cmd = ["GEOSEARCH", "ties", "FROMLONLAT", "1", "1", "BYRADIUS", "500", "km", "COUNT", count, *order]
                a, b = ours.command(*cmd), theirs.command(*cmd)
                if a != b:
                    mismatches.append((cmd, a, b))
    assert not mismatches, mismatches[:5]


# --------------------------------------------------------- propagation


def incr_aof(srv):
    files = sorted(Path(srv.dir, "appendonlydir").glob("*.incr.aof"))
    return files[0].read_bytes() if len(files) == 1 else b""


AOF_SCENARIO = [
    ("GEOADD", "g", *SICILY),
    ("GEOADD", "g", *SICILY),  # no change: not propagated
    ("GEOADD", "g", "CH", "XX", "13.5", "38.1", "Palermo", "1", "1", "new"),
    ("GEOADD", "g", "1", "200", "bad"),
    ("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC"),
    ("geosearchstore", "d", "nokey", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"),
    ("GEOSEARCHSTORE", "d", "nokey", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"),  # nothing to delete
    ("GEORADIUS", "g", "15", "37", "200", "km", "STOREDIST", "d2", "COUNT", "1"),
    ("GEORADIUS_RO", "g", "15", "37", "200", "km"),
    ("GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"),
    ("SET", "end", "1"),
]


def test_propagated_forms_match_the_oracle(server_factory, oracle_factory, target):
    args = ["--appendonly", "yes", "--appendfsync", "always"]
    srv = server_factory(extra_args=args)
    with srv.raw() as c:
        ours = [c.command(*cmd) for cmd in AOF_SCENARIO]
    expected = (encode_command("SELECT", "0") +
                encode_command("zadd", "g", "3479099956230698", "Palermo", "3479447370796909", "Catania") +
                encode_command("zadd", "g", "CH", "XX", "3479100566894653", "Palermo", "3377822707026402", "new") +
                encode_command(*AOF_SCENARIO[4]) + encode_command(*AOF_SCENARIO[5]) +
                encode_command(*AOF_SCENARIO[7]) + encode_command("SET", "end", "1"))
    wait_for(lambda: incr_aof(srv).endswith(encode_command("SET", "end", "1")), 10, "the AOF to be written")
    assert incr_aof(srv) == expected
    if target != "redis":
        oracle = oracle_factory(extra_args=args)
        with oracle.raw() as c:
            assert [c.command(*cmd) for cmd in AOF_SCENARIO] == ours


# --------------------------------------------------------- RDB interop


def fill_geo(c):
    c.command("GEOADD", "small", *SICILY)
    args = []
    rng = random.Random(11)
    for i in range(400):
        args += [repr(rng.uniform(-180, 180)), repr(rng.uniform(-85, 85)), f"p{i}"]
    c.command("GEOADD", "big", *args)
    c.command("GEOADD", "poles", "180", "85.05112878", "ne", "-180", "-85.05112878", "sw")


def geo_answers(c):
    out = [c.command("DEBUG", "DIGEST"), c.command("OBJECT", "ENCODING", "small"),
           c.command("OBJECT", "ENCODING", "big")]
    out.append(c.command("GEOPOS", "big", *[f"p{i}" for i in range(0, 400, 7)]))
    out.append(c.command("GEOPOS", "poles", "ne", "sw"))
    out.append(c.command("GEOHASH", "big", "p1", "p2", "p3"))
    for lon, lat in ((0, 0), (13, 38), (-120, 45), (179, -60)):
        out.append(c.command("GEOSEARCH", "big", "FROMLONLAT", str(lon), str(lat), "BYRADIUS", "3000", "km",
                             "WITHDIST", "WITHCOORD", "WITHHASH"))
        out.append(c.command("GEOSEARCH", "big", "FROMLONLAT", str(lon), str(lat), "BYBOX", "5000", "2000", "km",
                             "DESC", "COUNT", "7"))
    out.append(c.command("GEODIST", "small", "Palermo", "Catania", "mi"))
    return out


def test_geo_sets_saved_by_the_oracle_load_here(server_factory, oracle_factory):
    oracle = oracle_factory()
    with oracle.raw() as c:
        fill_geo(c)
        expected = geo_answers(c)
        assert c.command("SAVE") == "OK"
    srv = server_factory(start=False)
    shutil.copy(oracle.dir / "dump.rdb", srv.dir / "dump.rdb")
    srv.start()
    with srv.raw() as c:
        assert geo_answers(c) == expected
