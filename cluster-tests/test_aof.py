"""The append-only file, as redis-server 7.0.15 keeps it: the multi-part
layout (manifest, base, incr files), BGREWRITEAOF racing writes, CONFIG SET
appendonly, automatic rewrites, the upgrade of a Redis 6 single-file AOF,
INFO aof_* fields, truncated and damaged files at start-up, the checker
(redis-check-aof / replikv-check-aof) and a full disk.

Every test runs against both targets; tests that move files between the two
servers (interop) run the real redis-server as the other side. Crash tests
(kill -9 under load) are in test_aof_crash.py.
"""

import os
import random
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

import harness
from harness import RespError, encode_command, info_fields, wait_for

MANIFEST = "appendonly.aof.manifest"
# The aof_* fields of INFO persistence, in Redis 7.0.15's order: with the
# AOF off only the first 12 are printed.
AOF_FIELDS = [
    "aof_enabled", "aof_rewrite_in_progress", "aof_rewrite_scheduled",
    "aof_last_rewrite_time_sec", "aof_current_rewrite_time_sec",
    "aof_last_bgrewrite_status", "aof_rewrites",
    "aof_rewrites_consecutive_failures", "aof_last_write_status",
    "aof_last_cow_size", "module_fork_in_progress",
    "module_fork_last_cow_size",
]
AOF_ON_FIELDS = AOF_FIELDS + [
    "aof_current_size", "aof_base_size", "aof_pending_rewrite",
    "aof_buffer_length", "aof_pending_bio_fsync", "aof_delayed_fsync",
]


# ------------------------------------------------------------------ helpers


def aof_args(fsync="everysec", preamble="yes", *extra):
    return ["--appendonly", "yes", "--appendfsync", fsync,
            "--aof-use-rdb-preamble", preamble, *extra]


def info(srv, section="persistence"):
    with srv.raw() as c:
        return info_fields(c.command("INFO", section))


def digest(srv):
    with srv.raw() as c:
        return str(c.command("DEBUG", "DIGEST"))


def dbsize_all(srv):
    with srv.raw() as c:
        return c.command("INFO", "keyspace")


def aof_dir(srv):
    return Path(srv.dir) / "appendonlydir"


def manifest_entries(directory):
    """[(name, seq, type)] of a manifest, in file order."""
    out = []
    for line in (Path(directory) / MANIFEST).read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        words = line.split()
        kv = dict(zip(words[0::2], words[1::2]))
        out.append((kv["file"], int(kv["seq"]), kv["type"]))
    return out


def kill9(srv):
    """SIGKILL to the pid the harness spawned, then reap it."""
    srv.kill()


def wait_aof_written(srv, timeout_s=10):
    """Until the AOF buffer is empty: everything acknowledged so far has
    been handed to write(2) (the page cache survives a kill -9)."""
    wait_for(lambda: info(srv).get("aof_buffer_length") == "0", timeout_s,
             "aof_buffer_length:0")


def wait_rewrite_done(srv, rewrites_before, timeout_s=30):
    """Until a rewrite after `rewrites_before` finished; fails at once if
    one failed (aof_last_bgrewrite_status:err), saying so."""
    def done():
        f = info(srv)
        if f["aof_last_bgrewrite_status"] == "err":
            return f
        if (f["aof_rewrite_in_progress"] == "0" and f["aof_rewrite_scheduled"] == "0"
                and int(f["aof_rewrites"]) > rewrites_before):
            return f
        return None
    f = wait_for(done, timeout_s, "the AOF rewrite to finish", interval_s=0.02)
    assert f["aof_last_bgrewrite_status"] == "ok", "the AOF rewrite failed: see the server log"


def bgrewriteaof(srv):
    before = int(info(srv)["aof_rewrites"])
    with srv.raw() as c:
        reply = c.command("BGREWRITEAOF")
    assert reply in ("Background append only file rewriting started",
                     "Background append only file rewriting scheduled"), reply
    wait_rewrite_done(srv, before)


def check_aof_binary(target):
    if target == "redis":
        name = os.environ.get("REDIS_CHECK_AOF", "redis-check-aof")
    else:
        default = os.path.join(os.path.dirname(harness.binary_for("replikv")),
                               "replikv-check-aof")
        name = os.environ.get("REPLIKV_CHECK_AOF", default)
    found = harness._which(name)
    if found is None:
        pytest.fail(f"AOF checker for {target} not found at {name!r}", pytrace=False)
    return found


def run_check_aof(target, path, fix=False, answer=None, truncate_to=None):
    """Runs the target's checker; returns (exit code, stdout+stderr)."""
    args = [check_aof_binary(target)] + (["--fix"] if fix else [])
    if truncate_to is not None:
        args += ["--truncate-to-timestamp", str(truncate_to)]
    args += [str(path)]
    p = subprocess.run(args, input=(answer or "").encode(), capture_output=True,
                       timeout=60)
    return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")


def analyzed(output, filename):
    """The numbers of the "AOF analyzed: filename=F, ..." line for F."""
    for line in output.splitlines():
        if line.startswith(f"AOF analyzed: filename={filename},"):
            fields = dict(part.strip().split("=", 1)
                          for part in line[len("AOF analyzed: "):].split(","))
            return {k: (v if k == "filename" else int(v)) for k, v in fields.items()}
    raise AssertionError(f"no 'AOF analyzed' line for {filename}:\n{output}")


def start_refused(srv, timeout_s=15):
    """Spawns srv and expects it to exit on its own (a refused AOF)."""
    log_start = srv.log_size()
    srv.spawn()
    rc = srv.wait_exit(timeout_s)
    assert rc is not None, "the server started although its AOF is damaged"
    assert rc != 0
    return srv.log_text(log_start)


def write_strings(c, n, seed, prefix="k"):
    """A mix of string commands over dbs 0-2 (relative expires, MULTI/EXEC,
    INCRBYFLOAT...) through a RespClient; every reply is checked so a
    refused write cannot pass unnoticed."""
    rnd = random.Random(seed)
    for i in range(n):
        db = rnd.randrange(3)
        assert c.command("SELECT", db) == "OK"
        key = f"{prefix}{rnd.randrange(n)}"
        op = rnd.randrange(9)
        if op == 0:
            reply = c.command("SET", key, os.urandom(rnd.randrange(1, 64)))
        elif op == 1:
            reply = c.command("INCRBY", f"n{prefix}{rnd.randrange(20)}", rnd.randrange(1, 1000))
        elif op == 2:
            reply = c.command("APPEND", key, "x" * rnd.randrange(1, 20))
        elif op == 3:
            reply = c.command("SET", key, i, "EX", 10000 + rnd.randrange(1000))
        elif op == 4:
            reply = c.command("EXPIRE", key, 20000)
        elif op == 5:
            reply = c.command("DEL", key)
        elif op == 6:
            reply = c.command("INCRBYFLOAT", f"f{prefix}{rnd.randrange(10)}", "1.5")
        elif op == 7:
            c.send(encode_command("MULTI") + encode_command("SET", key, "m")
                   + encode_command("INCR", f"n{prefix}0") + encode_command("EXEC"))
            replies = [c.read_reply() for _ in range(4)]
            assert replies[0] == "OK" and isinstance(replies[3], list), replies
            reply = None
        else:
            reply = c.command("MSET", key, "a", f"{key}:2", "b")
        assert not isinstance(reply, RespError), reply


def copy_aof_dir(src_dir, dst_dir):
    dst = Path(dst_dir) / "appendonlydir"
    shutil.copytree(Path(src_dir) / "appendonlydir", dst)
    return dst


# ---------------------------------------------------------- layout and INFO


def test_fresh_start_writes_base_incr_and_manifest(server_factory):
    srv = server_factory(extra_args=aof_args())
    d = aof_dir(srv)
    assert (d / MANIFEST).read_text() == (
        "file appendonly.aof.1.base.rdb seq 1 type b\n"
        "file appendonly.aof.1.incr.aof seq 1 type i\n")
    assert (d / "appendonly.aof.1.base.rdb").read_bytes().startswith(b"REDIS")
    with srv.raw() as c:
        assert c.command("SET", "a", "1") == "OK"
        assert c.command("SELECT", "3") == "OK"
        assert c.command("SET", "b", "2", "PX", "100000") == "OK"
    wait_aof_written(srv)
    text = (d / "appendonly.aof.1.incr.aof").read_bytes()
    assert text.startswith(encode_command("SELECT", "0") + encode_command("SET", "a", "1"))
    assert encode_command("SELECT", "3") in text
    # The relative expire is written as an absolute one (SET ... PXAT).
    assert b"PXAT" in text


def test_info_aof_fields(server_factory):
    srv = server_factory()
    names = [k for k in info(srv) if k.startswith(("aof_", "module_fork"))]
    assert names == AOF_FIELDS
    srv2 = server_factory(extra_args=aof_args())
    with srv2.raw() as c:
        for i in range(100):
            assert c.command("SET", f"k{i}", "v" * 100) == "OK"
    # After a restart the sizes cover every file (on a fresh start Redis
    # leaves the empty base it just created out of aof_current_size).
    srv2.stop()
    srv2.start()
    f = info(srv2)
    assert [k for k in f if k.startswith(("aof_", "module_fork"))] == AOF_ON_FIELDS
    assert f["aof_enabled"] == "1"
    assert f["aof_rewrite_in_progress"] == "0"
    assert f["aof_last_bgrewrite_status"] == "ok"
    assert f["aof_last_write_status"] == "ok"
    assert f["aof_buffer_length"] == "0"
    assert f["aof_rewrites"] == "0"
    d = aof_dir(srv2)
    files = [d / name for name, _, t in manifest_entries(d) if t in "bi"]
    assert int(f["aof_current_size"]) == sum(p.stat().st_size for p in files)
    assert int(f["aof_base_size"]) == (d / "appendonly.aof.1.base.rdb").stat().st_size
    bgrewriteaof(srv2)
    f = info(srv2)
    assert f["aof_rewrites"] == "1"
    assert int(f["aof_last_rewrite_time_sec"]) >= 0
    assert int(f["aof_base_size"]) == (d / "appendonly.aof.2.base.rdb").stat().st_size


def test_info_rewrite_in_progress_and_scheduled(server_factory):
    # rdb-key-save-delay slows the rewrite child (as it slows BGSAVE) so the
    # in-progress state can be seen, and a BGSAVE meanwhile is refused.
    srv = server_factory(extra_args=aof_args())
    with srv.raw() as c:
        assert c.command("DEBUG", "POPULATE", "100") == "OK"
        assert c.command("CONFIG", "SET", "rdb-key-save-delay", "10000") == "OK"
        assert c.command("BGREWRITEAOF") == "Background append only file rewriting started"
        f = info(srv)
        assert f["aof_rewrite_in_progress"] == "1"
        assert int(f["aof_current_rewrite_time_sec"]) >= 0
        assert c.command("BGREWRITEAOF") == RespError(
            "ERR Background append only file rewriting already in progress")
        reply = c.command("BGSAVE")
        assert isinstance(reply, RespError)
        assert "AOF" in reply.message, reply
        assert c.command("CONFIG", "SET", "rdb-key-save-delay", "0") == "OK"
    wait_rewrite_done(srv, 0)
    assert info(srv)["aof_current_rewrite_time_sec"] == "-1"


def test_bgrewriteaof_is_scheduled_while_a_bgsave_runs(server_factory):
    srv = server_factory(extra_args=aof_args())
    with srv.raw() as c:
        assert c.command("DEBUG", "POPULATE", "200") == "OK"
        assert c.command("CONFIG", "SET", "rdb-key-save-delay", "5000") == "OK"
        assert c.command("BGSAVE") == "Background saving started"
        assert c.command("BGREWRITEAOF") == "Background append only file rewriting scheduled"
        f = info(srv)
        assert f["aof_rewrite_scheduled"] == "1"
        assert f["aof_pending_rewrite"] == "1"
        assert c.command("CONFIG", "SET", "rdb-key-save-delay", "0") == "OK"
    wait_rewrite_done(srv, 0)


# ------------------------------------------------------------- rewrites


def test_rewrite_racing_writes_loses_nothing(server_factory):
    srv = server_factory(extra_args=aof_args())
    with srv.raw() as c:
        assert c.command("DEBUG", "POPULATE", "10000", "pop", "20") == "OK"
        # Slow the child so that the writes really race it.
        assert c.command("CONFIG", "SET", "rdb-key-save-delay", "20") == "OK"
    stop = threading.Event()
    counts = [0, 0]
    errors = []

    def writer(n):
        try:
            with srv.raw() as w:
                i = 0
                while not stop.is_set() and i < 200000:
                    assert w.command("SET", f"w{n}:{i}", i) == "OK"
                    assert w.command("INCR", f"counter{n}") == i + 1
                    i += 1
                    counts[n] = i
        except Exception as e:  # reported below, in the test's thread
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    try:
        for _ in range(2):
            before = int(info(srv)["aof_rewrites"])
            started_at = sum(counts)
            with srv.raw() as c:
                assert c.command("BGREWRITEAOF") == "Background append only file rewriting started"
            wait_rewrite_done(srv, before)
            assert sum(counts) > started_at, "no write happened during the rewrite"
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert not errors, errors
    wait_aof_written(srv)
    before = digest(srv)
    d = aof_dir(srv)
    # The history (base 1, incr 1 and 2) is gone; the manifest names base 3.
    assert manifest_entries(d) == [("appendonly.aof.3.base.rdb", 3, "b"),
                                   ("appendonly.aof.3.incr.aof", 3, "i")]
    wait_for(lambda: sorted(p.name for p in d.iterdir()) == sorted(
        [MANIFEST, "appendonly.aof.3.base.rdb", "appendonly.aof.3.incr.aof"]),
        10, "only the manifest's files in the AOF dir")
    kill9(srv)
    srv.start()
    assert digest(srv) == before
    with srv.raw() as c:
        for n in range(2):
            assert c.command("GET", f"counter{n}") == str(counts[n]).encode()


def test_rewrite_without_rdb_preamble_writes_commands(server_factory):
    srv = server_factory(extra_args=aof_args(preamble="no"))
    with srv.raw() as c:
        write_strings(c, 300, seed=5)
    bgrewriteaof(srv)
    d = aof_dir(srv)
    base = [name for name, _, t in manifest_entries(d) if t == "b"]
    assert base == ["appendonly.aof.2.base.aof"]
    assert (d / base[0]).read_bytes().startswith(b"*2\r\n$6\r\nSELECT\r\n")
    before = digest(srv)
    srv.stop()
    srv.start()
    assert digest(srv) == before


@pytest.mark.needs_types
@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_rewrite_and_reload_of_every_type(server_factory, preamble):
    srv = server_factory(extra_args=aof_args(preamble=preamble))
    with srv.raw() as c:
        for i in range(50):
            assert c.command("RPUSH", f"list{i % 5}", f"e{i}", i) > 0
            c.command("SADD", f"set{i % 5}", f"m{i}", i)
            c.command("HSET", f"hash{i % 5}", f"f{i}", f"v{i}")
            c.command("ZADD", f"zset{i % 5}", str(i * 1.5), f"z{i}")
        assert c.command("RPUSH", "biglist", *[os.urandom(100) for _ in range(300)]) == 300
        assert c.command("SADD", "intset", *range(100)) == 100
        assert c.command("PEXPIRE", "list1", 500000) == 1
    bgrewriteaof(srv)
    with srv.raw() as c:
        assert c.command("LPOP", "list0") is not None
        assert c.command("SREM", "set0", "m0") == 1
        assert c.command("HDEL", "hash0", "f0") == 1
        assert c.command("ZINCRBY", "zset0", 2, "z0") is not None
    wait_aof_written(srv)
    before = digest(srv)
    kill9(srv)
    srv.start()
    assert digest(srv) == before


def test_config_set_appendonly_yes_then_no(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        write_strings(c, 500, seed=1)
        assert c.command("CONFIG", "SET", "appendonly", "yes") == "OK"
        assert info(srv)["aof_enabled"] == "1"
        wait_rewrite_done(srv, 0)
        d = aof_dir(srv)
        entries = manifest_entries(d)
        assert [t for _, _, t in entries] == ["b", "i"]
        assert (d / entries[0][0]).read_bytes().startswith(b"REDIS")
        write_strings(c, 300, seed=2)
        wait_aof_written(srv)
        with_aof = digest(srv)
        assert c.command("CONFIG", "SET", "appendonly", "no") == "OK"
        assert info(srv)["aof_enabled"] == "0"
        incr = d / entries[1][0]
        size = incr.stat().st_size
        assert c.command("SET", "after-off", "1") == "OK"
    assert incr.stat().st_size == size  # nothing more is appended
    # Restarting with appendonly yes loads the AOF as it was when turned off.
    kill9(srv)
    srv.extra_args = aof_args()
    srv.start()
    assert digest(srv) == with_aof


def test_config_set_appendonly_yes_keeps_writes_made_during_the_first_rewrite(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        assert c.command("DEBUG", "POPULATE", "2000") == "OK"
        assert c.command("CONFIG", "SET", "rdb-key-save-delay", "200") == "OK"
        assert c.command("CONFIG", "SET", "appendonly", "yes") == "OK"
        assert info(srv)["aof_rewrite_in_progress"] == "1"
        write_strings(c, 300, seed=3)  # while the first base is being written
        assert c.command("CONFIG", "SET", "rdb-key-save-delay", "0") == "OK"
    wait_rewrite_done(srv, 0)
    wait_aof_written(srv)
    before = digest(srv)
    kill9(srv)
    srv.extra_args = aof_args()
    srv.start()
    assert digest(srv) == before


def test_config_set_appendonly_yes_while_a_bgsave_runs_is_scheduled(server_factory):
    # The first rewrite waits for the BGSAVE; writes made before it forks
    # are in its base and must not be replayed again from the incr file.
    srv = server_factory()
    with srv.raw() as c:
        assert c.command("DEBUG", "POPULATE", "200") == "OK"
        assert c.command("CONFIG", "SET", "rdb-key-save-delay", "5000") == "OK"
        assert c.command("BGSAVE") == "Background saving started"
        assert c.command("CONFIG", "SET", "rdb-key-save-delay", "0") == "OK"
        assert c.command("CONFIG", "SET", "appendonly", "yes") == "OK"
        assert info(srv)["aof_rewrite_scheduled"] == "1"
        for i in range(50):
            assert c.command("INCR", "counter") == i + 1
    wait_rewrite_done(srv, 0)
    with srv.raw() as c:
        for i in range(50, 60):
            assert c.command("INCR", "counter") == i + 1
    wait_aof_written(srv)
    before = digest(srv)
    kill9(srv)
    srv.extra_args = aof_args()
    srv.start()
    with srv.raw() as c:
        assert c.command("GET", "counter") == b"60"
    assert digest(srv) == before


def test_config_set_appendonly_yes_over_an_old_aof_dir(server_factory):
    # An AOF dir left by an earlier run with appendonly yes; this run started
    # with appendonly no. Turning the AOF on writes a new base with the next
    # seq and retires the old files, as Redis does.
    srv = server_factory(extra_args=aof_args())
    with srv.raw() as c:
        write_strings(c, 200, seed=51)
    srv.stop()
    d = aof_dir(srv)
    old = manifest_entries(d)
    srv.extra_args = []
    srv.start()
    with srv.raw() as c:
        assert c.command("FLUSHALL") == "OK"
        assert c.command("SET", "fresh", "1") == "OK"
        assert c.command("CONFIG", "SET", "appendonly", "yes") == "OK"
    wait_rewrite_done(srv, 0)
    with srv.raw() as c:
        assert c.command("SET", "fresh2", "2") == "OK"
    new = manifest_entries(d)
    assert [t for _, _, t in new] == ["b", "i"]
    assert new[0][1] == old[0][1] + 1 and new[1][1] == old[1][1] + 1, (old, new)
    wait_for(lambda: not any((d / name).exists() for name, _, _ in old), 10,
             "the old files deleted")
    wait_aof_written(srv)
    before = digest(srv)
    kill9(srv)
    srv.extra_args = aof_args()
    srv.start()
    assert digest(srv) == before


def test_auto_rewrite_honours_min_size_and_percentage(server_factory):
    srv = server_factory(extra_args=aof_args(
        "everysec", "yes", "--auto-aof-rewrite-percentage", "100",
        "--auto-aof-rewrite-min-size", "64mb"))
    with srv.raw() as c:
        for i in range(300):
            assert c.command("SET", f"k{i}", os.urandom(1000)) == "OK"
    # Under min-size: no rewrite, however large the growth (several cron
    # periods of 100 ms are let pass).
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        assert info(srv)["aof_rewrites"] == "0"
        time.sleep(0.1)
    with srv.raw() as c:
        assert c.command("CONFIG", "SET", "auto-aof-rewrite-min-size", "100kb") == "OK"
    wait_rewrite_done(srv, 0, timeout_s=15)
    d = aof_dir(srv)
    assert [t for _, _, t in manifest_entries(d)] == ["b", "i"]
    assert manifest_entries(d)[0][1] == 2
    f = info(srv)
    # The new base holds the data; the growth since is under 100%: no more.
    assert int(f["aof_base_size"]) > 300 * 1000
    assert int(f["aof_current_size"]) < 2 * int(f["aof_base_size"])


# -------------------------------------------------------------- upgrade


def test_old_single_file_aof_is_upgraded(server_factory):
    srv = server_factory(start=False, extra_args=aof_args())
    old = (encode_command("SELECT", "0") + encode_command("SET", "a", "1")
           + encode_command("SELECT", "2") + encode_command("SET", "b", "2")
           + encode_command("MULTI") + encode_command("INCR", "n")
           + encode_command("EXEC"))
    (Path(srv.dir) / "appendonly.aof").write_bytes(old)
    srv.start()
    with srv.raw() as c:
        assert c.command("GET", "a") == b"1"
        assert c.command("SELECT", "2") == "OK"
        assert c.command("GET", "b") == b"2"
        assert c.command("GET", "n") == b"1"
        assert c.command("SET", "c", "3") == "OK"
    d = aof_dir(srv)
    assert not (Path(srv.dir) / "appendonly.aof").exists()
    assert (d / "appendonly.aof").read_bytes() == old
    assert manifest_entries(d) == [("appendonly.aof", 1, "b"),
                                   ("appendonly.aof.1.incr.aof", 1, "i")]
    wait_aof_written(srv)
    before = digest(srv)
    srv.stop()
    srv.start()
    assert digest(srv) == before
    # The first rewrite retires the old file like any base.
    bgrewriteaof(srv)
    wait_for(lambda: not (d / "appendonly.aof").exists(), 10, "the old base deleted")
    assert digest(srv) == before


def test_old_aof_with_rdb_preamble_and_tail_is_upgraded(server_factory, oracle_factory):
    # A Redis 6 AOF after a rewrite: an RDB preamble, then commands.
    oracle = oracle_factory()
    with oracle.raw() as c:
        write_strings(c, 200, seed=7)
        assert c.command("SAVE") == "OK"
    rdb = (Path(oracle.dir) / "dump.rdb").read_bytes()
    tail = encode_command("SELECT", "1") + encode_command("SET", "tail", "yes")
    with oracle.raw() as c:
        assert c.command("SELECT", "1") == "OK"
        assert c.command("SET", "tail", "yes") == "OK"
    expected = digest(oracle)
    srv = server_factory(start=False, extra_args=aof_args())
    (Path(srv.dir) / "appendonly.aof").write_bytes(rdb + tail)
    srv.start()
    assert digest(srv) == expected


# -------------------------------------------------------------- interop


def workload_with_rewrite(srv, seed):
    with srv.raw() as c:
        write_strings(c, 400, seed=seed)
    bgrewriteaof(srv)
    with srv.raw() as c:
        write_strings(c, 200, seed=seed + 1, prefix="after")
    wait_aof_written(srv)
    return digest(srv)


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_aof_written_here_loads_into_real_server_and_passes_its_check(
        server_factory, oracle_factory, tmp_path, preamble):
    srv = server_factory(extra_args=aof_args(preamble=preamble))
    expected = workload_with_rewrite(srv, seed=11)
    srv.stop()
    other = tmp_path / "other"
    other.mkdir()
    d = copy_aof_dir(srv.dir, other)
    rc, out = run_check_aof("redis", d / MANIFEST)
    assert rc == 0, out
    assert "All AOF files and manifest are valid" in out
    oracle = oracle_factory(extra_args=aof_args("everysec", preamble, "--dir", str(other)))
    assert digest(oracle) == expected


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_aof_written_by_real_server_loads_here(server_factory, oracle_factory, tmp_path,
                                                target, preamble):
    oracle = oracle_factory(extra_args=aof_args(preamble=preamble))
    expected = workload_with_rewrite(oracle, seed=21)
    oracle.stop()
    other = tmp_path / "other"
    other.mkdir()
    d = copy_aof_dir(oracle.dir, other)
    rc, out = run_check_aof(target, d / MANIFEST)
    assert rc == 0, out
    assert "All AOF files and manifest are valid" in out
    srv = server_factory(extra_args=aof_args("everysec", preamble, "--dir", str(other)))
    assert digest(srv) == expected


def test_timestamp_annotations_written_by_real_server_load_here(
        server_factory, oracle_factory, tmp_path, target):
    # aof-timestamp-enabled yes: Redis writes "#TS:<unix time>" lines
    # between commands; a loader must skip them.
    oracle = oracle_factory(extra_args=aof_args("everysec", "yes", "--aof-timestamp-enabled", "yes"))
    with oracle.raw() as c:
        write_strings(c, 300, seed=61)
    wait_aof_written(oracle)
    expected = digest(oracle)
    oracle.stop()
    other = tmp_path / "other"
    other.mkdir()
    d = copy_aof_dir(oracle.dir, other)
    assert (d / "appendonly.aof.1.incr.aof").read_bytes().startswith(b"#TS:")
    rc, out = run_check_aof(target, d / MANIFEST)
    assert rc == 0, out
    srv = server_factory(extra_args=aof_args("everysec", "yes", "--dir", str(other)))
    assert digest(srv) == expected


def annotations(data):
    """The seconds of the "#TS:" lines of an AOF, in file order."""
    return [int(line[4:]) for line in data.split(b"\r\n") if line.startswith(b"#TS:")]


def test_timestamp_annotations_are_written_once_per_second(server_factory):
    srv = server_factory(extra_args=aof_args("always", "no", "--aof-timestamp-enabled", "yes"))
    start = int(time.time())
    with srv.raw() as c:
        assert c.command("SET", "a", "1") == "OK"
        assert c.command("SET", "b", "2") == "OK"
        # Into the next second: the next write carries a new annotation.
        time.sleep(1.05 - (time.time() % 1.0))
        assert c.command("SET", "c", "3") == "OK"
    incr = (aof_dir(srv) / "appendonly.aof.1.incr.aof").read_bytes()
    # The base written at start-up carried the time, so a first write in
    # the same second has no annotation of its own (as in Redis); the write
    # in the next second has one, before its command.
    stamps = annotations(incr)
    assert 1 <= len(stamps) <= 3, incr
    assert incr.split(b"\r\n").index(b"#TS:%d" % stamps[-1]) < incr.split(b"\r\n").index(b"c"), incr
    assert stamps == sorted(set(stamps)), stamps
    assert start - 1 <= stamps[0] and stamps[-1] <= int(time.time()) + 1, (start, stamps)
    # A rewrite without an RDB preamble starts its base with the time; a
    # write in a later second annotates the new incr file.
    bgrewriteaof(srv)
    time.sleep(1.05 - (time.time() % 1.0))
    with srv.raw() as c:
        assert c.command("SET", "d", "4") == "OK"
    base = sorted(aof_dir(srv).glob("*.base.aof"))[-1].read_bytes()
    assert base.startswith(b"#TS:"), base[:40]
    incr2 = sorted(aof_dir(srv).glob("*.incr.aof"))[-1].read_bytes()
    assert incr2.startswith(b"#TS:"), incr2[:40]


def test_check_aof_truncate_to_timestamp(tmp_path, target):
    ping, set_a, set_b = (encode_command("PING"), encode_command("SET", "a", "1"),
                          encode_command("SET", "b", "2"))
    body = ping + b"#TS:100\r\n" + set_a + b"#TS:200\r\n" + set_b
    f = tmp_path / "t.aof"
    f.write_bytes(body)
    rc, out = run_check_aof(target, f, truncate_to=300)
    assert rc == 0, out
    assert f"Truncate nothing in AOF {f} to timestamp 300" in out
    assert f"AOF {f} is valid" in out
    assert f.read_bytes() == body
    rc, out = run_check_aof(target, f, truncate_to=150)
    assert rc == 0, out
    assert f"Successfully truncated AOF {f} to timestamp 150" in out
    assert f.read_bytes() == ping + b"#TS:100\r\n" + set_a
    rc, out = run_check_aof(target, f, truncate_to=50)
    assert rc == 0, out
    assert f.read_bytes() == ping
    g = tmp_path / "late.aof"
    g.write_bytes(b"#TS:100\r\n" + set_a)
    rc, out = run_check_aof(target, g, truncate_to=50)
    assert rc == 1, out
    assert f"AOF {g} has nothing before timestamp 50, aborting..." in out
    assert g.read_bytes() == b"#TS:100\r\n" + set_a
    rc, out = run_check_aof(target, g, truncate_to="soon")
    assert rc == 1, out
    assert "Invalid timestamp, aborting..." in out


def test_check_aof_truncate_to_timestamp_cuts_the_last_incr_file(server_factory, target, tmp_path):
    srv = server_factory(extra_args=aof_args("always", "yes", "--aof-timestamp-enabled", "yes"))
    with srv.raw() as c:
        assert c.command("SET", "before", "1") == "OK"
        time.sleep(1.05 - (time.time() % 1.0))
        assert c.command("SET", "after", "2") == "OK"
    srv.stop()
    d = copy_aof_dir(srv.dir, tmp_path)
    incr = d / "appendonly.aof.1.incr.aof"
    stamps = annotations(incr.read_bytes())
    assert len(stamps) >= 2, incr.read_bytes()
    rc, out = run_check_aof(target, d / MANIFEST, truncate_to=stamps[-2])
    assert rc == 0, out
    assert f"Successfully truncated AOF appendonly.aof.1.incr.aof to timestamp {stamps[-2]}" in out
    assert "All AOF files and manifest are valid" in out
    assert b"after" not in incr.read_bytes() and b"before" in incr.read_bytes()


# --------------------------------------------------- damage at start-up


def stopped_with_data(server_factory, n=50):
    """A stopped server whose incr file holds n SETs; returns (srv, incr
    path, the bytes of the last SET)."""
    srv = server_factory(extra_args=aof_args())
    with srv.raw() as c:
        for i in range(n):
            assert c.command("SET", f"k{i}", f"v{i}") == "OK"
    srv.stop()
    incr = aof_dir(srv) / "appendonly.aof.1.incr.aof"
    last = encode_command("SET", f"k{n - 1}", f"v{n - 1}")
    assert incr.read_bytes().endswith(last)
    return srv, incr, last


def test_truncated_tail_loads_with_aof_load_truncated_yes(server_factory):
    srv, incr, last = stopped_with_data(server_factory)
    size = incr.stat().st_size
    os.truncate(incr, size - 5)
    srv.extra_args = aof_args("everysec", "yes", "--aof-load-truncated", "yes")
    log_start = srv.log_size()
    srv.start()
    log = srv.log_text(log_start)
    assert "!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!" in log
    assert "AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled" in log
    with srv.raw() as c:
        assert c.command("GET", "k48") == b"v48"
        assert c.command("GET", "k49") is None
        assert c.command("SET", "k49", "again") == "OK"
    assert incr.stat().st_size >= size - len(last)
    # The file was cut to the last whole command, so it loads again cleanly.
    wait_aof_written(srv)
    before = digest(srv)
    srv.stop()
    srv.extra_args = aof_args("everysec", "yes", "--aof-load-truncated", "no")
    srv.start()
    assert digest(srv) == before


def test_truncated_tail_refused_with_aof_load_truncated_no(server_factory, target):
    srv, incr, last = stopped_with_data(server_factory)
    size = incr.stat().st_size
    os.truncate(incr, size - 5)
    srv.extra_args = aof_args("everysec", "yes", "--aof-load-truncated", "no")
    log = start_refused(srv)
    assert "Unexpected end of file reading the append only file appendonly.aof.1.incr.aof" in log, log
    if target == "replikv":
        assert f"at offset {size - len(last)}" in log, log
    assert incr.stat().st_size == size - 5  # untouched


def test_damage_in_the_middle_is_refused_and_fixed_by_the_checker(server_factory, target):
    srv, incr, _ = stopped_with_data(server_factory)
    data = bytearray(incr.read_bytes())
    # Break the '*' of the 11th SET (after SELECT and ten SETs).
    offset = len(encode_command("SELECT", "0")) + sum(
        len(encode_command("SET", f"k{i}", f"v{i}")) for i in range(10))
    assert data[offset:offset + 1] == b"*"
    data[offset] = ord("?")
    incr.write_bytes(bytes(data))
    for truncated in ("yes", "no"):
        srv.extra_args = aof_args("everysec", "yes", "--aof-load-truncated", truncated)
        log = start_refused(srv)
        assert "Bad file format reading the append only file appendonly.aof.1.incr.aof" in log, log
        assert "-check-aof --fix <filename.manifest>" in log, log
        if target == "replikv":
            assert f"at offset {offset}" in log, log
    assert incr.read_bytes() == bytes(data)
    manifest = aof_dir(srv) / MANIFEST
    rc, out = run_check_aof(target, manifest)
    assert rc == 1, out
    assert analyzed(out, "appendonly.aof.1.incr.aof")["ok_up_to"] == offset
    rc, out = run_check_aof(target, manifest, fix=True, answer="y\n")
    assert rc == 0, out
    assert "Successfully truncated AOF appendonly.aof.1.incr.aof" in out
    assert incr.stat().st_size == offset
    srv.extra_args = aof_args()
    srv.start()
    with srv.raw() as c:
        assert c.command("GET", "k9") == b"v9"
        assert c.command("GET", "k10") is None


def test_unknown_command_in_the_aof_is_refused(server_factory):
    srv = server_factory(start=False, extra_args=aof_args())
    (Path(srv.dir) / "appendonly.aof").write_bytes(
        encode_command("SELECT", "0") + encode_command("SET", "a", "1")
        + encode_command("NOSUCHCOMMAND", "a") + encode_command("SET", "b", "2"))
    log = start_refused(srv)
    assert "Unknown command 'NOSUCHCOMMAND' reading the append only file appendonly.aof" in log, log


# ------------------------------------------------------------ the checker


def test_check_aof_accepts_a_whole_aof(server_factory, target):
    srv = server_factory(extra_args=aof_args())
    with srv.raw() as c:
        write_strings(c, 200, seed=31)
    srv.stop()
    d = aof_dir(srv)
    rc, out = run_check_aof(target, d / MANIFEST)
    assert rc == 0, out
    assert "Start checking Multi Part AOF" in out
    assert "BASE AOF appendonly.aof.1.base.rdb is valid" in out
    assert "INCR AOF appendonly.aof.1.incr.aof is valid" in out
    size = (d / "appendonly.aof.1.incr.aof").stat().st_size
    a = analyzed(out, "appendonly.aof.1.incr.aof")
    assert (a["size"], a["ok_up_to"], a["diff"]) == (size, size, 0)
    # One file given directly: the old-style check.
    rc, out = run_check_aof(target, d / "appendonly.aof.1.incr.aof")
    assert rc == 0, out
    assert "Start checking Old-Style AOF" in out


def test_check_aof_fix_truncates_the_tail_after_confirmation(server_factory, target):
    srv, incr, last = stopped_with_data(server_factory)
    size = incr.stat().st_size
    os.truncate(incr, size - 7)
    manifest = aof_dir(srv) / MANIFEST
    rc, out = run_check_aof(target, manifest)
    assert rc == 1, out
    a = analyzed(out, "appendonly.aof.1.incr.aof")
    assert (a["size"], a["ok_up_to"], a["diff"]) == (size - 7, size - len(last), len(last) - 7)
    assert "AOF appendonly.aof.1.incr.aof is not valid. Use the --fix option to try fixing it." in out
    # "n" (or no answer at all) changes nothing.
    for answer in ("n\n", ""):
        rc, out = run_check_aof(target, manifest, fix=True, answer=answer)
        assert rc == 1, out
        assert "Continue? [y/N]:" in out
        assert incr.stat().st_size == size - 7
    rc, out = run_check_aof(target, manifest, fix=True, answer="y\n")
    assert rc == 0, out
    assert (f"This will shrink the AOF appendonly.aof.1.incr.aof from {size - 7} bytes, "
            f"with {len(last) - 7} bytes, to {size - len(last)} bytes") in out
    assert incr.stat().st_size == size - len(last)
    rc, out = run_check_aof(target, manifest)
    assert rc == 0, out


def test_check_aof_reports_an_unfinished_multi(tmp_path, target):
    head = encode_command("SET", "a", "1")
    f = tmp_path / "x.aof"
    f.write_bytes(head + encode_command("MULTI") + encode_command("SET", "b", "2"))
    rc, out = run_check_aof(target, f)
    assert rc == 1, out
    assert "Reached EOF before reading EXEC for MULTI" in out
    assert analyzed(out, str(f))["ok_up_to"] == len(head)


def test_check_aof_refuses_to_fix_a_file_that_is_not_last(server_factory, target):
    srv, incr, _ = stopped_with_data(server_factory)
    d = aof_dir(srv)
    second = d / "appendonly.aof.2.incr.aof"
    second.write_bytes(encode_command("SET", "later", "1"))
    (d / MANIFEST).write_text(
        "file appendonly.aof.1.base.rdb seq 1 type b\n"
        "file appendonly.aof.1.incr.aof seq 1 type i\n"
        "file appendonly.aof.2.incr.aof seq 2 type i\n")
    size = incr.stat().st_size
    os.truncate(incr, size - 3)
    rc, out = run_check_aof(target, d / MANIFEST, fix=True, answer="y\n")
    assert rc == 1, out
    assert "Failed to truncate AOF appendonly.aof.1.incr.aof because it is not the last file" in out
    assert incr.stat().st_size == size - 3
    # The server refuses it too, even with aof-load-truncated yes.
    srv.extra_args = aof_args("everysec", "yes", "--aof-load-truncated", "yes")
    start_refused(srv)


def test_check_aof_refuses_a_damaged_rdb_base(server_factory, target):
    srv = server_factory(extra_args=aof_args())
    with srv.raw() as c:
        assert c.command("DEBUG", "POPULATE", "100") == "OK"
    bgrewriteaof(srv)
    srv.stop()
    d = aof_dir(srv)
    base = d / "appendonly.aof.2.base.rdb"
    os.truncate(base, base.stat().st_size - 20)
    rc, out = run_check_aof(target, d / MANIFEST, fix=True, answer="y\n")
    assert rc == 1, out
    assert "RDB preamble of AOF file is not sane, aborting." in out


def test_check_aof_refuses_a_bad_manifest(tmp_path, target):
    (tmp_path / MANIFEST).write_text("file a.aof seq 0 type i\n")
    rc, out = run_check_aof(target, tmp_path / MANIFEST)
    assert rc == 1, out
    assert "Invalid AOF manifest file format" in out


# ------------------------------------------------------------- disk full


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 4 MiB tmpfs mounted for the test, unmounted at the end. Skips
    (saying why) where mounting is not allowed."""
    mnt = tmp_path / "tmpfs"
    mnt.mkdir()
    if shutil.which("mount") is None or shutil.which("umount") is None:
        error = "no mount/umount binary"
    else:
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)],
                           capture_output=True, timeout=30)
        error = p.stderr.decode(errors="replace").strip() if p.returncode != 0 else None
    if error is not None:
        reason = (f"disk-full test not run: mounting a small tmpfs failed ({error}); "
                  "it needs root and mount permission")
        print(reason)
        pytest.skip(reason)
    try:
        yield mnt
    finally:
        r = subprocess.run(["umount", str(mnt)], capture_output=True, timeout=30)
        if r.returncode != 0:
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True, timeout=30)


def test_disk_full_sets_write_status_err_refuses_writes_and_recovers(server_factory, small_tmpfs):
    srv = server_factory(start=False, extra_args=aof_args("everysec", "yes", "--dir", str(small_tmpfs)))
    try:
        srv.start()
        # Leave about 256 KiB free, so that writes soon fail.
        st = os.statvfs(small_tmpfs)
        filler = small_tmpfs / "filler"
        filler.write_bytes(b"\0" * (st.f_bavail * st.f_frsize - 256 * 1024))
        acked = {}
        misconf = None
        with srv.raw() as c:
            for i in range(400):
                value = os.urandom(8 * 1024)
                reply = c.command("SET", f"k{i}", value)
                if isinstance(reply, RespError):
                    misconf = reply
                    break
                assert reply == "OK"
                acked[f"k{i}"] = value
            assert misconf is not None, "the disk never filled up"
            assert misconf.message.startswith("MISCONF Errors writing to the AOF file: "), misconf
            assert "No space left on device" in misconf.message
            assert info(srv)["aof_last_write_status"] == "err"
            # Reads go on; every acknowledged write is still there.
            last = list(acked)[-1]
            assert c.command("GET", last) == acked[last]
            filler.unlink()
            wait_for(lambda: info(srv)["aof_last_write_status"] == "ok", 10,
                     "aof_last_write_status:ok after space came back", interval_s=0.05)
            assert c.command("SET", "after", "1") == "OK"
        wait_aof_written(srv)
        before = digest(srv)
        kill9(srv)
        srv.start()
        assert digest(srv) == before
        with srv.raw() as c:
            for k in random.sample(list(acked), min(20, len(acked))):
                assert c.command("GET", k) == acked[k]
    finally:
        srv.stop()
