"""The AOF manifest and the life of AOF files as redis-server 7.0.15 keeps
them (issue 16, section 2, items 8-13): a malformed manifest stops start-up
with Redis's FATAL AOF MANIFEST FILE ERROR block (whatever appendonly says),
an interrupted upgrade from a single-file AOF is finished, BGREWRITEAOF with
the AOF off writes only a base, aof-disable-auto-gc keeps history files,
repeated rewrite failures rate-limit automatic rewrites, and turning the AOF
on writes to a temp incr file that a failed first rewrite removes.

Every case runs on both servers with the same assertions, the log texts
included. Rewrites are made to fail by killing the server's own rewrite
child (found through /proc, never by name) while rdb-key-save-delay holds it.
"""

import os
import signal
from pathlib import Path

import pytest

from harness import encode_command, info_fields, wait_for

MANIFEST = "appendonly.aof.manifest"
FATAL = "*** FATAL AOF MANIFEST FILE ERROR ***"
INVALID = "Invalid AOF manifest file format"
BASE1 = "file appendonly.aof.1.base.rdb seq 1 type b"
LONG_LINE = BASE1 + " kk " + "x" * (1024 - len(BASE1) - 4)  # 1024 bytes: one too many


def aof_args(*extra):
    return ["--appendonly", "yes", "--appendfsync", "everysec", *extra]


def info(srv):
    with srv.raw() as c:
        return info_fields(c.command("INFO", "persistence"))


def aof_dir(srv):
    return Path(srv.dir) / "appendonlydir"


def manifest_text(srv):
    return (aof_dir(srv) / MANIFEST).read_text()


def start_refused(srv, timeout_s=15):
    """Spawns srv and expects it to exit on its own; returns its new log."""
    log_start = srv.log_size()
    srv.spawn()
    rc = srv.wait_exit(timeout_s)
    assert rc is not None, "the server started although it should have refused"
    assert rc != 0
    return srv.log_text(log_start)


def wait_rewrite_done(srv, rewrites_before, timeout_s=30):
    def done():
        f = info(srv)
        if (f["aof_rewrite_in_progress"] == "0" and f["aof_rewrite_scheduled"] == "0"
                and int(f["aof_rewrites"]) > rewrites_before):
            return f
        return None
    f = wait_for(done, timeout_s, "the AOF rewrite to finish", interval_s=0.02)
    assert f["aof_last_bgrewrite_status"] == "ok", "the AOF rewrite failed: see the server log"


def bgrewriteaof(srv):
    before = int(info(srv)["aof_rewrites"])
    with srv.raw() as c:
        assert c.command("BGREWRITEAOF") == "Background append only file rewriting started"
    wait_rewrite_done(srv, before)


def child_pids(srv):
    """The pids of the server's own children (its fork child, if any)."""
    try:
        text = Path(f"/proc/{srv.pid}/task/{srv.pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def kill_rewrite_child(srv, timeout_s=10):
    """Waits for the server's fork child and kills it with SIGKILL (Redis
    and replikv both count that as a failed rewrite)."""
    pids = wait_for(lambda: child_pids(srv), timeout_s, "a rewrite child")
    for pid in pids:
        os.kill(pid, signal.SIGKILL)


# ---------------------------------------------------- malformed manifests

# (name, manifest text, line number or 0, the line Redis prints, reason),
# each measured on redis-server 7.0.15.
BAD_MANIFESTS = [
    ("non_monotonic_seq",
     BASE1 + "\nfile appendonly.aof.3.incr.aof seq 3 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
     3, "file appendonly.aof.2.incr.aof seq 2 type i", "Found a non-monotonic sequence number"),
    ("duplicate_base",
     BASE1 + "\nfile appendonly.aof.2.base.rdb seq 2 type b\n",
     2, "file appendonly.aof.2.base.rdb seq 2 type b", "Found duplicate base file information"),
    ("unknown_type", "file appendonly.aof.1.base.rdb seq 1 type x\n",
     1, "file appendonly.aof.1.base.rdb seq 1 type x", "Unknown AOF file type"),
    ("missing_key", "file appendonly.aof.1.base.rdb type b foo bar\n",
     1, "file appendonly.aof.1.base.rdb type b foo bar", INVALID),
    ("line_too_short", "ab\n", 1, "ab", INVALID),
    ("odd_key_value_count", "file appendonly.aof.1.base.rdb seq 1 type\n",
     1, "file appendonly.aof.1.base.rdb seq 1 type", INVALID),
    ("seq_zero", "file appendonly.aof.1.base.rdb seq 0 type b\n",
     1, "file appendonly.aof.1.base.rdb seq 0 type b", INVALID),
    ("path_not_name", "file ../appendonly.aof.1.base.rdb seq 1 type b\n",
     1, "file ../appendonly.aof.1.base.rdb seq 1 type b", "File can't be a path, just a filename"),
    # Issue 16 item 9: replikv used to skip blank lines.
    ("empty_line", BASE1 + "\n\n", 2, "", INVALID),
    ("blank_line", BASE1 + "\n   \n", 2, "", INVALID),
    ("line_longer_than_1k", LONG_LINE + "\n", 0, None, "The AOF manifest file contains too long line"),
    ("last_line_without_newline", BASE1, 0, None, "The AOF manifest file contains too long line"),
    ("empty_manifest", "", 0, None, "Found an empty AOF manifest"),
]


def write_aof_dir(srv, manifest, files=("appendonly.aof.1.base.rdb",)):
    d = aof_dir(srv)
    d.mkdir(exist_ok=True)
    (d / MANIFEST).write_text(manifest)
    for name in files:
        (d / name).write_bytes(b"")


def assert_fatal_block(log, line_no, line, reason):
    # Redis logs each message with a trailing newline of its own, so the
    # block reads "# \n*** FATAL ... ***\n\n" and each later message ends in
    # a blank line.
    assert f"# \n{FATAL}\n\n" in log, log
    if line_no:
        assert f"# Reading the manifest file, at line {line_no}\n\n" in log, log
        assert f"# >>> '{line}'\n\n" in log, log
    else:
        assert "Reading the manifest file" not in log, log
    assert f"# {reason}\n\n" in log, log
    assert log.rstrip().endswith(reason), log
    assert "Ready to accept connections" not in log, log


@pytest.mark.parametrize("name,manifest,line_no,line,reason", BAD_MANIFESTS,
                         ids=[b[0] for b in BAD_MANIFESTS])
def test_malformed_manifest_stops_start_up(server_factory, name, manifest, line_no, line, reason):
    srv = server_factory(start=False, extra_args=aof_args())
    write_aof_dir(srv, manifest)
    log = start_refused(srv)
    assert_fatal_block(log, line_no, line, reason)
    assert (aof_dir(srv) / MANIFEST).read_text() == manifest  # untouched


def test_malformed_manifest_stops_start_up_with_the_aof_off(server_factory):
    # The manifest is read whatever appendonly says.
    srv = server_factory(start=False)
    write_aof_dir(srv, "file appendonly.aof.1.base.rdb seq 1 type x\n")
    log = start_refused(srv)
    assert_fatal_block(log, 1, "file appendonly.aof.1.base.rdb seq 1 type x", "Unknown AOF file type")


def test_manifest_lines_that_load(server_factory):
    # What Redis accepts around the refusals above: comments in the first
    # column, CRLF, blanks around the words, unknown keys, keys in any case,
    # a 1023-byte line.
    long_ok = BASE1 + " kk " + "x" * (1023 - len(BASE1) - 4)
    srv = server_factory(start=False, extra_args=aof_args())
    write_aof_dir(srv, "# a comment\n" + long_ok + "\n"
                       "  FILE appendonly.aof.1.incr.aof Seq 1 TYPE i  foo bar\r\n",
                  files=("appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof"))
    (aof_dir(srv) / "appendonly.aof.1.incr.aof").write_bytes(encode_command("SET", "k", "v"))
    srv.start()
    with srv.raw() as c:
        assert c.command("GET", "k") == b"v"


def test_file_named_by_the_manifest_is_missing(server_factory):
    srv = server_factory(start=False, extra_args=aof_args())
    write_aof_dir(srv, "file appendonly.aof.7.base.rdb seq 7 type b\n", files=())
    log = start_refused(srv)
    assert ("Unable to obtain the AOF file appendonly.aof.7.base.rdb length. "
            "stat: No such file or directory") in log, log


def test_aof_dir_that_is_a_file_stops_start_up(server_factory):
    srv = server_factory(start=False, extra_args=aof_args())
    aof_dir(srv).write_bytes(b"")
    log = start_refused(srv)
    assert "Can't open or create append-only dir appendonlydir: Not a directory" in log, log


# ------------------------------------------------------------- the upgrade

OLD_AOF = (encode_command("SELECT", "0") + encode_command("SET", "a", "1")
           + encode_command("SELECT", "2") + encode_command("SET", "b", "2"))
MIGRATED = ("Successfully migrated an old-style AOF file (appendonly.aof) "
            "into the AOF directory (appendonlydir).")


def check_upgraded(srv):
    with srv.raw() as c:
        assert c.command("GET", "a") == b"1"
        assert c.command("SELECT", "2") == "OK"
        assert c.command("GET", "b") == b"2"
    assert not (Path(srv.dir) / "appendonly.aof").exists()
    assert (aof_dir(srv) / "appendonly.aof").read_bytes() == OLD_AOF
    assert manifest_text(srv) == ("file appendonly.aof seq 1 type b\n"
                                  "file appendonly.aof.1.incr.aof seq 1 type i\n")


def test_old_single_file_aof_is_upgraded_and_says_so(server_factory):
    srv = server_factory(start=False, extra_args=aof_args())
    (Path(srv.dir) / "appendonly.aof").write_bytes(OLD_AOF)
    srv.start()
    check_upgraded(srv)
    assert MIGRATED in srv.log_text()


def test_interrupted_upgrade_is_completed(server_factory):
    # The upgrade writes the manifest first, then moves the file: stopped in
    # between, the manifest names a base still in `dir`.
    srv = server_factory(start=False, extra_args=aof_args())
    (Path(srv.dir) / "appendonly.aof").write_bytes(OLD_AOF)
    write_aof_dir(srv, "file appendonly.aof seq 1 type b\n", files=())
    srv.start()
    check_upgraded(srv)
    assert MIGRATED in srv.log_text()


# ----------------------------------------------------- rewrites and history


def test_bgrewriteaof_with_the_aof_off_writes_only_a_base(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        assert c.command("SET", "a", "1") == "OK"
    bgrewriteaof(srv)
    d = aof_dir(srv)
    assert manifest_text(srv) == "file appendonly.aof.1.base.rdb seq 1 type b\n"
    assert sorted(os.listdir(d)) == ["appendonly.aof.1.base.rdb", MANIFEST]
    log_start = srv.log_size()
    bgrewriteaof(srv)
    assert manifest_text(srv) == "file appendonly.aof.2.base.rdb seq 2 type b\n"
    assert sorted(os.listdir(d)) == ["appendonly.aof.2.base.rdb", MANIFEST]
    assert ("Removing the history file appendonly.aof.1.base.rdb in the background"
            in srv.log_text(log_start))


def test_bgrewriteaof_with_the_aof_off_retires_an_earlier_aof(server_factory):
    srv = server_factory(extra_args=aof_args())
    with srv.raw() as c:
        assert c.command("SET", "a", "1") == "OK"
    srv.stop()
    srv.extra_args = []
    srv.start()
    with srv.raw() as c:
        assert c.command("SET", "b", "2") == "OK"
    log_start = srv.log_size()
    bgrewriteaof(srv)
    assert manifest_text(srv) == "file appendonly.aof.2.base.rdb seq 2 type b\n"
    assert sorted(os.listdir(aof_dir(srv))) == ["appendonly.aof.2.base.rdb", MANIFEST]
    log = srv.log_text(log_start)
    assert ("Removing the history file appendonly.aof.1.incr.aof in the background\n"
            in log), log
    assert ("Removing the history file appendonly.aof.1.base.rdb in the background\n"
            in log), log


def test_aof_disable_auto_gc_keeps_history_until_turned_off(server_factory):
    srv = server_factory(extra_args=aof_args("--aof-disable-auto-gc", "yes"))
    d = aof_dir(srv)
    with srv.raw() as c:
        assert c.command("SET", "a", "1") == "OK"
    bgrewriteaof(srv)
    with srv.raw() as c:
        assert c.command("SET", "b", "1") == "OK"
    bgrewriteaof(srv)
    # Exactly what redis-server 7.0.15 wrote for the same steps.
    assert manifest_text(srv) == (
        "file appendonly.aof.3.base.rdb seq 3 type b\n"
        "file appendonly.aof.2.incr.aof seq 2 type h\n"
        "file appendonly.aof.2.base.rdb seq 2 type h\n"
        "file appendonly.aof.1.incr.aof seq 1 type h\n"
        "file appendonly.aof.1.base.rdb seq 1 type h\n"
        "file appendonly.aof.3.incr.aof seq 3 type i\n")
    history = ["appendonly.aof.2.incr.aof", "appendonly.aof.2.base.rdb",
               "appendonly.aof.1.incr.aof", "appendonly.aof.1.base.rdb"]
    assert all((d / name).exists() for name in history)
    # They survive a restart too.
    srv.stop()
    srv.start()
    assert all((d / name).exists() for name in history)
    assert "type h" in manifest_text(srv)
    log_start = srv.log_size()
    with srv.raw() as c:
        assert c.command("CONFIG", "SET", "aof-disable-auto-gc", "no") == "OK"
    wait_for(lambda: not any((d / name).exists() for name in history), 10,
             "the history files deleted")
    assert manifest_text(srv) == ("file appendonly.aof.3.base.rdb seq 3 type b\n"
                                  "file appendonly.aof.3.incr.aof seq 3 type i\n")
    log = srv.log_text(log_start)
    lines = [l.split("* ", 1)[1] for l in log.splitlines() if "Removing the history file" in l]
    assert lines == [f"Removing the history file {name} in the background" for name in history], log


def test_history_lines_are_deleted_at_start_up(server_factory):
    srv = server_factory(extra_args=aof_args("--aof-disable-auto-gc", "yes"))
    bgrewriteaof(srv)
    srv.stop()
    d = aof_dir(srv)
    assert (d / "appendonly.aof.1.base.rdb").exists()
    srv.extra_args = aof_args()
    log_start = srv.log_size()
    srv.start()
    assert manifest_text(srv) == ("file appendonly.aof.2.base.rdb seq 2 type b\n"
                                  "file appendonly.aof.2.incr.aof seq 2 type i\n")
    assert not (d / "appendonly.aof.1.base.rdb").exists()
    assert not (d / "appendonly.aof.1.incr.aof").exists()
    assert ("Removing the history file appendonly.aof.1.base.rdb in the background"
            in srv.log_text(log_start))


# ---------------------------------------------------------- failed rewrites

LIMITED = ("Background AOF rewrite has repeatedly failed and triggered the limit, "
           "will retry in 1 minutes")


def test_aof_rewrites_counts_started_rewrites(server_factory):
    srv = server_factory(extra_args=aof_args())
    with srv.raw() as c:
        assert c.command("SET", "a", "1") == "OK"
        assert c.command("CONFIG", "SET", "rdb-key-save-delay", "100000000") == "OK"
        assert c.command("BGREWRITEAOF") == "Background append only file rewriting started"
        assert info(srv)["aof_rewrites"] == "1"
    kill_rewrite_child(srv)
    wait_for(lambda: info(srv)["aof_rewrites_consecutive_failures"] == "1", 10, "the failed rewrite")
    f = info(srv)
    assert f["aof_rewrites"] == "1", f
    assert f["aof_last_bgrewrite_status"] == "err", f


def test_repeated_rewrite_failures_limit_automatic_rewrites(server_factory):
    srv = server_factory(extra_args=aof_args())
    log_start = srv.log_size()
    with srv.raw() as c:
        # A rewrite child that would take hours, killed each time it starts.
        assert c.command("CONFIG", "SET", "rdb-key-save-delay", "100000000") == "OK"
        assert c.command("SET", "a", "1") == "OK"
        assert c.command("CONFIG", "SET", "auto-aof-rewrite-min-size", "1") == "OK"
        assert c.command("CONFIG", "SET", "auto-aof-rewrite-percentage", "1") == "OK"
    for failures in (1, 2, 3):
        kill_rewrite_child(srv)
        wait_for(lambda: info(srv)["aof_rewrites_consecutive_failures"] == str(failures), 10,
                 f"{failures} failed rewrites")
    wait_for(lambda: LIMITED in srv.log_text(log_start), 10, "the rewrite limit log line")
    f = info(srv)
    assert f["aof_rewrite_in_progress"] == "0", f
    assert f["aof_rewrites_consecutive_failures"] == "3", f
    assert f["aof_last_bgrewrite_status"] == "err", f
    log = srv.log_text(log_start)
    assert log.count("Starting automatic rewriting of AOF on") == 3, log
    # BGREWRITEAOF itself is not limited.
    with srv.raw() as c:
        assert c.command("CONFIG", "SET", "rdb-key-save-delay", "0") == "OK"
    bgrewriteaof(srv)
    assert info(srv)["aof_rewrites_consecutive_failures"] == "0"


def test_appendonly_yes_writes_a_temp_incr_removed_when_the_rewrite_fails(server_factory):
    srv = server_factory()
    d = aof_dir(srv)
    temp = d / "temp-appendonly.aof.incr"
    log_start = srv.log_size()
    with srv.raw() as c:
        assert c.command("SET", "a", "1") == "OK"
        assert c.command("CONFIG", "SET", "rdb-key-save-delay", "100000000") == "OK"
        assert c.command("CONFIG", "SET", "appendonly", "yes") == "OK"
        assert c.command("SET", "b", "2") == "OK"
        # Writes made while the first base is written go to the temp file.
        wait_for(lambda: temp.exists() and encode_command("SET", "b", "2") in temp.read_bytes(),
                 10, "SET b in the temp incr file")
        assert manifest_entries_or_none(d) is None
        # The retry after the failure must succeed.
        assert c.command("CONFIG", "SET", "rdb-key-save-delay", "0") == "OK"
    kill_rewrite_child(srv)
    # aof_rewrites counts started rewrites: the failed one and the retry.
    wait_for(lambda: (lambda f: f["aof_rewrites"] == "2" and f["aof_rewrite_in_progress"] == "0"
                      and f["aof_last_bgrewrite_status"] == "ok")(info(srv)),
             30, "the retried rewrite to succeed")
    log = srv.log_text(log_start)
    assert "Removing the temp incr aof file temp-appendonly.aof.incr in the background" in log, log
    assert log.count("Creating AOF incr file temp-appendonly.aof.incr on background rewrite") == 2, log
    assert not temp.exists()
    f = info(srv)
    assert f["aof_rewrites_consecutive_failures"] == "0", f
    assert manifest_text(srv) == ("file appendonly.aof.1.base.rdb seq 1 type b\n"
                                  "file appendonly.aof.1.incr.aof seq 1 type i\n")
    with srv.raw() as c:
        assert c.command("SET", "c", "3") == "OK"
        digest = c.command("DEBUG", "DIGEST")
    srv.stop()
    srv.extra_args = aof_args()
    srv.start()
    with srv.raw() as c:
        assert c.command("DEBUG", "DIGEST") == digest
        assert c.command("MGET", "a", "b", "c") == [b"1", b"2", b"3"]


def manifest_entries_or_none(d):
    p = Path(d) / MANIFEST
    return p.read_text() if p.exists() else None
