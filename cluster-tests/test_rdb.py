"""RDB snapshots at process level: SAVE, BGSAVE, save points, CONFIG knobs,
interop of the files with the real redis-server 7.0 both ways, damaged
files at start-up, loading with -LOADING, DEBUG RELOAD.

Every test runs against both targets; the interop tests pair the target with
the real redis-server (the oracle), so on the [redis] run they check Redis
against itself and validate the test. Waits poll with a deadline (server
clock, INFO fields, the log), never fixed sleeps. Kill -9 and SHUTDOWN
tests are in test_rdb_crash.py.
"""

import random
import re
import shutil
import subprocess
import time

import pytest

import harness
from harness import RespError, info_fields, wait_for

# Values that Redis stores as integers, and look-alikes that it must not.
INT_VALUES = ["0", "1", "-1", "127", "-128", "255", "32767", "-32768",
              "65535", "2147483647", "-2147483648", "2147483648",
              "4294967296", "9223372036854775807", "-9223372036854775808"]
NOT_INT_VALUES = ["007", "+5", "-0", "1.5", " 1", "1 ", "0x10",
                  "9223372036854775808", "12345678901234567890123"]
BINARY_KEYS = [b"", b"\x00", b"\xff\xfe\r\n", b"bin\x00key", b"sp ace"]
TTL_KEYS = 20
DBS = (0, 1, 9, 15)
IMMUTABLE_CHECKSUM = RespError(
    "ERR CONFIG SET failed (possibly related to argument 'rdbchecksum') - "
    "can't set immutable config")


# ------------------------------------------------------------------ helpers


def info(c, section="persistence"):
    return info_fields(c.command("INFO", section))


def fill_strings(c, seed=1, populate=3000, dbs=DBS):
    """Writes strings of every RDB encoding into several dbs: int-encoded,
    embstr (<= 44 bytes), raw, big LZF-compressible and incompressible
    values, binary and empty keys, an empty value, keys with TTLs."""
    rng = random.Random(seed)
    cmds = []
    for db in dbs:
        cmds.append(("SELECT", db))
        for v in INT_VALUES + NOT_INT_VALUES:
            cmds.append(("SET", f"int:{v}", v))
        for n in (1, 2, 10, 20, 43, 44, 45, 64, 100, 1000, 20000):
            text = "".join(rng.choice("abcdefghij") for _ in range(n))
            cmds.append(("SET", f"str:{n}", text))
        cmds.append(("SET", "lzf:a", "a" * 100000))
        cmds.append(("SET", "lzf:pattern", f"pattern-{db}-" * 8000))
        cmds.append(("SET", "noise:small", rng.randbytes(300)))
        cmds.append(("SET", "noise:big", rng.randbytes(100000)))
        for i, k in enumerate(BINARY_KEYS):
            cmds.append(("SET", k, b"binary value %d \x00\xff" % i))
        cmds.append(("SET", "empty", ""))
        for i in range(TTL_KEYS):
            cmds.append(("SET", f"ttl:{i}", f"v{i}", "PX", 3600000 + i * 1000))
        cmds.append(("SET", "ttl:exat", "v", "EXAT", int(time.time()) + 86400))
    cmds.append(("SELECT", 0))
    replies = c.pipeline(cmds)
    assert all(r == "OK" for r in replies), replies
    if populate:
        assert c.command("DEBUG", "POPULATE", populate, "pop", 24) == "OK"


def keyspace(c):
    """{db: (keys, expires)} from INFO keyspace (avg_ttl left out: it moves)."""
    out = {}
    for db, v in info(c, "keyspace").items():
        fields = dict(kv.split("=") for kv in v.split(","))
        out[db] = (int(fields["keys"]), int(fields["expires"]))
    return out


def dataset_state(c):
    return {"digest": c.command("DEBUG", "DIGEST"), "keyspace": keyspace(c)}


def ttl_map(c, dbs=DBS):
    """{(db, key): PTTL} of the TTL keys fill_strings wrote."""
    out = {}
    for db in dbs:
        keys = [f"ttl:{i}" for i in range(TTL_KEYS)] + ["ttl:exat"]
        replies = c.pipeline([("SELECT", db)] + [("PTTL", k) for k in keys])
        out.update({(db, k): v for k, v in zip(keys, replies[1:])})
    c.command("SELECT", 0)
    return out


def assert_ttls_kept(before, after, elapsed_ms):
    assert before.keys() == after.keys()
    for k, ttl in before.items():
        assert ttl > 0, (k, ttl)
        # The TTL ran down by the time that passed, never up; 1 s of slack
        # for ms rounding and the save/restart itself.
        assert ttl - elapsed_ms - 1000 <= after[k] <= ttl, (k, ttl, after[k])


def wait_bgsave_done(c, timeout_s=60):
    wait_for(lambda: info(c)["rdb_bgsave_in_progress"] == "0", timeout_s,
             "the background save to finish")


def server_ms(c):
    sec, usec = c.command("TIME")
    return int(sec) * 1000 + int(usec) // 1000


def wait_server_second_after(c, unix_s, timeout_s=5):
    """Polls TIME until the server clock is well into a second after unix_s.
    Redis stamps LASTSAVE from a clock it caches once per event-loop tick
    (up to 100 ms at hz 10), so the real clock must be 250 ms past."""
    deadline_ms = (unix_s + 1) * 1000 + 250
    wait_for(lambda: server_ms(c) > deadline_ms, timeout_s,
             f"the server clock to pass {deadline_ms} ms")


def restart(srv):
    srv.stop()
    srv.start()


def run_checker(kind, path):
    return subprocess.run([harness.check_rdb_binary(kind), str(path)],
                          capture_output=True, text=True, timeout=60)


def first_reply(srv, *command):
    """The reply to one command on a fresh connection, or None when the
    server does not accept or answer yet."""
    try:
        with srv.raw(timeout_s=2) as c:
            return c.command(*command)
    except (OSError, harness.ConnectionClosed):
        return None


# ------------------------------------------------------- SAVE and restart


def test_save_then_restart_keeps_dataset_and_ttls(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        fill_strings(c)
        before = dataset_state(c)
        ttls = ttl_map(c)
        t0 = time.monotonic()
        assert c.command("SAVE") == "OK"
    total = sum(k for k, _ in before["keyspace"].values())
    restart(srv)
    with srv.raw() as c:
        assert dataset_state(c) == before
        assert_ttls_kept(ttls, ttl_map(c), (time.monotonic() - t0) * 1000)
        f = info(c)
        assert int(f["rdb_last_load_keys_loaded"]) == total
        assert f["rdb_last_load_keys_expired"] == "0"
        assert f["loading"] == "0"
        assert c.command("GET", "lzf:a") == b"a" * 100000
        assert c.command("GET", b"\xff\xfe\r\n") == b"binary value 2 \x00\xff"
        assert c.command("GET", "int:-9223372036854775808") == b"-9223372036854775808"
        assert c.command("GET", "int:007") == b"007"
    assert "DB loaded from disk" in srv.log_text()


def test_keys_expired_in_the_file_are_not_loaded(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        cmds = [("SET", f"short:{i}", "v", "PX", 300) for i in range(10)]
        cmds += [("SET", f"keep:{i}", "v") for i in range(5)]
        cmds += [("SET", "long", "v", "EX", 3600)]
        assert c.pipeline(cmds) == ["OK"] * len(cmds)
        expire_at_ms = max(c.pipeline(
            [("PEXPIRETIME", f"short:{i}") for i in range(10)]))
        assert c.command("SAVE") == "OK"
    srv.stop()
    wait_for(lambda: time.time() * 1000 > expire_at_ms + 100, 10,
             "the short TTLs to pass")
    srv.start()
    with srv.raw() as c:
        assert c.command("DBSIZE") == 6
        assert c.command("EXISTS", "short:0", "short:9") == 0
        assert c.command("TTL", "long") > 3500
        f = info(c)
        assert f["rdb_last_load_keys_expired"] == "10"
        assert f["rdb_last_load_keys_loaded"] == "6"


def test_save_advances_lastsave_and_resets_the_change_count(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        first = c.command("LASTSAVE")
        assert int(info(c)["rdb_last_save_time"]) == first
        assert c.pipeline([("SET", k, "v") for k in "abc"]) == ["OK"] * 3
        assert info(c)["rdb_changes_since_last_save"] == "3"
        wait_server_second_after(c, first)
        assert c.command("SAVE") == "OK"
        second = c.command("LASTSAVE")
        assert second > first
        f = info(c)
        assert int(f["rdb_last_save_time"]) == second
        assert f["rdb_changes_since_last_save"] == "0"
        assert c.command("SET", "d", "v") == "OK"
        wait_server_second_after(c, second)
        assert c.command("BGSAVE") == "Background saving started"
        wait_bgsave_done(c)
        third = c.command("LASTSAVE")
        assert third > second
        f = info(c)
        assert f["rdb_changes_since_last_save"] == "0"
        assert f["rdb_last_bgsave_status"] == "ok"


def test_flushall_with_save_points_saves_and_leaves_no_changes(server_factory):
    # Redis 7.0 saves the empty dataset and counts nothing since (issue 16,
    # item 4); FLUSHALL still reaches the AOF. Without save points the
    # removed keys are counted.
    srv = server_factory(extra_args=["--save", "3600 1", "--appendonly", "yes"])
    with srv.raw() as c:
        assert c.pipeline([("SET", k, "v") for k in "abc"]) == ["OK"] * 3
        saves = int(info(c)["rdb_saves"])
        assert c.command("FLUSHALL") == "OK"
        f = info(c)
        assert f["rdb_changes_since_last_save"] == "0"
        assert int(f["rdb_saves"]) == saves  # not counted as a save
        assert c.command("FLUSHALL") == "OK"
        assert info(c)["rdb_changes_since_last_save"] == "0"
        wait_for(lambda: info(c)["aof_buffer_length"] == "0", 10, "the AOF write")
        incr = [p for p in (srv.dir / "appendonlydir").iterdir() if p.name.endswith(".incr.aof")]
        assert incr[0].read_bytes().count(b"FLUSHALL") == 2
        assert c.command("CONFIG", "SET", "save", "") == "OK"
        assert c.pipeline([("SET", k, "v") for k in "ab"]) == ["OK"] * 2
        assert c.command("FLUSHALL") == "OK"
        assert info(c)["rdb_changes_since_last_save"] == "4"
        assert c.command("FLUSHALL") == "OK"
        assert info(c)["rdb_changes_since_last_save"] == "4"


# ------------------------------------------------------------------ BGSAVE


def test_bgsave_runs_in_a_child_and_saves_the_moment_of_the_fork(server_factory):
    # rdb-key-save-delay (us per key) keeps the child busy for >= 1 s.
    srv = server_factory(extra_args=["--rdb-key-save-delay", "1000"])
    with srv.raw() as c:
        assert c.command("DEBUG", "POPULATE", 1000) == "OK"
        at_fork = c.command("DEBUG", "DIGEST")
        saves0 = int(info(c)["rdb_saves"])
        forks0 = int(info(c, "stats")["total_forks"])
        log0 = srv.log_size()
        assert c.command("BGSAVE") == "Background saving started"
        f = info(c)
        assert f["rdb_bgsave_in_progress"] == "1"
        assert int(f["rdb_current_bgsave_time_sec"]) >= 0
        busy = RespError("ERR Background save already in progress")
        assert c.command("BGSAVE") == busy
        assert c.command("BGSAVE", "SCHEDULE") == busy
        assert c.command("SAVE") == busy
        # Writes while the child runs: not in the file, still counted.
        assert c.command("SET", "during", "1") == "OK"
        assert c.command("DEL", "key:1") == 1
        assert c.command("DEBUG", "DIGEST") != at_fork
        wait_bgsave_done(c)
        f = info(c)
        assert f["rdb_last_bgsave_status"] == "ok"
        assert f["rdb_current_bgsave_time_sec"] == "-1"
        assert int(f["rdb_last_bgsave_time_sec"]) >= 0
        assert int(f["rdb_saves"]) == saves0 + 1
        assert f["rdb_changes_since_last_save"] == "2"
        stats = info(c, "stats")
        assert int(stats["total_forks"]) == forks0 + 1
        assert int(stats["latest_fork_usec"]) > 0
    log = srv.log_text(log0)
    started = re.search(r"Background saving started by pid (\d+)", log)
    assert started, log
    child = started.group(1)
    assert int(child) != srv.pid
    saved = re.search(rf"^{child}:C .*DB saved on disk$", log, re.M)
    assert saved, log
    done = log.find("Background saving terminated with success")
    assert started.start() < saved.start() < done, log
    restart(srv)
    with srv.raw() as c:
        assert c.command("DEBUG", "DIGEST") == at_fork
        assert c.command("EXISTS", "during") == 0


def test_bgsave_while_an_aof_rewrite_runs_is_refused_or_scheduled(server_factory):
    # rdb-key-save-delay slows the rewrite child too (its RDB preamble).
    srv = server_factory(extra_args=["--rdb-key-save-delay", "1000"])
    with srv.raw() as c:
        assert c.command("DEBUG", "POPULATE", 1000) == "OK"
        digest = c.command("DEBUG", "DIGEST")
        log0 = srv.log_size()
        assert c.command("BGREWRITEAOF") == "Background append only file rewriting started"
        assert c.command("BGSAVE") == RespError(
            "ERR Another child process is active (AOF?): can't BGSAVE right now. "
            "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
        assert c.command("BGSAVE", "SCHEDULE") == "Background saving scheduled"
        wait_for(lambda: "Background saving terminated with success" in srv.log_text(log0),
                 60, "the scheduled BGSAVE to run after the rewrite")
        assert info(c)["rdb_last_bgsave_status"] == "ok"
    log = srv.log_text(log0)
    rewrite_done = log.find("Background AOF rewrite terminated with success")
    assert 0 <= rewrite_done < log.find("Background saving started by pid"), log
    restart(srv)
    with srv.raw() as c:
        assert c.command("DEBUG", "DIGEST") == digest


def test_bgsave_schedule_without_a_child_starts_at_once(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        assert c.command("SET", "k", "v") == "OK"
        assert c.command("BGSAVE", "SCHEDULE") == "Background saving started"
        wait_bgsave_done(c)
        assert info(c)["rdb_last_bgsave_status"] == "ok"
        assert c.command("BGSAVE", "NOW") == RespError("ERR syntax error")
        assert c.command("BGSAVE", "SCHEDULE", "x") == RespError(
            "ERR syntax error")
    assert (srv.dir / "dump.rdb").exists()


# ------------------------------------------------------------- save points


def test_save_point_triggers_a_background_save(server_factory):
    srv = server_factory(extra_args=["--save", "1 1"])
    with srv.raw() as c:
        assert c.command("CONFIG", "GET", "save") == [b"save", b"1 1"]
        saves0 = int(info(c)["rdb_saves"])
        assert c.command("SET", "k", "v") == "OK"
        wait_for(lambda: (int(info(c)["rdb_saves"]) > saves0
                          and info(c)["rdb_bgsave_in_progress"] == "0"),
                 15, "a save point to start a BGSAVE")
        assert info(c)["rdb_changes_since_last_save"] == "0"
    assert "1 changes in 1 seconds. Saving..." in srv.log_text()
    assert "Background saving terminated with success" in srv.log_text()
    assert (srv.dir / "dump.rdb").exists()


def test_config_set_save_takes_effect_and_empty_disables(server_factory):
    srv = server_factory()  # the harness starts it with --save ''
    with srv.raw() as c:
        assert c.command("CONFIG", "GET", "save") == [b"save", b""]
        assert c.command("SET", "a", "v") == "OK"
        assert c.command("CONFIG", "SET", "save", "1 1") == "OK"
        wait_for(lambda: int(info(c)["rdb_saves"]) == 1, 15,
                 "the new save point to fire")
        wait_bgsave_done(c)
        assert c.command("CONFIG", "SET", "save", "") == "OK"
        assert c.command("CONFIG", "GET", "save") == [b"save", b""]
        assert c.command("SET", "b", "v") == "OK"
        # Absence can only be shown by waiting: 3 s of server clock is well
        # past the 1 s point plus the once-per-100-ms cron.
        start = int(c.command("TIME")[0])
        wait_server_second_after(c, start + 2, timeout_s=10)  # >= 3 s
        f = info(c)
        assert f["rdb_saves"] == "1"
        assert f["rdb_changes_since_last_save"] == "1"


# ------------------------------------------------------ CONFIG at run time


def test_config_set_dir_and_dbfilename_apply_to_the_next_save(
        server_factory, target, tmp_path):
    srv = server_factory(extra_args=["--enable-protected-configs", "yes"])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with srv.raw() as c:
        assert c.command("SET", "k", "v") == "OK"
        assert c.command("CONFIG", "SET", "dir", str(tmp_path / "missing")) == RespError(
            "ERR CONFIG SET failed (possibly related to argument 'dir') - "
            "No such file or directory")
        assert c.command("CONFIG", "SET", "dir", str(elsewhere)) == "OK"
        assert c.command("CONFIG", "GET", "dir") == [b"dir", str(elsewhere).encode()]
        assert c.command("BGSAVE") == "Background saving started"
        wait_bgsave_done(c)
        assert (elsewhere / "dump.rdb").exists()
        assert not (srv.dir / "dump.rdb").exists()
        assert c.command("CONFIG", "SET", "dbfilename", "other.rdb") == "OK"
        assert c.command("SAVE") == "OK"
        assert c.command("CONFIG", "SET", "dbfilename", "sub/x.rdb") == RespError(
            "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - "
            "dbfilename can't be a path, just a filename")
    assert (elsewhere / "other.rdb").exists()
    assert run_checker(target, elsewhere / "other.rdb").returncode == 0


def test_config_set_rdbcompression_applies_to_the_next_save(server_factory):
    srv = server_factory()
    path = srv.dir / "dump.rdb"
    with srv.raw() as c:
        assert c.command("SET", "big", "a" * 100000) == "OK"
        assert c.command("SAVE") == "OK"
        compressed = path.stat().st_size
        assert c.command("CONFIG", "SET", "rdbcompression", "no") == "OK"
        assert c.command("SAVE") == "OK"
        plain = path.read_bytes()
        assert c.command("CONFIG", "SET", "rdbcompression", "yes") == "OK"
        assert c.command("SAVE") == "OK"
        again = path.stat().st_size
    assert compressed < 5000 and again < 5000, (compressed, again)
    assert len(plain) > 100000 and b"a" * 100000 in plain
    restart(srv)
    with srv.raw() as c:
        assert c.command("GET", "big") == b"a" * 100000


def test_rdbchecksum_is_set_at_start_and_no_writes_a_zero_footer(
        server_factory, target):
    for setting in ("yes", "no"):
        srv = server_factory(extra_args=["--rdbchecksum", setting])
        with srv.raw() as c:
            assert c.command("CONFIG", "SET", "rdbchecksum", "yes") == IMMUTABLE_CHECKSUM
            assert c.command("SET", "k", "v") == "OK"
            assert c.command("SAVE") == "OK"
        data = (srv.dir / "dump.rdb").read_bytes()
        assert data[-9] == 0xFF  # the EOF opcode, then the 8-byte CRC64
        assert (data[-8:] == bytes(8)) == (setting == "no")
        checked = run_checker(target, srv.dir / "dump.rdb")
        assert checked.returncode == 0, checked.stdout
        restart(srv)
        with srv.raw() as c:
            assert c.command("GET", "k") == b"v"


# ----------------------------------------------------- interop both ways

FORMATS = [("yes", "yes"), ("yes", "no"), ("no", "yes"), ("no", "no")]
FORMAT_IDS = [f"compression-{a}-checksum-{b}" for a, b in FORMATS]


def test_lru_idle_times_survive_a_restart(server_factory, oracle_factory):
    # Under an LRU policy Redis saves each key's idle time (IDLE opcode) and
    # restores it on load; the file stays readable by redis-check-rdb and
    # has the size Redis's own file has for the same data.
    srv = server_factory(extra_args=["--maxmemory-policy", "allkeys-lru"])
    with srv.raw() as c:
        for i in range(20):
            assert c.command("SET", f"k{i}", "v" * 20) == "OK"
        time.sleep(3.1)
        for i in range(10):
            assert c.command("GET", f"k{i}") == b"v" * 20
        assert c.command("SAVE") == "OK"
    size = (srv.dir / "dump.rdb").stat().st_size
    checked = run_checker("redis", srv.dir / "dump.rdb")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    restart(srv)
    with srv.raw() as c:
        assert all(c.command("OBJECT", "IDLETIME", f"k{i}") <= 1 for i in range(10))
        assert all(c.command("OBJECT", "IDLETIME", f"k{i}") >= 3 for i in range(10, 20))
    oracle = oracle_factory(extra_args=["--maxmemory-policy", "allkeys-lru"])
    with oracle.raw() as c:
        for i in range(20):
            assert c.command("SET", f"k{i}", "v" * 20) == "OK"
        assert c.command("SAVE") == "OK"
    # Idle times under 64 s take one byte either way.
    assert (oracle.dir / "dump.rdb").stat().st_size == size


def test_lfu_counters_survive_a_restart(server_factory):
    srv = server_factory(extra_args=["--maxmemory-policy", "allkeys-lfu"])
    with srv.raw() as c:
        assert c.command("SET", "hot", "value") == "OK"
        assert c.command("SET", "cold", "value") == "OK"
        for _ in range(200):
            c.command("GET", "hot")
        hot = c.command("OBJECT", "FREQ", "hot")
        assert hot > 5
        assert c.command("SAVE") == "OK"
    restart(srv)
    with srv.raw() as c:
        assert c.command("OBJECT", "FREQ", "hot") == hot
        assert c.command("OBJECT", "FREQ", "cold") == 5


@pytest.mark.parametrize("compression,checksum", FORMATS, ids=FORMAT_IDS)
def test_file_saved_here_loads_into_the_oracle(
        server_factory, oracle_factory, compression, checksum):
    srv = server_factory(extra_args=["--rdbcompression", compression,
                                     "--rdbchecksum", checksum])
    with srv.raw() as c:
        fill_strings(c, seed=2)
        before = dataset_state(c)
        ttls = ttl_map(c)
        t0 = time.monotonic()
        assert c.command("SAVE") == "OK"
    path = srv.dir / "dump.rdb"
    data = path.read_bytes()
    assert data[:9] == b"REDIS0010"
    assert (b"a" * 1000 in data) == (compression == "no")
    checked = run_checker("redis", path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "RDB looks OK" in checked.stdout
    oracle = oracle_factory()
    oracle.stop()
    shutil.copy(path, oracle.dir / "dump.rdb")
    oracle.start()
    with oracle.raw() as c:
        assert dataset_state(c) == before
        assert_ttls_kept(ttls, ttl_map(c), (time.monotonic() - t0) * 1000)


@pytest.mark.parametrize("compression,checksum", FORMATS, ids=FORMAT_IDS)
def test_file_saved_by_the_oracle_loads_here(
        server_factory, oracle_factory, target, compression, checksum):
    oracle = oracle_factory(extra_args=["--rdbcompression", compression,
                                        "--rdbchecksum", checksum])
    with oracle.raw() as c:
        fill_strings(c, seed=3)
        before = dataset_state(c)
        ttls = ttl_map(c)
        t0 = time.monotonic()
        assert c.command("SAVE") == "OK"
    path = oracle.dir / "dump.rdb"
    checked = run_checker(target, path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    srv = server_factory(start=False)
    shutil.copy(path, srv.dir / "dump.rdb")
    srv.start()
    with srv.raw() as c:
        assert dataset_state(c) == before
        assert_ttls_kept(ttls, ttl_map(c), (time.monotonic() - t0) * 1000)


# ------------------------------------------------------ damaged files


@pytest.fixture(scope="module")
def good_file(target, tmp_path_factory):
    """(bytes, digest) of a file the target saved, made once per module."""
    srv = harness.ServerProcess(target, tmp_path_factory.mktemp("good"))
    srv.start()
    try:
        with srv.raw() as c:
            fill_strings(c, seed=4, populate=500, dbs=(0, 3))
            digest = c.command("DEBUG", "DIGEST")
            assert c.command("SAVE") == "OK"
        data = (srv.dir / "dump.rdb").read_bytes()
    finally:
        srv.stop()
    return data, digest


def _flip(data, at):
    return data[:at] + bytes([data[at] ^ 0x55]) + data[at + 1:]


DAMAGE = {
    "empty": lambda d: b"",
    "truncated-in-magic": lambda d: d[:5],
    "truncated-after-header": lambda d: d[:9],
    "truncated-in-aux": lambda d: d[:20],
    "truncated-quarter": lambda d: d[:len(d) // 4],
    "truncated-half": lambda d: d[:len(d) // 2],
    "truncated-before-eof-opcode": lambda d: d[:-9],
    "truncated-no-checksum": lambda d: d[:-8],
    "truncated-last-byte": lambda d: d[:-1],
    "flipped-third": lambda d: _flip(d, len(d) // 3),
    "flipped-middle": lambda d: _flip(d, len(d) // 2),
    "flipped-two-thirds": lambda d: _flip(d, 2 * len(d) // 3),
    "wrong-magic": lambda d: b"REDIX" + d[5:],
    "version-newer": lambda d: b"REDIS0013" + d[9:],
    "version-zero": lambda d: b"REDIS0000" + d[9:],
    "bad-checksum": lambda d: _flip(d, len(d) - 1),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_file_stops_start_up(server_factory, target, good_file, damage):
    data = DAMAGE[damage](good_file[0])
    assert data != good_file[0]
    srv = server_factory(start=False)
    path = srv.dir / "dump.rdb"
    path.write_bytes(data)
    t0 = time.monotonic()
    srv.spawn()
    code = srv.wait_exit(15)
    assert code is not None, "the server kept running on a damaged file"
    assert code != 0
    assert time.monotonic() - t0 < 15
    if target == "replikv":
        # One line that names the file, the offset and the checker.
        lines = [l for l in srv.log_text().splitlines() if "replikv-check-rdb" in l]
        assert len(lines) == 1, lines
        assert "dump.rdb" in lines[0] and re.search(r"offset \d+", lines[0]), lines
    checked = run_checker(target, path)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    offset = re.search(r"--- RDB ERROR DETECTED ---\n\[offset (\d+)\]", checked.stdout)
    assert offset, checked.stdout
    assert int(offset.group(1)) <= len(data)


# Redis 7.0's words in the start-up log for each kind of damage: tooling
# greps for them (issue 16, item 5). replikv adds its offset and checker hint.
ORACLE_WORDS = {
    "bad-checksum": ["RDB CRC error", "Wrong RDB checksum expected: ("],
    "truncated-half": ["Short read or OOM loading DB. Unrecoverable error, aborting now.",
                       "Unexpected EOF reading RDB file"],
    "truncated-no-checksum": ["Short read or OOM loading DB. Unrecoverable error, aborting now."],
    "wrong-magic": ["Wrong signature trying to load DB from file"],
    "version-newer": ["Can't handle RDB format version 13"],
}


@pytest.mark.parametrize("damage", sorted(ORACLE_WORDS))
def test_damaged_file_log_uses_the_oracle_wording(server_factory, good_file, damage):
    srv = server_factory(start=False)
    (srv.dir / "dump.rdb").write_bytes(DAMAGE[damage](good_file[0]))
    srv.spawn()
    assert srv.wait_exit(15) not in (None, 0)
    log = srv.log_text()
    for words in ORACLE_WORDS[damage]:
        assert words in log, log[-2000:]


def test_undamaged_file_is_accepted(server_factory, target, good_file):
    srv = server_factory(start=False)
    path = srv.dir / "dump.rdb"
    path.write_bytes(good_file[0])
    checked = run_checker(target, path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    srv.start()
    with srv.raw() as c:
        assert c.command("DEBUG", "DIGEST") == good_file[1]


# --------------------------------------------------------------- loading


def test_clients_get_loading_while_a_big_file_loads(server_factory):
    srv = server_factory()
    keys = 20000
    with srv.raw() as c:
        assert c.command("DEBUG", "POPULATE", keys) == "OK"
        digest = c.command("DEBUG", "DIGEST")
        assert c.command("SAVE") == "OK"
    size = (srv.dir / "dump.rdb").stat().st_size
    srv.stop()
    # key-load-delay: us slept per key read, so the load lasts seconds;
    # serve clients every 1 KB read (both are Redis's own test knobs).
    srv.extra_args += ["--key-load-delay", "100",
                       "--loading-process-events-interval-bytes", "1024"]
    srv.spawn()
    loading = RespError("LOADING Redis is loading the dataset in memory")
    assert wait_for(lambda: first_reply(srv, "PING"), 10, "a first reply") == loading
    with srv.raw() as c:
        f = info(c)
        assert f["loading"] == "1"
        assert 0.0 <= float(f["loading_loaded_perc"]) < 100.0
        assert int(f["loading_total_bytes"]) == size
        assert 0 <= int(f["loading_loaded_bytes"]) < size
        assert int(f["loading_eta_seconds"]) >= 0
        assert int(f["loading_start_time"]) <= time.time() + 1
        assert c.command("GET", "key:1") == loading
        perc = float(f["loading_loaded_perc"])
        wait_for(lambda: (info(c).get("loading") == "0"
                          or float(info(c)["loading_loaded_perc"]) > perc),
                 30, "loading to progress")
    assert wait_for(lambda: first_reply(srv, "PING") == "PONG", 120,
                    "the load to finish")
    with srv.raw() as c:
        assert info(c)["loading"] == "0"
        assert c.command("DBSIZE") == keys
        assert c.command("DEBUG", "DIGEST") == digest


def test_debug_reload_keeps_the_dataset(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        fill_strings(c, seed=5, populate=1000)
        before = dataset_state(c)
        assert c.command("DEBUG", "RELOAD") == "OK"
        assert dataset_state(c) == before
        # NOSAVE loads the file as it is: a write made since is gone.
        assert c.command("SET", "after", "1") == "OK"
        assert c.command("DEBUG", "RELOAD", "NOSAVE") == "OK"
        assert c.command("EXISTS", "after") == 0
        assert dataset_state(c) == before
    assert "DB reloaded by DEBUG RELOAD" in srv.log_text()


def test_child_reports_progress_while_it_saves(server_factory):
    # INFO's current_* fields follow a running BGSAVE (Redis's child info
    # pipe, about once a second): keys done out of the keys at the fork.
    srv = server_factory()
    c = srv.client()
    p = c.pipeline(transaction=False)
    for i in range(3000):
        p.set(f"k{i}", i)
    p.execute()
    c.config_set("rdb-key-save-delay", 1000)  # 1 ms a key: ~3 s
    assert c.bgsave()
    harness.wait_for(lambda: c.info("persistence")["current_save_keys_processed"] > 0, 20,
                     "a progress report from the child")
    info = c.info("persistence")
    assert info["rdb_bgsave_in_progress"] == 1
    assert info["current_save_keys_total"] == 3000
    assert 0 < info["current_save_keys_processed"] <= 3000
    assert 0 < float(info["current_fork_perc"]) <= 100
    c.config_set("rdb-key-save-delay", 0)
    harness.wait_for(lambda: c.info("persistence")["rdb_bgsave_in_progress"] == 0, 30, "the save to end")
    info = c.info("persistence")
    assert info["current_save_keys_processed"] == 0 and info["current_save_keys_total"] == 0
